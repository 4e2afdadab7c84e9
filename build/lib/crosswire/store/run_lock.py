"""One run at a time per data dir: an exclusive `flock` on `<data-dir>/.crosswire.lock`.

Prefect concurrency limits need a server-side setting per deployment; a file lock protects the
data dir whoever starts the run (CLI, a served deployment, a test), and the kernel releases it
when the process dies, so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class RunLocked(RuntimeError):
    """Another crosswire run holds the data dir."""


@contextmanager
def run_lock(data_dir: Path, *, wait_seconds: float = 60.0) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / ".crosswire.lock"
    with open(path, "a+") as handle:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise RunLocked(
                        f"another crosswire run ({holder}) is using {data_dir}; waited {wait_seconds:g} s. "
                        "Let it finish, or pass --lock-wait with more seconds."
                    ) from None
                time.sleep(0.25)
        handle.seek(0)
        handle.truncate()
        handle.write(f"PID {os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
