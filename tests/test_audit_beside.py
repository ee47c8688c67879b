"""The forced solve beside the closest one (``matcher.audit._first_solves``): on two cores,
for a run whose networks needed the MIP, "why not C" runs its two re-solves at once, and
answers exactly as it does one after the other: the same figures, changes, fewest flag and
count of solves, also when the closest solve answers alone (the forced one then ran for
nothing and is not counted) and when a solve fails. The small cohorts below are solved by
the flow, which holds the GIL, so they go beside only where a test opens that gate
(``mip=True``): the answer must not depend on it either way."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.match import match_command
from matcher import audit
from matcher.audit import ForcedSolve, alternatives, forced_solve, load_run
from matcher.pipeline import run_match
from scoring.config import config_from_dict
from scoring.features import build_features
from scoring.profiles import Cohort
from tests.test_audit import CONFIG, _binding_cohort, mentee, mentor, write_run

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


def both_ways(monkeypatch: pytest.MonkeyPatch, run: audit.AuditRun, mentee_id: str,
              mentor_id: str, mip: bool = False
              ) -> tuple[ForcedSolve, ForcedSolve, list[str]]:
    """The answer one solve after the other, the answer on two cores (``mip``: as if the
    run's networks had needed the MIP), and the threads the second's solves ran in."""
    if mip:
        monkeypatch.setattr(audit, "_solved_by_mip", lambda _run: True)
    monkeypatch.setattr(audit, "usable_cores", lambda: 1)
    alone = forced_solve(run, mentee_id, mentor_id)
    threads: list[str] = []
    outcome = audit._LockedSolves.outcome

    def recorded(self, bonus, only=None):
        threads.append(threading.current_thread().name)
        return outcome(self, bonus, only)

    monkeypatch.setattr(audit._LockedSolves, "outcome", recorded)
    monkeypatch.setattr(audit, "usable_cores", lambda: 2)
    beside = forced_solve(run, mentee_id, mentor_id)
    return alone, beside, threads


def same(a: ForcedSolve, b: ForcedSolve) -> bool:
    """Equal but for the solver's seconds (a time)."""
    return replace(a, solver_seconds=0.0) == replace(b, solver_seconds=0.0)


def test_the_sample_networks_answer_the_same_with_the_solves_side_by_side(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The benchmark's question on the sample (networks solved by the MIP, the swap costs
    points: both solves are used)."""
    out = tmp_path / "run"
    result = CliRunner().invoke(match_command, [str(SAMPLE / "mentors.csv"),
                                                str(SAMPLE / "mentees.csv"), "--out", str(out),
                                                "--quiet"])
    assert result.exit_code == 0, result.output
    run = load_run(out)
    assert audit._solved_by_mip(run)  # the gate is open on its own
    mentee_id = next(p for p in run.pairs if p.role == "primary").mentee_id
    _, others = alternatives(run, build_features(run.cohort, run.config), mentee_id, 2)
    reached = 0
    for other in others:
        alone, beside, threads = both_ways(monkeypatch, run, mentee_id,
                                           other.explanation.mentor_id)
        assert same(alone, beside), (alone, beside)
        assert any(name.startswith("forced solve") for name in threads), threads
        reached += alone.solves >= 2
    assert reached >= 1  # a swap that needs the forced solve is among them


def test_a_swap_that_costs_nothing_still_counts_one_solve(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every matching ties: the closest solve answers; the forced solve ran beside it for
    nothing and is neither counted nor announced."""
    cohort = Cohort(mentors=[mentor(f"M{j}", "career", 0, 2) for j in range(6)],
                    mentees=[mentee(f"e{i:02d}", ("career",), 0) for i in range(12)])
    run = load_run(write_run(run_match(cohort, config_from_dict(CONFIG), progress=False),
                             tmp_path / "run"))
    primary = run.network("e00")[0].mentor_id
    other = next(m.id for m in cohort.mentors if m.id != primary)
    alone, beside, threads = both_ways(monkeypatch, run, "e00", other, mip=True)
    assert same(alone, beside)
    assert beside.solves == 1 and len(threads) == 2  # the forced solve ran, not counted


def test_a_run_the_flow_solved_solves_in_turn(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    """The flow holds the GIL: beside it the forced solve would only add its time to a
    swap that costs nothing. Such a run solves in turn, one solve for that swap."""
    cohort = Cohort(mentors=[mentor(f"M{j}", "career", 0, 2) for j in range(6)],
                    mentees=[mentee(f"e{i:02d}", ("career",), 0) for i in range(12)])
    run = load_run(write_run(run_match(cohort, config_from_dict(CONFIG), progress=False),
                             tmp_path / "run"))
    assert not audit._solved_by_mip(run)
    primary = run.network("e00")[0].mentor_id
    other = next(m.id for m in cohort.mentors if m.id != primary)
    alone, beside, threads = both_ways(monkeypatch, run, "e00", other)
    assert same(alone, beside)
    assert threads == ["MainThread"]


def test_the_placement_stages_path_solves_in_turn(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    """A run that chose its placed set in the placement stages: the closest solve needs
    the forced optimum's placed set, so nothing runs beside."""
    config = config_from_dict({**CONFIG, "solver": {"objective": "total"}})
    reached = 0
    for seed in range(4):
        run = load_run(write_run(run_match(_binding_cohort(seed), config, progress=False),
                                 tmp_path / f"run{seed}"))
        if not audit._placement_staged(run):
            continue
        e = sorted({p.mentee_id for p in run.pairs})[0]
        own = {p.mentor_id for p in run.network(e)}
        c = sorted({m.id for m in run.cohort.mentors} - own)[0]
        alone, beside, threads = both_ways(monkeypatch, run, e, c, mip=True)
        assert same(alone, beside)
        assert threads and not any(name.startswith("forced solve") for name in threads)
        reached += 1
    assert reached >= 2


def test_a_failed_solve_answers_the_same(monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    """A lock the problem refuses (an input error in both solves) is reported the same,
    with the same count of solves."""
    cohort = Cohort(mentors=[mentor(f"M{j}", "career", 0, 2) for j in range(3)],
                    mentees=[mentee(f"e{i}", ("career",), 0) for i in range(4)])
    run = load_run(write_run(run_match(cohort, config_from_dict(CONFIG), progress=False),
                             tmp_path / "run"))
    alone, beside, threads = both_ways(monkeypatch, run, "e0", "nobody", mip=True)
    assert not alone.feasible and alone.message
    assert same(alone, beside)
    assert any(name.startswith("forced solve") for name in threads)
