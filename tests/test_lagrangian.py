"""The mentor-price (Lagrangian) bound and priced networks, against brute force.

:mod:`matcher.solver.lagrangian` claims that a mentee's best network at given prices is
found exactly from mentor classes and an enumeration of class combinations, and that the
prices bound every solution whatever they are. Checked here against enumerations that share
no logic with it (:mod:`solver_reference`), counting the examples that reach each path.
"""

from __future__ import annotations

import itertools
import os
import time
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solver_reference import brute_force, valid_team
from strategies.solver import conflicting_instances, make_problem, multi_specialty_instances

from matcher.solver.certificates import certify_placements
from matcher.solver.context import SolveOptions
from matcher.solver.dispatch import prepare, solve
from matcher.solver.lagrangian import PricedModel, Prices, network_combos
from matcher.solver.network_engine import mip_in_reach
from matcher.solver.problem import problem_from_arrays

EXAMPLES = int(os.environ.get("MENTORMATCH_SOLVER_EXAMPLES", "40"))
FAST = settings(max_examples=EXAMPLES, deadline=None)
#: the bound reads the screening copy rounded up: a few 1e-5 points per pair above exact
ROUNDED = 1e-4


@pytest.mark.parametrize(("k", "t"), [(0, 0), (1, 1), (2, 1), (2, 2), (3, 1), (3, 2),
                                      (4, 2)])
def test_class_combinations_are_exactly_the_valid_networks(k, t):
    """A combination of classes is listed iff mentors offering exactly those classes'
    specialties form a valid network with the first as primary (brute-force rule)."""
    wants = np.ones((1, k), bool)
    classes = range(1 << k)
    combos = network_combos(k, t)
    assert combos is not None
    listed = {(int(row[0]), tuple(sorted(int(c) for c in row[1:] if c < 1 << k)))
              for row in combos}
    expected = set()
    for primary in classes:
        for size in range(t + 1):
            for specialists in itertools.combinations(range(1, 1 << k), size):
                team_classes = (primary, *specialists)
                offers = np.array([[(c >> b) & 1 for b in range(k)] for c in team_classes],
                                  bool).reshape(len(team_classes), k)
                if 0 in valid_team(tuple(range(len(team_classes))), 0, wants, offers):
                    expected.add((primary, tuple(sorted(specialists))))
    assert listed == expected
    assert len(listed) == len(combos)  # each once


def _context(inst, objective="total"):
    problem = make_problem(inst)
    ctx, _ = prepare(problem, SolveOptions(objective=objective), time.perf_counter())
    return problem, ctx


def _best_by_enumeration(inst, i: int, gamma: np.ndarray, reward: float,
                         capacity: np.ndarray) -> float:
    """Mentee i's best network value at prices, by trying every team (0: unplaced)."""
    score, eligible, _, size, wants, offers, _ = inst
    pool = [j for j in range(score.shape[1]) if eligible[i, j] and capacity[j] > 0]
    best = 0.0
    for n_members in range(1, int(size[i]) + 1):
        for team in itertools.combinations(pool, n_members):
            if valid_team(team, i, wants, offers):
                best = max(best, sum(score[i, j] - gamma[j] for j in team) + reward)
    return best


@FAST
@given(multi_specialty_instances(minimums=False), st.integers(0, 2**32 - 1))
def test_each_mentees_best_network_at_any_prices_is_exact(inst, seed):
    """Whatever the prices, each mentee's best network value equals the best over every
    valid team of its eligible mentors (within the screening copy's rounding up)."""
    problem, ctx = _context(inst)
    rng = np.random.default_rng(seed)
    prices = Prices(rng.choice([0.0, 5.0, 40.0, 120.0], problem.n_mentors),
                    float(rng.choice([0.0, 10.0])))
    got = PricedModel(ctx, None).best(prices).value
    for i in range(problem.n_mentees):
        want = _best_by_enumeration(inst, i, prices.mentor, prices.placed,
                                    ctx.residual.capacity)
        assert want - 1e-9 <= got[i] <= want + ROUNDED * problem.network_size[i]


@given(st.data())
@settings(max_examples=EXAMPLES, deadline=None)
def test_prices_bound_every_solution_and_priced_networks_keep_the_rules(data):
    """At random prices the bound is at least the brute-force optimum; the priced networks
    keep every rule and capacity; the price search never returns a bound below it."""
    reached: Counter = data.draw(st.just(_REACHED))
    inst = data.draw(conflicting_instances(minimums=False))
    score, eligible, *_ = inst
    problem, ctx = _context(inst)
    exact = brute_force(score, eligible, problem.capacity, problem.network_size,
                        problem.wants, problem.offers)
    placed = certify_placements(ctx, None)
    assert placed == exact[1]
    model = PricedModel(ctx, None)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    prices = Prices(rng.uniform(0, 60, problem.n_mentors), float(rng.uniform(0, 30)))
    assert model.bound(prices, placed) >= exact[2] - 1e-6
    found = model.search_prices(placed, 0.0, 5.0, iterations=20)
    assert model.bound(found, placed) >= exact[2] - 1e-6
    teams = model.networks(found)
    load = np.zeros(problem.n_mentors, int)
    for i, team in enumerate(teams):
        load[team] += 1
        if len(team):
            assert eligible[i, team].all()
            assert team[0] in valid_team(tuple(team.tolist()), i, problem.wants,
                                         problem.offers)
            assert len(team) <= problem.network_size[i]
    assert (load <= problem.capacity).all()
    reached["placed all" if sum(len(t) > 0 for t in teams) == placed else "fewer"] += 1


_REACHED: Counter = Counter()


def test_priced_networks_place_as_many_as_possible_on_most_examples():
    """The property above ran, and its priced networks placed as many mentees as possible
    on most examples (the engine uses them only then; else it falls back)."""
    _REACHED.clear()
    test_prices_bound_every_solution_and_priced_networks_keep_the_rules()
    assert _REACHED["placed all"] >= EXAMPLES // 2, _REACHED


def _crowded_cohort(seed: int, n: int = 200, m: int = 160):
    """Mentees around six topics, mentors crowded into two (their best mentors are the
    same few), 8 areas, mentees wanting 2–3 and mentors bringing 1–2, networks of 2,
    places 4–11: room for specialists, and relaxed flows that break the rule."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 1, (6, 2))
    mentees = centres[rng.integers(0, 6, n)] + rng.normal(0, 0.1, (n, 2))
    mentors = centres[rng.integers(0, 2, m)] + rng.normal(0, 0.1, (m, 2))
    score = np.round(100 - 60 * np.linalg.norm(mentees[:, None] - mentors[None], axis=2), 3)
    wants = np.zeros((n, 8), bool)
    for i in range(n):
        wants[i, rng.choice(8, rng.integers(2, 4), replace=False)] = True
    offers = np.zeros((m, 8), bool)
    for j in range(m):
        offers[j, rng.choice(8, rng.integers(1, 3), replace=False)] = True
    return problem_from_arrays(score, rng.random((n, m)) < 0.9,
                               capacity=rng.integers(4, 12, m), network_size=2,
                               labels=tuple(f"area{k}" for k in range(8)), wants=wants,
                               offers=offers)


def test_priced_path_is_bounded_by_its_certificate_against_the_whole_mip():
    """Crowded cohorts the whole MIP proves optimal, solved again with the MIP not tried
    (``mip_max_eligible=0``): networks by prices, or the local MIP's when better; every
    rule and capacity kept, as many placed, total at most the optimum, and the certified
    bound at least the optimum (it is a true bound), with a gap under 0.5 %."""
    engines: Counter = Counter()
    for seed in range(6):
        problem = _crowded_cohort(seed)
        optimum = solve(problem)
        assert optimum.engine == "mip_highs" and optimum.status == "optimal"
        priced = solve(problem, SolveOptions(mip_max_eligible=0))
        engines[priced.engine] += 1
        load = np.zeros(problem.n_mentors, int)
        teams: dict[int, list[int]] = {}
        for a in sorted(priced.assignments, key=lambda a: a.role != "primary"):
            load[a.mentor] += 1
            teams.setdefault(a.mentee, []).append(a.mentor)
        assert (load <= problem.capacity).all()
        for i, team in teams.items():  # primary first
            assert len(team) <= problem.network_size[i]
            assert team[0] in valid_team(tuple(team), i, problem.wants, problem.offers)
        assert priced.stats["placed"] == optimum.stats["placed"]
        assert priced.objective <= optimum.objective + 1e-6 <= priced.bound + 2e-6
        assert priced.gap <= 0.005
    assert engines["priced_networks"] >= 1 and engines["flow_then_local_mip"] >= 1, engines


def test_whole_mip_is_tried_by_size_never_by_the_clock():
    """Whether the whole network MIP runs is decided by the eligible pairs of network
    mentees, the same with no time left as with plenty (a loaded machine decides as a
    quiet one), and the option's limit turns it off."""
    problem = _crowded_cohort(0, n=60, m=40)
    for time_limit in (0.0, 600.0):
        ctx, _ = prepare(problem, SolveOptions(time_limit=time_limit), time.perf_counter())
        assert mip_in_reach(ctx)
        assert ctx.stats["network_eligible_pairs"] == int(ctx.cache.eligible_count.sum())
        ctx, _ = prepare(problem, SolveOptions(time_limit=time_limit, mip_max_eligible=0),
                         time.perf_counter())
        assert not mip_in_reach(ctx)
