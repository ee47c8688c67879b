"""The JSON API, endpoint by endpoint: success, validation (422 with the field), 401/403,
CSRF, and path tricks. One demo run is shared; tests that change state clean up after."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from conftest import SAMPLE, TOKEN, csrf, login, wait_for_job
from fastapi.testclient import TestClient

from service import operations
from service.app import create_app
from service.auth import add_account


def api(demo, path: str = "") -> str:
    return f"/api/v1/programs/{demo.program_id}{path}"


def run_api(demo, path: str = "") -> str:
    return api(demo, f"/runs/{demo.run_id}{path}")


def field_of(response) -> str | None:
    return response.json()["field"]


# --------------------------------------------------------------------------------- session

def test_login_sets_a_strict_httponly_cookie(anonymous):
    response = anonymous.post("/api/v1/session", json={"token": TOKEN})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert response.json()["csrf_token"]
    assert anonymous.get("/api/v1/session").json()["username"] == "coordinator"


def test_the_login_token_logs_in_once(anonymous, demo):
    """A login URL that leaks after use (history, a shared screen) logs nobody in; the
    console issues a new one for the running server."""
    from service.auth import issue_login_token

    assert anonymous.post("/api/v1/session", json={"token": TOKEN}).status_code == 200
    anonymous.cookies.clear()
    again = anonymous.post("/api/v1/session", json={"token": TOKEN})
    assert again.status_code == 401 and "--login-link" in again.json()["detail"]
    assert anonymous.get(f"/login?token={TOKEN}").status_code == 401
    fresh = issue_login_token(demo.workspace.db_path)
    assert anonymous.post("/api/v1/session", json={"token": fresh}).status_code == 200
    anonymous.cookies.clear()
    assert anonymous.post("/api/v1/session", json={"token": fresh}).status_code == 401


@pytest.mark.parametrize("body, status, field", [
    ({"token": "wrong"}, 401, "token"),
    ({}, 422, "token"),
    ({"username": "nobody", "password": "whatever-long"}, 401, "password"),
    ({"token": "x" * 500}, 422, "token"),
])
def test_login_refuses_bad_credentials(anonymous, body, status, field):
    response = anonymous.post("/api/v1/session", json=body)
    assert response.status_code == status
    assert field_of(response) == field
    assert anonymous.get("/api/v1/session").status_code == 401


def test_logout_needs_csrf_and_ends_the_session(client):
    assert client.delete("/api/v1/session").status_code == 403
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": "wrong"}).status_code \
        == 403
    assert client.delete("/api/v1/session", headers=csrf(client)).status_code == 200
    assert client.get("/api/v1/programs").status_code == 401


@pytest.mark.parametrize("method, path", [
    ("get", "/api/v1/programs"), ("get", "/api/v1/programs/demo"),
    ("get", "/api/v1/programs/demo/runs"), ("get", "/api/v1/programs/demo/audit-log"),
    ("post", "/api/v1/programs/demo/jobs"), ("post", "/api/v1/programs/demo/constraints"),
])
def test_every_endpoint_needs_a_session(anonymous, method, path):
    response = getattr(anonymous, method)(path)
    assert response.status_code == 401


# -------------------------------------------------------------------------------- programs

def test_programs_lists_the_demo(client, demo):
    cards = client.get("/api/v1/programs").json()
    assert [c["program"]["id"] for c in cards] == [demo.program_id]


def test_create_program_checks_the_config(client):
    config = (SAMPLE / "program.toml").read_bytes()
    made = client.post("/api/v1/programs", data={"name": "Spring cohort"},
                       files={"config": ("program.toml", config)}, headers=csrf(client))
    assert made.status_code == 201, made.text
    assert made.json()["id"] == "spring-cohort"
    bad = client.post("/api/v1/programs", data={"name": "Broken"},
                      files={"config": ("program.toml", b"[weights]\nneed_coverage = 'x'\n")},
                      headers=csrf(client))
    assert bad.status_code == 422 and field_of(bad) == "config"
    nameless = client.post("/api/v1/programs", files={"config": ("p.toml", config)},
                           headers=csrf(client))
    assert nameless.status_code == 422 and field_of(nameless) == "name"
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        refused = client.post("/api/v1/programs", data={"name": "X"},
                              files={"config": ("p.toml", config)}, headers=headers)
        assert refused.status_code == 403


def test_program_view(client, demo):
    view = client.get(api(demo)).json()
    assert view["program"]["mentors_file"].endswith(".csv")
    assert view["program"]["problems"] and all(p["severity"] == "warning"
                                               for p in view["program"]["problems"])
    assert client.get("/api/v1/programs/nope").status_code == 404


@pytest.mark.parametrize("path", [
    "/api/v1/programs/..%2F..%2Fetc",
    "/api/v1/programs/%2e%2e",
    "/api/v1/programs/demo/runs/..%2F..%2F..%2Fmentormatch.db",
    "/api/v1/programs/demo/runs/%2Fetc%2Fpasswd",
    "/api/v1/programs/DEMO",
    "/static/../service/db.py",
    "/static/%2e%2e/db.py",
    "/static/..%2Fdb.py",
])
def test_path_tricks_find_nothing(client, path):
    response = client.get(path)
    assert response.status_code in (404, 422)
    assert "CREATE TABLE" not in response.text and "root:" not in response.text


@pytest.mark.parametrize("person", ["..%2F..%2Frun.json", "%2Fetc%2Fpasswd", "%2e%2e", "nobody"])
def test_person_path_tricks(client, demo, person):
    for side in ("mentees", "mentors"):
        response = client.get(run_api(demo, f"/{side}/{person}"))
        assert response.status_code in (404, 422)


# --------------------------------------------------------------------------------- uploads

def upload_files(mentors=("mentors.csv", None), mentees=("mentees.csv", None)):
    return {"mentors": (mentors[0], mentors[1] or (SAMPLE / "mentors.csv").read_bytes()),
            "mentees": (mentees[0], mentees[1] or (SAMPLE / "mentees.csv").read_bytes())}


def test_upload_lists_problems_by_file_row_and_column(client, demo):
    mentees = (SAMPLE / "mentees.csv").read_text(encoding="utf-8")
    broken = mentees.replace("Fellow,", "Astronaut,", 1).encode("utf-8")
    response = client.post(api(demo, "/uploads"), headers=csrf(client),
                           files=upload_files(mentees=("../../evil.csv", broken)))
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["errors"] >= 1
    error = next(p for p in result["problems"] if p["severity"] == "error")
    assert error["file"].endswith("evil.csv") and error["row"] == 2
    assert error["value"] == "Astronaut" and error["fix"]
    assert not (demo.workspace.root.parent / "evil.csv").exists()
    # Put the good files back (same hashes, so the demo's state is as before).
    good = client.post(api(demo, "/uploads"), headers=csrf(client), files=upload_files())
    assert good.json()["errors"] == 0


def test_upload_refuses_wrong_types_size_and_missing_csrf(client, demo, monkeypatch):
    wrong = client.post(api(demo, "/uploads"), headers=csrf(client),
                        files=upload_files(mentors=("mentors.exe", b"MZ")))
    assert wrong.status_code == 422 and field_of(wrong) == "mentors"
    monkeypatch.setattr(operations, "MAX_UPLOAD_BYTES", 1000)
    big = client.post(api(demo, "/uploads"), headers=csrf(client), files=upload_files())
    assert big.status_code == 413 and field_of(big) == "mentors"
    missing = client.post(api(demo, "/uploads"), headers=csrf(client))
    assert missing.status_code == 422 and field_of(missing) == "mentors"
    assert client.post(api(demo, "/uploads"), files=upload_files()).status_code == 403


def test_request_body_limit(client, demo, monkeypatch):
    from service import security

    response = client.post(api(demo, "/uploads"), headers={**csrf(client),
                                                           "Content-Length": str(10**12)},
                           content=b"x")
    assert response.status_code == 413
    del security


# ------------------------------------------------------------------------------------ jobs

@pytest.mark.parametrize("body, field", [
    ({"objective": "fastest"}, "objective"),
    ({"network_size": 0}, "network_size"),
    ({"network_size": "many"}, "network_size"),
    ({"base_run": "../../x"}, "base_run"),
])
def test_job_validation(client, demo, body, field):
    response = client.post(api(demo, "/jobs"), json=body, headers=csrf(client))
    assert response.status_code == 422
    assert field_of(response) == field


def test_job_needs_csrf(client, demo):
    assert client.post(api(demo, "/jobs"), json={}).status_code == 403
    assert client.post(api(demo, "/jobs"), json={},
                       headers={"X-CSRF-Token": "x"}).status_code == 403


def test_one_job_per_program_and_cancel_leaves_nothing(client, demo):
    first = client.post(api(demo, "/jobs"), json={"objective": "fair"}, headers=csrf(client))
    assert first.status_code == 202
    job_id = first.json()["id"]
    second = client.post(api(demo, "/jobs"), json={}, headers=csrf(client))
    assert second.status_code == 409
    cancelled = client.post(api(demo, f"/jobs/{job_id}/cancel"), headers=csrf(client))
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    runs = demo.workspace.runs_dir(demo.program_id)
    assert not list(runs.glob(".*partial")) and not (runs / first.json()["run_id"]).exists()
    again = client.post(api(demo, f"/jobs/{job_id}/cancel"), headers=csrf(client))
    assert again.status_code == 409
    assert client.get(api(demo, "/jobs/999999")).status_code == 404
    assert client.get(api(demo, "/jobs/0")).status_code == 422


# ------------------------------------------------------------------------------------ runs

def test_runs_and_run(client, demo):
    runs = client.get(api(demo, "/runs")).json()
    assert demo.run_id in [r["id"] for r in runs]
    run = client.get(run_api(demo)).json()
    assert run["run"]["summary"]["placed"] == 147
    assert run["loads"] and {"mentor_id", "load", "capacity"} <= set(run["loads"][0])
    assert client.get(api(demo, "/runs/20990101-000000-abcdef")).status_code == 404
    assert client.get(api(demo, "/runs/not-a-run")).status_code == 422


def test_networks_sort_filter_and_page(client, demo):
    page = client.get(run_api(demo, "/networks"), params={"sort": "score", "order": "desc",
                                                          "per_page": 10}).json()
    scores = [r["primary_score"] for r in page["rows"]]
    assert page["total"] == 150 and len(scores) == 10 and scores == sorted(scores,
                                                                           reverse=True)
    unplaced = client.get(run_api(demo, "/networks"), params={"status": "unplaced"}).json()
    assert unplaced["total"] == 3 and all(r["reason"] for r in unplaced["rows"])
    research = client.get(run_api(demo, "/networks"), params={"area": "research"}).json()
    assert 0 < research["total"] < 150
    assert all("research" in r["areas"].split(",") for r in research["rows"])
    ranged = client.get(run_api(demo, "/networks"), params={"min_score": 80,
                                                            "max_score": 90}).json()
    assert all(80 <= r["primary_score"] <= 90 for r in ranged["rows"])
    second = client.get(run_api(demo, "/networks"), params={"page": 2, "per_page": 100}
                        ).json()
    assert len(second["rows"]) == 50
    wild = client.get(run_api(demo, "/networks"), params={"mentor": "%_"}).json()
    assert wild["total"] == 0  # LIKE wildcards are searched for literally
    for params, field in (({"sort": "DROP TABLE"}, "sort"), ({"per_page": 1000}, "per_page"),
                          ({"min_score": -1}, "min_score"), ({"status": "x"}, "status")):
        response = client.get(run_api(demo, "/networks"), params=params)
        assert response.status_code == 422 and field_of(response) == field


def first_placed(client, demo) -> dict:
    return client.get(run_api(demo, "/networks"), params={"status": "placed",
                                                          "per_page": 1}).json()["rows"][0]


def test_mentee_explanations_add_up_and_hide_sensitive_fields(client, demo):
    row = first_placed(client, demo)
    response = client.get(run_api(demo, f"/mentees/{row['mentee_id']}"))
    assert response.status_code == 200
    data = response.json()
    for pair in data["audit"]["breakdowns"]:
        assert abs(sum(c["points"] for c in pair["components"]) - pair["score"]) < 0.11
        assert all(c["evidence"] for c in pair["components"])
    assert data["audit"]["alternatives"]
    assert "gender" not in data["profile"] and "background" not in data["profile"]
    # abigail.murphy's background answer in mentees.csv is LGBTQ+: never shown.
    abigail = client.get(run_api(demo, "/mentees/abigail.murphy@mail.example.com")).text
    assert "LGBTQ" not in abigail
    page = client.get(f"/programs/{demo.program_id}/runs/{demo.run_id}/mentees/"
                      "abigail.murphy@mail.example.com").text
    assert "LGBTQ" not in page


def test_why_not_uses_the_audit(client, demo):
    row = first_placed(client, demo)
    alternative = client.get(run_api(demo, f"/mentees/{row['mentee_id']}")).json()[
        "audit"]["alternatives"][0]["mentor_id"]
    data = client.get(run_api(demo, f"/mentees/{row['mentee_id']}"),
                      params={"vs": alternative}).json()
    why = data["why_not"]
    assert why["mentor_c"] == alternative and why["reasons"]
    assert all(r["sentence"] for r in why["reasons"])
    unknown = client.get(run_api(demo, f"/mentees/{row['mentee_id']}"),
                         params={"vs": "nobody@example.org"})
    assert unknown.status_code == 404


def test_mentor_page_data(client, demo):
    mentor = client.get(run_api(demo)).json()["loads"][0]
    data = client.get(run_api(demo, f"/mentors/{mentor['mentor_id']}")).json()
    assert data["load"] == mentor["load"] == len(data["pairs"]) and data["capacity"] >= 1
    assert "gender" not in data["profile"]


def test_diff_endpoint(client, demo):
    same = client.get(api(demo, "/diff"), params={"before": demo.run_id,
                                                  "after": demo.run_id}).json()
    assert same["ended"] == [] and same["new"] == [] and same["kept"] == 166
    bad = client.get(api(demo, "/diff"), params={"before": "x", "after": demo.run_id})
    assert bad.status_code == 422 and field_of(bad) == "before"


def test_constraints(client, demo):
    row = first_placed(client, demo)
    mentor = row["mentor_ids"].split(",")[0]
    body = {"run_id": demo.run_id, "mentee_id": row["mentee_id"], "mentor_id": mentor,
            "kind": "forbid"}
    assert client.post(api(demo, "/constraints"), json=body).status_code == 403
    made = client.post(api(demo, "/constraints"), json=body, headers=csrf(client))
    assert made.status_code == 201 and made.json()["kind"] == "forbid"
    listed = client.get(api(demo)).json()["constraints"]
    assert [(c["mentee_id"], c["kind"]) for c in listed] == [(row["mentee_id"], "forbid")]
    bad_kind = client.post(api(demo, "/constraints"), json={**body, "kind": "marry"},
                           headers=csrf(client))
    assert bad_kind.status_code == 422 and field_of(bad_kind) == "kind"
    stranger = client.post(api(demo, "/constraints"), json={**body, "mentee_id": "x@y.z"},
                           headers=csrf(client))
    assert stranger.status_code == 404 and field_of(stranger) == "mentee_id"
    params = {"mentee_id": row["mentee_id"], "mentor_id": mentor}
    assert client.delete(api(demo, "/constraints"), params=params).status_code == 403
    assert client.delete(api(demo, "/constraints"), params=params,
                         headers=csrf(client)).status_code == 200
    assert client.delete(api(demo, "/constraints"), params=params,
                         headers=csrf(client)).status_code == 404


def test_files_and_pair_documents(client, demo):
    archive = client.get(run_api(demo, "/files/run.zip"))
    assert archive.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert f"{demo.run_id}/run.json" in names and f"{demo.run_id}/pairings.xlsx" in names
    xlsx = client.get(run_api(demo, "/files/pairings.xlsx"))
    assert xlsx.content[:2] == b"PK" and "attachment" in xlsx.headers["content-disposition"]
    intro = client.get(run_api(demo, "/files/introductions.csv"))
    header = next(csv.reader(io.StringIO(intro.text.lstrip("\ufeff"))))
    assert header[:4] == ["to", "cc", "subject", "body"]  # every cell quoted since #14
    report = client.get(run_api(demo, "/files/report.html"))
    assert "script-src" not in report.headers["content-security-policy"]
    assert client.get(run_api(demo, "/files/run.json")).status_code == 422
    row = first_placed(client, demo)
    mentor = row["mentor_ids"].split(",")[0]
    plan = client.get(run_api(demo, f"/pairs/{row['mentee_id']}/{mentor}/plan"))
    assert plan.status_code == 200 and row["mentee_name"].split()[0] in plan.text
    calendar = client.get(run_api(demo, f"/pairs/{row['mentee_id']}/{mentor}/calendar"))
    assert calendar.text.startswith("BEGIN:VCALENDAR")
    other = client.get(run_api(demo, f"/pairs/{row['mentee_id']}/nobody@x.org/plan"))
    assert other.status_code == 404
    assert client.get(run_api(demo, f"/pairs/{row['mentee_id']}/{mentor}/passwd")
                      ).status_code == 422


def test_audit_log_records_who_did_what(client, demo):
    entries = client.get(api(demo, "/audit-log")).json()
    actions = {e["action"] for e in entries}
    assert {"program.create", "upload", "match.start", "match.done"} <= actions
    assert all(e["actor"] and e["at"] for e in entries)


# ------------------------------------------------------------------------- the whole loop

def test_lock_resolve_diff_publish(client, demo):
    row = first_placed(client, demo)
    view = client.get(run_api(demo, f"/mentees/{row['mentee_id']}")).json()
    other = view["audit"]["alternatives"][0]["mentor_id"]
    lock = {"run_id": demo.run_id, "mentee_id": row["mentee_id"], "mentor_id": other,
            "kind": "lock"}
    assert client.post(api(demo, "/constraints"), json=lock,
                       headers=csrf(client)).status_code == 201
    started = client.post(api(demo, "/jobs"), json={"base_run": demo.run_id},
                          headers=csrf(client))
    assert started.status_code == 202
    job = wait_for_job(client, demo.program_id, started.json()["id"])
    assert job["status"] == "done", job
    draft = client.get(api(demo, f"/runs/{job['run_id']}")).json()
    new = {(c["mentee_id"], c["mentor_id"]) for c in draft["diff"]["new"]}
    assert (row["mentee_id"], other) in new
    assert all(c["mentor_name"] for c in draft["diff"]["new"])
    assert client.post(api(demo, f"/runs/{job['run_id']}/publish")).status_code == 403
    published = client.post(api(demo, f"/runs/{job['run_id']}/publish"),
                            headers=csrf(client))
    assert published.status_code == 200 and published.json()["published_by"] == "coordinator"
    assert client.get(api(demo)).json()["program"]["published_run"] == job["run_id"]
    assert client.post(api(demo, f"/runs/{job['run_id']}/publish"),
                       headers=csrf(client)).status_code == 409
    client.delete(api(demo, "/constraints"), params={"mentee_id": row["mentee_id"],
                                                     "mentor_id": other},
                  headers=csrf(client))
    assert "publish" in {e["action"] for e in client.get(api(demo, "/audit-log")).json()}


def test_a_re_solved_draft_records_its_locks_and_forbids(client, demo_copy):
    """The draft's run.json names the locks and forbids sheets it was solved with (hashed),
    so the run folder alone says why its pairs are what they are."""
    import json

    with TestClient(create_app(demo_copy.workspace, login_token=TOKEN)) as own:
        token = {"X-CSRF-Token": login(own)}
        program = f"/api/v1/programs/{demo_copy.program_id}"
        rows = own.get(f"{program}/runs/{demo_copy.run_id}/networks",
                       params={"status": "placed", "per_page": 2}).json()["rows"]
        kept, dropped = rows[0], rows[1]
        lock = (kept["mentee_id"], kept["mentor_ids"].split(",")[0])
        forbid = (dropped["mentee_id"], dropped["mentor_ids"].split(",")[0])
        for (mentee, mentor), kind in ((lock, "lock"), (forbid, "forbid")):
            made = own.post(f"{program}/constraints", headers=token,
                            json={"run_id": demo_copy.run_id, "mentee_id": mentee,
                                  "mentor_id": mentor, "kind": kind})
            assert made.status_code == 201, made.text
        started = own.post(f"{program}/jobs", json={"base_run": demo_copy.run_id},
                           headers=token)
        job = wait_for_job(own, demo_copy.program_id, started.json()["id"])
        assert job["status"] == "done", job
        rows = own.get(f"{program}/runs/{job['run_id']}/networks",
                       params={"per_page": 500}).json()["rows"]
    pairs = {(r["mentee_id"], m) for r in rows for m in r["mentor_ids"].split(",") if m}
    folder = demo_copy.workspace.run_dir(demo_copy.program_id, job["run_id"])
    inputs = json.loads((folder / "run.json").read_text(encoding="utf-8"))["inputs"]
    uploads = demo_copy.workspace.uploads_dir(demo_copy.program_id)
    for key, pair in (("locks", lock), ("forbid", forbid)):
        assert key in inputs, inputs
        sheet = list(csv.reader(io.StringIO((uploads / inputs[key]["file"]).read_text(
            encoding="utf-8"))))
        assert sheet[0] == ["mentee_id", "mentor_id"] and list(pair) in sheet[1:]
    assert lock in pairs and forbid not in pairs


# ---------------------------------------------------------------------------- accounts

def test_accounts_see_only_their_programs(demo):
    add_account(demo.workspace.db_path, "ana", "correct horse battery", ())
    with TestClient(create_app(demo.workspace, login_token=TOKEN)) as ana:
        response = ana.post("/api/v1/session", json={"username": "ana",
                                                     "password": "correct horse battery"})
        assert response.status_code == 200
        assert ana.get("/api/v1/programs").json() == []
        assert ana.get(api(demo)).status_code == 403
        assert ana.get(run_api(demo, "/networks")).status_code == 403
        wrong = ana.post("/api/v1/session", json={"username": "ana", "password": "nope"})
        assert wrong.status_code == 401
    add_account(demo.workspace.db_path, "ana", "correct horse battery", (demo.program_id,))
    with TestClient(create_app(demo.workspace, login_token=TOKEN)) as ana:
        ana.post("/api/v1/session", json={"username": "ana",
                                          "password": "correct horse battery"})
        assert [c["program"]["id"] for c in ana.get("/api/v1/programs").json()] == \
            [demo.program_id]


def test_short_passwords_are_refused(demo):
    with pytest.raises(ValueError, match="10 characters"):
        add_account(demo.workspace.db_path, "bo", "short", ())
    with pytest.raises(ValueError, match="usernames"):
        add_account(demo.workspace.db_path, "../bo", "long enough password", ())


def test_second_login_token_is_not_accepted_by_another_server(demo):
    with TestClient(create_app(demo.workspace, login_token="other-token-abcdef")) as other:
        assert other.post("/api/v1/session", json={"token": TOKEN}).status_code == 401
        login(other, "other-token-abcdef")


def test_one_workbook_holds_both_sheets(client, demo_copy):
    workbook = (SAMPLE / "cohort.xlsx").read_bytes()
    with TestClient(create_app(demo_copy.workspace, login_token=TOKEN)) as own:
        token = login(own)
        response = own.post(api(demo_copy, "/uploads"), headers={"X-CSRF-Token": token},
                            files={"mentors": ("cohort.xlsx", workbook)})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["mentors_file"] == result["mentees_file"]
    assert result["mentors_file"].endswith(".xlsx") and result["errors"] == 0


def test_why_not_without_the_re_solve(client, demo):
    row = first_placed(client, demo)
    base = run_api(demo, f"/mentees/{row['mentee_id']}")
    alternative = client.get(base).json()["audit"]["alternatives"][0]["mentor_id"]
    quick = client.get(base, params={"vs": alternative, "solve": False}).json()["why_not"]
    assert quick["forced"] is None
    assert {r["kind"] for r in quick["reasons"]} <= {"full", "room", "area_covered",
                                                      "ineligible", "ended_earlier"}
    page = client.get(f"/programs/{demo.program_id}/runs/{demo.run_id}/mentees/"
                      f"{row['mentee_id']}", params={"vs": alternative, "solve": "false"})
    assert "Measure what giving C would cost" in page.text
