"""Year 2 in the service: a corpus program set up in the wizard is matched and published,
then the month-12 feedback sheet gives a plan (kept / ended / unsure, with reasons), the
rematch runs as a job, and its draft keeps the "yes" pairs, never remakes the "no" pairs,
and is published like any run; the program's history lists both runs with their config.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import csrf, wait_for_job
from fastapi.testclient import TestClient
from test_service_wizard import PROGRAMS, logged_in, start

CIVIL = PROGRAMS / "civil_service"


@pytest.fixture()
def fresh(tmp_path: Path) -> Iterator[TestClient]:
    """A logged-in client of an empty workspace."""
    yield from logged_in(tmp_path)


def published_program(client: TestClient) -> tuple[str, str]:
    """A program saved by the wizard, matched and published: (program id, run id)."""
    wizard_id = start(client, CIVIL, "Civil service")["wizard_id"]
    program_id = client.post(f"/api/v1/wizards/{wizard_id}/save",
                             headers=csrf(client)).json()["program_id"]
    started = client.post(f"/api/v1/programs/{program_id}/jobs", json={},
                          headers=csrf(client))
    assert started.status_code == 202, started.text
    job = wait_for_job(client, program_id, started.json()["id"])
    assert job["status"] == "done", job
    published = client.post(f"/api/v1/programs/{program_id}/runs/{job['run_id']}/publish",
                            headers=csrf(client))
    assert published.status_code == 200, published.text
    return program_id, job["run_id"]


@pytest.fixture(scope="module")
def year_one_workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A workspace holding the wizard's civil-service program, matched and published once
    for the module (a match job is most of a test's time): (its folder, program, run)."""
    folder = tmp_path_factory.mktemp("year_one")
    for client in logged_in(folder):
        program_id, run_id = published_program(client)
    return folder, program_id, run_id


@pytest.fixture()
def published(year_one_workspace, tmp_path: Path) -> Iterator[tuple[TestClient, str, str]]:
    """A logged-in client of a private copy of that workspace: (client, program, run)."""
    folder, program_id, run_id = year_one_workspace
    shutil.copytree(folder / "workspace", tmp_path / "workspace")
    for client in logged_in(tmp_path):
        yield client, program_id, run_id


def run_pairs(client: TestClient, program_id: str, run_id: str) -> list[tuple[str, str]]:
    response = client.get(f"/api/v1/programs/{program_id}/runs/{run_id}/files/pairings.csv")
    assert response.status_code == 200, response.text
    text = response.content.decode("utf-8-sig")
    return [(r["mentee_id"], r["mentor_id"]) for r in csv.DictReader(io.StringIO(text))]


def feedback_sheet(pairs: list[tuple[str, str]], decisions: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Mentee ID", "Mentor ID", "Continue?"])
    writer.writerows((mentee, mentor, decision)
                     for (mentee, mentor), decision in zip(pairs, decisions, strict=True))
    return out.getvalue().encode("utf-8")


def test_year_two_from_a_feedback_sheet_is_planned_run_and_published(published):
    fresh, program_id, year_one = published
    pairs = run_pairs(fresh, program_id, year_one)
    decisions = [("Yes", "No", "Unsure")[i % 3] for i in range(len(pairs))]
    files = {"feedback": ("month12.csv", feedback_sheet(pairs, decisions))}
    base = f"/api/v1/programs/{program_id}"
    assert fresh.post(f"{base}/cycles/preview", files=files).status_code == 403  # CSRF
    planned = fresh.post(f"{base}/cycles/preview", files=files, headers=csrf(fresh))
    assert planned.status_code == 200, planned.text
    view = planned.json()
    plan = view["preview"]
    said = dict(zip(pairs, decisions, strict=True))
    kept = {(c["mentee_id"], c["mentor_id"]) for c in plan["kept"]}
    ended = {(c["mentee_id"], c["mentor_id"]) for c in plan["ended"]}
    assert kept == {p for p, d in said.items() if d != "No"}  # unsure: kept by default
    assert ended == {p for p, d in said.items() if d == "No"}
    assert all(c["reason"] == "ended at the month-12 meeting" for c in plan["ended"])
    assert plan["previous_pairs"] == len(pairs)

    started = fresh.post(f"{base}/cycles", json={"feedback": view["feedback"],
                                                 "previous_run": year_one},
                         headers=csrf(fresh))
    assert started.status_code == 202, started.text
    job = wait_for_job(fresh, program_id, started.json()["id"])
    assert job["status"] == "done", job
    year_two = job["run_id"]
    after = set(run_pairs(fresh, program_id, year_two))
    assert kept <= after and not ended & after
    run = fresh.get(f"{base}/runs/{year_two}").json()
    assert run["run"]["base_run"] == year_one
    published = fresh.post(f"{base}/runs/{year_two}/publish", headers=csrf(fresh))
    assert published.status_code == 200

    history = fresh.get(f"{base}/history").json()
    assert [(e["run"]["id"], e["kind"]) for e in history] == [
        (year_one, "match"), (year_two, "year-2 rematch")]
    assert history[1]["before"] == year_one and history[0]["config"]
    config = fresh.get(f"/programs/{program_id}/configs/{history[0]['config']}")
    assert config.status_code == 200 and "[columns.mentors]" in config.text
    page = fresh.get(f"/programs/{program_id}/history",
                     params={"before": year_one, "after": year_two})
    assert page.status_code == 200 and f"What changed from {year_one}" in page.text
    assert page.text.count('class="diff-ended"') == len(ended)


def test_a_wrong_feedback_sheet_is_refused_naming_the_row(published):
    fresh, program_id, year_one = published
    pairs = run_pairs(fresh, program_id, year_one)
    base = f"/api/v1/programs/{program_id}"
    stranger = [("nobody@example.org", pairs[0][1])]
    for sheet, words in ((feedback_sheet(stranger, ["Yes"]), "nobody@example.org"),
                         (feedback_sheet(pairs[:1], ["Banana"]), "Banana"),
                         (b"Name,Score\nA,1\n", "Mentee ID")):
        response = fresh.post(f"{base}/cycles/preview",
                              files={"feedback": ("month12.csv", sheet)},
                              headers=csrf(fresh))
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "feedback" and words in response.json()["detail"]
    bad = fresh.post(f"{base}/cycles", json={"feedback": "../../etc/passwd",
                                             "previous_run": year_one}, headers=csrf(fresh))
    assert bad.status_code == 422 and bad.json()["field"] == "feedback"


def test_year_two_needs_a_published_run(fresh):
    wizard_id = start(fresh, CIVIL, "Civil service")["wizard_id"]
    program_id = fresh.post(f"/api/v1/wizards/{wizard_id}/save",
                            headers=csrf(fresh)).json()["program_id"]
    response = fresh.post(f"/api/v1/programs/{program_id}/cycles/preview",
                          files={"feedback": ("f.csv", b"Mentee ID,Mentor ID,Continue?\n")},
                          headers=csrf(fresh))
    assert response.status_code == 409 and response.json()["field"] == "previous_run"
    page = fresh.get(f"/programs/{program_id}/next-cycle")
    assert page.status_code == 200 and "publish this year" in page.text
