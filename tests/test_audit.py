"""Auditing a run from its folder alone: breakdowns, "why B and not C", and the CLI."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.explain import explain_command
from cli.match import match_command
from matcher.audit import explain_from_run, forced_solve, load_run, resolve_run, solve_setup
from matcher.outcome import MatchOutcome
from matcher.pipeline import run_match
from matcher.runfolder.hashing import sha256_of
from matcher.runfolder.layout import SNAPSHOT_PATH
from matcher.runfolder.writer import write_run_folder
from scoring.config import config_from_dict, load_config
from scoring.explain import explain_pairs
from scoring.intake.cohort import read_cohort
from scoring.profiles import Cohort, Mentee, Mentor
from scoring.scorer import score_cohort

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
SANJAY = "sanjay.joshi@prairiehealth.example.org"

# A cohort where every score difference comes from time zones (all else equal or blank),
# built so that each "why not C" reason has exactly one cause:
#   e1, e2 want career help; B and C take one mentee each, D has room, F speaks only French,
#   G is the only mentor e4 (Spanish only) can have; e3 (German) wants a network of two for
#   research and clinical skills, from R1, R2 (research) and K (clinical).
CONFIG = {
    "program": {"name": "Audit test"},
    "vocabularies": {"areas": {"career": [], "research": [], "clinical": []},
                     "languages": {"english": [], "german": [], "spanish": [], "french": []}},
}


def mentor(mentor_id: str, area: str, tz: float, capacity: int,
           languages: tuple[str, ...] = ("english",)) -> Mentor:
    return Mentor(id=mentor_id, name=f"Dr {mentor_id}", career_stage="senior",
                  expertise_areas=(area,), time_zone=tz, capacity=capacity, languages=languages)


def mentee(mentee_id: str, areas: tuple[str, ...], tz: float, languages=("english",),
           size: int = 1) -> Mentee:
    return Mentee(id=mentee_id, name=f"Mx {mentee_id}", career_stage="resident",
                  need_areas=areas, time_zone=tz, languages=languages, network_size=size)


def small_cohort() -> Cohort:
    both = ("german", "english")
    return Cohort(
        mentors=[mentor("B", "career", 3, 1), mentor("C", "career", 0, 1),
                 mentor("D", "career", 4, 2), mentor("F", "career", 1, 2, ("french",)),
                 mentor("G", "career", 1, 1, ("english", "spanish")),
                 mentor("R1", "research", 0, 1, both), mentor("R2", "research", 2, 1, both),
                 mentor("K", "clinical", 0, 1, both)],
        mentees=[mentee("e1", ("career",), 1), mentee("e2", ("career",), -2),
                 mentee("e3", ("research", "clinical"), 0, ("german",), size=2),
                 mentee("e4", ("career",), 1, ("spanish",))])


def stand_in_inputs(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mentors.csv"
    path.write_text("id\n", encoding="utf-8")
    return {"mentors": path}


def write_run(outcome: MatchOutcome, out: Path, previous: Path | None = None) -> Path:
    """A real run folder (write_run_folder writes the audit snapshot itself)."""
    previous_run = None
    if previous is not None:
        previous_run = {"path": os.path.relpath(previous.absolute(), out.absolute()),
                        "sha256": sha256_of(previous / "run.json")}
    folder = write_run_folder(outcome, out, inputs=stand_in_inputs(out.parent / "inputs"),
                              quiet=True, previous_run=previous_run)
    assert (folder / SNAPSHOT_PATH).is_file()
    return folder


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Cohort, object]:
    cohort, config = small_cohort(), config_from_dict(CONFIG)
    folder = write_run(run_match(cohort, config, progress=False),
                       tmp_path_factory.mktemp("small") / "run")
    return folder, cohort, config


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "run"
    result = CliRunner().invoke(match_command, [str(SAMPLE / "mentors.csv"),
                                                str(SAMPLE / "mentees.csv"), "--out", str(out),
                                                "--quiet"])
    assert result.exit_code == 0, result.output
    assert (out / SNAPSHOT_PATH).is_file()
    return out


def score(cohort: Cohort, config, mentee_id: str, mentor_id: str) -> float:
    total = score_cohort(cohort, config).total
    return float(total[cohort.mentee_index()[mentee_id], cohort.mentor_index()[mentor_id]])


def network_of(folder: Path, mentee_id: str) -> set[str]:
    return {p.mentor_id for p in load_run(folder).network(mentee_id)}


def kinds(audit) -> list[str]:
    return [reason.kind for reason in audit.why_not.reasons]


# ----------------------------------------------------------------- equal to intake explain

def test_explain_from_a_run_folder_equals_explain_from_the_intake_files(sample_run) -> None:
    config = load_config(SAMPLE / "program.toml")
    cohort = read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", config)
    audit = explain_from_run(sample_run, SANJAY)
    network = [(SANJAY, p.mentor_id) for p in audit.network]
    assert network and list(audit.breakdowns) == explain_pairs(cohort, config, network)
    other = audit.alternatives[0].explanation.mentor_id
    pair = explain_from_run(sample_run, SANJAY, other).breakdowns[0]
    assert pair == explain_pairs(cohort, config, [(SANJAY, other)])[0]


def test_cli_breakdown_from_the_run_is_the_intake_breakdown(sample_run) -> None:
    runner = CliRunner()
    mentor_id = sorted(network_of(sample_run, SANJAY))[0]
    intake = runner.invoke(explain_command, [str(SAMPLE / "mentors.csv"),
                                             str(SAMPLE / "mentees.csv"), "--mentee", SANJAY,
                                             "--mentor", mentor_id])
    audit = runner.invoke(explain_command, [str(sample_run), "--mentee", SANJAY,
                                            "--mentor", mentor_id])
    assert intake.exit_code == 0 and audit.exit_code == 0, audit.output
    assert intake.output.strip() in audit.output
    assert "In this mentee's network as primary" in audit.output


def test_cli_network_mode_lists_the_network_and_alternatives(sample_run) -> None:
    result = CliRunner().invoke(explain_command, [str(sample_run), "--mentee", SANJAY,
                                                  "--top", "3"])
    assert result.exit_code == 0, result.output
    for mentor_id in network_of(sample_run, SANJAY):
        assert mentor_id in result.output
    assert "Best-scoring eligible mentors outside the network:" in result.output
    assert "--vs" in result.output  # tells the coordinator how to ask "why not"


# ------------------------------------------------------------------- why B and not C

def test_why_not_on_networks_shows_progress_on_stderr_and_json_on_stdout(sample_run) -> None:
    """The sample's networks need the MIP, seconds per solve: a line per solve on stderr,
    while stdout stays the answer (here JSON a script can read)."""
    result = CliRunner().invoke(explain_command, [str(sample_run), "--mentee", SANJAY,
                                                  "--vs", "Rachel Ellis", "--json"])
    assert result.exit_code == 0, result.output
    assert "Solving with the pair locked" in result.stderr
    forced = json.loads(result.stdout)["why_not"]["forced"]
    assert forced["solves"] == len([line for line in result.stderr.splitlines()
                                    if line.startswith("Solving")])
    assert forced["fewest"] and forced["difference"] > 0


def test_full_mentor_costs_exactly_the_re_solved_objective_difference(small_run) -> None:
    folder, cohort, config = small_run
    assert network_of(folder, "e1") == {"B"} and network_of(folder, "e2") == {"C"}
    audit = explain_from_run(folder, "e1", "B", "C")
    why = audit.why_not
    assert kinds(audit) == ["full", "forced_lower_total"]
    assert why is not None and why.comparison is not None and why.forced is not None
    assert why.comparison.c.score > why.comparison.b.score  # C scores higher, yet B
    expected = (score(cohort, config, "e1", "B") + score(cohort, config, "e2", "C")
                - score(cohort, config, "e1", "C") - score(cohort, config, "e2", "B"))
    assert expected > 0
    assert why.forced.difference == pytest.approx(expected, abs=1e-6)
    assert why.forced.base is not None and why.forced.forced is not None
    assert why.forced.base.total - why.forced.forced.total == why.forced.difference
    assert why.forced.reproduces_run
    assert f"{expected:.2f} points lower" in why.reasons[-1].sentence
    assert "e2" in why.reasons[0].sentence  # names who holds C's place
    moved = {(c.change, c.mentee_id, c.mentor_id) for c in why.forced.changes}
    assert moved == {("dropped", "e1", "B"), ("added", "e1", "C"),
                     ("dropped", "e2", "C"), ("added", "e2", "B")}


def test_mentor_with_room_loses_on_the_total(small_run) -> None:
    folder, cohort, config = small_run
    audit = explain_from_run(folder, "e1", "B", "D")
    assert kinds(audit) == ["room", "forced_lower_total"]
    expected = score(cohort, config, "e1", "B") - score(cohort, config, "e1", "D")
    assert audit.why_not is not None and audit.why_not.forced is not None
    assert audit.why_not.forced.difference == pytest.approx(expected, abs=1e-6)
    assert "preferred" in audit.why_not.reasons[-1].sentence


def test_ineligible_mentor_names_the_rule(small_run) -> None:
    folder, _, _ = small_run
    audit = explain_from_run(folder, "e1", "B", "F")
    assert kinds(audit) == ["ineligible"]
    assert audit.why_not is not None
    assert "shared_language" in audit.why_not.reasons[0].sentence
    assert audit.why_not.forced is None  # no solve needed for a rule


def test_forcing_a_mentor_that_would_leave_someone_unplaced_says_so(small_run) -> None:
    folder, _, _ = small_run
    assert network_of(folder, "e4") == {"G"}
    audit = explain_from_run(folder, "e1", "B", "G")
    assert kinds(audit) == ["full", "forced_fewer_placed"]
    assert audit.why_not is not None
    forced = audit.why_not.forced
    assert forced is not None and forced.forced is not None and forced.base is not None
    assert forced.forced.placed == forced.base.placed - 1
    assert "1 more mentee without any mentor" in audit.why_not.reasons[-1].sentence


def test_area_already_covered_in_the_network(small_run) -> None:
    folder, cohort, config = small_run
    assert network_of(folder, "e3") == {"R1", "K"}
    audit = explain_from_run(folder, "e3", "R1", "R2")
    assert kinds(audit) == ["area_covered", "room", "forced_lower_total"]
    assert audit.why_not is not None and audit.why_not.forced is not None
    assert "research by R1" in audit.why_not.reasons[0].sentence
    expected = score(cohort, config, "e3", "R1") - score(cohort, config, "e3", "R2")
    assert audit.why_not.forced.difference == pytest.approx(expected, abs=1e-6)


def test_a_member_of_the_network_is_not_a_why_not(small_run) -> None:
    folder, _, _ = small_run
    audit = explain_from_run(folder, "e3", "R1", "K")
    assert kinds(audit) == ["in_network"]


def test_pair_ended_in_an_earlier_cycle(small_run, tmp_path: Path) -> None:
    first, cohort, config = small_run
    second = write_run(run_match(cohort, config, forbids=[("e1", "B")], progress=False),
                       tmp_path / "second", previous=first)
    assert ("e1", "B") in solve_setup(load_run(second)).forbids
    primary = sorted(network_of(second, "e1"))[0]
    audit = explain_from_run(second, "e1", primary, "B")
    assert kinds(audit) == ["ended_earlier"]
    assert audit.why_not is not None
    assert first.name in audit.why_not.reasons[0].sentence


def test_vs_alone_compares_with_the_primary(small_run) -> None:
    folder, _, _ = small_run
    audit = explain_from_run(folder, "e1", vs="D", solve=False)
    assert audit.why_not is not None
    assert audit.why_not.mentor_b == "B" and kinds(audit) == ["room"]


# ------------------------------------------------------------------------------ the CLI

def test_cli_why_not_prints_comparison_and_reasons_and_json(small_run) -> None:
    folder, _, _ = small_run
    runner = CliRunner()
    text = runner.invoke(explain_command, [str(folder), "--mentee", "e1", "--mentor", "B",
                                           "--vs", "C"])
    assert text.exit_code == 0, text.output
    assert "Why B rather than C" in text.output and "C (Dr C) was full" in text.output
    assert "e2: C" in text.output  # the displaced mentee and where they would go
    data = json.loads(runner.invoke(explain_command, [str(folder), "--mentee", "e1", "--vs",
                                                      "C", "--json"]).output)
    assert [r["kind"] for r in data["why_not"]["reasons"]] == ["full", "forced_lower_total"]
    assert data["why_not"]["forced"]["difference"] > 0


@pytest.mark.parametrize(("extra", "message"), [
    (["--mentee", "e11"], "Closest ids: e1"),
    (["--mentee", "e1", "--vs", "R3"], "Closest ids: R"),
    (["--mentee", "e1", "--config", "program.toml"], "Drop --config"),
])
def test_cli_unknown_ids_and_misused_options_exit_2(small_run, extra, message) -> None:
    folder, _, _ = small_run
    result = CliRunner().invoke(explain_command, [str(folder), *extra])
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output


def test_cli_old_run_folder_without_snapshot_asks_for_a_rerun(small_run, tmp_path) -> None:
    folder, _, _ = small_run
    old = tmp_path / "old_run"
    shutil.copytree(folder, old)
    shutil.rmtree(old / "audit")
    result = CliRunner().invoke(explain_command, [str(old), "--mentee", "e1"])
    assert result.exit_code == 2
    assert "Rerun `mentormatch match`" in result.output


def test_cli_wrong_positional_arguments_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    not_a_run = runner.invoke(explain_command, [str(tmp_path), "--mentee", "e1"])
    assert not_a_run.exit_code == 2 and "not a run folder" in not_a_run.output
    three = runner.invoke(explain_command, ["a", "b", "c", "--mentee", "e1"])
    assert three.exit_code == 2 and "got 3 arguments" in three.output


def test_stable_mode_reasons_compare_rankings_not_totals(tmp_path: Path) -> None:
    config = config_from_dict({**CONFIG, "solver": {"objective": "stable"}})
    cohort = small_cohort()
    folder = write_run(run_match(cohort, config, progress=False), tmp_path / "stable")
    assert network_of(folder, "e1") == {"G"} and network_of(folder, "e4") == set()
    mentor_side = explain_from_run(folder, "e4", "B", "G")
    assert kinds(mentor_side) == ["full", "stable_mentor_prefers"]
    assert mentor_side.why_not is not None
    assert mentor_side.why_not.forced is None
    mentee_side = explain_from_run(folder, "e1", vs="D")
    assert kinds(mentee_side) == ["room", "stable_mentee_prefers"]
    assert mentee_side.why_not is not None
    expected = (score(cohort, config, "e1", "G"), score(cohort, config, "e1", "D"))
    assert f"({expected[0]:.2f} against {expected[1]:.2f})" in \
        mentee_side.why_not.reasons[-1].sentence


def test_why_not_lists_only_the_changes_the_swap_needs(tmp_path: Path) -> None:
    """Twelve mentees and six mentors who all score alike (one area, one time zone): every
    matching is optimal, so an arbitrary forced optimum may move anyone; the lexicographic
    second solve moves only the two mentees the swap needs."""
    cohort = Cohort(mentors=[mentor(f"M{j}", "career", 0, 2) for j in range(6)],
                    mentees=[mentee(f"e{i:02d}", ("career",), 0) for i in range(12)])
    config = config_from_dict(CONFIG)
    folder = write_run(run_match(cohort, config, progress=False), tmp_path / "run")
    run = load_run(folder)
    mentee_id = "e00"
    primary = run.network(mentee_id)[0].mentor_id
    other = next(m.id for m in cohort.mentors if m.id != primary)
    forced = forced_solve(run, mentee_id, other)
    assert forced.fewest and forced.difference == 0
    moved = {change.mentee_id for change in forced.changes}
    assert mentee_id in moved and len(moved) == 2  # e00 takes a place, one mentee gives it
    assert {c.change for c in forced.changes} == {"dropped", "added"}
    assert len(forced.changes) == 4
    # the forced optimum alone, without the preference for the run's pairs, moves more
    plain = resolve_run(run, locks=((mentee_id, other),))
    plain_pairs = {(p.mentee_id, p.mentor_id) for n in plain.networks for p in n.pairings}
    assert len(plain_pairs ^ {p.key for p in run.pairs}) > len(forced.changes)


def test_a_swap_that_costs_nothing_is_answered_in_one_solve(tmp_path: Path) -> None:
    """Every matching ties: the closest solve reaches the run's own proven optimum, so no
    matching with the pair can do better and the forced solve is not needed."""
    cohort = Cohort(mentors=[mentor(f"M{j}", "career", 0, 2) for j in range(6)],
                    mentees=[mentee(f"e{i:02d}", ("career",), 0) for i in range(12)])
    folder = write_run(run_match(cohort, config_from_dict(CONFIG), progress=False),
                       tmp_path / "run")
    run = load_run(folder)
    primary = run.network("e00")[0].mentor_id
    other = next(m.id for m in cohort.mentors if m.id != primary)
    forced = forced_solve(run, "e00", other)
    assert forced.solves == 1
    assert forced.fewest and forced.difference == 0 and len(forced.changes) == 4


def _binding_cohort(seed: int) -> Cohort:
    """Nine mentees, three mentors with room for five or six: someone always waits, so the
    run chooses its placed set in the placement stages."""
    import numpy as np

    rng = np.random.default_rng(seed)
    areas = ("career", "research", "clinical")
    mentors = [mentor(f"M{j}", areas[j], float(rng.integers(-3, 4)), int(rng.integers(1, 3)))
               for j in range(3)]
    mentees = [mentee(f"e{i}", tuple(rng.choice(areas, int(rng.integers(1, 3)), replace=False)),
                      float(rng.integers(-3, 4))) for i in range(9)]
    return Cohort(mentors=mentors, mentees=mentees)


@pytest.mark.parametrize("objective", ["total", "fair"])
def test_the_forced_optimum_is_exact_on_every_path(tmp_path: Path, objective: str) -> None:
    """Whatever path the audit takes (one solve, two, or the placement stages' restricted
    closest solve), its forced optimum is the plain forced solve's (placed, lowest primary
    score, total) and it never lists more changes than that solve's own matching needs."""
    config = config_from_dict({**CONFIG, "solver": {"objective": objective}})
    paths = {"staged": 0, "plain": 0}
    for seed in range(8):
        folder = write_run(run_match(_binding_cohort(seed), config, progress=False),
                           tmp_path / f"run{seed}")
        run = load_run(folder)
        stats = run.run.record["solver"]["stats"]
        staged = str(stats.get("placement", "")).startswith("preference-neutral")
        paths["staged" if staged else "plain"] += 1
        run_keys = {p.key for p in run.pairs}
        for e in sorted({p.mentee_id for p in run.pairs})[:2]:
            own = {p.mentor_id for p in run.network(e)}
            for c in sorted({m.id for m in run.cohort.mentors} - own):
                forced = forced_solve(run, e, c)
                plain = resolve_run(run, locks=((e, c),))
                assert forced.forced is not None and forced.fewest
                assert forced.forced.placed == plain.result.stats["placed"]
                assert forced.forced.total == pytest.approx(plain.result.objective, abs=1e-6)
                assert forced.forced.lowest_primary == pytest.approx(
                    plain.result.stats.get("lowest_primary_score"), abs=1e-9)
                plain_keys = {(p.mentee_id, p.mentor_id) for n in plain.networks
                              for p in n.pairings}
                assert len(forced.changes) <= len(plain_keys ^ run_keys)
                assert forced.solves <= 2
    assert paths["staged"] >= 4, paths  # the placement stages' path is what is tested
