"""The `crosswire` command as a user meets it: a mistyped source fails at once and names the path;
results and the run summary go to stdout, logs and notes to stderr; `query` and `search` print
rows a pipe can read (CSV by default, JSON, Markdown)."""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crosswire.cli import EXAMPLE_QUERY, EXIT_CODES, ExitCode, _changed_bytes, app
from crosswire.ingest.read import IngestConfig, discover_files
from crosswire.store import warehouse

CROSSWIRE = [sys.executable, "-m", "crosswire"]
# runs the command in-process, then says whether Prefect was imported by the time it exited
PREFECT_PROBE = """
import sys
from crosswire.cli import app
try:
    app(sys.argv[1:])
finally:
    print("prefect imported:", "prefect" in sys.modules, file=sys.stderr)
"""


def crosswire(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m crosswire ARGS` in a subprocess without a configured Prefect server."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    return subprocess.run(
        [*CROSSWIRE, *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd, timeout=600
    )


def run_probe(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PREFECT_PROBE, *map(str, args)], capture_output=True, text=True, timeout=120
    )


def article(topic: str) -> str:
    return f"On {topic}\n\nThe council met on Monday to talk about {topic}. It will meet again next week.\n"


# --- fail fast ----------------------------------------------------------------------------------


def test_a_source_that_does_not_exist_fails_naming_it_before_prefect_is_imported(tmp_path):
    mistyped = tmp_path / "bbc" / "politcs"

    result = run_probe("run", "--source", mistyped, "--data-dir", tmp_path / "data")

    assert result.returncode == ExitCode.USAGE == 2
    assert f"--source {mistyped}: no such file or folder ({mistyped})" in result.stderr
    assert "prefect imported: False" in result.stderr
    assert not (tmp_path / "data").exists()


def test_every_missing_source_is_named_and_an_outlet_prefix_is_not_part_of_the_path(tmp_path):
    (tmp_path / "herald").mkdir()
    (tmp_path / "herald" / "a.txt").write_text(article("buses"))
    (tmp_path / "a=b").mkdir()  # a path that exists as written, `=` and all, is a path
    (tmp_path / "a=b" / "c.txt").write_text(article("trams"))

    result = run_probe(
        "run",
        *("--source", f"herald={tmp_path / 'herald'}"),
        *("--source", tmp_path / "a=b"),
        *("--source", f"wire={tmp_path / 'wire'}"),
        *("--source", tmp_path / "courier"),
        *("--data-dir", tmp_path / "data"),
    )

    assert result.returncode == 2
    named = [line for line in result.stderr.splitlines() if "no such file or folder" in line]
    assert named == [
        f"--source wire={tmp_path / 'wire'}: no such file or folder ({tmp_path / 'wire'})",
        f"--source {tmp_path / 'courier'}: no such file or folder ({tmp_path / 'courier'})",
    ]
    assert "prefect imported: False" in result.stderr


def test_sources_without_an_article_file_fail_naming_them_and_what_was_found(tmp_path):
    (tmp_path / "scans" / "2017").mkdir(parents=True)
    (tmp_path / "scans" / "2017" / "front-page.pdf").write_bytes(b"%PDF-1.4")

    result = run_probe("run", "--source", tmp_path / "scans", "--data-dir", tmp_path / "data")

    assert result.returncode == 2
    assert f"No article file in {tmp_path / 'scans'}: crosswire reads .jsonl.gz," in result.stderr
    assert (
        f"{tmp_path / 'scans' / '2017' / 'front-page.pdf'}: not an article file ('.pdf' file)"
        in result.stderr
    )
    assert "prefect imported: False" in result.stderr


def test_help_and_the_readme_list_every_exit_code():
    for command in ([], ["run"]):
        result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "400"})
        assert result.exit_code == 0
        for code, meaning in EXIT_CODES.items():
            assert f"{int(code)}  {meaning}" in result.stdout, (command, code)
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text().replace("`", "")
    for code, meaning in EXIT_CODES.items():
        assert f"| {int(code)} | {meaning.replace('`', '')} |" in readme, code


# --- query output formats -----------------------------------------------------------------------

AWKWARD_ROW = """SELECT 1 AS n, 'comma, "quoted" and | piped' AS words, 'two\nlines' AS lines,
    NULL AS nothing, ['G7', 'Russia'] AS sources, TIMESTAMPTZ '2017-04-11 10:00:00+00' AS seen_at,
    2.5::DECIMAL(4, 2) AS share"""


@pytest.fixture
def empty_warehouse(tmp_path) -> Path:
    """A data dir whose warehouse has every table and view and no rows."""
    con = warehouse.connect(tmp_path / warehouse.WAREHOUSE_FILE)
    try:
        warehouse.apply_schema(con)
    finally:
        con.close()
    return tmp_path


def query(data_dir: Path, sql: str, *options: str):
    return CliRunner().invoke(
        app, ["query", sql, "--data-dir", str(data_dir), *options], catch_exceptions=False
    )


def test_query_into_a_pipe_prints_csv_that_the_csv_module_reads_back(empty_warehouse):
    result = query(empty_warehouse, AWKWARD_ROW)  # CliRunner's stdout is not a terminal

    assert result.exit_code == 0, result.output
    assert list(csv.reader(io.StringIO(result.stdout))) == [
        ["n", "words", "lines", "nothing", "sources", "seen_at", "share"],
        ["1", 'comma, "quoted" and | piped', "two\nlines", "", '["G7", "Russia"]',
         "2017-04-11T10:00:00+00:00", "2.50"],
    ]  # fmt: skip
    assert result.stderr == ""


def test_query_as_json_is_an_array_of_objects_with_typed_values(empty_warehouse):
    result = query(empty_warehouse, AWKWARD_ROW, "--format", "json")

    assert json.loads(result.stdout) == [
        {"n": 1, "words": 'comma, "quoted" and | piped', "lines": "two\nlines", "nothing": None,
         "sources": ["G7", "Russia"], "seen_at": "2017-04-11T10:00:00+00:00", "share": 2.5}
    ]  # fmt: skip
    assert json.loads(query(empty_warehouse, "SELECT * FROM documents", "--format", "json").stdout) == []


def test_query_as_markdown_keeps_one_table_row_per_result_row(empty_warehouse):
    result = query(empty_warehouse, AWKWARD_ROW, "--format", "markdown")

    assert result.stdout.splitlines() == [
        "| n | words | lines | nothing | sources | seen_at | share |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        '| 1 | comma, "quoted" and \\| piped | two<br>lines |  | ["G7", "Russia"] '
        "| 2017-04-11T10:00:00+00:00 | 2.50 |",
    ]


def test_query_as_a_table_shows_nulls_and_says_on_stderr_when_rows_were_cut(empty_warehouse):
    result = query(
        empty_warehouse, "SELECT range AS n, NULL AS nothing FROM range(3)", "-f", "table", "--limit", "2"
    )

    assert result.exit_code == 0
    assert "NULL" in result.stdout and "┃ n" in result.stdout
    assert "(first 2 rows; pass --limit for more)" in result.stderr


def test_query_sql_that_fails_exits_1_with_the_error_on_stderr(empty_warehouse):
    result = query(empty_warehouse, "SELECT * FROM no_such_table")

    assert result.exit_code == ExitCode.FAILED == 1
    assert result.stdout == "" and "no_such_table" in result.stderr


def test_query_without_a_warehouse_exits_2_naming_where_it_looked(tmp_path):
    result = query(tmp_path, "SELECT 1")

    assert result.exit_code == 2
    assert f"No warehouse at {tmp_path / warehouse.WAREHOUSE_FILE}" in result.stderr


# --- a whole run, as a user types it ------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """`crosswire run` on two outlets' articles sharing a sentence, without a Prefect server."""
    folder = tmp_path_factory.mktemp("cli-run")
    for outlet, own in (
        ("herald", "Fares will rise by a tenth in May."),
        ("courier", "Drivers say it is too little."),
    ):
        (folder / "articles" / outlet).mkdir(parents=True)
        (folder / "articles" / outlet / "fares.txt").write_text(f"{article('bus fares')}\n{own}\n")
    run = crosswire("run", "--source", folder / "articles", "--data-dir", folder / "data", "--workers", "1")
    assert run.returncode == 0, run.stdout + run.stderr
    return run, folder / "data"


@pytest.mark.slow
def test_the_run_summary_goes_to_stdout_and_the_logs_to_stderr(seeded_run):
    run, data_dir = seeded_run
    assert "documents new / skipped / rejected: 2 / 0 / 0" in run.stdout.splitlines()
    assert f"warehouse: {data_dir / warehouse.WAREHOUSE_FILE}" in run.stdout.splitlines()
    assert "documents new" not in run.stderr
    assert "Flow run" in run.stderr and "Flow run" not in run.stdout


@pytest.mark.slow
def test_a_run_without_a_prefect_server_says_once_that_it_starts_a_temporary_one(seeded_run):
    run, _ = seeded_run
    assert run.stderr.count("No Prefect server configured") == 1
    assert "prefect server start" in run.stderr and "PREFECT_API_URL=" in run.stderr
    assert "Starting temporary server" not in run.stderr  # Prefect's own line, said by the note already


@pytest.mark.slow
def test_the_example_query_is_one_line_a_shell_runs_as_it_is(seeded_run):
    run, data_dir = seeded_run
    (hint,) = [line for line in run.stderr.splitlines() if line.startswith("Try: ")]
    *_, command, sql, data_flag, data = shlex.split(hint.removeprefix("Try: "))
    assert (command, sql, data_flag, data) == ("query", EXAMPLE_QUERY, "--data-dir", str(data_dir))
    example = crosswire(command, sql, data_flag, data)
    assert example.returncode == 0 and next(csv.reader(io.StringIO(example.stdout))) == [
        "canonical_text",
        "sources",
    ]


@pytest.mark.slow
def test_query_and_search_output_piped_into_another_program_parses(seeded_run):
    _, data_dir = seeded_run
    reuse = crosswire("query", "SELECT source, n_reused, earliest_source FROM document_reuse ORDER BY source",
                      "--data-dir", data_dir)  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(reuse.stdout)))
    assert [row["source"] for row in rows] == ["courier", "herald"]
    # loaded together, the story's first report is the one first in doc_id order
    copy, first = sorted(rows, key=lambda row: row["n_reused"], reverse=True)
    assert (first["n_reused"], first["earliest_source"]) == ("0", "")
    assert int(copy["n_reused"]) >= 2 and copy["earliest_source"] == first["source"]
    found = json.loads(crosswire("search", "council", "--data-dir", data_dir, "--format", "json").stdout)
    assert {row["source"] for row in found} == {"courier", "herald"}
    assert set(found[0]) == {"score", "source", "cluster_id", "n_sources", "text", "doc_id", "sentence_idx"}


@pytest.mark.slow
def test_only_a_run_with_new_or_changed_files_starts_processes_early(seeded_run, tmp_path):
    """GX's import (and a small run's model load) on the other core pays off only for a run
    that validates (and extracts) something."""
    _, data_dir = seeded_run
    loaded, _ = discover_files([str(data_dir.parent / "articles")], IngestConfig())
    new = tmp_path / "new.txt"
    new.write_text(article("trams"))
    (new_file,), _ = discover_files([str(new)], IngestConfig())

    assert _changed_bytes(loaded, data_dir, lock_wait=1.0) == 0
    assert _changed_bytes([*loaded, new_file], data_dir, lock_wait=1.0) == new.stat().st_size
    everything = sum(file.size_bytes for file in loaded)
    assert _changed_bytes(loaded, tmp_path / "no-warehouse-yet", lock_wait=1.0) == everything
