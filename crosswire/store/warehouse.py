"""Load stage: the DuckDB warehouse at `<data-dir>/warehouse.duckdb`.

- Opening it for writing first brings its schema to the code's (`crosswire.store.migrations`):
  a new warehouse gets the tables of `sql/`, an older one its pending `sql/migrations/`, in one
  transaction, then the views of `sql/` are re-created; one newer than the code is refused. A run
  does this first thing (`upgrade`), under its lock, before it reads the warehouse's state.
- A batch loads in one transaction: fact tables are inserted from the batch's Parquet files,
  then the dimension tables (`sentence_clusters`, `entities`) are recomputed from the facts for
  every key the batch touched, then the `runs` row is written. Either all of it commits or none.
- DuckDB lets one process write a database file at a time. When another process holds it (an
  analyst's `duckdb` shell), `connect` retries for `wait_seconds`, then raises `WarehouseLocked`
  naming the file, the holder and what to do.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from crosswire.contract import TABLES
from crosswire.dedup.sentence_dedup import MemoryIndex
from crosswire.project import find_project
from crosswire.store.migrations import Migration, migrate

WAREHOUSE_FILE = "warehouse.duckdb"

# Fact tables whose keys a repeated load may legitimately meet again (a path seen in an earlier
# run, a file rejected again): inserted with OR IGNORE. Every other fact must be new.
_IDEMPOTENT_FACTS = ("document_files", "rejected_files")


class WarehouseLocked(RuntimeError):
    """Another process holds the warehouse file."""


@dataclass
class WarehouseState:
    """What a run needs to know about earlier runs before it reads anything."""

    doc_ids: set[str] = field(default_factory=set)
    file_manifest: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # path -> size, mtime, docs
    committed_run_ids: set[str] = field(default_factory=set)
    entities: list[dict] = field(default_factory=list)
    rejections: set[tuple[str, str]] = field(default_factory=set)  # (path, reason) already recorded


def connect(
    db_path: Path, *, read_only: bool = False, wait_seconds: float = 60.0
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting up to `wait_seconds` while another process holds its lock."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(db_path), read_only=read_only)
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            if time.monotonic() >= deadline:
                holder = re.search(r"held in (.+?) \(PID (\d+)\)", str(error))
                who = f"{holder.group(1)} (PID {holder.group(2)})" if holder else "another process"
                raise WarehouseLocked(
                    f"{db_path} is locked by {who}; waited {wait_seconds:g} s. Close that process "
                    f"(an open duckdb shell?) or open it read-only (duckdb -readonly {db_path}), "
                    f"or pass --lock-wait with more seconds."
                ) from None
            time.sleep(0.25)


def apply_schema(con: duckdb.DuckDBPyConnection, sql_dir: Path | None = None) -> list[Migration]:
    """Create the project's `sql/` tables, or apply the migrations pending, then its views; the
    migrations applied (none for a new or current warehouse)."""
    return migrate(con, sql_dir or find_project().sql_dir)


def upgrade(db_path: Path, *, sql_dir: Path | None = None, wait_seconds: float = 60.0) -> list[Migration]:
    """Apply the migrations pending in an existing warehouse; nothing before the first load makes one."""
    if not db_path.exists():
        return []
    con = connect(db_path, wait_seconds=wait_seconds)
    try:
        return apply_schema(con, sql_dir)
    finally:
        con.close()


def read_state(db_path: Path, *, wait_seconds: float = 60.0) -> WarehouseState:
    """Known documents, the file manifest, committed runs and entities; empty for a new warehouse.
    Reads a warehouse at the code's schema version: a run upgrades it first."""
    if not db_path.exists():
        return WarehouseState()
    con = connect(db_path, read_only=True, wait_seconds=wait_seconds)
    try:
        tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "documents" not in tables:
            return WarehouseState()
        entity_table = con.execute("SELECT entity_id, name, label, aliases FROM entities").fetch_arrow_table()
        return WarehouseState(
            doc_ids={row[0] for row in con.execute("SELECT doc_id FROM documents").fetchall()},
            file_manifest=_file_manifest(con),
            committed_run_ids={row[0] for row in con.execute("SELECT run_id FROM runs").fetchall()},
            entities=entity_table.to_pylist(),
            rejections=set(con.execute("SELECT path, reason FROM rejected_files").fetchall()),
        )
    finally:
        con.close()


def read_file_manifest(db_path: Path, *, wait_seconds: float = 60.0) -> dict[str, tuple[int, int, int]]:
    """Each loaded file's size, modification time and documents (`WarehouseState.file_manifest`)."""
    if not db_path.exists():
        return {}
    con = connect(db_path, read_only=True, wait_seconds=wait_seconds)
    try:
        return _file_manifest(con)
    finally:
        con.close()


def _file_manifest(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int, int]]:
    # per file: a JSONL file's lines are one entry (a run upgrades the warehouse before this)
    manifest = con.execute(
        """
        SELECT file_path, any_value(size_bytes), any_value(mtime_ns), count(DISTINCT doc_id)
        FROM document_files GROUP BY file_path
        """
    ).fetchall()
    return {path: (size, mtime, n) for path, size, mtime, n in manifest}


class WarehouseDedupIndex:
    """One tier of the warehouse's dedup index, queried for one batch's keys and band hashes."""

    def __init__(self, con: duckdb.DuckDBPyConnection, kind: str) -> None:
        self.con = con
        self.kind = kind

    def clusters_of(self, keys: list[str]) -> dict[str, str]:
        self.con.register("batch_keys", pa.table({"normalized_key": pa.array(keys, pa.string())}))
        rows = self.con.execute(
            """SELECT normalized_key, cluster_id FROM dedup_variants JOIN batch_keys USING (normalized_key)
               WHERE kind = ?""",
            [self.kind],
        ).fetchall()
        return dict(rows)

    def candidates(self, band_hashes: np.ndarray, max_bucket: int | None = None) -> list[dict]:
        unique = pa.array(np.unique(band_hashes), pa.int64())
        self.con.register("batch_bands", pa.table({"band_hash": unique}))
        query = """WITH hits AS (SELECT band_hash, variant_id FROM dedup_bands
                                 JOIN batch_bands USING (band_hash) WHERE kind = $kind),
                        kept AS (SELECT band_hash FROM hits GROUP BY band_hash
                                 HAVING $max_bucket IS NULL OR count(*) <= $max_bucket)
                   SELECT h.band_hash, v.normalized_key, v.cluster_id, v.text
                   FROM hits AS h JOIN kept USING (band_hash)
                   JOIN dedup_variants AS v ON v.kind = $kind AND v.variant_id = h.variant_id"""
        parameters = {"kind": self.kind, "max_bucket": max_bucket}
        return self.con.execute(query, parameters).fetch_arrow_table().to_pylist()


@contextlib.contextmanager
def dedup_index(
    db_path: Path, kind: str, *, wait_seconds: float = 60.0
) -> Iterator[WarehouseDedupIndex | MemoryIndex]:
    """The warehouse's dedup index for one tier, read-only; an empty one before the first load."""
    if not db_path.exists():
        yield MemoryIndex()
        return
    con = connect(db_path, read_only=True, wait_seconds=wait_seconds)
    try:
        tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        yield WarehouseDedupIndex(con, kind) if "dedup_variants" in tables else MemoryIndex()
    finally:
        con.close()


def totals(db_path: Path) -> dict[str, int]:
    """The warehouse's row counts a run summary shows."""
    con = connect(db_path, read_only=True)
    try:
        clusters, cross_source = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE n_sources >= 2) FROM sentence_clusters"
        ).fetchone()
        (entities,) = con.execute("SELECT count(*) FROM entities").fetchone()
        (quotes,) = con.execute("SELECT count(*) FROM quotes").fetchone()
        (sentences,) = con.execute("SELECT count(*) FROM sentences").fetchone()
    finally:
        con.close()
    return {"clusters": clusters, "cross_source_clusters": cross_source, "entities": entities,
            "quotes": quotes, "sentences": sentences}  # fmt: skip


def fts_extension_path() -> str:
    """The DuckDB full-text-search extension shipped in the `duckdb-extension-fts` wheel."""
    import duckdb_extension_fts

    root = Path(duckdb_extension_fts.__file__).parent
    return str(next(root.rglob("fts.duckdb_extension")))


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"LOAD '{fts_extension_path()}'")


def rebuild_search_index(con: duckdb.DuckDBPyConnection) -> None:
    """Full-text (BM25) index over every sentence: `search_sentences`, rebuilt after each load.

    DuckDB's FTS index does not follow table changes, so it is rebuilt from `sentences`.
    """
    load_fts(con)
    con.execute(
        """CREATE OR REPLACE TABLE search_sentences AS
           SELECT doc_id || ':' || sentence_idx AS sentence_id, doc_id, sentence_idx, cluster_id, text
           FROM sentences"""
    )
    con.execute("PRAGMA create_fts_index('search_sentences', 'sentence_id', 'text', overwrite = 1)")


def search_sentences(db_path: Path, words: str, *, limit: int = 20) -> list[dict]:
    """Sentences matching `words` by BM25, best first, with their source and cluster."""
    con = connect(db_path, read_only=True, wait_seconds=10)
    try:
        load_fts(con)
        return (
            con.execute(
                """SELECT score, d.source, s.doc_id, s.sentence_idx, s.cluster_id, c.n_sources, s.text
                   FROM (SELECT *, fts_main_search_sentences.match_bm25(sentence_id, ?) AS score
                         FROM search_sentences) AS s
                   JOIN documents AS d USING (doc_id)
                   JOIN sentence_clusters AS c USING (cluster_id)
                   WHERE score IS NOT NULL
                   ORDER BY score DESC, s.doc_id, s.sentence_idx
                   LIMIT ?""",
                [words, limit],
            )
            .fetch_arrow_table()
            .to_pylist()
        )
    finally:
        con.close()


_REFRESH_CLUSTERS = """
INSERT OR REPLACE INTO sentence_clusters
SELECT
    s.cluster_id,
    arg_min(s.text, (coalesce(d.published_at, d.ingested_at), d.doc_id, s.sentence_idx)),
    arg_min(s.normalized_key, (coalesce(d.published_at, d.ingested_at), d.doc_id, s.sentence_idx)),
    count(*),
    count(DISTINCT s.doc_id),
    count(DISTINCT d.source),
    list(DISTINCT d.source ORDER BY d.source),
    arg_min(d.doc_id, (coalesce(d.published_at, d.ingested_at), d.doc_id, s.sentence_idx)),
    arg_min(d.source, (coalesce(d.published_at, d.ingested_at), d.doc_id, s.sentence_idx)),
    min(coalesce(d.published_at, d.ingested_at))
FROM sentences AS s
JOIN documents AS d USING (doc_id)
WHERE s.cluster_id IN (SELECT DISTINCT cluster_id FROM read_parquet($sentences))
GROUP BY s.cluster_id
"""

_REFRESH_ENTITIES = """
UPDATE entities SET aliases = agg.aliases, n_mentions = agg.n_mentions,
                    n_documents = agg.n_documents, n_sources = agg.n_sources
FROM (
    SELECT m.entity_id,
           list(DISTINCT m.text ORDER BY m.text) AS aliases,
           count(*) AS n_mentions,
           count(DISTINCT m.doc_id) AS n_documents,
           count(DISTINCT d.source) AS n_sources
    FROM entity_mentions AS m
    JOIN documents AS d USING (doc_id)
    WHERE m.entity_id IN (SELECT entity_id FROM read_parquet($entities))
    GROUP BY m.entity_id
) AS agg
WHERE entities.entity_id = agg.entity_id
"""


def sql_literal(value: str | int | float | bool | datetime | None) -> str:
    """A value as a DuckDB SQL literal (strings quoted the standard way: ' doubled)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return f"TIMESTAMPTZ '{value.isoformat()}'" if value.tzinfo else f"TIMESTAMP '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def load_batch(
    db_path: Path, batch_dir: Path, run_row: dict, *, wait_seconds: float = 60.0, sql_dir: Path | None = None
) -> None:
    """Load one validated batch and its `runs` row in a single transaction."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = connect(db_path, wait_seconds=wait_seconds)
    try:
        apply_schema(con, sql_dir)
        # the run row goes in as literals: binding any Python value makes DuckDB import pandas
        # (~0.4 s), which a run with nothing new to load otherwise never needs
        run_id = sql_literal(run_row["run_id"])
        if con.execute(f"SELECT count(*) FROM runs WHERE run_id = {run_id}").fetchone()[0]:
            return  # committed by an earlier attempt of this run (a retry after a later failure)
        con.execute("BEGIN TRANSACTION")
        for name, table in TABLES.items():
            path = batch_dir / f"{name}.parquet"
            if table.kind != "fact" or not path.exists():
                continue
            verb = "INSERT OR IGNORE INTO" if name in _IDEMPOTENT_FACTS else "INSERT INTO"
            con.execute(f"{verb} {name} BY NAME SELECT * FROM read_parquet(?)", [str(path)])
        if (batch_dir / "entities.parquet").exists():
            con.execute(
                "INSERT OR IGNORE INTO entities BY NAME SELECT * FROM read_parquet(?)",
                [str(batch_dir / "entities.parquet")],
            )
            con.execute(_REFRESH_ENTITIES, {"entities": str(batch_dir / "entities.parquet")})
        if (batch_dir / "sentences.parquet").exists():
            con.execute(_REFRESH_CLUSTERS, {"sentences": str(batch_dir / "sentences.parquet")})
            if pq.read_metadata(batch_dir / "sentences.parquet").num_rows:
                # in the load's transaction: a run killed after its commit never leaves search behind
                rebuild_search_index(con)
        columns = TABLES["runs"].column_names
        values = ", ".join(sql_literal(run_row[c]) for c in columns)
        con.execute(f"INSERT INTO runs ({', '.join(columns)}) VALUES ({values})")
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()
