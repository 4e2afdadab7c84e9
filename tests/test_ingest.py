"""Discover and read: every input becomes articles or a rejection with a reason."""

from __future__ import annotations

import errno
import functools
import gzip
import io
import json
import os
import shutil
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bad_inputs import BIG_FILE_BYTES, DELETED, Expected, as_unprivileged, write_bad_inputs
from conftest import SEEDS, bbc_file
from crosswire.ingest import read as ingest
from crosswire.ingest.read import (
    IngestConfig,
    RawArticle,
    decode_bytes,
    discover_files,
    hand_over_discovery,
    parse_timestamp,
    read_source_file,
)
from crosswire.text.normalize import normalize_text


def read_all(*roots: Path, config: IngestConfig = IngestConfig()):
    files, rejected = discover_files(list(roots), config)
    articles = []
    for file in files:
        file_articles, file_rejected = read_source_file(file, config)
        articles += file_articles
        rejected += file_rejected
    return articles, rejected


def test_seed_txt_files_take_title_from_first_line_and_outlet_from_their_sidecars():
    articles, rejected = read_all(SEEDS)
    assert rejected == []
    assert [a.source for a in articles] == ["unidentified-uk-outlet", "washingtonexaminer.com"]
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


# ---- the bad-input corpus (tests/bad_inputs.py) ---------------------------------------------


@pytest.fixture(scope="module")
def bad_corpus(tmp_path_factory) -> tuple[Path, dict[str, Expected]]:
    folder = tmp_path_factory.mktemp("bad")
    return folder / "corpus", write_bad_inputs(folder)


def read_corpus(corpus: Path, monkeypatch) -> tuple[dict[str, RawArticle], dict[str, str]]:
    """Read the corpus as the pipeline does, deleting DELETED between discovery and read."""
    if os.geteuid() == 0:
        monkeypatch.setattr(ingest, "_open_source", as_unprivileged(ingest._open_source))
    files, rejected = discover_files([corpus])
    deleted = corpus / DELETED
    saved = deleted.read_bytes()
    deleted.unlink()
    articles = []
    try:
        for file in files:
            file_articles, file_rejected = read_source_file(file)
            articles += file_articles
            rejected += file_rejected
    finally:
        deleted.write_bytes(saved)
    relative = functools.partial(os.path.relpath, start=corpus)
    return {relative(a.path): a for a in articles}, {relative(r.path): r.reason for r in rejected}


def test_every_bad_input_is_read_as_a_document_or_rejected_with_its_reason(bad_corpus, monkeypatch):
    corpus, expected = bad_corpus
    articles, reasons = read_corpus(corpus, monkeypatch)
    assert set(articles) == {name for name, outcome in expected.items() if outcome.document}
    assert set(reasons) == {name for name, outcome in expected.items() if outcome.reason}
    for name, outcome in expected.items():
        if outcome.reason:
            assert outcome.phrase in reasons[name], name
        else:
            assert outcome.phrase in normalize_text(articles[name].text), name
            assert outcome.encoding in (None, articles[name].encoding), name


def test_html_pages_give_their_main_text_as_paragraphs_and_their_metadata(bad_corpus):
    corpus, _ = bad_corpus
    (page,), rejected = read_all(corpus / "html" / "page.html")
    assert rejected == []
    assert page.text.split("\n\n") == [
        "Talks on river rights resume",
        "Negotiators met in Geneva on Tuesday to discuss river rights, officials said after the first round.",
        '"We are making progress on river rights," the lead negotiator told reporters after the meeting.',
    ]
    assert "Home" not in page.text and "Copyright" not in page.text
    assert (page.title, page.source) == ("Talks on river rights resume", "The Gazette")
    assert page.published_at == datetime(2017, 4, 11, tzinfo=UTC)


def test_a_file_over_the_size_limit_is_rejected_without_being_read(bad_corpus):
    corpus, _ = bad_corpus
    (huge,), _ = discover_files([corpus / "huge.txt"])
    assert huge.size_bytes == BIG_FILE_BYTES
    tracemalloc.start()
    try:
        articles, rejected = read_source_file(huge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert articles == [] and "larger than the 64 MiB limit" in rejected[0].reason
    assert peak < 1024 * 1024


def test_a_file_that_grows_past_the_limit_after_discovery_is_rejected(tmp_path: Path):
    path = tmp_path / "growing.txt"
    path.write_text("A short article.")
    config = IngestConfig(max_file_bytes=1000)
    (file,), _ = discover_files([path], config)
    with path.open("a") as handle:
        handle.write(" More words." * 200)
    articles, rejected = read_source_file(file, config)
    assert articles == [] and "larger than the 0.000953674 MiB limit" in rejected[0].reason


def test_the_manifest_records_the_size_and_time_of_what_was_read(tmp_path: Path):
    path = tmp_path / "edited.txt"
    path.write_text("First draft.")
    (file,), _ = discover_files([path])
    path.write_text("Second, longer draft.")
    (article,), _ = read_source_file(file)
    assert (article.text, article.size_bytes) == ("Second, longer draft.", path.stat().st_size)
    assert article.mtime_ns == path.stat().st_mtime_ns


def test_a_read_failing_half_way_rejects_the_whole_file(tmp_path: Path, monkeypatch):
    path = tmp_path / "wire.jsonl"
    path.write_text("".join(json.dumps({"text": f"Article {i}."}) + "\n" for i in range(1000)))

    class FailingDisk(io.BufferedReader):
        def readline(self, size: int = -1) -> bytes:
            if self.tell() > 5000:
                raise OSError(errno.EIO, "Input/output error")
            return super().readline(size)

    monkeypatch.setattr(ingest, "_open_source", lambda p: FailingDisk(io.FileIO(p, "rb")))
    articles, rejected = read_all(path)
    assert articles == []
    assert [(Path(r.path).name, r.reason) for r in rejected] == [
        ("wire.jsonl", "cannot read file: Input/output error")
    ]


def test_invalid_utf8_keeps_the_text_and_reads_stray_bytes_as_windows_1252():
    text = "Caf\u00e9 owners said \u201cno\u201d."
    assert decode_bytes(text.encode() + b" It cost \x9c\xa35m.") == (
        text + " It cost \u0153\u00a35m.",
        "utf-8+cp1252",
    )
    assert decode_bytes(text.encode() + "\u00e9".encode()[:1]) == (text, "utf-8+cp1252")
    assert decode_bytes(b"Plain ASCII with one \x92 apostrophe.")[1] == "cp1252"


def test_utf16_without_a_byte_order_mark_is_not_mistaken_for_binary():
    text = "Ministers met in Lucca on Tuesday."
    assert decode_bytes(text.encode("utf-16-le")) == (text, "utf-16-le")
    assert decode_bytes(text.encode("utf-16-be")) == (text, "utf-16-be")


def test_hidden_files_and_sidecars_are_passed_over_other_files_are_rejected(tmp_path: Path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD.txt").write_text("ref: main")
    (tmp_path / ".notes.txt").write_text("Private.")
    (tmp_path / "a.txt").write_text("An article.")
    (tmp_path / "a.txt.meta.json").write_text(json.dumps({"source": "AP"}))
    (tmp_path / "README").write_text("About this folder.")
    articles, rejected = read_all(tmp_path)
    assert [(Path(a.path).name, a.source) for a in articles] == [("a.txt", "AP")]
    assert [(Path(r.path).name, r.reason) for r in rejected] == [
        (
            "README",
            "not an article file (file without an extension); crosswire reads .jsonl.gz, .jsonl.zst, "
            ".warc.gz, .warc, .jsonl, .parquet, .csv, .txt, .html, .htm",
        )
    ]


def test_a_path_under_two_roots_is_read_and_rejected_once(tmp_path: Path):
    (tmp_path / "a.txt").write_text("An article.")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    files, rejected = discover_files([tmp_path, tmp_path / "a.txt", tmp_path, tmp_path / "nope"] * 2)
    assert [f.path.name for f in files] == ["a.txt"]
    assert sorted(Path(r.path).name for r in rejected) == ["gone.txt", "nope"]


def test_folder_links_are_walked_once_when_followed_and_loops_are_reported(tmp_path: Path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "world").mkdir(parents=True)
    outside.mkdir()
    (root / "world" / "a.txt").write_text("Inside.")
    (outside / "b.txt").write_text("Outside.")
    (root / "world" / "again").symlink_to(root)
    (root / "up").symlink_to(tmp_path)
    (root / "elsewhere").symlink_to(outside)
    files, rejected = discover_files([root])
    assert [f.path.relative_to(root) for f in files] == [Path("world/a.txt")]
    assert [(Path(r.path).name, "leaves the source root" in r.reason) for r in rejected] == [
        ("elsewhere", True),
        ("up", True),
    ]
    files, rejected = discover_files([root], IngestConfig(follow_symlinks=True))
    assert [f.path.relative_to(root) for f in files] == [Path("elsewhere/b.txt"), Path("world/a.txt")]
    assert sorted((Path(r.path).name, "link loop" in r.reason) for r in rejected) == [
        ("again", True),
        ("up", True),
    ]


def test_a_named_pipe_is_rejected_not_waited_on(tmp_path: Path):
    os.mkfifo(tmp_path / "feed.txt")
    files, rejected = discover_files([tmp_path / "feed.txt"])
    assert files == [] and rejected[0].reason == "not a regular file (a named pipe)"


@pytest.mark.parametrize("value", [10**20, -(10**20), float("nan"), True, {"a": 1}, "not a date at all"])
def test_unusable_timestamps_are_absent_not_errors(value):
    assert parse_timestamp(value) is None


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig"])
def test_jsonl_in_utf16_or_with_a_mark_is_read_line_by_line(tmp_path: Path, encoding: str):
    lines = [json.dumps({"text": "Caf\u00e9 owners met."}, ensure_ascii=False), "{broken"]
    (tmp_path / "wire.jsonl").write_bytes("\n".join(lines).encode(encoding))
    articles, rejected = read_all(tmp_path)
    assert [a.text for a in articles] == ["Caf\u00e9 owners met."]
    assert [Path(r.path).name for r in rejected] == ["wire.jsonl:2"]


def test_the_flow_takes_the_walk_the_command_line_made_once_and_for_the_same_sources_only(tmp_path):
    """`crosswire run` walks the sources before its flow starts; the flow's discover task takes
    that walk rather than walking 100,000 files again, but only once and only for the same
    sources and config."""
    (tmp_path / "a.txt").write_text("Hello.\n")
    config = IngestConfig()
    walked = discover_files([str(tmp_path)], config)
    hand_over_discovery([str(tmp_path)], config, walked)
    (tmp_path / "b.txt").write_text("A file the walk did not see.\n")

    assert discover_files([tmp_path], IngestConfig(follow_symlinks=True), reuse=True) != walked
    assert discover_files([tmp_path], config, reuse=True) is walked
    assert len(discover_files([tmp_path], config, reuse=True)[0]) == 2  # taken once: walked again
    hand_over_discovery([str(tmp_path)], config, walked)
    hand_over_discovery([str(tmp_path)], config, None)
    assert discover_files([tmp_path], config, reuse=True) is not walked
