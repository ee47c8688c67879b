"""Fixtures of the service tests: a demo workspace with one finished run, and clients.

The demo workspace is made once per test session (a match takes a few seconds in its
worker process); tests that change state beyond locks and publishing make their own.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# Starlette's test client warns that it will move to httpx2 (not released here).
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from fastapi.testclient import TestClient  # noqa: E402

from service.app import create_app  # noqa: E402
from service.demo import load_demo  # noqa: E402
from service.workspace import Workspace  # noqa: E402

TOKEN = "test-login-token-0123456789"
SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


@dataclass
class Demo:
    """The shared workspace: the demo program and its first run."""

    workspace: Workspace
    program_id: str
    run_id: str


def login(client: TestClient, token: str = TOKEN) -> str:
    """Log the client in with the start-up token; return the CSRF token."""
    response = client.post("/api/v1/session", json={"token": token})
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]


def wait_for_job(client: TestClient, program_id: str, job_id: int, timeout: float = 180.0
                 ) -> dict:
    """Poll a job until it leaves queued/running; return its final record."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/programs/{program_id}/jobs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} still running after {timeout} s")


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    workspace = Workspace.open(tmp_path_factory.mktemp("service") / "workspace")
    program_id = load_demo(workspace)
    with TestClient(create_app(workspace, login_token=TOKEN)) as client:
        csrf = login(client)
        started = client.post(f"/api/v1/programs/{program_id}/jobs", json={},
                              headers={"X-CSRF-Token": csrf})
        assert started.status_code == 202, started.text
        job = wait_for_job(client, program_id, started.json()["id"])
        assert job["status"] == "done", job
    return Demo(workspace, program_id, job["run_id"])


@pytest.fixture()
def demo_copy(demo: Demo, tmp_path: Path) -> Demo:
    """A private copy of the demo workspace, for tests that change files or publish."""
    import shutil

    target = Workspace.open(shutil.copytree(demo.workspace.root, tmp_path / "workspace"))
    return Demo(target, demo.program_id, demo.run_id)


@pytest.fixture()
def anonymous(demo: Demo) -> Iterator[TestClient]:
    """A client of the demo workspace that has not logged in."""
    with TestClient(create_app(demo.workspace, login_token=TOKEN)) as client:
        yield client


@pytest.fixture()
def client(anonymous: TestClient) -> TestClient:
    """A logged-in client; its CSRF token is in ``client.csrf`` and sent by ``headers``."""
    anonymous.csrf = login(anonymous)
    anonymous.headers.update({"X-Test": "1"})
    return anonymous


def csrf(client: TestClient) -> dict[str, str]:
    """The header carrying the client's CSRF token."""
    return {"X-CSRF-Token": client.csrf}
