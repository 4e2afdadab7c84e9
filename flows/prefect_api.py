"""Which Prefect API a run reports to.

With `PREFECT_API_URL` set (a `prefect server start` or Prefect Cloud), runs go there and show in
its UI. Without it, Prefect would start a temporary server inside every process that runs a
flow or a task, so worker processes would each pay ~12 s for their own. `prefect_api()` starts
one temporary server on loopback for the whole command instead and exports its URL, so worker
processes (process pool, a local Dask cluster) report to the same one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no telemetry off this machine

STARTUP_TIMEOUT_SECONDS = 120


@contextmanager
def prefect_api() -> Iterator[str | None]:
    """Yield the API URL in use, starting a temporary loopback server when none is configured."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    configured = PREFECT_API_URL.value()
    if configured:
        yield configured
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    # Prefect's 20 s default is too short for a cold start on a busy two-core machine
    server.start(
        timeout=max(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value(), STARTUP_TIMEOUT_SECONDS)
    )
    # stopped at interpreter exit, after Prefect has drained its log and event queues
    os.environ["PREFECT_API_URL"] = server.api_url
    try:
        with temporary_settings({PREFECT_API_URL: server.api_url}):
            yield server.api_url
    finally:
        os.environ.pop("PREFECT_API_URL", None)
