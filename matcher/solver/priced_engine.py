"""Networks too large for the MIP, by mentor prices: a solution and a certified gap.

:mod:`matcher.solver.lagrangian` prices every mentor's places; at good prices each mentee's
best network, taken best first while its members have room (:meth:`.PricedModel.networks`),
is close to the best solution, and the same prices bound every solution
(:meth:`.PricedModel.bound`). :func:`priced_selection` alternates the two: a price search
towards the best solution found so far, a solution at the prices found (its primaries then
chosen again by a min-cost flow around its specialists, :func:`_best_primaries`), a bound
over every
eligible pair, until the gap is below :data:`STOP_GAP` or :data:`MAX_ROUNDS` rounds (or the
deadline) have passed. The rounds count, not the clock, so a quiet and a loaded machine
give the same result where the rounds fit the time limit (a round that would end past the
deadline, judged by the last one's duration, is not started: large cohorts).
"""

from __future__ import annotations

import time

import numpy as np

from matcher.solver import flow_graph as flow
from matcher.solver.candidates import add_pairs
from matcher.solver.context import Context, Selection
from matcher.solver.lagrangian import PricedModel, Prices
from matcher.solver.pair_keys import pair_keys

#: relative gap at which the rounds stop
STOP_GAP = 5e-4
#: rounds of (price search, solution, bound) at most
MAX_ROUNDS = 8
#: subgradient steps per round's price search
SEARCH_STEPS = 40


def priced_selection(ctx: Context, threshold: int | None, placed: int
                     ) -> tuple[Selection, float] | None:
    """The best priced solution found and the lowest bound (points) on every solution
    placing ``placed`` mentees (primaries at or above ``threshold`` × scale when given);
    None when locks or minimum loads apply (the prices do not model them) or no priced
    solution places ``placed`` mentees."""
    r = ctx.residual
    if r.locked or r.minimum.any():
        return None
    started = time.perf_counter()
    model = PricedModel(ctx, threshold)
    prices = Prices(np.zeros(ctx.problem.n_mentors), 0.0)
    best_teams, best_value = _solution(ctx, model, prices, threshold, placed)
    bound = model.bound(prices, placed)
    log = [(0, round(bound, 5), round(best_value, 5))]
    round_seconds = time.perf_counter() - started
    for round_number in range(1, MAX_ROUNDS + 1):
        began = time.perf_counter()
        # a round that would end past the deadline is not started (large cohorts)
        if bound - best_value <= STOP_GAP * abs(bound) or \
                began + round_seconds > ctx.deadline:
            break
        found = model.search_prices(placed, best_value, ctx.deadline - time.perf_counter(),
                                    start=prices, iterations=SEARCH_STEPS)
        prices = Prices(found.mentor, found.placed)
        bound = min(bound, model.bound(prices, placed))
        teams, value = _solution(ctx, model, prices, threshold, placed)
        if value > best_value:
            best_teams, best_value = teams, value
        log.append((round_number, round(bound, 5), round(best_value, 5)))
        round_seconds = time.perf_counter() - began
    if best_teams is None:
        return None
    ctx.stats["lagrangian"] = {"rounds": log, "pool_pairs": sum(len(p.row) for p in model.pool)}
    ctx.stats["lagrangian_seconds"] = round(time.perf_counter() - started, 3)
    return _selection(ctx, best_teams), bound


def _solution(ctx: Context, model: PricedModel, prices: Prices, threshold: int | None,
              placed: int) -> tuple[list[np.ndarray] | None, float]:
    """:meth:`.PricedModel.networks` at ``prices`` and its exact total; (None, -inf) when it
    places fewer than ``placed`` or a primary falls below ``threshold`` in exact scores."""
    teams = _best_primaries(ctx, model.networks(prices), threshold)
    mentee = np.repeat(np.arange(len(teams)), [len(t) for t in teams])
    if not len(mentee) or int(sum(len(t) > 0 for t in teams)) < placed:
        return None, -np.inf
    mentor = np.concatenate(teams)
    values = ctx.values(ctx.cache.objective(mentee, mentor))
    first = np.r_[True, mentee[1:] != mentee[:-1]]
    if threshold is not None and (values[first] < threshold).any():
        return None, -np.inf
    return teams, float(values.sum()) / ctx.options.scale


def _selection(ctx: Context, teams: list[np.ndarray]) -> Selection:
    """The networks as a :class:`Selection` of usable pairs (added to the candidates)."""
    mentee = np.repeat(np.arange(len(teams)), [len(t) for t in teams])
    mentor = np.concatenate(teams).astype(np.int64)
    primary = np.r_[True, mentee[1:] != mentee[:-1]]
    add_pairs(ctx.cache, ctx.cands, mentee, mentor)
    pm, pj, _ = ctx.usable()
    n = ctx.problem.n_mentors
    keys = pair_keys(pm, pj, n)
    order = np.argsort(keys)
    index = order[np.searchsorted(keys[order], pair_keys(mentee, mentor, n))]
    sort = np.argsort(index)
    return Selection(index[sort], primary[sort], "feasible", None, {})


def _best_primaries(ctx: Context, teams: list[np.ndarray], threshold: int | None
                    ) -> list[np.ndarray]:
    """``teams`` with their specialists kept and every primary chosen again by the exact
    min-cost flow (most placed, then best total; :func:`.flow_graph.solve_min_cost`) over
    the candidate pairs and the teams' own primaries, with the places the specialists leave
    and, for a mentee with specialists, only mentors that leave each specialist a
    specialty of its own. Never worse: the teams' primaries are one of the flow's choices."""
    r, problem = ctx.residual, ctx.problem
    n, m = problem.n_mentees, problem.n_mentors
    sizes = np.array([len(t) for t in teams])
    mentee = np.repeat(np.arange(n), sizes)
    if not len(mentee):
        return teams
    mentor = np.concatenate(teams).astype(np.int64)
    first = np.r_[True, mentee[1:] != mentee[:-1]]
    room = r.capacity - np.bincount(mentor[~first], minlength=m)
    pm, pj, _ = ctx.usable()
    cand_i = np.r_[pm, mentee[first]]
    cand_j = np.r_[pj, mentor[first]]
    keys = np.unique(pair_keys(cand_i, cand_j, m))
    cand_i, cand_j = keys // m, keys % m
    ok = np.ones(len(cand_i), bool)
    with_specialists = np.nonzero(sizes > 1)[0]
    at = np.searchsorted(cand_i, with_specialists)
    ends = np.searchsorted(cand_i, with_specialists, side="right")
    for i, lo, hi in zip(with_specialists.tolist(), at.tolist(), ends.tolist(), strict=True):
        specialists = teams[i][1:]
        offers = problem.offers[specialists]  # (S, L)
        wanted = r.wants[i]
        for a in range(len(specialists)):
            others = np.delete(offers, a, axis=0).any(axis=0)
            own = wanted & offers[a] & ~others  # (L,)
            ok[lo:hi] &= (own[None, :] & ~problem.offers[cand_j[lo:hi]]).any(axis=1)
        ok[lo:hi] &= ~np.isin(cand_j[lo:hi], specialists)
    cand_i, cand_j = cand_i[ok], cand_j[ok]
    values = ctx.values(ctx.cache.objective(cand_i, cand_j))
    if (values < 0).any():
        return teams  # the flow takes scores >= 0
    primary_ok = np.ones(len(cand_i), bool) if threshold is None else values >= threshold
    inp = flow.FlowInput(ctx.mentee_rank, ctx.mentor_rank, cand_i, cand_j, values,
                         np.full(len(cand_i), -1), primary_ok, r.needs_primary,
                         np.zeros(n, np.int64), np.zeros_like(r.wants), room,
                         np.zeros(m, np.int64))
    sol = flow.solve_min_cost(inp)
    if sol.status != "optimal":
        return teams
    primary = np.full(n, -1)
    primary[cand_i[sol.as_primary]] = cand_j[sol.as_primary]
    return [np.r_[primary[i], teams[i][1:]].astype(np.int64) if primary[i] >= 0 else
            np.zeros(0, np.int64) for i in range(n)]
