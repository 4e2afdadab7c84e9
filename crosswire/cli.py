"""The `crosswire` command: run the pipeline, query the warehouse."""

from __future__ import annotations

import atexit
import contextlib
import csv
import json
import logging
import os
import shlex
import signal
import sys
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from crosswire.config import DEFAULT_MAX_FILE_MB, RunConfig
from crosswire.early import EarlyProcess
from crosswire.extract.config import ExtractConfig
from crosswire.ingest.outlets import parse_source
from crosswire.ingest.read import IngestConfig, SourceFile, discover_files, hand_over_discovery
from crosswire.ingest.records import FORMATS
from crosswire.project import PROJECT_DIR_VARIABLE
from crosswire.validate.suites import ValidatorProcess

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


class ExitCode(IntEnum):
    """What `crosswire` exits with (listed by `--help` and the README)."""

    OK = 0
    FAILED = 1
    USAGE = 2
    WAREHOUSE_UNUSABLE = 3


EXIT_CODES = {
    ExitCode.OK: "done",
    ExitCode.FAILED: "the run failed validation (its batch quarantined, nothing loaded) or another "
    "error stopped it; `query` was given SQL that failed",
    ExitCode.USAGE: "usage: a bad option, a --source that does not exist or holds no article file "
    "(said before Prefect starts), no warehouse yet in --data-dir, `serve` without a Prefect server",
    ExitCode.WAREHOUSE_UNUSABLE: "the warehouse is held by another process past --lock-wait, or "
    "its schema is newer than this crosswire",
}
# one line a code: rich help turns a blank line into a line break
EXIT_CODES_HELP = "\n\n".join(
    ["Exit codes:", *(f"{int(code)}  {meaning}" for code, meaning in EXIT_CODES.items())]
)

app = typer.Typer(
    help="crosswire: news articles in, a deduplicated, validated DuckDB warehouse out.",
    epilog=EXIT_CODES_HELP,
)
# logs, progress, notes and errors (results go to stdout), never wrapped by crosswire, so a path or
# a command in a message stays whole for copy and paste
console = Console(stderr=True, soft_wrap=True)

DataDir = Annotated[Path, typer.Option("--data-dir", help="Where the warehouse, Parquet and Data Docs live.")]
ProjectDir = Annotated[
    Path | None,
    typer.Option(
        "--project-dir",
        envvar=PROJECT_DIR_VARIABLE,
        help="The crosswire project whose sql/ and expectations/ a run uses (default: the current "
        "directory; folders it lacks come from the installed package).",
    ),
]
Workers = Annotated[int, typer.Option(help="Worker processes for the per-document stages.")]
DaskAddress = Annotated[
    str | None, typer.Option(help="Run the per-document stages on this Dask scheduler (tcp://HOST:PORT).")
]
Sources = Annotated[
    list[Path] | None,
    typer.Option(
        "--source",
        "-s",
        help="File or folder to read, as PATH or OUTLET=PATH to name its outlet (repeatable). Formats: "
        ".txt, .html, .jsonl(.gz/.zst), .parquet, .csv, .warc(.gz).",
    ),
]


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


Format = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="How rows are printed (default: table on a terminal, csv when stdout is a pipe or file).",
    ),
]
EXAMPLE_QUERY = "select canonical_text, sources from cross_source_sentences"


class RichReporter:
    """Shows each stage as a progress bar on the terminal."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def start(self, stage: str, total: int | None) -> None:
        self.tasks[stage] = self.progress.add_task(stage, total=total)

    def advance(self, stage: str, amount: int) -> None:
        self.progress.advance(self.tasks[stage], amount)

    def finish(self, stage: str) -> None:
        task = self.progress.tasks[self.tasks[stage]]
        self.progress.update(self.tasks[stage], total=task.completed or 1, completed=task.completed or 1)


@app.command(epilog=EXIT_CODES_HELP)
def run(
    source: Sources = None,
    data_dir: DataDir = Path(RunConfig.data_dir),
    project_dir: ProjectDir = None,
    lock_wait: Annotated[
        float, typer.Option(help="Seconds to wait for another process holding warehouse.duckdb.")
    ] = RunConfig.lock_wait_seconds,
    workers: Workers = RunConfig.workers,
    dask_address: DaskAddress = RunConfig.dask_address,
    max_file_mb: Annotated[
        float,
        typer.Option(
            help="Reject files larger than this many MiB (rejected_files says so); in JSONL, Parquet, "
            "CSV, WARC and compressed files, each record larger."
        ),
    ] = DEFAULT_MAX_FILE_MB,
    max_doc_chars: Annotated[
        int,
        typer.Option(
            help="Reject documents (a file, JSONL line, table row or WARC record) longer than this "
            "many characters (rejected_files says so); the rest of their file still loads."
        ),
    ] = IngestConfig.max_doc_chars,
    document_seconds: Annotated[
        float,
        typer.Option(
            help="Reject a document whose own extraction work (mentions, quotes, speakers) takes longer "
            "than this many seconds (rejected_files says so); the rest of the run goes on."
        ),
    ] = ExtractConfig.document_seconds,
    follow_symlinks: Annotated[
        bool,
        typer.Option(
            "--follow-symlinks", help="Read through symbolic links that lead out of the source folders."
        ),
    ] = IngestConfig.follow_symlinks,
    slice_files: Annotated[
        int,
        typer.Option(help="Changed files loaded per slice, a run of its own: bounds memory."),
    ] = RunConfig.slice_files,
) -> None:
    """Run the Prefect flow once: ingest, dedup, extract, validate, load.

    The run summary goes to stdout; logs and progress to stderr."""
    sources = [str(p) for p in source] if source else list(RunConfig.sources)
    ingest = RunConfig.from_parameters(
        sources=sources, max_file_mb=max_file_mb, max_doc_chars=max_doc_chars, follow_symlinks=follow_symlinks
    ).ingest  # the flow's own: it takes this walk of the sources rather than walking them again
    files = _check_sources(sources, ingest)
    _start_early(project_dir, _changed_bytes(files, data_dir, lock_wait))
    try:
        from crosswire import progress
        from crosswire.flows.pipeline import ValidationFailed, crosswire_pipeline
        from crosswire.flows.prefect_api import prefect_api
        from crosswire.store.migrations import SchemaError
        from crosswire.store.run_lock import RunLocked
        from crosswire.store.warehouse import WarehouseLocked
    except BaseException:  # Ctrl-C while importing: the processes started early go too
        EarlyProcess.close_unused()
        hand_over_discovery(sources, ingest, None)
        raise

    # SIGTERM (a process worker cancelling, `kill`) unwinds like Ctrl-C, so the temporary Prefect
    # server and the run's worker processes are stopped rather than left behind
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bars = Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    progress.install(RichReporter(bars))
    try:
        with prefect_api(announce=console.print) as api_url:
            console.print(f"Prefect API: {api_url}")
            with bars:
                summary = crosswire_pipeline(
                    sources=sources,
                    data_dir=str(data_dir),
                    project_dir=str(project_dir) if project_dir else None,
                    lock_wait_seconds=lock_wait,
                    workers=workers,
                    dask_address=dask_address,
                    max_file_mb=max_file_mb,
                    max_doc_chars=max_doc_chars,
                    document_seconds=document_seconds,
                    follow_symlinks=follow_symlinks,
                    slice_files=slice_files,
                )
    except ValidationFailed as error:
        console.print(f"[bold red]Run failed validation[/]\n{escape(str(error))}")
        raise typer.Exit(ExitCode.FAILED) from None
    except (WarehouseLocked, RunLocked) as error:
        console.print(f"[bold red]Warehouse busy[/]: {escape(str(error))}")
        raise typer.Exit(ExitCode.WAREHOUSE_UNUSABLE) from None
    except SchemaError as error:
        console.print(f"[bold red]Warehouse schema[/]: {escape(str(error))}")
        raise typer.Exit(ExitCode.WAREHOUSE_UNUSABLE) from None
    finally:
        progress.install(None)
        EarlyProcess.close_unused()
        hand_over_discovery(sources, ingest, None)  # a walk the run did not take
    _print_summary(summary)
    data_flag = [] if data_dir == Path(RunConfig.data_dir) else ["--data-dir", str(data_dir)]
    hint = shlex.join([_program(), "query", EXAMPLE_QUERY, *data_flag])
    console.print("Try:", hint, markup=False, highlight=False)


def _start_early(project_dir: Path | None, changed_bytes: int) -> None:
    """Start the validation process before Prefect is imported, when a file is new or changed:
    its import of Great Expectations (~3.5 s of CPU, what a small run waits for longest) then
    runs on the other core while Prefect's runs here (`crosswire.early`)."""
    from crosswire.project import ProjectNotFound, find_project

    if not changed_bytes:
        return
    with contextlib.suppress(ProjectNotFound):  # the run itself reports it
        ValidatorProcess.start_early(find_project(project_dir).expectations_dir)


def _changed_bytes(files: list[SourceFile], data_dir: Path, lock_wait: float) -> int:
    """The bytes of the files that are new or changed since they were loaded into the warehouse;
    all of them when it cannot tell now (no warehouse yet, locked, or an older schema)."""
    from crosswire.batch import unchanged_files
    from crosswire.store.warehouse import WAREHOUSE_FILE, read_file_manifest

    try:
        manifest = read_file_manifest(data_dir / WAREHOUSE_FILE, wait_seconds=min(lock_wait, 1.0))
    except Exception:  # the run itself reports what is wrong with the warehouse
        manifest = {}
    return sum(file.size_bytes for file in unchanged_files(files, manifest)[0])


def _check_sources(sources: Sequence[str], config: IngestConfig) -> list[SourceFile]:
    """Exit 2 before Prefect starts when a source (`PATH` or `OUTLET=PATH`) does not exist or
    none holds an article file; else the article files found."""
    missing = [(spec, path) for spec in sources if not (path := parse_source(spec)[0]).exists()]
    for spec, path in missing:
        console.print(
            f"[red]--source {escape(spec)}[/]: no such file or folder ({escape(str(path.absolute()))})"
        )
    if missing:
        raise typer.Exit(ExitCode.USAGE)
    found = files, rejected = discover_files(sources, config)
    if not files:
        console.print(
            f"[red]No article file in {escape(', '.join(sources))}[/]: crosswire reads {', '.join(FORMATS)}."
        )
        for rejection in rejected[:10]:
            console.print(f"  {escape(rejection.path)}: {escape(rejection.reason)}")
        raise typer.Exit(ExitCode.USAGE)
    hand_over_discovery(sources, config, found)
    return files


def _print_summary(summary: dict) -> None:
    """The run summary on stdout: a table on a terminal, `label: value` lines in a pipe or file."""
    from crosswire.summary import summary_rows

    out = Console()
    rows = summary_rows(summary)
    if out.is_terminal:
        table = Table(title=f"crosswire run {summary['run_id']}", show_header=False)
        table.add_column()
        table.add_column(overflow="fold")  # a path folds onto the next line rather than losing its end
        for label, value in rows:
            table.add_row(label, value)
        out.print(table)
    else:
        print(f"run: {summary['run_id']}")
        for label, value in rows:
            print(f"{label}: {value}")
    for path, reason in summary["rejected"][:20]:
        print(f"rejected {path}: {reason}")
    if len(summary["rejected"]) > 20:
        print(
            f"rejected: {len(summary['rejected']) - 20} more (crosswire query 'select * from rejected_files')"
        )


def _program() -> str:
    """How this command was called, for hints (`.venv/bin/crosswire`, else `crosswire`)."""
    called = sys.argv[0]
    return called if Path(called).name == "crosswire" else "crosswire"


def _existing_warehouse(data_dir: Path) -> Path:
    """The warehouse file under `data_dir`; exit 2 with a hint when there is none yet."""
    from crosswire.store.warehouse import WAREHOUSE_FILE

    db_path = data_dir / WAREHOUSE_FILE
    if not db_path.exists():
        console.print(f"[red]No warehouse at {db_path}[/]: run `crosswire run` first (or pass --data-dir).")
        raise typer.Exit(ExitCode.USAGE)
    return db_path


def _print_rows(columns: list[str], rows: Sequence[Sequence[object]], output: OutputFormat | None) -> None:
    """Rows on stdout as a table, CSV (with a header), a JSON array of objects, or Markdown."""
    output = _resolved(output)
    if output is OutputFormat.table:
        table = Table()
        for column in columns:
            table.add_column(column, overflow="fold")  # an id or a path stays whole, over lines
        for row in rows:
            table.add_row(*("NULL" if value is None else _cell(value) for value in row))
        Console().print(table)
    elif output is OutputFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([["" if value is None else _cell(value) for value in row] for row in rows])
    elif output is OutputFormat.json:
        objects = [json.dumps(dict(zip(columns, row, strict=True)), default=_json_value) for row in rows]
        print("[\n" + ",\n".join(objects) + "\n]" if objects else "[]")
    else:
        print("| " + " | ".join(columns) + " |")
        print("|" + " --- |" * len(columns))
        for row in rows:
            cells = ("" if value is None else _cell(value) for value in row)
            print("| " + " | ".join(c.replace("|", "\\|").replace("\n", "<br>") for c in cells) + " |")


def _resolved(output: OutputFormat | None) -> OutputFormat:
    """The format asked for, else a table on a terminal and CSV in a pipe or file."""
    if output is not None:
        return output
    return OutputFormat.table if sys.stdout.isatty() else OutputFormat.csv


def _cell(value: object) -> str:
    """A value as text: lists and structs as JSON, times in ISO 8601."""
    if isinstance(value, list | dict):
        return json.dumps(value, default=_json_value, ensure_ascii=False)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _json_value(value: object) -> object:
    """What `json` cannot write itself: times as ISO 8601, decimals as numbers, the rest as text."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL to run against the warehouse (read-only).")],
    data_dir: DataDir = Path("data"),
    limit: Annotated[int, typer.Option(help="Rows to print at most.")] = 100,
    output: Format = None,
) -> None:
    """Run SQL on a read-only connection to the warehouse and print its rows on stdout."""
    import duckdb

    from crosswire.project import find_project
    from crosswire.store.migrations import version_note
    from crosswire.store.warehouse import connect

    db_path = _existing_warehouse(data_dir)
    con = connect(db_path, read_only=True, wait_seconds=10)
    if note := version_note(con, find_project().migrations_dir):
        console.print(f"[yellow]note[/]: {note}")
    con.execute("SET enable_external_access = false")  # SQL reads the warehouse only: no COPY TO, ATTACH
    try:
        result = con.execute(sql)
        columns = [d[0] for d in result.description] if result.description else []
        rows = result.fetchmany(limit + 1)
    except duckdb.Error as error:
        console.print(f"[red]SQL error[/]: {escape(str(error))}")
        raise typer.Exit(ExitCode.FAILED) from None
    finally:
        con.close()
    _print_rows(columns, rows[:limit], output)
    if len(rows) > limit:
        console.print(f"(first {limit} rows; pass --limit for more)")


@app.command()
def upgrade(
    data_dir: DataDir = Path(RunConfig.data_dir),
    project_dir: ProjectDir = None,
    lock_wait: Annotated[
        float, typer.Option(help="Seconds to wait for another process holding warehouse.duckdb.")
    ] = RunConfig.lock_wait_seconds,
) -> None:
    """Apply the warehouse's pending migrations (sql/migrations/), as the next run would first."""
    from crosswire.project import find_project
    from crosswire.store.migrations import SchemaError
    from crosswire.store.run_lock import run_lock
    from crosswire.store.warehouse import WAREHOUSE_FILE
    from crosswire.store.warehouse import upgrade as upgrade_warehouse

    db_path = data_dir / WAREHOUSE_FILE
    if not db_path.exists():
        console.print(f"[red]No warehouse at {db_path}[/]: nothing to upgrade (or pass --data-dir).")
        raise typer.Exit(ExitCode.USAGE)
    try:
        with run_lock(data_dir.absolute(), wait_seconds=lock_wait):
            applied = upgrade_warehouse(
                db_path, sql_dir=find_project(project_dir).sql_dir, wait_seconds=lock_wait
            )
    except SchemaError as error:
        console.print(f"[bold red]Warehouse schema[/]: {escape(str(error))}")
        raise typer.Exit(ExitCode.WAREHOUSE_UNUSABLE) from None
    names = ", ".join(m.name for m in applied)
    console.print(f"{db_path}: applied {names}" if applied else f"{db_path} is up to date")


@app.command()
def serve(
    cron: Annotated[
        str, typer.Option(help="Schedule, as a cron expression (default: hourly).")
    ] = "0 * * * *",
    source: Sources = None,
    data_dir: DataDir = Path(RunConfig.data_dir),
    project_dir: ProjectDir = None,
    name: Annotated[str, typer.Option(help="Deployment name.")] = "crosswire-scheduled",
    workers: Workers = RunConfig.workers,
    dask_address: DaskAddress = RunConfig.dask_address,
) -> None:
    """Serve the crosswire flow as a scheduled deployment on the Prefect server in PREFECT_API_URL."""
    from prefect.settings import PREFECT_API_URL

    from crosswire.flows.pipeline import crosswire_pipeline

    if not PREFECT_API_URL.value():
        console.print(
            "[red]No Prefect server configured.[/] Start one with `prefect server start` and run "
            "`prefect config set PREFECT_API_URL=http://127.0.0.1:4200/api` (see the README)."
        )
        raise typer.Exit(ExitCode.USAGE)
    sources = [str(Path(p).absolute()) for p in (source or RunConfig.sources)]
    console.print(f"Serving deployment crosswire/{name} on {cron!r} against {PREFECT_API_URL.value()}")
    crosswire_pipeline.serve(
        name=name,
        cron=cron,
        parameters={
            "sources": sources,
            "data_dir": str(data_dir.absolute()),
            "project_dir": str((project_dir or Path()).absolute()),
            "workers": workers,
            "dask_address": dask_address,
        },
        description="crosswire on a schedule: new articles in the sources are ingested on each run.",
    )


@app.command()
def search(
    words: Annotated[str, typer.Argument(help="Words to look for (BM25 full-text search).")],
    data_dir: DataDir = Path("data"),
    limit: Annotated[int, typer.Option(help="Sentences to show at most.")] = 20,
    output: Format = None,
) -> None:
    """Find sentences by full-text search (BM25), best first, with their sources and clusters."""
    from crosswire.store.warehouse import search_sentences

    db_path = _existing_warehouse(data_dir)
    rows = search_sentences(db_path, words, limit=limit)
    output = _resolved(output)
    columns = ["score", "source", "cluster_id", "n_sources", "text"]
    if output is not OutputFormat.table:  # where the sentence is, for a pipe; too wide for a terminal
        columns += ["doc_id", "sentence_idx"]
    _print_rows(columns, [[round(row["score"], 3), *(row[c] for c in columns[1:])] for row in rows], output)
    if not rows:
        console.print(f"no sentence matches {words!r}")


def _version(show: bool) -> None:
    if show:
        from crosswire import __version__

        typer.echo(f"crosswire {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """crosswire: news articles in, a deduplicated, validated DuckDB warehouse out."""


def main() -> None:  # pragma: no cover - console entry point
    # registered first, so it runs after every other exit hook: with Prefect's log and event
    # queues drained and the streams flushed, the process leaves without tearing down module by
    # module (Prefect, pydantic, DuckDB, spaCy: ~0.5 s a run would otherwise end with)
    atexit.register(_leave_now)
    try:
        app()
    except SystemExit as stop:
        _exit_status[0] = 0 if stop.code is None else stop.code if isinstance(stop.code, int) else 1
        raise


_exit_status = [1]  # the status `_leave_now` exits with: 1 unless the command line set one


def _leave_now() -> None:
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(_exit_status[0])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
