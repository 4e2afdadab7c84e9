"""Validate stage: check a batch against the Great Expectations suites in `expectations/`.

One suite per batch table, from two files in GX 1.x's own suite format (what
`ExpectationSuite.to_json_dict()` writes): `expectations/<table>.json`, the baseline generated
from `crosswire/contract.py` (columns, key, not-null, formats, allowed values, ranges), and
`expectations/<table>.checks.json`, when there is one, the hand-written rest. `read_suite` merges
them into one suite, the baseline's expectations first. The files are read on every run, so
editing one changes the next run's checks; the file name, not the suite's `name`, says which
table it checks.

`CompiledSuites` builds the suites once as GX objects in an ephemeral context with a pandas data
source and one dataframe asset per table, then validates each table of a batch as its own
in-memory dataframe with `Batch.validate(suite)`: no Checkpoint, no stores, no temporary files
(a Checkpoint hands one `batch_parameters` dict to all its validations, so it needed each table
written to a file; and GX's Data Docs pages name that deleted file). Given `data_docs_dir`, the
run's result is written there as crosswire's own page (`crosswire/validate/data_docs.py`:
plain HTML, no network), with an index of every run.

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

Speed: GX's import costs ~2 s and building the suites ~0.2 s, both done in advance by the
validator process (`ValidatorProcess`); then GX's fixed cost of ~5 ms per expectation (~1 s for
the 177 of a batch, whatever its size) plus the data's own: result_format is SUMMARY, so only a
few bad values per expectation are collected. GX's own Data Docs took another ~2 s a run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from crosswire import contract
from crosswire.early import EarlyProcess, import_lazily

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


@dataclass(frozen=True)
class ValidationFailure:
    table: str
    expectation: str
    column: str | None
    details: str  # observed value, or how many rows failed and a few of them
    examples: tuple[dict, ...] = ()  # a few failing rows: key, the columns checked, their inputs


@dataclass(frozen=True)
class TableResult:
    table: str
    n_rows: int
    expectations: tuple[tuple[str, str | None, bool], ...]  # (type, columns, success), suite order


@dataclass(frozen=True)
class ValidationReport:
    success: bool
    n_expectations: int
    n_failed: int
    failures: tuple[ValidationFailure, ...]
    data_docs_index: str | None  # the Data Docs index.html, when written
    tables: tuple[TableResult, ...] = ()

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
    """Validate every batch table against its suite in `suites_dir` (suites compiled for this call)."""
    return CompiledSuites(suites_dir).validate(tables, run_id=run_id, data_docs_dir=data_docs_dir)


class CompiledSuites:
    """The suites of `suites_dir` built once as GX objects, ready for any number of batches.

    Building them (reading the files, GX's ExpectationSuite objects, an ephemeral context with a
    pandas source and one dataframe asset per table) is what a validation needs before it sees
    data; the validator process does it while the run's other stages work. Each table is then
    validated with `Batch.validate(suite)` on its own in-memory dataframe: no Checkpoint, no
    stores, no temporary files. `stamp` identifies the suite files as they were read.
    """

    def __init__(self, suites_dir: Path) -> None:
        self.suites_dir = Path(suites_dir)
        self.stamp = suite_stamp(self.suites_dir)
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        import great_expectations as gx  # imported here: it costs seconds
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.execution_engine import pandas_execution_engine

        self._engine_module = pandas_execution_engine
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = context.data_sources.add_pandas("batch")
        self._suites: dict[str, tuple[Any, Any]] = {}
        for name in contract.BATCH_TABLES:
            files = suite_files(self.suites_dir, name)
            suite = _suite(gx, read_suite(self.suites_dir, name), files, name)
            batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
            self._suites[name] = (batch, suite)

    def is_current(self) -> bool:
        """Whether the suite files are still those these suites were built from."""
        return suite_stamp(self.suites_dir) == self.stamp

    def validate(
        self, tables: dict[str, pa.Table], *, run_id: str, data_docs_dir: Path | None = None
    ) -> ValidationReport:
        """Validate every batch table; with `data_docs_dir`, write the run's page there."""
        missing = [name for name in contract.BATCH_TABLES if name not in tables]
        if missing:
            raise ValueError(f"validate_batch needs every batch table; missing: {', '.join(missing)}")
        validated_at = dt.datetime.now(dt.UTC)
        parameters = {
            "validation_time": validated_at,
            "batch_has_documents": int(tables["documents"].num_rows > 0),
        }
        failures: list[ValidationFailure] = []
        results: list[TableResult] = []
        with _batches_not_fingerprinted(self._engine_module):
            for name, (batch_definition, suite) in self._suites.items():
                checked = with_check_columns(name, tables)
                batch = batch_definition.get_batch(batch_parameters={"dataframe": checked.to_pandas()})
                outcome = batch.validate(
                    suite, result_format=RESULT_FORMAT, expectation_parameters=parameters
                )
                failed = [_failure(name, checked, r) for r in outcome.results if not r.success]
                failures += failed
                results.append(
                    TableResult(
                        table=name,
                        n_rows=checked.num_rows,
                        expectations=tuple(
                            (r.expectation_config.type, _label(_columns(r.expectation_config)), r.success)
                            for r in outcome.results
                        ),
                    )
                )
        n_expectations = sum(len(result.expectations) for result in results)
        report = ValidationReport(
            success=not failures,
            n_expectations=n_expectations,
            n_failed=len(failures),
            failures=tuple(failures),
            data_docs_index=None,
            tables=tuple(results),
        )
        if data_docs_dir is None:
            return report
        from crosswire.validate.data_docs import write_run_page

        index = write_run_page(Path(data_docs_dir), report, run_id=run_id, validated_at=validated_at)
        return replace(report, data_docs_index=str(index))


def suite_stamp(suites_dir: Path) -> tuple:
    """Name, size and modification time of every suite file: changes when one is edited."""
    return tuple(
        (path.name, stat.st_size, stat.st_mtime_ns)
        for path in sorted(Path(suites_dir).glob("*.json"))
        for stat in [path.stat()]
    )


@contextlib.contextmanager
def _batches_not_fingerprinted(pandas_execution_engine: ModuleType) -> Iterator[None]:
    """GX fingerprints each batch (a hash over every value, a pickle when a column holds lists):
    about 4 s of a large batch, for an id nothing here reads. It skips frames larger than the
    module's HASH_THRESHOLD bytes and has no option for it, so the threshold is zero while the
    suites run, and restored after."""
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


def _columns(config: Any) -> list[str]:
    """The columns an expectation checks (a table-level column list names none)."""
    kwargs = config.kwargs
    columns = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    if not config.type.startswith("expect_table_"):
        columns += kwargs.get("column_list") or []
    return columns


def _label(columns: list[str]) -> str | None:
    return ", ".join(columns) or None


def _failure(table_name: str, table: pa.Table, outcome: Any) -> ValidationFailure:
    """One failed GX ExpectationValidationResult, with a few of its bad rows spelled out."""
    columns = _columns(outcome.expectation_config)
    rows = _example_rows(table_name, table, columns, outcome)
    return ValidationFailure(
        table=table_name,
        expectation=outcome.expectation_config.type,
        column=_label(columns),
        details=_details(outcome, rows),
        examples=tuple({name: _short(value) for name, value in row.items()} for row in rows),
    )


def _example_rows(table_name: str, table: pa.Table, columns: list[str], outcome: Any) -> list[dict]:
    """Up to N_EXAMPLES failing rows: the table's key, the columns checked and their inputs."""
    shown = [*contract.TABLES[table_name].key, *columns]
    for column in columns:
        shown += CHECK_COLUMNS[column].inputs if column in CHECK_COLUMNS else ()
    shown = [c for c in dict.fromkeys(shown) if c in table.column_names and c not in CHECK_COLUMNS]
    indices = (outcome.result or {}).get("partial_unexpected_index_list") or []
    if not (indices and shown):
        return []
    return table.take(indices[:N_EXAMPLES]).select(shown).to_pylist()


def _details(outcome: Any, rows: list[dict]) -> str:
    errors = _exception_messages(outcome.exception_info)
    if errors:
        return "could not be evaluated: " + "; ".join(errors)
    result = outcome.result
    if "unexpected_count" not in result:
        return _observed(outcome.expectation_config.kwargs, result.get("observed_value"))
    if rows:
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
    """Validate a staged batch, the Parquet files the load would read, with the suites this
    process compiled in advance when they are still current (the validator process), else anew."""
    from crosswire.store.batch_store import read_batch

    tables = read_batch(batch_dir)
    ready = _compiled_in_advance.get(Path(suites_dir))
    suites = ready if ready is not None and ready.is_current() else CompiledSuites(suites_dir)
    return suites.validate(tables, run_id=run_id, data_docs_dir=data_docs_dir)


# Owner: the validator process, whose initializer fills it (suites folder -> CompiledSuites);
# elsewhere it stays empty.
_compiled_in_advance: dict[Path, CompiledSuites] = {}


class ValidatorProcess(EarlyProcess):
    """The validation's own process (`crosswire.early`): it imports GX and builds the suites
    (`CompiledSuites`) on the other core while reading, dedup and extraction run, then validates
    each staged Parquet batch of the run (read from disk, so no table crosses the pipe)."""

    def __init__(self, suites_dir: Path | None = None) -> None:
        super().__init__(_prepare_validation, suites_dir)

    @classmethod
    def for_run(cls, suites_dir: Path) -> ValidatorProcess:
        """The validator started early for `suites_dir`, else a new one; the caller closes it."""
        return cls.take(Path(suites_dir)) or cls(suites_dir)

    def validate(
        self, batch_dir: Path, suites_dir: Path, *, run_id: str, data_docs_dir: Path | None = None
    ) -> ValidationReport:
        return self.run(validate_staged, batch_dir, suites_dir, run_id=run_id, data_docs_dir=data_docs_dir)


def _prepare_validation(suites_dir: Path | None) -> None:
    """In the validator process: import GX and build the suites. A suite that cannot be built is
    left for the validation, whose error names it."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import_lazily("scipy", "altair")
    import great_expectations  # noqa: F401

    if suites_dir is not None:
        with contextlib.suppress(Exception):
            _compiled_in_advance[Path(suites_dir)] = CompiledSuites(suites_dir)
