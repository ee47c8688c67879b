"""`mentormatch init`: header guessing, seeded vocabularies, and a config that validates."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from scoring.config import MENTEE_FIELDS, MENTOR_FIELDS, PREFERENCES, load_config
from scoring.intake.starter_config import render_toml, starter_config, suggest_mapping

CORPUS = Path(__file__).parent / "corpus"
SAMPLE = Path(__file__).parent.parent / "sample_data"


def run(*arguments: str | Path):
    return CliRunner().invoke(cli, [str(a) for a in arguments])


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    mentors = tmp_path / "mentors.csv"
    mentors.write_text((CORPUS / "good_mentors.csv").read_text(encoding="utf-8").replace(
        "Do not match with\n", "Do not match with,Favourite colour\n", 1), encoding="utf-8")
    mentees = shutil.copy(CORPUS / "good_mentees.csv", tmp_path / "mentees.csv")
    return mentors, Path(mentees)


@pytest.mark.parametrize(("header", "field"), [
    ("Email Address", "email"),
    ("Emial", "email"),
    ("Institution name", "institution"),
    ("Preferred name", "name"),
    ("Career stage / training level", "career_stage"),
    ("Would you prefer a mentor, coach or advisor?", "help_wanted"),
    ("How many mentors would you like?", "network_size"),
    ("Primary time zone", "time_zone"),
    ("What is your gender?", "gender"),
    ("Ethnic background", "background"),
])
def test_header_guesses(header, field):
    assert suggest_mapping([header], MENTEE_FIELDS) == {header: field}


@pytest.mark.parametrize("header", ["Timestamp", "Professional background", "Favourite colour"])
def test_headers_that_are_left_alone(header):
    assert suggest_mapping([header], MENTEE_FIELDS) == {}


def test_each_field_takes_only_its_best_header():
    headers = ["Preferred mode of communication", "Communication preferences", "Bio"]
    assert suggest_mapping(headers, MENTOR_FIELDS) == {
        "Communication preferences": "modes", "Bio": "bio"}


def test_init_writes_a_config_that_validates_the_same_files(pair):
    mentors, mentees = pair
    result = run("init", mentors, mentees)
    assert result.exit_code == 0, result.output
    written = mentors.parent / "program.toml"
    assert f"Wrote {written}" in result.output
    assert "not mapped (kept as extra): Favourite colour" in result.output
    config = tomllib.loads(written.read_text(encoding="utf-8"))
    assert config["columns"]["mentors"]["How many mentees?"] == "capacity"
    assert config["columns"]["mentees"]["Areas"] == "need_areas"
    assert config["vocabularies"]["areas"]["research"] == ["Research/Scholarship"]
    assert "leadership" in config["vocabularies"]["areas"]
    # The stages people gave, on the medical-training ladder, most junior first.
    assert config["vocabularies"]["career_stage"] == {
        "medical_student": ["student"], "resident": ["Resident"],
        "mid_career_faculty": ["mid career"], "senior_faculty": ["Senior"]}
    load_config(written)  # the starter config is a valid config
    check = run("validate", mentors, mentees)  # finds program.toml next to MENTORS
    assert check.exit_code == 0, check.output
    assert "0 errors" in check.output


def test_init_refuses_to_overwrite_without_force(pair):
    mentors, mentees = pair
    out = mentors.parent / "mine.toml"
    out.write_text("# my edits\n", encoding="utf-8")
    refused = run("init", mentors, mentees, "--out", out)
    assert refused.exit_code == 2 and "--force" in refused.output
    assert out.read_text(encoding="utf-8") == "# my edits\n"
    assert run("init", mentors, mentees, "--out", out, "--force").exit_code == 0
    assert "[columns.mentors]" in out.read_text(encoding="utf-8")


def test_init_lists_what_it_could_not_map_in_the_file(pair):
    mentors, mentees = pair
    result = starter_config(mentors, mentees)
    assert result.unmapped_headers["mentors"] == ["Favourite colour"]
    assert "bio" in result.unmapped_fields["mentors"]
    assert "id" not in result.unmapped_fields["mentors"]  # ids are emails here


def test_init_on_a_workbook_finds_the_sheets_by_name(tmp_path):
    book = shutil.copy(CORPUS / "cohort.xlsx", tmp_path / "cohort.xlsx")
    result = starter_config(book, book)
    assert result.tables["intake"]["mentor_sheet"] == "MENTORS"
    assert result.tables["intake"]["mentee_sheet"] == "mentees "
    assert result.tables["columns"]["mentees"]["Goals"] == "goals"


def test_init_reports_unreadable_files_with_exit_2(tmp_path):
    result = run("init", CORPUS / "html_as_csv.csv", CORPUS / "good_mentees.csv",
                 "--out", tmp_path / "p.toml")
    assert result.exit_code == 2 and "web page" in result.output
    assert not (tmp_path / "p.toml").exists()


@pytest.mark.skipif(not (SAMPLE / "mentees.csv").exists(),
                    reason="sample_data/ has not been generated")
def test_init_on_the_sample_reproduces_the_shipped_match(tmp_path):
    """init's config, unedited, makes the very match the hand-written config makes:
    `match` writes the same pairings.csv, byte for byte (scores and explanations too)."""
    out = tmp_path / "program.toml"
    result = run("init", SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", "--out", out)
    assert result.exit_code == 0, result.output
    written = tomllib.loads(out.read_text(encoding="utf-8"))
    shipped = tomllib.loads((SAMPLE / "program.toml").read_text(encoding="utf-8"))
    for side in ("mentors", "mentees"):  # init also says the Timestamp is to be ignored
        assert written["columns"][side] == {"Timestamp": "ignore", **shipped["columns"][side]}
    # The form's answers get the built-in keys (goal-text similarity reads area keys).
    for name in ("career_stage", "areas", "roles", "preferences"):
        assert list(written["vocabularies"][name]) == list(shipped["vocabularies"][name])
    pairings = []
    for config, folder in ((out, tmp_path / "init_run"), (SAMPLE / "program.toml",
                                                         tmp_path / "shipped_run")):
        matched = run("match", SAMPLE / "mentors.csv", SAMPLE / "mentees.csv",
                      "--config", config, "--out", folder)
        assert matched.exit_code == 0, matched.output
        pairings.append((folder / "pairings.csv").read_bytes())
    assert pairings[0] == pairings[1]


def test_area_labels_get_the_built_in_keys_one_label_each(tmp_path):
    """"Research/Scholarship" is the built-in `research` (as in the shipped config); a
    second label naming research later in its text keeps a key of its own, so two
    options of the form never become one area."""
    areas = ["Research/Scholarship", "Ethics of research", "Grant writing & funding",
             "Beekeeping"]
    result = _init(tmp_path, {**_people(4, "mentor"), "Areas of expertise": areas},
                   {**_people(4, "mentee"), "Areas you need help with": areas[::-1]})
    table = result.tables["vocabularies"]["areas"]
    assert table == {"research": ["Research/Scholarship"],
                     "grant_writing": ["Grant writing & funding"],
                     "ethics_of_research": ["Ethics of research"],
                     "beekeeping": ["Beekeeping"]}


# ------------------------------------------------------------- reading a form's answers

def _write(path: Path, columns: dict[str, list[str]]) -> Path:
    """A CSV with these columns (header -> one answer per row)."""
    import csv

    rows = list(zip(*columns.values(), strict=True))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def _people(n: int, side: str) -> dict[str, list[str]]:
    return {"Email": [f"{side}{i}@example.org" for i in range(n)],
            "Name": [f"{side.title()} Person{i}" for i in range(n)]}


def _init(tmp_path: Path, mentors: dict[str, list[str]], mentees: dict[str, list[str]]):
    return starter_config(_write(tmp_path / "mentors.csv", mentors),
                          _write(tmp_path / "mentees.csv", mentees))


def test_labels_with_commas_stay_whole_and_validate(tmp_path):
    modes = ["Chat (e.g., Slack, WhatsApp), Phone", "Phone", "Chat (e.g., Slack, WhatsApp)",
             "In person, Chat (e.g., Slack, WhatsApp)"]
    result = _init(tmp_path, {**_people(4, "mentor"), "Ways to meet": modes},
                   {**_people(4, "mentee"), "Ways to meet": modes[::-1]})
    assert result.tables["vocabularies"]["modes"]["message"][0] == "Chat (e.g., Slack, WhatsApp)"
    (tmp_path / "program.toml").write_text(render_toml(result, []), encoding="utf-8")
    check = run("validate", tmp_path / "mentors.csv", tmp_path / "mentees.csv")
    assert check.exit_code == 0 and " 0 errors" in check.output, check.output


def test_long_labels_are_whole_keys_shown_as_the_form_wrote_them(tmp_path):
    label = "Help preparing a submission to a peer-reviewed journal in my field"
    areas = [label, "Teaching", f"{label}, Teaching"]
    result = _init(tmp_path, {**_people(3, "mentor"), "Areas of expertise": areas},
                   {**_people(3, "mentee"), "Areas you need help with": areas})
    table = result.tables["vocabularies"]["areas"]
    key = next(k for k, labels in table.items() if labels[0] == label)
    assert key == "help_preparing_a_submission_to_a_peer_reviewed_journal_in_my_field"


@pytest.mark.parametrize(("answers", "order"), [
    (["Professor", "Lecturer", "Associate Professor", "Assistant Professor"],
     ["Lecturer", "Assistant Professor", "Associate Professor", "Professor"]),
    (["Grade 6", "HEO", "EO", "Grade 7", "SEO"], ["EO", "HEO", "SEO", "Grade 7", "Grade 6"]),
    (["Band 5", "Band 3", "Band 4"], ["Band 3", "Band 4", "Band 5"]),
    (["PGY-3", "PGY-1", "PGY-2"], ["PGY-1", "PGY-2", "PGY-3"]),
    (["Faculty", "Postdoc", "Grad student"], ["Grad student", "Postdoc", "Faculty"]),
    (["Senior", "Sophomore", "Freshman", "Junior"], ["Freshman", "Sophomore", "Junior", "Senior"]),
])
def test_known_ladders_order_stages_whatever_order_the_file_gives(answers, order):
    from scoring.intake.form_reading.ladders import order_stages

    # Every answer held by mentees only, so evidence could not have ordered them.
    stages = order_stages({}, {answer: 1 for answer in answers})
    assert [labels[0] for labels in stages.table.values()] == order
    assert not stages.is_guessed


def test_an_unknown_ladder_is_ordered_by_who_holds_each_stage_and_marked_guessed():
    from scoring.intake.form_reading.ladders import order_stages

    stages = order_stages({"Crew chief": 9, "Rider": 3}, {"Rider": 7, "Cadet": 10})
    assert list(stages.table) == ["cadet", "rider", "crew_chief"]
    assert stages.is_guessed


@pytest.mark.parametrize(("vocabulary", "answer", "value"), [
    ("frequency", "Every other week", "biweekly"),
    ("frequency", "Once a month", "monthly"),
    ("languages", "Español", "spanish"),
    ("languages", "Français", "french"),
    ("modes", "Zoom", "video"),
    ("modes", "Video call (Zoom/Teams)", "video"),
    ("roles", "Coach (a specific skill or challenge)", "coach"),
    ("preferences", "Someone outside my department", "different_specialty"),
    ("preferences", "Someone at my organisation", "same_institution"),
])
def test_answers_map_onto_the_built_in_values(vocabulary, answer, value):
    from scoring.intake.form_reading.vocabularies import built_in_value

    assert built_in_value(vocabulary, answer) == value


def test_a_role_column_answered_with_stages_is_the_career_stage(tmp_path):
    stages = ["Faculty", "Postdoc", "Faculty", "Grad student"]
    result = _init(tmp_path, {**_people(4, "mentor"), "Role": stages},
                   {**_people(4, "mentee"), "Role": ["Grad student", "Postdoc"] * 2})
    assert result.tables["columns"]["mentors"]["Role"] == "career_stage"
    assert result.tables["columns"]["mentees"]["Role"] == "career_stage"


def test_a_constant_job_title_is_ignored_and_grade_is_the_stage(tmp_path):
    result = _init(tmp_path,
                   {**_people(4, "mentor"), "Job title": ["Civil servant"] * 4,
                    "Grade": ["SEO", "Grade 7", "Grade 6", "Grade 7"]},
                   {**_people(4, "mentee"), "Job title": ["Civil servant"] * 4,
                    "Grade": ["AO", "EO", "HEO", "EO"]})
    for side in ("mentors", "mentees"):
        assert result.tables["columns"][side]["Job title"] == "ignore"
        assert result.tables["columns"][side]["Grade"] == "career_stage"


def test_a_question_found_on_one_sheet_is_found_on_the_other(tmp_path):
    offered = ["Mentor, Coach", "Advisor", "Mentor", "Coach"]
    result = _init(tmp_path, {**_people(4, "mentor"), "Support offered": offered},
                   {**_people(4, "mentee"), "Support wanted": ["Mentor", "Coach"] * 2})
    assert result.tables["columns"]["mentors"]["Support offered"] == "roles"
    assert result.tables["columns"]["mentees"]["Support wanted"] == "help_wanted"


def test_name_parts_yes_no_preferences_and_kind_counts(tmp_path):
    mentees = {"Email": [f"m{i}@example.org" for i in range(4)],
               "First name": ["Ana", "Ben", "Cy", "Dee"], "Last name": ["Ruiz", "Ode", "Li", "Fox"],
               "Gender": ["Woman", "Man", "Woman", "Man"],
               "Would you prefer a mentor of the same gender?": ["Yes", "No", "No", "Yes"],
               "How many mentors would you like?": ["1", "1", "2", "1"],
               "How many coaches would you like?": ["0", "1", "1", "0"]}
    result = _init(tmp_path, {**_people(4, "mentor"), "Gender": ["Woman", "Man"] * 2}, mentees)
    columns = result.tables["columns"]["mentees"]
    assert columns["First name"] == columns["Last name"] == "name"
    assert columns["Would you prefer a mentor of the same gender?"] == "pref:same_gender"
    assert columns["How many mentors would you like?"] == "count:mentor"
    assert columns["How many coaches would you like?"] == "count:coach"


def test_mentors_at_the_mentees_stages_make_a_peer_program(tmp_path):
    stages = ["Second year", "Third year", "Second year", "Third year"]
    result = _init(tmp_path, {**_people(4, "mentor"), "Year": stages},
                   {**_people(4, "mentee"), "Year": stages[::-1]})
    assert result.peer_program
    assert result.tables["rules"]["mentor_more_senior"] is False


def test_a_question_with_one_answer_on_one_sheet_is_still_read(tmp_path):
    """Every mentee a resident: the stage column is constant on that sheet, not a constant
    of the form (the mentors answered it differently)."""
    result = _init(tmp_path, {**_people(4, "mentor"), "Career stage": ["Senior", "Fellow"] * 2},
                   {**_people(4, "mentee"), "Career stage": ["Resident"] * 4})
    assert result.tables["columns"]["mentees"]["Career stage"] == "career_stage"


def test_a_preference_the_scorer_does_not_know_is_named_not_invented(tmp_path):
    wishes = ["Same gender, Someone with similar hobbies", "Someone with similar hobbies",
              "Same gender"]
    result = _init(tmp_path, {**_people(3, "mentor"), "Gender": ["Woman", "Man", "Man"]},
                   {**_people(3, "mentee"), "Gender": ["Man", "Woman", "Man"],
                    "Preferences for your mentor": wishes})
    assert set(result.tables["vocabularies"]["preferences"]) <= set(PREFERENCES)
    assert any("Someone with similar hobbies" in note for note in result.notes)
    (tmp_path / "program.toml").write_text(render_toml(result, []), encoding="utf-8")
    load_config(tmp_path / "program.toml")  # the config itself loads
