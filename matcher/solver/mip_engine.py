"""The MIP engine for networks, proven optimal over every eligible pair by LP prices.

:func:`mip_selection` solves :mod:`matcher.solver.mip_model`'s model. Pruned pairs are
priced with the duals of the candidates' LP relaxation (:func:`.mip_model.solve_lp_prices`,
:func:`.certificates.pruned_gains`): column generation adds the positively priced pairs until
none is left. The LP of these models is tight, so reduced-cost fixing leaves the MIP only
the pairs within a few points of the LP bound (:func:`_fixed_selection`): a few hundred
instead of thousands on the sample, solved in a tenth of the time, with the same proof.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from matcher.solver import mip_model as mip
from matcher.solver.candidates import add_pairs
from matcher.solver.certificates import (
    add_worst,
    certify_placements,
    fair_threshold,
    pruned_gains,
)
from matcher.solver.context import Context, Selection
from matcher.solver.pair_keys import pair_keys, sorted_contains
from matcher.solver.result import Status

#: ``stats`` key of the lowest LP bound over every pair that column generation reached
LP_BOUND_KEY = "lp_bound_every_pair"
#: ``stats`` key set when one LP round priced in more pairs than the MIP takes
TOO_WIDE_KEY = "lp_priced_beyond_mip"


def _counts_function(ctx: Context) -> Callable[[int | None], tuple]:
    """(minimum short, placed) achievable with primaries at or above a threshold."""
    if not ctx.residual.minimum.any():
        return lambda t: (0, certify_placements(ctx, t))

    def by_mip(t: int | None) -> tuple:
        sol = mip.solve_counts(mip_input(ctx, *ctx.usable(), t), ctx.options.time_limit)
        return (-sol.minimum_short, sol.placed)
    return by_mip


def _pricing_log(ctx: Context) -> list[tuple[int, float, int]]:
    """``stats["pricing"]``: (candidate pairs, LP bound, pairs priced in) per LP solve."""
    log = ctx.stats.setdefault("pricing", [])
    assert isinstance(log, list)
    return log


def mip_input(ctx: Context, pm: np.ndarray, pj: np.ndarray, ps: np.ndarray,
               threshold: int | None) -> mip.MipInput:
    r, values = ctx.residual, ctx.values(ps)
    primary_ok = np.ones(len(pm), bool) if threshold is None else values >= threshold
    return mip.MipInput(pm, pj, values / ctx.options.scale, primary_ok, r.needs_primary,
                        ctx.problem.network_size, r.slots, r.wants, ctx.problem.offers,
                        r.capacity, r.minimum)


def _column_generation(ctx: Context, threshold: int | None, placed: int
                       ) -> mip.PairPrices | None:
    """Solve the candidates' LP relaxation and add each mentee's best-priced pruned pairs
    (``price_per_mentee``), until the positive reduced costs left add at most
    ``price_stop`` points to the bound. Returns the last LP's prices, solved on the current
    candidates (None when time or the size limit ran out first)."""
    deadline = ctx.deadline
    for round_number in range(ctx.options.max_rounds):
        pm, pj, ps = ctx.usable()
        if len(pm) > ctx.options.mip_max_pairs or time.perf_counter() > deadline:
            return None
        lp = mip.solve_lp_prices(mip_input(ctx, pm, pj, ps, threshold), placed, 0,
                                 max(deadline - time.perf_counter(), 1.0))
        if lp is None:
            return None
        if ctx.cands.complete:
            _pricing_log(ctx).append((len(pm), round(lp.bound, 5), 0))
            return lp
        # the near-positive too: the next LP's duals move, and they may turn positive
        mentee, mentor, gain = pruned_gains(ctx, lp, threshold, -ctx.options.widen_slack)
        positive = gain > 0.5 / ctx.options.scale
        _pricing_log(ctx).append((len(pm), round(lp.bound, 5), int(positive.sum())))
        # a bound over every pair whether or not the rounds finish (fallbacks report it)
        anytime = lp.bound + float(gain[gain > 0].sum())
        known = ctx.stats.get(LP_BOUND_KEY)
        ctx.stats[LP_BOUND_KEY] = anytime if not isinstance(known, float) else min(known,
                                                                                    anytime)
        ctx.count_round()
        if int(positive.sum()) > ctx.options.mip_max_pairs:
            # more pairs priced in than the whole MIP takes: it cannot close, whatever the
            # time (a decision by size, so that a loaded machine decides the same)
            ctx.stats[TOO_WIDE_KEY] = int(positive.sum())
            return None
        # positive gains left count in the fixing's bound: stop once they add little
        if gain[positive].sum() <= ctx.options.price_stop or \
                round_number == ctx.options.max_rounds - 1:
            return lp
        # each mentee's best-priced pairs only: the next LP's duals reprice the rest
        add_worst(ctx, mentee, mentor, gain, ctx.options.price_per_mentee)
    return None


def _fixed_selection(ctx: Context, lp: mip.PairPrices, threshold: int | None, placed: int
                     ) -> Selection | None:
    """The MIP on the few pairs the LP's reduced costs leave in reach, proven optimal over
    every eligible pair (None when the model is too large or HiGHS finds nothing in time).

    ``lp`` holds prices from the LP relaxation over the current candidates, with no pruned
    pair priced above zero (column generation). Its bound ``B`` (pruned pairs' positive gains
    added) bounds every solution, and a solution using a pair is worth at most ``B`` minus
    that pair's loss (:func:`.mip_model._pair_losses`, :func:`.certificates.pruned_gains`).
    The MIP is solved on the pairs whose loss is at most ``δ`` (``[solver]`` default
    ``fix_slack``): if its optimum ``V`` reaches ``B − δ``, no solution using another pair can
    be as good, so ``V`` is the optimum; else ``δ`` becomes ``B − V`` and the second solve
    is exact by the same argument. The LP of these models is tight (on the sample 2.7 points
    above the optimum of 11,625), so the MIP sees a few hundred pairs instead of thousands.
    """
    scale, tol = ctx.options.scale, 0.5 / ctx.options.scale
    n = ctx.problem.n_mentors
    _, _, positive = pruned_gains(ctx, lp, threshold, 0.0)
    bound_full = lp.bound + float(positive.sum())
    pm, pj, _ = ctx.usable()  # the pairs of the LP, in its column order
    lp_keys = pair_keys(pm, pj, n)
    delta = ctx.options.fix_slack
    solves: list[tuple[int, float, float]] = []
    integral = lp.integral is not None and lp.integral.objective >= bound_full - tol and \
        np.isfinite(delta)  # fix_slack = inf: the MIP over every pair, as before the fixing
    if integral:  # the LP's optimum is integral and nothing pruned could raise it: no MIP
        assert lp.integral is not None
        sol, idx, exact, reach = lp.integral, np.arange(len(pm)), True, tol
    while not integral:
        reach = delta + tol
        mentee, mentor, _ = pruned_gains(ctx, lp, threshold, -reach)
        add_pairs(ctx.cache, ctx.cands, mentee, mentor)
        kept = np.union1d(lp_keys[lp.pair_loss <= reach], pair_keys(mentee, mentor, n))
        pm, pj, ps = ctx.usable()
        idx = np.nonzero(sorted_contains(kept, pair_keys(pm, pj, n)))[0]
        if len(idx) > ctx.options.mip_max_pairs:
            return None
        inp = mip_input(ctx, pm[idx], pj[idx], ps[idx], threshold)
        sol = mip.solve_score(inp, placed, 0, max(ctx.deadline - time.perf_counter(), 1.0))
        solves.append((len(idx), sol.wall_time, round(sol.objective, 5)))
        ctx.count_round()
        exact = sol.status == "optimal" and sol.objective >= bound_full - reach
        if sol.status in ("optimal", "feasible") and (exact or sol.status == "feasible"):
            break
        if sol.status == "optimal":  # the next solve's reach covers every better solution
            delta = bound_full - sol.objective + tol
        elif sol.status == "infeasible" and len(idx) < len(lp_keys) + len(positive):
            delta = 4 * delta + 1.0  # too few pairs to place everyone: widen
        else:
            return None
    chosen = np.nonzero(sol.chosen)[0]
    # pairs outside the MIP are worth at most bound_full - reach in any solution
    bound = sol.objective if exact else max(sol.bound, bound_full - reach)
    ctx.stats["lp_bound"] = round(bound_full, 5)
    ctx.stats["certificate"] = (
        f"LP reduced-cost fixing: the LP relaxation's duals bound every solution by "
        f"{bound_full:.5f}, and every solution using a pair left out of the MIP by "
        f"{bound_full - reach:.5f}" + (", which the MIP's optimum reaches" if exact else ""))
    stats = {"mip_seconds": round(sum(s[1] for s in solves), 3),
             "mip_solves": [(pairs, value) for pairs, _, value in solves],
             "lowest_primary_threshold": None if threshold is None else threshold / scale}
    if integral:
        stats["lp_integral"] = True
        ctx.stats["certificate"] = (f"LP: the LP relaxation's optimum is integral and its "
                                    f"duals bound every solution by {bound_full:.5f}")
    status: Status = "optimal" if exact else "feasible"
    return Selection(idx[chosen], sol.as_primary[chosen], status, bound, stats)


def mip_selection(ctx: Context) -> Selection | None:
    """The MIP (by ``ctx.deadline``); None when the model is too large or HiGHS finds
    nothing in time (:mod:`matcher.solver.network_engine` then falls back).

    Without minimum loads: column generation prices every pruned pair, then the MIP runs on
    the pairs the LP leaves in reach, proven optimal (:func:`_fixed_selection`). With
    minimum loads (or when the LP runs out of time or size): the MIP over the candidates,
    certified only when no pair was pruned.
    """
    threshold = None
    if ctx.options.objective == "fair":
        threshold = fair_threshold(ctx, _counts_function(ctx))
    if ctx.residual.minimum.any():
        counts = mip.solve_counts(mip_input(ctx, *ctx.usable(), threshold),
                                  ctx.options.time_limit)
        if not ctx.cands.complete:
            ctx.stats["certified"] = False
            ctx.stats["certificate"] = "none: minimum loads with a pruned network model"
        return _candidates_selection(ctx, threshold, counts.placed, counts.minimum_short)
    placed = certify_placements(ctx, threshold)
    lp = _column_generation(ctx, threshold, placed)
    if lp is not None:
        return _fixed_selection(ctx, lp, threshold, placed)
    if TOO_WIDE_KEY in ctx.stats:
        return None
    if not ctx.cands.complete:
        ctx.stats["certified"] = False
        ctx.stats["certificate"] = "LP column generation ran out of time or size"
    return _candidates_selection(ctx, threshold, placed, 0)


def _candidates_selection(ctx: Context, threshold: int | None, placed: int, short: int
                          ) -> Selection | None:
    """The MIP over every candidate pair, as the caller certified it."""
    pm, pj, ps = ctx.usable()
    if len(pm) == 0:
        return Selection(np.zeros(0, np.int64), np.zeros(0, bool), "optimal", None)
    if len(pm) > ctx.options.mip_max_pairs:
        return None
    sol = mip.solve_score(mip_input(ctx, pm, pj, ps, threshold), placed, short,
                          max(ctx.deadline - time.perf_counter(), 1.0))
    if sol.status not in ("optimal", "feasible"):
        return None
    chosen = np.nonzero(sol.chosen)[0]
    stats = {"mip_seconds": round(sol.wall_time, 3),
             "mip_solves": [(len(pm), round(sol.objective, 5))],
             "lowest_primary_threshold": None if threshold is None
             else threshold / ctx.options.scale}
    status: Status = "optimal" if sol.status == "optimal" else "feasible"
    return Selection(chosen, sol.as_primary[chosen], status, sol.bound, stats)
