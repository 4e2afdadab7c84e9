"""Data Docs render in a browser with the network off: a headless Chromium that resolves no host
shows the index and a failed run's page with their tables (skipped where chromium is absent)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from test_validate import DAMAGES, NEVER_LOADED, SUITES, sound_batch

from crosswire.validate.suites import validate_batch

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
OFFLINE = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--window-size=1200,900",
]


def chromium(*args: str) -> str:
    done = subprocess.run([CHROMIUM, *OFFLINE, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def data_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    docs = tmp_path_factory.mktemp("data_docs")
    validate_batch(sound_batch(), SUITES, run_id="sound-run", data_docs_dir=docs)
    damaged = DAMAGES["orphan doc_id"].corrupt(sound_batch())
    validate_batch(damaged, SUITES, run_id="damaged-run", data_docs_dir=docs)
    return docs


def test_the_index_and_a_failed_runs_page_render_their_tables_offline(data_docs: Path):
    index = chromium("--dump-dom", (data_docs / "index.html").as_uri())
    assert index.count("<tr>") == 3  # header, two runs
    assert "damaged-run" in index and "sound-run" in index
    page = chromium("--dump-dom", (data_docs / "runs" / "damaged-run.html").as_uri())
    assert "doc_id_in_documents" in page and NEVER_LOADED in page
    assert 'id="entity_mentions"' in page


def test_a_screenshot_of_a_run_page_is_not_blank(data_docs: Path, tmp_path: Path):
    """A page whose styles or content failed to load would look like about:blank."""
    shot, blank = tmp_path / "page.png", tmp_path / "blank.png"
    chromium(f"--screenshot={shot}", (data_docs / "runs" / "damaged-run.html").as_uri())
    chromium(f"--screenshot={blank}", "about:blank")
    assert shot.stat().st_size > 10 * blank.stat().st_size
