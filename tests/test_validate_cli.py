"""`mentormatch validate`: what a coordinator sees, exit statuses, --json, the sample cohort."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cli.main import cli
from cli.validate import summary_line
from sample_data import generate
from scoring.config import load_config
from scoring.intake.cohort import read_cohort
from scoring.profiles import Cohort, Mentee, Mentor, Problem

CORPUS = Path(__file__).parent / "corpus"
SAMPLE = Path(__file__).parent.parent / "sample_data"


def run(*arguments: str | Path):
    return CliRunner().invoke(cli, [str(a) for a in arguments])


def test_errors_are_listed_before_warnings_and_exit_2():
    result = run("validate", CORPUS / "blank_rows.csv", CORPUS / "multiline_quoted.csv",
                 "--config", CORPUS / "corpus.toml")
    assert result.exit_code == 2
    assert "2 mentors, 2 mentees, 2 errors, 2 warnings." in result.output  # "EST" twice
    assert "match will not run" in result.output
    output = result.output
    assert output.index("Errors (2):") < output.index("'lots'") < output.index("'many'") \
        < output.index("Warnings (2):") < output.index("'EST'")
    result = run("validate", CORPUS / "time_zone_unknown.csv", CORPUS / "exclude_unknown.csv",
                 "--config", CORPUS / "corpus.toml")
    output = result.output
    assert result.exit_code == 2
    assert output.index("Errors (1):") < output.index("ghost@example.org") \
        < output.index("Warnings (2):") < output.index("Mars Standard Time") \
        < output.index("'EST' was read as")


def test_warnings_alone_exit_0():
    result = run("validate", CORPUS / "capacity_words.csv", CORPUS / "good_mentees.csv",
                 "--config", CORPUS / "corpus.toml")
    assert result.exit_code == 0
    assert "Errors" not in result.output and "Warnings (3):" in result.output


def test_config_is_found_next_to_the_mentors_file(tmp_path):
    for name in ("good_mentors.csv", "good_mentees.csv"):
        shutil.copy(CORPUS / name, tmp_path / name)
    shutil.copy(CORPUS / "corpus.toml", tmp_path / "program.toml")
    result = run("validate", tmp_path / "good_mentors.csv", tmp_path / "good_mentees.csv")
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output


def test_json_lists_problems_with_their_location():
    result = run("validate", CORPUS / "duplicate_ids_case.csv", CORPUS / "good_mentees.csv",
                 "--config", CORPUS / "corpus.toml", "--json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["fatal"] is None
    assert (report["mentors"], report["mentees"]) == (2, 2)
    (error,) = report["errors"]
    assert error["file"].endswith("duplicate_ids_case.csv")
    assert (error["row"], error["column"], error["severity"]) == (4, "Email", "error")
    assert error["fix"]


def test_json_reports_an_unreadable_file_as_fatal():
    result = run("validate", CORPUS / "html_as_csv.csv", CORPUS / "good_mentees.csv",
                 "--config", CORPUS / "corpus.toml", "--json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["ok"] is False and "web page" in report["fatal"]


def test_unreadable_file_is_one_paragraph_without_traceback():
    result = run("validate", CORPUS / "password_protected.xlsx", CORPUS / "good_mentees.csv",
                 "--config", CORPUS / "corpus.toml")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


# --- the shipped sample cohort (sample_data/, written by generate.py) ----------------------
needs_sample = pytest.mark.skipif(not (SAMPLE / "mentees.csv").exists(),
                                  reason="sample_data/ has not been generated")


#: Planted quirks whose reading is an interpretation, by (sheet, planted answer): validate
#: must show each as a warning on its cell, saying how it was read. Every other planted
#: quirk (spaces, case, "N/A" in an optional question, an exact zone name, a configured
#: synonym) is read as written and must stay silent.
INTERPRETED_QUIRKS = {
    ("mentors", "two"): "Capacity 'two' was read as 2.",
    ("mentors", "2-3"): "Capacity '2-3' was read as 2.",
    ("mentors", "as many as needed"): "read as the program maximum, 5.",
    ("mentors", "PST"): "Time zone 'PST' was read as America/Los_Angeles (UTC-8 on 2027-01-11)",
    ("mentees", "EST"): "Time zone 'EST' was read as America/New_York (UTC-5 on 2027-01-11)",
}


@pytest.fixture(scope="module")
def planted_quirks(tmp_path_factory) -> list[tuple[str, int, str, str]]:
    """(sheet, spreadsheet row, header, planted answer) of every cell the shipped sample
    differs in from the same cohort generated without quirks."""
    gen = generate
    clean = tmp_path_factory.mktemp("clean")
    gen.write(clean, gen.SAMPLE_MENTEES, gen.SAMPLE_MENTORS, gen.SAMPLE_SEED)
    cells = []
    for sheet in ("mentors", "mentees"):
        shipped, plain = (pd.read_csv(folder / f"{sheet}.csv", dtype=str, keep_default_na=False)
                          for folder in (SAMPLE, clean))
        for row, column in zip(*(shipped != plain).to_numpy().nonzero(), strict=True):
            header = shipped.columns[column]
            cells.append((sheet, int(row) + 2, header, shipped.iloc[row, column]))
    assert len(cells) == len(gen.QUIRKS) + 1  # the e-mail quirk is planted besides QUIRKS
    return cells


@needs_sample
def test_sample_quirks_are_warnings_on_their_cells_and_nothing_else_is(planted_quirks):
    config = load_config(SAMPLE / "program.toml")
    cohort = read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", config)
    assert cohort.errors == []
    warned = {(Path(p.file).stem, p.row, p.column, p.value): p.message for p in cohort.warnings}
    expected = [cell for cell in planted_quirks if cell[::3] in INTERPRETED_QUIRKS]
    assert len(expected) == len(INTERPRETED_QUIRKS)  # each is planted exactly once
    assert sorted(warned) == sorted(expected)
    for cell in expected:
        assert INTERPRETED_QUIRKS[cell[::3]] in warned[cell]


@needs_sample
def test_sample_cohort_validates_and_lists_its_quirks(planted_quirks):
    result = run("validate", SAMPLE / "mentors.csv", SAMPLE / "mentees.csv")
    assert result.exit_code == 0, result.output
    assert "Errors" not in result.output
    # + what the match would be: two senior-faculty mentees no mentor outranks, and one
    # mentee whose only language no mentor speaks (diagnostics, not cells)
    assert f"0 errors, {len(INTERPRETED_QUIRKS) + 2} warnings." in result.output
    assert "2 mentees have no eligible mentor because of `mentor_more_senior`" in result.output
    assert "1 mentee has no eligible mentor because of `shared_language`" in result.output
    for sheet, row, header, answer in planted_quirks:
        line = f"WARNING: {SAMPLE / sheet}.csv, row {row}, column {header!r} (value {answer!r})"
        assert (line in result.output) == ((sheet, answer) in INTERPRETED_QUIRKS), line


@needs_sample
def test_sample_quirks_read_as_what_they_mean():
    """The planted quirks (sample_data/generate.py QUIRKS) normalise to their meaning."""
    config = load_config(SAMPLE / "program.toml")
    cohort = read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", config)
    assert cohort.errors == []
    raw = {side: pd.read_csv(SAMPLE / f"{side}.csv", dtype=str, keep_default_na=False)
           for side in ("mentors", "mentees")}
    mentors = {m.source_row: m for m in cohort.mentors}
    mentees = {m.source_row: m for m in cohort.mentees}

    def row_of(side: str, column_word: str, value: str) -> int:
        frame = raw[side]
        column = next(c for c in frame.columns if column_word in c)
        return int(frame.index[frame[column] == value][0]) + 2

    capacity = "How many mentees"
    assert mentors[row_of("mentors", capacity, "two")].capacity == 2
    assert mentors[row_of("mentors", capacity, "2-3")].capacity == 2
    assert mentors[row_of("mentors", capacity, "as many as needed")].capacity == 5
    assert mentors[row_of("mentors", "time zone", "PST")].time_zone == -8.0  # January start
    assert mentors[row_of("mentors", "career stage", "Associate professor")].career_stage \
        == "mid_career_faculty"
    assert mentees[row_of("mentees", "time zone", "EST")].time_zone == -5.0
    assert mentees[row_of("mentees", "time zone", "America/Chicago")].time_zone == -6.0
    assert mentees[row_of("mentees", "ways to meet", "zoom")].modes == ("video",)
    assert mentees[row_of("mentees", "preferences", "N/A")].preferences == ()
    # The capitalised, space-padded e-mail still matches the mentee who excludes it.
    padded = next(m for m in cohort.mentors
                  if raw["mentors"].loc[m.source_row - 2, "Email Address"].startswith(" "))
    assert any(padded.id in mentee.exclude for mentee in cohort.mentees)


@needs_sample
def test_sample_csv_pair_and_workbook_give_equal_cohorts():
    if not (SAMPLE / "cohort.xlsx").exists():
        pytest.skip("sample_data/cohort.xlsx has not been generated")
    config = load_config(SAMPLE / "program.toml")
    from_csv = read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", config)
    from_xlsx = read_cohort(SAMPLE / "cohort.xlsx", SAMPLE / "cohort.xlsx", config)
    assert from_xlsx.errors == []
    assert [(p.row, p.column, p.message) for p in from_xlsx.warnings] == [
        (p.row, p.column, p.message) for p in from_csv.warnings]
    assert from_xlsx.mentors == from_csv.mentors
    assert from_xlsx.mentees == from_csv.mentees


# --- what the terminal shows: counts, hostile cells ---------------------------------------


def test_summary_line_uses_singular_for_one():
    one = Problem("error", "m.csv", 2, "Email", "x", "Bad.", "Fix it.")
    cohort = Cohort(mentors=[Mentor(id="a", name="A")], mentees=[],
                    problems=[one, dataclasses.replace(one, severity="warning")])
    assert summary_line(cohort) == "1 mentor, 0 mentees, 1 error, 1 warning."
    assert summary_line(Cohort(mentors=[], mentees=[Mentee(id="b", name="B")] * 2)) == \
        "0 mentors, 2 mentees, 0 errors, 0 warnings."


RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # any control but a line break


def test_control_characters_in_cells_never_reach_the_terminal():
    arguments: list[str | Path] = ["validate", CORPUS / "control_characters.csv",
                                   CORPUS / "good_mentees.csv", "--config",
                                   CORPUS / "corpus.toml"]
    result = run(*arguments)
    assert result.exit_code == 2
    assert not RAW_CONTROL.search(result.output), repr(result.output)
    assert "(value 'Cook\\x1b]0;pwned\\x07ing')" in result.output
    as_json = run(*arguments, "--json")
    assert not RAW_CONTROL.search(as_json.stdout.replace("\n", "")), repr(as_json.stdout)
    values = {p["value"] for p in json.loads(as_json.stdout)["errors"]}
    assert {"Cook\x1b]0;pwned\x07ing", "\x9b31m2"} <= values  # raw values, JSON-escaped


def test_a_cell_with_ten_thousand_answers_validates_with_a_short_message(tmp_path):
    cell = ";".join(f"Unknown area {i % 3}" if i % 1000 == 0 else "Leadership"
                    for i in range(10_000))
    path = tmp_path / "m.csv"
    path.write_text(f"Email,Name,Areas\na@x.org,Ann,{cell}\n", encoding="utf-8")
    result = run("validate", path, CORPUS / "good_mentees.csv", "--config",
                 CORPUS / "corpus.toml")
    assert result.exit_code == 2
    # + no capacity; + the mentors' file gives no career stage or time zone, so two score
    # components are the same for every pair (diagnostics)
    assert "1 mentor, 2 mentees, 3 errors, 3 warnings." in result.output
    assert max(len(line) for line in result.output.splitlines()) < 600
    for i in range(3):
        assert result.output.count(f"'Unknown area {i}' is not a known areas value") == 1
