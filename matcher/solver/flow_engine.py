"""The min-cost-flow engine over candidate pairs, and the certificates that make it exact.

:func:`solve_flow` solves the network flow of :mod:`matcher.solver.flow_graph` on the candidates and
certifies it against every pruned pair: a minimum cut for the placement count (and each
fair-mode floor), node potentials for the score; failing pairs are added and the flow
solved again. After the first failure the candidates the flow left far from use (reduced
cost of ``drop_slack`` points or more) leave the model, so later rounds solve smaller
flows; the check still covers them, so the result stays exact. Where a mentor brings
several of a mentee's specialties the flow is a relaxation, and :func:`conflicts` finds the
networks where that shows.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from matcher.solver import flow_graph as flow
from matcher.solver.candidates import CHUNK_ROWS, add_pairs, best_per_row, sparse_nonzero
from matcher.solver.context import F32, Context, Engine, add_worst, chunks

#: pairs added per mentee on the source side of a minimum cut that pruned pairs cross
PLACEMENT_WIDEN = 8


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


def certify_placements(ctx: Context, threshold: int | None = None) -> int:
    """Max placements over usable pairs (at or above ``threshold``), widening the pruned set
    until a minimum cut proves no pruned pair could raise the count. Returns the count."""
    r, n = ctx.residual, ctx.problem.n_mentees
    approx = ctx.cache.approx
    # no cut needed when every mentee who can have a primary (or every place) is filled
    ceiling = min(int((r.needs_primary & (ctx.cache.eligible_count > 0)).sum()),
                  int(r.capacity.sum()))
    for _ in range(ctx.options.max_rounds):
        pm, pj, ps = ctx.usable()
        keep = np.ones(len(pm), bool) if threshold is None else ctx.values(ps) >= threshold
        count, side = flow.max_placements(n, r.capacity, pm[keep], pj[keep], r.needs_primary)
        if ctx.cands.complete or count == ceiling:
            return count
        rows = np.nonzero(side[2:2 + n] & r.needs_primary)[0]
        cols = np.nonzero(~side[2 + n:])[0]
        found_i, found_j = [], []
        if len(cols):
            for chunk in chunks(rows):
                sub = approx[chunk][:, cols]
                ok = ctx.pruned_mask(chunk)[:, cols]
                if threshold is not None:
                    ok &= sub >= np.float32(threshold / ctx.options.scale * (1 - F32) - 1e-4)
                amount = np.where(ok, sub + np.float32(1.0), np.float32(0.0))
                bi, bj = best_per_row(chunk, amount, PLACEMENT_WIDEN)
                found_i.append(bi)
                found_j.append(cols[bj])
        mentee = np.concatenate(found_i) if found_i else np.zeros(0, np.int64)
        mentor = np.concatenate(found_j) if found_j else np.zeros(0, np.int64)
        if threshold is not None and len(mentee):
            exact_ok = ctx.values(ctx.cache.objective(mentee, mentor)) >= threshold
            mentee, mentor = mentee[exact_ok], mentor[exact_ok]
        ctx.stats["rounds"] = int(ctx.stats.get("rounds", 0)) + 1
        if not len(mentee):
            return count
        add_pairs(ctx.cache, ctx.cands, mentee, mentor)
    ctx.stats["certified"] = False
    return count


def fair_threshold(ctx: Context, counts_at: Callable[[int | None], tuple]) -> int:
    """Highest primary-score threshold (scaled) that keeps the best (minimum fill, placed).

    ``counts_at`` is exact over every eligible pair (it widens the pruned set as needed), so
    the search is exact over the candidates' values; one more check just above the answer
    proves no pruned pair's value would allow a higher threshold (else search again).
    """
    best = counts_at(None)
    while True:
        pm, _, ps = ctx.usable()
        values = np.unique(ctx.values(ps[ctx.residual.needs_primary[pm]]))
        if len(values) == 0:
            return 0
        lo, hi = 0, len(values) - 1  # values[lo] always keeps the best counts
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if counts_at(int(values[mid])) == best:
                lo = mid
            else:
                hi = mid - 1
        if ctx.cands.complete or counts_at(int(values[lo]) + 1) != best:
            return int(values[lo])


def counts_function(ctx: Context) -> Callable[[int | None], tuple]:
    """(minimum filled, placed) achievable with primaries at or above a threshold."""
    if not ctx.residual.minimum.any():
        return lambda t: (0, certify_placements(ctx, t))

    def by_flow(t: int | None) -> tuple:
        sol = flow.solve_min_cost(flow_input(ctx, *ctx.usable(), t, use_scores=False)[0])
        return (sol.minimum_filled, sol.placed)
    return by_flow


def _cheapest_label_node(d: np.ndarray, brings: np.ndarray, l_nodes: np.ndarray
                         ) -> np.ndarray:
    """Per pair, the L node (of the specialties it ``brings``) with the smallest potential:
    the tail of its binding arc; -1 where none of them has a node."""
    has_node = brings & (l_nodes >= 0)
    potential = np.where(has_node, d[np.maximum(l_nodes, 0)], np.iinfo(np.int64).max)
    best = np.argmin(potential, axis=1) if len(brings) else np.zeros(0, np.int64)
    found = has_node[np.arange(len(best)), best]
    return np.where(found, l_nodes[np.arange(len(best)), best], -1)


def _reduced_cost_widen(ctx: Context, graph: flow.FlowGraph, potentials: np.ndarray,
                        threshold: int | None) -> int:
    """Check every pruned pair's reduced cost under the flow's node potentials (exactly, in
    integer units, after a float32 screen over the score cache); add each mentee's worst
    offenders and near-offenders (within ``widen_slack``). Returns the offenders' count."""
    r, scale = ctx.residual, ctx.options.scale
    n = ctx.problem.n_mentees
    d = np.asarray(potentials, np.int64)
    shift = int(np.median(d[graph.mentor_node])) if len(graph.mentor_node) else 0
    mentor_d = ((d[graph.mentor_node] - shift) / scale).astype(np.float32)
    slack_units = int(ctx.options.widen_slack * scale)
    has_labels = bool(graph.l_node.size) and bool((r.slots > 0).any())
    big = np.float32(np.abs(mentor_d).max(initial=0.0) + np.abs((d - shift) / scale).max(
        initial=0.0) + 100.0)
    tolerance = np.float32(ctx.options.widen_slack) + big * np.float32(F32) + np.float32(1e-3)
    hit_i, hit_j, hit_tail = [], [], []
    for lo in range(0, n, CHUNK_ROWS):
        rows = np.arange(lo, min(lo + CHUNK_ROWS, n))
        scores = ctx.cache.approx[lo:lo + CHUNK_ROWS]
        # a pair's arc leaves P_i when it brings none of the mentee's open specialties (and,
        # in fair mode, scores at least the floor), else L(i, s) for each specialty s it
        # brings (the smallest potential binds); -1: the pair has no arc
        direct_node = np.where(r.needs_primary[rows], graph.p_node[rows], -1)
        direct_f = np.where(direct_node >= 0, (d[graph.p_node[rows]] - shift) / scale,
                            np.inf).astype(np.float32)
        reduced = np.subtract(direct_f[:, None], scores)
        reduced -= mentor_d[None, :]
        if threshold is not None:
            below = scores < np.float32(threshold / scale * (1 + F32) + 1e-4)
            reduced = np.where(below, np.float32(np.inf), reduced)
        labelled = has_labels and bool((r.slots[rows] > 0).any())
        if labelled:
            # screen with each mentee's smallest L(i, s) potential over its open specialties
            # (a lower bound for every labelled arc); the exact check below finds the real one
            wants = r.wants[rows] & (r.slots[rows] > 0)[:, None]
            l_nodes = graph.l_node[rows]
            l_f = np.where(wants & (l_nodes >= 0), (d[np.maximum(l_nodes, 0)] - shift) / scale,
                           np.inf).astype(np.float32).min(axis=1, initial=np.inf)
            lowest = np.minimum(direct_f, l_f)
            has_lower = lowest < direct_f
            if has_lower.any():
                low_rows = np.nonzero(has_lower)[0]
                reduced[low_rows] = np.subtract(lowest[low_rows, None], scores[low_rows]) - \
                    mentor_d[None, :]
        bi, bj = sparse_nonzero(reduced < tolerance)  # candidates' tight arcs too: drop them
        outside = ctx.pruned_pairs(rows[bi], bj)
        bi, bj = bi[outside], bj[outside]
        tail = direct_node[bi]
        if threshold is not None:
            tail = np.where(below[bi, bj], -1, tail)
        if labelled:
            brings = wants[bi] & ctx.problem.offers[bj]
            lab = np.nonzero(brings.any(axis=1))[0]
            tail[lab] = _cheapest_label_node(d, brings[lab], l_nodes[bi[lab]])
        hit_i.append(rows[bi])
        hit_j.append(bj)
        hit_tail.append(tail.astype(np.int64))
    mentee, mentor = np.concatenate(hit_i), np.concatenate(hit_j)
    tails = np.concatenate(hit_tail)
    ok = tails >= 0
    mentee, mentor, tails = mentee[ok], mentor[ok], tails[ok]
    values = ctx.values(ctx.cache.objective(mentee, mentor))
    if threshold is not None:
        direct = tails == graph.p_node[mentee]
        ok = ~direct | (values >= threshold)
        mentee, mentor, tails, values = mentee[ok], mentor[ok], tails[ok], values[ok]
    reduced = d[tails] - values - d[graph.mentor_node[mentor]]
    offenders = int((reduced < 0).sum())
    if offenders:
        near = reduced < slack_units
        add_worst(ctx, mentee[near], mentor[near], -reduced[near].astype(np.float64),
                  ctx.options.widen_per_mentee)
    return offenders


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


def solve_flow(ctx: Context, fair: bool) -> Engine:
    """Min-cost flow, certified over pruned pairs. Where a mentor brings several of a
    mentee's specialties the flow gives it one arc per specialty: a relaxation (every valid
    network maps to a flow of the same score, but the flow may use a mentor twice for one
    mentee, or a specialist whose area another member also offers). The engine's
    ``copies`` let the caller check the result; where it breaks no rule it is optimal."""
    threshold = None
    target = None
    if not ctx.residual.minimum.any():
        target = certify_placements(ctx)
    if fair:
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
        if small_bonus and sol.status == "optimal" and sol.placed < target:
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
        found = _reduced_cost_widen(ctx, sol.graph, potentials, threshold)
        ctx.stats["rounds"] = int(ctx.stats.get("rounds", 0)) + 1
        if found == 0:
            break
        if far is not None:  # once: the next rounds solve a leaner model (still checked)
            ctx.stats["dropped_pairs"] = ctx.cands.drop(*far)
    else:
        ctx.stats["certified"] = False
    if sol.status != "optimal":
        raise RuntimeError(f"min-cost flow failed ({sol.status}); please report this cohort")
    arcs = np.nonzero(sol.chosen)[0]
    pairs, first = np.unique(copy_of[arcs], return_index=True)
    as_primary = np.zeros(len(pm), bool)
    as_primary[copy_of[arcs[sol.as_primary[arcs]]]] = True
    stats = {"lowest_primary_threshold": None if threshold is None
             else threshold / ctx.options.scale}
    if not ctx.cands.complete:
        ctx.stats.setdefault("certificate", "minimum cut and flow potentials")
    engine = Engine(pairs, as_primary[pairs], "optimal", None, stats)
    engine.copies = (copy_of[arcs], inp.pair_label[arcs], sol.as_primary[arcs])
    engine.value = float(ps[copy_of[arcs]].sum())
    return engine


def conflicts(ctx: Context, engine: Engine) -> np.ndarray:
    """Mentees whose relaxed flow network breaks a rule: a mentor twice, or a specialist
    whose specialty another member (locked ones included) also offers."""
    pm, pj, _ = ctx.usable()
    pair, label, primary = engine.copies
    mentee, mentor = pm[pair], pj[pair]
    offers = ctx.problem.offers
    bad: set[int] = set()
    keys = mentee * ctx.problem.n_mentors + mentor
    unique_keys, counts = np.unique(keys, return_counts=True)
    bad.update((unique_keys[counts > 1] // ctx.problem.n_mentors).tolist())
    members: dict[int, list[int]] = {}
    for i, j, _, _ in ctx.residual.locked:
        members.setdefault(i, []).append(j)
    for i, j in zip(mentee.tolist(), mentor.tolist(), strict=True):
        members.setdefault(i, []).append(j)
    for k in np.nonzero(~primary & (label >= 0))[0]:
        i, s = int(mentee[k]), int(label[k])
        if sum(bool(offers[j, s]) for j in members[i]) > 1:
            bad.add(i)
    return np.array(sorted(bad), np.int64)
