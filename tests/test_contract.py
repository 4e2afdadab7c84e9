"""One data contract: the tables' DDL in sql/ and the baseline suites in expectations/ are
generated from crosswire/contract.py and checked in as generated; DuckDB reads the DDL as the
contract's columns, types, nullability and keys; the Parquet a run writes keeps its schema."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from crosswire.contract import TABLES
from crosswire.contract_render import GENERATE_COMMAND, main, stale_files
from crosswire.store import batch_store
from crosswire.store.warehouse import apply_schema

PROJECT = Path(__file__).resolve().parents[1]

# how DuckDB reports each contract type: an oracle of its own, not the generator's spelling
DUCKDB_TYPE_OF = {
    pa.string(): "VARCHAR",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.timestamp("us", tz="UTC"): "TIMESTAMP WITH TIME ZONE",
    pa.list_(pa.string()): "VARCHAR[]",
}


def test_the_checked_in_ddl_and_baseline_suites_are_what_the_contract_generates():
    stale = stale_files(PROJECT)
    assert not stale, (
        f"crosswire/contract.py changed but these files were not regenerated: {', '.join(stale)}. "
        f"Run `{GENERATE_COMMAND}` in {PROJECT} and commit the result."
    )


def test_the_generate_command_rewrites_a_stale_file_and_removes_one_the_contract_dropped(tmp_path, capsys):
    for folder in ("sql", "expectations"):
        shutil.copytree(PROJECT / folder, tmp_path / folder)
    (tmp_path / "sql" / "010_documents.sql").write_text("CREATE TABLE documents (doc_id VARCHAR);\n")
    dropped = tmp_path / "sql" / "095_dropped.sql"
    dropped.write_text((PROJECT / "sql" / "090_rejected_files.sql").read_text())

    assert main([str(tmp_path)]) == 1
    assert "sql/010_documents.sql" in capsys.readouterr().out
    assert main(["--write", str(tmp_path)]) == 0
    assert stale_files(tmp_path) == []
    assert not dropped.exists()
    assert (tmp_path / "sql" / "110_cross_source_sentences.sql").exists()  # views are not generated


@pytest.fixture(scope="module")
def ddl() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    apply_schema(con, PROJECT / "sql")
    return con


@pytest.mark.parametrize("name", sorted(TABLES))
def test_duckdb_reads_the_ddl_as_the_contract_columns_types_nullability_and_key(name, ddl):
    table = TABLES[name]
    columns = ddl.execute(
        "SELECT column_name, data_type, is_nullable = 'YES' FROM information_schema.columns "
        "WHERE table_name = ? ORDER BY ordinal_position",
        [name],
    ).fetchall()
    assert columns == [(c.name, DUCKDB_TYPE_OF[c.type], c.nullable) for c in table.columns]
    keys = ddl.execute(
        "SELECT constraint_column_names FROM duckdb_constraints() "
        "WHERE table_name = ? AND constraint_type = 'PRIMARY KEY'",
        [name],
    ).fetchall()
    assert keys == ([(list(table.key),)] if table.warehouse_key else [])


def test_every_view_file_creates_its_view(ddl):
    views = {
        row[0] for row in ddl.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    }
    assert {
        "cross_source_sentences", "who_said_what", "shared_quotes", "outlet_originality",
        "source_overlap", "entity_cooccurrence", "speaker_summary", "reattributed_quotes", "document_reuse",
    } <= views  # fmt: skip


def test_a_batch_written_as_parquet_reads_back_with_the_contract_schema(tmp_path):
    folder = batch_store.write_batch(tmp_path, "run-1", {name: t.empty() for name, t in TABLES.items()})
    written = batch_store.read_batch(folder)
    for name, table in TABLES.items():
        assert written[name].schema == table.schema, name
