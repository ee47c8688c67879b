"""The setup wizard's later steps through the API and the pages: every list of answers
(counts per side, merge, rename, the product's own values, ladders in any order), joined
columns, and rules and weights with their live preview.

Each change is checked where a coordinator relies on it: in the ``program.toml`` the
wizard saves, read back by the product as ``mentormatch match`` reads it.
"""

from __future__ import annotations

import csv
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import csrf
from fastapi.testclient import TestClient
from test_service_wizard import PROGRAMS, logged_in, start

from scoring.config import config_from_dict
from scoring.intake.cohort import read_cohort

MEDICAL = PROGRAMS / "medical_society"
AREAS_HEADER = {"mentors": "Areas of expertise (select all that apply)",
                "mentees": "Which areas would you like guidance in? (select all that apply)"}


@pytest.fixture()
def fresh(tmp_path: Path) -> Iterator[TestClient]:
    """A logged-in client of an empty workspace."""
    yield from logged_in(tmp_path)


@pytest.fixture(scope="module")
def refusing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    """One logged-in client and one started Medical setup, shared by the tests whose every
    change is refused (a refused change changes nothing): (client, wizard id)."""
    for client in logged_in(tmp_path_factory.mktemp("refusing")):
        yield client, start(client, MEDICAL, "Medical")["wizard_id"]


@pytest.fixture(scope="module")
def medical_started(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A workspace where the Medical society's sheets were uploaded (the upload itself is
    test_service_wizard.py's), made once: (its folder, the wizard id)."""
    folder = tmp_path_factory.mktemp("medical")
    for client in logged_in(folder):
        wizard_id = start(client, MEDICAL, "Medical")["wizard_id"]
    return folder, wizard_id


@pytest.fixture()
def medical(medical_started, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    """A logged-in client of a private copy of that workspace: (client, wizard id)."""
    folder, wizard_id = medical_started
    shutil.copytree(folder / "workspace", tmp_path / "workspace")
    for client in logged_in(tmp_path):
        yield client, wizard_id


def api(wizard_id: str, path: str = "") -> str:
    return f"/api/v1/wizards/{wizard_id}{path}"


def saved_tables(client, wizard_id: str) -> dict:
    response = client.get(api(wizard_id, "/config"))
    assert response.status_code == 200
    return tomllib.loads(response.text)


def cohort_with(client, wizard_id: str, program: Path = MEDICAL):
    """The cohort as ``match`` reads the sheets with the config the wizard would save."""
    config = config_from_dict(saved_tables(client, wizard_id))
    return read_cohort(program / "mentors.csv", program / "mentees.csv", config)


def vocabulary(view: dict, name: str) -> dict:
    return next(v for v in view["vocabularies"] if v["name"] == name)


def rung(view: dict, key: str) -> dict:
    return next(r for r in view["rungs"] if r["key"] == key)


# ------------------------------------------------------------------------------ answers

def test_every_list_of_answers_is_shown_with_counts_per_side(medical):
    fresh, wizard_id = medical
    view = fresh.get(api(wizard_id, "/answers")).json()
    assert [v["name"] for v in view["vocabularies"]] == [
        "career_stage", "frequency", "areas", "roles", "modes"]
    areas = vocabulary(view, "areas")
    assert not areas["ordered"] and not areas["closed"]
    for side, header in AREAS_HEADER.items():
        with (MEDICAL / f"{side}.csv").open(encoding="utf-8") as handle:
            cells = [row[header] for row in csv.DictReader(handle)]
        for answer in areas["answers"]:  # each person counted once per answer they gave
            assert answer[side] == sum(answer["answer"] in cell for cell in cells)
    assert all(a["key"] for a in areas["answers"])
    stages = vocabulary(view, "career_stage")
    assert stages["ordered"] and rung(stages, "medical_student")["mentors"] == 0
    assert rung(stages, "senior_faculty")["mentees"] == 0


def test_merging_an_answer_into_another_value_is_what_match_reads(medical):
    fresh, wizard_id = medical
    before = vocabulary(fresh.get(api(wizard_id, "/answers")).json(), "areas")
    grant = next(a for a in before["answers"] if a["answer"] == "Grant writing & funding")
    research = rung(before, "research")
    changed = fresh.post(api(wizard_id, "/answers/areas/assignments"),
                         json={"answer": grant["answer"], "key": "research"},
                         headers=csrf(fresh))
    assert changed.status_code == 200, changed.text
    after = changed.json()
    assert "grant_writing" not in [r["key"] for r in after["rungs"]]
    merged = rung(after, "research")
    assert grant["answer"] in merged["answers"]
    # a person who gave both answers counts once
    assert merged["mentees"] <= research["mentees"] + grant["mentees"]
    cohort = cohort_with(fresh, wizard_id)
    assert not cohort.errors
    areas = {a for m in cohort.mentees for a in m.need_areas}
    assert "research" in areas and "grant_writing" not in areas
    with (MEDICAL / "mentees.csv").open(encoding="utf-8") as handle:
        asked = sum("Grant writing" in row[AREAS_HEADER["mentees"]]
                    or "Research/Scholarship" in row[AREAS_HEADER["mentees"]]
                    for row in csv.DictReader(handle))
    assert sum("research" in m.need_areas for m in cohort.mentees) == asked


def test_an_answer_mapped_to_a_built_in_value_and_a_new_value(medical):
    fresh, wizard_id = medical
    headers = csrf(fresh)
    chat = "Chat (e.g., Slack, WhatsApp)"
    moved = fresh.post(api(wizard_id, "/answers/modes/assignments"),
                       json={"answer": chat, "key": "video"}, headers=headers).json()
    assert chat in rung(moved, "video")["answers"]
    own = fresh.post(api(wizard_id, "/answers/modes/assignments"),
                     json={"answer": chat, "key": "new"}, headers=headers).json()
    new_key = next(a["key"] for a in own["answers"] if a["answer"] == chat)
    assert new_key not in ("video", "message") and chat in rung(own, new_key)["answers"]
    cohort = cohort_with(fresh, wizard_id)
    assert not cohort.errors
    with (MEDICAL / "mentors.csv").open(encoding="utf-8") as handle:
        chatting = sum(chat in row["Preferred ways to meet"] for row in csv.DictReader(handle))
    assert sum(new_key in m.modes for m in cohort.mentors) == chatting


def test_renaming_a_value_keeps_its_answers(medical):
    fresh, wizard_id = medical
    renamed = fresh.post(api(wizard_id, "/answers/areas/renames"),
                         json={"key": "research", "label": "Scholarship"},
                         headers=csrf(fresh))
    assert renamed.status_code == 200, renamed.text
    keys = [r["key"] for r in renamed.json()["rungs"]]
    assert keys[0] == "scholarship" and "research" not in keys
    cohort = cohort_with(fresh, wizard_id)
    assert not cohort.errors
    assert any("scholarship" in m.expertise_areas for m in cohort.mentors)


def test_an_unrecognised_answer_is_shown_and_fixed_by_mapping_it(fresh, tmp_path):
    program = tmp_path / "typo"
    program.mkdir()
    (program / "mentors.csv").write_bytes((MEDICAL / "mentors.csv").read_bytes())
    rows = (MEDICAL / "mentees.csv").read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].replace("Every two weeks", "Evrey two weeks")
    (program / "mentees.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    wizard_id = start(fresh, program, "Typo")["wizard_id"]
    frequency = vocabulary(fresh.get(api(wizard_id, "/answers")).json(), "frequency")
    typo = next(a for a in frequency["answers"] if a["answer"] == "Evrey two weeks")
    if typo["key"] is None:  # init may have learnt it as a value of its own
        assert frequency["unknown"] == 1
    fixed = fresh.post(api(wizard_id, "/answers/frequency/assignments"),
                       json={"answer": "Evrey two weeks", "key": "biweekly"},
                       headers=csrf(fresh)).json()
    assert next(a for a in fixed["answers"] if a["answer"] == "Evrey two weeks")[
        "key"] == "biweekly"
    cohort = cohort_with(fresh, wizard_id, program)
    assert not cohort.errors
    assert cohort.mentees[0].frequency == "biweekly"
    page = fresh.get(f"/wizard/{wizard_id}/answers")
    assert page.status_code == 200 and "Evrey two weeks" in page.text


@pytest.mark.parametrize("path, body, field", [
    ("/answers/roles/assignments", {"answer": "Mentor (long-term career guidance)",
                                    "key": "new"}, "key"),
    ("/answers/roles/assignments", {"answer": "Mentor (long-term career guidance)",
                                    "key": "nobody"}, "key"),
    ("/answers/roles/assignments", {"answer": "Mentor", "key": "coach"}, "answer"),
    ("/answers/areas/assignments", {"answer": "Astrology", "key": "new"}, "answer"),
    ("/answers/roles/renames", {"key": "mentor", "label": "Guide"}, "key"),
    ("/answers/areas/renames", {"key": "nothing", "label": "X"}, "key"),
    ("/answers/areas/order", {"keys": ["research"]}, "vocabulary"),
    ("/answers/frequency/order", {"keys": ["weekly", "monthly"]}, "keys"),
    ("/answers/frequency/order", {"key": "weekly"}, "keys"),
])
def test_bad_answer_changes_are_refused_naming_the_field(refusing, path, body, field):
    fresh, wizard_id = refusing
    method = fresh.put if path.endswith("/order") else fresh.post
    response = method(api(wizard_id, path), json=body, headers=csrf(fresh))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert method(api(wizard_id, path), json=body).status_code == 403  # no CSRF token


def test_a_list_no_column_holds_is_not_found(medical):
    fresh, wizard_id = medical
    response = fresh.post(api(wizard_id, "/answers/languages/assignments"),
                          json={"answer": "x", "key": "english"}, headers=csrf(fresh))
    assert response.status_code == 404 and response.json()["field"] == "vocabulary"


def test_any_ladder_is_ordered_whole_or_step_by_step(medical):
    fresh, wizard_id = medical
    headers = csrf(fresh)
    order = ["quarterly", "monthly", "biweekly", "weekly"]
    whole = fresh.put(api(wizard_id, "/answers/frequency/order"), json={"keys": order},
                      headers=headers)
    assert [r["key"] for r in whole.json()["rungs"]] == order
    step = fresh.put(api(wizard_id, "/answers/frequency/order"),
                     json={"key": "weekly", "direction": "up"}, headers=headers)
    assert [r["key"] for r in step.json()["rungs"]] == ["quarterly", "monthly", "weekly",
                                                        "biweekly"]
    tables = saved_tables(fresh, wizard_id)
    assert list(tables["vocabularies"]["frequency"]) == ["quarterly", "monthly", "weekly",
                                                         "biweekly"]
    config = config_from_dict(tables)
    assert config.vocabulary("frequency").rank("weekly") == 2
    # the career-stage ladder of the first API still reads the same list
    stages = fresh.get(api(wizard_id, "/ladder")).json()["rungs"]
    fresh.put(api(wizard_id, "/answers/career_stage/order"),
              json={"keys": [r["key"] for r in reversed(stages)]}, headers=headers)
    assert [r["key"] for r in fresh.get(api(wizard_id, "/ladder")).json()["rungs"]] == [
        r["key"] for r in reversed(stages)]


# ------------------------------------------------------------------------------ columns

def test_first_and_last_name_are_read_together(fresh):
    program = PROGRAMS / "peer_program"
    wizard_id = start(fresh, program, "Peers")["wizard_id"]
    headers = csrf(fresh)
    fresh.put(api(wizard_id, "/columns"), json={"side": "mentees", "header": "Last name",
                                                "field": "ignore"}, headers=headers)
    assert not any(n.startswith("Mentees") for n in fresh.get(api(wizard_id)).json()["joined"])
    joined = fresh.post(api(wizard_id, "/columns/joins"),
                        json={"side": "mentees", "headers": ["First name", "Last name"],
                              "field": "name"}, headers=headers)
    assert joined.status_code == 200, joined.text
    assert "Mentees: 'First name' + 'Last name' hold the person's name" in " ".join(
        joined.json()["joined"])
    cohort = cohort_with(fresh, wizard_id, program)
    with (program / "mentees.csv").open(encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    assert cohort.mentees[0].name == f"{first['First name']} {first['Last name']}"
    one = fresh.post(api(wizard_id, "/columns/joins"),
                     json={"side": "mentees", "headers": ["First name", "First name"],
                           "field": "name"}, headers=headers)
    assert one.status_code == 422 and one.json()["field"] == "headers"


# ---------------------------------------------------------------------- rules and weights

def test_a_rule_switched_on_in_the_preview_removes_pairs_without_being_kept(fresh):
    wizard_id = start(fresh, PROGRAMS / "multilingual_research", "Multi")["wizard_id"]
    now = fresh.get(api(wizard_id, "/settings")).json()
    base = now["preview"]
    assert base["pairs"] == base["mentees"] * base["mentors"]
    assert base["eligible_pairs"] <= base["pairs"]
    tried = fresh.post(api(wizard_id, "/preview"),
                       json={"rules": {"max_time_zone_gap_hours": 0.5}},
                       headers=csrf(fresh)).json()["preview"]
    gap = next(r for r in tried["rules"] if r["rule"] == "time_zone_gap")
    assert gap["pairs_removed"] > 0
    assert tried["eligible_pairs"] < base["eligible_pairs"]
    assert tried["eligible_pairs"] >= base["eligible_pairs"] - gap["pairs_removed"]
    if tried["without_eligible_mentor"]:  # the diagnostics say so as validate would
        assert "no_eligible_mentor" in [d["code"] for d in tried["diagnostics"]]
    assert fresh.get(api(wizard_id, "/settings")).json()["preview"] == base  # not kept
    assert "rules" not in saved_tables(fresh, wizard_id) or "max_time_zone_gap_hours" not in \
        saved_tables(fresh, wizard_id)["rules"]


def test_kept_rules_and_weights_are_in_the_saved_config(medical):
    fresh, wizard_id = medical
    headers = csrf(fresh)
    off = fresh.post(api(wizard_id, "/preview"), json={"rules": {"mentor_more_senior": False}},
                     headers=headers).json()
    assert "mentor_more_senior" not in [r["rule"] for r in off["preview"]["rules"]]
    kept = fresh.put(api(wizard_id, "/settings"),
                     json={"weights": {"goal_text": 0, "need_coverage": 70},
                           "rules": {"mentor_more_senior": False}}, headers=headers)
    assert kept.status_code == 200 and kept.json()["weights"]["need_coverage"] == 70
    # weights move scores, not which pairs are eligible
    assert kept.json()["preview"]["eligible_pairs"] == off["preview"]["eligible_pairs"]
    config = config_from_dict(saved_tables(fresh, wizard_id))
    assert config.weights.need_coverage == 70 and not config.rules.mentor_more_senior


def test_weights_move_the_score_spread(medical):
    fresh, wizard_id = medical
    headers = csrf(fresh)
    weights = fresh.get(api(wizard_id, "/settings")).json()["weights"]
    only = {name: 0.0 for name in weights}
    coverage = fresh.post(api(wizard_id, "/preview"),
                          json={"weights": {**only, "need_coverage": 1}},
                          headers=headers).json()["preview"]
    zones = fresh.post(api(wizard_id, "/preview"),
                       json={"weights": {**only, "communication": 1}},
                       headers=headers).json()["preview"]
    assert coverage["eligible_pairs"] == zones["eligible_pairs"]  # eligibility unchanged
    assert coverage["score_spread"] != zones["score_spread"]
    everything_zero = fresh.post(api(wizard_id, "/preview"), json={"weights": only},
                                 headers=headers)
    assert everything_zero.status_code == 200
    assert everything_zero.json()["error"]  # no weight at all is not a config


@pytest.mark.parametrize("body, field", [
    ({"weights": {"need_coverage": 101}}, "weights.need_coverage"),
    ({"weights": {"charm": 5}}, "weights.charm"),
    ({"rules": {"same_planet": True}}, "rules.same_planet"),
    ({"rules": {"max_time_zone_gap_hours": 30}}, "rules.max_time_zone_gap_hours"),
    ({"rules": {"shared_language": 3}}, "rules.shared_language"),
])
def test_bad_settings_are_refused_naming_the_key(refusing, body, field):
    fresh, wizard_id = refusing
    for method, path in ((fresh.post, "/preview"), (fresh.put, "/settings")):
        response = method(api(wizard_id, path), json=body, headers=csrf(fresh))
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field


# -------------------------------------------------------------------------------- pages

def test_the_answers_and_settings_pages_work_without_script(medical):
    fresh, wizard_id = medical
    page = fresh.get(f"/wizard/{wizard_id}/answers")
    assert page.status_code == 200 and "<script>" not in page.text
    for name in ("career_stage", "frequency", "areas", "roles", "modes"):
        assert f'id="list-{name}"' in page.text
    token = {"csrf_token": fresh.csrf}
    for path, data in (("/answers/frequency/move", {"key": "weekly", "direction": "down"}),
                       ("/answers/areas/assign", {"answer": "Grant writing & funding",
                                                  "key": "research"}),
                       ("/answers/areas/rename", {"key": "leadership",
                                                  "label": "Leading"})):
        moved = fresh.post(f"/wizard/{wizard_id}{path}", data={**token, **data},
                           follow_redirects=False)
        assert moved.status_code == 303, moved.text
    tables = saved_tables(fresh, wizard_id)
    assert list(tables["vocabularies"]["frequency"])[:2] == ["biweekly", "weekly"]
    assert "leading" in tables["vocabularies"]["areas"]
    settings = fresh.get(f"/wizard/{wizard_id}/settings")
    assert settings.status_code == 200 and 'id="preview-body"' in settings.text
    form = {**token, "weight-need_coverage": "50", "rule-shared_language": "on",
            "rule-max_time_zone_gap_hours": "0"}
    part = fresh.post(f"/wizard/{wizard_id}/preview", data=form)
    assert part.status_code == 200 and "pairs eligible" in part.text
    assert "<html" not in part.text
    kept = fresh.post(f"/wizard/{wizard_id}/settings", data=form, follow_redirects=False)
    assert kept.status_code == 303
    rules = saved_tables(fresh, wizard_id)["rules"]
    assert rules["shared_language"] is True and rules["mentor_more_senior"] is False


# ------------------------------------------------------------------- an existing config

def test_an_existing_program_toml_is_the_starting_point(fresh, tmp_path):
    from click.testing import CliRunner

    from cli.main import cli

    program = PROGRAMS / "civil_service"
    config = program / "expected.toml"
    files = {**{side: (f"{side}.csv", (program / f"{side}.csv").read_bytes())
                for side in ("mentors", "mentees")},
             "config": ("program.toml", config.read_bytes())}
    made = fresh.post("/api/v1/wizards", data={"name": "Civil, year 2"}, files=files,
                      headers=csrf(fresh))
    assert made.status_code == 201, made.text
    view = made.json()
    given = tomllib.loads(config.read_text(encoding="utf-8"))["columns"]
    for question in view["questions"]:
        assert question["field"] == given[question["side"]].get(question["header"], "ignore")
    text = fresh.get(api(view["wizard_id"], "/config")).text
    assert "program.toml" in text.splitlines()[1]  # the header names where it came from
    saved = tmp_path / "saved.toml"
    saved.write_text(text, encoding="utf-8")

    def run(with_config: Path, out: str) -> str:
        result = CliRunner().invoke(cli, ["match", str(program / "mentors.csv"),
                                          str(program / "mentees.csv"), "--config",
                                          str(with_config), "--out", str(tmp_path / out),
                                          "--quiet"])
        assert result.exit_code == 0, result.output
        return (tmp_path / out / "pairings.csv").read_text(encoding="utf-8")

    assert run(saved, "saved") == run(config, "given")


@pytest.mark.parametrize("config, words", [
    (b"[weights]\nneed_coverag = 3\n", "need_coverag"),
    (b"[rules]\nmentor_more_senior = 3\n", "mentor_more_senior"),
    (b"[weights\n", "not valid TOML"),
    (b"\xff\xfe\x00binary", "not a text file"),
])
def test_a_wrong_program_toml_is_refused_naming_the_key(fresh, config, words):
    files = {**{side: (f"{side}.csv", (MEDICAL / f"{side}.csv").read_bytes())
                for side in ("mentors", "mentees")}, "config": ("program.toml", config)}
    response = fresh.post("/api/v1/wizards", data={"name": "X"}, files=files,
                          headers=csrf(fresh))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "config" and words in response.json()["detail"]
    assert not list((fresh.workspace.root / "wizards").glob("*/state.json"))


def test_the_preview_counts_what_scoring_the_whole_cohort_finds(fresh):
    from scoring.scorer import score_cohort

    program = PROGRAMS / "multilingual_research"
    wizard_id = start(fresh, program, "Multi")["wizard_id"]
    rules = {"max_time_zone_gap_hours": 3.0, "cross_institution": True}
    preview = fresh.post(api(wizard_id, "/preview"), json={"rules": rules},
                         headers=csrf(fresh)).json()["preview"]
    tables = saved_tables(fresh, wizard_id)
    tables["rules"] = {**tables.get("rules", {}), **rules}
    config = config_from_dict(tables)
    cohort = read_cohort(program / "mentors.csv", program / "mentees.csv", config)
    whole = score_cohort(cohort, config)
    open_mentor = [m.capacity > 0 for m in cohort.mentors]
    eligible = whole.eligible & open_mentor
    assert preview["eligible_pairs"] == int(eligible.sum())
    assert {r["rule"]: r["pairs_removed"] for r in preview["rules"]} == {
        rule: int(broken.sum()) for rule, broken in whole.violations.items()}
    stranded = [m.name for m, row in zip(cohort.mentees, eligible, strict=True)
                if not row.any()]
    assert preview["without_eligible_mentor"] == stranded
    scores = whole.total[eligible]
    spread = preview["score_spread"]
    assert spread["lowest"] == round(float(scores.min()), 1)
    assert spread["highest"] == round(float(scores.max()), 1)
    median = float(sorted(scores)[(len(scores) - 1) // 2])
    assert abs(spread["median"] - median) <= 0.2  # 0.1-point bins
