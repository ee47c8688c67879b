"""Rematch: continuing pairs survive, ended pairs never return, guard rails fire."""

from __future__ import annotations

import csv
import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import tomli_w
from click.testing import CliRunner, Result

from cli.diff import diff_command
from cli.match import match_command
from cli.rematch import rematch_command
from matcher.audit import load_run, resolve_run, solve_inputs, solve_setup
from matcher.rematch import plan_rematch
from matcher.runfolder.hashing import sha256_of
from matcher.runfolder.reader import (
    EndedPair,
    RematchRecord,
    RunHistory,
    RunPair,
    RunRecord,
    read_pairings,
)
from sample_data.rematch import make_feedback
from scoring.config import config_from_dict
from scoring.errors import InputError
from scoring.intake.feedback import Decision, FeedbackRow, FeedbackSheet
from scoring.profiles import Cohort, Mentee, Mentor

AREAS: dict[str, list[str]] = {"research": [], "clinical": [], "career": []}


def config(**rematch: object):
    return config_from_dict({"program": {"id_field": "id"}, "rematch": rematch,
                             "vocabularies": {"areas": AREAS}})


def cohort(mentees: dict[str, int], mentors: dict[str, int]) -> Cohort:
    """Mentees id → network size, mentors id → capacity."""
    return Cohort(
        mentors=[Mentor(id=m, name=m, capacity=c, expertise_areas=("research",))
                 for m, c in mentors.items()],
        mentees=[Mentee(id=e, name=e, network_size=n, need_areas=("research",), goals="grow")
                 for e, n in mentees.items()])


def run(folder: str, pairs: list[tuple[str, str]], ended: list[EndedPair] | None = None,
        ) -> RunRecord:
    return RunRecord(folder=Path(folder), run_json_sha256=folder,
                     pairs=tuple(RunPair(e, m, "primary") for e, m in pairs),
                     rematch=None if ended is None else RematchRecord(tuple(ended)))


def sheet(*rows: tuple[str, str, Decision], **extra: dict) -> FeedbackSheet:
    return FeedbackSheet(path=Path("feedback.csv"), rows=tuple(
        FeedbackRow(e, m, d, **extra.get(e, {})) for e, m, d in rows))


def test_decisions_become_locks_forbids_and_keep_bonus() -> None:
    history = RunHistory((run("r1", [("A", "X"), ("B", "Y"), ("C", "Z"), ("D", "Z")]),))
    feedback = sheet(("A", "X", "yes"), ("B", "Y", "no"), ("C", "Z", "unsure"))
    people = cohort({"A": 1, "B": 1, "C": 1, "D": 1}, {"X": 2, "Y": 2, "Z": 2})
    keep = plan_rematch(history, feedback, people, config())
    assert set(keep.locks) == {("A", "X"), ("C", "Z"), ("D", "Z")}  # no row counts as unsure
    assert keep.forbids == (("B", "Y"),)
    rematch = plan_rematch(history, feedback, people, config(unsure_policy="rematch",
                                                             disruption_penalty=7))
    assert set(rematch.locks) == {("A", "X")}
    assert rematch.keep_bonus == {("C", "Z"): 7.0, ("D", "Z"): 7.0}


def test_pairs_ended_in_any_earlier_cycle_stay_forbidden() -> None:
    first = run("r1", [("A", "X"), ("B", "Y")])
    second = run("r2", [("A", "Y"), ("B", "X")],
                 ended=[EndedPair("A", "X", "ended"), EndedPair("B", "Y", "ended")])
    history = RunHistory((second, first))
    plan = plan_rematch(history, sheet(("A", "Y", "no"), ("B", "X", "yes")),
                        cohort({"A": 1, "B": 1}, {"X": 2, "Y": 2}), config())
    assert set(plan.forbids) == {("A", "X"), ("B", "Y"), ("A", "Y")}


def test_departed_mentor_ends_pairs_without_forbidding_or_flagging() -> None:
    history = RunHistory((run("r1", [("A", "X"), ("B", "Y")]),))
    plan = plan_rematch(history, sheet(("A", "X", "yes"), ("B", "Y", "yes")),
                        cohort({"A": 1, "B": 1}, {"X": 2, "Z": 2}), config(jumper_cycles=1))
    assert plan.locks == (("A", "X"),)
    assert [(e.key, e.by_choice) for e in plan.ended] == [(("B", "Y"), False)]
    assert plan.forbids == () and plan.flags == ()


def test_jumper_flagged_after_endings_in_each_of_the_last_cycles() -> None:
    first = run("r1", [("A", "X"), ("B", "Y")])
    second = run("r2", [("A", "Y"), ("B", "Y")], ended=[EndedPair("A", "X", "ended")])
    history = RunHistory((second, first))
    feedback = sheet(("A", "Y", "no"), ("B", "Y", "no"))
    people = cohort({"A": 1, "B": 1}, {"X": 2, "Y": 2, "Z": 2})
    plan = plan_rematch(history, feedback, people, config())
    assert [(f.mentee_id, f.kind) for f in plan.flags] == [("A", "jumper")]  # B ended once
    assert plan.held == ()
    held = plan_rematch(history, feedback, people, config(hold_jumpers=True))
    assert held.held == ("A",)
    assert {m for e, m in held.forbids if e == "A"} == {"X", "Y", "Z"}
    three = plan_rematch(history, feedback, people, config(jumper_cycles=3))
    assert three.flags == ()  # only two cycles of history exist


def test_new_area_adds_need_and_slot_capped_and_flagged() -> None:
    history = RunHistory((run("r1", [("A", "X"), ("B", "Y")]),))
    feedback = sheet(("A", "X", "yes"), ("B", "Y", "yes"),
                     A={"new_areas": ("clinical",), "new_goals": "Run a clinic"},
                     B={"new_areas": ("clinical", "career")})
    people = cohort({"A": 1, "B": 2}, {"X": 2, "Y": 2})
    plan = plan_rematch(history, feedback, people, config())
    a, b = plan.cohort.mentees
    assert a.need_areas == ("research", "clinical") and a.network_size == 2
    assert a.goals.startswith("Run a clinic") and "grow" in a.goals
    assert b.network_size == 3  # 2 + 2 asked, program maximum 3
    assert [(f.mentee_id, f.kind) for f in plan.flags] == [("B", "overcommitted")]


def test_locks_beyond_capacity_name_the_mentor_and_pairs() -> None:
    history = RunHistory((run("r1", [("A", "X"), ("B", "X"), ("C", "X")]),))
    feedback = sheet(("A", "X", "yes"), ("B", "X", "yes"), ("C", "X", "unsure"))
    with pytest.raises(InputError, match=r"mentor X has capacity 2 but 3 continuing pairs: "
                                         r"A, B, C"):
        plan_rematch(history, feedback, cohort({"A": 1, "B": 1, "C": 1}, {"X": 2}), config())


# --------------------------------------------------------------------------- end to end

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
PROGRAM = SAMPLE / "program.toml"
FEEDBACK_HEADERS = ["Mentee ID", "Mentor ID", "Continue?", "New goals",
                    "Wants a new network member in area"]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A generated cohort (30 mentees, 18 mentors) and its `match` run folder."""
    from sample_data.generate import write

    folder = tmp_path_factory.mktemp("cohort")
    mentors, mentees = write(folder, 30, 18, seed=11)[:2]
    run = folder / "run1"
    result = CliRunner().invoke(match_command, [str(mentors), str(mentees), "--config",
                                                str(PROGRAM), "--out", str(run), "--quiet"])
    assert result.exit_code == 0, result.output
    return mentors, mentees, run


def pairs_of(run: Path) -> dict[tuple[str, str], str]:
    """(mentee, mentor) → role, from the run folder's pairings.csv."""
    return {p.key: p.role for p in read_pairings(run / "pairings.csv")}


def write_feedback(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([FEEDBACK_HEADERS, *rows])
    return path


def rematch(mentors: Path, mentees: Path, previous: Path, feedback: Path, out: Path,
            config: Path = PROGRAM) -> Result:
    return CliRunner().invoke(rematch_command, [
        str(mentors), str(mentees), "--previous", str(previous), "--feedback", str(feedback),
        "--config", str(config), "--out", str(out), "--quiet", "--json"])


def with_mentor_capacity(mentors: Path, folder: Path, chosen: Callable[[str], bool],
                         capacity: str) -> Path:
    """A copy of the mentors sheet with the capacity answer of the chosen mentors changed."""
    frame = pd.read_csv(mentors, dtype=str, keep_default_na=False)
    column = next(c for c in frame.columns if c.startswith("How many mentees"))
    frame.loc[frame["Email Address"].str.strip().str.lower().map(chosen), column] = capacity
    path = folder / "mentors_updated.csv"
    frame.to_csv(path, index=False)
    return path


def decide(pairs: dict[tuple[str, str], str], every: int) -> dict[tuple[str, str], str]:
    """Every ``every``-th pair (in id order) ends, the others continue."""
    return {key: "no" if k % every == 0 else "yes" for k, key in enumerate(sorted(pairs))}


def test_all_continue_reproduces_the_previous_networks(first_run, tmp_path: Path) -> None:
    mentors, mentees, run = first_run
    before = pairs_of(run)
    feedback = write_feedback(tmp_path / "fb.csv", [[e, m, "yes", "", ""] for e, m in before])
    result = rematch(mentors, mentees, run, feedback, tmp_path / "run2")
    assert result.exit_code == 0, result.output
    assert pairs_of(tmp_path / "run2") == before  # same pairs, same roles
    record = json.loads((tmp_path / "run2" / "run.json").read_text(encoding="utf-8"))
    assert record["previous_run"]["sha256"] == sha256_of(run / "run.json")
    assert (tmp_path / "run2" / record["previous_run"]["path"]).resolve() == run.resolve()
    assert record["inputs"]["feedback"]["sha256"] == sha256_of(feedback)


def test_continuing_pairs_survive_and_ended_pairs_never_return(first_run,
                                                              tmp_path: Path) -> None:
    mentors, mentees, run = first_run
    first = pairs_of(run)
    decisions = decide(first, every=3)
    feedback = write_feedback(tmp_path / "fb2.csv",
                              [[e, m, d, "", ""] for (e, m), d in decisions.items()])
    result = rematch(mentors, mentees, run, feedback, tmp_path / "run2")
    assert result.exit_code == 0, result.output
    second = pairs_of(tmp_path / "run2")
    ended = {key for key, d in decisions.items() if d == "no"}
    assert {key for key, d in decisions.items() if d == "yes"} <= second.keys()
    assert not ended & second.keys()

    decisions2 = decide(second, every=2)
    feedback2 = write_feedback(tmp_path / "fb3.csv",
                               [[e, m, d, "", ""] for (e, m), d in decisions2.items()])
    result = rematch(mentors, mentees, tmp_path / "run2", feedback2, tmp_path / "run3")
    assert result.exit_code == 0, result.output
    third = pairs_of(tmp_path / "run3")
    assert {key for key, d in decisions2.items() if d == "yes"} <= third.keys()
    ended |= {key for key, d in decisions2.items() if d == "no"}
    assert not ended & third.keys()  # endings of both cycles stay ended


def test_disruption_penalty_keeps_free_pairs_unless_a_change_is_worth_it(
        first_run, tmp_path: Path) -> None:
    _, mentees, run = first_run
    before = pairs_of(run)
    # Every mentor now takes up to 5 mentees: mentees who had to settle for a second
    # choice could move, and every pair is unsure, so free to move.
    mentors = with_mentor_capacity(first_run[0], tmp_path, lambda _email: True, "5")
    feedback = write_feedback(tmp_path / "fb.csv", [[e, m, "unsure", "", ""] for e, m in before])
    changed = {}
    for penalty in (0, 100):
        config = tmp_path / f"program{penalty}.toml"
        settings = tomllib.loads(PROGRAM.read_text(encoding="utf-8"))
        settings["rematch"] = {"unsure_policy": "rematch", "disruption_penalty": penalty}
        config.write_text(tomli_w.dumps(settings), encoding="utf-8")
        out = tmp_path / f"run{penalty}"
        result = rematch(mentors, mentees, run, feedback, out, config)
        assert result.exit_code == 0, result.output
        changed[penalty] = len(before.keys() - pairs_of(out).keys())
    assert changed[0] > 0
    assert changed[100] == 0  # no gain of at most 100 points outweighs keeping a pair


def test_audit_re_solve_reproduces_a_rematch_kept_by_its_keep_bonus(first_run,
                                                                    tmp_path: Path) -> None:
    """With every pair unsure and free to move, only the keep bonus holds the networks in
    place; rematch.json records it, so the audit's re-solve gives the run's pairs."""
    _, mentees, run = first_run
    before = pairs_of(run)
    mentors = with_mentor_capacity(first_run[0], tmp_path, lambda _email: True, "5")
    feedback = write_feedback(tmp_path / "fb.csv", [[e, m, "unsure", "", ""] for e, m in before])
    config = tmp_path / "program.toml"
    settings = tomllib.loads(PROGRAM.read_text(encoding="utf-8"))
    settings["rematch"] = {"unsure_policy": "rematch", "disruption_penalty": 100}
    config.write_text(tomli_w.dumps(settings), encoding="utf-8")
    out = tmp_path / "run2"
    assert rematch(mentors, mentees, run, feedback, out, config).exit_code == 0
    audit_run = load_run(out)
    setup = solve_setup(audit_run)
    assert {(e, m) for e, m, _ in setup.keep_bonus} == set(before)
    assert {points for *_, points in setup.keep_bonus} == {100.0}
    assert solve_inputs(audit_run).keep_bonus_map() == dict.fromkeys(before, 100.0)
    again = resolve_run(audit_run)
    assert {(p.mentee_id, p.mentor_id) for n in again.networks for p in n.pairings} == set(before)
    assert again.result.objective == audit_run.run.record["solver"]["objective"]


def test_feedback_errors_exit_2_naming_file_row_and_column(first_run, tmp_path: Path) -> None:
    mentors, mentees, run = first_run
    (mentee, mentor), *_ = sorted(pairs_of(run))
    feedback = write_feedback(tmp_path / "fb.csv", [[mentee, mentor, "next year", "", ""]])
    result = rematch(mentors, mentees, run, feedback, tmp_path / "run2")
    assert result.exit_code == 2
    assert f"{feedback}, row 2, column 'Continue?'" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "run2").exists()


def test_locks_beyond_new_capacity_exit_2_naming_the_mentor(first_run, tmp_path: Path) -> None:
    mentors, mentees, run = first_run
    before = pairs_of(run)
    busiest = max({m for _, m in before}, key=lambda m: sum(k[1] == m for k in before))
    reduced = with_mentor_capacity(mentors, tmp_path, lambda email: email == busiest, "1")
    feedback = write_feedback(tmp_path / "fb.csv", [[e, m, "yes", "", ""] for e, m in before])
    result = rematch(reduced, mentees, run, feedback, tmp_path / "run2")
    assert result.exit_code == 2
    assert f"mentor {busiest} has capacity 1" in result.output


def test_held_jumper_is_unplaced_with_the_reason(first_run, tmp_path: Path) -> None:
    mentors, mentees, run = first_run
    config = tmp_path / "program.toml"
    settings = tomllib.loads(PROGRAM.read_text(encoding="utf-8"))
    settings["rematch"] = {"hold_jumpers": True, "jumper_cycles": 2}
    config.write_text(tomli_w.dumps(settings), encoding="utf-8")
    previous = run
    jumper = min(e for e, _ in pairs_of(run))
    for cycle in (2, 3):  # the jumper ends every relationship in two cycles running
        pairs = pairs_of(previous)
        feedback = write_feedback(tmp_path / f"fb{cycle}.csv", [
            [e, m, "no" if e == jumper else "yes", "", ""] for e, m in pairs])
        out = tmp_path / f"run{cycle}"
        result = rematch(mentors, mentees, previous, feedback, out, config)
        assert result.exit_code == 0, result.output
        previous = out
    flags = json.loads(result.output)["flags"]
    assert [(f["mentee_id"], f["kind"]) for f in flags] == [(jumper, "jumper")]
    assert not any(e == jumper for e, _ in pairs_of(previous))
    unplaced = openpyxl.load_workbook(previous / "pairings.xlsx")["Unplaced"]
    reasons = {row[0]: row[3] for row in unplaced.iter_rows(min_row=2, values_only=True)}
    assert reasons[jumper].startswith("Held for the coordinator")


def test_shipped_sample_feedback_names_the_pairs_a_fresh_match_makes(tmp_path: Path) -> None:
    """The README walkthrough: the shipped month-12 sheet and updated intake are what
    make_feedback.py writes from today's match of the sample, so the rematch runs as shown."""
    sample = Path(__file__).resolve().parent.parent / "sample_data"
    run = tmp_path / "run"
    result = CliRunner().invoke(match_command, [str(sample / "mentors.csv"),
                                                str(sample / "mentees.csv"), "--out", str(run),
                                                "--quiet"])
    assert result.exit_code == 0, result.output
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    written = make_feedback.make(run, fresh)
    assert written, "make_feedback wrote nothing"
    for path in written:
        shipped = sample / "rematch" / path.name
        assert path.read_bytes() == shipped.read_bytes(), (
            f"{shipped} is stale: regenerate it with "
            f"`python sample_data/rematch/make_feedback.py --run RUN` from a fresh sample match")


# ------------------------------------------------------------------ a real year 2

def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def year_two(first_run, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    """A rematch of the first run in which every third pair ends and one mentee writes new
    goals; returns the folder, the decisions and the --json output."""
    mentors, mentees, run = first_run
    decisions = decide(pairs_of(run), every=3)
    goals_of = sorted(decisions)[1][0]
    folder = tmp_path_factory.mktemp("year2")
    feedback = write_feedback(folder / "fb.csv", [
        [e, m, d, "Lead a multi-site trial." if e == goals_of else "", ""]
        for (e, m), d in decisions.items()])
    result = rematch(mentors, mentees, run, feedback, folder / "run2")
    assert result.exit_code == 0, result.output
    return folder / "run2", decisions, json.loads(result.output)


def test_year_two_is_dated_twelve_months_after_the_first_cycle(year_two) -> None:
    folder, _, output = year_two
    first_start = tomllib.loads(PROGRAM.read_text(encoding="utf-8"))["program"]["start_date"]
    assert (first_start, output["start_date"]) == ("2027-01-11", "2028-01-11")
    record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert record["config"]["program"]["start_date"] == "2028-01-11"
    starts = [line for path in (folder / "calendar").glob("*.ics")
              for line in path.read_text(encoding="utf-8").splitlines()
              if line.startswith("DTSTART")]
    assert starts and all(line.split(":")[1][:4] in ("2028", "2029") for line in starts)
    plan = next((folder / "plans").glob("*.md")).read_text(encoding="utf-8")
    assert "2028-01-11" in plan and "2027-" not in plan  # (the program's name says 2027)


def test_continuing_new_and_ended_pairs_get_their_own_messages(year_two) -> None:
    folder, decisions, _ = year_two
    rows = read_csv(folder / "introductions.csv")
    made = pairs_of(folder)
    kept = {key for key in made if decisions.get(key) == "yes"}
    by_to = {(row["to"], row["cc"]): row for row in rows}
    emails = {r.mentee_id: r for r in read_pairings(folder / "pairings.csv")}
    assert len(rows) == len(made) and emails
    continuing = [row for row in rows if "your mentoring continues" in row["subject"]]
    assert len(continuing) == len(kept)
    assert all("delighted to introduce" not in row["body"] for row in continuing)
    assert sum("delighted to introduce" in row["body"] for row in rows) == len(made) - len(kept)
    assert all(row["attachment"].endswith(".ics") and ";calendar/" in row["attachment"]
               for row in by_to.values())
    # Each side of every ended pair gets a thank-you note naming the other.
    ended = [key for key, d in decisions.items() if d == "no"]
    notes = read_csv(folder / "closures.csv")
    assert len(notes) == 2 * len(ended)
    assert all("thank you" in note["subject"].lower() and "ends with this cycle" in note["body"]
               for note in notes)


def test_a_continuing_pair_gets_a_year_two_plan_with_last_years_and_new_goals(year_two) -> None:
    folder, decisions, _ = year_two
    goals_of = sorted(decisions)[1][0]
    kept = [key for key in sorted(pairs_of(folder)) if decisions.get(key) == "yes"]
    stems = {path.stem: path for path in (folder / "plans").glob("*.md")}
    with_goals = [key for key in kept if key[0] == goals_of]
    for key in kept[:3] + with_goals:
        plan = next(path for stem, path in stems.items()
                    if stem.startswith(key[0].split("@")[0])
                    and key[1].split("@")[0] in stem).read_text(encoding="utf-8")
        assert "Year-2 plan" in plan or ", year 2" in plan
        assert "last year's, to review" in plan and "Year review and new goals" in plan
        assert "Initial meeting and goal setting" not in plan
    assert with_goals  # the mentee who wrote new goals continues with their first pair
    assert "Lead a multi-site trial." in plan and "New goals, from the month-12" in plan


def test_the_rematch_report_opens_with_counts_and_reasons(year_two) -> None:
    folder, decisions, output = year_two
    report = (folder / "report.html").read_text(encoding="utf-8")
    opening = report.index("Since the previous cycle")
    assert opening < report.index("<h2>Summary</h2>")
    assert "yes at the month-12 meeting" in report and "ended at the month-12 meeting" in report
    assert output["changes"]["ended"] == sum(d == "no" for d in decisions.values())
    assert output["reasons"]["ended"].startswith("ended at the month-12 meeting: ")


def test_a_start_date_before_the_cycle_that_ends_exits_2(first_run, tmp_path: Path) -> None:
    mentors, mentees, run = first_run
    feedback = write_feedback(tmp_path / "fb.csv",
                              [[e, m, "yes", "", ""] for e, m in pairs_of(run)])
    result = CliRunner().invoke(rematch_command, [
        str(mentors), str(mentees), "--previous", str(run), "--feedback", str(feedback),
        "--config", str(PROGRAM), "--out", str(tmp_path / "run2"), "--quiet",
        "--start-date", "2027-01-11"])
    assert result.exit_code == 2
    assert "--start-date 2027-01-11 is not after" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "run2").exists()
    later = CliRunner().invoke(rematch_command, [
        str(mentors), str(mentees), "--previous", str(run), "--feedback", str(feedback),
        "--config", str(PROGRAM), "--out", str(tmp_path / "run3"), "--quiet", "--json",
        "--start-date", "2028-02-07"])
    assert later.exit_code == 0, later.output
    assert json.loads(later.output)["start_date"] == "2028-02-07"


def test_diff_names_people_and_gives_reasons(year_two, first_run) -> None:
    folder, decisions, _ = year_two
    run = first_run[2]
    text = CliRunner().invoke(diff_command, [str(run), str(folder)]).output
    names = {p.mentee_id: p.mentee_name for p in read_pairings(run / "pairings.csv")}
    ended = sorted(key for key, d in decisions.items() if d == "no")
    line = next(line for line in text.splitlines() if f"<{ended[0][0]}>" in line
                and f"<{ended[0][1]}>" in line)
    assert names[ended[0][0]] in line and "ended at the month-12 meeting" in line
    assert "continues: locked at month 12" in text
    data = json.loads(CliRunner().invoke(diff_command, [str(run), str(folder), "--json"]).output)
    assert all(pair["mentee_name"] and pair["reason"] for pair in data["ended"])


def test_rematch_json_counts_each_change_with_its_reasons(year_two) -> None:
    folder, decisions, output = year_two
    record = json.loads((folder / "rematch.json").read_text(encoding="utf-8"))
    counts, reasons = record["counts"], record["reasons"]
    for change in ("kept", "ended", "new", "flagged"):
        assert sum(reasons[change].values()) == counts[change], change
    assert reasons["ended"]["ended at the month-12 meeting"] == sum(
        d == "no" for d in decisions.values())
    assert counts["kept"] == output["changes"]["kept"]


def test_rematch_stops_on_the_diagnostics_match_stops_on(first_run, tmp_path: Path) -> None:
    """An updated intake where no mentor may take any mentee (every mentor's stage below
    every mentee's) would rematch into nothing: exit 2 naming the cause, nothing written,
    as `match` does; --accept-diagnostics rematches anyway."""
    mentors, mentees, run = first_run
    frame = pd.read_csv(mentors, dtype=str, keep_default_na=False)
    stage = next(c for c in frame.columns if "career stage" in c.lower())
    frame[stage] = "Medical student"
    junior = tmp_path / "mentors_junior.csv"
    frame.to_csv(junior, index=False)
    feedback = write_feedback(tmp_path / "fb.csv",
                              [[e, m, "no", "", ""] for e, m in pairs_of(run)])
    stopped = rematch(junior, mentees, run, feedback, tmp_path / "run2")
    assert stopped.exit_code == 2, stopped.output
    assert "The rematch would be wrong" in stopped.output
    assert "--accept-diagnostics" in stopped.output and "Traceback" not in stopped.output
    assert not (tmp_path / "run2").exists()
    accepted = CliRunner().invoke(rematch_command, [
        str(junior), str(mentees), "--previous", str(run), "--feedback", str(feedback),
        "--config", str(PROGRAM), "--out", str(tmp_path / "run3"), "--quiet", "--json",
        "--accept-diagnostics"])
    assert accepted.exit_code == 0, accepted.output
    shown = json.loads(accepted.output)["diagnostics"]
    assert any(d["severity"] == "error" for d in shown)
