"""Hostile but plausible documents (issue 16) through `crosswire run`: time and peak memory.

    python -m benchmarks.hostile --sizes 100000,400000 [--shapes quote_storm,run_on] [--bbc 200]
                                 [--work DIR] [--json OUT]

A shape is crawled junk that is not an article, made by repeating a unit to a length in
characters (the first five are the issue's, the others seen in crawls; `SHAPES`). For each shape
and size, one `.txt` file goes through `crosswire run --workers 2` into a fresh data dir, as a
user would run it; then, per size, one run over the folder of every shape (the issue's "folder
of seven shapes": 3.7 MB in <= 120 s with the process tree <= 3 GiB). The resident memory of the
command and all its descendants (flow, Prefect server, workers, validation) is summed every
0.2 s; the peak is reported with the wall time, the documents loaded and the files rejected
(`--max-doc-chars`, the time budget). `--bbc N` runs the first N BBC articles
(`../shared/corpora/bbc`, skipped when absent) the same way, for the throughput of real news.
Results: JSON on stdout and in `benchmarks/results/hostile-<date>.json`.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from benchmarks.report import emit
from benchmarks.scale_run import RESULTS, TreeMemory

BBC = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "bbc"


def _repeat(unit: str, chars: int) -> str:
    return unit * max(1, chars // len(unit))


def tiny_sentences(chars: int) -> str:
    """200,000 tiny sentences at 1 MB: `A b. A b. ...`."""
    return _repeat("A b. ", chars)


def titled_names(chars: int) -> str:
    """The same titled names over and over."""
    return _repeat("Mr. Smith met Dr. Jones and Gen. Lee. ", chars)


def quote_storm(chars: int) -> str:
    """Quote marks around one word, repeated: `"a" "a" ...`."""
    return _repeat('"a" ', chars)


def unclosed_quotes(chars: int) -> str:
    """An opening quote mark that never closes, repeated within one paragraph."""
    return _repeat('"It was going to be fine, ', chars)


def run_on(chars: int) -> str:
    """A capitalised run-on with no full stop (a title-cased menu or tag cloud)."""
    words = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India", "Juliet"]
    return _repeat(" ".join(words) + " ", chars).strip()


def number_table(chars: int) -> str:
    """A table flattened to text: rows of numbers, percentages and years, one row a line."""
    return _repeat("2017 | 12.5 | 1,204 | 33% | -0.7 | 2018 | 45.25 | 2,000\n", chars)


def scraper_loop(chars: int) -> str:
    """One news paragraph repeated thousands of times as paragraphs (a scraper stuck in a loop)."""
    unit = (
        'Prime Minister Theresa May said on Tuesday, April 11, 2017: "We will not give in." '
        '"It is a matter of trust," she added, according to Reuters.\n\n'
    )
    return _repeat(unit, chars)


def said_chain(chars: int) -> str:
    """Attributed quotes and pronouns in one endless paragraph (a transcript without breaks)."""
    return _repeat('Smith said: "We will win." "It is fine," he added. The minister told him. ', chars)


def long_words(chars: int) -> str:
    """Very long "words": URLs and base64 blobs of thousands of characters."""
    unit = "See https://example.org/" + "a1b2c3d4" * 150 + " and " + "Q" * 600 + ". "
    return _repeat(unit, chars)


def many_dates(chars: int) -> str:
    """Dates and relative time expressions, dense."""
    return _repeat(
        "On Tuesday, April 11, 2017 and last March, 3 days ago, in 2005 and next week we will meet Friday. ",
        chars,
    )


SHAPES: dict[str, Callable[[int], str]] = {
    "tiny_sentences": tiny_sentences,
    "titled_names": titled_names,
    "quote_storm": quote_storm,
    "unclosed_quotes": unclosed_quotes,
    "run_on": run_on,
    "number_table": number_table,
    "scraper_loop": scraper_loop,
    "said_chain": said_chain,
    "long_words": long_words,
    "many_dates": many_dates,
}


def crosswire_run(source: Path, work: Path, workers: int) -> dict:
    """One `crosswire run` of `source` into a fresh data dir: wall time, peak tree RSS, counts."""
    data_dir = work / f"data-{source.name}"
    shutil.rmtree(data_dir, ignore_errors=True)
    command = [str(Path(sys.executable).parent / "crosswire"), "run", "--source", str(source),
               "--data-dir", str(data_dir), "--workers", str(workers)]  # fmt: skip
    began = time.perf_counter()
    with (work / f"{source.name}.log").open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        with TreeMemory(process.pid, interval=0.2) as memory:
            returncode = process.wait()
    result = {
        "seconds": round(time.perf_counter() - began, 1),
        "peak_rss_mib_process_tree": round(memory.peak_total / 2**20),
        "peak_rss_mib_largest_process": round(memory.peak_single / 2**20),
        "returncode": returncode,
        "input_mb": round(sum(f.stat().st_size for f in source.rglob("*") if f.is_file()) / 1e6, 2),
    }
    if returncode == 0:
        con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
        try:
            result["documents"], result["sentences"], result["quotes"] = con.execute(
                "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM sentences),"
                " (SELECT count(*) FROM quotes)"
            ).fetchone()
            result["rejected"] = [
                list(row) for row in con.execute("SELECT path, reason FROM rejected_files").fetchall()
            ]
        finally:
            con.close()
    # the flow logs its stages' seconds as a table (`artifacts.stage_seconds_table`): where the time went
    log = (work / f"{source.name}.log").read_text()
    table = log.split("stage seconds:\n", 1)[1] if "stage seconds:\n" in log else ""
    rows = re.findall(r"^(\S.*?)\s+(\d+\.\d{3})\s+\S+%$", table, flags=re.MULTILINE)
    result["stage_seconds"] = {name: float(seconds) for name, seconds in rows} or None
    shutil.rmtree(data_dir, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hostile", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,400000", help="characters per document, comma-separated")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="shapes to run, comma-separated")
    parser.add_argument("--bbc", type=int, default=200, help="BBC articles for the comparison (0: none)")
    parser.add_argument("--workers", type=int, default=2, help="crosswire run --workers")
    parser.add_argument(
        "--work", type=Path, help="folder for inputs, data dirs and logs (default: temporary)"
    )
    parser.add_argument(
        "--json", type=Path, help="result file (default: benchmarks/results/hostile-<date>.json)"
    )
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    shapes = args.shapes.split(",")
    work = args.work or Path(tempfile.mkdtemp(prefix="crosswire-hostile-"))
    work.mkdir(parents=True, exist_ok=True)

    runs = []
    for size in sizes:
        folder = work / f"all-{size}"
        for shape in shapes:
            single = work / f"{shape}-{size}"
            single.mkdir(exist_ok=True)
            (single / f"{shape}.txt").write_text(SHAPES[shape](size))
            folder.mkdir(exist_ok=True)
            shutil.copy(single / f"{shape}.txt", folder / f"{shape}.txt")
            runs.append({"shape": shape, "chars": size, **crosswire_run(single, work, args.workers)})
            print(runs[-1], file=sys.stderr, flush=True)
        runs.append(
            {"shape": "all", "chars": size * len(shapes), **crosswire_run(folder, work, args.workers)}
        )
        print(runs[-1], file=sys.stderr, flush=True)
    bbc = None
    if args.bbc and BBC.is_dir():
        folder = work / "bbc"
        for path in sorted(BBC.rglob("*.txt"))[: args.bbc]:
            target = folder / path.relative_to(BBC)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
        bbc = crosswire_run(folder, work, args.workers)
        bbc["docs_per_s"] = round(bbc.get("documents", 0) / bbc["seconds"], 2)
        bbc["mb_per_s"] = round(bbc["input_mb"] / bbc["seconds"], 3)
    result = {
        "benchmark": "hostile",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python -m benchmarks.hostile", *(argv if argv is not None else sys.argv[1:])]),
        "target": "the folder of seven shapes (3.7 MB) in <= 120 s, process tree <= 3 GiB (issue 16)",
        "runs": runs,
        "bbc": bbc,
        "work": str(work),
    }
    emit(result, args.json or RESULTS / f"hostile-{datetime.now(UTC).date()}.json")


if __name__ == "__main__":
    main()
