"""Bad inputs through the real flow: the whole bad-input corpus (tests/bad_inputs.py) in one run
puts every good file in the warehouse and every bad one in `rejected_files` with its reason; the
ingest options of `crosswire run` reach the reader."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from bad_inputs import DELETED, SAME_ARTICLE, article, as_unprivileged, write_bad_inputs
from crosswire.cli import app
from crosswire.flows import tasks
from crosswire.flows.pipeline import crosswire_pipeline
from crosswire.ingest import read as ingest

pytestmark = pytest.mark.slow


def query(data_dir: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_folder_of_every_bad_input_loads_the_good_files_and_names_each_bad_one(
    prefect_harness, tmp_path: Path, monkeypatch
):
    expected = write_bad_inputs(tmp_path)
    corpus, data_dir = tmp_path / "corpus", tmp_path / "data"
    discover_files = tasks.discover_files

    def discover_then_delete(roots, config, **options):
        found = discover_files(roots, config, **options)
        (corpus / DELETED).unlink()
        return found

    monkeypatch.setattr(tasks, "discover_files", discover_then_delete)
    if os.geteuid() == 0:  # chmod 000 does not stop root; files are read in this process (workers=1)
        monkeypatch.setattr(ingest, "_open_source", as_unprivileged(ingest._open_source))

    summary = crosswire_pipeline(sources=[str(corpus)], data_dir=str(data_dir), workers=1)

    rejected = {
        os.path.relpath(path, corpus): reason
        for path, reason in query(data_dir, "SELECT path, reason FROM rejected_files")
    }
    loaded = {
        os.path.relpath(path, corpus): (doc_id, text, encoding)
        for path, doc_id, text, encoding in query(
            data_dir,
            """SELECT f.path, d.doc_id, d.text, d.encoding
               FROM document_files AS f JOIN documents AS d USING (doc_id)""",
        )
    }
    assert set(rejected) == {name for name, outcome in expected.items() if outcome.reason}
    assert set(loaded) == {name for name, outcome in expected.items() if outcome.document}
    for name, outcome in expected.items():
        if outcome.reason:
            assert outcome.phrase in rejected[name], name
        else:
            _, text, encoding = loaded[name]
            assert outcome.phrase in text, name
            assert outcome.encoding in (None, encoding), name
    assert loaded[SAME_ARTICLE[0]][0] == loaded[SAME_ARTICLE[1]][0]  # one document, both paths
    n_documents = len(loaded) - 1
    runs = query(data_dir, "SELECT status, n_files_rejected, n_documents_new FROM runs")
    assert runs == [("completed", len(rejected), n_documents)]
    assert (summary["documents_new"], summary["files_rejected"]) == (n_documents, len(rejected))


def test_run_follows_links_out_of_the_sources_and_limits_file_size_when_told(prefect_harness, tmp_path: Path):
    sources, outside, data_dir = tmp_path / "in", tmp_path / "outside", tmp_path / "data"
    sources.mkdir()
    outside.mkdir()
    (sources / "short.txt").write_text(article("short files"))
    (sources / "long.txt").write_text(article("long files") * 4000)  # 600 KB
    (outside / "linked.txt").write_text(article("linked files"))
    (sources / "link.txt").symlink_to(outside / "linked.txt")

    result = CliRunner().invoke(
        app,
        [
            "run",
            "--source",
            str(sources),
            "--data-dir",
            str(data_dir),
            "--follow-symlinks",
            "--max-file-mb",
            "0.5",
        ],
        catch_exceptions=False,
    )

    assert result.exit_code == 0, result.output
    loaded = query(data_dir, "SELECT path FROM document_files ORDER BY path")
    assert [Path(path).name for (path,) in loaded] == ["link.txt", "short.txt"]
    rejected = query(data_dir, "SELECT path, reason FROM rejected_files")
    assert [(Path(path).name, reason) for path, reason in rejected] == [
        ("long.txt", "file is larger than the 0.5 MiB limit (--max-file-mb)")
    ]
