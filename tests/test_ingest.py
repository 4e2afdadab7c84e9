"""Discover and read: every input becomes articles or a rejection with a reason."""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from conftest import SEEDS, bbc_file

from flows.ingest import IngestConfig, decode_bytes, discover_files, read_source_file


def read_all(*roots: Path, config: IngestConfig = IngestConfig()):
    files, rejected = discover_files(list(roots), config)
    articles = []
    for file in files:
        file_articles, file_rejected = read_source_file(file, config)
        articles += file_articles
        rejected += file_rejected
    return articles, rejected


def test_seed_txt_files_take_title_from_first_line_and_source_from_stem():
    articles, rejected = read_all(SEEDS)
    assert rejected == []
    assert [a.source for a in articles] == ["000_9bed5375e8ab3aa3", "003_33851966dae3a68f"]
    assert articles[0].title.startswith("US Secretary of State Rex Tillerson has said")
    assert articles[0].encoding == "utf-8"


def test_source_is_first_folder_under_root_unless_a_sidecar_names_it(tmp_path: Path):
    (tmp_path / "reuters" / "2017").mkdir(parents=True)
    (tmp_path / "reuters" / "2017" / "a.txt").write_text("Headline\n\nBody text here.")
    (tmp_path / "b.txt").write_text("Other\n\nMore text.")
    (tmp_path / "b.txt.meta.json").write_text(
        json.dumps({"source": "AP", "published_at": "2017-04-12T09:30:00Z", "url": "u"})
    )
    articles, rejected = read_all(tmp_path)
    by_name = {Path(a.path).name: a for a in articles}
    assert rejected == []
    assert by_name["a.txt"].source == "reuters"
    assert by_name["b.txt"].source == "AP"
    assert by_name["b.txt"].published_at == datetime(2017, 4, 12, 9, 30, tzinfo=UTC)


def test_jsonl_keeps_good_lines_and_rejects_bad_ones_individually(tmp_path: Path):
    lines = [
        json.dumps(
            {
                "id": "1",
                "source": "Reuters",
                "title": "T",
                "text": "One article.",
                "published_at": "2017-04-11",
            }
        ),
        "{not json",
        json.dumps({"id": "3", "source": "AP"}),
        json.dumps({"text": "Another article with no source."}),
    ]
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(lines) + "\n")
    articles, rejected = read_all(path)
    assert [(a.source, a.text) for a in articles] == [
        ("Reuters", "One article."),
        ("corpus", "Another article with no source."),
    ]
    assert articles[0].path.endswith("corpus.jsonl:1")
    assert articles[0].published_at == datetime(2017, 4, 11, tzinfo=UTC)
    reasons = {Path(r.path).name: r.reason for r in rejected}
    assert "invalid JSON" in reasons["corpus.jsonl:2"]
    assert "'text'" in reasons["corpus.jsonl:3"]


def test_bbc_windows_1252_file_is_decoded_not_rejected(tmp_path: Path):
    copy = tmp_path / "sport" / "199.txt"
    copy.parent.mkdir()
    shutil.copy(bbc_file("sport/199.txt"), copy)
    articles, rejected = read_all(tmp_path)
    assert rejected == []
    assert articles[0].encoding == "cp1252"
    assert "a \u00a315.8m signing" in articles[0].text


def test_legacy_and_bom_encodings_decode_to_the_same_text():
    text = "Caf\u00e9 owners said \u00a35m was \u201cnot enough\u201d."
    assert decode_bytes(text.encode("cp1252")) == (text, "cp1252")
    assert decode_bytes(text.encode("utf-16")) == (text, "utf-16")
    assert decode_bytes(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "utf-8-sig")


def test_binary_and_empty_files_are_rejected_with_a_reason(tmp_path: Path):
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (tmp_path / "archive.txt").write_bytes(gzip.compress(b"hello"))
    (tmp_path / "blank.txt").write_text("  \n\n \t\n")
    (tmp_path / "nul.txt").write_bytes(b"abc\x00\x00\x00\x00def" * 10)
    (tmp_path / "ok.txt").write_text("A real article.")
    articles, rejected = read_all(tmp_path)
    reasons = {Path(r.path).name: r.reason for r in rejected}
    assert [Path(a.path).name for a in articles] == ["ok.txt"]
    assert "PNG image" in reasons["image.txt"]
    assert "gzip" in reasons["archive.txt"]
    assert "empty" in reasons["blank.txt"]
    assert "NUL" in reasons["nul.txt"]


def test_oversized_files_are_rejected_over_the_configured_limit(tmp_path: Path):
    (tmp_path / "big.txt").write_text("word " * 1000)
    _, rejected = read_all(tmp_path, config=IngestConfig(max_file_bytes=100))
    assert "larger than" in rejected[0].reason


def test_broken_symlinks_and_links_out_of_the_root_are_not_followed(tmp_path: Path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("Do not read me.")
    (root / "escape.txt").symlink_to(outside / "secret.txt")
    (root / "broken.txt").symlink_to(root / "missing.txt")
    articles, rejected = read_all(root)
    reasons = {Path(r.path).name: r.reason for r in rejected}
    assert articles == []
    assert "leaves the source root" in reasons["escape.txt"]
    assert "broken" in reasons["broken.txt"]
    followed, _ = read_all(root, config=IngestConfig(follow_symlinks=True))
    assert [a.text for a in followed] == ["Do not read me."]


def test_missing_source_path_is_reported_not_raised(tmp_path: Path):
    files, rejected = discover_files([tmp_path / "nope"])
    assert files == [] and "does not exist" in rejected[0].reason
