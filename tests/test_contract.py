"""One data contract: the tables' DDL in sql/ and the baseline suites in expectations/ are
generated from crosswire/contract.py and checked in as generated, and the DuckDB DDL and the
Parquet a run writes name the contract's columns with compatible types."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from crosswire.contract import TABLES
from crosswire.contract_render import GENERATE_COMMAND, main, stale_files
from crosswire.store.warehouse import apply_schema

PROJECT = Path(__file__).resolve().parents[1]

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
def ddl_columns() -> dict[str, list[tuple[str, str, bool]]]:
    con = duckdb.connect()
    apply_schema(con)
    rows = con.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
        "ORDER BY table_name, ordinal_position"
    ).fetchall()
    columns: dict[str, list[tuple[str, str, bool]]] = {}
    for table, column, data_type, nullable in rows:
        columns.setdefault(table, []).append((column, data_type, nullable == "YES"))
    return columns


@pytest.mark.parametrize("name", sorted(TABLES))
def test_sql_ddl_declares_the_contract_columns_in_order_with_matching_types(name, ddl_columns):
    table = TABLES[name]
    expected = [(c.name, DUCKDB_TYPE_OF[c.type], c.nullable) for c in table.columns]
    assert [c[:2] for c in ddl_columns[name]] == [c[:2] for c in expected]
    # a NOT NULL column of the contract is NOT NULL in DuckDB (key columns may be stricter)
    for (column, _, contract_nullable), (_, _, ddl_nullable) in zip(expected, ddl_columns[name], strict=True):
        assert contract_nullable or not ddl_nullable, f"{name}.{column} should be NOT NULL"


def test_every_view_file_creates_its_view(ddl_columns):
    con = duckdb.connect()
    apply_schema(con)
    views = {
        row[0] for row in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    }
    assert {
        "cross_source_sentences", "who_said_what", "shared_quotes", "outlet_originality",
        "source_overlap", "entity_cooccurrence", "speaker_summary",
    } <= views  # fmt: skip


def test_arrow_tables_built_from_rows_have_the_contract_schema():
    for table in TABLES.values():
        assert table.to_arrow([]).schema == table.schema
