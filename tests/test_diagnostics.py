"""`validate` is never silently wrong (issue 12, item 3): what the match would be is checked
before solving, each finding names the file, column or config key and the fix, and a
cohort the match would get wrong stops `validate` and `match` with exit status 2."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from scoring.config import config_from_dict, load_config
from scoring.diagnostics import GROUP_AT, diagnose, group_problems
from scoring.features import build_features
from scoring.intake.cohort import read_cohort
from scoring.profiles import Problem

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
STAGES = ["student", "resident", "fellow", "early_career", "mid_career", "senior"]


def write(path: Path, headers: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def findings(tmp_path: Path, mentors, mentees, tables: dict | None = None) -> list[Problem]:
    config = config_from_dict(tables or {})
    cohort = read_cohort(write(tmp_path / "mentors.csv", *mentors),
                         write(tmp_path / "mentees.csv", *mentees), config)
    return diagnose(cohort, build_features(cohort, config), config)


def codes(found: list[Problem]) -> list[tuple[str, str]]:
    return [(p.severity, p.code) for p in found]


def people(prefix: str, stages: list[str], extra: list[str] | None = None) -> list[list[str]]:
    return [[f"{prefix}{i}@x.org", f"{prefix.upper()} {i}", stage, *(extra or [])]
            for i, stage in enumerate(stages)]


# --- the sample and a wrong stage order ---------------------------------------------------

@pytest.fixture(scope="module")
def sample_findings() -> list[Problem]:
    config = load_config(SAMPLE / "program.toml")
    cohort = read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", config)
    return diagnose(cohort, build_features(cohort, config), config)


def test_the_sample_has_no_error_and_names_the_mentees_no_mentor_can_take(sample_findings):
    assert codes(sample_findings) == [("warning", "no_eligible_mentor")] * 2
    seniority, language = sample_findings
    assert seniority.key == "[rules] mentor_more_senior"
    assert "2 mentees have no eligible mentor" in seniority.message
    assert "'senior_faculty'" in seniority.message and "rows 90, 149" in seniority.message
    assert "recruit more senior mentors" in seniority.fix
    assert language.key == "[rules] shared_language"
    assert "shared_language = false" in language.fix


def _sample_with_stage_order(tmp_path: Path, order: list[int], guessed: bool) -> Path:
    """The sample config with its career stages in another order (as a guessing init
    might write them)."""
    text = (SAMPLE / "program.toml").read_text(encoding="utf-8")
    start = text.index("[vocabularies.career_stage]")
    end = text.index("\n[", start + 1)
    entries = re.split(r"\n(?=[a-z_]+ = )", text[start:end].split("\n", 1)[1].strip())
    table = "[vocabularies.career_stage]\n" + "\n".join(entries[i] for i in order) + "\n"
    text = text[:start] + table + text[end:]
    if guessed:
        text = text.replace("[intake]", '[intake]\nguessed_order = ["career_stage"]', 1)
    path = tmp_path / "program.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_guessed_order_making_students_most_senior_names_them_and_the_guess(tmp_path):
    config = load_config(_sample_with_stage_order(tmp_path, [1, 2, 3, 4, 5, 0], True))
    cohort = read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", config)
    found = diagnose(cohort, build_features(cohort, config), config)
    (stranded,) = [p for p in found if p.key == "[rules] mentor_more_senior"
                   and p.code == "no_eligible_mentor"]
    assert "medical_student ×18" in stranded.message
    assert "guessed from the file" in stranded.fix
    assert "Is your career-stage order right? No mentor is at stage 'medical_student'" \
        in stranded.fix


def test_a_reversed_stage_order_is_an_error_for_validate_and_match(tmp_path):
    config_path = _sample_with_stage_order(tmp_path, [5, 4, 3, 2, 1, 0], False)
    arguments = [str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv"), "--config",
                 str(config_path)]
    result = CliRunner().invoke(cli, ["validate", *arguments])
    assert result.exit_code == 2
    assert "ERROR:" in result.output and "`mentor_more_senior`" in result.output
    assert "match could place at most" in result.output
    assert "Most mentors rank below most mentees" in result.output
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["match", *arguments, "--out", str(out), "--quiet"])
    assert result.exit_code == 2
    assert "The match would be wrong, so nothing was matched or written" in result.output
    assert not out.exists()


def test_validate_json_carries_each_finding_as_a_record(tmp_path):
    config_path = _sample_with_stage_order(tmp_path, [5, 4, 3, 2, 1, 0], False)
    result = CliRunner().invoke(cli, ["validate", str(SAMPLE / "mentors.csv"),
                                      str(SAMPLE / "mentees.csv"), "--config",
                                      str(config_path), "--json"])
    report = json.loads(result.output)
    assert not report["ok"]
    (error,) = [e for e in report["errors"] if e["code"]]
    assert (error["code"], error["key"]) == ("no_eligible_mentor", "[rules] mentor_more_senior")
    assert {w["code"] for w in report["warnings"]} >= {"rule_removes_most_pairs",
                                                       "stage_order_inverted"}


# --- placement -----------------------------------------------------------------------------

def test_a_cohort_that_would_place_no_one_is_an_error(tmp_path):
    mentors = (["Email", "Name", "Career stage"], people("m", ["student"] * 3))
    mentees = (["Email", "Name", "Career stage"], people("e", ["senior"] * 4))
    found = findings(tmp_path, mentors, mentees)
    assert found[0].severity == "error" and found[0].code == "no_eligible_mentor"
    assert "4 mentees have no eligible mentor because of `mentor_more_senior`" in \
        found[0].message
    assert "at most 0 of 4 mentees with it, 4 without it" in found[0].message


def test_a_rule_halving_the_placeable_mentees_is_an_error_and_a_smaller_cut_a_warning(
        tmp_path):
    mentors = (["Email", "Name", "Languages"], [[f"m{i}@x.org", "M", "French"]
                                                for i in range(4)] + [["f@x.org", "F",
                                                                       "English"]])
    tables: dict[str, dict[str, dict[str, list[str]]]] = {
        "vocabularies": {"languages": {"english": [], "french": []}}}
    mostly_english = (["Email", "Name", "Languages"],
                      [[f"e{i}@x.org", "E", "English"] for i in range(6)]
                      + [["g@x.org", "G", "French"]])
    found = findings(tmp_path, mentors, mostly_english, tables)
    # 7 placeable without the rule (capacity 5 x 2 = 10), at most 1 + 1 with it.
    assert ("error", "no_eligible_mentor") in codes(found)
    mostly_french = (["Email", "Name", "Languages"],
                     [[f"e{i}@x.org", "E", "French"] for i in range(6)]
                     + [["g@x.org", "G", "German, Italian"]])
    tables["vocabularies"]["languages"].update({"german": [], "italian": []})
    found = [p for p in findings(tmp_path, mentors, mostly_french, tables)
             if p.code == "no_eligible_mentor"]  # (every pair scores the same here, too)
    assert codes(found) == [("warning", "no_eligible_mentor")]
    assert "1 mentee has no eligible mentor because of `shared_language`" in found[0].message


def test_every_mentor_at_capacity_zero_is_an_error_pointing_to_capacity(tmp_path):
    mentors = (["Email", "Name", "Capacity"], [["m@x.org", "M", "0"], ["n@x.org", "N", "0"]])
    found = findings(tmp_path, mentors, (["Email", "Name"], [["a@x.org", "A"]]))
    assert codes(found)[0] == ("error", "capacity_zero")
    assert "--capacity" in found[0].fix


def test_a_rule_removing_most_pairs_is_named_with_its_share(tmp_path):
    mentors = (["Email", "Name", "Career stage"], people("m", ["senior", "fellow", "fellow",
                                                               "fellow"]))
    mentees = (["Email", "Name", "Career stage"], people("e", ["fellow"] * 4))
    found = findings(tmp_path, mentors, mentees)
    (greedy,) = [p for p in found if p.code == "rule_removes_most_pairs"]
    assert "`mentor_more_senior` removes 75% of all mentor-mentee pairs (12 of 16)" in \
        greedy.message


# --- components, preferences, columns -------------------------------------------------------

def test_a_component_mapped_on_one_side_only_is_named_with_the_missing_side(tmp_path):
    tables = {"vocabularies": {"areas": {"research": [], "teaching": []}},
              "columns": {"mentees": {"Help with": "need_areas"}}}
    mentors = (["Email", "Name"], [[f"m{i}@x.org", f"M {i}"] for i in range(5)])
    mentees = (["Email", "Name", "Help with"],
               [[f"e{i}@x.org", f"E {i}", ["Research", "Teaching"][i % 2]] for i in range(5)])
    found = findings(tmp_path, mentors, mentees, tables)
    (constant,) = [p for p in found if p.code == "constant_component"]
    assert constant.key == "[weights] need_coverage"
    assert "`need_coverage` is 0.00 for every pair" in constant.message
    assert "the mentors' expertise areas is blank on every row (no column is mapped to it)" \
        in constant.message
    assert "[columns.mentors]" in constant.message


def test_components_the_form_never_asked_about_are_not_reported(tmp_path):
    mentors = (["Email", "Name"], [[f"m{i}@x.org", f"M {i}"] for i in range(6)])
    mentees = (["Email", "Name"], [[f"e{i}@x.org", f"E {i}"] for i in range(6)])
    assert [p for p in findings(tmp_path, mentors, mentees)
            if p.code == "constant_component"] == []


def test_a_preference_no_pair_can_honour_is_named(tmp_path):
    tables = {"columns": {"mentees": {"Same gender?": "pref:same_gender", "Gender": "gender"}}}
    mentors = (["Email", "Name"], [["m@x.org", "M"]])
    mentees = (["Email", "Name", "Same gender?", "Gender"],
               [["a@x.org", "A", "Yes", "Woman"], ["b@x.org", "B", "Yes", "Man"]])
    (finding,) = [p for p in findings(tmp_path, mentors, mentees, tables)
                  if p.code == "unmeetable_preference"]
    assert "2 mentees asked for same gender" in finding.message
    assert "the mentors' gender is blank on every row" in finding.message


def test_a_mapped_column_with_one_value_on_every_row_is_named(tmp_path):
    tables = {"columns": {"mentors": {"Job title": "career_stage"}}}
    mentors = (["Email", "Name", "Job title"], people("m", ["fellow"] * 6))
    mentees = (["Email", "Name"], [["a@x.org", "A"]])
    (finding,) = [p for p in findings(tmp_path, mentors, mentees, tables)
                  if p.code == "constant_column"]
    assert (finding.column, finding.value) == ("Job title", "fellow")
    assert '"Job title" = "ignore"' in finding.fix


def test_an_unmapped_column_that_looks_like_a_missing_field_is_named(tmp_path):
    mentors = (["Email", "Name", "Your time zone"], [["m@x.org", "M", "UTC+1"]])
    mentees = (["Email", "Name"], [["a@x.org", "A"]])
    (finding,) = [p for p in findings(tmp_path, mentors, mentees)
                  if p.code == "unmapped_field_column"]
    assert finding.column == "Your time zone"
    assert '"Your time zone" = "time_zone"' in finding.fix
    ignored = {"columns": {"mentors": {"Your time zone": "ignore"}}}
    assert not [p for p in findings(tmp_path, mentors, mentees, ignored)
                if p.code == "unmapped_field_column"]


# --- grouping -------------------------------------------------------------------------------

def test_many_cells_of_one_cause_are_one_message_with_values_counts_and_rows(tmp_path):
    grades = [f"Grade {i % 11}" for i in range(1000)]
    mentors = (["Email", "Name", "Career stage"],
               [[f"m{i}@x.org", "M", grade] for i, grade in enumerate(grades)])
    config = config_from_dict({})
    cohort = read_cohort(write(tmp_path / "m.csv", *mentors),
                         write(tmp_path / "e.csv", ["Email", "Name"], [["a@x.org", "A"]]),
                         config)
    assert len(cohort.errors) == 1000
    (grouped,) = group_problems(cohort.errors)
    assert grouped.message.startswith("1000 cells, 11 distinct values: 'Grade 0' ×91 (rows "
                                      "2, 13, 24, 35, 46 ...)")
    assert grouped.column == "Career stage" and "[vocabularies.career_stage]" in grouped.fix
    few = cohort.errors[:GROUP_AT - 1]
    assert group_problems(few) == few  # a handful stay one line each


def test_match_refusing_bad_cells_shows_one_line_per_cause(tmp_path):
    from scoring.errors import InvalidCohortError
    from scoring.intake.cohort import read_valid_cohort

    mentors = (["Email", "Name", "Career stage"],
               [[f"m{i}@x.org", "M", f"Grade {i % 11}"] for i in range(1000)])
    write(tmp_path / "m.csv", *mentors)
    write(tmp_path / "e.csv", ["Email", "Name"], [["a@x.org", "A"]])
    with pytest.raises(InvalidCohortError) as caught:
        read_valid_cohort(tmp_path / "m.csv", tmp_path / "e.csv", config_from_dict({}))
    message = str(caught.value)
    assert "1000 cells, 11 distinct values" in message
    assert len(message.splitlines()) == 2  # the summary and one grouped line
    assert len(caught.value.problems) == 1000  # every cell is still in the record


def test_a_column_set_aside_by_an_override_or_ignore_is_not_reported_as_unmapped(tmp_path):
    mentors = (["Email", "Name", "How many mentees can you take?", "Your Time Zone"],
               [["m@x.org", "M", "lots", "UTC"]])
    mentees = (["Email", "Name"], [["a@x.org", "A"]])
    tables = {"defaults": {"for_everyone": ["capacity"]},
              "columns": {"mentors": {"your time zone": "ignore"}}}
    assert not [p for p in findings(tmp_path, mentors, mentees, tables)
                if p.code == "unmapped_field_column"]


def test_every_pair_scoring_the_same_is_an_error_the_match_would_be_arbitrary(tmp_path):
    tables = {"columns": {"mentees": {"Help with": "need_areas"}},
              "vocabularies": {"areas": {"research": []}}}
    mentors = (["Email", "Name"], [[f"m{i}@x.org", f"M {i}"] for i in range(5)])
    mentees = (["Email", "Name", "Help with"],
               [[f"e{i}@x.org", f"E {i}", "Research"] for i in range(5)])
    found = findings(tmp_path, mentors, mentees, tables)
    assert codes(found)[0] == ("error", "arbitrary_match")
    assert "so the match would be arbitrary" in found[0].message
    assert "`[weights] need_coverage`" in found[0].message


def test_alike_answers_making_every_score_equal_are_a_warning_not_an_error(tmp_path):
    tables = {"vocabularies": {"areas": {"research": []}},
              "columns": {"mentors": {"Areas": "expertise_areas"},
                          "mentees": {"Areas": "need_areas", "Goals": "goals"}}}
    mentors = (["Email", "Name", "Areas"], [[f"m{i}@x.org", "M", "Research"] for i in range(5)])
    mentees = (["Email", "Name", "Areas", "Goals"],
               [[f"e{i}@x.org", "E", "Research", "Publish research"] for i in range(5)])
    (finding,) = [p for p in findings(tmp_path, mentors, mentees, tables)
                  if p.code == "arbitrary_match"]
    assert finding.severity == "warning"  # the forms were read right; the people are alike
