"""One data contract: the Arrow schemas in flows/contract.py, the DuckDB DDL in sql/ and the
Parquet a run writes all name the same columns with compatible types."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from crosswire.contract import TABLES
from crosswire.store.warehouse import apply_schema

DUCKDB_TYPE_OF = {
    pa.string(): "VARCHAR",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.timestamp("us", tz="UTC"): "TIMESTAMP WITH TIME ZONE",
    pa.list_(pa.string()): "VARCHAR[]",
}


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
