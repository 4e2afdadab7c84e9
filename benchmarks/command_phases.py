"""Where the wall clock of one `crosswire run` goes, phase by phase: the fixed costs.

    .venv/bin/python -m benchmarks.command_phases run --source seeds --data-dir /tmp/phases

Runs the command in this process, as the `crosswire` script does, and prints on stderr the
seconds since start at which each phase ended: the command line imported, the flow module (and
Prefect) imported, the Prefect API ready, the flow body started and ended, the flow engine
returned, the exit hooks ran. The run's own stage table (logged by the flow) gives the rest.
Point `PREFECT_API_URL` at a running server to measure what a user with one sees.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager

STARTED = time.perf_counter()


def mark(phase: str) -> None:
    print(f"[{time.perf_counter() - STARTED:7.3f} s] {phase}", file=sys.stderr, flush=True)


def main(argv: list[str]) -> None:
    import atexit

    atexit.register(mark, "exit hooks ran")  # registered first, so it runs after the others
    from crosswire import cli

    mark("command line imported")
    from crosswire.flows import pipeline, prefect_api

    mark("flow module and Prefect imported")
    api = prefect_api.prefect_api

    @contextmanager
    def timed_api(*args, **kwargs):
        with api(*args, **kwargs) as url:
            mark("Prefect API ready")
            yield url

    run_pipeline = pipeline.run_pipeline

    def timed_run_pipeline(config):
        mark("flow body started")
        try:
            return run_pipeline(config)
        finally:
            mark("flow body ended")

    print_summary = cli._print_summary

    def timed_print_summary(summary):
        mark("flow engine returned")
        print_summary(summary)

    prefect_api.prefect_api = timed_api
    pipeline.run_pipeline = timed_run_pipeline
    cli._print_summary = timed_print_summary
    sys.argv = ["crosswire", *argv]
    try:
        cli.app()
    finally:
        mark("command returned")


if __name__ == "__main__":  # a spawned process (the validator) imports this module too: not again
    main(sys.argv[1:])
