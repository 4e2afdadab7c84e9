"""Processes started before they are needed (`crosswire.early`): the command line starts the
validation process for the run to take; one no run takes is stopped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psutil

from crosswire.early import EarlyProcess
from crosswire.validate.suites import ValidatorProcess

SUITES = Path(__file__).resolve().parent.parent / "expectations"


def test_a_process_started_early_that_no_run_takes_is_stopped():
    ValidatorProcess.start_early(SUITES)
    (started,) = EarlyProcess._early.values()
    (pid,) = started._pool._processes
    assert psutil.pid_exists(pid)

    EarlyProcess.close_unused()

    assert not EarlyProcess._early
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_a_run_takes_the_process_started_for_its_suites_and_no_other(tmp_path):
    ValidatorProcess.start_early(SUITES)
    (started,) = EarlyProcess._early.values()
    try:
        assert ValidatorProcess.take(tmp_path) is None
        taken = ValidatorProcess.for_run(SUITES)
        assert taken is started and not EarlyProcess._early
        taken.close()
        assert ValidatorProcess.take(SUITES) is None
    finally:
        EarlyProcess.close_unused()


LAZY = """
import sys
from crosswire.early import import_lazily
import_lazily("wave")
import wave
print(type(sys.modules["wave"]).__name__)
print(callable(wave.open), type(sys.modules["wave"]).__name__)
"""


def test_a_package_imported_lazily_runs_on_first_use_and_then_works():
    result = subprocess.run([sys.executable, "-c", LAZY], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["_LazyModule", "True", "module"]
