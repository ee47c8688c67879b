"""What a program's config can say (issue 12, item 2): yes/no preference questions, a match
on any categorical field, gap rules, switchable built-in rules, joined name columns,
per-kind mentor counts, exclusions by name, capacity overrides, ignored columns, time zones
in every common form and answer labels with commas. Each test reads real CSV files through
intake, as a coordinator's run would."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cli.main import cli
from scoring.config import ConfigError, ProgramConfig, config_from_dict, with_count_overrides
from scoring.explain import explain_pairs
from scoring.intake.cohort import read_cohort
from scoring.intake.normalise import lookup_values, parse_time_zone, split_values
from scoring.profiles import Cohort
from scoring.rules import active_rules, rule_sentence
from scoring.scorer import component_names, score_cohort

MENTOR_HEADERS = ["Email", "Name", "Languages"]
MENTEE_HEADERS = ["Email", "Name", "Languages"]


def write(path: Path, headers: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def cohort_of(tmp_path: Path, mentors: tuple[list[str], list[list[str]]],
              mentees: tuple[list[str], list[list[str]]],
              tables: dict) -> tuple[Cohort, ProgramConfig]:
    config = config_from_dict(tables)
    cohort = read_cohort(write(tmp_path / "mentors.csv", *mentors),
                         write(tmp_path / "mentees.csv", *mentees), config)
    return cohort, config


def messages(cohort: Cohort, severity: str = "warning") -> list[str]:
    return [str(p) for p in cohort.problems if p.severity == severity]


def config_error(tables: dict) -> str:
    with pytest.raises(ConfigError) as caught:
        config_from_dict(tables)
    return str(caught.value)


# --- yes/no preference questions ----------------------------------------------------------

def test_yes_no_questions_opt_mentees_into_one_preference_each(tmp_path):
    mentees = (["Email", "Name", "Same gender?", "Same major?", "Preferences"],
               [["a@x.org", "A", "Yes", "No", ""],
                ["b@x.org", "B", "yes please", "Y", "Same institution"],
                ["c@x.org", "C", "No preference", "", ""]])
    cohort, _ = cohort_of(tmp_path, (["Email", "Name"], [["m@x.org", "M"]]), mentees, {
        "columns": {"mentees": {"Same gender?": "pref:same_gender",
                                "Same major?": "pref:same_specialty",
                                "Preferences": "preferences"}}})
    assert cohort.errors == []
    prefs = {m.id: set(m.preferences) for m in cohort.mentees}
    assert prefs == {"a@x.org": {"same_gender"},
                     "b@x.org": {"same_gender", "same_specialty", "same_institution"},
                     "c@x.org": set()}


def test_an_unreadable_yes_no_answer_is_an_error_naming_the_cell(tmp_path):
    cohort, _ = cohort_of(tmp_path, (["Email", "Name"], [["m@x.org", "M"]]),
                          (["Email", "Name", "Same gender?"], [["a@x.org", "A", "Perhaps"]]),
                          {"columns": {"mentees": {"Same gender?": "pref:same_gender"}}})
    (error,) = cohort.errors
    assert (error.row, error.column, error.value) == (2, "Same gender?", "Perhaps")
    assert "[vocabularies.yes_no]" in error.fix


@pytest.mark.parametrize("tables, words", [
    ({"columns": {"mentees": {"Q": "pref:same_gendr"}}}, "did you mean 'same_gender'?"),
    ({"columns": {"mentors": {"Q": "pref:same_gender"}}}, "mentees' answers"),
    ({"vocabularies": {"preferences": {"same_gendr": ["A mentor of my gender"]}}},
     "did you mean 'same_gender'?"),
    ({"columns": {"mentees": {"Q": "count:coaches"}}}, "did you mean 'coach'?"),
    ({"columns": {"mentees": {"Q": "attr:Profession!"}}}, "lower-case letters"),
    ({"columns": {"mentees": {"Q": "attr:career_stage"}}}, "is a built-in field"),
    ({"columns": {"mentees": {"Q": "ignored"}}}, "Did you mean 'ignore'?"),
    ({"columns": {"mentees": {"Q": "prefs:same_gender"}}}, "not a known prefix"),
])
def test_unknown_column_targets_are_errors_with_a_suggestion(tables, words):
    assert words in config_error(tables)


# --- a match on any categorical field -----------------------------------------------------

def _profession_cohort(tmp_path, match_on: dict):
    mentors = (["Email", "Name", "Profession", "Department"],
               [["n@x.org", "Nurse Mentor", "Nurse", "Surgery"],
                ["d@x.org", "Doctor Mentor", "Doctor", "Oncology"]])
    mentees = (["Email", "Name", "Your profession", "Your department"],
               [["a@x.org", "A", "nurse", "Surgery"], ["b@x.org", "B", "", "Oncology"]])
    return cohort_of(tmp_path, mentors, mentees, {
        "columns": {"mentors": {"Profession": "attr:profession",
                                "Department": "attr:department"},
                    "mentees": {"Your profession": "attr:profession",
                                "Your department": "attr:department"}},
        "match_on": match_on})


def test_a_reward_on_a_categorical_field_is_a_component_explained_like_the_others(tmp_path):
    cohort, config = _profession_cohort(tmp_path, {"profession": {"kind": "reward",
                                                                  "weight": 25}})
    assert component_names(config)[-1] == "profession"
    block = score_cohort(cohort, config)
    np.testing.assert_array_equal(block.components["profession"],
                                  [[1.0, 0.0], [0.5, 0.5]])  # case folded; blank = neutral
    # Everything else being equal for mentee a, the same profession is worth 25/(100+25).
    gap = block.total[0, 0] - block.total[0, 1]
    others = sum(w * (block.components[n][0, 0] - block.components[n][0, 1])
                 for n, w in config.weights.as_dict().items()) * 100 / 125
    assert gap == pytest.approx(others + 100 * 25 / 125, abs=1e-3)
    same, different = explain_pairs(cohort, config, [("a@x.org", "n@x.org"),
                                                      ("a@x.org", "d@x.org")])
    assert same.component("profession").evidence == "Same profession"
    assert different.component("profession").evidence == "Different profession"
    for explanation in (same, different):
        assert round(sum(c.points for c in explanation.components), 1) == explanation.score


def test_require_different_and_require_same_are_rules_named_by_their_table(tmp_path):
    cohort, config = _profession_cohort(tmp_path, {
        "department": {"kind": "require_different"}})
    block = score_cohort(cohort, config)
    assert "department" in active_rules(config)
    np.testing.assert_array_equal(block.violations["department"],
                                  [[True, False], [False, True]])
    assert "must have different department" in rule_sentence("department", config)
    cohort, config = _profession_cohort(tmp_path, {"profession": {"kind": "require_same"}})
    # Mentee b left profession blank: a blank never blocks a pair.
    np.testing.assert_array_equal(score_cohort(cohort, config).violations["profession"],
                                  [[False, True], [False, False]])


def test_a_gap_rule_bounds_mentor_minus_mentee_on_an_ordered_field(tmp_path):
    stages = ["student", "resident", "fellow", "early_career", "mid_career", "senior"]
    mentors = (["Email", "Name", "Career stage", "Grade"],
               [[f"{s}@x.org", s, s, f"G{i + 3}"] for i, s in enumerate(stages)])
    mentees = (["Email", "Name", "Career stage", "Grade"], [["a@x.org", "A", "resident", "G4"]])
    tables = {"columns": {"mentors": {"Grade": "attr:grade"},
                          "mentees": {"Grade": "attr:grade"}},
              "rules": {"mentor_more_senior": False},
              "match_on": {"stage_step": {"field": "career_stage", "kind": "require_gap",
                                          "gap": [1, 2]},
                           "grade_step": {"field": "grade", "kind": "require_gap",
                                          "gap": [0, 3]}}}
    cohort, config = cohort_of(tmp_path, mentors, mentees, tables)
    block = score_cohort(cohort, config)
    # resident (rank 1): stage gaps -1, 0, 1, 2, 3, 4 → only fellow and early_career pass.
    assert block.violations["stage_step"][0].tolist() == [True, True, False, False, True, True]
    # grades G3..G8 against G4: gaps -1..4 → 0..3 pass.
    assert block.violations["grade_step"][0].tolist() == [True, False, False, False, False,
                                                          True]
    assert "between 1 and 2" in rule_sentence("stage_step", config)


@pytest.mark.parametrize("match_on, words", [
    ({"profession": {"kind": "reward"}}, "mapped on one side only"),
    ({"colour": {"kind": "reward"}}, "neither a built-in field"),
    ({"x": {"field": "specialty", "kind": "rewards"}}, "use \"reward\""),
    ({"x": {"field": "specialty", "kind": "require_same", "weight": 3}}, "Delete the weight"),
    ({"x": {"field": "career_stage", "kind": "require_gap"}}, "gap = [1, 2]"),
    ({"x": {"field": "career_stage", "kind": "require_gap", "gap": [2, 1]}}, "[low, high]"),
    ({"x": {"field": "specialty", "kind": "require_gap", "gap": [1, 2]}}, "ordered field"),
    ({"x": {"field": "specialty", "kind": "reward", "wieght": 3}}, "did you mean `weight`?"),
    ({"goal_text": {"field": "specialty", "kind": "reward"}}, "its own name"),
    ({"shared_language": {"field": "specialty", "kind": "require_same"}}, "its own name"),
])
def test_match_on_mistakes_are_errors_at_load(match_on, words):
    tables = {"columns": {"mentors": {"Profession": "attr:profession"}}, "match_on": match_on}
    assert words in config_error(tables)


# --- built-in rules can be switched off ---------------------------------------------------

def test_every_built_in_rule_can_be_switched_off(tmp_path):
    mentors = (["Email", "Name", "Languages"], [["m@x.org", "M", "French"]])
    mentees = (["Email", "Name", "Languages", "Avoid"],
               [["m@x.org", "Same person", "English", ""], ["a@x.org", "A", "English",
                                                             "m@x.org"]])
    tables = {"columns": {"mentees": {"Avoid": "exclude"}},
              "vocabularies": {"languages": {"english": [], "french": []}}}
    cohort, config = cohort_of(tmp_path, mentors, mentees, tables)
    assert not score_cohort(cohort, config).eligible.any()
    tables["rules"] = {"shared_language": False, "not_excluded": False,
                       "not_same_person": False}
    cohort, config = cohort_of(tmp_path, mentors, mentees, tables)
    assert active_rules(config) == ("mentor_more_senior",)
    assert score_cohort(cohort, config).eligible.all()


def test_a_misspelt_rule_switch_is_an_error_with_the_closest_name():
    assert "did you mean `shared_language`?" in config_error(
        {"rules": {"shared_languages": False}})


# --- several columns, one field -----------------------------------------------------------

def test_first_and_last_name_columns_are_joined(tmp_path):
    mentors = (["Email", "First name", "Last name"], [["m@x.org", "Ana", "López"],
                                                      ["n@x.org", "Bo", ""]])
    cohort, _ = cohort_of(tmp_path, mentors, (["Email", "Name"], [["a@x.org", "A"]]),
                          {"columns": {"mentors": {"First name": "name", "Last name": "name"}}})
    assert [m.name for m in cohort.mentors] == ["Ana López", "Bo"]


def test_per_kind_counts_give_the_help_wanted_and_the_network_size(tmp_path):
    mentees = (["Email", "Name", "Mentors?", "Coaches?", "Advisors?"],
               [["a@x.org", "A", "1", "1", "0"], ["b@x.org", "B", "", "", ""],
                ["c@x.org", "C", "2", "two", "1"]])
    cohort, _ = cohort_of(tmp_path, (["Email", "Name"], [["m@x.org", "M"]]), mentees, {
        "columns": {"mentees": {"Mentors?": "count:mentor", "Coaches?": "count:coach",
                                "Advisors?": "count:advisor"}}})
    a, b, c = cohort.mentees
    assert (a.help_wanted, a.network_size) == (("mentor", "coach"), 2)
    assert (b.help_wanted, b.network_size) == (("mentor",), 1)  # nothing said: the default
    assert (c.help_wanted, c.network_size) == (("mentor", "coach", "advisor"), 3)
    assert any("add up to 5" in w for w in messages(cohort))  # capped at max_network_size


# --- exclusions by name -------------------------------------------------------------------

def test_exclusions_by_name_are_matched_after_folding_case_accents_and_titles(tmp_path):
    mentors = (["Email", "Name"], [["ana@x.org", "Ana López"], ["bo@x.org", "Bo Smith"],
                                   ["bo2@x.org", "Bo Smyth"], ["cy@x.org", "Cy Ng"],
                                   ["cy2@x.org", "Cy Ng"]])
    mentees = (["Email", "Name", "Avoid"],
               [["a@x.org", "A", "Dr. ana lopez"], ["b@x.org", "B", "Smith"],
                ["c@x.org", "C", "Zed Quux"], ["d@x.org", "D", "cy ng"],
                ["e@x.org", "E", "no"], ["f@x.org", "F", "N/A"], ["g@x.org", "G", "-"],
                ["h@x.org", "H", "none"]])
    cohort, _ = cohort_of(tmp_path, mentors, mentees,
                          {"columns": {"mentees": {"Avoid": "exclude"}}})
    assert cohort.errors == []
    excluded = {m.id: set(m.exclude) for m in cohort.mentees}
    assert excluded["a@x.org"] == {"ana@x.org"}
    assert excluded["b@x.org"] == {"bo@x.org"}  # one surname: taken, with a warning
    assert excluded["c@x.org"] == set()
    assert excluded["d@x.org"] == {"cy@x.org", "cy2@x.org"}  # ambiguous: both, warned
    assert all(not excluded[f"{k}@x.org"] for k in "efgh")  # "no", "N/A", "-", "none"
    warnings = messages(cohort)
    assert any("'Smith' was read as Bo Smith (mentor, row 3)" in w for w in warnings)
    assert any("No one in either file is called 'Zed Quux'" in w for w in warnings)
    assert any("'cy ng' could be any of 2 people" in w for w in warnings)
    block = score_cohort(cohort, config_from_dict({}))
    assert block.violations["not_excluded"][0].tolist() == [True, False, False, False, False]


def test_an_unknown_email_in_an_exclusion_is_still_an_error(tmp_path):
    cohort, _ = cohort_of(tmp_path, (["Email", "Name"], [["m@x.org", "M"]]),
                          (["Email", "Name", "Avoid"], [["a@x.org", "A", "zz@x.org"]]),
                          {"columns": {"mentees": {"Avoid": "exclude"}}})
    (error,) = cohort.errors
    assert "in neither the mentor nor the mentee file" in error.message


# --- capacity for everyone, ignored columns -----------------------------------------------

def test_a_capacity_override_replaces_the_columns_answers(tmp_path):
    mentors = (["Email", "Name", "How many?"], [["m@x.org", "M", "lots"],
                                                ["n@x.org", "N", "0"]])
    tables = {"columns": {"mentors": {"How many?": "capacity"}}}
    cohort, config = cohort_of(tmp_path, mentors, (["Email", "Name"], [["a@x.org", "A"]]),
                               tables)
    assert len(cohort.errors) == 1  # "lots"
    overridden = with_count_overrides(config, capacity=7)
    assert overridden.defaults.capacity == 7 and overridden.defaults.max_capacity == 7
    assert overridden.defaults.for_everyone == ("capacity",)
    again = read_cohort(tmp_path / "mentors.csv", tmp_path / "mentees.csv", overridden)
    assert again.errors == [] and [m.capacity for m in again.mentors] == [7, 7]
    assert again.mentors[0].extra["How many?"] == "lots"  # kept, not read


def test_validate_capacity_option_lets_a_form_without_capacity_pass(tmp_path):
    write(tmp_path / "m.csv", ["Email", "Name", "Capacity"], [["m@x.org", "M", "lots"]])
    write(tmp_path / "e.csv", ["Email", "Name"], [["a@x.org", "A"]])
    (tmp_path / "p.toml").write_text("", encoding="utf-8")
    base = ["validate", str(tmp_path / "m.csv"), str(tmp_path / "e.csv"), "--config",
            str(tmp_path / "p.toml")]
    assert CliRunner().invoke(cli, base).exit_code == 2
    result = CliRunner().invoke(cli, [*base, "--capacity", "3"])
    assert result.exit_code == 0, result.output


def test_an_ignored_column_is_not_read_even_when_its_header_spells_a_field(tmp_path):
    mentors = (["Email", "Name", "Career stage"], [["m@x.org", "M", "Astronaut"]])
    tables = {"columns": {"mentors": {"Career stage": "ignore"}}}
    cohort, _ = cohort_of(tmp_path, mentors, (["Email", "Name"], [["a@x.org", "A"]]), tables)
    assert cohort.errors == []  # "Astronaut" is not a stage, but the column is not read
    assert cohort.mentors[0].career_stage is None
    assert cohort.mentors[0].extra["Career stage"] == "Astronaut"


# --- time zones and labels with commas ----------------------------------------------------

@pytest.mark.parametrize("text, hours", [
    ("UTC+5.5", 5.5), ("GMT+05:30", 5.5), ("+8", 8.0), ("8", 8.0), ("0", 0.0),
    ("-5.0", -5.0), ("5.5", 5.5), ("UTC-3.5", -3.5), ("UTC+5:45", 5.75),
    ("(GMT -3:00) Brazil, Buenos Aires", -3.0), ("Asia/Kathmandu", 5.75),
    ("(UTC+05:30) Chennai, Kolkata", 5.5), ("UTC+9:30 Adelaide", 9.5),
])
def test_time_zones_in_every_common_form_keep_fractional_offsets(text, hours):
    offset, issues = parse_time_zone(text)
    assert offset == hours and issues == []


@pytest.mark.parametrize("text", ["UTC+15", "99", "5.5:30", "somewhere"])
def test_an_unreadable_time_zone_is_a_warning_and_blank(text):
    offset, issues = parse_time_zone(text)
    assert offset is None and [i.severity for i in issues] == ["warning"]


def test_a_label_with_commas_in_brackets_survives_splitting(tmp_path):
    cell = "Chat (e.g., Slack, WhatsApp), Video call"
    assert split_values(cell, (";", ",")) == ["Chat (e.g., Slack, WhatsApp)", "Video call"]
    config = config_from_dict({"vocabularies": {"modes": {"message": [], "video": []}}})
    values, unknown = lookup_values(cell, config.vocabulary("modes"), (";", ","))
    assert unknown[0] == "Chat (e.g., Slack, WhatsApp)"  # the whole label, never fragments
    assert not {"Chat (e.g.", "Slack", "WhatsApp)"} & set(unknown)
    config = config_from_dict({"vocabularies": {"modes": {
        "message": ["Chat (e.g., Slack, WhatsApp)"], "video": ["Video call"]}}})
    assert lookup_values(cell, config.vocabulary("modes"), (";", ","))[0] == (
        "message", "video")


def test_the_unknown_answer_fix_asks_for_the_whole_label(tmp_path):
    mentors = (["Email", "Name", "Modes"], [["m@x.org", "M", "Chat (e.g., Slack, WhatsApp)"]])
    cohort, _ = cohort_of(tmp_path, mentors, (["Email", "Name"], [["a@x.org", "A"]]),
                          {"columns": {"mentors": {"Modes": "modes"}}})
    (error,) = cohort.errors
    assert "'Chat (e.g., Slack, WhatsApp)' is not a known modes value" in error.message
    assert "whole answer" in error.fix


def test_an_attribute_may_have_its_own_vocabulary_giving_synonyms_and_an_order(tmp_path):
    tables = {"columns": {"mentors": {"Grade": "attr:grade"}, "mentees": {"Grade": "attr:grade"}},
              "vocabularies": {"grade": {"eo": ["Executive Officer", "EO"],
                                         "heo": ["Higher Executive Officer", "HEO"],
                                         "seo": ["Senior Executive Officer", "SEO"],
                                         "g7": ["Grade 7"]}},
              "match_on": {"grade_step": {"field": "grade", "kind": "require_gap",
                                          "gap": [1, 2]}}}
    mentors = (["Email", "Name", "Grade"], [["a@x.org", "A", "HEO"], ["b@x.org", "B", "SEO"],
                                            ["c@x.org", "C", "grade 7"],
                                            ["d@x.org", "D", "Executive officer"]])
    mentees = (["Email", "Name", "Grade"], [["e@x.org", "E", "EO"], ["f@x.org", "F", "G9"]])
    cohort, config = cohort_of(tmp_path, mentors, mentees, tables)
    assert [m.attributes["grade"] for m in cohort.mentors] == ["heo", "seo", "g7", "eo"]
    (error,) = cohort.errors  # "G9" is not a grade: named, with the vocabulary to extend
    assert (error.value, error.column) == ("G9", "Grade")
    assert "[vocabularies.grade]" in error.fix
    # EO (rank 0): HEO +1 and SEO +2 pass, Grade 7 (+3) and EO (0) do not.
    assert score_cohort(cohort, config).violations["grade_step"][0].tolist() == [
        False, False, True, True]


def test_a_vocabulary_for_an_attribute_no_column_defines_is_still_an_error():
    assert "is not a key" in config_error({"vocabularies": {"grade": {"g7": []}}})


def test_a_name_written_last_comma_first_and_a_bare_first_name(tmp_path):
    mentors = (["Email", "Name"], [["ana@x.org", "Ana López"], ["ana2@x.org", "Ana Ng"]])
    mentees = (["Email", "Name", "Avoid"], [["a@x.org", "A", "Lopez, Ana"],
                                            ["b@x.org", "B", "Ana"]])
    cohort, _ = cohort_of(tmp_path, mentors, mentees,
                          {"columns": {"mentees": {"Avoid": "exclude"}}})
    assert [set(m.exclude) for m in cohort.mentees] == [{"ana@x.org"}, set()]
    (warning,) = [w for w in messages(cohort) if "row 3" in w]
    assert "'Ana' is part of the names of 2 people" in warning
