"""Jobs beyond one server process: a cancel any server (or a restarted one) can give, and
the "why not" measured in a worker with progress instead of the request thread."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest
from conftest import TOKEN, TestClient, csrf, login, wait_for_job

from service import actions, db
from service.app import create_app
from service.auth import issue_login_token
from service.jobs import end_process, process_running


def api(demo, path: str = "") -> str:
    return f"/api/v1/programs/{demo.program_id}{path}"


def _running(client, demo, job_id: int, timeout: float = 60.0) -> dict:
    """The job once its worker reported a stage (the solve has begun)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(api(demo, f"/jobs/{job_id}")).json()
        if job["status"] == "running" and job["pid"]:
            return job
        assert job["status"] in ("queued", "running"), job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not start within {timeout} s")


def _ended(process, timeout: float = 15.0) -> bool:
    process.join(timeout)
    return not process.is_alive()


def test_another_server_process_cancels_a_running_job(demo_copy):
    with TestClient(create_app(demo_copy.workspace, login_token=TOKEN)) as starter:
        token = login(starter)
        job = starter.post(api(demo_copy, "/jobs"), json={"objective": "fair"},
                           headers={"X-CSRF-Token": token}).json()
        running = _running(starter, demo_copy, job["id"])
        worker = starter.app.state.runner._processes[job["id"]]
        # Another process of the server never saw this worker: it cancels by the db.
        issue_login_token(demo_copy.workspace.db_path, "other-process-token")
        with TestClient(create_app(demo_copy.workspace, first=False)) as other:
            token = login(other, "other-process-token")
            assert job["id"] not in other.app.state.runner._processes
            cancelled = other.post(api(demo_copy, f"/jobs/{job['id']}/cancel"),
                                   headers={"X-CSRF-Token": token})
            assert cancelled.status_code == 200, cancelled.text
            assert cancelled.json()["status"] == "cancelled"
            assert cancelled.json()["cancel_requested_at"]
        assert _ended(worker), "the worker did not stop on the recorded cancel"
        assert not process_running(running["pid"])
        runs = demo_copy.workspace.runs_dir(demo_copy.program_id)
        assert not list(runs.glob(".*partial")) and not (runs / job["run_id"]).exists()
        with db.opened(demo_copy.workspace.db_path) as connection:
            assert db.get_run(connection, job["run_id"]) is None
            final = db.get_job(connection, job["id"])
        assert final is not None and final.status == "cancelled"


def test_a_worker_that_outlived_its_server_stops_after_the_restart(demo_copy):
    with TestClient(create_app(demo_copy.workspace, login_token=TOKEN)) as old:
        token = login(old)
        job = old.post(api(demo_copy, "/jobs"), json={"objective": "fair"},
                       headers={"X-CSRF-Token": token}).json()
        _running(old, demo_copy, job["id"])
        worker = old.app.state.runner._processes.pop(job["id"])  # as if the server died
        create_app(demo_copy.workspace)  # the restart
        assert _ended(worker), "an orphaned worker kept solving after the restart"
    with db.opened(demo_copy.workspace.db_path) as connection:
        final = db.get_job(connection, job["id"])
        assert db.get_run(connection, job["run_id"]) is None
    assert final is not None and final.status == "failed" and final.error is not None
    assert "interrupted" in final.error
    runs = demo_copy.workspace.runs_dir(demo_copy.program_id)
    assert not (runs / job["run_id"]).exists()


def test_a_worker_deaf_to_the_cancel_is_ended_by_its_pid():
    stubborn = subprocess.Popen([sys.executable, "-c",
                                 "import signal, time; signal.signal(signal.SIGTERM, "
                                 "signal.SIG_IGN); time.sleep(60)"])
    try:
        time.sleep(0.3)
        started = time.monotonic()
        assert end_process(stubborn.pid, grace=0.5) is True
        stubborn.wait(5)
        assert stubborn.returncode == -9 and time.monotonic() - started < 8
    finally:
        if stubborn.poll() is None:
            stubborn.kill()


def test_why_not_runs_as_a_job_with_progress_for_large_runs(client, demo, monkeypatch):
    # The sample is small; a run counts as large above this many mentees.
    monkeypatch.setattr(actions, "QUICK_WHY_NOT_ABOVE", 10)
    run = f"/programs/{demo.program_id}/runs/{demo.run_id}"
    row = client.get(f"/api/v1{run}/networks", params={"status": "placed",
                                                        "per_page": 1}).json()["rows"][0]
    mentee = row["mentee_id"]
    audit = client.get(f"/api/v1{run}/mentees/{mentee}").json()["audit"]
    other = audit["alternatives"][0]["mentor_id"]
    page = client.get(f"{run}/mentees/{mentee}", params={"vs": other})
    assert page.status_code == 200
    # Above the bound the cost is not measured in the request, and cannot be asked for.
    assert re.search(r'<form method="post" action="[^"]+/why-not"', page.text)
    refused = client.get(f"/api/v1{run}/mentees/{mentee}", params={"vs": other,
                                                                   "solve": True})
    assert refused.status_code == 409 and refused.json()["field"] == "solve"
    # The button: a job with its own page, which leads to the answer.
    started = client.post(f"{run}/mentees/{mentee}/why-not",
                          data={"vs": other, "csrf_token": client.csrf},
                          follow_redirects=False)
    assert started.status_code == 303
    job_id = int(started.headers["location"].rsplit("/", 1)[1])
    job_page = client.get(started.headers["location"]).text
    assert "Why-not job" in job_page
    job = wait_for_job(client, demo.program_id, job_id)
    assert job["status"] == "done" and job["kind"] == "why_not", job
    answer = job["result"]
    assert answer["mentor_c"] == other and answer["forced"] is not None
    done_page = client.get(f"/programs/{demo.program_id}/jobs/{job_id}").text
    link = re.search(r'href="([^"]+answer=' + str(job_id) + r'[^"]*)"', done_page)
    assert link, done_page
    shown = client.get(link.group(1).replace("&amp;", "&"))
    assert shown.status_code == 200 and "data-why-not" in shown.text
    for reason in answer["reasons"]:
        assert reason["sentence"].replace("'", "&#39;") in shown.text
    as_json = client.get(f"/api/v1{run}/mentees/{mentee}", params={"answer": job_id}).json()
    assert as_json["why_not"] == answer
    # The answer belongs to its mentee; another's page refuses it.
    someone = client.get(f"/api/v1{run}/networks", params={"per_page": 2}).json()["rows"]
    stranger = next(r["mentee_id"] for r in someone if r["mentee_id"] != mentee)
    assert client.get(f"/api/v1{run}/mentees/{stranger}",
                      params={"answer": job_id}).status_code == 404


def test_why_not_job_api_checks_its_input(client, demo):
    run = f"/api/v1/programs/{demo.program_id}/runs/{demo.run_id}"
    row = client.get(f"{run}/networks", params={"per_page": 1}).json()["rows"][0]
    base = f"{run}/mentees/{row['mentee_id']}/why-not"
    assert client.post(base, json={"vs": "x"}).status_code == 403
    missing = client.post(base, json={}, headers=csrf(client))
    assert missing.status_code == 422 and missing.json()["field"] == "vs"
    unknown = client.post(base, json={"vs": "Dr. Nobody"}, headers=csrf(client))
    assert unknown.status_code == 404 and "no mentor has the id" in unknown.json()["detail"]


@pytest.mark.slow
def test_several_server_processes_share_logins_jobs_and_cancels(tmp_path):
    """``serve --workers 2``: each request may land in either process (a new connection
    each here); the session, the job's progress and its cancel hold across them."""
    import httpx

    from benchmarks.service_load import serve

    with serve(tmp_path / "workspace", workers=2) as server:
        login_response = httpx.post(f"{server.base}/api/v1/session",
                                    json={"token": server.token}, timeout=30)
        assert login_response.status_code == 200
        cookies = dict(login_response.cookies)
        token = {"X-CSRF-Token": login_response.json()["csrf_token"]}

        def call(method: str, path: str, **kwargs):
            with httpx.Client(base_url=server.base, cookies=cookies, timeout=60) as fresh:
                return fresh.request(method, path, **kwargs)

        assert httpx.post(f"{server.base}/api/v1/session", json={"token": server.token},
                          timeout=30).status_code == 401
        job = call("POST", "/api/v1/programs/demo/jobs", json={"objective": "fair"},
                   headers=token).json()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = call("GET", f"/api/v1/programs/demo/jobs/{job['id']}").json()
            if state["pid"]:
                break
            time.sleep(0.1)
        assert state["pid"], state
        cancelled = call("POST", f"/api/v1/programs/demo/jobs/{job['id']}/cancel",
                         headers=token)
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        stop = time.monotonic() + 15
        while process_running(state["pid"]) and time.monotonic() < stop:
            time.sleep(0.1)
        assert not process_running(state["pid"])
        assert call("GET", "/api/v1/programs/demo/runs").json() == []
