"""`mentormatch explain`: top candidates, full breakdown, B-vs-C comparison, JSON, and the
exit-2 paths (unknown ids, intake errors, missing config)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from sample_data import generate
from scoring.config import load_config
from scoring.explain import explain_pairs, top_candidates
from scoring.intake.cohort import read_cohort

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """mentors.csv, mentees.csv and program.toml side by side (the sample cohort)."""
    folder = tmp_path_factory.mktemp("cohort")
    shipped = ROOT / "sample_data"
    if (shipped / "mentors.csv").is_file():
        for name in ("mentors.csv", "mentees.csv"):
            shutil.copy(shipped / name, folder / name)
    else:
        generate.write(folder, 150, 60, 2027, quirks=True)
    shutil.copy(shipped / "program.toml", folder / "program.toml")
    config = load_config(folder / "program.toml")
    cohort = read_cohort(folder / "mentors.csv", folder / "mentees.csv", config)
    return folder, cohort, config


def run(*args):
    return CliRunner().invoke(cli, ["explain", *map(str, args)])


def files(folder):
    return folder / "mentors.csv", folder / "mentees.csv"


def test_top_lists_the_best_eligible_mentors_and_what_ruled_out_the_rest(sample):
    folder, cohort, config = sample
    mentee = cohort.mentees[0].id
    result = run(*files(folder), "--mentee", mentee, "--top", 3)
    assert result.exit_code == 0, result.output
    expected = top_candidates(cohort, config, mentee, 3)
    lines = result.output.splitlines()
    assert lines[0].startswith(f"Top 3 eligible mentors for {mentee}")
    assert f"; {expected.n_eligible} of {expected.n_mentors} mentors are eligible:" in lines[0]
    for rank, pair in enumerate(expected.candidates, start=1):
        line = lines[rank]
        assert line.split()[:3] == [f"{rank}.", pair.mentor_id, f"{pair.score:.1f}"]
        assert pair.reasons(1)[0] in line
    for rule, count in expected.ineligible_by_rule.items():
        assert any(f"{count} by {rule}:" in line for line in lines)


def test_mentor_shows_every_component_and_points_adding_up_to_the_total(sample):
    folder, cohort, config = sample
    mentee, mentor = cohort.mentees[1].id, cohort.mentors[2].id
    result = run(*files(folder), "--mentee", mentee, "--mentor", mentor)
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split() for line in result.output.splitlines()
            if line.split() and line.split()[0] in (
                "need_coverage", "goal_text", "role_fit", "stage_gap", "communication",
                "time_zone", "preferences", "total")}
    assert len(rows) == 8
    points = [float(rows[name][1]) for name in rows if name != "total"]
    assert f"{sum(points):.1f}" == rows["total"][1]
    pair = explain_pairs(cohort, config, [(mentee, mentor)])[0]
    assert rows["total"][1] == f"{pair.score:.1f}"
    assert f"score {pair.score:.1f} / 100" in result.output
    assert pair.component("need_coverage").evidence in result.output


def test_vs_compares_two_mentors_component_by_component(sample):
    folder, cohort, config = sample
    mentee = cohort.mentees[0].id
    b, c = cohort.mentors[0].id, cohort.mentors[1].id
    result = run(*files(folder), "--mentee", mentee, "--mentor", b, "--vs", c)
    assert result.exit_code == 0, result.output
    assert f"B = {b}" in result.output and f"C = {c}" in result.output
    b_pair, c_pair = explain_pairs(cohort, config, [(mentee, b), (mentee, c)])
    total = next(line for line in result.output.splitlines() if line.startswith("total"))
    assert total.split() == ["total", f"{b_pair.score:.1f}", f"{c_pair.score:.1f}",
                             f"{b_pair.score - c_pair.score:+.1f}"]


def test_json_output_for_scripts(sample):
    folder, cohort, _ = sample
    mentee, mentor = cohort.mentees[0].id, cohort.mentors[0].id
    result = run(*files(folder), "--mentee", mentee, "--mentor", mentor, "--json")
    data = json.loads(result.output)
    assert data["mentee_id"] == mentee and data["mentor_id"] == mentor
    assert round(sum(c["points"] for c in data["components"]), 1) == data["score"]
    top = json.loads(run(*files(folder), "--mentee", mentee, "--json", "--top", 2).output)
    assert len(top["candidates"]) == 2 and "ineligible_by_rule" in top


def test_unknown_ids_exit_2_with_the_closest_ids(sample):
    folder, cohort, _ = sample
    mentee = cohort.mentees[0].id
    result = run(*files(folder), "--mentee", mentee[:-1])
    assert result.exit_code == 2
    assert f"Closest ids: {mentee}" in result.output and "Traceback" not in result.output
    result = run(*files(folder), "--mentee", mentee, "--mentor", "nobody@nowhere")
    assert result.exit_code == 2 and "no mentor has the id 'nobody@nowhere'" in result.output


def test_vs_without_mentor_is_refused(sample):
    folder, cohort, _ = sample
    result = run(*files(folder), "--mentee", cohort.mentees[0].id, "--vs", cohort.mentors[0].id)
    assert result.exit_code == 2 and "--mentor" in result.output


def test_intake_errors_are_refused_with_a_pointer_to_validate(sample, tmp_path):
    folder, cohort, _ = sample
    shutil.copy(folder / "program.toml", tmp_path / "program.toml")
    shutil.copy(folder / "mentors.csv", tmp_path / "mentors.csv")
    text = (folder / "mentees.csv").read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    assert "What is your current career stage?" in header
    stage = header.index("What is your current career stage?")
    rows = list(csv.reader(io.StringIO("\n".join(text))))
    rows[1][stage] = "Astronaut"
    with open(tmp_path / "mentees.csv", "w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    result = run(tmp_path / "mentors.csv", tmp_path / "mentees.csv",
                 "--mentee", cohort.mentees[0].id)
    assert result.exit_code == 2
    assert "error(s)" in result.output and "mentormatch validate" in result.output


def test_missing_config_exits_2(sample, tmp_path):
    folder, cohort, _ = sample
    shutil.copy(folder / "mentors.csv", tmp_path / "mentors.csv")
    result = run(tmp_path / "mentors.csv", folder / "mentees.csv",
                 "--mentee", cohort.mentees[0].id)
    assert result.exit_code == 2 and "program.toml" in result.output
    result = run(tmp_path / "mentors.csv", folder / "mentees.csv",
                 "--mentee", cohort.mentees[0].id, "--config", folder / "program.toml")
    assert result.exit_code == 0, result.output


def test_unknown_id_with_json_is_a_json_error_naming_the_closest_ids(sample):
    folder, cohort, _ = sample
    wanted = cohort.mentees[0].id.upper()[:-1]  # a typo: capitals alone are accepted
    result = run(*files(folder), "--mentee", wanted, "--json")
    assert result.exit_code == 2 and result.stderr == ""
    error = json.loads(result.stdout)["error"]
    assert error["kind"] == "input"
    assert f"no mentee has the id {wanted!r}" in error["message"]
    assert cohort.mentees[0].id in error["message"]


def test_explain_job_returns_the_records_the_command_prints(sample):
    from cli.explain import explain_lines
    from matcher.jobs import explain_job
    from scoring.explain import Comparison, PairExplanation, TopCandidates
    from scoring.explain_text import format_breakdown, format_comparison, format_top

    folder, cohort, config = sample
    mentee = cohort.mentees[0]
    top = explain_job(tuple(map(str, files(folder))), mentee.id, top=3)
    assert isinstance(top.answer, TopCandidates) and top.mentee_name == mentee.name
    assert explain_lines(top) == format_top(top.answer, mentee.name)
    assert top.to_dict() == top_candidates(cohort, config, mentee.id, 3).to_dict()
    b, c = [p.mentor_id for p in top.answer.candidates[:2]]
    pair = explain_job(tuple(map(str, files(folder))), mentee.id, mentor_id=b)
    assert isinstance(pair.answer, PairExplanation)
    assert explain_lines(pair) == format_breakdown(pair.answer)
    printed = run(*files(folder), "--mentee", mentee.id, "--mentor", b).output
    assert printed == "\n".join(format_breakdown(pair.answer)) + "\n"
    versus = explain_job(tuple(map(str, files(folder))), mentee.id, mentor_id=b, other_id=c)
    assert isinstance(versus.answer, Comparison)
    assert explain_lines(versus) == format_comparison(versus.answer)
