"""`validate` names what init guessed and what a config leaves unguarded (issue 12, item 4):
a guessed stage order every time, a sensitive trait read through an `attr:` column or a
`[match_on]` table but not listed in `[sensitive]`, and an unread grade / stage column."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from test_diagnostics import findings, people

from cli.main import cli

STAGES = ["student", "resident", "fellow", "early_career", "mid_career", "senior"]


def _guessed(tmp_path: Path) -> list:
    """A cohort every mentee can be placed in, under a config whose order was guessed."""
    tables = {"intake": {"guessed_order": ["career_stage"]}}
    mentors = (["Email", "Name", "Career stage"], people("m", ["senior", "mid_career"] * 3))
    mentees = (["Email", "Name", "Career stage"], people("a", ["student", "resident"] * 3))
    return findings(tmp_path, mentors, mentees, tables)


def test_a_guessed_order_is_named_even_when_every_mentee_can_be_placed(tmp_path):
    found = _guessed(tmp_path)
    assert not [p for p in found if p.code == "no_eligible_mentor"]
    (guess,) = [p for p in found if p.code == "guessed_order"]
    assert guess.severity == "warning" and guess.key == "[vocabularies.career_stage]"
    assert "now " + ", ".join(STAGES) in guess.message
    assert 'remove "career_stage" from [intake] guessed_order' in guess.fix
    checked = findings(tmp_path, *_cohort_columns())  # the guess checked: nothing to say
    assert not [p for p in checked if p.code == "guessed_order"]


def _cohort_columns():
    mentors = (["Email", "Name", "Career stage"], people("m", ["senior"] * 3))
    mentees = (["Email", "Name", "Career stage"], people("a", ["student"] * 3))
    return mentors, mentees


def test_a_sensitive_trait_in_an_attribute_column_is_named_with_the_fix(tmp_path):
    tables: dict[str, object] = {"columns": {"mentors": {"Religion": "attr:faith_group"},
                                         "mentees": {"Religion": "attr:faith_group"}},
                                 "match_on": {"same_faith": {"field": "faith_group",
                                                             "kind": "reward"}}}
    mentors = (["Email", "Name", "Career stage", "Religion"],
               people("m", ["senior"] * 3, ["Quaker"]))
    mentees = (["Email", "Name", "Career stage", "Religion"],
               people("a", ["student"] * 3, ["Quaker"]))
    (trait,) = [p for p in findings(tmp_path, mentors, mentees, tables)
                if p.code == "unguarded_sensitive_trait"]
    assert trait.column == "Religion" and "religion" in trait.message
    assert "[match_on.same_faith] matches people on it" in trait.message
    assert '[sensitive] fields = ["gender", "background"]' in trait.fix
    assert '"background" instead of "attr:faith_group"' in trait.fix
    assert '"pref:shared_background"' in trait.fix
    # Following the fix (the trait in the built-in field, withheld) silences the warning.
    tables = {"columns": {"mentors": {"Religion": "background"},
                          "mentees": {"Religion": "background"}},
              "sensitive": {"fields": ["gender", "background"]}}
    assert not [p for p in findings(tmp_path, mentors, mentees, tables)
                if p.code == "unguarded_sensitive_trait"]


def test_an_attribute_that_is_no_trait_is_not_named(tmp_path):
    tables = {"columns": {"mentors": {"Profession": "attr:profession"},
                          "mentees": {"Profession": "attr:profession"}}}
    mentors = (["Email", "Name", "Career stage", "Profession"],
               people("m", ["senior"] * 3, ["Nurse"]))
    mentees = (["Email", "Name", "Career stage", "Profession"],
               people("a", ["student"] * 3, ["Nurse"]))
    assert not [p for p in findings(tmp_path, mentors, mentees, tables)
                if p.code == "unguarded_sensitive_trait"]


def test_an_unread_grade_column_is_named_even_when_a_stage_is_mapped(tmp_path):
    """The issue's civil-service form: 'Job title' read as the stage, 'Grade' unread."""
    tables = {"columns": {"mentors": {"Job title": "career_stage"},
                          "mentees": {"Job title": "career_stage"}}}
    mentors = (["Email", "Name", "Job title", "Grade"], people("m", ["senior"] * 3, ["SEO"]))
    mentees = (["Email", "Name", "Job title", "Grade"], people("a", ["student"] * 3, ["EO"]))
    found = [p for p in findings(tmp_path, mentors, mentees, tables)
             if p.code == "unread_seniority_column"]
    assert [p.column for p in found] == ["Grade", "Grade"]
    assert "career_stage is read from 'Job title'" in found[0].message
    assert '"Grade" = "career_stage", instead of \'Job title\'' in found[0].fix
    tables["columns"]["mentors"]["Grade"] = "ignore"
    tables["columns"]["mentees"]["Grade"] = "ignore"
    assert not [p for p in findings(tmp_path, mentors, mentees, tables)
                if p.code == "unread_seniority_column"]


def test_validate_prints_the_guess_for_the_community_health_program(tmp_path):
    """init on a ladder nobody knows, then validate: the guess is on screen, as a warning."""
    folder = Path(__file__).parent / "programs" / "community_health"
    config = tmp_path / "program.toml"
    runner = CliRunner()
    made = runner.invoke(cli, ["init", str(folder / "mentors.csv"),
                               str(folder / "mentees.csv"), "--out", str(config)])
    assert made.exit_code == 0, made.output
    checked = runner.invoke(cli, ["validate", str(folder / "mentors.csv"),
                                  str(folder / "mentees.csv"), "--config", str(config)])
    assert checked.exit_code == 0 and " 0 errors" in checked.output
    assert "[vocabularies.career_stage] was guessed from the file" in checked.output


def test_unread_name_parts_are_not_offered_as_the_name_a_column_already_gives(tmp_path):
    """SurveyMonkey's blank collector columns "First Name" / "Last Name" next to the
    question people answered: the name is given, so nothing to suggest."""
    tables = {"columns": {"mentors": {"Your full name": "name"},
                          "mentees": {"Your full name": "name"}}}
    mentors = (["Email", "Your full name", "Career stage", "First Name", "Last Name"],
               people("m", ["senior"] * 3, ["", ""]))
    mentees = (["Email", "Your full name", "Career stage", "First Name", "Last Name"],
               people("a", ["student"] * 3, ["", ""]))
    assert not [p for p in findings(tmp_path, mentors, mentees, tables)
                if p.code == "unmapped_field_column"]
