"""What a flow run shows in the Prefect UI: artifacts with stable keys, one set per run.

- `crosswire-run-summary`: the run's counts, validation verdict and Data Docs path (table);
- `crosswire-validation`: each failed expectation with its table and example rows (markdown);
- `crosswire-top-shared-sentences` / `crosswire-top-shared-quotes`: what this run's documents
  share with other sources (tables: short columns first, texts cut to `TEXT_CHARS`; a quote of
  fewer than `MIN_QUOTE_WORDS` words, a fragment such as "margins of society", never ranks);
- `crosswire-stage-seconds`: each stage's wall seconds and share of the run (table);
- `crosswire-<stage>-progress`: a progress bar updated at most once a second while a stage runs.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from crosswire.store import warehouse

TEXT_CHARS = 120  # a sentence or quote in an artifact table is cut after this many characters
MIN_QUOTE_WORDS = 4  # shorter quotes are scare quotes and fragments, not shared statements


class ProgressArtifacts:
    """A `crosswire.progress` reporter that mirrors stages into Prefect progress artifacts."""

    def __init__(self, min_interval_seconds: float = 1.0) -> None:
        self.min_interval = min_interval_seconds
        self.state: dict[str, list] = {}  # stage -> [artifact_id, total, done, last_update]

    def start(self, stage: str, total: int | None) -> None:
        key = f"crosswire-{re.sub(r'[^a-z0-9]+', '-', stage.lower())}-progress"
        artifact_id = create_progress_artifact(0.0, key=key, description=f"crosswire: {stage}")
        self.state[stage] = [artifact_id, total or 0, 0, time.monotonic()]

    def advance(self, stage: str, amount: int) -> None:
        entry = self.state[stage]
        entry[2] += amount
        if entry[1] and time.monotonic() - entry[3] >= self.min_interval:
            update_progress_artifact(entry[0], 100.0 * entry[2] / entry[1])
            entry[3] = time.monotonic()

    def finish(self, stage: str) -> None:
        update_progress_artifact(self.state.pop(stage)[0], 100.0)


def publish_validation(report_summary: str, success: bool, data_docs: str | None) -> None:
    verdict = "passed" if success else "FAILED: nothing of this batch was loaded"
    docs = f"\n\nData Docs: `{data_docs}`" if data_docs else ""
    create_markdown_artifact(
        f"# Validation {verdict}\n\n```\n{report_summary}\n```{docs}",
        key="crosswire-validation",
        description="Great Expectations checkpoint result for this run's batch",
    )


def stage_seconds_table(timings: dict[str, float]) -> str:
    """Stage times as aligned text: stage, seconds, share of the total, in run order."""
    total = sum(timings.values()) or 1.0
    width = max([len("total"), *map(len, timings)])
    lines = [f"{'stage':<{width}}  {'seconds':>8}  {'share':>6}"]
    lines += [f"{name:<{width}}  {value:>8.3f}  {value / total:>6.1%}" for name, value in timings.items()]
    lines.append(f"{'total':<{width}}  {sum(timings.values()):>8.3f}")
    return "\n".join(lines)


def publish_run(summary: dict, data_dir: Path, run_id: str) -> None:
    rows = [
        {"metric": name, "value": str(summary[name])}
        for name in (
            "documents_new", "documents_skipped", "files_rejected", "sentences", "clusters",
            "cross_source_clusters", "entities", "quotes", "validation", "data_docs", "warehouse",
        )
    ]  # fmt: skip
    create_table_artifact(rows, key="crosswire-run-summary", description=f"crosswire run {run_id}")
    timings = summary["seconds_by_stage"]
    total = sum(timings.values()) or 1.0
    create_table_artifact(
        [{"stage": k, "seconds": v, "share": f"{v / total:.1%}"} for k, v in timings.items()],
        key="crosswire-stage-seconds",
        description=f"Wall seconds per stage, crosswire run {run_id}",
    )
    if not summary["documents_new"]:
        return  # nothing new, so nothing this run shares with other sources
    sentences, quotes = top_shared(data_dir, run_id)
    create_table_artifact(
        sentences, key="crosswire-top-shared-sentences", description="Sentences this run shares"
    )
    create_table_artifact(quotes, key="crosswire-top-shared-quotes", description="Quotes this run shares")


def top_shared(data_dir: Path, run_id: str, limit: int = 10) -> tuple[list[dict], list[dict]]:
    """The sentences and quotes of a run's documents found in the most sources, as table rows."""
    con = warehouse.connect(data_dir / warehouse.WAREHOUSE_FILE, read_only=True)
    try:
        sentences = con.execute(
            """SELECT c.n_sources, array_to_string(c.sources, ', ') AS sources, c.canonical_text AS sentence
               FROM sentence_clusters AS c
               WHERE c.n_sources >= 2 AND c.cluster_id IN (
                   SELECT s.cluster_id FROM sentences AS s JOIN documents AS d USING (doc_id)
                   WHERE d.run_id = ?)
               ORDER BY c.n_sources DESC, c.n_occurrences DESC, c.cluster_id LIMIT ?""",
            [run_id, limit],
        ).fetch_arrow_table()
        quotes = con.execute(
            """SELECT n_sources, array_to_string(speakers, ', ') AS speakers,
                      array_to_string(sources, ', ') AS sources, canonical_text AS quote
               FROM shared_quotes
               WHERE len(regexp_split_to_array(trim(canonical_text), '\\s+')) >= ?
                 AND quote_cluster_id IN (
                   SELECT q.quote_cluster_id FROM quotes AS q JOIN documents AS d USING (doc_id)
                   WHERE d.run_id = ?)
               ORDER BY n_sources DESC, n_quotes DESC, quote_cluster_id LIMIT ?""",
            [MIN_QUOTE_WORDS, run_id, limit],
        ).fetch_arrow_table()
    finally:
        con.close()
    return _cut(sentences.to_pylist(), "sentence"), _cut(quotes.to_pylist(), "quote")


def _cut(rows: list[dict], column: str) -> list[dict]:
    """Rows with `column` cut to TEXT_CHARS characters, at a word boundary, marked with '…'."""
    for row in rows:
        text = row[column] or ""
        if len(text) > TEXT_CHARS:
            row[column] = text[: TEXT_CHARS - 1].rsplit(" ", 1)[0] + " …"
    return rows
