"""What a run reports when it ends: its counts, the warehouse's totals, each stage's seconds."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from crosswire.store import warehouse


@dataclass
class RunSummary:
    run_id: str
    status: str
    documents_new: int
    documents_skipped: int
    files_rejected: int
    sentences: int
    clusters: int
    cross_source_clusters: int
    entities: int
    quotes: int
    validation: str
    warehouse: str
    data_docs: str | None
    rejected: list[tuple[str, str]]
    seconds_by_stage: dict[str, float]
    run_ids: list[str] = field(default_factory=list)  # one a slice: `runs` rows of this flow run

    def as_dict(self) -> dict:
        return asdict(self)


def summarize(
    db_path: Path,
    run_row: dict,
    *,
    validation: str,
    data_docs: str | None,
    rejected: list[tuple[str, str]],
    timings: dict[str, float],
) -> RunSummary:
    """The summary of one loaded run: its `runs` row and the warehouse's totals after it."""
    totals = warehouse.totals(db_path)
    return RunSummary(
        run_id=run_row["run_id"],
        status=run_row["status"],
        documents_new=run_row["n_documents_new"],
        documents_skipped=run_row["n_documents_skipped"],
        files_rejected=run_row["n_files_rejected"],
        sentences=totals["sentences"],
        clusters=totals["clusters"],
        cross_source_clusters=totals["cross_source_clusters"],
        entities=totals["entities"],
        quotes=totals["quotes"],
        validation=validation,
        warehouse=str(db_path),
        data_docs=data_docs,
        rejected=rejected,
        seconds_by_stage=timings,
        run_ids=[run_row["run_id"]],
    )


def combined(summaries: list[RunSummary]) -> RunSummary:
    """One summary of a flow run's slices: counts added up, warehouse totals from the last."""
    if len(summaries) == 1:
        return summaries[0]
    last = summaries[-1]
    seconds: dict[str, float] = {}
    for summary in summaries:
        for stage, value in summary.seconds_by_stage.items():
            seconds[stage] = round(seconds.get(stage, 0.0) + value, 3)
    return replace(
        last,
        run_ids=[run_id for summary in summaries for run_id in summary.run_ids],
        documents_new=sum(s.documents_new for s in summaries),
        documents_skipped=sum(s.documents_skipped for s in summaries),
        files_rejected=sum(s.files_rejected for s in summaries),
        rejected=[r for s in summaries for r in s.rejected],
        validation=f"{last.validation}, in each of {len(summaries)} slices",
        seconds_by_stage=seconds,
    )


def summary_rows(summary: dict) -> list[tuple[str, str]]:
    """The lines a user reads at the end of a run (`RunSummary.as_dict()`), as (label, value)."""
    return [
        ("documents new / skipped / rejected",
         f"{summary['documents_new']} / {summary['documents_skipped']} / {summary['files_rejected']}"),
        ("sentences", str(summary["sentences"])),
        ("sentence clusters", str(summary["clusters"])),
        ("clusters seen in 2+ sources", str(summary["cross_source_clusters"])),
        ("entities", str(summary["entities"])),
        ("quotes", str(summary["quotes"])),
        ("validation", summary["validation"]),
        ("warehouse", summary["warehouse"]),
        ("data docs", summary["data_docs"] or "-"),
    ]  # fmt: skip
