"""Ending one pair mid-cycle in the service: the API job, the mentee page's button, the
draft it makes (every other pair kept, the ended pair gone) and its publication."""

from __future__ import annotations

import re

from conftest import TOKEN, login, wait_for_job
from fastapi.testclient import TestClient

from service.app import create_app


def _pairs(client: TestClient, program: str, run_id: str) -> set[tuple[str, str]]:
    rows = client.get(f"{program}/runs/{run_id}/networks",
                      params={"per_page": 500}).json()["rows"]
    return {(r["mentee_id"], m) for r in rows for m in r["mentor_ids"].split(",") if m}


def test_end_a_pair_by_api_then_publish_the_draft(demo_copy):
    with TestClient(create_app(demo_copy.workspace, login_token=TOKEN)) as own:
        token = {"X-CSRF-Token": login(own)}
        program = f"/api/v1/programs/{demo_copy.program_id}"
        end = f"{program}/runs/{demo_copy.run_id}/pairs/end"
        before = _pairs(own, program, demo_copy.run_id)
        mentee, mentor = sorted(before)[0]
        other_mentor = next(m for e, m in sorted(before) if m != mentor
                            and (mentee, m) not in before)
        body = {"mentee_id": mentee.upper(), "mentor_id": mentor}
        assert own.post(end, json=body).status_code == 403  # no CSRF token
        refused = own.post(end, json={"mentee_id": mentee, "mentor_id": other_mentor},
                           headers=token)
        assert refused.status_code == 422 and refused.json()["field"] == "mentor_id"
        unknown = own.post(end, json={"mentee_id": "nobody@nowhere.example",
                                      "mentor_id": mentor}, headers=token)
        assert unknown.status_code == 404 and unknown.json()["field"] == "mentee_id"
        started = own.post(end, json=body, headers=token)
        assert started.status_code == 202, started.text
        job = wait_for_job(own, demo_copy.program_id, started.json()["id"])
        assert job["status"] == "done", job
        after = _pairs(own, program, job["run_id"])
        assert (mentee, mentor) not in after
        assert {p for p in before if p[0] != mentee} == {p for p in after if p[0] != mentee}
        draft = own.get(f"{program}/runs/{job['run_id']}").json()
        assert draft["run"]["base_run"] == demo_copy.run_id
        assert [(c["mentee_id"], c["mentor_id"]) for c in draft["diff"]["ended"]] == \
            [(mentee, mentor)]
        published = own.post(f"{program}/runs/{job['run_id']}/publish", headers=token)
        assert published.status_code == 200
        assert own.get(program).json()["program"]["published_run"] == job["run_id"]


def test_the_mentee_page_has_the_button_and_it_starts_the_job(demo_copy):
    with TestClient(create_app(demo_copy.workspace, login_token=TOKEN)) as own:
        token = login(own)
        program = f"/api/v1/programs/{demo_copy.program_id}"
        mentee, mentor = sorted(_pairs(own, program, demo_copy.run_id))[0]
        base = f"/programs/{demo_copy.program_id}/runs/{demo_copy.run_id}"
        page = own.get(f"{base}/mentees/{mentee}").text
        assert "End this pair and re-pair the mentee" in page
        form = re.search(r'<form method="post" action="([^"]+/pairs/end)"', page)
        assert form and form.group(1) == f"{base}/pairs/end"
        posted = own.post(form.group(1), data={"csrf_token": token, "mentee_id": mentee,
                                               "mentor_id": mentor}, follow_redirects=False)
        assert posted.status_code == 303
        job_id = int(posted.headers["location"].rsplit("/", 1)[1])
        assert wait_for_job(own, demo_copy.program_id, job_id)["status"] == "done"
