"""Shared fixtures. The Prefect test harness (a temporary API server, ~12 s to start) is
started once per session and only by tests that run the flow."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:  # the tests import `benchmarks`, which runs with -m from the root
    sys.path.insert(0, str(PROJECT_ROOT))
SEEDS = PROJECT_ROOT / "seeds"
SHARED_BBC = PROJECT_ROOT.parent / "shared" / "corpora" / "bbc"


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """The two seed articles in a folder of their own."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


def query(db_path: Path, sql: str) -> list[tuple]:
    """Rows of `sql` on a read-only connection to the warehouse at `db_path`."""
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def bbc_file(relative: str) -> Path:
    """A file of the shared BBC corpus; the test is skipped where the corpus is absent."""
    path = SHARED_BBC / relative
    if not path.exists():
        pytest.skip(f"shared BBC corpus not available ({path})")
    return path
