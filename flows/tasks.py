"""The Prefect tasks of a crosswire run: thin wrappers over the stage functions.

Each task adds what Prefect gives (a name in the UI, retries on I/O, a log line with its own
counts) and nothing more; the work is the plain function it calls, which the tests call
directly. Tasks opt out of
Prefect's input hashing (`NO_CACHE`): their inputs are whole batches, and re-runs are made cheap
by the warehouse's file manifest and document ids instead.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from crosswire.batch import PreparedBatch, prepare_files
from crosswire.dedup.sentence_dedup import (
    DedupConfig,
    DedupResult,
    Signatures,
    assign_clusters,
    assign_quote_clusters,
)
from crosswire.extract.config import ExtractConfig
from crosswire.extract.dates import extract_time_mentions
from crosswire.ingest.read import IngestConfig, Rejection, SourceFile, discover_files
from crosswire.store import batch_store, warehouse
from crosswire.store.warehouse import WAREHOUSE_FILE, WarehouseState
from crosswire.validate.suites import ValidationReport, ValidatorProcess, validate_staged


@task(name="upgrade-warehouse", cache_policy=NO_CACHE)
def upgrade_warehouse(data_dir: Path, sql_dir: Path, lock_wait_seconds: float) -> None:
    applied = warehouse.upgrade(data_dir / WAREHOUSE_FILE, sql_dir=sql_dir, wait_seconds=lock_wait_seconds)
    if applied:
        get_run_logger().info("warehouse upgraded: %s", ", ".join(m.name for m in applied))


@task(name="read-warehouse-state", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def warehouse_state(data_dir: Path, lock_wait_seconds: float) -> WarehouseState:
    state = warehouse.read_state(data_dir / WAREHOUSE_FILE, wait_seconds=lock_wait_seconds)
    batch_store.settle_staging(data_dir, state.committed_run_ids)
    return state


@task(name="discover-files", cache_policy=NO_CACHE)
def discover(sources: tuple[str, ...], config: IngestConfig) -> tuple[list[SourceFile], list[Rejection]]:
    files, rejected = discover_files([Path(s) for s in sources], config, reuse=True)
    get_run_logger().info("%d files found, %d rejected", len(files), len(rejected))
    return files, rejected


@task(name="read-normalize-segment", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def prepare(
    files: list[SourceFile],
    known_doc_ids: set[str],
    run_id: str,
    ingested_at: datetime,
    config: IngestConfig,
    dedup_config: DedupConfig | None = None,
) -> PreparedBatch:
    """Read, normalize, segment and sign one share of the files."""
    batch = prepare_files(files, known_doc_ids, run_id, ingested_at, config, dedup_config)
    get_run_logger().info(
        "%d files: %d new documents (%d already loaded), %d sentences, %d rejected",
        len(files), len(batch.documents), batch.n_skipped, len(batch.sentences), len(batch.rejected),
    )  # fmt: skip
    return batch


@task(name="deduplicate", cache_policy=NO_CACHE)
def deduplicate(
    sentences: list[dict],
    documents: list[dict],
    config: DedupConfig,
    data_dir: Path,
    run_id: str,
    wait: float,
    signatures: Signatures | None = None,
) -> DedupResult:
    with warehouse.dedup_index(data_dir / WAREHOUSE_FILE, "sentence", wait_seconds=wait) as index:
        result = assign_clusters(sentences, documents, config, index, run_id=run_id, signatures=signatures)
    _log_clusters("sentences", len(sentences), result)
    return result


def _log_clusters(what: str, n_in: int, result: DedupResult) -> None:
    get_run_logger().info(
        "%d %s: %d clusters touched, %d near-duplicate links, %d new variants",
        n_in, what, len(result.clusters), len(result.matches), len(result.variants),
    )  # fmt: skip


@task(name="extract", cache_policy=NO_CACHE)
def extract(documents: list[dict], sentences: list[dict], known_entities: list[dict], config: ExtractConfig):
    from crosswire.extract.facts import extract_facts, shared_nlp  # spaCy: only where extraction runs

    facts = extract_facts(documents, sentences, shared_nlp(config), config, known_entities=known_entities)
    get_run_logger().info(
        "%d documents: %d entity mentions, %d entities, %d quotes, %d over the time budget",
        len(documents), len(facts["entity_mentions"]), len(facts["entities"]), len(facts["quotes"]),
        len(facts["timed_out"]),
    )  # fmt: skip
    return facts


@task(name="load-spacy-model", cache_policy=NO_CACHE)
def load_model(config: ExtractConfig) -> None:
    """Load the extraction pipeline into this worker process, ahead of its extraction tasks."""
    from crosswire.extract.facts import shared_nlp

    shared_nlp(config)


@task(name="extract-dates", cache_policy=NO_CACHE)
def extract_dates(documents: list[dict], sentences: list[dict]) -> list[dict]:
    mentions = extract_time_mentions(documents, sentences)
    get_run_logger().info("%d documents: %d time mentions", len(documents), len(mentions))
    return mentions


@task(name="cluster-quotes", cache_policy=NO_CACHE)
def cluster_quotes(
    quotes: list[dict], documents: list[dict], config: DedupConfig, data_dir: Path, run_id: str, wait: float
) -> DedupResult:
    with warehouse.dedup_index(data_dir / WAREHOUSE_FILE, "quote", wait_seconds=wait) as index:
        result = assign_quote_clusters(quotes, documents, config, index, run_id=run_id)
    _log_clusters("quotes", len(quotes), result)
    return result


@task(name="write-parquet", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def write_parquet(data_dir: Path, run_id: str, tables: dict[str, pa.Table]) -> Path:
    folder = batch_store.write_batch(data_dir, run_id, tables)
    rows = sum(table.num_rows for table in tables.values())
    get_run_logger().info("%d tables, %d rows staged in %s", len(tables), rows, folder)
    return folder


@task(name="validate", cache_policy=NO_CACHE)
def validate(
    batch_dir: Path, suites_dir: Path, run_id: str, data_dir: Path, validator: ValidatorProcess | None
) -> ValidationReport:
    """In the validator process started early, else (a batch of rejections only) in this one."""
    docs = data_dir / "data_docs"
    run = validator.validate if validator is not None else validate_staged
    report = run(batch_dir, suites_dir, run_id=run_id, data_docs_dir=docs)
    get_run_logger().info("validation %s; Data Docs: %s", report.verdict(), report.data_docs_index)
    return report


@task(name="load-warehouse", retries=1, retry_delay_seconds=[5], cache_policy=NO_CACHE)
def load(data_dir: Path, batch_dir: Path, run_row: dict, sql_dir: Path, lock_wait_seconds: float) -> None:
    warehouse.load_batch(
        data_dir / WAREHOUSE_FILE, batch_dir, run_row, sql_dir=sql_dir, wait_seconds=lock_wait_seconds
    )
    batch_store.publish_batch(data_dir, run_row["run_id"])
    get_run_logger().info("run %s loaded: %d new documents", run_row["run_id"], run_row["n_documents_new"])
