"""Which Prefect API a run reports to.

With `PREFECT_API_URL` set (a `prefect server start` or Prefect Cloud), runs go there and show in
its UI. Without it, Prefect would start a temporary server inside every process that runs a
flow or a task, so worker processes would each pay ~12 s for their own. `prefect_api()` starts
one temporary server on loopback for the whole command instead, says so once with how to keep
one running, and exports its URL, so worker processes (process pool, a local Dask cluster)
report to the same one.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no telemetry off this machine

STARTUP_TIMEOUT_SECONDS = 120
TEMPORARY_SERVER_NOTE = (
    "No Prefect server configured (PREFECT_API_URL is unset): starting a temporary one for this "
    "command; its runs vanish when the command ends. To keep runs and watch them in the UI, "
    "start one in another terminal with `prefect server start` and point crosswire at it once with "
    "`prefect config set PREFECT_API_URL=http://127.0.0.1:4200/api` (README: Monitor in the Prefect UI)."
)


def _to_stderr(note: str) -> None:
    print(note, file=sys.stderr)


@contextmanager
def prefect_api(announce: Callable[[str], None] = _to_stderr) -> Iterator[str | None]:
    """Yield the API URL in use, starting a temporary loopback server when none is configured
    (after passing `TEMPORARY_SERVER_NOTE` to `announce`)."""
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

    announce(TEMPORARY_SERVER_NOTE)
    server = SubprocessASGIServer()
    # Prefect's 20 s default is too short for a cold start on a busy two-core machine
    with _without_prefects_own_note():
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


@contextmanager
def _without_prefects_own_note() -> Iterator[None]:
    """Drop Prefect's "Starting temporary server" log line: the note said it, for crosswire."""
    logger = logging.getLogger("prefect")  # the logger SubprocessASGIServer.start logs to

    def keep(record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Starting temporary server")

    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)
