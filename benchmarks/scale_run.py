"""One `crosswire run` over a large generated corpus, with the memory of its whole process tree.

    python -m benchmarks.scale_run --events 20000 --outlets 5            # 100,000 documents
    python -m benchmarks.scale_run --corpus DIR [--slice-files 10000] [--work DIR] [--json OUT]

Generates the corpus with `benchmarks.generate_corpus` (unless `--corpus` names one), then runs
the `crosswire run` command, as a user would, on it into a fresh data dir. Every second it sums
the resident memory (RSS) of the command and all its descendants: the flow's process, the
temporary Prefect server, the extraction workers and the validation process. It reports the
peak of that sum, the peak of the largest single process, the wall time, the documents and
sentences loaded and the `runs` rows (one a slice), and writes them as JSON
(`benchmarks/results/scale-<corpus>-<date>.json` by default).

The target (issue 7): 100,000 generated documents end to end with peak memory <= 4 GB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psutil

from benchmarks.generate_corpus import write_corpus

RESULTS = Path(__file__).resolve().parent / "results"


class TreeMemory:
    """Samples the summed and the largest RSS of a process and its descendants, once a second."""

    def __init__(self, pid: int, interval: float = 1.0) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak_total = self.peak_single = 0
        self.peak_processes = 0
        self.at_peak: list[dict] = []  # each process's RSS when the tree's total peaked
        self._roles: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _role(self, process: psutil.Process) -> str:
        if process.pid not in self._roles:
            role = _role(process, self.root)
            if role != "child":  # a helper is known once it has imported its libraries
                self._roles[process.pid] = role
            return role
        return self._roles[process.pid]

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            sizes, named = [], []
            for process in processes:
                try:
                    sizes.append(process.memory_info().rss)
                    named.append({"pid": process.pid, "role": self._role(process),
                                  "rss_mib": round(sizes[-1] / 2**20)})  # fmt: skip
                except psutil.NoSuchProcess:
                    continue
            if sum(sizes) > self.peak_total:
                self.peak_total, self.at_peak = sum(sizes), named
            self.peak_single = max(self.peak_single, max(sizes, default=0))
            self.peak_processes = max(self.peak_processes, len(sizes))
            self._stop.wait(self.interval)


def _role(process: psutil.Process, root: psutil.Process) -> str:
    """What a process of the run is, by the libraries it has mapped: the command itself, a worker
    (spaCy's compiled modules) or the validator (pandas, for Great Expectations)."""
    if process.pid == root.pid:
        return "crosswire run"
    try:
        paths = " ".join(m.path for m in process.memory_maps())
    except (psutil.Error, OSError):
        return "child"
    if "/spacy/" in paths or "/thinc/" in paths:
        return "worker"
    return "validator" if "/pandas/" in paths else "child"


def warehouse_counts(db_path: Path) -> dict:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        documents, sentences, clusters = con.execute(
            "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM sentences),"
            " (SELECT count(*) FROM sentence_clusters)"
        ).fetchone()
        runs = con.execute(
            "SELECT run_id, n_documents_new, n_sentences, validation_success,"
            " epoch(finished_at - started_at) FROM runs ORDER BY started_at"
        ).fetchall()
    finally:
        con.close()
    return {
        "documents": documents,
        "sentences": sentences,
        "clusters": clusters,
        "runs": [
            {"run_id": r[0], "documents_new": r[1], "sentences": r[2], "validated": r[3], "seconds": r[4]}
            for r in runs
        ],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.scale_run", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--events", type=int, default=20_000, help="generated events (default 20000)")
    parser.add_argument("--outlets", type=int, default=5, help="outlets per event (default 5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--corpus", type=Path, help="an existing corpus folder instead of generating one")
    parser.add_argument("--slice-files", type=int, default=10_000, help="crosswire run --slice-files")
    parser.add_argument(
        "--work", type=Path, help="folder for the corpus and the data dir (default: temporary)"
    )
    parser.add_argument("--name", help="corpus name in the result (default: generated-<N>k-seed<S>)")
    parser.add_argument("--json", type=Path, help="result file")
    args = parser.parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix="crosswire-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.corpus:
        corpus, name = args.corpus, args.name or args.corpus.name
    else:
        name = args.name or f"generated-{args.events * args.outlets // 1000}k-seed{args.seed}"
        began = time.perf_counter()
        write_corpus(args.events, args.outlets, work / "corpus", seed=args.seed)
        corpus = work / "corpus" / "articles"
        print(
            f"generated {args.events} events x {args.outlets} outlets in {time.perf_counter() - began:.0f} s"
        )
    data_dir = work / "data"
    shutil.rmtree(data_dir, ignore_errors=True)

    crosswire = Path(sys.executable).parent / "crosswire"
    command = [str(crosswire), "run", "--source", str(corpus), "--data-dir", str(data_dir),
               "--slice-files", str(args.slice_files)]  # fmt: skip
    print("running:", " ".join(command))
    began = time.perf_counter()
    with (work / "run.log").open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        with TreeMemory(process.pid) as memory:
            returncode = process.wait()
    seconds = time.perf_counter() - began
    counts = warehouse_counts(data_dir / "warehouse.duckdb") if returncode == 0 else {}

    result = {
        "corpus": {"name": name, "path": str(corpus)},
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python -m benchmarks.scale_run", *(argv or sys.argv[1:])]),
        "crosswire_command": " ".join(command),
        "returncode": returncode,
        "seconds": seconds,
        "docs_per_s": counts.get("documents", 0) / seconds,
        "peak_rss_mib_process_tree": memory.peak_total / 2**20,
        "peak_rss_mib_largest_process": memory.peak_single / 2**20,
        "peak_processes": memory.peak_processes,
        "processes_at_peak": memory.at_peak,
        "machine": {
            "cpu_count": psutil.cpu_count(),
            "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        },
        **counts,
        "log": str(work / "run.log"),
    }
    target = args.json or RESULTS / f"scale-{name}-{datetime.now(UTC).date()}.json"
    target.write_text(json.dumps(result, indent=1, default=str) + "\n")
    print(
        f"{counts.get('documents', '?')} documents, {counts.get('sentences', '?')} sentences "
        f"in {seconds:.0f} s "
        f"({result['docs_per_s']:.1f} docs/s), exit {returncode}\n"
        f"peak RSS: process tree {result['peak_rss_mib_process_tree']:.0f} MiB "
        f"(largest process {result['peak_rss_mib_largest_process']:.0f} MiB, up to {memory.peak_processes} "
        f"processes); target: <= 4096 MiB\nresult: {target}"
    )
    if returncode:
        raise SystemExit(f"crosswire run failed (exit {returncode}); see {work / 'run.log'}")


if __name__ == "__main__":
    main()
