"""Another process holding the warehouse or the data dir: bounded wait, clear failure, no damage."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from crosswire.store import warehouse
from crosswire.store.run_lock import RunLocked, run_lock

HOLD = """
import sys, time
{setup}
print("holding", flush=True)
time.sleep(60)
"""


def hold(setup: str) -> subprocess.Popen:
    """A child process that takes a lock and keeps it (an analyst's duckdb shell, a second run)."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD.format(setup=setup)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "holding"
    return child


def test_load_waits_then_fails_naming_the_file_and_the_holder_and_writes_nothing(tmp_path: Path):
    db_path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(db_path))
    warehouse.apply_schema(con)
    con.close()
    child = hold(f"import duckdb; con = duckdb.connect({str(db_path)!r})")
    try:
        began = time.monotonic()
        with pytest.raises(warehouse.WarehouseLocked) as error:
            warehouse.load_batch(db_path, tmp_path / "no-batch", {"run_id": "r1"}, wait_seconds=1.5)
        waited = time.monotonic() - began
    finally:
        child.kill()
        child.wait()
    message = str(error.value)
    assert str(db_path) in message and f"PID {child.pid}" in message and "--lock-wait" in message
    assert 1.5 <= waited < 10
    con = duckdb.connect(str(db_path), read_only=True)
    assert con.execute("SELECT count(*) FROM runs").fetchone() == (0,)
    con.close()


def test_a_second_run_on_the_same_data_dir_waits_then_fails(tmp_path: Path):
    child = hold(
        "import fcntl, pathlib; "
        f"handle = open(pathlib.Path({str(tmp_path)!r}) / '.crosswire.lock', 'a+'); "
        "fcntl.flock(handle, fcntl.LOCK_EX)"
    )
    try:
        with pytest.raises(RunLocked, match="--lock-wait"), run_lock(tmp_path, wait_seconds=0.5):
            pass
    finally:
        child.kill()
        child.wait()
    with run_lock(tmp_path, wait_seconds=0.5):  # released when the holder died
        assert (tmp_path / ".crosswire.lock").read_text().startswith("PID ")
