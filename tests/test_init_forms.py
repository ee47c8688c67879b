"""Form tools' own export shapes and rules stated in a form's words (issue 12, items 2-3).

SurveyMonkey's two header rows and Qualtrics' three are read as one header by init and by
the intake, with every message naming the row the coordinator sees; a question whose own
words state a matching rule ("matched within your own department") becomes a
`[match_on]` table in init's config."""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from scoring.intake.form_reading.stated_rules import rule_in_header
from scoring.intake.spreadsheet import read_table


def _write(path: Path, grid: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(grid)
    return path


def _surveymonkey(path: Path, stage: str = "Director") -> Path:
    return _write(path, [
        ["Respondent ID", "Email Address", "What is your email?", "Your name",
         "Current position", "Areas you can help with", "", "", ""],
        ["", "", "Open-Ended Response", "Open-Ended Response", "Response", "Budgeting",
         "Fundraising, events and galas", "Board relations", "Other (please specify)"],
        ["R_1", "", "ana@x.org", "Ana", stage, "Budgeting", "", "Board relations", ""],
        ["R_2", "", "ben@x.org", "Ben", "Director", "", "Fundraising, events and galas", "",
         "Grant reporting"],
    ])


def test_surveymonkey_question_and_option_rows_read_as_one_header(tmp_path):
    table = read_table(_surveymonkey(tmp_path / "mentors.csv"))
    assert table.headers == [
        "Respondent ID", "Email Address", "What is your email?", "Your name",
        "Current position", "Areas you can help with",
        "Areas you can help with - Other (please specify)"]
    # The option row is no person; people keep the row numbers the spreadsheet shows.
    assert [number for number, _ in table.rows] == [3, 4]
    ticked = [cells[5] for _, cells in table.rows]
    assert ticked == ["Budgeting\nBoard relations", "Fundraising, events and galas"]
    assert table.rows[1][1][6] == "Grant reporting"


def test_an_export_with_header_rows_and_nobody_below_is_refused_by_name(tmp_path):
    grid = [["Respondent ID", "What is your email?"], ["", "Open-Ended Response"]]
    result = CliRunner().invoke(cli, ["init", str(_write(tmp_path / "a.csv", grid)),
                                      str(_write(tmp_path / "b.csv", grid)),
                                      "--out", str(tmp_path / "p.toml")])
    assert result.exit_code == 2 and "a.csv: the file has its form tool's header rows but " \
        "no rows of answers" in result.output
    assert not (tmp_path / "p.toml").exists()


def test_a_person_who_wrote_response_is_a_person_not_an_option_row(tmp_path):
    """Only SurveyMonkey's own row 2 is left out: a first person whose answer happens to
    be "Response" keeps their row (nothing lost)."""
    grid = [["Id", "Name", "Stage", "Goals"],
            ["p1", "Ana", "Resident", "Response"],
            ["p2", "Ben", "Fellow", "Research"]]
    table = read_table(_write(tmp_path / "mentees.csv", grid))
    assert table.headers == grid[0] and [n for n, _ in table.rows] == [2, 3]


def _qualtrics(path: Path, rows: list[list[str]], import_row: bool = True) -> Path:
    ids = ["StartDate", "ResponseId", "Q1", "Q2", "Q3", "Q4", "Q4_5_TEXT"]
    texts = ["Start Date", "Response ID", "Email", "Name", "Current position",
             "Topics you can help with - Selected Choice",
             "Topics you can help with - Other - Text"]
    imports = [json.dumps({"ImportId": i}) for i in ("startDate", "_recordId", "QID1",
                                                      "QID2", "QID3", "QID4", "QID4_5_TEXT")]
    header = [ids, texts, imports] if import_row else [texts, imports]
    return _write(path, [*header, *rows])


def test_qualtrics_ids_question_text_and_import_rows_read_as_one_header(tmp_path):
    person = ["2026-09-01 10:00", "R_1", "ana@x.org", "Ana", "Postdoc", "Statistics,Writing", ""]
    table = read_table(_qualtrics(tmp_path / "a.csv", [person]))
    assert table.headers[2:] == ["Email", "Name", "Current position",
                                 "Topics you can help with",
                                 "Topics you can help with - Other - Text"]
    assert table.rows == [(4, person)]
    # The variant without the ids row: the question row is the header, ImportId skipped.
    table = read_table(_qualtrics(tmp_path / "b.csv", [person], import_row=False))
    assert table.headers[2] == "Email" and table.rows == [(3, person)]


def test_a_bad_answer_in_a_surveymonkey_export_is_named_at_its_spreadsheet_row(tmp_path):
    mentors = _surveymonkey(tmp_path / "mentors.csv", stage="Astronaut")
    mentees = _write(tmp_path / "mentees.csv", [
        ["Respondent ID", "What is your email?", "Your name", "Current position"],
        ["", "Open-Ended Response", "Open-Ended Response", "Response"],
        ["R_9", "cy@x.org", "Cy", "Coordinator"]])
    config = tmp_path / "program.toml"
    config.write_text(
        '[columns.mentors]\n"What is your email?" = "email"\n"Your name" = "name"\n'
        '"Current position" = "career_stage"\n"Areas you can help with" = "expertise_areas"\n'
        '[columns.mentees]\n"What is your email?" = "email"\n"Your name" = "name"\n'
        '"Current position" = "career_stage"\n'
        '[vocabularies.career_stage]\ncoordinator = ["Coordinator"]\n'
        'director = ["Director"]\n'
        '[vocabularies.areas]\nbudgeting = ["Budgeting"]\n'
        'fundraising = ["Fundraising, events and galas"]\nboard = ["Board relations"]\n',
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(mentors), str(mentees),
                                      "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert "row 3" in result.output and "Astronaut" in result.output
    assert "Budgeting" not in result.output  # ticked options are known answers


@pytest.mark.parametrize(("header", "target", "kind", "gap"), [
    ("Department (you will be matched within your own department)", "specialty",
     "require_same", None),
    ("Team - same team required", "specialty", "require_same", None),
    ("Campus (mentors are paired with someone from a different campus)", "institution",
     "require_different", None),
    ("Division: never matched with someone in your own division", "specialty",
     "require_different", None),
    ("Profession (we try to match people within their own profession)", "specialty",
     "reward", None),
    ("Grade (your mentor is at least two grades above you)", "career_stage",
     "require_gap", (2, 5)),
    ("Grade (mentors are at most 2 grades above)", "career_stage", "require_gap", (1, 2)),
    ("Level (one to three levels senior)", "career_stage", "require_gap", (1, 3)),
    ("Years of experience (mentors have at least 5 years more)", "attr:years",
     "require_gap", (5, 5)),
])
def test_a_rule_stated_in_a_question_is_read(header, target, kind, gap):
    rule = rule_in_header(header, target, top=5)
    assert rule is not None and (rule.kind, rule.gap) == (kind, gap)
    assert rule.field == target.removeprefix("attr:")


@pytest.mark.parametrize(("header", "target"), [
    ("Department", "specialty"),
    ("Would you prefer a mentor from a different department?", "preferences"),
    ("Is there anyone you should NOT be matched with?", "exclude"),
    ("Career stage (same stage as your peers)", "career_stage"),
])
def test_a_question_stating_no_rule_gives_none(header, target):
    assert rule_in_header(header, target, top=5) is None


def test_a_question_on_no_field_that_states_a_rule_becomes_an_attribute(tmp_path):
    """'Region (you are matched within your own region)' is no built-in field: init maps
    it to attr:region on both sheets and writes the rule; validate accepts the config."""
    regions = ["North", "South", "North", "South"]
    mentors = _write(tmp_path / "mentors.csv", [
        ["Email", "Name", "Region (you are matched within your own region)"],
        *[[f"m{i}@x.org", f"M {i}", r] for i, r in enumerate(regions)]])
    mentees = _write(tmp_path / "mentees.csv", [
        ["Email", "Name", "Region (you are matched within your own region)"],
        *[[f"a{i}@x.org", f"A {i}", r] for i, r in enumerate(regions)]])
    out = tmp_path / "program.toml"
    made = CliRunner().invoke(cli, ["init", str(mentors), str(mentees), "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert "written as [match_on.same_region]" in made.output
    written = tomllib.loads(out.read_text(encoding="utf-8"))
    header = "Region (you are matched within your own region)"
    assert written["columns"]["mentors"][header] == "attr:region"
    assert written["columns"]["mentees"][header] == "attr:region"
    assert written["match_on"] == {"same_region": {"field": "region", "kind": "require_same"}}
    checked = CliRunner().invoke(cli, ["validate", str(mentors), str(mentees),
                                       "--config", str(out)])
    assert " 0 errors" in checked.output, checked.output


def test_a_blank_collector_column_never_takes_the_field_people_answered(tmp_path):
    """SurveyMonkey's own "Email Address" is blank for a web-link survey: the e-mail is
    the question people answered; and a site named "North Hospital" is no time zone."""
    sites = ["North Hospital", "South Hospital", "North Hospital", "Community Clinic"]
    def sheet(path: Path, prefix: str) -> Path:
        return _write(path, [["Email Address", "What is your work email?", "Name", "Site"],
                             *[["", f"{prefix}{i}@x.org", f"P {i}", s]
                               for i, s in enumerate(sites)]])
    out = tmp_path / "p.toml"
    made = CliRunner().invoke(cli, ["init", str(sheet(tmp_path / "m.csv", "m")),
                                    str(sheet(tmp_path / "a.csv", "a")), "--out", str(out)])
    assert made.exit_code == 0, made.output
    columns = tomllib.loads(out.read_text(encoding="utf-8"))["columns"]
    for side in ("mentors", "mentees"):
        assert columns[side]["What is your work email?"] == "email"
        assert "Email Address" not in columns[side]
        assert columns[side]["Site"] == "institution"
