"""The crosswire Prefect flow: the table of contents of one run.

upgrade the warehouse -> discover files -> read and decode -> normalize -> segment
-> deduplicate -> extract -> write Parquet -> validate (Great Expectations) -> load (DuckDB)

The tasks (`flows/tasks.py`) are thin wrappers over the stage functions of the `crosswire`
package; the functions hold the logic and are what the tests call. Changed files are loaded in
slices (`slice_files`), each a run of its own: a `runs` row, a validated batch, one load
transaction; later slices dedup against earlier ones through the warehouse's index.
"""

from __future__ import annotations

import contextlib
import functools
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from prefect import Task, flow, get_run_logger
from prefect.context import get_run_context
from prefect.utilities.annotations import quote

from crosswire import progress
from crosswire.batch import (
    PreparedBatch,
    batch_tables,
    copies_together,
    even_parts,
    merge_prepared,
    run_row,
    unchanged_files,
    without_documents,
)
from crosswire.config import DEFAULT_MAX_FILE_MB, RunConfig
from crosswire.extract.config import ExtractConfig
from crosswire.extract.merge import merge_facts
from crosswire.flows import artifacts
from crosswire.flows.runner import Upstream, WarmWorkers, run_batches, submit, warm_workers
from crosswire.flows.tasks import (
    cluster_quotes,
    deduplicate,
    discover,
    extract,
    extract_dates,
    load,
    load_model,
    prepare,
    upgrade_warehouse,
    validate,
    warehouse_state,
    write_parquet,
)
from crosswire.ingest.read import IngestConfig, Rejection, SourceFile
from crosswire.memory import release_freed_memory
from crosswire.project import Project, find_project
from crosswire.store import batch_store
from crosswire.store.run_lock import run_lock
from crosswire.store.warehouse import WAREHOUSE_FILE, WarehouseState
from crosswire.summary import RunSummary, combined, summarize
from crosswire.validate.suites import ValidationReport, ValidatorProcess
from crosswire.worker import worker_caches

__all__ = [
    "PreparedBatch",
    "RunConfig",
    "RunSummary",
    "ValidationFailed",
    "crosswire_pipeline",
    "run_pipeline",
]


class ValidationFailed(RuntimeError):
    """The batch failed its expectations; it was quarantined and nothing was loaded."""


@flow(name="crosswire", description="Ingest articles, dedup sentences, extract, validate, load DuckDB.")
def crosswire_pipeline(
    sources: list[str] | None = None,
    data_dir: str = RunConfig.data_dir,
    project_dir: str | None = RunConfig.project_dir,
    lock_wait_seconds: float = RunConfig.lock_wait_seconds,
    workers: int = RunConfig.workers,
    dask_address: str | None = RunConfig.dask_address,
    batch_documents: int = RunConfig.batch_documents,
    max_file_mb: float = DEFAULT_MAX_FILE_MB,
    max_doc_chars: int = IngestConfig.max_doc_chars,
    document_seconds: float = ExtractConfig.document_seconds,
    follow_symlinks: bool = IngestConfig.follow_symlinks,
    slice_files: int = RunConfig.slice_files,
) -> dict:
    """Run the whole pipeline once over `sources` (files or folders) into `data_dir`."""
    config = RunConfig.from_parameters(**locals())
    return run_pipeline(config).as_dict()


def run_pipeline(config: RunConfig) -> RunSummary:
    """The flow's body, one run at a time per data dir; call it inside a flow run."""
    with (
        run_lock(Path(config.data_dir).absolute(), wait_seconds=config.lock_wait_seconds),
        progress.attached(artifacts.ProgressArtifacts()),
    ):
        return _run_slices(config, find_project(config.project_dir))


@dataclass
class Slice:
    """One slice of a run: its files and what the run knows before reading them."""

    number: int
    files: list[SourceFile]
    rejected: list[Rejection]  # found while discovering (first slice only)
    n_unchanged: int  # documents of unchanged files (first slice only)
    state: WarehouseState
    run_id: str = ""
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    timings: dict[str, float] = field(default_factory=dict)
    upstream: dict[str, list[UUID]] = field(default_factory=dict)  # task runs behind its inputs
    workers: WarmWorkers | None = None  # the slice's early-started worker processes, if any


def _run_slices(config: RunConfig, project: Project) -> RunSummary:
    """Discover the sources, then load their changed files in slices of `config.slice_files`."""
    data_dir = Path(config.data_dir).absolute()
    get_run_logger().info("project %s (%s)", project.root, project.describe())
    timings: dict[str, float] = {}
    wait = config.lock_wait_seconds
    _, upgraded = _stage(timings, "upgrade", upgrade_warehouse, {}, data_dir=data_dir,
                         sql_dir=project.sql_dir, lock_wait_seconds=wait)  # fmt: skip
    state, state_run = _stage(timings, "state", warehouse_state, {"data_dir": upgraded},
                              data_dir=data_dir, lock_wait_seconds=wait)  # fmt: skip
    (files, rejected), discovered = _stage(
        timings, "discover", discover, {}, sources=config.sources, config=config.ingest
    )
    changed, n_unchanged = unchanged_files(files, state.file_manifest)
    size = config.slice_files
    parts = [changed[i : i + size] for i in range(0, len(changed), size)] or [[]]
    summaries = []
    validator: ValidatorProcess | None = None
    try:
        for number, part in enumerate(parts):
            if number:  # what the slices before loaded: documents, entities, file manifest
                worker_caches().clear()
                release_freed_memory()
                _forget_task_results()
                state, state_run = _stage({}, "state", warehouse_state, {}, data_dir=data_dir,
                                          lock_wait_seconds=wait)  # fmt: skip
            if part and validator is None:  # imports GX and builds the suites on the other core
                validator = ValidatorProcess.for_run(project.expectations_dir)
            run = Slice(number, part, rejected if not number else [], n_unchanged if not number else 0, state)
            run.timings = timings if not number else {}
            run.run_id = _run_id(number)
            run.upstream = {"files": discovered, "known": state_run}
            slice_bytes = sum(file.size_bytes for file in part)
            # a slice's worker processes load the model while it reads, and go once it is extracted
            with warm_workers(config, load_model, {"config": config.extract}, slice_bytes) as run.workers:
                summaries.append(_run_slice(run, config, project, data_dir, validator))
            if validator is not None and number < len(parts) - 1:
                # a validator that read a slice's tables holds their memory: the next gets a new one
                validator.close()
                validator = None
    finally:
        if validator is not None:
            validator.close()
    return combined(summaries)


def _run_slice(
    run: Slice, config: RunConfig, project: Project, data_dir: Path, validator: ValidatorProcess | None
) -> RunSummary:
    files_per_part = _files_per_part(run.files, config.batch_bytes)
    jobs = [
        {
            "files": part,
            "known_doc_ids": run.state.doc_ids,
            "run_id": run.run_id,
            "ingested_at": run.started_at,
            "config": config.ingest,
            "dedup_config": config.dedup,
        }
        for part in even_parts(run.files, files_per_part, _lanes(config, run.workers))
    ]
    upstream = {"files": run.upstream["files"], "known_doc_ids": run.upstream["known"]}
    batch, prepared = _timed(
        run.timings, "read+normalize+segment", _prepare_all, jobs, config, upstream, run.workers
    )
    batch.n_skipped += run.n_unchanged
    known = run.state.rejections
    rejected = [r for r in run.rejected + batch.rejected if (r.path, r.reason) not in known]
    if not (batch.documents or batch.document_files or rejected):
        return _record_unchanged_run(run, batch.n_skipped, config, project, data_dir)
    run.upstream["prepared"] = prepared
    return _load_batch(run, batch, rejected, config, project, data_dir, validator)


def _load_batch(
    run: Slice,
    batch: PreparedBatch,
    rejected: list[Rejection],
    config: RunConfig,
    project: Project,
    data_dir: Path,
    validator: ValidatorProcess | None,
) -> RunSummary:
    """Dedup, extract, write, validate and load a batch with new documents."""
    stage = functools.partial(_stage, run.timings)
    wait, prepared = config.lock_wait_seconds, run.upstream["prepared"]
    upstream = {"documents": prepared, "known_entities": run.upstream["known"]}
    facts, extracted = _timed(
        run.timings, "extract", _extract_all, batch, run.state.entities, config, upstream, run.workers
    )
    if run.workers is not None:
        run.workers.release_in_background()  # the slice's last use of its worker processes
    if timed_out := facts.pop("timed_out"):  # extraction's last line of defence: see ExtractConfig
        budget = f"{config.extract.document_seconds:g} s"
        reason = f"extraction took longer than the {budget} budget per document (--document-seconds)"
        batch, late = without_documents(batch, timed_out, reason)
        rejected = rejected + [r for r in late if (r.path, r.reason) not in run.state.rejections]
    docs, sentences = quote(batch.documents), quote(batch.sentences)
    read = {"documents": prepared, "sentences": prepared}

    dedup, deduplicated = stage("deduplicate", deduplicate, read,
                                sentences=sentences, documents=docs, config=config.dedup, data_dir=data_dir,
                                run_id=run.run_id, wait=wait, signatures=quote(batch.signatures))  # fmt: skip
    time_mentions, dated = stage("extract dates", extract_dates, read, documents=docs, sentences=sentences)
    quote_dedup, quotes_clustered = stage("cluster quotes", cluster_quotes, {"quotes": extracted},
                                          quotes=quote(facts["quotes"]), documents=docs, config=config.dedup,
                                          data_dir=data_dir, run_id=run.run_id, wait=wait)  # fmt: skip
    get_run_logger().info(
        "read %d files (%d rejected): %d new documents (%d already loaded), %d sentences, %d quotes",
        len(run.files), len(rejected), len(batch.documents), batch.n_skipped, len(batch.sentences),
        len(facts["quotes"]),
    )  # fmt: skip

    tables = batch_tables(batch, dedup, quote_dedup, facts, time_mentions, rejected, run.run_id)
    produced = prepared + deduplicated + extracted + dated + quotes_clustered
    batch_dir, written = stage("write", write_parquet, {"tables": produced}, data_dir=data_dir,
                               run_id=run.run_id, tables=quote(tables))  # fmt: skip
    report, validated = stage("validate", validate, {"batch_dir": written}, batch_dir=batch_dir,
                              suites_dir=project.expectations_dir, run_id=run.run_id, data_dir=data_dir,
                              validator=validator)  # fmt: skip
    artifacts.publish_validation(report.summary(), report.success, report.data_docs_index)
    if not report.success:
        target = batch_store.quarantine_batch(data_dir, run.run_id, asdict(report))
        raise ValidationFailed(
            f"validation failed; nothing was loaded and the batch is in {target}\n{report.summary()}"
        )
    row = _run_row(run, batch, len(rejected), report)
    stage("load", load, {"batch_dir": written, "run_row": validated}, data_dir=data_dir, batch_dir=batch_dir,
          run_row=row, sql_dir=project.sql_dir, lock_wait_seconds=wait)  # fmt: skip
    get_run_logger().info("stage seconds:\n%s", artifacts.stage_seconds_table(run.timings))
    return _summarize(data_dir, row, report, rejected, run.timings)


def _lanes(config: RunConfig, workers: WarmWorkers | None) -> int:
    """How many jobs run at once: the workers, or one in the flow's process (`run_batches`)."""
    return config.workers if workers is not None or config.dask_address else 1


def _files_per_part(files: list[SourceFile], batch_bytes: int) -> int:
    """How many files a read task takes for its share to hold about `batch_bytes`."""
    n_parts = -(-sum(file.size_bytes for file in files) // batch_bytes)
    return max(1, -(-len(files) // max(1, n_parts)))


def _prepare_all(
    jobs: list[dict], config: RunConfig, upstream: Upstream, workers: WarmWorkers | None
) -> tuple[PreparedBatch, list[UUID]]:
    """The per-document stages over batches of files, in parallel; one merged batch."""
    pooled = workers if len(jobs) > 1 else None  # one share reads here, not behind the model loads
    parts, ids = run_batches(prepare, jobs, config, "read files", upstream, pooled) if jobs else ([], [])
    return merge_prepared(parts), ids


def _extract_all(
    batch: PreparedBatch,
    known_entities: list[dict],
    config: RunConfig,
    upstream: Upstream,
    workers: WarmWorkers | None,
) -> tuple[dict[str, list[dict]], list[UUID]]:
    """`extract` over batches of documents (worker processes, a Dask cluster, or for a small run
    the flow's own process), merged."""
    by_doc: dict[str, list[dict]] = {}
    for sentence in batch.sentences:
        by_doc.setdefault(sentence["doc_id"], []).append(sentence)
    documents = copies_together(batch.documents)  # a story's copies in one job: NER reads it once
    jobs = [
        {
            "documents": part,
            "sentences": [s for d in part for s in by_doc.get(d["doc_id"], [])],
            "known_entities": known_entities,
            "config": config.extract,
        }
        for part in even_parts(documents, config.batch_documents, _lanes(config, workers))
    ]
    results, ids = run_batches(extract, jobs, config, "extract", upstream, workers)
    return merge_facts(results, batch.documents), ids


def _record_unchanged_run(
    run: Slice, n_skipped: int, config: RunConfig, project: Project, data_dir: Path
) -> RunSummary:
    """Nothing new in the sources: no batch to validate or load; the run itself is recorded."""
    report = ValidationReport(success=True, n_expectations=0, n_failed=0, failures=(), data_docs_index=None)
    row = _run_row(run, PreparedBatch.empty(n_skipped), 0, report)
    batch_dir = batch_store.staging_dir(data_dir, run.run_id)
    _stage(run.timings, "load", load, {"run_row": run.upstream["known"]}, data_dir=data_dir,
           batch_dir=batch_dir, run_row=row, sql_dir=project.sql_dir,
           lock_wait_seconds=config.lock_wait_seconds)  # fmt: skip
    get_run_logger().info("nothing new in the sources (%d documents already loaded)", n_skipped)
    return _summarize(data_dir, row, report, [], run.timings)


def _run_row(run: Slice, batch: PreparedBatch, n_rejected: int, report: ValidationReport) -> dict:
    return run_row(
        run.run_id,
        run.started_at,
        batch,
        n_rejected,
        validation_success=report.success,
        n_expectations=report.n_expectations,
        n_expectations_failed=report.n_failed,
    )


def _summarize(
    data_dir: Path, row: dict, report: ValidationReport, rejected: list[Rejection], timings: dict
) -> RunSummary:
    summary = summarize(
        data_dir / WAREHOUSE_FILE,
        row,
        validation=report.verdict(),
        data_docs=report.data_docs_index,
        rejected=[(r.path, r.reason) for r in rejected],
        timings=timings,
    )
    artifacts.publish_run(summary.as_dict(), data_dir, row["run_id"])
    return summary


def _stage(timings: dict[str, float], name: str, task: Task, upstream: Upstream, **parameters):
    """Run one task, recording its wall seconds under `name`; returns its result and, for the
    tasks downstream, its task run id in a list. Parameters are handed over as they are given
    (quote large ones); `upstream` names the task runs that produced them (`flows/runner.py`)."""
    began = time.perf_counter()
    future = submit(task, parameters, upstream)
    result = future.result()
    timings[name] = round(time.perf_counter() - began, 3)
    return result, [future.task_run_id]


def _timed(timings: dict[str, float], name: str, fn, *args):
    """Call fn(*args), recording its wall seconds under `name`."""
    began = time.perf_counter()
    result = fn(*args)
    timings[name] = round(time.perf_counter() - began, 3)
    return result


def _forget_task_results() -> None:
    """Prefect keeps every task's result of a flow run (for dependency tracking, `run_results`)
    until the flow run ends; a slice's results are not needed by the next."""
    with contextlib.suppress(Exception):  # outside a flow run there is no run context
        get_run_context().run_results.clear()


def _run_id(slice_number: int = 0) -> str:
    """The flow run's id (a uuid outside a flow run), with `.N` for the N-th slice after the first."""
    try:
        run_id = str(get_run_context().flow_run.id)
    except Exception:  # outside a flow run (plain function call in a script)
        run_id = str(uuid.uuid4())
    return f"{run_id}.{slice_number}" if slice_number else run_id
