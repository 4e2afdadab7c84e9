"""The README's promises, end to end through the Prefect flow and the DuckDB warehouse."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from conftest import SEEDS, query
from crosswire.cli import app
from crosswire.contract import TABLES
from crosswire.flows.pipeline import crosswire_pipeline

pytestmark = pytest.mark.slow


def snapshot(db_path: Path) -> dict[str, list[tuple]]:
    """Every table's rows (except runs, which gains one row per run), sorted."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return {name: sorted(map(repr, con.table(name).fetchall())) for name in TABLES if name != "runs"}
    finally:
        con.close()


@pytest.fixture(scope="module")
def seeded(prefect_harness, tmp_path_factory) -> Path:
    """One flow run over the seeds; returns the data dir."""
    data_dir = tmp_path_factory.mktemp("data")
    summary = crosswire_pipeline(sources=[str(SEEDS)], data_dir=str(data_dir))
    assert summary["documents_new"] == 2
    return data_dir


def test_cross_source_sentences_lists_the_shared_sentence_with_both_sources(seeded: Path):
    rows = query(seeded / "warehouse.duckdb", "SELECT canonical_text, sources FROM cross_source_sentences")
    assert (
        '"But only Russia can answer that question."',
        ["unidentified-uk-outlet", "washingtonexaminer.com"],
    ) in rows


def test_tillerson_said_we_want_to_relieve_the_suffering_in_both_documents(seeded: Path):
    rows = query(
        seeded / "warehouse.duckdb",
        """SELECT q.doc_id, q.speaker, e.name
           FROM quotes q LEFT JOIN entities e ON e.entity_id = q.speaker_entity_id
           WHERE q.text LIKE 'We want to relieve the suffering of the Syrian people%'""",
    )
    assert len({doc_id for doc_id, _, _ in rows}) == 2
    assert {(speaker, name) for _, speaker, name in rows} == {("Rex Tillerson", "Rex Tillerson")}
    who = query(
        seeded / "warehouse.duckdb", "SELECT speaker, sources FROM who_said_what WHERE quote LIKE 'We want%'"
    )
    assert {speaker for speaker, _ in who} == {"Rex Tillerson"}


def test_every_span_is_the_document_substring(seeded: Path):
    for table in ("sentences", "entity_mentions", "quotes"):
        (bad,) = query(
            seeded / "warehouse.duckdb",
            f"""SELECT count(*) FROM {table} t JOIN documents d USING (doc_id)
                WHERE substr(d.text, t.start_char + 1, t.end_char - t.start_char) <> t.text""",
        )[0]
        assert bad == 0, table


def test_parquet_datasets_hold_the_loaded_batch(seeded: Path):
    parts = sorted(p.parent.parent.name for p in (seeded / "parquet").glob("*/run=*/part-0.parquet"))
    assert {"documents", "sentences", "quotes", "entity_mentions"} <= set(parts)
    (n_docs,) = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{seeded}/parquet/documents/*/*.parquet')"
    ).fetchone()
    assert n_docs == 2
    assert not any((seeded / "staging").glob("*"))


def test_second_run_changes_nothing_and_a_new_file_adds_only_its_rows(prefect_harness, tmp_path: Path):
    sources = tmp_path / "in"
    shutil.copytree(SEEDS, sources)
    data_dir = tmp_path / "data"
    crosswire_pipeline(sources=[str(sources)], data_dir=str(data_dir))
    before = snapshot(data_dir / "warehouse.duckdb")

    again = crosswire_pipeline(sources=[str(sources)], data_dir=str(data_dir))
    assert (again["documents_new"], again["documents_skipped"]) == (0, 2)
    assert snapshot(data_dir / "warehouse.duckdb") == before

    (sources / "wire.jsonl").write_text(
        json.dumps(
            {
                "source": "Wire",
                "title": "G7",
                "published_at": "2017-04-11T12:00:00Z",
                "text": "Ministers met in Lucca.\n\n"
                '"But only Russia can answer that question," a diplomat said.',
            }
        )
        + "\n"
    )
    third = crosswire_pipeline(sources=[str(sources)], data_dir=str(data_dir))
    after = snapshot(data_dir / "warehouse.duckdb")
    assert third["documents_new"] == 1
    assert len(after["documents"]) == len(before["documents"]) + 1
    assert set(before["sentences"]) <= set(after["sentences"])
    runs = query(data_dir / "warehouse.duckdb", "SELECT n_documents_new FROM runs ORDER BY started_at")
    assert runs == [(2,), (0,), (1,)]


def test_non_utf8_and_binary_files_are_rejected_or_decoded_with_the_run_continuing(prefect_harness, tmp_path):
    sources = tmp_path / "in"
    shutil.copytree(SEEDS, sources)
    (sources / "latin.txt").write_bytes("Caf\u00e9 owners paid \u00a35m for the site.".encode("cp1252"))
    (sources / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(200)))
    data_dir = tmp_path / "data"
    summary = crosswire_pipeline(sources=[str(sources)], data_dir=str(data_dir))
    assert summary["documents_new"] == 3
    rejected = query(data_dir / "warehouse.duckdb", "SELECT path, reason FROM rejected_files")
    assert [(Path(p).name, "PNG" in r) for p, r in rejected] == [("photo.txt", True)]
    (encoding,) = query(
        data_dir / "warehouse.duckdb", "SELECT encoding FROM documents WHERE path LIKE '%latin.txt'"
    )
    assert encoding == ("cp1252",)


def test_cli_query_prints_rows_and_refuses_writes(seeded: Path):
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["query", "SELECT count(*) AS n FROM documents", "--data-dir", str(seeded)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0 and "2" in result.stdout
    refused = runner.invoke(app, ["query", "DELETE FROM documents", "--data-dir", str(seeded)])
    assert refused.exit_code == 1
    assert query(seeded / "warehouse.duckdb", "SELECT count(*) FROM documents") == [(2,)]


def test_a_corrupt_batch_is_quarantined_the_run_fails_and_the_warehouse_is_unchanged(
    prefect_harness, tmp_path: Path, monkeypatch
):
    from crosswire import batch
    from crosswire.text.segment import segment_documents

    sources = tmp_path / "in"
    sources.mkdir()
    shutil.copy(SEEDS / "000_9bed5375e8ab3aa3.txt", sources)
    data_dir = tmp_path / "data"
    crosswire_pipeline(sources=[str(sources)], data_dir=str(data_dir))
    before = snapshot(data_dir / "warehouse.duckdb")
    shutil.copy(SEEDS / "003_33851966dae3a68f.txt", sources)

    def offset_past_the_end(documents: list[dict]) -> list[dict]:
        rows = segment_documents(documents)
        rows[-1]["end_char"] = len(documents[-1]["text"]) + 7
        return rows

    monkeypatch.setattr(batch, "segment_documents", offset_past_the_end)
    state = crosswire_pipeline(sources=[str(sources)], data_dir=str(data_dir), return_state=True)
    assert state.is_failed()
    message = str(state.message) + str(state.result(raise_on_failure=False))
    assert "sentences" in message and "span_within_document" in message
    assert snapshot(data_dir / "warehouse.duckdb") == before
    (quarantined,) = list((data_dir / "quarantine").iterdir())
    assert (quarantined / "sentences.parquet").exists()
    verdict = json.loads((quarantined / "validation.json").read_text())
    assert verdict["success"] is False
    pages = list((data_dir / "data_docs").rglob("*.html"))
    assert any("span_within_document" in page.read_text(errors="ignore") for page in pages)

    monkeypatch.undo()
    retried = crosswire_pipeline(sources=[str(sources)], data_dir=str(data_dir))
    assert retried["documents_new"] == 1


def test_relative_data_dir_and_sources_as_make_run_passes_them(prefect_harness, tmp_path: Path, monkeypatch):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    summary = crosswire_pipeline(sources=["seeds"], data_dir="data")
    assert summary["documents_new"] == 2 and summary["validation"].startswith("passed")
    assert (tmp_path / "data" / "warehouse.duckdb").exists()
    assert (tmp_path / "data" / "data_docs" / "index.html").exists()


def partition(db_path: Path, sql: str) -> set[frozenset]:
    """Rows grouped by their first column (a cluster id), as a set of groups of the other columns."""
    groups: dict[str, set] = {}
    for cluster, *member in query(db_path, sql):
        groups.setdefault(cluster, set()).add(tuple(member))
    return {frozenset(group) for group in groups.values()}


def test_a_run_in_slices_loads_what_one_batch_loads(prefect_harness, seeded: Path, tmp_path: Path):
    """`slice_files` bounds a run's memory: each slice is a run of its own, deduplicated against
    the slices before it through the warehouse's index. The result is the one-batch result."""
    data_dir = tmp_path / "data"
    summary = crosswire_pipeline(sources=[str(SEEDS)], data_dir=str(data_dir), slice_files=1)

    assert summary["documents_new"] == 2 and len(summary["run_ids"]) == 2
    sliced, whole = data_dir / "warehouse.duckdb", seeded / "warehouse.duckdb"
    assert query(sliced, "SELECT n_documents_new FROM runs ORDER BY started_at") == [(1,), (1,)]
    sentences = "SELECT cluster_id, doc_id, sentence_idx FROM sentences"
    assert partition(sliced, sentences) == partition(whole, sentences)
    shared = "SELECT count(*), sum(n_sources) FROM shared_quotes"
    assert query(sliced, shared) == query(whole, shared)
    assert query(sliced, shared)[0][0] > 0
    # quote clusters: as in consecutive runs, a later quote joins one existing quote cluster and
    # never merges two, where one batch chains them; so sliced cross-source quotes are a subset
    cross_source_quotes = """
        SELECT doc_id, start_char FROM quotes
        WHERE quote_cluster_id IN (SELECT quote_cluster_id FROM quotes JOIN documents USING (doc_id)
                                   GROUP BY 1 HAVING count(DISTINCT source) > 1)"""
    in_slices = set(query(sliced, cross_source_quotes))
    assert in_slices and in_slices <= set(query(whole, cross_source_quotes))
    assert {doc for doc, _ in in_slices} == {doc for doc, _ in query(whole, cross_source_quotes)}


def test_documents_over_the_time_budget_are_rejected_with_the_reason_and_load_on_a_later_run(
    prefect_harness, tmp_path: Path
):
    data_dir = tmp_path / "data"
    summary = crosswire_pipeline(sources=[str(SEEDS)], data_dir=str(data_dir), document_seconds=1e-6)
    assert summary["documents_new"] == 0
    db = data_dir / "warehouse.duckdb"
    reasons = query(db, "SELECT path, reason FROM rejected_files ORDER BY path")
    assert [Path(path).name for path, _ in reasons] == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert {reason for _, reason in reasons} == {
        "extraction took longer than the 1e-06 s budget per document (--document-seconds)"
    }
    assert query(db, "SELECT count(*) FROM documents") == [(0,)]
    later = crosswire_pipeline(sources=[str(SEEDS)], data_dir=str(data_dir))
    assert later["documents_new"] == 2  # a rejected file is read again, and with time enough, loads
