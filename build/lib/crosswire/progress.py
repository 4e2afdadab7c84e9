"""Progress reporting that stage code can call without knowing who listens.

Stage functions call `progress.track(stage, total)` and advance it. The CLI installs a rich
progress bar; a flow run attaches a Prefect progress artifact; tests install nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol


class Reporter(Protocol):
    def start(self, stage: str, total: int | None) -> None: ...
    def advance(self, stage: str, amount: int) -> None: ...
    def finish(self, stage: str) -> None: ...


_terminal: Reporter | None = None
_attached: list[Reporter] = []


def install(reporter: Reporter | None) -> None:
    """Set (or clear) the terminal reporter."""
    global _terminal
    _terminal = reporter


@contextmanager
def attached(reporter: Reporter) -> Iterator[None]:
    """Add a reporter for the duration of a block (a flow run's artifact reporter)."""
    _attached.append(reporter)
    try:
        yield
    finally:
        _attached.remove(reporter)


def _reporters() -> list[Reporter]:
    return ([_terminal] if _terminal else []) + list(_attached)


@contextmanager
def track(stage: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """`with track("read files", len(files)) as advance: ... advance(1)`."""
    reporters = _reporters()
    for reporter in reporters:
        reporter.start(stage, total)

    def advance(amount: int = 1) -> None:
        for reporter in reporters:
            reporter.advance(stage, amount)

    try:
        yield advance
    finally:
        for reporter in reporters:
            reporter.finish(stage)
