"""The crosswire Prefect flow: the table of contents of one run.

discover files -> read and decode -> normalize -> segment -> deduplicate -> extract
-> write Parquet -> validate (Great Expectations) -> load (DuckDB)

Each task is a thin wrapper over a plain function in the stage module of the same name; the
functions hold the logic and are what the tests call. Tasks opt out of Prefect's input hashing
(`NO_CACHE`): their inputs are whole batches, and re-runs are made cheap by the warehouse's file
manifest and document ids instead.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.task_runners import ProcessPoolTaskRunner
from prefect.utilities.annotations import quote

from flows import artifacts, batch_store, progress, warehouse
from flows.contract import TABLES
from flows.dedup import (
    DedupConfig,
    DedupResult,
    Signatures,
    assign_clusters,
    assign_quote_clusters,
    clear_caches,
    merge_signatures,
    sign_sentences,
)
from flows.extract import ExtractConfig, extract_facts, load_nlp
from flows.extract_dates import extract_time_mentions
from flows.ingest import IngestConfig, Rejection, SourceFile, discover_files, read_source_file
from flows.normalize import normalize_articles
from flows.run_lock import run_lock
from flows.segment import segment_documents
from flows.validate import ValidationReport, ValidatorProcess
from flows.warehouse import WAREHOUSE_FILE, WarehouseState

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


@dataclass(frozen=True)
class PipelineConfig:
    """Every knob of a run; the CLI options and the flow parameters are built from it."""

    sources: tuple[str, ...] = ("seeds",)
    data_dir: str = "data"
    lock_wait_seconds: float = 60.0  # how long the load waits for another process's lock
    suites_dir: str = str(EXPECTATIONS_DIR)
    workers: int = 2  # processes for the CPU-bound per-document stage (extract)
    batch_documents: int = 200  # documents per extract task
    batch_files: int = 500  # files per read-normalize-segment task
    slice_files: int = 10_000  # changed files loaded per slice (a run of its own): bounds memory
    dask_address: str | None = None  # run per-document stages on this Dask scheduler instead
    ingest: IngestConfig = field(default_factory=IngestConfig)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)


class ValidationFailed(RuntimeError):
    """The batch failed its expectations; it was quarantined and nothing was loaded."""


@dataclass
class RunSummary:
    run_id: str
    status: str
    documents_new: int
    documents_skipped: int
    files_rejected: int
    sentences: int
    clusters: int
    cross_source_clusters: int
    entities: int
    quotes: int
    validation: str
    warehouse: str
    data_docs: str | None
    rejected: list[tuple[str, str]]
    seconds_by_stage: dict[str, float]
    run_ids: list[str] = field(default_factory=list)  # one a slice: `runs` rows of this flow run

    def as_dict(self) -> dict:
        return asdict(self)


# ---- tasks: thin wrappers over the stage functions ------------------------------------------


@task(name="read-warehouse-state", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def warehouse_state(data_dir: Path, lock_wait_seconds: float) -> WarehouseState:
    state = warehouse.read_state(data_dir / WAREHOUSE_FILE, wait_seconds=lock_wait_seconds)
    batch_store.settle_staging(data_dir, state.committed_run_ids)
    return state


@task(name="discover-files", cache_policy=NO_CACHE)
def discover(sources: tuple[str, ...], config: IngestConfig) -> tuple[list[SourceFile], list[Rejection]]:
    return discover_files([Path(s) for s in sources], config)


@dataclass
class PreparedBatch:
    """Read, normalized and segmented documents of some files: the per-document stages' output."""

    documents: list[dict]
    document_files: list[dict]
    sentences: list[dict]
    rejected: list[Rejection]
    n_skipped: int  # documents already loaded (unchanged files, known texts, repeats)
    signatures: Signatures | None = None  # dedup signatures of the sentence texts


def unchanged_files(
    files: list[SourceFile], manifest: dict[str, tuple[int, int, int]]
) -> tuple[list[SourceFile], int]:
    """Split off the files whose size and modification time match what was last loaded from them:
    they are not opened (nor sent to a worker). Returns the others, and how many documents the
    unchanged files hold."""
    changed, n_unchanged = [], 0
    for file in files:
        size_bytes, mtime_ns, n_documents = manifest.get(str(file.path), (None, None, 0))
        if (size_bytes, mtime_ns) == (file.size_bytes, file.mtime_ns):
            n_unchanged += n_documents
        else:
            changed.append(file)
    return changed, n_unchanged


@task(name="read-normalize-segment", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def prepare(
    files: list[SourceFile],
    known_doc_ids: set[str],
    run_id: str,
    ingested_at: datetime,
    config: IngestConfig,
    dedup_config: DedupConfig | None = None,
) -> PreparedBatch:
    """Read, normalize and segment files; with `dedup_config`, also sign the sentences for dedup
    (key and MinHash: per-text work, done here in the worker processes)."""
    articles, rejected = [], []
    for file in files:
        file_articles, file_rejected = read_source_file(file, config)
        articles.extend(file_articles)
        rejected.extend(file_rejected)
    batch = normalize_articles(articles, known_doc_ids, run_id, ingested_at)
    sentences = segment_documents(batch.documents)
    signatures = sign_sentences(sentences, dedup_config) if dedup_config else None
    return PreparedBatch(
        batch.documents, batch.document_files, sentences, rejected, batch.n_skipped, signatures
    )


def prepare_batches(
    files: list[SourceFile], state: WarehouseState, run_id: str, ingested_at: datetime, config: PipelineConfig
) -> PreparedBatch:
    """The per-document stages over batches of files (changed ones), in parallel; one merged batch."""
    size = config.batch_files
    jobs = [
        {
            "files": files[i : i + size],
            "known_doc_ids": state.doc_ids,
            "run_id": run_id,
            "ingested_at": ingested_at,
            "config": config.ingest,
            "dedup_config": config.dedup,
        }
        for i in range(0, len(files), size)
    ]
    return merge_prepared(run_batches(prepare, jobs, config, "read files") if jobs else [])


def merge_prepared(parts: list[PreparedBatch]) -> PreparedBatch:
    """Concatenate batches; a text that two batches both read stays one document."""
    merged = PreparedBatch([], [], [], [], 0)
    paths: set[tuple[str, str]] = set()
    doc_ids: set[str] = set()
    for part in parts:
        new = {d["doc_id"] for d in part.documents} - doc_ids
        doc_ids |= new
        if len(new) == len(part.documents):  # the common case: nothing to filter out
            merged.documents += part.documents
            merged.sentences += part.sentences
        else:
            merged.documents += [d for d in part.documents if d["doc_id"] in new]
            merged.sentences += [s for s in part.sentences if s["doc_id"] in new]
        merged.document_files += [f for f in part.document_files if (f["path"], f["doc_id"]) not in paths]
        paths.update((f["path"], f["doc_id"]) for f in part.document_files)
        merged.rejected += part.rejected
        merged.n_skipped += part.n_skipped + len(part.documents) - len(new)
    signed = [part.signatures for part in parts if part.signatures is not None]
    if signed:
        merged.signatures = merge_signatures(signed)
    return merged


def run_batches(task_, jobs: list[dict], config: PipelineConfig, stage: str) -> list:
    """Run a task over jobs: in this process when one job (or one worker) suffices, else on the
    task runner (worker processes, or the Dask cluster at `dask_address`)."""
    results = []
    with progress.track(stage, len(jobs)) as advance:
        if not config.dask_address and (config.workers <= 1 or len(jobs) <= 1):
            for job in jobs:
                results.append(task_(**_quoted(job)))
                advance(1)
            return results
        with _task_runner(config) as runner:
            # Dask's runner hands a quoted parameter on still wrapped: only the others are quoted
            quoted = (lambda job: job) if config.dask_address else _quoted
            for future in [runner.submit(task_, parameters=quoted(job)) for job in jobs]:
                results.append(future.result())
                advance(1)
    return results


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
        return assign_clusters(sentences, documents, config, index, run_id=run_id, signatures=signatures)


@task(name="cluster-quotes", cache_policy=NO_CACHE)
def cluster_quotes(
    quotes: list[dict], documents: list[dict], config: DedupConfig, data_dir: Path, run_id: str, wait: float
) -> DedupResult:
    with warehouse.dedup_index(data_dir / WAREHOUSE_FILE, "quote", wait_seconds=wait) as index:
        return assign_quote_clusters(quotes, documents, config, index, run_id=run_id)


@functools.lru_cache(maxsize=2)
def _nlp(config: ExtractConfig):
    return load_nlp(config)


@task(name="extract", cache_policy=NO_CACHE)
def extract(documents: list[dict], sentences: list[dict], known_entities: list[dict], config: ExtractConfig):
    return extract_facts(documents, sentences, _nlp(config), config, known_entities=known_entities)


def extract_batches(
    documents: list[dict], sentences: list[dict], known_entities: list[dict], config: PipelineConfig
) -> dict[str, list[dict]]:
    """Run `extract` over batches of documents: in worker processes, or on a Dask cluster.

    Entities are linked within a batch and against the warehouse's; batches of one run agree on
    ids through the canonical key, and their `entities` rows are merged here.
    """
    by_doc: dict[str, list[dict]] = {}
    for sentence in sentences:
        by_doc.setdefault(sentence["doc_id"], []).append(sentence)
    size = config.batch_documents
    batches = [documents[i : i + size] for i in range(0, len(documents), size)]
    jobs = [
        {
            "documents": batch,
            "sentences": [s for d in batch for s in by_doc.get(d["doc_id"], [])],
            "known_entities": known_entities,
            "config": config.extract,
        }
        for batch in batches
    ]
    return merge_facts(run_batches(extract, jobs, config, "extract"), documents)


def _quoted(parameters: dict) -> dict:
    """Task parameters wrapped in Prefect's `quote`: Prefect walks every element of a parameter
    looking for futures (1.4 s for 42,000 sentence rows); batches hold none."""
    return {name: quote(value) for name, value in parameters.items()}


def _task_runner(config: PipelineConfig):
    if config.dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=config.dask_address)
    return ProcessPoolTaskRunner(max_workers=config.workers)


def merge_facts(results: list[dict[str, list[dict]]], documents: list[dict]) -> dict[str, list[dict]]:
    """One batch's worth of extraction rows from several: mentions and quotes concatenated,
    entities merged by id (aliases united, counts recomputed)."""
    merged: dict[str, list[dict]] = {"entity_mentions": [], "entities": [], "quotes": []}
    entities: dict[str, dict] = {}
    for result in results:
        merged["entity_mentions"] += result["entity_mentions"]
        merged["quotes"] += result["quotes"]
        for entity in result["entities"]:
            kept = entities.setdefault(entity["entity_id"], {**entity, "aliases": []})
            kept["aliases"] = sorted(set(kept["aliases"]) | set(entity["aliases"]))
    source_of = {d["doc_id"]: d["source"] for d in documents}
    mentions_of: dict[str, list[dict]] = {}
    for mention in merged["entity_mentions"]:
        mentions_of.setdefault(mention["entity_id"], []).append(mention)
    for entity_id, entity in entities.items():
        mentions = mentions_of.get(entity_id, [])
        forms = Counter(m["text"] for m in mentions if m["link_method"] == "exact")
        if len(results) > 1 and forms:  # the extractor's rule, over the whole run's mentions
            entity["name"] = max(forms, key=lambda form: (len(form.split()), forms[form], len(form)))
        entity["n_mentions"] = len(mentions)
        entity["n_documents"] = len({m["doc_id"] for m in mentions})
        entity["n_sources"] = len({source_of[m["doc_id"]] for m in mentions})
    merged["entities"] = [e for e in entities.values() if e["n_mentions"]]
    return merged


@task(name="extract-dates", cache_policy=NO_CACHE)
def extract_dates(documents: list[dict], sentences: list[dict]) -> list[dict]:
    return extract_time_mentions(documents, sentences)


@task(name="write-parquet", retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def write_parquet(data_dir: Path, run_id: str, tables: dict[str, pa.Table]) -> Path:
    return batch_store.write_batch(data_dir, run_id, tables)


@task(name="validate", cache_policy=NO_CACHE)
def validate(
    batch_dir: Path, suites_dir: str, run_id: str, data_dir: Path, validator: ValidatorProcess
) -> ValidationReport:
    docs = data_dir / "data_docs"
    return validator.validate(batch_dir, Path(suites_dir), run_id=run_id, data_docs_dir=docs)


@task(name="load-warehouse", retries=1, retry_delay_seconds=[5], cache_policy=NO_CACHE)
def load(data_dir: Path, batch_dir: Path, run_row: dict, lock_wait_seconds: float) -> None:
    warehouse.load_batch(data_dir / WAREHOUSE_FILE, batch_dir, run_row, wait_seconds=lock_wait_seconds)
    batch_store.publish_batch(data_dir, run_row["run_id"])


# ---- the flow -------------------------------------------------------------------------------


@flow(name="crosswire", description="Ingest articles, dedup sentences, extract, validate, load DuckDB.")
def crosswire_pipeline(
    sources: list[str] | None = None,
    data_dir: str = "data",
    lock_wait_seconds: float = 60.0,
    workers: int = 2,
    dask_address: str | None = None,
    batch_documents: int = 200,
    max_file_mb: float = IngestConfig.max_file_bytes / 2**20,
    follow_symlinks: bool = False,
    slice_files: int = PipelineConfig.slice_files,
) -> dict:
    """Run the whole pipeline once over `sources` (files or folders) into `data_dir`, loading
    changed files in slices of `slice_files` (each a run of its own)."""
    config = PipelineConfig(
        sources=tuple(sources or PipelineConfig.sources),
        data_dir=data_dir,
        lock_wait_seconds=lock_wait_seconds,
        workers=workers,
        dask_address=dask_address,
        batch_documents=batch_documents,
        slice_files=slice_files,
        ingest=IngestConfig(max_file_bytes=int(max_file_mb * 2**20), follow_symlinks=follow_symlinks),
    )
    return run_pipeline(config).as_dict()


def run_pipeline(config: PipelineConfig) -> RunSummary:
    """The flow's body, one run at a time per data dir; call it inside a flow run."""
    with (
        run_lock(Path(config.data_dir).absolute(), wait_seconds=config.lock_wait_seconds),
        progress.attached(artifacts.ProgressArtifacts()),
    ):
        return _run_pipeline(config)


def _run_pipeline(config: PipelineConfig) -> RunSummary:
    """Discover the sources, then load their changed files in slices of `config.slice_files`.

    Each slice is a run of its own (a `runs` row, a validated batch, one load transaction), so
    memory is bounded by the slice, not the corpus, and a failure keeps the slices loaded before
    it; later slices dedup against earlier ones through the warehouse's index, as later runs do.
    """
    data_dir = Path(config.data_dir).absolute()
    timings: dict[str, float] = {}
    state = _timed(timings, "state", warehouse_state, data_dir, config.lock_wait_seconds)
    files, rejected = _timed(timings, "discover", discover, config.sources, config.ingest)
    changed, n_unchanged = unchanged_files(files, state.file_manifest)
    size = config.slice_files
    slices = [changed[i : i + size] for i in range(0, len(changed), size)] or [[]]
    summaries = []
    for number, slice_files in enumerate(slices):
        first = number == 0
        slice_timings = timings if first else {}
        if not first:  # what the slices before this one loaded: documents, entities, file manifest
            state = _timed(slice_timings, "state", warehouse_state, data_dir, config.lock_wait_seconds)
        if not first:
            _release_slice_memory()
        summaries.append(
            _run_slice(
                slice_files,
                rejected if first else [],
                n_unchanged if first else 0,
                state,
                config,
                slice_timings,
                number,
            )
        )
    return _combined(summaries)


def _run_slice(
    files: list[SourceFile],
    rejected: list[Rejection],
    n_unchanged: int,
    state: WarehouseState,
    config: PipelineConfig,
    timings: dict[str, float],
    slice_number: int,
) -> RunSummary:
    data_dir = Path(config.data_dir).absolute()
    run_id = _run_id(slice_number)
    started_at = datetime.now(UTC)
    batch = _timed(
        timings, "read+normalize+segment", prepare_batches, files, state, run_id, started_at, config
    )
    batch.n_skipped += n_unchanged
    rejected = [r for r in rejected + batch.rejected if (r.path, r.reason) not in state.rejections]
    if not (batch.documents or batch.document_files or rejected):
        return _record_unchanged_run(data_dir, run_id, started_at, batch.n_skipped, timings, config)
    with ValidatorProcess() as validator:  # imports GX on the other core while the stages run
        return _process_batch(batch, rejected, state, files, data_dir, run_id, started_at, timings, config,
                              validator)  # fmt: skip


def _release_slice_memory() -> None:
    """Let go of what the slice before held: Prefect keeps every task's result of a flow run (for
    dependency tracking, `run_results`) until the flow run ends, and the dedup caches of this
    process fill up; without this a 100,000-document run grew by ~300 MB a slice."""
    with contextlib.suppress(Exception):  # outside a flow run there is no run context
        get_run_context().run_results.clear()
    clear_caches()
    gc.collect()
    with contextlib.suppress(Exception):  # glibc keeps freed heap pages mapped; hand them back
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _combined(summaries: list[RunSummary]) -> RunSummary:
    """One summary of a flow run's slices: counts added up, warehouse totals from the last."""
    if len(summaries) == 1:
        return summaries[0]
    last = summaries[-1]
    seconds: dict[str, float] = {}
    for summary in summaries:
        for stage, value in summary.seconds_by_stage.items():
            seconds[stage] = round(seconds.get(stage, 0.0) + value, 3)
    return replace(
        last,
        run_ids=[run_id for summary in summaries for run_id in summary.run_ids],
        documents_new=sum(s.documents_new for s in summaries),
        documents_skipped=sum(s.documents_skipped for s in summaries),
        files_rejected=sum(s.files_rejected for s in summaries),
        rejected=[r for s in summaries for r in s.rejected],
        validation=f"{last.validation}, in each of {len(summaries)} slices",
        seconds_by_stage=seconds,
    )


def _timed(timings: dict[str, float], name: str, fn, *args):
    """Call fn(*args), recording its wall seconds under `name`."""
    began = time.perf_counter()
    result = fn(*args)
    timings[name] = round(time.perf_counter() - began, 3)
    return result


def _process_batch(
    batch: PreparedBatch,
    rejected: list[Rejection],
    state: WarehouseState,
    files: list[SourceFile],
    data_dir: Path,
    run_id: str,
    started_at: datetime,
    timings: dict[str, float],
    config: PipelineConfig,
    validator: ValidatorProcess,
) -> dict:
    """Dedup, extract, write, validate and load a batch with new documents."""
    logger = get_run_logger()
    timed = functools.partial(_timed, timings)

    sentences = batch.sentences
    dedup = timed(
        "deduplicate",
        deduplicate,
        quote(sentences),
        quote(batch.documents),
        config.dedup,
        data_dir,
        run_id,
        config.lock_wait_seconds,
        quote(batch.signatures),
    )
    facts = timed("extract", extract_batches, batch.documents, sentences, state.entities, config)
    time_mentions = timed("extract dates", extract_dates, quote(batch.documents), quote(sentences))
    quote_dedup = timed(
        "cluster quotes",
        cluster_quotes,
        quote(facts["quotes"]),
        quote(batch.documents),
        config.dedup,
        data_dir,
        run_id,
        config.lock_wait_seconds,
    )
    logger.info(
        "read %d files (%d rejected): %d new documents (%d already loaded), %d sentences, %d quotes",
        len(files),
        len(rejected),
        len(batch.documents),
        batch.n_skipped,
        len(sentences),
        len(facts["quotes"]),
    )

    tables = batch_tables(batch, dedup, quote_dedup, facts, time_mentions, rejected, run_id)
    batch_dir = timed("write", write_parquet, data_dir, run_id, quote(tables))
    report = timed("validate", validate, batch_dir, config.suites_dir, run_id, data_dir, validator)
    artifacts.publish_validation(report.summary(), report.success, report.data_docs_index)
    if not report.success:
        target = batch_store.quarantine_batch(data_dir, run_id, asdict(report))
        raise ValidationFailed(
            f"validation failed; nothing was loaded and the batch is in {target}\n{report.summary()}"
        )
    run_row = _run_row(run_id, started_at, batch, len(rejected), report)
    timed("load", load, data_dir, batch_dir, run_row, config.lock_wait_seconds)
    logger.info("stage seconds: %s", timings)
    summary = _summarize(data_dir, run_row, report, rejected, timings)
    artifacts.publish_run(summary.as_dict(), data_dir, run_id)
    return summary


def batch_tables(
    batch: PreparedBatch,
    dedup: DedupResult,
    quote_dedup: DedupResult,
    facts: dict[str, list[dict]],
    time_mentions: list[dict],
    rejected: list[Rejection],
    run_id: str,
) -> dict[str, pa.Table]:
    """Every batch table of a run, as Arrow tables with the contract's schemas."""
    rows = {
        "documents": batch.documents,
        "document_files": batch.document_files,
        "sentences": batch.sentences,
        "sentence_clusters": dedup.clusters,
        "sentence_matches": dedup.matches,
        "dedup_variants": dedup.variants + quote_dedup.variants,
        "dedup_bands": pa.concat_tables([dedup.bands, quote_dedup.bands]),
        "time_mentions": time_mentions,
        "rejected_files": [{"run_id": run_id, "path": r.path, "reason": r.reason} for r in rejected],
        **facts,
    }
    return {
        name: value if isinstance(value, pa.Table) else TABLES[name].to_arrow(value)
        for name, value in rows.items()
    }


def _run_row(
    run_id: str, started_at: datetime, batch: PreparedBatch, n_rejected: int, report: ValidationReport
) -> dict:
    """The run's row of the `runs` table, written in the load's transaction."""
    return {
        "run_id": run_id,
        "started_at": started_at,
        "finished_at": datetime.now(UTC),
        "status": "completed",
        "n_documents_new": len(batch.documents),
        "n_documents_skipped": batch.n_skipped,
        "n_files_rejected": n_rejected,
        "n_sentences": len(batch.sentences),
        "validation_success": report.success,
        "n_expectations": report.n_expectations,
        "n_expectations_failed": report.n_failed,
    }


def _record_unchanged_run(
    data_dir: Path, run_id: str, started_at: datetime, n_skipped: int, timings: dict, config: PipelineConfig
) -> RunSummary:
    """Nothing new in the sources: no batch to validate or load; the run itself is recorded."""
    report = ValidationReport(success=True, n_expectations=0, n_failed=0, failures=(), data_docs_index=None)
    run_row = _run_row(run_id, started_at, PreparedBatch([], [], [], [], n_skipped), 0, report)
    load(data_dir, batch_store.staging_dir(data_dir, run_id), run_row, config.lock_wait_seconds)
    get_run_logger().info("nothing new in the sources (%d documents already loaded)", n_skipped)
    summary = _summarize(data_dir, run_row, report, [], timings)
    artifacts.publish_run(summary.as_dict(), data_dir, run_id)
    return summary


def _run_id(slice_number: int = 0) -> str:
    """The flow run's id (a uuid outside a flow run), with `.N` for the N-th slice after the first."""
    try:
        run_id = str(get_run_context().flow_run.id)
    except Exception:  # outside a flow run (plain function call in a script)
        run_id = str(uuid.uuid4())
    return f"{run_id}.{slice_number}" if slice_number else run_id


def _summarize(data_dir: Path, run_row: dict, report: ValidationReport, rejected, timings) -> RunSummary:
    db_path = data_dir / WAREHOUSE_FILE
    con = warehouse.connect(db_path, read_only=True)
    try:
        clusters, cross_source = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE n_sources >= 2) FROM sentence_clusters"
        ).fetchone()
        (entities,) = con.execute("SELECT count(*) FROM entities").fetchone()
        (quotes,) = con.execute("SELECT count(*) FROM quotes").fetchone()
        (sentences,) = con.execute("SELECT count(*) FROM sentences").fetchone()
    finally:
        con.close()
    return RunSummary(
        run_id=run_row["run_id"],
        status=run_row["status"],
        documents_new=run_row["n_documents_new"],
        documents_skipped=run_row["n_documents_skipped"],
        files_rejected=run_row["n_files_rejected"],
        sentences=sentences,
        clusters=clusters,
        cross_source_clusters=cross_source,
        entities=entities,
        quotes=quotes,
        validation=(
            "nothing new to validate"
            if report.success and not report.n_expectations
            else f"passed ({report.n_expectations} expectations)"
            if report.success
            else f"failed ({report.n_failed} of {report.n_expectations})"
        ),
        warehouse=str(db_path),
        data_docs=report.data_docs_index,
        rejected=[(r.path, r.reason) for r in rejected],
        seconds_by_stage=timings,
        run_ids=[run_row["run_id"]],
    )
