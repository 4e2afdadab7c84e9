"""Faults lose nothing: a run killed with SIGKILL at any stage, then run again, leaves exactly the
tables, Parquet files and search index of a run never interrupted; a failed Parquet write fails
the run with a clear message and keeps earlier data.

How a run is killed at a stage, with no hook in the production code: the run is a child process
(forked from a multiprocessing forkserver that has imported crosswire once, so each child starts
in well under a second) whose stage function is wrapped to write a marker file and sleep; the
test sees the marker and sends SIGKILL. A stage is each Prefect task of the flow (killed as it
starts), plus the moments inside one where a half-done step could leave something behind:
between two Parquet files, inside the load transaction, between the load's commit and the move
of its Parquet files, half-way through that move, and between the search table and its index.

Before the load commits, a killed run must leave nothing that a re-run keeps, so one data dir
takes a kill at each of those stages in turn (each run recovering from the one before), then one
run to the end. After the commit, the next run must finish the killed one rather than redo it,
so each of those stages gets a data dir of its own.
"""

from __future__ import annotations

import errno
import functools
import itertools
import multiprocessing
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

# columns that name or time the run that wrote a row or applied a migration: they differ between runs
RUN_COLUMNS = {"run_id", "ingested_at", "started_at", "finished_at", "first_seen_at", "applied_at"}
# moments inside a stage where a half-done step could leave something behind, and the call
# the run stops at
INSIDE_STAGES = {
    "write-parquet, between two tables": "crosswire.store.batch_store.atomic_write_parquet",
    "load-warehouse, before COMMIT": "SQL COMMIT",
    "load-warehouse, committed, nothing moved": "crosswire.store.batch_store.publish_batch",
    "load-warehouse, half the Parquet moved": "crosswire.store.batch_store.os.replace",
    "load-warehouse, search table built, its index not yet": "SQL PRAGMA create_fts_index",
}


def task_names() -> list[str]:
    from prefect import Task

    from crosswire.flows import pipeline

    # load-spacy-model runs only in runs of 256 KiB of files or more (flows.runner.warm_workers),
    # not in these small ones; killed there, a run is killed before reading anything
    return [
        task.name
        for task in vars(pipeline).values()
        if isinstance(task, Task) and task.name != "load-spacy-model"
    ]


TASKS = task_names()
# killed before the load commits, a run leaves nothing a re-run must keep: one data dir takes
# a kill at each of these stages in turn. Every task starts before the commit (load-warehouse
# is the flow's last), and the search index is built inside the load transaction.
BEFORE_COMMIT = [
    *TASKS,
    "write-parquet, between two tables",
    "load-warehouse, search table built, its index not yet",
    "load-warehouse, before COMMIT",
]
# killed after it, a run leaves a committed batch: each gets a data dir of its own
AFTER_COMMIT = [
    "load-warehouse, committed, nothing moved",
    "load-warehouse, half the Parquet moved",
]
SEARCH_QUERIES = ("Russia", "Tillerson Moscow", "question")


# ---- the child: run the flow, stop at a stage ------------------------------------------------


def run_until_stopped(stage: str, sources: Path, data_dir: Path, marker: Path, log: Path) -> None:
    """The child process: run the flow, stopping at `stage`."""
    output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(output, 1)
    os.dup2(output, 2)
    install_stop(stage, marker)
    from crosswire.flows.pipeline import crosswire_pipeline

    crosswire_pipeline(sources=[str(sources)], data_dir=str(data_dir), workers=1)
    sys.exit(f"the run finished without reaching {stage!r}")


def stop_here(marker: Path) -> None:
    marker.write_text(str(os.getpid()))
    time.sleep(600)
    os._exit(3)  # not killed: the test has failed already


def install_stop(stage: str, marker: Path) -> None:
    """Make the flow stop at `stage` (writing `marker`) instead of running it."""
    from prefect import Task

    from crosswire.flows import pipeline
    from crosswire.store import batch_store, warehouse

    if stage not in INSIDE_STAGES:
        task = next(t for t in vars(pipeline).values() if isinstance(t, Task) and t.name == stage)
        task.fn = functools.wraps(task.fn)(lambda *args, **kwargs: stop_here(marker))
        return
    where = INSIDE_STAGES[stage]
    if where.startswith("SQL "):
        statement, connect = where.removeprefix("SQL "), warehouse.connect

        class StoppingConnection:
            def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
                self._con = con

            def execute(self, sql: str, *args, **kwargs):
                if sql.strip().startswith(statement):
                    stop_here(marker)
                return self._con.execute(sql, *args, **kwargs)

            def __getattr__(self, name: str):
                return getattr(self._con, name)

        warehouse.connect = lambda *args, **kwargs: StoppingConnection(connect(*args, **kwargs))
    elif where == "crosswire.store.batch_store.os.replace":
        moves = itertools.count()

        class StoppingOs:
            def replace(self, source, target) -> None:
                if "parquet" in Path(target).parts and next(moves) == 3:
                    stop_here(marker)
                os.replace(source, target)

            def __getattr__(self, name: str):
                return getattr(os, name)

        batch_store.os = StoppingOs()
    else:
        name = where.rsplit(".", 1)[1]
        original, calls = getattr(batch_store, name), itertools.count()
        skip = 3 if name == "atomic_write_parquet" else 0

        def stopping(*args, **kwargs):
            if next(calls) == skip:
                stop_here(marker)
            return original(*args, **kwargs)

        setattr(batch_store, name, stopping)


# ---- the tests --------------------------------------------------------------------------------


def snapshot(data_dir: Path) -> dict[str, list[str]]:
    """Every table of the warehouse but `runs`, without the columns naming the run, rows sorted."""
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        tables = [
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND table_name <> 'runs'"
            ).fetchall()
        ]
        return {name: sorted(map(repr, _rows(con, name))) for name in sorted(tables)}
    finally:
        con.close()


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    columns = [c for (c,) in con.execute(f"SELECT column_name FROM (DESCRIBE {table})").fetchall()]
    kept = ", ".join(f'"{c}"' for c in columns if c not in RUN_COLUMNS)
    return con.execute(f"SELECT {kept} FROM {table}").fetchall()


def published_rows(data_dir: Path, table: str) -> list[str]:
    """The rows of a table's Parquet dataset (every loaded run), as `snapshot` shows them."""
    con = duckdb.connect()
    try:
        parts = sorted(str(p) for p in (data_dir / "parquet" / table).glob("run=*/part-0.parquet"))
        con.execute(
            f"CREATE VIEW {table} AS SELECT * FROM read_parquet({parts!r}, hive_partitioning = false)"
        )
        return sorted(map(repr, _rows(con, table)))
    finally:
        con.close()


@dataclass(frozen=True)
class Reference:
    sources: Path
    data_dir: Path
    tables: dict[str, list[str]]
    search: dict[str, list[tuple]]
    n_documents: int


@pytest.fixture(scope="module")
def reference(prefect_harness, tmp_path_factory) -> Reference:
    """A small corpus, and the tables of one uninterrupted run over it."""
    from conftest import SEEDS
    from crosswire.flows.pipeline import crosswire_pipeline

    sources = tmp_path_factory.mktemp("faults") / "in"
    shutil.copytree(SEEDS, sources)
    (sources / "wire.jsonl").write_text(
        '{"source": "Wire", "published_at": "2017-04-11T12:00:00Z", "text": "Ministers met in Lucca.'
        '\\n\\n\\"But only Russia can answer that question,\\" a diplomat said."}\n'
        "{not json\n"
        '{"source": "Wire", "text": "Rex Tillerson flew to Moscow on Tuesday to meet Sergey Lavrov."}\n'
    )
    (sources / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(200)))
    data_dir = tmp_path_factory.mktemp("reference")
    summary = crosswire_pipeline(sources=[str(sources)], data_dir=str(data_dir), workers=1)
    tables, search = snapshot(data_dir), search_results(data_dir)
    return Reference(sources, data_dir, tables, search, summary["documents_new"])


@pytest.fixture(scope="module")
def forkserver(prefect_harness):
    """Children forked from a server that has imported crosswire, and report to the test API."""
    from prefect.settings import PREFECT_API_URL

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([Path(__file__).stem, "great_expectations"])
    with pytest.MonkeyPatch.context() as env:  # the forkserver starts with this environment
        env.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
        env.syspath_prepend(str(Path(__file__).parent))
        yield context


def kill_at(forkserver, stage: str, sources: Path, data_dir: Path) -> None:
    """Start a run in a child process and SIGKILL it when it reaches `stage`."""
    marker, log = data_dir.parent / "stopped", data_dir.parent / "child.log"
    marker.unlink(missing_ok=True)
    child = forkserver.Process(target=run_until_stopped, args=(stage, sources, data_dir, marker, log))
    child.start()
    try:
        deadline = time.monotonic() + 180
        while not marker.exists():
            if child.exitcode is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:]
                pytest.fail(f"the run never reached {stage!r} (exit {child.exitcode}):\n{tail}")
            time.sleep(0.05)
    finally:
        child.kill()  # SIGKILL, by pid
        child.join()
    assert child.exitcode == -signal.SIGKILL


def search_results(data_dir: Path) -> dict[str, list[tuple]]:
    from crosswire.store.warehouse import search_sentences

    db_path = data_dir / "warehouse.duckdb"
    return {
        words: [(r["doc_id"], r["sentence_idx"]) for r in search_sentences(db_path, words)]
        for words in SEARCH_QUERIES
    }


def assert_same_as_reference(data_dir: Path, reference: Reference) -> None:
    """The warehouse, the Parquet datasets and search hold what the uninterrupted run left."""
    assert snapshot(data_dir) == reference.tables
    for table in ("documents", "document_files", "sentences", "entity_mentions", "quotes"):
        assert published_rows(data_dir, table) == reference.tables[table], table
    assert list((data_dir / "staging").iterdir()) == []
    assert not (data_dir / "quarantine").exists()
    assert search_results(data_dir) == reference.search


def committed_runs(data_dir: Path) -> int:
    if not (data_dir / "warehouse.duckdb").exists():
        return 0
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        tables = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        return con.execute("SELECT count(*) FROM runs").fetchone()[0] if "runs" in tables else 0
    finally:
        con.close()


@pytest.mark.slow
def test_a_run_killed_at_each_stage_in_turn_then_run_again_leaves_the_tables_of_an_uninterrupted_run(
    forkserver, reference: Reference, tmp_path: Path
):
    from crosswire.flows.pipeline import crosswire_pipeline

    data_dir = tmp_path / "data"
    for stage in BEFORE_COMMIT:
        kill_at(forkserver, stage, reference.sources, data_dir)
        assert committed_runs(data_dir) == 0, stage

    again = crosswire_pipeline(sources=[str(reference.sources)], data_dir=str(data_dir), workers=1)

    assert again["documents_new"] == reference.n_documents
    assert_same_as_reference(data_dir, reference)


@pytest.mark.slow
@pytest.mark.parametrize("stage", AFTER_COMMIT)
def test_a_run_killed_after_its_load_commits_is_finished_not_redone_by_the_next(
    forkserver, stage: str, reference: Reference, tmp_path: Path
):
    from crosswire.flows.pipeline import crosswire_pipeline

    data_dir = tmp_path / "data"
    kill_at(forkserver, stage, reference.sources, data_dir)
    assert committed_runs(data_dir) == 1

    again = crosswire_pipeline(sources=[str(reference.sources)], data_dir=str(data_dir), workers=1)

    assert again["documents_new"] == 0
    assert_same_as_reference(data_dir, reference)


@pytest.mark.slow
def test_a_full_disk_fails_the_run_with_a_clear_message_and_keeps_earlier_data(
    reference: Reference, tmp_path: Path, monkeypatch
):
    from crosswire.flows import pipeline

    data_dir, extra = tmp_path / "data", tmp_path / "extra"
    shutil.copytree(reference.data_dir, data_dir)
    extra.mkdir()
    (extra / "late.txt").write_text("Lavrov and Tillerson met in Moscow.\n\nThe talks lasted two hours.")
    sources = [str(reference.sources), str(extra)]
    before = sorted(p.relative_to(data_dir) for p in data_dir.rglob("*") if "data_docs" not in p.parts)
    write_table = pq.write_table

    def disk_full_at_sentences(table, where, **kwargs):
        if Path(where).name.startswith(".sentences.parquet"):
            Path(where).write_bytes(b"PAR1 and half a file")
            raise OSError(errno.ENOSPC, "No space left on device")
        return write_table(table, where, **kwargs)

    monkeypatch.setattr(pq, "write_table", disk_full_at_sentences)
    monkeypatch.setattr(pipeline, "write_parquet", pipeline.write_parquet.with_options(retry_delay_seconds=0))
    state = pipeline.crosswire_pipeline(sources=sources, data_dir=str(data_dir), workers=1, return_state=True)

    assert state.is_failed()
    message = str(state.result(raise_on_failure=False))
    assert "could not write" in message and "sentences.parquet: No space left on device" in message
    assert snapshot(data_dir) == reference.tables
    after = [p.relative_to(data_dir) for p in data_dir.rglob("*") if "data_docs" not in p.parts]
    assert not [p for p in after if ".tmp-" in p.name]
    assert sorted(p for p in after if p.parts[0] != "staging") == [
        p for p in before if p.parts[0] != "staging"
    ]

    monkeypatch.undo()
    again = pipeline.crosswire_pipeline(sources=sources, data_dir=str(data_dir), workers=1)
    assert again["documents_new"] == 1
    assert set(reference.tables["documents"]) < set(snapshot(data_dir)["documents"])
    assert list((data_dir / "staging").iterdir()) == []
