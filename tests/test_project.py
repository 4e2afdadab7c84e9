"""A crosswire project is a folder: its sql/ and expectations/ are what a run uses; outside any
project the copies packaged in the wheel are. The wheel holds the `crosswire` package only."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from conftest import PROJECT_ROOT, SEEDS
from crosswire.cli import app
from crosswire.project import PROJECT_DIR_VARIABLE, ProjectNotFound, find_project, packaged_default


def test_the_project_is_the_current_folder_else_the_variable_else_the_named_one(tmp_path, monkeypatch):
    second = tmp_path / "second-checkout"
    shutil.copytree(PROJECT_ROOT / "expectations", second / "expectations")
    monkeypatch.chdir(second)
    monkeypatch.delenv(PROJECT_DIR_VARIABLE, raising=False)
    here = find_project()
    assert here.expectations_dir == second / "expectations"
    assert here.sql_dir == packaged_default("sql")  # the folder it lacks comes from the package
    monkeypatch.setenv(PROJECT_DIR_VARIABLE, str(PROJECT_ROOT))
    assert find_project().expectations_dir == PROJECT_ROOT / "expectations"
    assert find_project(second).expectations_dir == second / "expectations"
    with pytest.raises(ProjectNotFound, match="does-not-exist"):
        find_project(tmp_path / "does-not-exist")


@pytest.mark.slow
def test_a_suite_edited_in_a_second_checkout_is_what_that_checkouts_run_checks(
    prefect_harness, tmp_path, monkeypatch
):
    second = tmp_path / "second-checkout"
    for folder in ("sql", "expectations", "seeds"):
        shutil.copytree(PROJECT_ROOT / folder, second / folder)
    suite_path = second / "expectations" / "documents.json"
    suite = json.loads(suite_path.read_text())
    suite["expectations"].append(
        {"type": "expect_table_row_count_to_equal", "kwargs": {"value": 999}, "notes": "edited here"}
    )
    suite_path.write_text(json.dumps(suite, indent=2))
    monkeypatch.chdir(second)
    monkeypatch.delenv(PROJECT_DIR_VARIABLE, raising=False)

    failed = CliRunner().invoke(app, ["run", "--data-dir", "data", "--workers", "1"])
    assert failed.exit_code == 1, failed.output
    assert "expect_table_row_count_to_equal" in failed.output
    assert not (second / "data" / "warehouse.duckdb").exists()

    passed = CliRunner().invoke(
        app, ["run", "--data-dir", "data", "--workers", "1", "--project-dir", str(PROJECT_ROOT)]
    )
    assert passed.exit_code == 0, passed.output


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(out),
            str(PROJECT_ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("crosswire-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_holds_only_the_crosswire_package_with_its_default_project_folders(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top_level == {"crosswire"}
    for inside in (
        "crosswire/flows/pipeline.py",
        "crosswire/defaults/sql/010_documents.sql",
        "crosswire/defaults/expectations/documents.json",
        "crosswire/defaults/seeds/000_9bed5375e8ab3aa3.txt",
    ):
        assert inside in names


@pytest.mark.slow
def test_the_wheel_installed_into_an_empty_folders_path_loads_the_seeds(wheel: Path, tmp_path: Path):
    site, empty = tmp_path / "site", tmp_path / "empty"
    empty.mkdir()
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    shutil.copytree(SEEDS, tmp_path / "articles")
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", PROJECT_DIR_VARIABLE)}
    env["PYTHONPATH"] = str(site)
    command = [sys.executable, "-m", "crosswire"]
    version = subprocess.run([*command, "--version"], cwd=empty, env=env, capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("crosswire "), version.stderr
    where = subprocess.run(
        [sys.executable, "-c", "import crosswire; print(crosswire.__file__)"], cwd=empty, env=env,
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert where.stdout.startswith(str(site))
    run = subprocess.run(
        [*command, "run", "--source", str(tmp_path / "articles"), "--data-dir", "data", "--workers", "1"],
        cwd=empty, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    con = duckdb.connect(str(empty / "data" / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM documents").fetchone() == (2,)
        assert con.execute("SELECT count(*) FROM who_said_what").fetchone()[0] > 0
    finally:
        con.close()
    assert sorted(os.listdir(empty)) == ["data"]
