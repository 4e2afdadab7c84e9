"""Against a real Prefect server: serve crosswire, trigger a run through the API, check artifacts."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import SEEDS

pytestmark = pytest.mark.slow

VENV_BIN = Path(sys.executable).parent
EXPECTED_ARTIFACTS = {
    "crosswire-run-summary",
    "crosswire-validation",
    "crosswire-top-shared-sentences",
    "crosswire-top-shared-quotes",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture
def prefect_server(tmp_path: Path):
    """`prefect server start` on a free loopback port, with a Prefect home of its own."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - closed after the process
    server = subprocess.Popen(
        [str(VENV_BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: _healthy(api), 120, "the Prefect server to answer /health")
        yield api, env
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def _healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_served_deployment_runs_through_the_api_and_publishes_artifacts(prefect_server, tmp_path: Path):
    api, env = prefect_server
    sources = tmp_path / "in"
    shutil.copytree(SEEDS, sources)
    serve_log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed after the process
    served = subprocess.Popen(
        [
            str(VENV_BIN / "crosswire"), "serve", "--cron", "0 0 1 1 *",
            "--source", str(sources), "--data-dir", str(tmp_path / "data"), "--name", "under-test",
        ],
        env=env,
        stdout=serve_log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=api, timeout=10) as client:
            deployment = wait_for(
                lambda: _deployment(client, "crosswire", "under-test"), 90, "the served deployment"
            )
            assert deployment["schedules"][0]["schedule"]["cron"] == "0 0 1 1 *"
            run = client.post(f"/deployments/{deployment['id']}/create_flow_run", json={}).json()
            state = wait_for(
                lambda: _final_state(client, run["id"]), 300, "the flow run to finish", interval=2
            )
            assert state == "COMPLETED", (tmp_path / "serve.log").read_text()[-3000:]
            artifacts = client.post(
                "/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [run["id"]]}}}
            ).json()
            assert {a["key"] for a in artifacts} >= EXPECTED_ARTIFACTS
            summary = next(a for a in artifacts if a["key"] == "crosswire-run-summary")
            assert {"metric": "documents_new", "value": "2"} in json.loads(summary["data"])
        assert (tmp_path / "data" / "warehouse.duckdb").exists()
    finally:
        served.terminate()
        served.wait(30)
        serve_log.close()


def _deployment(client: httpx.Client, flow: str, name: str) -> dict | None:
    response = client.get(f"/deployments/name/{flow}/{name}")
    return response.json() if response.status_code == 200 else None


def _final_state(client: httpx.Client, flow_run_id: str) -> str | None:
    state = client.get(f"/flow_runs/{flow_run_id}").json()["state"]["type"]
    return state if state in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"} else None
