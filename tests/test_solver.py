"""The solver finds the true optimum in every objective and keeps every hard rule."""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from typing import cast

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment
from solver_reference import (
    brute_force,
    textbook_deferred_acceptance,
    valid_team,
    value_of,
)
from strategies.solver import (
    LABELS,
    conflicting_instances,
    flow_instances,
    instances,
    make_problem,
    multi_specialty_instances,
    stable_instances,
)

from matcher.solver import network_engine
from matcher.solver.dispatch import ENGINES, OBJECTIVES, SolveOptions, solve
from matcher.solver.network_rule import own_specialties
from matcher.solver.problem import BlockScores, LockedPair, ProblemError, problem_from_arrays
from matcher.solver.result import SolverResult

#: examples per property (MENTORMATCH_SOLVER_EXAMPLES runs more locally)
FAST = settings(max_examples=int(os.environ.get("MENTORMATCH_SOLVER_EXAMPLES", "40")),
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def check_rules(problem, result: SolverResult, score, eligible) -> None:
    """Every hard rule a coordinator relies on, checked on the result."""
    load = np.zeros(problem.n_mentors, int)
    teams: dict[int, list] = {}
    for a in result.assignments:
        assert eligible[a.mentee, a.mentor], "ineligible pair assigned"
        assert a.score == pytest.approx(score[a.mentee, a.mentor])
        load[a.mentor] += 1
        teams.setdefault(a.mentee, []).append(a)
    assert (load <= problem.capacity).all(), "capacity exceeded"
    for i, team in teams.items():
        mentors = [a.mentor for a in team]
        assert len(set(mentors)) == len(mentors), "same mentor twice for one mentee"
        assert len(team) <= problem.network_size[i]
        assert sum(a.role == "primary" for a in team) == 1
        primary = next(a.mentor for a in team if a.role == "primary")
        assert primary in valid_team(tuple(mentors), i, problem.wants, problem.offers)
        for a in team:
            if a.role == "specialist":
                s = LABELS.index(a.covers)
                assert problem.wants[i, s] and problem.offers[a.mentor, s]
                assert not any(problem.offers[k, s] for k in mentors if k != a.mentor)
    assert set(result.unplaced) == set(range(problem.n_mentees)) - set(teams)


@pytest.mark.parametrize("fair", [False, True], ids=["total", "fair"])
@FAST
@given(instances())
def test_total_and_fair_modes_equal_brute_force_in_lexicographic_order(fair, inst):
    _equals_brute_force(inst, "fair" if fair else "total")


#: (objective, strategy, what every example must reach: (engine, ran the network engine's
#: relaxed flow), None where either engine may finish)
ENGINE_PATHS = {
    "flow-total": ("total", flow_instances(), ("min_cost_flow", False)),
    "flow-fair": ("fair", flow_instances(fair=True), ("min_cost_flow", False)),
    "network-total": ("total", multi_specialty_instances(), (None, True)),
    "network-fair-mip": ("fair", multi_specialty_instances(), ("mip_highs", False)),
    "network-total-mip": ("total", conflicting_instances(), ("mip_highs", True)),
}


@pytest.mark.parametrize("path", list(ENGINE_PATHS))
def test_each_engine_path_equals_brute_force(path):
    """Each strategy forces one engine's path; every example must reach it and equal the
    brute force."""
    objective, strategy, (engine, relaxed) = ENGINE_PATHS[path]
    reached = _engines_reached(_equals_brute_force, strategy, objective)
    assert {r for _, r in reached} == {relaxed}, reached
    if engine is not None:
        assert {e for e, _ in reached} == {engine}, reached


def _equals_brute_force(inst, objective: str) -> tuple[str, bool]:
    """Solve, check every rule and the lexicographic value against the brute force; return
    (engine, whether the network engine's relaxed flow ran)."""
    score, eligible, *_, minimum = inst
    fair = objective == "fair"
    problem = make_problem(inst)
    result = solve(problem, SolveOptions(objective=objective))
    check_rules(problem, result, score, eligible)
    expected = brute_force(score, eligible, problem.capacity, problem.network_size,
                           problem.wants, problem.offers, minimum, fair=fair)
    got = value_of(result, minimum, fair=fair)
    assert got[:2] == expected[:2]
    assert got[2] == pytest.approx(expected[2], abs=1e-4)
    if fair:
        assert got[3] == pytest.approx(expected[3], abs=1e-4)
    else:
        assert result.status in ("optimal", "infeasible")
    return result.engine, "relaxation" in result.stats


def test_stable_mode_is_deferred_acceptance_without_blocking_pairs():
    engines = _engines_reached(_stable_matches_textbook_da, stable_instances())
    assert engines == {"deferred_acceptance": sum(engines.values())}


def _stable_matches_textbook_da(inst) -> str:
    score, eligible, capacity, *_ = inst
    problem = make_problem(inst)
    result = solve(problem, SolveOptions(objective="stable"))
    got = {a.mentee: a.mentor for a in result.assignments}
    assert got == textbook_deferred_acceptance(score, eligible, capacity)
    load = np.bincount(list(got.values()), minlength=problem.n_mentors)
    for i in range(problem.n_mentees):
        for j in range(problem.n_mentors):
            if not eligible[i, j] or got.get(i) == j:
                continue
            mentee_prefers = i not in got or (-score[i, j], j) < (-score[i, got[i]], got[i])
            rivals = [k for k, jj in got.items() if jj == j]
            mentor_prefers = load[j] < capacity[j] or any(
                (-score[i, j], i) < (-score[k, j], k) for k in rivals)
            assert not (mentee_prefers and mentor_prefers), f"blocking pair {(i, j)}"
    assert result.stats["blocking_pairs"] == 0
    return result.engine


def test_placing_more_mentees_comes_before_a_higher_total():
    score = np.array([[100.0, 1.0], [60.0, 0.0]])
    eligible = np.array([[True, True], [True, False]])
    for objective in ("total", "fair"):
        result = solve(problem_from_arrays(score, eligible), SolveOptions(objective=objective))
        assert sorted((a.mentee, a.mentor) for a in result.assignments) == [(0, 1), (1, 0)]


def test_integer_scaling_keeps_the_float_optimum():
    rng = np.random.default_rng(7)
    score = rng.uniform(0, 100, (40, 40))
    result = solve(problem_from_arrays(score))
    rows, cols = linear_sum_assignment(score, maximize=True)
    assert result.objective == pytest.approx(score[rows, cols].sum(), abs=1e-9 * 40 + 40e-5)
    assert result.stats["placed"] == 40


@pytest.mark.parametrize("objective", ["total", "fair"])
def test_pruned_solve_is_certified_equal_to_unpruned(objective):
    rng = np.random.default_rng(3)
    n, m = 120, 40
    cluster_e, cluster_r = rng.integers(0, 4, n), rng.integers(0, 4, m)
    score = np.where(cluster_e[:, None] == cluster_r[None, :], 60, 20) + rng.uniform(0, 30,
                                                                                    (n, m))
    eligible = rng.random((n, m)) < 0.8
    problem = problem_from_arrays(score, eligible, capacity=rng.integers(1, 5, m))
    full = solve(problem, SolveOptions(objective=objective))
    pruned = solve(problem, SolveOptions(objective=objective, dense_pairs=0, k_mentee=1,
                                         k_mentor=2, widen_per_mentee=2))
    assert pruned.stats["k_mentee"] == 1 and pruned.stats["certified"] is True
    assert cast(int, pruned.stats["candidate_pairs"]) < cast(int, full.stats["candidate_pairs"])
    assert pruned.stats["placed"] == full.stats["placed"]
    assert pruned.objective == pytest.approx(full.objective, abs=1e-6)
    assert pruned.stats["lowest_primary_score"] == pytest.approx(
        full.stats["lowest_primary_score"])


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.integers(0, 2**32 - 1), st.sampled_from(["total", "fair"]),
       st.sampled_from([0.0, 0.5, 3.0]), st.booleans(), st.booleans())
def test_pruned_flows_that_drop_far_candidates_stay_exact(seed, objective, drop_slack,
                                                           with_minimum, networks):
    """Dropping unused candidates between rounds (even every one the flow did not use, at
    drop_slack 0) never changes the certified optimum, with minimum loads or without, for
    one mentor each or networks whose specialists bring one specialty each."""
    rng = np.random.default_rng(seed)
    n, m = 60, 15
    score = rng.choice(np.r_[rng.uniform(0, 100, 8), 50.0], size=(n, m))
    offers = np.zeros((m, len(LABELS)), bool)
    offers[np.arange(m), rng.integers(0, len(LABELS), m)] = rng.random(m) < 0.8
    problem = problem_from_arrays(
        score, rng.random((n, m)) < 0.8, capacity=rng.integers(1, 5, m),
        minimum=rng.integers(0, 2, m) if with_minimum else None,
        network_size=rng.integers(1, 4, n) if networks else 1, labels=LABELS,
        wants=rng.random((n, len(LABELS))) < 0.6, offers=offers)
    if objective == "fair" and networks:
        objective = "total"  # fair with specialists is the MIP's, tested elsewhere
    full = solve(problem, SolveOptions(objective=objective))
    pruned = solve(problem, SolveOptions(objective=objective, dense_pairs=0, k_mentee=1,
                                         k_mentor=1, drop_slack=drop_slack))
    assert pruned.stats["certified"] is True
    assert pruned.status == full.status
    assert pruned.stats["placed"] == full.stats["placed"]
    assert pruned.objective == pytest.approx(full.objective, abs=1e-6)
    assert pruned.stats["lowest_primary_score"] == pytest.approx(
        full.stats["lowest_primary_score"])


def test_same_inputs_in_another_row_order_give_the_same_pairings():
    rng = np.random.default_rng(11)
    score = rng.choice([40.0, 60.0, 80.0], size=(30, 10))  # many ties
    ids_e, ids_r = [f"e{i:02d}" for i in range(30)], [f"r{j:02d}" for j in range(10)]
    pe, pr = rng.permutation(30), rng.permutation(10)

    def pairs(score, ids_e, ids_r):
        result = solve(problem_from_arrays(score, capacity=2, mentee_ids=tuple(ids_e),
                                           mentor_ids=tuple(ids_r)))
        return sorted((ids_e[a.mentee], ids_r[a.mentor]) for a in result.assignments)

    first = pairs(score, ids_e, ids_r)
    assert first == pairs(score, ids_e, ids_r)
    assert first == pairs(score[pe][:, pr], [ids_e[i] for i in pe], [ids_r[j] for j in pr])


def test_locks_are_kept_and_forbids_and_ineligible_pairs_never_appear():
    score = np.array([[90.0, 10.0, 50.0], [80.0, 70.0, 60.0], [95.0, 20.0, 30.0]])
    eligible = np.array([[True, True, True], [True, True, True], [True, False, True]])
    problem = problem_from_arrays(score, eligible, locks=(LockedPair(0, 1),),
                                  forbids=np.array([[2, 0]]))
    result = solve(problem)
    got = {(a.mentee, a.mentor): a for a in result.assignments}
    assert (0, 1) in got and got[(0, 1)].locked
    assert (2, 0) not in got and (2, 1) not in got
    assert got.keys() == {(0, 1), (1, 0), (2, 2)}


def test_lock_beyond_capacity_names_the_mentor_and_pairs():
    problem = problem_from_arrays(np.full((3, 2), 50.0), capacity=1,
                                  locks=(LockedPair(0, 1), LockedPair(2, 1)))
    with pytest.raises(ProblemError, match=r"r1 has capacity 1 .* \(e0, r1\), \(e2, r1\)"):
        solve(problem)


def test_lock_of_forbidden_or_ineligible_pair_is_an_input_error():
    eligible = np.array([[True, False], [True, True]])
    with pytest.raises(ProblemError, match=r"\(e0, r1\) is ineligible"):
        solve(problem_from_arrays(np.full((2, 2), 50.0), eligible, locks=(LockedPair(0, 1),)))
    with pytest.raises(ProblemError, match=r"\(e1, r0\) is forbidden"):
        solve(problem_from_arrays(np.full((2, 2), 50.0), locks=(LockedPair(1, 0),),
                                  forbids=np.array([[1, 0]])))


def test_minimum_load_is_met_when_possible_even_at_a_lower_total():
    score = np.array([[90.0, 10.0], [80.0, 20.0]])
    plain = solve(problem_from_arrays(score, capacity=2))
    assert {a.mentor for a in plain.assignments} == {0}
    result = solve(problem_from_arrays(score, capacity=2, minimum=1))
    assert sorted((a.mentee, a.mentor) for a in result.assignments) == [(0, 0), (1, 1)]
    assert result.status == "optimal"


def test_unmeetable_minimum_is_reported_as_infeasible_with_the_mentors():
    result = solve(problem_from_arrays(np.full((1, 2), 50.0), capacity=2, minimum=1))
    assert result.status == "infeasible"
    assert "r0" in result.messages[0] or "r1" in result.messages[0]


def test_unplaced_reasons_say_no_eligible_mentor_or_name_the_full_mentors():
    score = np.array([[50.0, 60.0], [70.0, 40.0], [30.0, 90.0]])
    eligible = np.array([[False, False], [True, True], [True, True]])
    result = solve(problem_from_arrays(score, eligible, capacity=np.array([1, 0])),
                   explain_ineligible=lambda rows: {int(i): "rule x excludes 2 mentors"
                                                    for i in rows})
    assert result.unplaced[0] == "no eligible mentor: rule x excludes 2 mentors"
    full = [result.unplaced[i] for i in (1, 2) if i in result.unplaced][0]
    assert full.startswith("all 2 eligible mentors are full") and "r0 (1/1)" in full


def test_partial_network_reason_when_too_few_distinct_specialists():
    # mentee wants 3 mentors; eligible mentors bring only one specialty beyond the primary's
    offers = np.array([[True, False, False], [True, False, False], [False, True, False]])
    problem = problem_from_arrays(np.full((1, 3), 50.0), capacity=1, network_size=3,
                                  labels=LABELS, wants=np.array([[True, True, True]]),
                                  offers=offers)
    result = solve(problem)
    assert len(result.assignments) == 2
    assert "at most 2 can form the network" in result.partial[0]
    assert result.shortfall == {}  # research and career are both in the network


def test_unknown_objective_is_an_input_error():
    with pytest.raises(ProblemError, match="Unknown objective"):
        solve(problem_from_arrays(np.ones((1, 1))), SolveOptions(objective="best"))


def test_pruned_mip_widens_until_the_optimum_stops_changing():
    rng = np.random.default_rng(5)
    n, m = 30, 10
    wants = rng.random((n, 3)) < 0.7
    offers = rng.random((m, 3)) < 0.6  # several specialties per mentor: the MIP engine
    problem = problem_from_arrays(rng.uniform(0, 100, (n, m)), capacity=rng.integers(1, 6, m),
                                  network_size=2, labels=LABELS, wants=wants, offers=offers)
    full = solve(problem)
    pruned = solve(problem, SolveOptions(mip_dense_pairs=0, mip_k_mentee=1, mip_k_mentor=1))
    assert full.engine == pruned.engine == "mip_highs"
    assert pruned.stats["certified"] is True
    assert pruned.stats["placed"] == full.stats["placed"]
    assert pruned.objective == pytest.approx(full.objective, abs=1e-6)


def test_priced_networks_for_oversized_network_models_keep_every_rule():
    """``total`` whose relaxed flow breaks a rule, and ``fair`` with specialists, with the
    MIP out of reach: the networks by mentor prices keep every rule, place as many as the
    brute force (at the same fair floor) and their bound holds. ``fair`` reaches them or,
    where the relaxed flow at the fair floor breaks no rule, that exact flow."""
    for objective, strategy, paths, share in (
            ("total", conflicting_instances(minimums=False), {"priced_networks"}, 1),
            ("fair", multi_specialty_instances(minimums=False),
             {"priced_networks", "min_cost_flow"}, 8)):
        engines = _engines_reached(_fallback_is_feasible_and_bounded, strategy, objective, 0)
        assert set(engines) == paths, (objective, engines)
        assert engines["priced_networks"] >= FAST.max_examples // share, (objective, engines)


def test_greedy_fallback_keeps_every_rule_where_prices_do_not_apply(monkeypatch):
    """Where mentor prices do not apply (locks, minimum loads: here forced off) and the MIP
    is out of reach: the greedy fallback keeps every rule, places as many as the brute
    force and bounds its optimum."""
    monkeypatch.setattr(network_engine, "priced_selection", lambda *_: None)
    for objective, strategy, paths in (
            ("total", conflicting_instances(minimums=False), {"flow_then_greedy_specialists"}),
            ("fair", multi_specialty_instances(minimums=False),
             {"flow_then_greedy_specialists", "min_cost_flow"})):
        engines = _engines_reached(_fallback_is_feasible_and_bounded, strategy, objective, 0)
        assert set(engines) == paths, (objective, engines)


def test_local_mip_fixes_the_networks_the_relaxed_flow_got_wrong(monkeypatch):
    """A MIP too large for the whole model but not for the rule-breaking networks, where
    prices do not apply (forced off): the local MIP re-solves those with the others kept,
    keeps every rule, places as many as the brute force (at the same fair floor) and its
    bound holds."""
    monkeypatch.setattr(network_engine, "priced_selection", lambda *_: None)
    for objective, strategy, most in (
            ("total", conflicting_instances(max_mentees=5, minimums=False), 3),
            ("fair", conflicting_instances(max_mentees=5, minimums=False), 3)):
        engines = _engines_reached(_fallback_is_feasible_and_bounded, strategy, objective,
                                   most)
        assert engines["flow_then_local_mip"] >= 3, (objective, engines)


def _fallback_is_feasible_and_bounded(inst, objective: str, mip_max_pairs: int,
                                      mip_max_eligible: int = 2_000_000) -> str:
    score, eligible, *_ = inst
    problem = make_problem(inst)
    result = solve(problem, SolveOptions(objective=objective, mip_max_pairs=mip_max_pairs,
                                         mip_max_eligible=mip_max_eligible))
    check_rules(problem, result, score, eligible)
    exact = brute_force(score, eligible, problem.capacity, problem.network_size,
                        problem.wants, problem.offers, fair=objective == "fair")
    got = value_of(result, None, fair=objective == "fair")
    assert result.status == ("optimal" if result.engine in ("min_cost_flow", "mip_highs")
                             else "feasible")
    assert got[1] == exact[1]  # primaries are exact: as many placed
    if objective == "fair":
        assert got[2] == pytest.approx(exact[2], abs=1e-4)  # and the same fair floor
    assert result.objective <= exact[-1] + 1e-6 <= result.bound + 2e-6
    if result.status == "optimal":
        assert result.objective == pytest.approx(exact[-1], abs=1e-4)
    return result.engine


def _engines_reached(check, strategy, *args) -> Counter:
    """Run ``check(instance, *args)`` (which returns the engine that solved it) over the
    strategy's examples; return how many examples each engine solved, so the caller can
    assert that the engine it claims to test was reached."""
    engines: Counter = Counter()

    @FAST
    @given(strategy)
    def run(inst) -> None:
        engines[check(inst, *args)] += 1

    run()
    assert sum(engines.values()) >= min(FAST.max_examples, 10), "too few examples ran"
    return engines


@FAST
@given(instances(max_mentees=4, max_mentors=4), st.integers(0, 2**32 - 1))
def test_keep_bonus_counts_in_the_objective_but_not_in_reported_scores(inst, seed):
    score, eligible, capacity, size, wants, offers, _ = inst
    rng = np.random.default_rng(seed)
    n, m = score.shape
    bonus = np.where(rng.random((n, m)) < 0.4, rng.choice([5.0, 30.0, 80.0], (n, m)), 0.0)
    rows, cols = np.nonzero(bonus)
    problem = make_problem((score, eligible, capacity, size, wants, offers, None),
                           keep_bonus=np.c_[rows, cols, bonus[rows, cols]])
    result = solve(problem)
    check_rules(problem, result, score, eligible)  # reported = the scorer's scores
    expected = brute_force(score + bonus, eligible, problem.capacity, problem.network_size,
                           problem.wants, problem.offers)
    kept = sum(bonus[a.mentee, a.mentor] for a in result.assignments)
    assert value_of(result, None, fair=False)[1] == expected[1]
    assert result.objective + kept == pytest.approx(expected[2], abs=1e-4)
    assert result.objective == pytest.approx(sum(score[a.mentee, a.mentor]
                                                 for a in result.assignments))


def test_a_keep_bonus_keeps_a_pair_only_while_a_change_gains_less():
    score = np.array([[60.0, 70.0]])
    for points, kept in ((5.0, 1), (15.0, 0)):
        result = solve(problem_from_arrays(score, keep_bonus=np.array([[0, 0, points]])))
        assert [a.mentor for a in result.assignments] == [kept]
        assert result.objective == score[0, kept] and result.assignments[0].score == score[
            0, kept]


def test_role_locks_are_honoured():
    labels = ("research", "career")
    wants = np.array([[True, True]])
    offers = np.array([[True, False], [False, True], [False, False]])
    score = np.array([[90.0, 80.0, 70.0]])

    def network(*locks):
        problem = problem_from_arrays(score, capacity=1, network_size=2, labels=labels,
                                      wants=wants, offers=offers, locks=locks)
        return {a.mentor: (a.role, a.covers, a.locked) for a in solve(problem).assignments}

    # plain: the best-scoring valid member is the primary
    assert network(LockedPair(0, 0))[0] == ("primary", None, True)
    # a specialist lock stays a specialist; the solver finds a primary that does not
    # also bring research (mentor 1 does not; mentor 2 brings nothing and scores less)
    got = network(LockedPair(0, 0, "specialist"))
    assert got[0] == ("specialist", "research", True)
    assert got[1] == ("primary", None, False)
    # "primary" on the second lock makes it the primary; the first covers career
    got = network(LockedPair(0, 1), LockedPair(0, 0, "primary"))
    assert got == {0: ("primary", None, True), 1: ("specialist", "career", True)}


def test_role_lock_problems_are_input_errors():
    labels = ("research", "career")
    problem = problem_from_arrays(np.full((1, 2), 50.0), capacity=1, network_size=1,
                                  labels=labels, wants=np.array([[True, True]]),
                                  offers=np.array([[True, False], [False, True]]),
                                  locks=(LockedPair(0, 0, "specialist"),))
    with pytest.raises(ProblemError, match="leaving no place for a primary"):
        solve(problem)
    problem = problem_from_arrays(np.full((1, 2), 50.0), capacity=1, network_size=2,
                                  locks=(LockedPair(0, 0, "primary"),
                                         LockedPair(0, 1, "primary")))
    with pytest.raises(ProblemError, match="a network has one primary"):
        solve(problem)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.integers(0, 2**32 - 1))
def test_pruned_network_solves_are_certified_equal_to_unpruned(seed):
    """Several specialties per mentor: relaxed flow, MIP with LP pricing, certified over
    every pruned pair (k = 1 keeps almost nothing, so the certificates do the work)."""
    rng = np.random.default_rng(seed)
    n, m = 24, 8
    wants = rng.random((n, 3)) < 0.7
    offers = rng.random((m, 3)) < 0.5
    score = rng.choice(np.r_[rng.uniform(0, 100, 6), 50.0], size=(n, m))
    problem = problem_from_arrays(score, rng.random((n, m)) < 0.85,
                                  capacity=rng.integers(1, 6, m), network_size=rng.integers(
                                      1, 4, n), labels=LABELS, wants=wants, offers=offers)
    full = solve(problem)
    pruned = solve(problem, SolveOptions(dense_pairs=0, mip_dense_pairs=0, k_mentee=1,
                                         k_mentor=1, mip_k_mentee=1, mip_k_mentor=1))
    assert pruned.stats["certified"] is True and full.status == pruned.status == "optimal"
    assert pruned.stats["placed"] == full.stats["placed"]
    assert pruned.objective == pytest.approx(full.objective, abs=1e-4)


def test_fallback_bound_is_a_true_upper_bound_on_the_optimum():
    rng = np.random.default_rng(2)
    n, m = 5, 4
    wants = np.ones((n, 3), bool)
    offers = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1], [1, 1, 1]], bool)
    score = rng.uniform(0, 100, (n, m))
    problem = problem_from_arrays(score, capacity=3, network_size=3, labels=LABELS,
                                  wants=wants, offers=offers)
    exact = brute_force(score, np.ones((n, m), bool), problem.capacity, problem.network_size,
                        problem.wants, problem.offers)
    result = solve(problem, SolveOptions(mip_max_pairs=0))
    check_rules(problem, result, score, np.ones((n, m), bool))
    if result.engine == "flow_then_greedy_specialists":
        assert result.status == "feasible"
    assert result.objective <= exact[2] + 1e-6 <= result.bound + 2e-6
    assert result.gap == pytest.approx((result.bound - result.objective) / result.objective)


def test_scores_from_blocks_give_the_same_result_as_a_matrix():
    rng = np.random.default_rng(4)
    score, eligible = rng.uniform(0, 100, (60, 12)), rng.random((60, 12)) < 0.8
    dense = problem_from_arrays(score, eligible, capacity=3)

    def blocks():
        for start in range(0, 60, 7):
            yield start, score[start:start + 7], eligible[start:start + 7]
    streamed = dataclasses.replace(dense, scores=BlockScores(blocks))
    options = SolveOptions(dense_pairs=0, k_mentee=1, k_mentor=1)
    expected, got = solve(dense, options), solve(streamed, options)
    assert [(a.mentee, a.mentor, a.score) for a in got.assignments] == [
        (a.mentee, a.mentor, a.score) for a in expected.assignments]


def test_the_engine_table_names_every_objective_once_per_model():
    assert OBJECTIVES == ("total", "fair", "stable")
    rows = [(rule.objective, rule.model) for rule in ENGINES]
    assert len(rows) == len(set(rows))
    assert {objective for objective, _ in rows} == set(OBJECTIVES)


def test_own_specialties_are_the_wanted_ones_no_other_member_brings():
    wants = np.array([True, True, False])
    offers = np.array([[1, 0, 1], [1, 1, 0], [0, 1, 1]], bool)
    assert own_specialties(wants, offers).tolist() == [[False, False, False]] * 3
    assert own_specialties(wants, offers[:2]).tolist() == [[False, False, False],
                                                           [False, True, False]]
    twice = own_specialties(wants, offers[[1, 1]])  # a mentor twice has nothing of its own
    assert not twice.any()
