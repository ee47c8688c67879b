"""The run folder records every input of the solve, and refuses to answer once changed.

For every option of ``match`` (objective, network size, locks, forbids) and for ``rematch``,
the audit's re-solve of the run's own problem, read from the folder alone, reproduces the
run's objective to the last digit and its pairs. Every read through the one reader checks
the sha256 that run.json records and refuses a changed file (exit 2, naming it).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.explain import explain_command
from cli.match import match_command
from cli.rematch import rematch_command
from matcher.audit import load_run, resolve_run, solve_inputs
from matcher.runfolder.reader import read_pairings, read_run
from scoring.errors import InputError

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
PROGRAM = SAMPLE / "program.toml"


@pytest.fixture(scope="module")
def cohort_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A generated cohort (40 mentees, 14 mentors: capacity binds) and a locks and a
    forbids sheet naming people as the intake files spell them."""
    from sample_data.generate import write

    folder = tmp_path_factory.mktemp("cohort")
    mentors, mentees = write(folder, 40, 14, seed=5)[:2]
    return mentors, mentees, folder


def _match(mentors: Path, mentees: Path, out: Path, *extra: str) -> Path:
    result = CliRunner().invoke(match_command, [str(mentors), str(mentees), "--config",
                                                str(PROGRAM), "--out", str(out), "--quiet",
                                                *extra])
    assert result.exit_code == 0, result.output
    return out


def _pairs_unchecked(run: Path) -> set[tuple[str, str]]:
    return {p.key for p in read_pairings(run / "pairings.csv")}


def _pairs(run: Path) -> set[tuple[str, str]]:
    return {p.key for p in read_pairings(run / "pairings.csv")}


def _assert_reproduced(run_dir: Path) -> None:
    run = load_run(run_dir)
    again = resolve_run(run)
    assert again.result.objective == run.run.record["solver"]["objective"]  # every digit
    assert {(p.mentee_id, p.mentor_id) for n in again.networks for p in n.pairings} == \
        _pairs(run_dir)


def _feedback(run: Path, path: Path) -> Path:
    """Month-12 decisions: yes, no and unsure in turn (so locks, forbids and keep bonus)."""
    decisions = ("yes", "no", "unsure")
    rows = [(e, m, decisions[k % 3], "", "") for k, (e, m) in enumerate(sorted(_pairs(run)))]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("Mentee ID", "Mentor ID", "Continue?", "New goals",
                                       "Wants a new network member in area"), *rows])
    return path


def _sheet(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("mentee_id", "mentor_id"), *rows])
    return path


@pytest.mark.parametrize("options", [
    ("--objective", "total"), ("--objective", "fair"), ("--objective", "stable"),
    ("--network-size", "1"), ("--network-size", "2"),
    ("--objective", "fair", "--network-size", "2"),
])
def test_re_solving_a_match_from_its_folder_reproduces_its_objective(
        cohort_files, tmp_path: Path, options: tuple[str, ...]) -> None:
    mentors, mentees, _ = cohort_files
    run = _match(mentors, mentees, tmp_path / "run", *options)
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    size = options[options.index("--network-size") + 1] if "--network-size" in options else None
    assert record["solve"]["network_size"] == (int(size) if size else None)
    assert record["solve"]["objective"] == record["objective"]
    _assert_reproduced(run)


def test_locks_and_forbids_are_recorded_with_their_sheet_and_reproduced(
        cohort_files, tmp_path: Path) -> None:
    mentors, mentees, _ = cohort_files
    base = _match(mentors, mentees, tmp_path / "base")
    taken = sorted(_pairs(base))
    # an eligible pair the base run did not make: one the stable mode makes
    wider = _pairs(_match(mentors, mentees, tmp_path / "wider", "--objective", "stable"))
    lock = sorted(wider - set(taken))[0]
    forbidden = [pair for pair in taken if pair[0] != lock[0]][:3]
    forbids = _sheet(tmp_path / "forbid.csv", forbidden)
    locks = _sheet(tmp_path / "locks.csv", [lock])
    run = _match(mentors, mentees, tmp_path / "run", "--locks", str(locks), "--forbid",
                 str(forbids))
    inputs = solve_inputs(load_run(run))
    assert set(inputs.forbids) == set(forbidden) and inputs.locks == (lock,)
    assert inputs.sources["forbids"]["file"] == str(forbids)
    assert len(inputs.sources["locks"]["sha256"]) == 64
    assert not set(forbidden) & _pairs(run) and lock in _pairs(run)
    _assert_reproduced(run)


def test_re_solving_a_rematch_from_its_folder_reproduces_its_objective(
        cohort_files, tmp_path: Path) -> None:
    mentors, mentees, _ = cohort_files
    run = _match(mentors, mentees, tmp_path / "run1")
    feedback = _feedback(run, tmp_path / "feedback.csv")
    result = CliRunner().invoke(rematch_command, [
        str(mentors), str(mentees), "--previous", str(run), "--feedback", str(feedback),
        "--config", str(PROGRAM), "--out", str(tmp_path / "run2"), "--quiet"])
    assert result.exit_code == 0, result.output
    inputs = solve_inputs(load_run(tmp_path / "run2"))
    assert inputs.locks and inputs.forbids  # the keep bonus: test_rematch.py
    _assert_reproduced(tmp_path / "run2")


@pytest.mark.parametrize("changed", ["pairings.csv", "audit/cohort.json"])
def test_a_changed_run_file_is_refused_naming_it(cohort_files, tmp_path: Path,
                                                 changed: str) -> None:
    mentors, mentees, _ = cohort_files
    run = _match(mentors, mentees, tmp_path / "run")
    path = run / changed
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("0", "1", 1), encoding="utf-8")
    with pytest.raises(InputError, match="changed since the run wrote it"):
        load_run(run).run.cohort() if changed != "pairings.csv" else read_run(run)
    mentee = sorted(_pairs_unchecked(run))[0][0]
    result = CliRunner().invoke(explain_command, [str(run), "--mentee", mentee])
    assert result.exit_code == 2
    assert str(path) in result.output and "Traceback" not in result.output


def test_a_rematch_record_changed_after_the_run_is_refused(cohort_files, tmp_path: Path
                                                           ) -> None:
    mentors, mentees, _ = cohort_files
    run = _match(mentors, mentees, tmp_path / "run1")
    feedback = _feedback(run, tmp_path / "feedback.csv")
    out = tmp_path / "run2"
    assert CliRunner().invoke(rematch_command, [
        str(mentors), str(mentees), "--previous", str(run), "--feedback", str(feedback),
        "--config", str(PROGRAM), "--out", str(out), "--quiet"]).exit_code == 0
    record = json.loads((out / "rematch.json").read_text(encoding="utf-8"))
    record["keep_bonus"] = []
    (out / "rematch.json").write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(InputError, match=r"rematch\.json: changed since"):
        read_run(out)


def test_an_unplaced_mentee_gets_the_reason_the_closest_mentors_and_a_working_command(
        cohort_files, tmp_path: Path) -> None:
    import shlex

    import pandas as pd

    mentors, mentees, _ = cohort_files
    sheet = pd.read_csv(mentors, dtype=str, keep_default_na=False)
    column = next(c for c in sheet.columns if "how many mentees" in c.lower())
    sheet[column] = "1"  # 14 places for 40 mentees
    one_each = tmp_path / "mentors.csv"
    sheet.to_csv(one_each, index=False)
    run = _match(one_each, mentees, tmp_path / "run")
    unplaced = json.loads((run / "run.json").read_text(encoding="utf-8"))["unplaced"]
    report = (run / "report.html").read_text(encoding="utf-8")
    assert "Opt-in preferences (placed: opted in to a preference " in report
    mentee, reason = next((e, r) for e, r in sorted(unplaced.items()) if "capacity" in r
                          or "full" in r or "place" in r)
    result = CliRunner().invoke(explain_command, [str(run), "--mentee", mentee.upper()])
    assert result.exit_code == 0, result.output
    assert f"Not placed in this run: {reason}" in result.output
    assert "Best-scoring eligible mentors outside the network:" in result.output
    command = next(line for line in result.output.splitlines()
                   if line.startswith("Why not one of them: mentormatch explain "))
    args = shlex.split(command.split("mentormatch explain ", 1)[1])
    again = CliRunner().invoke(explain_command, args)
    assert again.exit_code == 0, again.output
    assert "Why the run did not give C:" in again.output
    assert "was full" in again.output


def test_stable_mode_says_stable_with_its_checked_blocking_pairs_and_refuses_networks(
        cohort_files, tmp_path: Path) -> None:
    mentors, mentees, _ = cohort_files
    args = [str(mentors), str(mentees), "--config", str(PROGRAM), "--objective", "stable"]
    result = CliRunner().invoke(match_command, [*args, "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "Objective 'stable': stable (no blocking pair); 0 blocking pairs (checked)" in \
        result.output and "optimal" not in result.output
    record = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert record["solver"]["status"] == "stable"
    assert record["solver"]["stats"]["blocking_pairs"] == 0
    report = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "stable (no blocking pair" in report and "proven optimal" not in report
    refused = CliRunner().invoke(match_command, [*args, "--network-size", "2", "--out",
                                                 str(tmp_path / "networks")])
    assert refused.exit_code == 2 and "primary mentors only" in refused.output
    assert not (tmp_path / "networks").exists()
    help_text = " ".join(CliRunner().invoke(match_command, ["--help"]).output.split())
    assert "assigns primary mentors only" in help_text


def test_a_folder_written_before_the_solve_record_is_still_audited(cohort_files,
                                                                   tmp_path: Path) -> None:
    """Older run.json files have no ``solve`` (nor ``files``): the audit rebuilds the locks
    and forbids from the folder, re-solves the run unlocked, and says whether it matches."""
    from matcher.audit import forced_solve

    mentors, mentees, _ = cohort_files
    run_dir = _match(mentors, mentees, tmp_path / "run")
    record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    for key in ("solve", "files", "unplaced"):
        del record[key]
    (run_dir / "run.json").write_text(json.dumps(record), encoding="utf-8")
    run = load_run(run_dir)
    assert solve_inputs(run).objective == record["objective"]
    mentee, mentor = sorted(_pairs(run_dir))[0]
    other = next(m for e, m in sorted(_pairs(run_dir)) if m != mentor)
    forced = forced_solve(run, mentee, other)
    assert forced.reproduces_run and forced.base is not None
    assert forced.base.total == record["solver"]["objective"]
