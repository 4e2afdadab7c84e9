"""Warehouses upgrade in place: a warehouse records its schema version; opening it for writing
applies the pending `sql/migrations/` in order, in one transaction that a failing migration
rolls back whole; a new warehouse is created current; one newer than the code is refused; and
a warehouse of the release before migrations (`tests/data/warehouse_v0/`) keeps every row."""

from __future__ import annotations

import json
import re
import shutil
import tarfile
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from conftest import PROJECT_ROOT, query
from crosswire.cli import app
from crosswire.store import warehouse
from crosswire.store.migrations import (
    VERSION_TABLE,
    MigrationFailed,
    SchemaError,
    WarehouseTooNew,
    find_migrations,
    recorded_version,
)

SQL_DIR = PROJECT_ROOT / "sql"
HEAD = len(find_migrations(SQL_DIR / "migrations"))
HEAD_NAMES = [path.stem for path in sorted((SQL_DIR / "migrations").glob("[0-9][0-9][0-9]_*.sql"))]
NEXT, AFTER = f"{HEAD + 1:03d}", f"{HEAD + 2:03d}"  # the numbers of the migrations a test adds
V0 = Path(__file__).resolve().parent / "data" / "warehouse_v0"
ADD_COLUMN = "ALTER TABLE quotes ADD COLUMN is_partial BOOLEAN DEFAULT false;"
BACKFILL = "UPDATE quotes SET is_partial = speaker IS NULL;"  # needs ADD_COLUMN's column


def warehouse_v0(db_path: Path) -> Path:
    """A warehouse as the release before migrations left it: its `sql/`, one run's rows."""
    con = duckdb.connect(str(db_path))
    try:
        with tarfile.open(V0 / "sql.tar.gz") as archive:
            members = sorted(
                (m for m in archive.getmembers() if m.name.endswith(".sql")), key=lambda m: m.name
            )
            for member in members:
                con.execute(archive.extractfile(member).read().decode("utf-8"))
        for path in sorted((V0 / "rows").glob("*.parquet")):
            con.execute(f"INSERT INTO {path.stem} SELECT * FROM read_parquet(?)", [str(path)])
    finally:
        con.close()
    return db_path


def v0_rows(table: str) -> list[tuple]:
    return duckdb.sql(f"SELECT * FROM read_parquet('{V0 / 'rows' / table}.parquet')").fetchall()


def project_sql(tmp_path: Path, migrations: dict[str, str], quotes_column: str | None = None) -> Path:
    """The project's `sql/` plus `migrations`; `quotes_column` is added last to its quotes table."""
    sql_dir = tmp_path / "project" / "sql"
    shutil.copytree(SQL_DIR, sql_dir)
    for name, sql in migrations.items():
        (sql_dir / "migrations" / name).write_text(sql)
    if quotes_column:
        (quotes_file,) = sql_dir.glob("???_quotes.sql")
        ddl = quotes_file.read_text()
        quotes_file.write_text(re.sub(r"\n\);\s*$", f",\n    {quotes_column}\n);\n", ddl))
    return sql_dir


def open_for_writing(db_path: Path, sql_dir: Path) -> list[str]:
    """The names of the migrations opening `db_path` for writing applies."""
    con = duckdb.connect(str(db_path))
    try:
        return [migration.name for migration in warehouse.apply_schema(con, sql_dir)]
    finally:
        con.close()


def version_of(db_path: Path) -> int | None:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return recorded_version(con)
    finally:
        con.close()


def schema_of(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every table's columns (name, type, null, key, default) and every view's SQL."""
    tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() ORDER BY ALL").fetchall()
    schema = {f"{s}.{t}": con.execute(f'DESCRIBE "{s}"."{t}"').fetchall() for s, t in tables}
    schema["views"] = con.execute(
        "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY ALL"
    ).fetchall()
    return schema


def contents(db_path: Path) -> dict[str, object]:
    """The warehouse's schema and every table's rows, sorted."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        schema = schema_of(con)
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        rows = {f"rows {s}.{t}": sorted(map(repr, con.execute(f'SELECT * FROM "{s}"."{t}"').fetchall()))
                for s, t in tables}  # fmt: skip
        return schema | rows
    finally:
        con.close()


# --- versions ------------------------------------------------------------------------------------


def test_a_warehouse_of_the_release_before_migrations_is_version_0_and_a_new_one_has_no_version(tmp_path):
    assert version_of(warehouse_v0(tmp_path / "old.duckdb")) == 0
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    assert version_of(tmp_path / "empty.duckdb") is None


def test_a_new_warehouse_gets_the_tables_of_sql_and_every_migration_recorded_none_run(tmp_path):
    # sql/ already has the column the added migration adds: had it run, ADD COLUMN would fail
    sql_dir = project_sql(
        tmp_path, {f"{NEXT}_quotes_is_partial.sql": ADD_COLUMN}, "is_partial BOOLEAN DEFAULT false"
    )
    db_path = tmp_path / "warehouse.duckdb"

    assert open_for_writing(db_path, sql_dir) == []
    assert query(db_path, f"SELECT version, name FROM {VERSION_TABLE} ORDER BY version") == [
        *enumerate(HEAD_NAMES, start=1),
        (HEAD + 1, f"{NEXT}_quotes_is_partial"),
    ]
    assert query(db_path, "SELECT count(*) FROM duckdb_columns() WHERE column_name = 'is_partial'") == [(1,)]
    assert open_for_writing(db_path, sql_dir) == []  # current: nothing to do


def test_the_project_sql_creates_a_warehouse_at_the_highest_migration(tmp_path):
    db_path = tmp_path / "warehouse.duckdb"
    open_for_writing(db_path, SQL_DIR)
    assert HEAD >= 1
    assert version_of(db_path) == HEAD


# --- upgrading -----------------------------------------------------------------------------------


def test_an_older_warehouse_gets_its_pending_migrations_in_order_and_keeps_its_rows(tmp_path):
    sql_dir = project_sql(
        tmp_path,
        {f"{NEXT}_quotes_is_partial.sql": ADD_COLUMN, f"{AFTER}_backfill_is_partial.sql": BACKFILL},
        "is_partial BOOLEAN DEFAULT false",
    )
    db_path = warehouse_v0(tmp_path / "warehouse.duckdb")

    assert open_for_writing(db_path, sql_dir) == [
        *HEAD_NAMES,
        f"{NEXT}_quotes_is_partial",
        f"{AFTER}_backfill_is_partial",
    ]
    assert version_of(db_path) == HEAD + 2
    quotes = query(db_path, "SELECT speaker IS NULL, is_partial FROM quotes")
    assert len(quotes) == len(v0_rows("quotes"))
    assert all(no_speaker == is_partial for no_speaker, is_partial in quotes)
    for table in ("documents", "runs", "sentence_clusters", "entities", "dedup_bands"):
        assert sorted(query(db_path, f"SELECT * FROM {table}")) == sorted(v0_rows(table)), table


def test_an_upgraded_warehouse_has_exactly_the_tables_and_views_of_a_new_one(tmp_path):
    """A table changed in sql/ without its migration fails here."""
    upgraded = warehouse_v0(tmp_path / "upgraded.duckdb")
    open_for_writing(upgraded, SQL_DIR)
    open_for_writing(tmp_path / "new.duckdb", SQL_DIR)
    schemas = []
    for db_path in (upgraded, tmp_path / "new.duckdb"):
        con = duckdb.connect(str(db_path), read_only=True)
        schemas.append(schema_of(con))
        con.close()
    assert schemas[0] == schemas[1]


def test_a_failing_migration_leaves_the_warehouse_exactly_as_it_was(tmp_path):
    sql_dir = project_sql(
        tmp_path,
        {
            f"{NEXT}_quotes_is_partial.sql": ADD_COLUMN,
            f"{AFTER}_broken.sql": "UPDATE quotes SET no_such_column = 1;",
        },
    )
    db_path = warehouse_v0(tmp_path / "warehouse.duckdb")
    before = contents(db_path)

    with pytest.raises(MigrationFailed) as error:
        open_for_writing(db_path, sql_dir)
    assert str(sql_dir / "migrations" / f"{AFTER}_broken.sql") in str(error.value)
    assert "still at schema version 0" in str(error.value)
    assert contents(db_path) == before  # no version table, no is_partial, the same rows and views


def test_a_warehouse_newer_than_the_code_is_refused_by_every_writer_naming_both_versions(tmp_path):
    db_path = tmp_path / "warehouse.duckdb"
    newer = project_sql(
        tmp_path, {f"{NEXT}_quotes_is_partial.sql": ADD_COLUMN}, "is_partial BOOLEAN DEFAULT false"
    )
    open_for_writing(db_path, newer)
    before = contents(db_path)

    with pytest.raises(WarehouseTooNew) as error:
        warehouse.load_batch(db_path, tmp_path / "no-batch", {"run_id": "r1"}, sql_dir=SQL_DIR)
    message = str(error.value)
    assert str(db_path) in message
    assert f"schema version {HEAD + 1} ({NEXT}_quotes_is_partial.sql" in message
    assert f"up to version {HEAD}" in message
    assert "Upgrade crosswire" in message
    assert contents(db_path) == before


def test_migration_files_are_numbered_without_gap_or_repeat(tmp_path):
    migrations_dir = tmp_path / "migrations"
    migrations_dir.mkdir()
    (migrations_dir / "001_first.sql").write_text("SELECT 1;")
    (migrations_dir / "003_third.sql").write_text("SELECT 1;")
    with pytest.raises(SchemaError, match="003_third.sql: expected migration 002"):
        find_migrations(migrations_dir)
    (migrations_dir / "003_third.sql").rename(migrations_dir / "2_second.sql")
    with pytest.raises(SchemaError, match="2_second.sql: a migration is named NNN_what_it_does.sql"):
        find_migrations(migrations_dir)


# --- readers and the CLI -------------------------------------------------------------------------


def test_readers_read_an_older_warehouse_without_upgrading_it(tmp_path):
    db_path = warehouse_v0(tmp_path / "warehouse.duckdb")

    # (a run's own reader, `warehouse.read_state`, runs after the run has upgraded the warehouse)
    result = CliRunner().invoke(
        app, ["query", "SELECT count(*) AS n FROM documents", "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "is at schema version 0" in result.output
    assert "crosswire upgrade" in result.output
    assert version_of(db_path) == 0


def test_crosswire_upgrade_applies_the_pending_migrations_once(tmp_path):
    db_path = warehouse_v0(tmp_path / "warehouse.duckdb")

    first = CliRunner().invoke(app, ["upgrade", "--data-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert "applied 001_schema_version" in first.output
    assert version_of(db_path) == HEAD
    again = CliRunner().invoke(app, ["upgrade", "--data-dir", str(tmp_path)])
    assert "is up to date" in again.output


def test_upgrading_before_the_first_load_creates_no_warehouse(tmp_path):
    assert warehouse.upgrade(tmp_path / "warehouse.duckdb") == []
    assert not (tmp_path / "warehouse.duckdb").exists()


# --- a run on a warehouse of the release before migrations ----------------------------------------


@pytest.mark.slow
def test_a_run_upgrades_an_old_warehouse_keeps_its_rows_and_knows_its_documents(
    prefect_harness, seeds_copy, tmp_path
):
    from crosswire.flows.pipeline import crosswire_pipeline

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    db_path = warehouse_v0(data_dir / warehouse.WAREHOUSE_FILE)
    article = 'Ministers met in Lucca.\n\n"But only Russia can answer that question," Boris Johnson said.'
    (seeds_copy / "wire.jsonl").write_text(
        json.dumps({"source": "Wire", "published_at": "2017-04-11T12:00:00Z", "text": article}) + "\n"
    )
    shared = (
        "SELECT cluster_id, n_sources FROM sentence_clusters WHERE canonical_text LIKE '%only Russia can%'"
    )
    ((shared_cluster, _),) = query(db_path, shared)

    first = crosswire_pipeline(sources=[str(seeds_copy)], data_dir=str(data_dir))
    # the seed files are read again (they sit at other paths now), and their texts hash to the
    # doc_ids the old release gave them: only the new article is new
    assert (first["documents_new"], first["documents_skipped"]) == (1, 2)
    assert version_of(db_path) == HEAD
    old_doc_ids = {row[0] for row in v0_rows("documents")}
    seed_files = f"SELECT DISTINCT doc_id FROM document_files WHERE path LIKE '{seeds_copy}/%.txt'"
    assert {doc_id for (doc_id,) in query(db_path, seed_files)} == old_doc_ids
    documents = query(db_path, "SELECT * FROM documents")
    assert sorted(row for row in documents if row[0] in old_doc_ids) == sorted(v0_rows("documents"))
    assert set(v0_rows("runs")) <= set(query(db_path, "SELECT * FROM runs"))
    assert {row[0] for row in v0_rows("sentence_clusters")} <= {
        row[0] for row in query(db_path, "SELECT cluster_id FROM sentence_clusters")
    }
    assert query(db_path, shared) == [(shared_cluster, 3)]  # the new article joined the old cluster

    before = contents(db_path)
    again = crosswire_pipeline(sources=[str(seeds_copy)], data_dir=str(data_dir))
    assert again["documents_new"] == 0
    after = contents(db_path)
    assert {k: v for k, v in after.items() if k != "rows main.runs"} == {
        k: v for k, v in before.items() if k != "rows main.runs"
    }
