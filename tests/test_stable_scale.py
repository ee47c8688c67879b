"""The stable engine at scale (issue 15) gives the same matching and the same blocking-pair
count as the dense engine it replaced (kept verbatim in tests/stable_reference.py).

The new engine ranks only each mentee's best mentors up front and reads scores in blocks
of mentee rows; these tests force both paths (a list of one mentor, so rejected mentees
rank their whole row; blocks of a few rows) on generated cohorts with many tied scores,
locked mentees who do not propose, and mentors without places, and count the examples
that reach them.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.solver import stable
from tests import stable_reference as before

SKIP_FROM, TOP = stable.SKIP_FROM, stable.TOP  # the engine's, before a test changes them


@st.composite
def cohorts(draw):
    n, m = draw(st.integers(1, 30)), draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    levels = draw(st.sampled_from([2, 4, 1000]))  # few levels: many ties
    score = rng.integers(0, levels, (n, m)) / 4.0
    if draw(st.booleans()):  # scores that float32 rounds to the same value: ties on the screen
        score += rng.integers(0, 3, (n, m)) * 1e-10
    eligible = rng.random((n, m)) < draw(st.sampled_from([0.3, 0.7, 1.0]))
    capacity = rng.integers(0, 4, m)
    proposes = rng.random(n) < 0.9
    return score, eligible, capacity, proposes, rng.permutation(n), rng.permutation(m)


def screen(score: np.ndarray, eligible: np.ndarray, seed: int) -> stable.Screen:
    """The scores rounded to float32, as the solver's cache keeps them, also showing some
    pairs the engine may not use (banned: any value; the exact reading says -inf)."""
    shown = eligible | (np.random.default_rng(seed).random(eligible.shape) < 0.3)
    rounded = np.where(shown, np.where(eligible, score, score + 1), -np.inf).astype(np.float32)
    exact = np.where(eligible, score, -np.inf)
    return stable.Screen(lambda rows: rounded[rows], lambda rows, cols: exact[rows, cols])


def _both(case, top: int, screened: bool = False):
    score, eligible, capacity, proposes, mentee_rank, mentor_rank = case
    old = before.StableInput(score, eligible, capacity, proposes, mentee_rank, mentor_rank)
    new = stable.StableInput(len(score), score.shape[1], stable.DenseRows(score, eligible),
                             capacity, proposes, mentee_rank, mentor_rank,
                             screen(score, eligible, len(score)) if screened else None)
    return old, new, stable.preferences(new, top)


def test_same_matching_and_blocking_pairs_as_the_dense_engine(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stable, "BLOCK_PAIRS", 10)  # blocks of one to a few rows
    reached: Counter[str] = Counter()

    @settings(max_examples=200, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(cohorts(), st.sampled_from([1, 2, stable.TOP]),
           st.sampled_from([0, 2, SKIP_FROM]), st.booleans())
    def check(case, top: int, skip_from: int, screened: bool) -> None:
        score, eligible = case[0], case[1]
        monkeypatch.setattr(stable, "SKIP_FROM", skip_from)  # skip rejecting mentors or not
        old, new, prefs = _both(case, top, screened)
        expected = before.deferred_acceptance(old)
        match, match_score = stable.deferred_acceptance(new, prefs)
        assert match.tolist() == expected.tolist()
        matched = match >= 0
        assert (match_score[matched] == score[matched, match[matched]]).all()
        assert not len(stable.blocking_pairs(new, match, match_score))
        # the check itself, on a matching that is not stable: the same pairs as before
        rng = np.random.default_rng(len(score))
        other = np.array([rng.choice(np.flatnonzero(row)) if row.any() and rng.random() < 0.7
                          else -1 for row in eligible])
        other_score = np.where(other >= 0, score[np.arange(len(score)), np.maximum(other, 0)],
                               -np.inf)
        found = stable.blocking_pairs(new, other, other_score)
        assert found.tolist() == before.blocking_pairs(old, other).tolist()
        beyond = [i for i in np.flatnonzero(matched)
                  if match[i] not in prefs.mentor[prefs.start[i]:prefs.start[i + 1]]]
        reached["whole row ranked"] += bool(beyond)
        reached["blocking pairs found"] += bool(len(found))
        reached["tie at the list's edge"] += bool(
            (np.diff(prefs.start) > top).any())
        # mentees sent past mentors that would reject them (found by the skip when the rest
        # of a list is longer than skip_from), placed lower or left out
        first = np.full(len(score), -1)
        first[np.diff(prefs.start) > 0] = prefs.mentor[prefs.start[:-1][np.diff(prefs.start) > 0]]
        passed = bool((new.proposes & (first >= 0) & (match != first)).any())
        reached["rejecting mentors skipped" if skip_from < SKIP_FROM
                else "rejecting mentors proposed to"] += passed
        # best mentors found on the rounded screen, where it shows pairs the engine may not
        # use: some lists shorter than the top, some empty though the mentee has mentors
        short = (np.diff(prefs.start) < np.minimum(top, eligible.sum(axis=1))).any()
        reached["screened, a list cut by unusable pairs"] += bool(screened and short)

    check()
    assert min(reached.values()) >= 10 and len(reached) == 6, reached


def test_whole_solve_with_locks_forbids_and_keep_bonus_matches_the_dense_engine(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the solver, with what the engine reads from the cache: locked mentees (who
    do not propose), forbidden pairs and a rematch's keep bonus (scores plus points)."""
    import dataclasses

    from matcher.solver import dispatch
    from matcher.solver.dispatch import SolveOptions, solve
    from matcher.solver.problem import LockedPair, problem_from_arrays

    monkeypatch.setattr(stable, "BLOCK_PAIRS", 12)
    reference = tuple(dataclasses.replace(rule, engine=before.solve_stable)
                      if rule.objective == "stable" else rule for rule in dispatch.ENGINES)
    reached: Counter[str] = Counter()

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(cohorts(), st.integers(0, 2**32 - 1), st.sampled_from([1, TOP]),
           st.integers(0, 3).map(lambda k: k == 3))  # a keep bonus in one example of four
    def check(case, seed: int, top: int, bonus_given: bool) -> None:
        score, eligible, capacity = case[0], case[1], case[2]
        monkeypatch.setattr(stable, "TOP", top)
        n, m = score.shape
        rng = np.random.default_rng(seed)
        capacity = np.maximum(capacity, 1)
        locks, used = [], np.zeros(m, int)
        for i in rng.permutation(n)[:2]:
            options = [j for j in np.flatnonzero(eligible[i]) if used[j] < capacity[j]]
            if options:
                j = int(rng.choice(options))
                locks.append(LockedPair(int(i), j))
                used[j] += 1
        locked = {lock.mentee for lock in locks}
        forbids = np.array([(i, j) for i, j in zip(rng.integers(0, n, 3), rng.integers(0, m, 3),
                                                   strict=True) if i not in locked]).reshape(-1, 2)
        bonus = np.array([(i, j, 5.0) for i, j in zip(rng.integers(0, n, 3),
                                                      rng.integers(0, m, 3), strict=True)
                          if bonus_given]).reshape(-1, 3)
        problem = problem_from_arrays(score, eligible, capacity=capacity, locks=tuple(locks),
                                      forbids=forbids, keep_bonus=bonus)
        new = solve(problem, SolveOptions(objective="stable"))
        with monkeypatch.context() as patch:
            patch.setattr(dispatch, "ENGINES", reference)
            old = solve(problem, SolveOptions(objective="stable"))
        assert [(a.mentee, a.mentor) for a in new.assignments] == \
            [(a.mentee, a.mentor) for a in old.assignments]
        assert new.stats["blocking_pairs"] == old.stats["blocking_pairs"] == 0
        reached["locks"] += bool(locks)
        reached["forbids"] += bool(len(forbids))
        # without a keep bonus, the best mentors are found on the cache's screening copy
        reached["screened"] += not bonus_given and top < m

    check()
    assert reached["locks"] >= 20 and reached["forbids"] >= 20, reached
    assert reached["screened"] >= 10, reached
