"""Where a run's tasks execute: the flow's own task runner, worker processes (Prefect's
`ProcessPoolTaskRunner`), or a Dask cluster (prefect-dask), with progress reported.

Every task is handed its inputs quoted (Prefect would walk every row of a batch looking for
futures: 1.4 s for 42,000 sentence rows) and told, as `upstream`, which task runs produced them:
parameter name -> task run ids. That is what draws the data flow in the UI's task graph; a
`TaskRunResult` is a small handle, so no batch is walked, waited on or sent anywhere for it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from prefect import Task
from prefect.client.schemas.objects import TaskRunResult
from prefect.context import FlowRunContext
from prefect.futures import PrefectFuture
from prefect.task_runners import ProcessPoolTaskRunner
from prefect.utilities.annotations import quote

from crosswire import progress
from crosswire.config import WARM_WORKERS_BYTES, RunConfig

Upstream = dict[str, list[UUID]]  # parameter -> ids of the task runs whose results it holds


def submit(
    task: Task, parameters: dict, upstream: Upstream | None = None, runner: Any = None
) -> PrefectFuture:
    """Run `task` on `runner` (default: the flow run's task runner) with an edge in the task
    graph from each upstream task run to the parameter it feeds."""
    runner = runner or FlowRunContext.get().task_runner
    dependencies = {name: {TaskRunResult(id=i) for i in ids} for name, ids in (upstream or {}).items()}
    return runner.submit(task, parameters, dependencies=dependencies)


class WarmWorkers:
    """A slice's worker processes, started early (`warm_workers`), and their release."""

    def __init__(self, runner: Any) -> None:
        self.runner = runner
        self.releasing: threading.Thread | None = None

    def release_in_background(self) -> None:
        """Stop the workers while the flow goes on: they are done once the slice is extracted,
        and each takes ~1 s to exit (a wait the run would otherwise end with)."""
        if self.releasing is None:
            self.releasing = threading.Thread(target=self.runner.__exit__, args=(None, None, None))
            self.releasing.start()


@contextmanager
def warm_workers(
    config: RunConfig, warm_up: Task, parameters: dict, total_bytes: int
) -> Iterator[WarmWorkers | None]:
    """The worker processes of a slice, started now and each running `warm_up` (loading the spaCy
    model) while the flow reads, normalizes and segments: extraction then finds them ready
    instead of paying ~3 s of start-up. None (nothing started) for a small run, one worker, or a
    Dask cluster, whose workers live on their own."""
    if config.dask_address or config.workers <= 1 or total_bytes < WARM_WORKERS_BYTES:
        yield None
        return
    runner = _task_runner(config).__enter__()
    workers = WarmWorkers(runner)
    try:
        for _ in range(config.workers):  # one each: an idle-less pool starts a process per submit
            submit(warm_up, parameters, runner=runner)
        yield workers
    finally:
        if workers.releasing is None:
            runner.__exit__(None, None, None)
        else:
            workers.releasing.join()


def run_batches(
    task: Task,
    jobs: list[dict],
    config: RunConfig,
    stage: str,
    upstream: Upstream | None = None,
    workers: WarmWorkers | None = None,
) -> tuple[list, list[UUID]]:
    """Run a task over jobs: on the run's warm `workers` when it has them, on the Dask cluster at
    `dask_address`, else on the flow's task runner one job at a time (a run too small to be given
    workers: starting processes and loading the model in each would cost it more than the work
    they would share). Returns the results in job order and the task runs' ids."""
    results, ids = [], []
    with progress.track(stage, len(jobs)) as advance:

        def collect(futures: list[PrefectFuture]) -> None:
            for future in futures:
                results.append(future.result())
                ids.append(future.task_run_id)
                advance(1)

        if workers is not None and workers.releasing is None:
            collect([submit(task, quoted(job), upstream, workers.runner) for job in jobs])
        elif config.dask_address:
            with _task_runner(config) as runner:
                # Dask's runner hands a quoted parameter on still wrapped: the jobs go unquoted
                collect([submit(task, job, upstream, runner) for job in jobs])
        else:
            for job in jobs:
                collect([submit(task, quoted(job), upstream)])
    return results, ids


def quoted(parameters: dict) -> dict:
    """Task parameters wrapped in Prefect's `quote`: Prefect walks every element of a parameter
    looking for futures (1.4 s for 42,000 sentence rows); batches hold none."""
    return {name: quote(value) for name, value in parameters.items()}


def _task_runner(config: RunConfig):
    if config.dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=config.dask_address)
    return ProcessPoolTaskRunner(max_workers=config.workers)
