"""The setup wizard's API, step by step: upload, questions, answers (the ladder), save.

Each step: success, 422 naming the field, CSRF, the session, and another account's
setup. One corpus program is onboarded from upload to saved config, and the saved config
gives ``mentormatch match`` the same match as ``mentormatch init``'s own config.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TOKEN, csrf, login
from fastapi.testclient import TestClient

from cli.main import cli
from service.app import create_app
from service.auth import add_account
from service.workspace import Workspace

PROGRAMS = Path(__file__).resolve().parents[1] / "programs"
CIVIL = PROGRAMS / "civil_service"


def logged_in(tmp_path: Path) -> Iterator[TestClient]:
    """A logged-in client of an empty workspace (``.csrf``, ``.workspace``)."""
    workspace = Workspace.open(tmp_path / "workspace")
    with TestClient(create_app(workspace, login_token=TOKEN)) as client:
        client.csrf = login(client)
        client.workspace = workspace
        yield client


@pytest.fixture()
def fresh(tmp_path: Path) -> Iterator[TestClient]:
    """A logged-in client of an empty workspace."""
    yield from logged_in(tmp_path)


@pytest.fixture(scope="module")
def refusing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    """One logged-in client and one started Civil service setup, shared by the tests whose
    every change is refused (a refused change changes nothing): (client, wizard id)."""
    for client in logged_in(tmp_path_factory.mktemp("refusing")):
        yield client, start(client)["wizard_id"]


def sheets(program: Path = CIVIL) -> dict[str, tuple[str, bytes]]:
    return {side: (f"{side}.csv", (program / f"{side}.csv").read_bytes())
            for side in ("mentors", "mentees")}


def start(client: TestClient, program: Path = CIVIL, name: str = "Civil service") -> dict:
    response = client.post("/api/v1/wizards", data={"name": name}, files=sheets(program),
                           headers=csrf(client))
    assert response.status_code == 201, response.text
    return response.json()


def question(view: dict, side: str, header: str) -> dict:
    return next(q for q in view["questions"] if q["side"] == side and q["header"] == header)


# ---------------------------------------------------------------------------------- upload

def test_upload_shows_every_column_with_answers_and_the_guess(fresh):
    view = start(fresh)
    for side in ("mentors", "mentees"):
        with (CIVIL / f"{side}.csv").open(encoding="utf-8") as handle:
            headers = next(csv.reader(handle))
        assert [q["header"] for q in view["questions"] if q["side"] == side] == headers
    grade = question(view, "mentors", "Grade")
    assert grade["field"] == "career_stage" and grade["certainty"] == "sure"
    assert set(grade["examples"]) == {"SEO", "Grade 7", "Grade 6"}
    capacity = next(q for q in view["questions"] if q["field"] == "capacity")
    assert capacity["words"] == "how many mentees the mentor can take"
    assert 3 <= len(question(view, "mentors", "Name")["examples"]) <= 5


@pytest.mark.parametrize("files, field", [
    ({"mentors": ("program.toml", b"[program]\n")}, "mentors"),
    ({"mentors": ("mentors.exe", b"MZ")}, "mentors"),
    ({"mentors": ("mentors.csv", b"")}, "mentors"),
    ({"mentors": ("mentors.csv", b"Name,Email\nA,a@x.org\n"),
      "mentees": ("../../mentees.exe", b"x")}, "mentees"),
    ({"mentors": ("mentors.csv", b"Name,Email\nA,a@x.org\n"),
      "mentees": ("signups.csv", b"Name,Email\n")}, "mentees"),
])
def test_upload_refuses_wrong_files_naming_the_field(fresh, files, field):
    response = fresh.post("/api/v1/wizards", data={"name": "X"}, files=files,
                          headers=csrf(fresh))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert str(fresh.workspace.root) not in response.json()["detail"]
    assert not list((fresh.workspace.root / "wizards").glob("*/state.json"))


def test_upload_needs_a_name_csrf_and_a_session(fresh):
    missing = fresh.post("/api/v1/wizards", files=sheets(), headers=csrf(fresh))
    assert missing.status_code == 422 and missing.json()["field"] == "name"
    assert fresh.post("/api/v1/wizards", data={"name": "X"}, files=sheets()).status_code == 403
    with TestClient(create_app(fresh.workspace, login_token=TOKEN)) as anonymous:
        assert anonymous.post("/api/v1/wizards", data={"name": "X"},
                              files=sheets()).status_code == 401


# ------------------------------------------------------------------------------- questions

def test_changing_a_column_is_kept_and_one_sided_mappings_are_pointed_out(fresh):
    view = start(fresh)
    expertise = next(q for q in view["questions"] if q["field"] == "expertise_areas")
    assert view["one_sided"] == []
    changed = fresh.put(f"/api/v1/wizards/{view['wizard_id']}/columns", headers=csrf(fresh),
                        json={"side": "mentors", "header": expertise["header"],
                              "field": "ignore"})
    assert changed.status_code == 200, changed.text
    assert any("what mentees want help with, but not what mentors can help with" in note
               for note in changed.json()["one_sided"])
    config = tomllib.loads(fresh.get(f"/api/v1/wizards/{view['wizard_id']}/config").text)
    assert config["columns"]["mentors"][expertise["header"]] == "ignore"


@pytest.mark.parametrize("body, field", [
    ({"side": "mentors", "header": "Grade", "field": "need_areas"}, "field"),  # mentee-only
    ({"side": "mentors", "header": "No such column", "field": "name"}, "header"),
    ({"side": "both", "header": "Grade", "field": "name"}, "side"),
    ({"side": "mentors", "header": "Grade"}, "field"),
])
def test_changing_a_column_refuses_bad_answers_naming_the_field(refusing, body, field):
    fresh, wizard_id = refusing
    response = fresh.put(f"/api/v1/wizards/{wizard_id}/columns", json=body,
                         headers=csrf(fresh))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


def test_a_setup_is_its_owners_alone_and_needs_csrf(fresh):
    wizard_id = start(fresh)["wizard_id"]
    body = {"side": "mentors", "header": "Grade", "field": "ignore"}
    assert fresh.put(f"/api/v1/wizards/{wizard_id}/columns", json=body).status_code == 403
    assert fresh.get("/api/v1/wizards/0123456789abcdef").status_code == 404
    assert fresh.get("/api/v1/wizards/..%2F..%2Fetc").status_code in (404, 422)
    add_account(fresh.workspace.db_path, "ana", "correct horse battery", ())
    with TestClient(create_app(fresh.workspace, login_token=TOKEN)) as ana:
        ana.post("/api/v1/session", json={"username": "ana",
                                          "password": "correct horse battery"})
        assert ana.get(f"/api/v1/wizards/{wizard_id}").status_code == 404
        assert ana.get(f"/api/v1/wizards/{wizard_id}/config").status_code == 404


# --------------------------------------------------------------------------------- answers

def test_the_ladder_shows_each_side_and_moves(fresh):
    wizard_id = start(fresh)["wizard_id"]
    ladder = fresh.get(f"/api/v1/wizards/{wizard_id}/ladder").json()
    keys = [rung["key"] for rung in ladder["rungs"]]
    assert keys == ["ao", "eo", "heo", "seo", "grade_7", "grade_6"]
    by_key = {rung["key"]: rung for rung in ladder["rungs"]}
    assert by_key["heo"]["mentors"] == 0 and by_key["heo"]["mentees"] > 0
    assert by_key["grade_6"]["mentors"] > 0 and by_key["grade_6"]["mentees"] == 0
    moved = fresh.post(f"/api/v1/wizards/{wizard_id}/ladder/moves", headers=csrf(fresh),
                       json={"key": "grade_6", "direction": "up"})
    assert moved.status_code == 200
    assert [r["key"] for r in moved.json()["rungs"]][-2:] == ["grade_6", "grade_7"]
    config = tomllib.loads(fresh.get(f"/api/v1/wizards/{wizard_id}/config").text)
    assert list(config["vocabularies"]["career_stage"])[-2:] == ["grade_6", "grade_7"]


@pytest.mark.parametrize("body, field", [
    ({"key": "no_such_stage", "direction": "up"}, "key"),
    ({"key": "heo", "direction": "sideways"}, "direction"),
])
def test_the_ladder_refuses_bad_moves(refusing, body, field):
    fresh, wizard_id = refusing
    response = fresh.post(f"/api/v1/wizards/{wizard_id}/ladder/moves", json=body,
                          headers=csrf(fresh))
    assert response.status_code == 422 and response.json()["field"] == field
    assert fresh.post(f"/api/v1/wizards/{wizard_id}/ladder/moves",
                      json={"key": "heo", "direction": "up"}).status_code == 403


# ------------------------------------------------------------------------------------ save

def pairs_of(run: Path) -> list[dict[str, str]]:
    with (run / "pairings.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def match(tmp_path: Path, program: Path, config: Path, out: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(cli, ["match", str(program / "mentors.csv"),
                                      str(program / "mentees.csv"), "--config", str(config),
                                      "--out", str(tmp_path / out), "--quiet"])
    assert result.exit_code == 0, result.output
    return pairs_of(tmp_path / out)


@pytest.mark.parametrize("name", ["civil_service", "peer_program", "multilingual_research"])
def test_a_corpus_program_onboarded_in_the_api_matches_as_init_does(fresh, tmp_path, name):
    program = PROGRAMS / name
    wizard_id = start(fresh, program, name)["wizard_id"]
    assert fresh.post(f"/api/v1/wizards/{wizard_id}/save").status_code == 403
    saved = fresh.post(f"/api/v1/wizards/{wizard_id}/save", headers=csrf(fresh))
    assert saved.status_code == 201, saved.text
    result = saved.json()
    assert result["errors"] == 0
    assert all(p["file"] in ("mentors.csv", "mentees.csv", "") for p in result["problems"])
    assert fresh.get(f"/api/v1/programs/{result['program_id']}").json()["program"][
        "mentors_file"]
    config = fresh.workspace.config_path(result["program_id"])
    init = CliRunner().invoke(cli, ["init", str(program / "mentors.csv"),
                                    str(program / "mentees.csv"),
                                    "--out", str(tmp_path / "init.toml")])
    assert init.exit_code == 0, init.output
    by_wizard = match(tmp_path, program, config, "wizard-run")
    by_init = match(tmp_path, program, tmp_path / "init.toml", "init-run")
    assert by_wizard and by_wizard == by_init
    again = fresh.post(f"/api/v1/wizards/{wizard_id}/save", headers=csrf(fresh))
    assert again.status_code == 409


# ----------------------------------------------------------------------------------- pages

def test_the_pages_walk_the_steps(fresh):
    page = fresh.get("/wizard")
    assert page.status_code == 200 and 'name="mentors"' in page.text
    made = fresh.post("/wizard", data={"name": "Civil", "csrf_token": fresh.csrf},
                      files=sheets(), follow_redirects=False)
    assert made.status_code == 303
    questions = fresh.get(made.headers["location"])
    assert "how many mentees the mentor can take" in questions.text
    assert "Grade 7" in questions.text
    wizard_id = made.headers["location"].rsplit("/", 1)[1]
    answers = fresh.post(f"/wizard/{wizard_id}/columns",
                         data={"csrf_token": fresh.csrf, "mentors|Grade": "career_stage"})
    assert answers.status_code == 200 and 'class="ladder"' in answers.text
    assert "<script>" not in answers.text
    saved = fresh.post(f"/wizard/{wizard_id}/save", data={"csrf_token": fresh.csrf})
    assert saved.status_code == 200 and "What validate says" in saved.text


# ------------------------------------------------------------------------------- hostile

def test_odd_files_and_answers_never_get_a_server_error(fresh):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    wizard_id = start(fresh)["wizard_id"]
    reached = {"upload": 0, "column": 0}

    @given(data=st.binary(max_size=400), name=st.sampled_from(["a.csv", "b.xlsx", "c.tsv"]),
           header=st.text(min_size=1, max_size=40), field=st.text(min_size=1, max_size=30))
    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(data: bytes, name: str, header: str, field: str) -> None:
        upload = fresh.post("/api/v1/wizards", data={"name": "Odd"}, headers=csrf(fresh),
                            files={"mentors": (name, data), "mentees": (name, data)})
        assert upload.status_code in (201, 413, 422), upload.text[:300]
        reached["upload"] += 1
        column = fresh.put(f"/api/v1/wizards/{wizard_id}/columns", headers=csrf(fresh),
                           json={"side": "mentees", "header": header, "field": field})
        assert column.status_code == 422, column.text[:300]
        reached["column"] += 1

    check()
    assert reached == {"upload": 25, "column": 25}


def test_mapping_another_stage_column_orders_its_answers_again(fresh):
    view = start(fresh)
    wizard_id = view["wizard_id"]
    url = f"/api/v1/wizards/{wizard_id}"
    for side in ("mentors", "mentees"):  # no stage on either sheet: no ladder
        assert fresh.put(f"{url}/columns", headers=csrf(fresh), json={
            "side": side, "header": "Grade", "field": "ignore"}).status_code == 200
    assert fresh.get(f"{url}/ladder").json()["rungs"] == []
    config = tomllib.loads(fresh.get(f"{url}/config").text)
    assert "career_stage" not in config["vocabularies"]
    assert config["rules"]["mentor_more_senior"] is False
    for side in ("mentors", "mentees"):  # back again: the same ladder as init's
        fresh.put(f"{url}/columns", headers=csrf(fresh), json={
            "side": side, "header": "Grade", "field": "career_stage"})
    keys = [rung["key"] for rung in fresh.get(f"{url}/ladder").json()["rungs"]]
    assert keys == ["ao", "eo", "heo", "seo", "grade_7", "grade_6"]


def test_a_ladder_ordered_again_is_inits_ladder(tmp_path):
    from service import actions

    written = actions.write_starter_config(CIVIL / "mentors.csv", CIVIL / "mentees.csv",
                                           tmp_path / "init.toml")
    config = tomllib.loads(written.read_text(encoding="utf-8"))
    found = actions.stage_ladder(CIVIL / "mentors.csv", CIVIL / "mentees.csv",
                                 {"mentors": "Grade", "mentees": "Grade"})
    assert found is not None
    assert found.table == config["vocabularies"]["career_stage"]
    assert actions.stage_ladder(CIVIL / "mentors.csv", CIVIL / "mentees.csv",
                                {"mentors": "Grade", "mentees": None}) is None


def test_one_workbook_with_both_sheets_is_set_up_and_saved(fresh, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for side in ("Mentors", "Mentees"):
        sheet = book.create_sheet(side)
        with (CIVIL / f"{side.lower()}.csv").open(encoding="utf-8") as handle:
            for row in csv.reader(handle):
                sheet.append(row)
    book.save(tmp_path / "signups.xlsx")
    response = fresh.post("/api/v1/wizards", data={"name": "One book"}, headers=csrf(fresh),
                          files={"mentors": ("signups.xlsx",
                                             (tmp_path / "signups.xlsx").read_bytes())})
    assert response.status_code == 201, response.text
    view = response.json()
    assert question(view, "mentees", "Grade")["field"] == "career_stage"
    assert {q["side"] for q in view["questions"]} == {"mentors", "mentees"}
    saved = fresh.post(f"/api/v1/wizards/{view['wizard_id']}/save", headers=csrf(fresh))
    assert saved.status_code == 201 and saved.json()["errors"] == 0, saved.text
    program = fresh.get(f"/api/v1/programs/{saved.json()['program_id']}").json()["program"]
    assert program["mentors_file"] == program["mentees_file"]


def test_answers_of_sensitive_fields_are_never_shown(fresh):
    view = start(fresh, PROGRAMS / "student_club", "Student club")
    sensitive = [q for q in view["questions"] if q["field"] in ("gender", "background")]
    assert sensitive, "the student club's form asks for gender"
    assert all(q["hidden"] and q["examples"] == [] for q in sensitive)
    page = fresh.get(f"/wizard/{view['wizard_id']}")
    assert "hidden: a sensitive field" in page.text
