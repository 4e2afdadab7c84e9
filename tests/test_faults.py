"""Faults lose nothing: a run killed with SIGKILL at any stage, then run again, leaves exactly the
tables of a run never interrupted; a failed Parquet write fails the run and keeps earlier data.

How a run is killed at a stage, with no hook in the production code: this file is also the
child's script. Run as `python tests/test_faults.py STAGE SOURCE DATA_DIR MARKER`, it wraps the
stage's function so that, when the flow reaches it, it writes MARKER and sleeps; the test sees the
marker and sends SIGKILL. A stage is each Prefect task of the flow (killed as it starts), plus the
moments inside a stage where a half-done step could leave something behind: between two Parquet
files, inside the load transaction, between the load's commit and the move of its Parquet
files, half-way through that move, and between the search table and its index.
"""

from __future__ import annotations

import errno
import functools
import itertools
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# columns that name or time the run that wrote a row: they differ between any two runs
RUN_COLUMNS = {"run_id", "ingested_at", "started_at", "finished_at", "first_seen_at"}
# inside a stage: (the task it is in, what is wrapped, and the call it stops at)
INSIDE_STAGES = {
    "write-parquet, between two tables": "flows.batch_store.atomic_write_parquet",
    "load-warehouse, before COMMIT": "SQL COMMIT",
    "load-warehouse, committed, nothing moved": "flows.batch_store.publish_batch",
    "load-warehouse, half the Parquet moved": "flows.batch_store.os.replace",
    "index-for-search, table without its index": "SQL PRAGMA create_fts_index",
}


def task_names() -> list[str]:
    from prefect import Task

    from flows import pipeline

    return [task.name for task in vars(pipeline).values() if isinstance(task, Task)]


STAGES = task_names() + list(INSIDE_STAGES)
# a kill at these stages leaves the batch committed: the re-run finds nothing new to load
COMMITTED = {
    "index-for-search",
    "load-warehouse, committed, nothing moved",
    "load-warehouse, half the Parquet moved",
    "index-for-search, table without its index",
}


# ---- the child: run the flow, stop at a stage ------------------------------------------------


def stop_here(marker: Path) -> None:
    marker.write_text(str(os.getpid()))
    time.sleep(600)
    os._exit(3)  # not killed: the test has failed already


def install_stop(stage: str, marker: Path) -> None:
    """Make the flow stop at `stage` (writing `marker`) instead of running it."""
    from prefect import Task

    from flows import batch_store, pipeline, warehouse

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
    elif where == "flows.batch_store.os.replace":
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
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet({parts!r})")
        return sorted(map(repr, _rows(con, table)))
    finally:
        con.close()


@dataclass(frozen=True)
class Reference:
    sources: Path
    tables: dict[str, list[str]]
    n_documents: int


@pytest.fixture(scope="module")
def reference(prefect_harness, tmp_path_factory) -> Reference:
    """A small corpus, and the tables of one uninterrupted run over it."""
    from conftest import SEEDS

    from flows.pipeline import crosswire_pipeline

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
    return Reference(sources, snapshot(data_dir), summary["documents_new"])


def kill_at(stage: str, sources: Path, data_dir: Path, api_url: str) -> None:
    """Start a run in a child process and SIGKILL it when it reaches `stage`."""
    marker = data_dir.parent / f"stopped-{os.getpid()}"
    log = data_dir.parent / "child.log"
    with log.open("wb") as output:
        child = subprocess.Popen(
            [sys.executable, __file__, stage, str(sources), str(data_dir), str(marker)],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PREFECT_API_URL": api_url},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 180
            while not marker.exists():
                if child.poll() is not None or time.monotonic() > deadline:
                    tail = log.read_text(errors="replace")[-3000:]
                    pytest.fail(f"the run never reached {stage!r} (exit {child.returncode}):\n{tail}")
                time.sleep(0.1)
            os.kill(child.pid, signal.SIGKILL)
        finally:
            if child.poll() is None:
                os.kill(child.pid, signal.SIGKILL)
            child.wait()
    assert child.returncode == -signal.SIGKILL


@pytest.mark.slow
@pytest.mark.parametrize("stage", STAGES)
def test_a_run_killed_at_any_stage_then_run_again_leaves_the_tables_of_an_uninterrupted_run(
    stage: str, reference: Reference, tmp_path: Path
):
    from prefect.settings import PREFECT_API_URL

    from flows.pipeline import crosswire_pipeline

    data_dir = tmp_path / "data"
    kill_at(stage, reference.sources, data_dir, PREFECT_API_URL.value())

    again = crosswire_pipeline(sources=[str(reference.sources)], data_dir=str(data_dir), workers=1)

    assert again["documents_new"] == (0 if stage in COMMITTED else reference.n_documents)
    assert snapshot(data_dir) == reference.tables
    for table in ("documents", "document_files", "sentences", "entity_mentions", "quotes"):
        assert published_rows(data_dir, table) == reference.tables[table], table
    assert list((data_dir / "staging").iterdir()) == []
    assert not (data_dir / "quarantine").exists()


@pytest.mark.slow
def test_a_full_disk_fails_the_run_with_a_clear_message_and_keeps_earlier_data(
    reference: Reference, tmp_path: Path, monkeypatch
):
    from flows.pipeline import crosswire_pipeline

    data_dir = tmp_path / "data"
    first = reference.sources / "000_9bed5375e8ab3aa3.txt"
    crosswire_pipeline(sources=[str(first)], data_dir=str(data_dir), workers=1)
    tables, parquet = snapshot(data_dir), sorted((data_dir / "parquet").rglob("*"))
    write_table = pq.write_table

    def disk_fills_at_sentences(table, where, **kwargs):
        if "sentences" in Path(where).name:
            with open(where, "wb") as partial:
                partial.write(b"PAR1 half a file")
            raise OSError(errno.ENOSPC, "No space left on device")
        return write_table(table, where, **kwargs)

    monkeypatch.setattr(pq, "write_table", disk_fills_at_sentences)
    state = crosswire_pipeline(
        sources=[str(reference.sources)], data_dir=str(data_dir), workers=1, return_state=True
    )
    assert state.is_failed()
    message = str(state.result(raise_on_failure=False))
    assert "sentences.parquet" in message and "No space left on device" in message
    assert snapshot(data_dir) == tables
    assert sorted((data_dir / "parquet").rglob("*")) == parquet
    assert not [p for p in data_dir.rglob("*") if ".tmp-" in p.name]

    monkeypatch.undo()
    again = crosswire_pipeline(sources=[str(reference.sources)], data_dir=str(data_dir), workers=1)
    assert again["documents_new"] == reference.n_documents - 1
    assert snapshot(data_dir)["documents"] == reference.tables["documents"]
    assert list((data_dir / "staging").iterdir()) == []


if __name__ == "__main__":
    stage, source, data_dir, marker = sys.argv[1:]
    install_stop(stage, Path(marker))
    from flows.pipeline import crosswire_pipeline

    crosswire_pipeline(sources=[source], data_dir=data_dir, workers=1)
    sys.exit(f"the run finished without reaching {stage!r}")
