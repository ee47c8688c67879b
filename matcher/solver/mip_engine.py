"""The MIP engine for networks, certified over pruned pairs by LP pricing.

:func:`mip_selection` solves :mod:`matcher.solver.mip_model`'s model on the candidates.
Pruned pairs are priced with the duals of the candidates' LP relaxation
(:func:`.mip_model.solve_lp_prices`, :func:`.certificates.pruned_gains`): column
generation adds every pair with a positive reduced cost until none is left, the MIP is
solved, and reduced-cost fixing against that solution says which pruned pairs could still
be in a better one; those are added and the MIP solved once more.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from matcher.solver import mip_model as mip
from matcher.solver.candidates import add_pairs
from matcher.solver.certificates import certify_placements, fair_threshold, pruned_gains
from matcher.solver.context import Context, Selection
from matcher.solver.result import Status

#: relative gap of the MIP solve that only provides a known solution for LP pricing
FIRST_SOLVE_GAP = 1e-5


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
    """Solve the candidates' LP relaxation and add the pruned pairs with a positive reduced
    cost, until (nearly) none is left. Returns the last LP's prices, solved on the current
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
        # the near-positive too: the next LP's duals move, and they may turn positive
        mentee, mentor, gain = pruned_gains(ctx, lp, threshold, -ctx.options.widen_slack)
        positive = int((gain > 0.5 / ctx.options.scale).sum())
        _pricing_log(ctx).append((len(pm), round(lp.bound, 5), positive))
        ctx.count_round()
        if positive == 0 or round_number == ctx.options.max_rounds - 1:
            return lp
        add_pairs(ctx.cache, ctx.cands, mentee, mentor)
    return None


def mip_selection(ctx: Context) -> Selection | None:
    """The MIP (by ``ctx.deadline``); None when the model is too large or HiGHS finds
    nothing in time (:mod:`matcher.solver.network_engine` then falls back).

    On a pruned candidate set the optimum is certified by LP pricing (module docstring),
    widening and solving again until it holds (or time runs out: ``certified`` false).
    """
    counts_at = _counts_function(ctx)
    deadline = ctx.deadline
    threshold = fair_threshold(ctx, counts_at) if ctx.options.objective == "fair" else None
    if ctx.residual.minimum.any():
        counts = mip.solve_counts(mip_input(ctx, *ctx.usable(), threshold),
                                  ctx.options.time_limit)
        placed, short = counts.placed, counts.minimum_short
    else:
        placed, short = certify_placements(ctx, threshold), 0
    lp = None
    pruned = not ctx.cands.complete
    if pruned and ctx.residual.minimum.any():
        ctx.stats["certified"] = False
        ctx.stats["certificate"] = "none: minimum loads with a pruned network model"
    elif pruned:
        lp = _column_generation(ctx, threshold, placed)
        if lp is None:
            ctx.stats["certified"] = False
            ctx.stats["certificate"] = "LP column generation ran out of time or size"
    solves: list[tuple[int, float, float]] = []
    while True:
        pm, pj, ps = ctx.usable()
        if len(pm) == 0:
            return Selection(np.zeros(0, np.int64), np.zeros(0, bool), "optimal", None)
        if len(pm) > ctx.options.mip_max_pairs:
            return None
        inp = mip_input(ctx, pm, pj, ps, threshold)
        first = lp is not None and not solves
        known = solves[-1][2] - 1e-4 if solves else None  # reachable: a cutoff for HiGHS
        # the first of two solves only needs a good solution, not a proof
        sol = mip.solve_score(inp, placed, short, max(deadline - time.perf_counter(), 1.0),
                              known, FIRST_SOLVE_GAP if first else 0.0)
        if sol.status not in ("optimal", "feasible"):
            return None
        solves.append((len(pm), sol.wall_time, round(sol.objective, 5)))
        if not first:
            break
        assert lp is not None, "a first of two solves has LP prices"
        # Reduced-cost fixing with the last LP's prices: a solution using pruned pairs K is
        # worth at most lp.bound + Σ_K gain <= bound_full + gain_k for any k in K, where
        # bound_full = lp.bound + Σ positive gains is an upper bound on the full problem.
        # So no solution using a pair with gain <= sol − bound_full beats sol; add every
        # other pair and solve once more, exactly.
        _, _, positive = pruned_gains(ctx, lp, threshold, 0.0)
        bound_full = lp.bound + float(positive.sum())
        allowance = sol.objective - bound_full + 0.5 / ctx.options.scale
        if allowance > 0:  # the full problem's bound meets the known solution: it is optimal
            sol.bound = min(sol.bound, bound_full) if sol.status == "optimal" else bound_full
            sol.status = "optimal"
            ctx.stats["lp_bound"] = round(bound_full, 5)
            ctx.stats["certificate"] = (
                f"LP bound: the LP relaxation's duals bound every solution, pruned pairs "
                f"included, by {bound_full:.5f}, which this solution reaches")
            break
        mentee, mentor, gain = pruned_gains(ctx, lp, threshold, allowance)
        if len(ctx.cands.mentee) + len(gain) > ctx.options.mip_max_pairs:
            return None
        add_pairs(ctx.cache, ctx.cands, mentee, mentor)
        _pricing_log(ctx).append((len(pm), round(lp.bound, 5), len(gain)))
        ctx.stats["lp_bound"] = round(bound_full, 5)
        ctx.stats["certificate"] = (
            f"LP pricing: the LP relaxation's duals bound every solution by "
            f"{bound_full:.5f}; no pruned pair's reduced cost exceeds {allowance:.5f} (a "
            f"known solution minus that bound), so none can be in a better solution")
    chosen = np.nonzero(sol.chosen)[0]
    # (candidate pairs, optimum) per solve; timings apart so run records stay reproducible
    stats = {"mip_seconds": round(sum(s[1] for s in solves), 3),
             "mip_solves": [(pairs, value) for pairs, _, value in solves],
             "lowest_primary_threshold": None if threshold is None
             else threshold / ctx.options.scale}
    status: Status = "optimal" if sol.status == "optimal" else "feasible"
    return Selection(chosen, sol.as_primary[chosen], status, sol.bound, stats)
