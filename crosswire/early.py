"""Processes started before they are needed.

A run's heaviest import is paid once per command: Great Expectations, for validation (~3.5 s of
CPU: it imports all its expectations, and with them scipy, altair and SQLAlchemy). An
`EarlyProcess` is one spawned process that pays such an import while the command line imports
Prefect and the flow reads, on the other core, and then does its one kind of work for the run
(`ValidatorProcess`). The command line starts it before Prefect is imported (`start_early`); the
run takes it (`take`); one no run took is stopped unused (`close_unused`).

If the process is lost, the work runs in the calling process instead. The process exits with the
command that started it, even one killed with -9.
"""

from __future__ import annotations

import atexit
import importlib.abc
import importlib.machinery
import importlib.util
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, ClassVar, Self


class EarlyProcess:
    """One process of its own that runs `prepare(*arguments)` as it starts, then the work it is
    handed (`run`)."""

    # started by the command line before Prefect is imported, until a run takes them
    _early: ClassVar[dict[tuple[type, tuple], EarlyProcess]] = {}

    def __init__(self, prepare: Callable[..., None], *arguments: Any) -> None:
        self._pool = ProcessPoolExecutor(
            1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(os.getpid(), prepare, arguments),
        )
        self._pool.submit(int)  # the executor starts its process on the first submit
        self._used = False

    @classmethod
    def start_early(cls, *arguments: Hashable) -> None:
        """Start `cls(*arguments)` now (the command line calls this first thing); `take` finds it."""
        if (cls, arguments) not in EarlyProcess._early:
            EarlyProcess._early[(cls, arguments)] = cls(*arguments)

    @classmethod
    def take(cls, *arguments: Hashable) -> Self | None:
        """The process started early with these arguments, if any; the caller closes it."""
        return EarlyProcess._early.pop((cls, arguments), None)  # type: ignore[return-value]

    @staticmethod
    def close_unused() -> None:
        """Stop the processes started early that no run took."""
        while EarlyProcess._early:
            EarlyProcess._early.popitem()[1].close()

    def run(self, work: Callable[..., Any], *arguments: Any, **keywords: Any) -> Any:
        """`work(*arguments, **keywords)` in the process; here, if the process was lost."""
        self._used = True
        try:
            return self._pool.submit(work, *arguments, **keywords).result()
        except BrokenProcessPool:
            return work(*arguments, **keywords)

    def close(self) -> None:
        """Stop the process. One never used may still be importing: it is killed, as Python would
        otherwise wait for the import at exit (seconds, on a run with nothing new); one that
        worked is idle and leaves at once when asked (killing it could leave the pool's queue
        lock taken)."""
        if not self._used:
            kill = getattr(self._pool, "kill_workers", None)  # Python 3.14+
            if kill is not None:
                kill()
            else:
                for process in list((getattr(self._pool, "_processes", None) or {}).values()):
                    process.kill()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _start(parent_pid: int, prepare: Callable[..., None], arguments: tuple) -> None:
    """In the process: exit with the process that started it, then prepare."""
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    prepare(*arguments)
    # when told to stop, leave without tearing its libraries down module by module (~1 s the run
    # would wait for); registered after their own exit hooks, so it runs first. Its results have
    # all gone back through the pool's pipe by then.
    atexit.register(os._exit, 0)


def _exit_with_parent(parent_pid: int, interval: float = 1.0) -> None:
    """A killed run (kill -9) cannot shut its executor down: without this watch its process would
    idle on forever, holding a few hundred MB."""
    while os.getppid() == parent_pid:
        time.sleep(interval)
    os._exit(0)


def import_lazily(*packages: str) -> None:
    """From now on in this process, the modules of `packages` are loaded on first use rather than
    when imported (`importlib.util.LazyLoader`, as the importlib docs describe). For libraries a
    library imports at its top and a run never calls: Great Expectations imports scipy.stats
    and altair (~1.8 s of its ~3.6 s) for expectations crosswire's suites do not use."""
    sys.meta_path.insert(0, _LazyFinder(frozenset(packages)))


class _LazyFinder(importlib.abc.MetaPathFinder):
    def __init__(self, packages: frozenset[str]) -> None:
        self.packages = packages

    def find_spec(
        self, name: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name.partition(".")[0] not in self.packages:
            return None
        for finder in sys.meta_path:  # the finder that would have found it, without this one
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = importlib.util.LazyLoader(spec.loader)
                return spec
        return None
