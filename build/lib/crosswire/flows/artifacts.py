"""What a flow run shows in the Prefect UI: artifacts with stable keys, one set per run.

- `crosswire-run-summary`: the run's counts, validation verdict and Data Docs path (table);
- `crosswire-validation`: each failed expectation with its table and example rows (markdown);
- `crosswire-top-shared-sentences` / `crosswire-top-shared-quotes`: what this run's documents
  share with other sources (tables);
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


def publish_run(summary: dict, data_dir: Path, run_id: str) -> None:
    rows = [
        {"metric": name, "value": str(summary[name])}
        for name in (
            "documents_new", "documents_skipped", "files_rejected", "sentences", "clusters",
            "cross_source_clusters", "entities", "quotes", "validation", "data_docs", "warehouse",
        )
    ]  # fmt: skip
    create_table_artifact(rows, key="crosswire-run-summary", description=f"crosswire run {run_id}")
    con = warehouse.connect(data_dir / warehouse.WAREHOUSE_FILE, read_only=True)
    try:
        sentences = con.execute(
            """SELECT c.canonical_text AS sentence, c.n_sources, array_to_string(c.sources, ', ') AS sources
               FROM sentence_clusters AS c
               WHERE c.n_sources >= 2 AND c.cluster_id IN (
                   SELECT s.cluster_id FROM sentences AS s JOIN documents AS d USING (doc_id)
                   WHERE d.run_id = ?)
               ORDER BY c.n_sources DESC, c.n_occurrences DESC, c.cluster_id LIMIT 10""",
            [run_id],
        ).fetch_arrow_table()
        quotes = con.execute(
            """SELECT canonical_text AS quote, array_to_string(speakers, ', ') AS speakers, n_sources,
                      array_to_string(sources, ', ') AS sources
               FROM shared_quotes
               WHERE quote_cluster_id IN (
                   SELECT q.quote_cluster_id FROM quotes AS q JOIN documents AS d USING (doc_id)
                   WHERE d.run_id = ?)
               ORDER BY n_sources DESC, n_quotes DESC, quote_cluster_id LIMIT 10""",
            [run_id],
        ).fetch_arrow_table()
    finally:
        con.close()
    create_table_artifact(
        sentences.to_pylist(), key="crosswire-top-shared-sentences", description="Sentences this run shares"
    )
    create_table_artifact(
        quotes.to_pylist(), key="crosswire-top-shared-quotes", description="Quotes this run shares"
    )
