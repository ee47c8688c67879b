"""The min-cost-flow engine over candidate pairs, certified exact.

:func:`solve_flow` solves the network flow of :mod:`matcher.solver.flow_graph` on the
candidates and certifies it against every pruned pair (:mod:`matcher.solver.certificates`):
a minimum cut for the placement count (and each fair-mode floor), node potentials for the
score; failing pairs are added and the flow solved again. After the first failure the
candidates the flow left far from use (reduced cost of ``drop_slack`` points or more) leave
the model, so later rounds solve smaller flows; the check still covers them, so the result
stays exact. Where a mentor brings
several of a mentee's specialties the flow is a relaxation, and :func:`conflicts` finds the
networks where that shows.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from matcher.solver import flow_graph as flow
from matcher.solver.certificates import certify_placements, fair_threshold, reduced_cost_widen
from matcher.solver.context import Context, EngineResult, Selection
from matcher.solver.network_rule import own_specialties
from matcher.solver.pair_keys import pair_keys, split_keys


def label_copies(ctx: Context, pm: np.ndarray, pj: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """One flow arc per (pair, specialty it brings), or one unlabelled arc: (pair index,
    label or -1) per arc. With one specialty per pair this is the exact network flow; with
    several it is a relaxation (see :func:`solve_flow`)."""
    if not ctx.problem.labels:
        return np.arange(len(pm)), np.full(len(pm), -1, np.int64)
    brings = ctx.residual.wants[pm] & ctx.problem.offers[pj] & \
        (ctx.residual.slots[pm] > 0)[:, None]
    k, label = np.nonzero(brings)
    plain = np.nonzero(~brings.any(axis=1))[0]
    copy_of = np.r_[plain, k]
    labels = np.r_[np.full(len(plain), -1, np.int64), label]
    order = np.argsort(copy_of, kind="stable")
    return copy_of[order], labels[order]


def flow_input(ctx: Context, pm: np.ndarray, pj: np.ndarray, ps: np.ndarray,
                threshold: int | None, use_scores: bool = True,
                bonus: int | None = None) -> tuple[flow.FlowInput, np.ndarray]:
    """The flow over usable pairs, and the pair index of each of its pair arcs."""
    r, values = ctx.residual, ctx.values(ps)
    copy_of, labels = label_copies(ctx, pm, pj)
    values = values[copy_of]
    primary_ok = np.ones(len(copy_of), bool) if threshold is None else values >= threshold
    return flow.FlowInput(ctx.mentee_rank, ctx.mentor_rank, pm[copy_of], pj[copy_of], values,
                          labels, primary_ok, r.needs_primary, r.slots, r.wants,
                          r.capacity, r.minimum, ctx.cache.eligible_count > 0, use_scores,
                          bonus), copy_of


def counts_function(ctx: Context) -> Callable[[int | None], tuple]:
    """(minimum filled, placed) achievable with primaries at or above a threshold."""
    if not ctx.residual.minimum.any():
        return lambda t: (0, certify_placements(ctx, t))

    def by_flow(t: int | None) -> tuple:
        sol = flow.solve_min_cost(flow_input(ctx, *ctx.usable(), t, use_scores=False)[0])
        return (sol.minimum_filled, sol.placed)
    return by_flow


def _far_candidates(ctx: Context, sol: flow.FlowSolution, potentials: np.ndarray,
                    copy_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mentee, mentor) of candidates the flow left unused whose every arc has a reduced
    cost of at least ``drop_slack`` points: far from entering any near-optimal solution."""
    pm, pj, _ = ctx.usable()
    graph, d = sol.graph, np.asarray(potentials, np.int64)
    lowest = np.iinfo(np.int64).min
    arc_reduced = np.full(len(copy_of), lowest)  # a copy without an arc is never far
    present = graph.pair_arc >= 0
    arcs = graph.pair_arc[present]
    arc_reduced[present] = graph.costs[arcs] + d[graph.tails[arcs]] - d[graph.heads[arcs]]
    starts = np.flatnonzero(np.r_[True, copy_of[1:] != copy_of[:-1]]) if len(copy_of) else \
        np.zeros(0, np.int64)
    pair_reduced = np.full(len(pm), lowest)
    if len(starts):
        pair_reduced[copy_of[starts]] = np.minimum.reduceat(arc_reduced, starts)
    used = np.zeros(len(pm), bool)
    used[copy_of[sol.chosen]] = True
    far = ~used & (pair_reduced >= ctx.options.drop_slack * ctx.options.scale)
    return pm[far], pj[far]


def solve_flow(ctx: Context) -> EngineResult:
    """The min-cost-flow engine (``total`` and ``fair``, one specialty per mentor and mentee):
    :func:`flow_selection` as an engine result."""
    return flow_selection(ctx).result(ctx, "min_cost_flow")


def flow_selection(ctx: Context) -> Selection:
    """Min-cost flow (``fair``: at the highest primary floor), certified over pruned pairs.
    Where a mentor brings several of a mentee's specialties the flow gives it one arc per
    specialty: a relaxation (every valid network maps to a flow of the same score, but the
    flow may use a mentor twice for one mentee, or a specialist whose area another member
    also offers). The selection's ``copies`` let the caller check the result; where it
    breaks no rule it is optimal."""
    threshold = None
    target = None
    if not ctx.residual.minimum.any():
        target = certify_placements(ctx)
    if ctx.options.objective == "fair":
        threshold = fair_threshold(ctx, counts_function(ctx))
    small_bonus = target is not None
    sol = None
    for _ in range(ctx.options.max_rounds + 1):
        pm, pj, ps = ctx.usable()
        bonus = None
        if small_bonus:
            bonus = int(ctx.values(ps).max(initial=0)) + 1
        started = time.perf_counter()
        inp, copy_of = flow_input(ctx, pm, pj, ps, threshold, bonus=bonus)
        sol = flow.solve_min_cost(inp)
        ctx.stats["flow_seconds"] = round(time.perf_counter() - started, 4)
        ctx.stats["arcs"] = len(sol.graph.tails)
        if small_bonus and target is not None and sol.status == "optimal" and \
                sol.placed < target:
            small_bonus = False  # the small bonus traded a placement for score: be exact
            continue
        if sol.status != "optimal" or ctx.cands.complete:
            break
        potentials = flow.residual_potentials(sol.graph, sol.flows)
        if potentials is None:
            ctx.stats["certified"] = False
            break
        far = None if "dropped_pairs" in ctx.stats else _far_candidates(ctx, sol, potentials,
                                                                          copy_of)
        found = reduced_cost_widen(ctx, sol.graph, potentials, threshold)
        ctx.count_round()
        if found == 0:
            break
        if far is not None:  # once: the next rounds solve a leaner model (still checked)
            ctx.stats["dropped_pairs"] = ctx.cands.drop(*far)
    else:
        ctx.stats["certified"] = False
    assert sol is not None, "the loop runs at least once"
    if sol.status != "optimal":
        raise RuntimeError(f"min-cost flow failed ({sol.status}); please report this cohort")
    arcs = np.nonzero(sol.chosen)[0]
    pairs, first = np.unique(copy_of[arcs], return_index=True)
    as_primary = np.zeros(len(pm), bool)
    as_primary[copy_of[arcs[sol.as_primary[arcs]]]] = True
    stats: dict[str, object] = {"lowest_primary_threshold": None if threshold is None
             else threshold / ctx.options.scale}
    if not ctx.cands.complete:
        ctx.stats.setdefault("certificate", "minimum cut and flow potentials")
    engine = Selection(pairs, as_primary[pairs], "optimal", None, stats)
    engine.copies = (copy_of[arcs], inp.pair_label[arcs], sol.as_primary[arcs])
    engine.value = float(ps[copy_of[arcs]].sum())
    return engine


def conflicts(ctx: Context, relaxed: Selection) -> np.ndarray:
    """Mentees whose relaxed flow network breaks a rule: a mentor twice, or a specialist
    without a specialty of its own (another member, locked ones included, also offers it)."""
    pm, pj, _ = ctx.usable()
    assert relaxed.copies is not None, "a flow selection keeps its arcs"
    pair, label, primary = relaxed.copies
    mentee, mentor = pm[pair], pj[pair]
    offers = ctx.problem.offers
    bad: set[int] = set()
    unique_keys, counts = np.unique(pair_keys(mentee, mentor, ctx.problem.n_mentors),
                                    return_counts=True)
    bad.update(split_keys(unique_keys[counts > 1], ctx.problem.n_mentors)[0].tolist())
    members: dict[int, list[int]] = {}
    for i, j, _, _ in ctx.residual.locked:
        members.setdefault(i, []).append(j)
    for i, j in zip(mentee.tolist(), mentor.tolist(), strict=True):
        members.setdefault(i, []).append(j)
    every = np.ones(offers.shape[1], bool)
    for k in np.nonzero(~primary & (label >= 0))[0]:
        i, j, s = int(mentee[k]), int(mentor[k]), int(label[k])
        team = members[i]
        if not own_specialties(every, offers[team])[team.index(j), s]:
            bad.add(i)
    return np.array(sorted(bad), np.int64)
