"""Outlets: which outlet a document belongs to, and the README's promise that one run over a
CC-NEWS-style web archive, a flat folder and a Parquet export gives named outlets."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_formats import SKIPPED, damage, write_warc
from test_ingest import read_all
from typer.testing import CliRunner

from bad_inputs import article, html_page
from conftest import query
from crosswire.cli import app
from crosswire.ingest.outlets import parse_source


def test_a_source_may_name_its_outlet_and_a_path_holding_an_equals_sign_stays_a_path(tmp_path: Path):
    odd = tmp_path / "a=b"
    odd.mkdir()
    assert parse_source("reuters=corpus/2017") == (Path("corpus/2017"), "reuters")
    assert parse_source(str(odd)) == (odd, None)  # exists as written
    assert parse_source(f"{tmp_path}/x=y") == (Path(f"{tmp_path}/x=y"), None)  # no outlet holds a '/'
    assert parse_source("corpus") == (Path("corpus"), None)


def test_outlet_is_field_then_sidecar_then_command_line_then_folder_then_site_then_source_folder(
    tmp_path: Path,
):
    root = tmp_path / "mixed"
    (root / "reuters").mkdir(parents=True)
    (root / "wire.jsonl").write_text(
        json.dumps({"source": "AP", "text": article("a field")})
        + "\n"
        + json.dumps({"text": article("no field")})
    )
    (root / "sidecar.txt").write_text(article("a sidecar"))
    (root / "sidecar.txt.meta.json").write_text(json.dumps({"source": "Bloomberg"}))
    (root / "reuters" / "a.txt").write_text(article("a first folder"))
    (root / "page.html").write_text(html_page("a site name"))
    (root / "plain.txt").write_text(article("nothing else"))
    named = {a.text.split("\n")[0]: a.source for a in read_all(Path(f"desk={root}"))[0]}
    assert named == {
        "Talks on a field resume": "AP",
        "Talks on no field resume": "desk",
        "Talks on a sidecar resume": "Bloomberg",
        "Talks on a first folder resume": "desk",
        "Talks on a site name resume": "desk",
        "Talks on nothing else resume": "desk",
    }
    unnamed = {a.text.split("\n")[0]: a.source for a in read_all(root)[0]}
    assert unnamed == {
        "Talks on a field resume": "AP",
        "Talks on no field resume": "mixed",
        "Talks on a sidecar resume": "Bloomberg",
        "Talks on a first folder resume": "reuters",
        "Talks on a site name resume": "The Gazette",
        "Talks on nothing else resume": "mixed",
    }


def test_a_flat_folder_is_one_outlet_and_a_file_source_its_own(tmp_path: Path):
    flat = tmp_path / "bbc-politics"
    flat.mkdir()
    for number in range(3):
        (flat / f"{number:03}.txt").write_text(article(f"topic {number}"))
    articles, _ = read_all(flat)
    assert [a.source for a in articles] == ["bbc-politics"] * 3
    (single,), _ = read_all(flat / "001.txt")
    assert single.source == "001"


@pytest.mark.slow
def test_one_run_over_a_web_archive_a_flat_folder_and_a_parquet_export_names_their_outlets(
    prefect_harness, tmp_path: Path
):
    crawl = tmp_path / "crawl.warc.gz"
    offsets = write_warc(crawl)
    damaged = offsets["https://news.wire.example/grain-exports"]
    damage(crawl, damaged)
    flat = tmp_path / "bbc-politics"
    flat.mkdir()
    for topic in ("budget talks", "school funding"):
        (flat / f"{topic.replace(' ', '-')}.txt").write_text(article(topic))
    rows = [{"text": article("rail strikes"), "source": "Reuters"}, {"text": ""}, {"text": article("ports")}]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "export.parquet")
    data_dir = tmp_path / "data"

    result = CliRunner().invoke(
        app,
        [
            "run",
            *(
                "--source",
                str(crawl),
                "--source",
                str(flat),
                "--source",
                f"agency={tmp_path / 'export.parquet'}",
            ),
            *("--data-dir", str(data_dir), "--workers", "1"),
        ],
        catch_exceptions=False,
    )

    assert result.exit_code == 0, result.output
    db = data_dir / "warehouse.duckdb"
    outlets = query(db, "SELECT source, count(*) FROM documents GROUP BY source ORDER BY source")
    assert outlets == [
        ("Reuters", 1),
        ("agency", 1),
        ("bbc-politics", 2),
        ("gazette.example", 1),
        ("news.wire.example", 2),
    ]
    rejected = dict(query(db, "SELECT path, reason FROM rejected_files"))
    assert rejected.pop(str(crawl)) == SKIPPED
    assert rejected.pop(f"{crawl}@{damaged}").startswith(f"corrupt WARC record at byte {damaged}")
    assert rejected == {f"{tmp_path / 'export.parquet'}:2": "row 2 has no non-empty 'text' field"}
    assert query(db, f"SELECT path FROM document_files WHERE path LIKE '{crawl}@%' ORDER BY path") == [
        (f"{crawl}@{offsets[url]}",)
        for url in sorted(
            (
                "https://www.gazette.example/river",
                "https://news.wire.example/fisheries",
                "https://news.wire.example/port-fees",
            ),
            key=lambda url: str(offsets[url]),
        )
    ]
