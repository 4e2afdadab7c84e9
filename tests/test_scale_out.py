"""Per-document stages on worker processes or a Dask cluster give the same tables as in-process."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from conftest import SEEDS
from crosswire.flows import runner
from crosswire.flows.pipeline import crosswire_pipeline
from crosswire.flows.runner import WarmWorkers

pytestmark = pytest.mark.slow

# run-specific columns (run ids, ingest times) left out: everything derived from the text stays
COMPARED = {
    "sentences": "doc_id, sentence_idx, start_char, end_char, text, cluster_id",
    "sentence_clusters": "cluster_id, canonical_text, n_occurrences, n_documents, n_sources, sources",
    "entities": "entity_id, name, label, aliases, n_mentions, n_documents, n_sources",
    "entity_mentions": "doc_id, start_char, end_char, text, label, entity_id, link_method",
    "quotes": "quote_id, text, quote_cluster_id, speaker, speaker_entity_id, speaker_method, cue",
}


def tables(data_dir: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return {
            t: con.execute(f"SELECT {cols} FROM {t} ORDER BY ALL").fetchall() for t, cols in COMPARED.items()
        }
    finally:
        con.close()


def test_dask_local_cluster_and_process_pool_match_the_in_process_run(
    prefect_harness, tmp_path: Path, monkeypatch
):
    from dask.distributed import LocalCluster

    in_process = tmp_path / "in-process"
    crosswire_pipeline(sources=[str(SEEDS)], data_dir=str(in_process), workers=2)  # too small for workers
    pooled = tmp_path / "pooled"
    # the seeds as if they were a run big enough for worker processes, started as it begins
    monkeypatch.setattr(runner, "WARM_WORKERS_BYTES", 0)
    started = []
    monkeypatch.setattr(runner, "WarmWorkers", lambda pool: started.append(pool) or WarmWorkers(pool))
    crosswire_pipeline(sources=[str(SEEDS)], data_dir=str(pooled), workers=2, batch_documents=1)
    monkeypatch.undo()
    assert started, "the pooled run started no worker processes"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        on_dask = tmp_path / "dask"
        crosswire_pipeline(
            sources=[str(SEEDS)],
            data_dir=str(on_dask),
            dask_address=cluster.scheduler_address,
            batch_documents=1,
        )
    expected = tables(in_process)
    assert expected["quotes"] and expected["entities"]
    assert tables(pooled) == expected
    assert tables(on_dask) == expected
