"""The HTML pages: login, redirects, forms with CSRF, security headers, and the pages of
the loop rendering from the shared demo run."""

from __future__ import annotations

import re

import pytest
from conftest import TOKEN

HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY"}


def page(demo, path: str = "") -> str:
    return f"/programs/{demo.program_id}{path}"


def csrf_field(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_pages_need_login_and_the_token_url_logs_in(anonymous):
    response = anonymous.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert anonymous.get("/login?token=wrong").status_code == 401
    logged = anonymous.get(f"/login?token={TOKEN}", follow_redirects=False)
    assert logged.status_code == 303
    assert "httponly" in logged.headers["set-cookie"].lower()
    assert "Your programs" in anonymous.get("/").text


def test_login_form_and_logout(anonymous):
    assert anonymous.post("/login", data={"token": "nope"}).status_code == 401
    home = anonymous.post("/login", data={"token": TOKEN})
    assert home.status_code == 200 and "Your programs" in home.text
    assert anonymous.post("/logout").status_code == 403
    out = anonymous.post("/logout", data={"csrf_token": csrf_field(home.text)},
                         follow_redirects=False)
    assert out.status_code == 303
    assert anonymous.get("/", follow_redirects=False).status_code == 303


def test_security_headers_on_every_page(client, demo):
    for path in ("/", page(demo), page(demo, f"/runs/{demo.run_id}"), "/login",
                 "/static/app.css", "/api/v1/programs", "/api/docs"):
        response = client.get(path)
        assert response.status_code == 200, path
        for name, value in HEADERS.items():
            assert response.headers[name] == value
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_no_inline_script_and_no_remote_assets(client, demo):
    for path in ("/", page(demo), page(demo, f"/runs/{demo.run_id}"), "/api/docs"):
        html = client.get(path).text
        assert "<script>" not in html and " on" + "click=" not in html
        assert not re.search(r'(src|href)="(https?:)?//', html)


def test_program_page_shows_files_problems_and_forms(client, demo):
    html = client.get(page(demo)).text
    assert "mentors.csv" in html and "Problems in the files" in html
    assert "Start the match" in html and 'name="csrf_token"' in html


def test_forms_refuse_a_missing_or_wrong_csrf_token(client, demo):
    for data in ({}, {"csrf_token": "forged"}):
        assert client.post(page(demo, "/match"), data=data).status_code == 403
        assert client.post(page(demo, f"/runs/{demo.run_id}/publish"),
                           data=data).status_code == 403
        assert client.post(page(demo, "/constraints"),
                           data={**data, "run_id": demo.run_id, "mentee_id": "a",
                                 "mentor_id": "b", "kind": "lock"}).status_code == 403


def test_run_page_table_sorts_filters_and_pages(client, demo):
    base = page(demo, f"/runs/{demo.run_id}")
    html = client.get(base, params={"status": "unplaced"}).text
    assert "Networks (3 matching)" in html
    sorted_page = client.get(base, params={"sort": "score", "order": "desc"}).text
    assert 'aria-sort="descending"' in sorted_page
    second = client.get(base, params={"page": 2}).text
    assert "Page 2 of 6" in second
    assert client.get(base, params={"sort": "nope"}).status_code == 422


def test_mentee_page_with_why_not_and_lock_buttons(client, demo):
    rows = client.get(f"/api/v1/programs/{demo.program_id}/runs/{demo.run_id}/networks",
                      params={"status": "placed", "per_page": 1}).json()["rows"]
    mentee = rows[0]["mentee_id"]
    base = page(demo, f"/runs/{demo.run_id}/mentees/{mentee}")
    html = client.get(base).text
    assert "Network in this run" in html and "Evidence" in html
    assert 'value="lock"' in html and "Why not?" in html
    assert 'id="vs"' in html
    # By full name, in any case, as a coordinator would type it.
    choice = re.findall(r'<a href="[^"]+/mentors/[^"]+">([^<]+)</a>',
                        html.split('id="alternatives"')[1])[0]
    answer = client.get(base, params={"vs": choice.upper()}).text
    assert "data-why-not" in answer and f"against {choice} (C)" in answer
    unknown = client.get(base, params={"vs": "Dr. Nobody"})
    assert unknown.status_code == 404 and "no mentor has the id" in unknown.text


def test_mentor_page(client, demo):
    loads = client.get(f"/api/v1/programs/{demo.program_id}/runs/{demo.run_id}").json()["loads"]
    html = client.get(page(demo, f"/runs/{demo.run_id}/mentors/{loads[0]['mentor_id']}")).text
    assert "mentees / capacity" in html and "Mentees in this run" in html


@pytest.mark.parametrize("back", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_form_redirects_stay_on_this_site(client, demo, back):
    rows = client.get(f"/api/v1/programs/{demo.program_id}/runs/{demo.run_id}/networks",
                      params={"per_page": 1}).json()["rows"]
    data = {"csrf_token": client.csrf, "run_id": demo.run_id,
            "mentee_id": rows[0]["mentee_id"], "mentor_id": rows[0]["mentor_ids"].split(",")[0],
            "kind": "lock", "back": back}
    response = client.post(page(demo, "/constraints"), data=data, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == page(demo)
    client.post(page(demo, "/constraints/delete"), data={
        "csrf_token": client.csrf, "mentee_id": data["mentee_id"],
        "mentor_id": data["mentor_id"]})


def test_error_pages_are_html(client):
    response = client.get("/programs/nope")
    assert response.status_code == 404 and "Not found" in response.text


def test_api_docs_list_every_endpoint(client):
    html = client.get("/api/docs").text
    schema = client.get("/api/openapi.json").json()
    for path in schema["paths"]:
        assert path in html


def test_names_from_users_are_escaped(demo_copy):
    from conftest import SAMPLE, TestClient, login

    from service.app import create_app

    with TestClient(create_app(demo_copy.workspace, login_token=TOKEN)) as own:
        token = login(own)
        made = own.post("/api/v1/programs", headers={"X-CSRF-Token": token},
                        data={"name": "<script>alert(1)</script>"},
                        files={"config": ("p.toml", (SAMPLE / "program.toml").read_bytes())})
        assert made.status_code == 201
        html = own.get("/").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_match_and_cancel_from_the_pages(demo_copy):
    from conftest import TestClient

    from service.app import create_app

    with TestClient(create_app(demo_copy.workspace, login_token=TOKEN)) as own:
        home = own.post("/login", data={"token": TOKEN})
        token = csrf_field(home.text)
        started = own.post(page(demo_copy, "/match"), follow_redirects=False,
                           data={"csrf_token": token, "objective": "fair",
                                 "network_size": ""})
        assert started.status_code == 303
        job_page = started.headers["location"]
        html = own.get(job_page).text
        assert "data-job-url" in html and "Cancel the job" in html
        bad = own.post(page(demo_copy, "/match"), data={"csrf_token": token,
                                                        "network_size": "many"})
        assert bad.status_code == 422 and "network_size" in bad.text
        cancelled = own.post(job_page + "/cancel", data={"csrf_token": token})
        assert cancelled.status_code == 200 and "cancelled" in cancelled.text
        assert "data-job-url" not in cancelled.text


def test_upload_form_with_a_new_config(demo_copy):
    from conftest import SAMPLE, TestClient

    from service.app import create_app

    config = (SAMPLE / "program.toml").read_text(encoding="utf-8").replace(
        'objective = "total"', 'objective = "fair"')
    with TestClient(create_app(demo_copy.workspace, login_token=TOKEN)) as own:
        token = csrf_field(own.post("/login", data={"token": TOKEN}).text)
        files = {"mentors": ("mentors.csv", (SAMPLE / "mentors.csv").read_bytes()),
                 "mentees": ("", b""),
                 "config": ("program.toml", config.encode("utf-8"))}
        sent = own.post(page(demo_copy, "/upload"), data={"csrf_token": token}, files=files)
        # No mentees file: the mentors file is read as holding both sheets, which a CSV
        # cannot, so intake lists the problem; the new config is kept all the same.
        assert sent.status_code == 200 and "Problems in the files" in sent.text
        problems = own.get(f"/api/v1/programs/{demo_copy.program_id}").json()["program"][
            "problems"]
        assert any(p["severity"] == "error" for p in problems)
        kept = demo_copy.workspace.config_path(demo_copy.program_id).read_text("utf-8")
        assert 'objective = "fair"' in kept
        broken = own.post(page(demo_copy, "/upload"), data={"csrf_token": token},
                          files={**files, "config": ("p.toml", b"[weights\n")})
        assert broken.status_code == 422


# ------------------------------------------------------------------- a problem's cell

def test_problems_link_to_their_cell_in_the_uploaded_sheet(client, demo):
    html = client.get(page(demo)).text
    links = re.findall(r'href="(/programs/[^"]+/sheets/(mentors|mentees)/rows/(\d+)'
                       r'(?:\?column=([^"#]*))?#cell)"', html)
    assert links, "no problem links to its cell"
    problems = client.get(f"/api/v1/programs/{demo.program_id}").json()["program"]["problems"]
    rows = [p for p in problems if p["row"] is not None]
    assert len(links) == len(rows) and all(p["side"] in ("mentors", "mentees") for p in rows)
    assert not any("/" in p["file"] for p in problems), "a workspace path in the table"
    for problem in rows[:3]:
        url = (f"/programs/{demo.program_id}/sheets/{problem['side']}/rows/{problem['row']}")
        shown = client.get(url, params={"column": problem["column"] or ""})
        assert shown.status_code == 200
        cell = re.search(r'<td id="cell" class="cell-hit">(.*?)<span', shown.text, re.S)
        assert cell is not None, "the problem's cell is not marked"
        assert problem["value"] in cell.group(1).replace("&amp;", "&")
        assert f'<th scope="row" class="num">{problem["row"]}</th>' in shown.text
    as_json = client.get(f"/api/v1/programs/{demo.program_id}/sheets/{rows[0]['side']}/"
                         f"rows/{rows[0]['row']}").json()
    assert rows[0]["row"] in [number for number, _ in as_json["rows"]]
    assert rows[0]["column"] in as_json["headers"]


def test_a_sheet_row_hides_sensitive_answers(client, demo):
    hidden = client.get(f"/api/v1/programs/{demo.program_id}/sheets/mentees/rows/2").json()
    assert hidden["hidden"], "the sample's sensitive columns are not recognised"
    for header in hidden["hidden"]:
        position = hidden["headers"].index(header)
        assert all(cells[position] is None for _, cells in hidden["rows"])
    html = client.get(page(demo, "/sheets/mentees/rows/2")).text
    assert "are not shown" in html and "hidden" in html


@pytest.mark.parametrize("path, status", [
    ("/sheets/mentees/rows/99999", 404), ("/sheets/others/rows/2", 404),
    ("/sheets/mentees/rows/0", 422), ("/sheets/mentees/rows/x", 422),
])
def test_sheet_rows_that_are_not_there(client, demo, path, status):
    assert client.get(page(demo, path)).status_code == status


# ------------------------------------------------------------------------ run charts

def test_the_run_page_shows_the_reports_charts(client, demo):
    html = client.get(page(demo, f"/runs/{demo.run_id}")).text
    charts = re.findall(r'<img src="([^"]+/charts/([a-z-]+)\.svg)" alt="([^"]+)"', html)
    assert {name for _, name, _ in charts} >= {"score-distribution", "mentor-load"}
    report = (demo.workspace.run_dir(demo.program_id, demo.run_id) / "report.html").read_text(
        encoding="utf-8")
    for url, _, alt in charts:
        assert alt.split(" chart")[0] in report
        image = client.get(url)
        assert image.status_code == 200 and image.headers["content-type"] == "image/svg+xml"
        assert image.text.startswith("<svg") and image.text in report
        assert "default-src 'none'" in image.headers["content-security-policy"]
        assert "<script" not in image.text
    assert client.get(page(demo, f"/runs/{demo.run_id}/charts/nothing.svg")).status_code == 404


# ------------------------------------------------------------------ kept run pages

def test_a_kept_page_changes_with_the_program_and_keeps_each_sessions_token(client, demo):
    rows = client.get(f"/api/v1/programs/{demo.program_id}/runs/{demo.run_id}/networks",
                      params={"status": "placed", "per_page": 1}).json()["rows"]
    mentee = rows[0]["mentee_id"]
    url = page(demo, f"/runs/{demo.run_id}/mentees/{mentee}")
    first = client.get(url).text
    assert csrf_field(first) == client.csrf and csrf_field(client.get(url).text) == client.csrf
    mentor = rows[0]["mentor_ids"].split(",")[0]
    rule = {"run_id": demo.run_id, "mentee_id": mentee, "mentor_id": mentor, "kind": "forbid"}
    made = client.post(f"/api/v1/programs/{demo.program_id}/constraints", json=rule,
                       headers={"X-CSRF-Token": client.csrf})
    assert made.status_code == 201
    try:
        changed = client.get(url).text
        assert "forbid</span> with" in changed and "forbid</span> with" not in first
    finally:
        client.delete(f"/api/v1/programs/{demo.program_id}/constraints",
                      params={"mentee_id": mentee, "mentor_id": mentor},
                      headers={"X-CSRF-Token": client.csrf})
    from conftest import TestClient, login

    from service.app import create_app
    from service.auth import issue_login_token

    token = issue_login_token(demo.workspace.db_path)
    with TestClient(create_app(demo.workspace, first=False)) as other:
        other_csrf = login(other, token)
        theirs = other.get(url).text
    assert csrf_field(theirs) == other_csrf and client.csrf not in theirs


# ------------------------------------------------------------- ids as people type them

def test_people_are_found_by_id_in_other_capitals(client, demo):
    rows = client.get(f"/api/v1/programs/{demo.program_id}/runs/{demo.run_id}/networks",
                      params={"per_page": 1}).json()["rows"]
    mentee = rows[0]["mentee_id"]
    shouted = client.get(f"/api/v1/programs/{demo.program_id}/runs/{demo.run_id}/mentees/"
                         f"{mentee.upper()}")
    assert shouted.status_code == 200 and shouted.json()["mentee_id"] == mentee
    html = client.get(page(demo, f"/runs/{demo.run_id}/mentees/{mentee.upper()}")).text
    assert rows[0]["mentee_name"] in html
