"""A run's `runs` row goes into the warehouse as given, and a run with nothing new records it
without the imports a load of data needs."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from crosswire.batch import PreparedBatch, run_row
from crosswire.store import warehouse

RUN_ROW_ALONE = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from crosswire.batch import PreparedBatch, run_row
from crosswire.store import warehouse

data_dir = Path(sys.argv[1])
row = run_row("no-op", datetime.now(UTC), PreparedBatch.empty(7), 0,
              validation_success=True, n_expectations=0, n_expectations_failed=0)
warehouse.load_batch(data_dir / warehouse.WAREHOUSE_FILE, data_dir / "no-batch", row)
print("pandas imported:", "pandas" in sys.modules)
"""


def test_the_runs_row_reads_back_as_it_was_given_quotes_and_time_zones_included(tmp_path: Path):
    started = datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=UTC)
    row = run_row("it's run 1", started, PreparedBatch.empty(3), 2,
                  validation_success=False, n_expectations=177, n_expectations_failed=4)  # fmt: skip
    db_path = tmp_path / warehouse.WAREHOUSE_FILE

    warehouse.load_batch(db_path, tmp_path / "no-batch", row)
    warehouse.load_batch(db_path, tmp_path / "no-batch", row)  # a retry of the same run

    con = warehouse.connect(db_path, read_only=True)
    try:
        stored = con.execute("SELECT * FROM runs").fetch_arrow_table().to_pylist()
    finally:
        con.close()
    assert len(stored) == 1
    assert stored[0] == row | {"started_at": stored[0]["started_at"], "finished_at": stored[0]["finished_at"]}
    assert stored[0]["started_at"] == started
    assert stored[0]["finished_at"] == row["finished_at"]


def test_a_run_with_nothing_new_is_recorded_without_importing_pandas(tmp_path: Path):
    """Binding a Python value in a DuckDB query imports pandas (~0.4 s): a no-op re-run needs
    none of it."""
    con = warehouse.connect(tmp_path / warehouse.WAREHOUSE_FILE)
    try:
        warehouse.apply_schema(con)  # the warehouse an earlier run made
    finally:
        con.close()

    result = subprocess.run(
        [sys.executable, "-c", RUN_ROW_ALONE, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "pandas imported: False" in result.stdout
