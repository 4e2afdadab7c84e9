"""Data Docs: one static page per validated batch and an index of runs, readable with no network.

Great Expectations' own Data Docs load Bootstrap, jQuery and DataTables from CDNs (blank when
offline), take ~2 s a run to rebuild, and point at the temporary file GX read the batch from.
These pages are plain HTML with inline CSS and no script or external reference:
- `runs/<run_id>.html`: the verdict, each table with its rows and expectations (failed ones
  first, with a few failing rows: key, checked columns and their inputs), every expectation of
  the table listed under it;
- `runs/<run_id>.json`: the run's line in the index (when, verdict, counts);
- `index.html`: every run, newest first, linking to its page.
A run writes its own page and JSON, then the index from the runs' JSON lines (not their pages),
so a run costs the same however many came before. Every file is written atomically.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

from crosswire.store.batch_store import atomic_write_bytes
from crosswire.validate.suites import CHECK_COLUMNS, TableResult, ValidationFailure, ValidationReport

RUNS_FOLDER = "runs"
STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #1d2330; max-width: 75em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0 1em; }
th, td { border: 1px solid #ccd3dd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #eef1f5; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.passed { color: #13733a; font-weight: 600; } .failed { color: #b3261e; font-weight: 600; }
code { font-size: .92em; } .meta { color: #5a6473; } summary { cursor: pointer; }
"""


def write_run_page(
    data_docs_dir: Path, report: ValidationReport, *, run_id: str, validated_at: dt.datetime
) -> Path:
    """Write the run's page and index line, then the index; return the index's path."""
    runs = data_docs_dir / RUNS_FOLDER
    line = {
        "run_id": run_id,
        "validated_at": validated_at.isoformat(timespec="milliseconds"),
        "success": report.success,
        "n_expectations": report.n_expectations,
        "n_failed": report.n_failed,
        "rows": {table.table: table.n_rows for table in report.tables},
    }
    atomic_write_bytes(runs / f"{run_id}.html", run_page(report, line).encode())
    atomic_write_bytes(runs / f"{run_id}.json", json.dumps(line).encode())
    lines = [json.loads(path.read_text(encoding="utf-8")) for path in runs.glob("*.json")]
    index = data_docs_dir / "index.html"
    atomic_write_bytes(
        index, index_page(sorted(lines, key=lambda x: x["validated_at"], reverse=True)).encode()
    )
    return index


def run_page(report: ValidationReport, line: dict) -> str:
    verdict = _verdict(report.success)
    failures_by_table: dict[str, list[ValidationFailure]] = {}
    for failure in report.failures:
        failures_by_table.setdefault(failure.table, []).append(failure)
    overview = _table(
        ["table", "rows", "expectations", "failed"],
        [
            [
                f'<a href="#{_e(t.table)}">{_e(t.table)}</a>',
                t.n_rows,
                len(t.expectations),
                sum(not ok for *_, ok in t.expectations),
            ]
            for t in report.tables
        ],
    )
    when = _e(line["validated_at"][:19].replace("T", " "))
    body = [
        f"<h1>Validation of run <code>{_e(line['run_id'])}</code>: {verdict}</h1>",
        f'<p class="meta">{when} UTC · {report.n_expectations} expectations, '
        f'{report.n_failed} failed · <a href="../index.html">all runs</a></p>',
        overview,
        *(_table_section(t, failures_by_table.get(t.table, [])) for t in report.tables),
    ]
    return _document(f"crosswire validation {line['run_id']}", body)


def index_page(lines: list[dict]) -> str:
    rows = [
        [
            f'<a href="{RUNS_FOLDER}/{_e(x["run_id"])}.html"><code>{_e(x["run_id"])}</code></a>',
            _e(x["validated_at"][:19].replace("T", " ")),
            _verdict(x["success"]),
            x["n_expectations"],
            x["n_failed"],
            x["rows"].get("documents", 0),
            x["rows"].get("sentences", 0),
        ]
        for x in lines
    ]
    table = _table(
        ["run", "validated at (UTC)", "verdict", "expectations", "failed", "documents", "sentences"], rows
    )
    return _document(
        "crosswire validation runs", [f"<h1>crosswire: validated batches ({len(lines)})</h1>", table]
    )


def _table_section(result: TableResult, failures: list[ValidationFailure]) -> str:
    name = _e(result.table)
    parts = [f'<h2 id="{name}">{name} <span class="meta">({result.n_rows:,} rows)</span></h2>']
    for failure in failures:
        check = CHECK_COLUMNS.get(failure.column or "")
        meaning = f" <span class=meta>(computed: {_e(check.doc)})</span>" if check else ""
        parts.append(
            f'<p><span class="failed">failed</span> <code>{_e(failure.expectation)}</code>'
            f" on <code>{_e(failure.column or result.table)}</code>{meaning}<br>{_e(failure.details)}</p>"
        )
        if failure.examples:
            columns = list(failure.examples[0])
            parts.append(_table(columns, [[_e(row.get(c, "")) for c in columns] for row in failure.examples]))
    listed = _table(
        ["expectation", "columns", "result"],
        [
            [f"<code>{_e(kind)}</code>", _e(columns or ""), _verdict(ok)]
            for kind, columns, ok in result.expectations
        ],
    )
    parts.append(f"<details><summary>{len(result.expectations)} expectations</summary>{listed}</details>")
    return "\n".join(parts)


def _document(title: str, body: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _table(header: list[str], rows: list[list[str | int]]) -> str:
    """An HTML table: a str cell is HTML already escaped, an int a right-aligned count."""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    cells = "".join(
        "<tr>"
        + "".join(f'<td class="n">{c:,}</td>' if isinstance(c, int) else f"<td>{c}</td>" for c in row)
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{cells}</table>"


def _verdict(success: bool) -> str:
    return '<span class="passed">passed</span>' if success else '<span class="failed">failed</span>'


def _e(value: object) -> str:
    return html.escape(str(value))
