"""A bounded load test on 127.0.0.1: users browse the published sample run while a match
job runs in its worker process; no request fails and the pages stay fast.

Fixed size (USERS sessions, REQUESTS page loads, LIMIT seconds at most), so it cannot run
away. The 10,000 × 2,000 version is ``benchmarks/bench_service.py`` (not in the test run).
"""

from __future__ import annotations

import httpx
import pytest

from benchmarks.service_load import browse, browsing_paths, serve, wait_for_job

USERS, REQUESTS, LIMIT = 20, 300, 90.0
#: p95 bound for a shared 2-core machine with a solve running beside the server. The
#: figure (printed) is 0.5-0.75 s here when the machine is quiet and reached 1.2 s with a
#: load average of 13; a solve in the event loop would hold every page for its seconds.
P95_SECONDS = 3.0


@pytest.mark.slow
def test_pages_stay_fast_while_a_match_runs(tmp_path, capsys):
    with serve(tmp_path / "workspace") as server, httpx.Client(base_url=server.base,
                                                                timeout=60) as client:
        csrf = client.post("/api/v1/session", json={"token": server.token}).json()[
            "csrf_token"]
        headers = {"X-CSRF-Token": csrf}
        first = client.post("/api/v1/programs/demo/jobs", json={}, headers=headers).json()
        run_id = wait_for_job(client, "demo", first["id"], 180)["run_id"]
        assert client.post(f"/api/v1/programs/demo/runs/{run_id}/publish",
                           headers=headers).status_code == 200
        paths = browsing_paths(client, "demo", run_id)
        # The explanation cache is per process: warm it as the first visitor would.
        assert client.get(paths[-1]).status_code == 200
        second = client.post("/api/v1/programs/demo/jobs", json={"objective": "fair"},
                             headers=headers).json()
        result = browse(server.base, dict(client.cookies), paths, users=USERS,
                        requests=REQUESTS, limit=LIMIT)
        during = client.get(f"/api/v1/programs/demo/jobs/{second['id']}").json()
        job = wait_for_job(client, "demo", second["id"], 180)
    with capsys.disabled():
        print(f"\nservice load (sample, {USERS} users, match running): {result.line()}")
    assert result.errors == []
    assert result.requests == REQUESTS
    assert during["status"] in ("queued", "running", "done") and job["status"] == "done"
    assert result.p95 <= P95_SECONDS
