"""`mentormatch init`: header guessing, seeded vocabularies, and a config that validates."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from scoring.config import MENTEE_FIELDS, MENTOR_FIELDS, load_config
from scoring.intake.starter_config import starter_config, suggest_mapping

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
    assert config["vocabularies"]["areas"]["research_scholarship"] == ["Research/Scholarship"]
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


def _pairs(mentors: Path, mentees: Path, config: Path) -> tuple[set[tuple[str, str]], float]:
    """The pairs a match makes with ``config`` and their total score."""
    from matcher.pipeline import run_match
    from scoring.intake.cohort import read_valid_cohort

    program = load_config(config)
    outcome = run_match(read_valid_cohort(mentors, mentees, program, action="matched"),
                        program, progress=False)
    pairs = {(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings}
    return pairs, round(sum(p.score for n in outcome.networks for p in n.pairings), 6)


@pytest.mark.skipif(not (SAMPLE / "mentees.csv").exists(),
                    reason="sample_data/ has not been generated")
def test_init_on_the_sample_reproduces_the_shipped_match(tmp_path):
    """init's config, unedited, makes the very match the hand-written config makes."""
    out = tmp_path / "program.toml"
    result = run("init", SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", "--out", out)
    assert result.exit_code == 0, result.output
    written = tomllib.loads(out.read_text(encoding="utf-8"))
    shipped = tomllib.loads((SAMPLE / "program.toml").read_text(encoding="utf-8"))
    for side in ("mentors", "mentees"):  # init also says the Timestamp is to be ignored
        assert written["columns"][side] == {"Timestamp": "ignore", **shipped["columns"][side]}
    assert len(written["vocabularies"]["career_stage"]) == \
        len(shipped["vocabularies"]["career_stage"])  # the same six rungs, in order below
    ours = _pairs(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", out)
    theirs = _pairs(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", SAMPLE / "program.toml")
    # The same mentees placed; the pairs and total differ only where the goal-text
    # component reads an area's key ("research_scholarship" vs the shipped "research").
    assert {mentee for mentee, _ in ours[0]} == {mentee for mentee, _ in theirs[0]}
    assert len(ours[0]) == len(theirs[0])
    assert abs(ours[1] - theirs[1]) <= 0.001 * theirs[1]
    assert len(ours[0] & theirs[0]) >= 0.85 * len(theirs[0])
