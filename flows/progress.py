"""Progress reporting that stage code can call without knowing who listens.

Stage functions call `progress.track(stage, total)` and advance it; the CLI installs a rich
progress bar, a deployment can install a Prefect progress artifact, and tests install nothing
(the default reporter does nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol


class Reporter(Protocol):
    def start(self, stage: str, total: int | None) -> None: ...
    def advance(self, stage: str, amount: int) -> None: ...
    def finish(self, stage: str) -> None: ...


class _Silent:
    def start(self, stage: str, total: int | None) -> None:
        pass

    def advance(self, stage: str, amount: int) -> None:
        pass

    def finish(self, stage: str) -> None:
        pass


_reporter: Reporter = _Silent()


def install(reporter: Reporter | None) -> None:
    global _reporter
    _reporter = reporter or _Silent()


@contextmanager
def track(stage: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """`with track("read files", len(files)) as advance: ... advance(1)`."""
    _reporter.start(stage, total)
    try:
        yield lambda amount=1: _reporter.advance(stage, amount)
    finally:
        _reporter.finish(stage)
