"""The network MIP on the few pairs the LP leaves in reach gives the proven optimum.

The network engine solves its MIP only on the pairs whose LP reduced cost is within
``fix_slack`` points of the LP bound (reduced-cost fixing, ``mip_engine._fixed_selection``)
and widens once when the MIP's optimum does not reach the bound minus that slack. These
tests check it against the brute force on tiny cohorts (counting the examples that leave
pairs out and that need the second solve) and against the MIP over every pair
(``fix_slack=inf``, the model as it was solved before the fixing) on larger ones.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from typing import cast

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from solver_reference import brute_force, value_of
from strategies.solver import conflicting_instances, make_problem

from matcher.solver.dispatch import SolveOptions, solve
from matcher.solver.problem import problem_from_arrays

EXAMPLES = int(os.environ.get("MENTORMATCH_SOLVER_EXAMPLES", "60"))


def _paths(result) -> tuple[bool, bool] | str:
    """(the first MIP left some of the LP's pairs out, a second MIP solve ran), or "LP
    integral" when the LP's own optimum was the answer (no MIP)."""
    lp_pairs = result.stats["pricing"][-1][0]
    solves = result.stats["mip_solves"]
    if not solves:
        assert result.stats["lp_integral"] is True
        return "LP integral"
    return solves[0][0] < lp_pairs, len(solves) > 1


@pytest.mark.parametrize("objective", ["total", "fair"])
def test_fixing_with_no_slack_equals_brute_force(objective):
    """``fix_slack=0`` (the default) keeps only the pairs the LP prices at its bound: many
    examples leave pairs out of the MIP or need no MIP (the LP's optimum is integral); all
    equal the brute force and are proven optimal."""
    reached: Counter = Counter()

    @settings(max_examples=EXAMPLES, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(conflicting_instances(max_mentees=5, max_mentors=4, minimums=False))
    def run(inst) -> None:
        score, eligible, *_ = inst
        problem = make_problem(inst)
        result = solve(problem, SolveOptions(objective=objective, fix_slack=0.0))
        fair = objective == "fair"
        expected = brute_force(score, eligible, problem.capacity, problem.network_size,
                               problem.wants, problem.offers, fair=fair)
        got = value_of(result, None, fair=fair)
        assert got[:2] == expected[:2]
        assert got[-1] == pytest.approx(expected[-1], abs=1e-4)
        if fair:
            assert got[2] == pytest.approx(expected[2], abs=1e-4)
        if result.engine == "mip_highs":
            assert result.status == "optimal" and result.stats["certified"] is True
            reached[_paths(result)] += 1
        else:
            reached["other engine"] += 1

    run()
    left_out = sum(n for key, n in reached.items() if isinstance(key, tuple) and key[0])
    assert left_out + reached["LP integral"] >= EXAMPLES // 4, reached


#: six specialties, mentors bringing several and mentees wanting several: networks of
#: 2-4 whose LP relaxation is sometimes fractional (then the second solve runs)
SIX = tuple("abcdef")


def _cohort(seed: int, n: int = 30, m: int = 10):
    rng = np.random.default_rng(seed)
    wants = rng.random((n, len(SIX))) < 0.5
    offers = rng.random((m, len(SIX))) < 0.45
    return problem_from_arrays(rng.uniform(40, 100, (n, m)), rng.random((n, m)) < 0.9,
                               capacity=rng.integers(2, 6, m),
                               network_size=rng.integers(2, 5, n), labels=SIX,
                               wants=wants, offers=offers)


@pytest.mark.parametrize("objective", ["total", "fair"])
def test_fixing_reaches_the_optimum_of_the_mip_over_every_pair(objective):
    """Dense and pruned, with the default slack and more, the MIP on the fixed pairs (or the
    LP alone when its optimum is integral) reaches the optimum of the MIP over every pair
    (``fix_slack=inf``) with fewer pairs in its model; some cohorts' LP bound lies above
    the optimum, so the second solve runs."""
    reached: Counter = Counter()
    for seed in range(16):
        problem = _cohort(seed)
        every = solve(problem, SolveOptions(objective=objective, fix_slack=math.inf))
        if every.engine != "mip_highs":
            reached["relaxed flow was valid"] += 1
            continue
        assert every.status == "optimal"
        for options in (SolveOptions(objective=objective),
                        SolveOptions(objective=objective, fix_slack=2.0),
                        SolveOptions(objective=objective, mip_dense_pairs=0, mip_k_mentee=2,
                                     mip_k_mentor=4)):
            fixed = solve(problem, options)
            assert fixed.engine == "mip_highs" and fixed.status == "optimal"
            assert fixed.stats["certified"] is True
            assert fixed.stats["placed"] == every.stats["placed"]
            assert fixed.objective == pytest.approx(every.objective, abs=1e-6)
            path = _paths(fixed)
            if path != "LP integral":
                fixed_solves = cast(list[tuple[int, float]], fixed.stats["mip_solves"])
                every_solves = cast(list[tuple[int, float]], every.stats["mip_solves"])
                assert fixed_solves[-1][0] < every_solves[-1][0]
            reached[path] += 1
    assert sum(n for key, n in reached.items() if isinstance(key, tuple) and key[1]) >= 2, \
        reached
    assert reached["LP integral"] >= 2, reached
