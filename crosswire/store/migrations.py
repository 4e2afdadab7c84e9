"""Warehouse schema versions and the migrations that upgrade a warehouse in place.

The bookkeeping follows Rails' `schema_migrations`: `sql/` holds the current tables and views,
`sql/migrations/NNN_what_it_does.sql` each take the tables from version NNN-1 to NNN, and a
warehouse records one row per migration its tables include in `crosswire_schema_migrations`
(which `001_schema_version.sql` creates). The version the code expects is the highest NNN; a
warehouse of the release before migrations (tables, no version table) is version 0.

Opening a warehouse for writing (`migrate`) does, in one transaction:
- a new warehouse: `sql/` (its tables are current), the version table (001: `sql/` does not
  hold it) and a row for every migration, none of the others run;
- an older one: its pending migrations in order, each recorded as it runs, then `sql/` again
  (tables are `CREATE ... IF NOT EXISTS`, views `CREATE OR REPLACE`: the views follow the tables).
A migration that fails rolls all of it back: the warehouse stays exactly as it was. A warehouse
newer than the code is refused before anything is written. Readers never migrate; they read the
tables as they are (`version_note` says how they compare), like a database behind its migrations.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from crosswire import __version__

VERSION_TABLE = "crosswire_schema_migrations"
_FILE_NAME = re.compile(r"(\d{3})_\w+\.sql")


class SchemaError(RuntimeError):
    """The warehouse's schema and the code's migrations cannot be reconciled."""


class WarehouseTooNew(SchemaError):
    """The warehouse records a schema version above the highest migration this code knows."""


class MigrationFailed(SchemaError):
    """A migration raised; its transaction was rolled back and the warehouse is unchanged."""


@dataclass(frozen=True, order=True)
class Migration:
    version: int
    path: Path

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def find_migrations(migrations_dir: Path) -> list[Migration]:
    """The migrations in `migrations_dir` by version, numbered 001, 002, ... without gap or repeat."""
    migrations = []
    for path in sorted(migrations_dir.glob("*.sql")):
        match = _FILE_NAME.fullmatch(path.name)
        if not match:
            raise SchemaError(f"{path}: a migration is named NNN_what_it_does.sql (three digits)")
        migrations.append(Migration(int(match.group(1)), path))
    for expected, migration in enumerate(sorted(migrations), start=1):
        if migration.version != expected:
            raise SchemaError(
                f"{migration.path}: expected migration {expected:03d} here; migrations are numbered "
                f"001, 002, ... with no gap or repeat (renumber the newer file)"
            )
    return sorted(migrations)


def recorded_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The warehouse's schema version: None when it has no tables yet, 0 when it predates migrations."""
    tables = {name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}  # fmt: skip
    if VERSION_TABLE in tables:
        return con.execute(f"SELECT coalesce(max(version), 0) FROM {VERSION_TABLE}").fetchone()[0]
    return 0 if "documents" in tables else None


def migrate(con: duckdb.DuckDBPyConnection, sql_dir: Path) -> list[Migration]:
    """Bring the warehouse on `con` to the schema of `sql_dir`, in one transaction; the migrations run."""
    migrations = find_migrations(sql_dir / "migrations")
    con.begin()
    try:
        version = recorded_version(con)
        if version is not None and version > len(migrations):
            raise WarehouseTooNew(_too_new(con, version, len(migrations), sql_dir / "migrations"))
        if version is None:
            pending = []
            _run_files(con, sql_dir)
            if migrations:
                con.execute(migrations[0].sql)  # 001 creates the version table itself
            _record(con, migrations)
        else:
            pending = migrations[version:]
            for migration in pending:
                _run_migration(con, migration, version)
            _run_files(con, sql_dir)
        con.commit()
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.rollback()
        raise
    return pending


def version_note(con: duckdb.DuckDBPyConnection, migrations_dir: Path) -> str | None:
    """For a reader: how the warehouse's schema version differs from the code's; None when equal."""
    version, head = recorded_version(con) or 0, len(find_migrations(migrations_dir))
    if version < head:
        return (f"{_warehouse_name(con)} is at schema version {version} and this crosswire at {head}: "
                f"tables and views changed since read as they were. `crosswire upgrade` (or the next "
                f"`crosswire run`) upgrades it.")  # fmt: skip
    if version > head:
        return (f"{_warehouse_name(con)} is at schema version {version}, newer than this crosswire "
                f"({head}): it reads, but a run would refuse to write. Upgrade crosswire.")  # fmt: skip
    return None


def _run_files(con: duckdb.DuckDBPyConnection, sql_dir: Path) -> None:
    """The project's `sql/`, its tables then its views, in file-name order."""
    for path in sorted(sql_dir.glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))


def _run_migration(con: duckdb.DuckDBPyConnection, migration: Migration, from_version: int) -> None:
    try:
        con.execute(migration.sql)
    except duckdb.Error as error:
        raise MigrationFailed(
            f"{migration.path} failed on {_warehouse_name(con)}: {error}\nNothing was changed: the "
            f"warehouse is still at schema version {from_version}. Fix the migration and run again."
        ) from error
    _record(con, [migration])


def _record(con: duckdb.DuckDBPyConnection, migrations: list[Migration]) -> None:
    for migration in migrations:
        con.execute(
            f"INSERT INTO {VERSION_TABLE} VALUES (?, ?, now(), ?)",
            [migration.version, migration.name, __version__],
        )


def _too_new(con: duckdb.DuckDBPyConnection, version: int, head: int, migrations_dir: Path) -> str:
    name, applied_by = con.execute(
        f"SELECT name, crosswire_version FROM {VERSION_TABLE} WHERE version = ?", [version]
    ).fetchone()
    return (
        f"{_warehouse_name(con)} is at schema version {version} ({name}.sql, applied by crosswire "
        f"{applied_by}), newer than this crosswire {__version__}, whose migrations in {migrations_dir} "
        f"go up to version {head}. Nothing was written. Upgrade "
        f"crosswire to {applied_by} or later (or run from the project whose sql/migrations/ has "
        f"{name}.sql); `crosswire query` can still read the warehouse."
    )


def _warehouse_name(con: duckdb.DuckDBPyConnection) -> str:
    (path,) = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return path or "the in-memory warehouse"
