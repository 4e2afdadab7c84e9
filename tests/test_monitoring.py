"""What a run shows in the Prefect UI: a task graph that draws the data flow, each task's own
counts in its log, stage times as a table, and artifact tables a person can read."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from uuid import UUID

import pytest

from conftest import SEEDS, query
from crosswire.flows import artifacts
from crosswire.flows.pipeline import crosswire_pipeline

# each task and the tasks whose results it receives
DATA_FLOW = {
    "upgrade-warehouse": set(),
    "read-warehouse-state": {"upgrade-warehouse"},
    "discover-files": set(),
    "read-normalize-segment": {"discover-files", "read-warehouse-state"},
    "deduplicate": {"read-normalize-segment"},
    "extract": {"read-normalize-segment", "read-warehouse-state"},
    "extract-dates": {"read-normalize-segment"},
    "cluster-quotes": {"extract"},
    "write-parquet": {"read-normalize-segment", "deduplicate", "extract", "extract-dates", "cluster-quotes"},
    "validate": {"write-parquet"},
    "load-warehouse": {"write-parquet", "validate"},
}
LONG_QUOTE = (
    "We will keep talking to every party in this dispute until the ports reopen, the lorries move "
    "again and the families who depend on them are paid what they are owed"
)


def test_stage_seconds_read_as_a_table():
    table = artifacts.stage_seconds_table({"extract": 3.0, "validate": 1.0})
    assert table.splitlines() == [
        "stage      seconds   share",
        "extract      3.000   75.0%",
        "validate     1.000   25.0%",
        "total        4.000",
    ]


@pytest.fixture(scope="module")
def monitored_run(prefect_harness, tmp_path_factory) -> tuple[str, Path]:
    """One flow run over the seeds and two outlets sharing a two-word quote and a long one."""
    sources = tmp_path_factory.mktemp("in")
    shutil.copytree(SEEDS, sources / "seeds")
    lines = [
        {
            "source": outlet,
            "title": "Ports",
            "text": f'DOVER ({outlet}) - The minister spoke in Dover on Monday. "{LONG_QUOTE}," she said.\n\n'
            f'Asked whether the ports would close again, she said: "Absolutely not."',
        }
        for outlet in ("Courier", "Gazette")
    ]
    (sources / "wire.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    data_dir = tmp_path_factory.mktemp("data")
    summary = crosswire_pipeline(sources=[str(sources)], data_dir=str(data_dir))
    assert summary["documents_new"] == 4
    return summary["run_id"], data_dir


@pytest.mark.slow
def test_the_task_graph_draws_the_data_flow(monitored_run):
    run_id, _ = monitored_run
    task_runs = asyncio.run(_task_runs(run_id))
    names = {run.id: run.name.rsplit("-", 1)[0] for run in task_runs}
    drawn = {
        names[run.id]: {names[i.id] for inputs in run.task_inputs.values() for i in inputs}
        for run in task_runs
    }
    assert drawn == DATA_FLOW


@pytest.mark.slow
def test_each_task_logs_its_own_counts(monitored_run):
    run_id, _ = monitored_run
    logs = asyncio.run(_task_logs(run_id))
    assert "3 files found, 0 rejected" in logs["discover-files"]
    assert "3 files: 4 new documents (0 already loaded)" in logs["read-normalize-segment"]
    assert "4 documents: " in logs["extract"] and " quotes" in logs["extract"]
    assert "validation passed (" in logs["validate"]


@pytest.mark.slow
def test_shared_quote_tables_put_short_columns_first_cut_long_quotes_and_skip_fragments(monitored_run):
    run_id, data_dir = monitored_run
    sentences, quotes = artifacts.top_shared(data_dir, run_id)
    assert list(quotes[0]) == ["n_sources", "speakers", "sources", "quote"]
    assert list(sentences[0]) == ["n_sources", "sources", "sentence"]
    assert all(len(row["quote"]) <= artifacts.TEXT_CHARS for row in quotes)
    assert all(len(row["sentence"]) <= artifacts.TEXT_CHARS for row in sentences)
    texts = [row["quote"] for row in quotes]
    assert any(text.startswith("We will keep talking") and text.endswith(" …") for text in texts)
    shared = query(data_dir / "warehouse.duckdb", "SELECT canonical_text FROM shared_quotes")
    assert ("Absolutely not.",) in shared  # shared, but too short to rank
    assert not any("Absolutely" in text for text in texts)


async def _task_runs(flow_run_id: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async with get_client() as client:
        return await client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[UUID(flow_run_id)]))
        )


async def _task_logs(flow_run_id: str) -> dict[str, str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogHandler

    await APILogHandler.aflush()  # logs are sent in the background

    async with get_client() as client:
        task_runs = {run.id: run.name.rsplit("-", 1)[0] for run in await _task_runs(flow_run_id)}
        logs = await client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[UUID(flow_run_id)]))
        )
    by_task: dict[str, str] = {}
    for log in logs:
        if log.task_run_id in task_runs:
            name = task_runs[log.task_run_id]
            by_task[name] = by_task.get(name, "") + log.message + "\n"
    return by_task
