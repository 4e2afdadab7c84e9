"""The files generated from the data contract: each table's DuckDB DDL and baseline suite.

`crosswire/contract.py` declares every column once, as dbt's `schema.yml` declares a model's
columns and their tests. From it this module renders, into a project folder:

- `sql/0NN_<table>.sql`: `CREATE TABLE IF NOT EXISTS` with the contract's columns in order,
  their DuckDB types, NOT NULL and the PRIMARY KEY;
- `expectations/<table>.json` (batch tables): the baseline Great Expectations 1.x suite, which
  is everything a column list can say: the ordered columns (then the check columns the validate
  stage appends), the key, not-null, id formats, allowed values, ranges and minimum lengths.

The rest of a table's checks is hand-written in `expectations/<table>.checks.json`, and the
validate stage runs the two files as one suite. Command line:

    python -m crosswire.contract --write [PROJECT_DIR]   # rewrite what is stale
    python -m crosswire.contract [PROJECT_DIR]           # list what is stale; exit 1 if anything

The generated files are checked in, and `tests/test_contract.py` fails while one is stale.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from crosswire.contract import BATCH_TABLES, STR_LIST, TABLES, TIMESTAMP, Column, Table
from crosswire.project import ProjectNotFound, find_project
from crosswire.validate.suites import check_columns_for

GENERATE_COMMAND = "python -m crosswire.contract --write"
# in every generated file: what it comes from, and how to tell a generated file from another
GENERATED_NOTE = (
    f"Generated from crosswire/contract.py by `{GENERATE_COMMAND}`: edit the contract, not this file."
)

DUCKDB_TYPES: dict[pa.DataType, str] = {
    pa.string(): "VARCHAR",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    TIMESTAMP: "TIMESTAMPTZ",
    STR_LIST: "VARCHAR[]",
}


def table_ddl(table: Table) -> str:
    """`CREATE TABLE IF NOT EXISTS` for `table`, its doc and the generated note as comments."""
    inline_key = table.warehouse_key and len(table.key) == 1
    width = max(len(column.name) for column in table.columns) + 2
    lines = []
    for column in table.columns:
        if inline_key and column.name == table.key[0]:
            constraint = " PRIMARY KEY"
        else:
            constraint = "" if column.nullable else " NOT NULL"
        lines.append(f"    {column.name:<{width}}{_duckdb_type(table, column)}{constraint}")
    if table.warehouse_key and not inline_key:
        lines.append(f"    PRIMARY KEY ({', '.join(table.key)})")
    header = "".join(f"-- {line}\n" for line in [*textwrap.wrap(table.doc, 96), GENERATED_NOTE])
    return f"{header}CREATE TABLE IF NOT EXISTS {table.name} (\n" + ",\n".join(lines) + "\n);\n"


def _duckdb_type(table: Table, column: Column) -> str:
    try:
        return DUCKDB_TYPES[column.type]
    except KeyError:
        raise ValueError(
            f"{table.name}.{column.name}: no DuckDB type for Arrow {column.type}; add one to DUCKDB_TYPES "
            f"in {__file__}"
        ) from None


def _bounds(low: int | None, high: int | None) -> dict | None:
    bounds = {"min_value": low, "max_value": high}
    return {k: v for k, v in bounds.items() if v is not None} or None


# What a column declaration puts in the baseline suite: an expectation type and its kwargs
# besides "column", or None where the column declares nothing of that kind.
COLUMN_EXPECTATIONS: tuple[tuple[str, Callable[[Column], dict | None]], ...] = (
    ("expect_column_values_to_not_be_null", lambda c: None if c.nullable else {}),
    ("expect_column_values_to_match_regex", lambda c: {"regex": c.pattern} if c.pattern else None),
    ("expect_column_values_to_be_in_set", lambda c: {"value_set": list(c.values)} if c.values else None),
    ("expect_column_values_to_be_between", lambda c: _bounds(c.min_value, c.max_value)),
    ("expect_column_value_lengths_to_be_between", lambda c: _bounds(c.min_length, None)),
)


def baseline_suite(table: Table) -> dict:
    """The GX 1.x suite (as `ExpectationSuite.to_json_dict()` writes it) of what `table` declares."""
    check_columns = check_columns_for(table.name)
    columns_note = "The contract's columns in order"
    if check_columns:
        columns_note += (
            ", then the check columns the validate stage computes (crosswire/validate/suites.py), "
            f"expected true in {table.name}.checks.json"
        )
    key = {"column": table.key[0]} if len(table.key) == 1 else {"column_list": list(table.key)}
    expectations = [
        {
            "type": "expect_table_columns_to_match_ordered_list",
            "kwargs": {"column_list": table.column_names + check_columns},
            "notes": columns_note + ".",
        },
        {
            "type": "expect_column_values_to_be_unique"
            if len(table.key) == 1
            else "expect_compound_columns_to_be_unique",
            "kwargs": key,
            "notes": "Primary key.",
        },
    ]
    for expectation_type, kwargs_of in COLUMN_EXPECTATIONS:
        for column in table.columns:
            kwargs = kwargs_of(column)
            if kwargs is not None:
                expectations.append({"type": expectation_type, "kwargs": {"column": column.name} | kwargs})
    return {
        "name": table.name,
        "expectations": expectations,
        "meta": {"table": table.name, "generated": GENERATED_NOTE},
        "notes": table.doc,
    }


def suite_json(suite: dict) -> str:
    """A suite as JSON, one line per field of an expectation, so a diff names the check it changes."""

    def block(fields: dict[str, str], indent: str) -> str:
        lines = ",\n".join(f"{indent}  {json.dumps(name)}: {value}" for name, value in fields.items())
        return "{\n" + lines + f"\n{indent}}}"

    def compact(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    expectations = ",\n".join(
        "    " + block({name: compact(value) for name, value in expectation.items()}, "    ")
        for expectation in suite["expectations"]
    )
    fields = {name: compact(value) for name, value in suite.items()}
    fields["expectations"] = f"[\n{expectations}\n  ]" if expectations else "[]"
    return block(fields, "") + "\n"


def generated_files() -> dict[str, str]:
    """Every file rendered from the contract, by its path in a project folder."""
    files = {f"sql/{table.sql_file}": table_ddl(table) for table in TABLES.values()}
    files |= {f"expectations/{name}.json": suite_json(baseline_suite(TABLES[name])) for name in BATCH_TABLES}
    return files


def stale_files(project_dir: Path) -> list[str]:
    """Paths under `project_dir` that differ from what the contract renders: changed, missing,
    or generated for a table the contract no longer has."""
    rendered = generated_files()
    stale = [path for path, text in rendered.items() if _text(project_dir / path) != text]
    for path in sorted([*project_dir.glob("sql/*.sql"), *project_dir.glob("expectations/*.json")]):
        relative = path.relative_to(project_dir).as_posix()
        if relative not in rendered and GENERATED_NOTE in _text(path):
            stale.append(relative)
    return stale


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def write_generated_files(project_dir: Path) -> list[str]:
    """Bring `project_dir`'s generated files up to date; return the paths written or removed."""
    rendered = generated_files()
    stale = stale_files(project_dir)
    for relative in stale:
        path = project_dir / relative
        if relative in rendered:
            path.write_text(rendered[relative], encoding="utf-8")
        else:
            path.unlink()
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crosswire.contract",
        description="Render the tables' DDL (sql/) and baseline suites (expectations/) from "
        "crosswire/contract.py. Without --write, list the files that are out of date.",
    )
    parser.add_argument(
        "project_dir",
        nargs="?",
        help="the crosswire project folder holding sql/ and expectations/ (default: "
        "$CROSSWIRE_PROJECT_DIR, else the current directory)",
    )
    parser.add_argument("--write", action="store_true", help="rewrite the out-of-date files")
    args = parser.parse_args(argv)
    try:
        root = find_project(args.project_dir).root
    except ProjectNotFound as error:
        parser.error(str(error))
    missing = [f"{name}/" for name in ("sql", "expectations") if not (root / name).is_dir()]
    if missing:
        parser.error(f"{root} has no {' or '.join(missing)}: pass the folder of a crosswire project")
    if args.write:
        changed = write_generated_files(root)
        print(f"{len(changed)} generated file(s) updated in {root}", *changed, sep="\n  ")
        return 0
    stale = stale_files(root)
    if stale:
        print(f"out of date with crosswire/contract.py; run `{GENERATE_COMMAND} {root}`:", *stale, sep="\n  ")
        return 1
    print(f"the generated files in {root} match crosswire/contract.py")
    return 0
