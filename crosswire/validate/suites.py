"""Validate stage: check a batch against the Great Expectations suites in `expectations/`.

One suite per batch table, from two files in GX 1.x's own suite format (what
`ExpectationSuite.to_json_dict()` writes): `expectations/<table>.json`, the baseline generated
from `crosswire/contract.py` (columns, key, not-null, formats, allowed values, ranges), and
`expectations/<table>.checks.json`, when there is one, the hand-written rest. `read_suite` merges
them into one suite, the baseline's expectations first. The files are read on every run, so
editing one changes the next run's checks; the file name, not the suite's `name`, says which
table it checks.

`validate_batch` builds an ephemeral GX context with a pandas data source, one asset, batch
definition and `ValidationDefinition` per table, and one `Checkpoint` that runs them all and,
given `data_docs_dir`, builds Data Docs there (a local site) with an `UpdateDataDocsAction`; the
JSON validation results go to `data_docs_dir/validation_results/`, so the site keeps every run.

Rules that span tables cannot be one GX expectation on one table, so they are computed first, as
check columns appended to the table validated (`CHECK_COLUMNS`), and the suites expect them true:
- `doc_id_in_documents` (sentences, entity_mentions, quotes): the row's doc_id is in the batch's
  `documents`; a batch is self-contained, since a run only loads new documents and extracts
  from them. Not for `document_files`: it also records new paths of already-loaded texts;
- `span_within_document`: `0 <= start_char < end_char <= len(documents.text)`;
- `span_matches_document`: `text == documents.text[start_char:end_char]`;
- `n_sentences_matches_sentences`: `documents.n_sentences` equals the document's sentence rows;
- `doc_id_in_document_files`: every document has a row in `document_files`.
A check column is null where an earlier check already failed (no such document, or the span
falls outside it), so each bad row is reported once. The tables validated are the contract's
columns followed by their check columns; a table missing a column its checks read gets none, and
the suite's column-list expectation names what is missing.

The suites also refer to values known only at run time (`SUITE_PARAMETERS`), as
`{"$PARAMETER": "validation_time + timedelta(days=2)"}` (GX evaluates the arithmetic).

Why Feather files: GX 1.x hands one `batch_parameters` dict to every ValidationDefinition of a
Checkpoint, so in-memory dataframe assets cannot each receive their own table. Each table is
written as uncompressed Arrow IPC (Feather) to a temporary folder and read back by a pandas
filesystem data source: still pandas (GX's SQL data source fails on DuckDB), at about the cost
of `table.to_pandas()`.

Speed: a synthetic batch of 10,000 documents, 300,000 sentences, 300,000 clusters and 100,000
mentions validates in about 3 s (5 s with Data Docs), failing or not, plus 2-3 s for the GX
import. About a second of a run is GX's fixed cost of ~10 ms per expectation; result_format is
SUMMARY, so only a few bad values per expectation are collected.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather

from crosswire import contract

SPAN_TABLES = ("sentences", "entity_mentions", "quotes", "time_mentions")


@dataclass(frozen=True)
class CheckColumn:
    doc: str
    tables: tuple[str, ...]
    # columns of its own table it is computed from, also shown beside a failing row's key
    inputs: tuple[str, ...]


CHECK_COLUMNS: dict[str, CheckColumn] = {
    "doc_id_in_documents": CheckColumn(
        "doc_id is a doc_id of the batch's documents", SPAN_TABLES, ("doc_id",)
    ),
    "span_within_document": CheckColumn(
        "0 <= start_char < end_char <= len(documents.text)",
        SPAN_TABLES,
        ("doc_id", "start_char", "end_char"),
    ),
    "span_matches_document": CheckColumn(
        "text == documents.text[start_char:end_char]",
        SPAN_TABLES,
        ("doc_id", "start_char", "end_char", "text"),
    ),
    "n_sentences_matches_sentences": CheckColumn(
        "n_sentences equals the document's rows in sentences", ("documents",), ("doc_id", "n_sentences")
    ),
    "doc_id_in_document_files": CheckColumn(
        "the document has a row in document_files (the file it was read from)",
        ("documents",),
        ("doc_id", "path"),
    ),
}

SUITE_PARAMETERS: dict[str, str] = {
    "validation_time": "when the validation started (UTC datetime)",
    "batch_has_documents": "1 when the batch's documents table has rows, else 0",
}

RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 5}
N_EXAMPLES = 3
DATA_DOCS_SITE = "crosswire"
VALIDATION_RESULTS_FOLDER = "validation_results"  # under data_docs_dir: GX's JSON results


@dataclass(frozen=True)
class ValidationFailure:
    table: str
    expectation: str
    column: str | None
    details: str  # observed value, or how many rows failed and a few of them


@dataclass(frozen=True)
class ValidationReport:
    success: bool
    n_expectations: int
    n_failed: int
    failures: tuple[ValidationFailure, ...]
    data_docs_index: str | None  # the built Data Docs index.html, when built

    def verdict(self) -> str:
        """One line for the run summary."""
        if self.success and not self.n_expectations:
            return "nothing new to validate"
        if self.success:
            return f"passed ({self.n_expectations} expectations)"
        return f"failed ({self.n_failed} of {self.n_expectations})"

    def summary(self) -> str:
        """A message naming each failed expectation, its table and column, and example rows."""
        if self.success:
            lines = [f"Validation passed: {self.n_expectations} expectations, none failed."]
        else:
            lines = [f"Validation failed: {self.n_failed} of {self.n_expectations} expectations failed."]
        for failure in self.failures:
            where = f"{failure.table}.{failure.column}" if failure.column else failure.table
            check = CHECK_COLUMNS.get(failure.column or "")
            meaning = f" (computed: {check.doc})" if check else ""
            lines.append(f"- {where}: {failure.expectation}{meaning}\n    {failure.details}")
        if self.data_docs_index:
            lines.append(f"Data Docs: {self.data_docs_index}")
        return "\n".join(lines)


def check_columns_for(table: str) -> list[str]:
    """Names of the check columns appended to `table`, in order."""
    return [name for name, check in CHECK_COLUMNS.items() if table in check.tables]


def with_check_columns(name: str, tables: dict[str, pa.Table]) -> pa.Table:
    """`tables[name]` with its check columns appended (see the module docstring)."""
    table, documents = tables[name], tables["documents"]
    wanted = check_columns_for(name)
    needed = [
        (table, {column for check in wanted for column in CHECK_COLUMNS[check].inputs}),
        (documents, {"doc_id", "text", "n_sentences"}),
        (tables["sentences"], {"doc_id"}),
        (tables["document_files"], {"doc_id"}),
    ]
    if not wanted or any(not columns <= set(t.column_names) for t, columns in needed):
        return table
    if name == "documents":
        computed = {
            "n_sentences_matches_sentences": _n_sentences_match(documents, tables["sentences"]),
            "doc_id_in_document_files": pc.is_in(
                documents["doc_id"], value_set=tables["document_files"]["doc_id"].combine_chunks()
            ),
        }
    else:
        doc_index = pc.index_in(table["doc_id"], value_set=documents["doc_id"].combine_chunks())
        computed = {"doc_id_in_documents": pc.is_valid(doc_index)}
        if name in SPAN_TABLES:
            computed |= _span_checks(table, documents, doc_index)
    for column in wanted:
        table = table.append_column(column, computed[column])
    return table


def _n_sentences_match(documents: pa.Table, sentences: pa.Table) -> pa.ChunkedArray:
    counts = sentences.group_by("doc_id").aggregate([([], "count_all")])
    index = pc.index_in(documents["doc_id"], value_set=counts["doc_id"].combine_chunks())
    per_document = pc.fill_null(pc.take(counts["count_all"], index), 0)
    return pc.equal(pc.cast(documents["n_sentences"], pa.int64()), per_document)


def _span_checks(table: pa.Table, documents: pa.Table, doc_index: pa.ChunkedArray) -> dict[str, Any]:
    start, end = table["start_char"], table["end_char"]
    document_length = pc.take(pc.utf8_length(documents["text"]), doc_index)  # null: no document
    within = pc.and_(
        pc.and_(pc.greater_equal(start, 0), pc.less(start, end)), pc.less_equal(end, document_length)
    )
    # offsets are Python string indices (contract.py), so compare Python slices: ~0.6 s per 10^6 spans
    texts = documents["text"].to_pylist()
    matches = [
        texts[index][span_start:span_end] == span_text if inside else None
        for inside, index, span_start, span_end, span_text in zip(
            within.to_pylist(),
            doc_index.to_pylist(),
            start.to_pylist(),
            end.to_pylist(),
            table["text"].to_pylist(),
            strict=True,
        )
    ]
    return {"span_within_document": within, "span_matches_document": pa.array(matches, pa.bool_())}


CHECKS_SUFFIX = ".checks.json"  # `<table>.checks.json`: the hand-written checks beside the baseline


def suite_files(suites_dir: Path, table: str) -> list[Path]:
    """The files of `table`'s suite: the generated baseline, then the hand-written checks if any."""
    checks = Path(suites_dir) / f"{table}{CHECKS_SUFFIX}"
    return [Path(suites_dir) / f"{table}.json", *([checks] if checks.exists() else [])]


def read_suite(suites_dir: Path, table: str) -> dict:
    """`table`'s suite as one dict: the baseline file's, with the checks file's expectations added.

    The message names the file when one cannot be read."""
    baseline, *checks = (_read_suite_file(path, table) for path in suite_files(suites_dir, table))
    expectations = [e for suite in (baseline, *checks) for e in suite.get("expectations", [])]
    return baseline | {"expectations": expectations}


def _read_suite_file(path: Path, table: str) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no expectation suite for table {table!r}: {path} is missing; restore it from git "
            "(or `python -m crosswire.contract --write`) or pass the folder holding the suites"
        ) from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error}); fix the file or restore it from git") from None


def validate_batch(
    tables: dict[str, pa.Table],
    suites_dir: Path,
    *,
    run_id: str,
    data_docs_dir: Path | None = None,
) -> ValidationReport:
    """Validate every batch table against its suite in `suites_dir` with one GX Checkpoint."""
    missing = [name for name in contract.BATCH_TABLES if name not in tables]
    if missing:
        raise ValueError(f"validate_batch needs every batch table; missing: {', '.join(missing)}")
    suites = {name: read_suite(suites_dir, name) for name in contract.BATCH_TABLES}
    checked = {name: with_check_columns(name, tables) for name in contract.BATCH_TABLES}
    validation_time = dt.datetime.now(dt.UTC)
    parameters = {
        "validation_time": validation_time,
        "batch_has_documents": int(tables["documents"].num_rows > 0),
    }

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx  # imported here: it costs seconds
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    with tempfile.TemporaryDirectory(prefix="crosswire-validate-") as staging:
        source = context.data_sources.add_pandas_filesystem("batch", base_directory=Path(staging))
        definitions = []
        for name, table in checked.items():
            feather.write_feather(table, Path(staging) / f"{name}.arrow", compression="uncompressed")
            batch = source.add_feather_asset(name).add_batch_definition_path(name, path=f"{name}.arrow")
            suite = context.suites.add(_suite(gx, suites[name], suite_files(suites_dir, name), name))
            definitions.append(
                context.validation_definitions.add(
                    gx.ValidationDefinition(name=name, data=batch, suite=suite)
                )
            )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name="crosswire_batch",
                validation_definitions=definitions,
                actions=[]
                if data_docs_dir is None
                else [_data_docs_action(gx, context, Path(data_docs_dir))],
                result_format=RESULT_FORMAT,
            )
        )
        with _batches_not_fingerprinted(pandas_execution_engine):
            result = checkpoint.run(
                expectation_parameters=parameters,
                run_id=RunIdentifier(run_name=run_id, run_time=validation_time),
            )

    failures: list[ValidationFailure] = []
    n_expectations = 0
    for suite_result in result.run_results.values():
        n_expectations += len(suite_result.results)
        name = suite_result.suite_name
        failures += [_failure(name, checked[name], r) for r in suite_result.results if not r.success]
    index = Path(data_docs_dir) / "index.html" if data_docs_dir is not None else None
    return ValidationReport(
        success=not failures,
        n_expectations=n_expectations,
        n_failed=len(failures),
        failures=tuple(failures),
        data_docs_index=str(index) if index is not None and index.exists() else None,
    )


@contextlib.contextmanager
def _batches_not_fingerprinted(pandas_execution_engine: ModuleType) -> Iterator[None]:
    """GX fingerprints each batch (a hash over every value, a pickle when a column holds lists):
    about 4 s of a large batch, for an id nothing here reads. It skips frames larger than the
    module's HASH_THRESHOLD bytes and has no option for it, so the threshold is zero while the
    checkpoint runs, and restored after."""
    saved = pandas_execution_engine.HASH_THRESHOLD
    pandas_execution_engine.HASH_THRESHOLD = 0
    try:
        yield
    finally:
        pandas_execution_engine.HASH_THRESHOLD = saved


def _suite(gx: Any, payload: dict, files: list[Path], table: str) -> Any:
    try:
        return gx.ExpectationSuite(**(payload | {"name": table}))
    except Exception as error:  # GX raises several types; all mean a file is wrong
        at_fault = next((path for path in files if not _is_suite(gx, path, table)), files[0])
        raise ValueError(f"{at_fault} is not a Great Expectations 1.x suite: {error}") from error


def _is_suite(gx: Any, path: Path, table: str) -> bool:
    """Whether GX reads the one file `path` as a suite (to name the file of a suite that fails)."""
    try:
        gx.ExpectationSuite(**(_read_suite_file(path, table) | {"name": table}))
    except Exception:  # any error: as in _suite
        return False
    return True


def _data_docs_action(gx: Any, context: Any, data_docs_dir: Path) -> Any:
    """A local Data Docs site in `data_docs_dir`, and the action that updates it after a run."""
    # The site lists only results its source store holds (an ephemeral context's would hold
    # this run's alone), so results are kept on disk beside the pages: earlier runs stay listed.
    context.add_store(
        "validation_results_on_disk",
        {
            "class_name": "ValidationResultsStore",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(data_docs_dir / VALIDATION_RESULTS_FOLDER),
            },
        },
    )
    context.validation_results_store_name = "validation_results_on_disk"
    context.add_data_docs_site(
        DATA_DOCS_SITE,
        {
            "class_name": "SiteBuilder",
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(data_docs_dir),
            },
        },
    )
    return gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=[DATA_DOCS_SITE])


def _failure(table_name: str, table: pa.Table, outcome: Any) -> ValidationFailure:
    """One failed GX ExpectationValidationResult, with a few of its bad rows spelled out."""
    kind = outcome.expectation_config.type
    kwargs = outcome.expectation_config.kwargs
    columns = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    if not kind.startswith("expect_table_"):
        columns += kwargs.get("column_list") or []
    return ValidationFailure(
        table=table_name,
        expectation=kind,
        column=", ".join(columns) or None,
        details=_details(table_name, table, columns, outcome),
    )


def _details(table_name: str, table: pa.Table, columns: list[str], outcome: Any) -> str:
    errors = _exception_messages(outcome.exception_info)
    if errors:
        return "could not be evaluated: " + "; ".join(errors)
    result = outcome.result
    if "unexpected_count" not in result:
        return _observed(outcome.expectation_config.kwargs, result.get("observed_value"))
    shown = [*contract.TABLES[table_name].key, *columns]
    for column in columns:
        shown += CHECK_COLUMNS[column].inputs if column in CHECK_COLUMNS else ()
    shown = [c for c in dict.fromkeys(shown) if c in table.column_names and c not in CHECK_COLUMNS]
    indices = result.get("partial_unexpected_index_list") or []
    if indices and shown:
        rows = table.take(indices[:N_EXAMPLES]).select(shown).to_pylist()
        examples = " | ".join(", ".join(f"{k}={_short(v)}" for k, v in row.items()) for row in rows)
    else:
        examples = ", ".join(_short(v) for v in result.get("partial_unexpected_list", [])[:N_EXAMPLES])
    return f"{result['unexpected_count']} of {result['element_count']} rows; e.g. {examples}"


def _observed(kwargs: dict, observed: object) -> str:
    """A table-level result: the observed value against what was expected."""
    expected = kwargs.get("column_list")
    if isinstance(observed, list) and isinstance(expected, list):
        missing = [c for c in expected if c not in observed]
        unexpected = [c for c in observed if c not in expected]
        if missing or unexpected:
            return f"missing columns {missing}, unexpected columns {unexpected}"
        return f"columns out of order: {observed}"
    bounds = ", ".join(f"{k}={_short(kwargs[k])}" for k in ("min_value", "max_value", "value") if k in kwargs)
    return f"observed {_short(observed)}; expected {bounds}" if bounds else f"observed {_short(observed)}"


def _exception_messages(info: dict | None) -> list[str]:
    """Messages of exceptions GX caught while evaluating (a flat dict, or one per metric)."""
    if not info:
        return []
    entries = [info] if "raised_exception" in info else list(info.values())
    messages = [
        e.get("exception_message") for e in entries if isinstance(e, dict) and e.get("raised_exception")
    ]
    return list(dict.fromkeys(m for m in messages if m))


def _short(value: object, limit: int = 60) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def validate_staged(
    batch_dir: Path, suites_dir: Path, *, run_id: str, data_docs_dir: Path | None = None
) -> ValidationReport:
    """`validate_batch` over a staged batch: the Parquet files the load would read."""
    from crosswire.store.batch_store import read_batch

    return validate_batch(read_batch(batch_dir), suites_dir, run_id=run_id, data_docs_dir=data_docs_dir)


class ValidatorProcess:
    """A process of its own for validation, started before it is needed.

    Importing Great Expectations costs ~3 s of CPU; started when a run knows it has new documents,
    this process imports GX on the other core while dedup and extraction run, then validates the
    staged Parquet batch (read from disk, so no table crosses the pipe). If the process is lost,
    validation runs in the calling process instead.
    """

    def __init__(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(
            1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_validator,
            initargs=(os.getpid(),),
        )
        self._pool.submit(int)  # the executor starts its process on the first submit

    def validate(
        self, batch_dir: Path, suites_dir: Path, *, run_id: str, data_docs_dir: Path | None = None
    ) -> ValidationReport:
        from concurrent.futures.process import BrokenProcessPool

        try:
            future = self._pool.submit(
                validate_staged, batch_dir, suites_dir, run_id=run_id, data_docs_dir=data_docs_dir
            )
            return future.result()
        except BrokenProcessPool:
            return validate_staged(batch_dir, suites_dir, run_id=run_id, data_docs_dir=data_docs_dir)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> ValidatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _start_validator(parent_pid: int) -> None:
    """In the validator process: exit with the process that started it, then import GX."""
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations  # noqa: F401


def _exit_with_parent(parent_pid: int, interval: float = 1.0) -> None:
    """A killed run (kill -9) cannot shut its executor down: without this watch its validator
    process would idle on forever, holding GX's ~300 MB."""
    while os.getppid() == parent_pid:
        time.sleep(interval)
    os._exit(0)
