"""The certificates that make pruned solves exact, shared by the flow and MIP engines.

Every engine works on candidate pairs (:mod:`matcher.solver.candidates`) and proves its
answer against every pruned-away eligible pair with a whole-matrix numpy scan over the
score cache, screened in its float32 (or float16) copy with a tolerance for its rounding
(``ScoreCache.rounding``) and confirmed in exact
arithmetic. The pairs that break a certificate are added to the candidates and the engine
solves again:

- placements: a minimum cut proves no pruned pair could place more mentees
  (:func:`certify_placements`), also at each fair-mode floor (:func:`fair_threshold`);
- score, flow: node potentials give every pruned pair a reduced cost
  (:func:`reduced_cost_widen`);
- score, MIP: the LP relaxation's duals price every pruned pair (:func:`pruned_gains`);
- bounds without a proof of optimality: each mentee's best scores
  (:func:`best_scores_bound`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from matcher.solver import flow_graph as flow
from matcher.solver import mip_model as mip
from matcher.solver.candidates import add_pairs, best_per_row
from matcher.solver.context import Context
from matcher.solver.cost_screen import column_groups, screen_pairs
from matcher.solver.scan import as_slice, map_chunks
from matcher.solver.score_cache import chunks

#: pairs added per mentee on the source side of a minimum cut that pruned pairs cross
PLACEMENT_WIDEN = 8


def add_worst(ctx: Context, mentee: np.ndarray, mentor: np.ndarray, badness: np.ndarray,
              per_mentee: int) -> int:
    """Add each mentee's ``per_mentee`` worst offenders (largest ``badness``)."""
    if not len(mentee):
        return 0
    order = np.lexsort((-badness, mentee))
    mentee, mentor = mentee[order], mentor[order]
    first = np.searchsorted(mentee, mentee, side="left")
    keep = np.arange(len(mentee)) - first < per_mentee
    return add_pairs(ctx.cache, ctx.cands, mentee[keep], mentor[keep])


def certify_placements(ctx: Context, threshold: int | None = None) -> int:
    """Max placements over usable pairs (at or above ``threshold``), widening the pruned set
    until a minimum cut proves no pruned pair could raise the count. Returns the count."""
    r, n = ctx.residual, ctx.problem.n_mentees
    eps = ctx.cache.rounding  # relative rounding of the screening copy
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
                sub = ctx.cache.screen_rows(chunk)[:, cols]
                ok = ctx.pruned_mask(chunk)[:, cols]
                if threshold is not None:
                    ok &= sub >= screen_floor(threshold, ctx.options.scale, eps)
                amount = np.where(ok, sub + np.float32(1.0), np.float32(0.0))
                bi, bj = best_per_row(chunk, amount, PLACEMENT_WIDEN)
                found_i.append(bi)
                found_j.append(cols[bj])
        mentee = np.concatenate(found_i) if found_i else np.zeros(0, np.int64)
        mentor = np.concatenate(found_j) if found_j else np.zeros(0, np.int64)
        if threshold is not None and len(mentee):
            exact_ok = ctx.values(ctx.cache.objective(mentee, mentor)) >= threshold
            mentee, mentor = mentee[exact_ok], mentor[exact_ok]
        ctx.count_round()
        if not len(mentee):
            return count
        add_pairs(ctx.cache, ctx.cands, mentee, mentor)
    ctx.stats["certified"] = False
    return count


def screen_floor(threshold: int, scale: int, rounding: float) -> np.float32:
    """The screening copy's score under which a pair surely scores below the fair floor
    ``threshold`` (integer units of ``scale`` per point): the floor rounded down by the
    copy's relative ``rounding`` and half a unit, so a pair whose exact value reaches the
    floor is never screened out as below it (the exact check after the screen drops the
    pairs that truly are)."""
    return np.float32(threshold / scale * (1 - rounding) - 1e-4)


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


def _cheapest_label_node(d: np.ndarray, brings: np.ndarray, l_nodes: np.ndarray
                         ) -> np.ndarray:
    """Per pair, the L node (of the specialties it ``brings``) with the smallest potential:
    the tail of its binding arc; -1 where none of them has a node."""
    has_node = brings & (l_nodes >= 0)
    potential = np.where(has_node, d[np.maximum(l_nodes, 0)], np.iinfo(np.int64).max)
    best = np.argmin(potential, axis=1) if len(brings) else np.zeros(0, np.int64)
    found = has_node[np.arange(len(best)), best]
    return np.where(found, l_nodes[np.arange(len(best)), best], -1)


def reduced_cost_widen(ctx: Context, graph: flow.FlowGraph, potentials: np.ndarray,
                        threshold: int | None) -> int:
    """Check every pruned pair's reduced cost under the flow's node potentials (exactly, in
    integer units, after a float32 screen over the score cache); add each mentee's worst
    offenders and near-offenders (within ``widen_slack``). Returns the offenders' count."""
    r, scale = ctx.residual, ctx.options.scale
    eps = ctx.cache.rounding  # relative rounding of the screening copy
    d = np.asarray(potentials, np.int64)
    shift = int(np.median(d[graph.mentor_node])) if len(graph.mentor_node) else 0
    mentor_d = ((d[graph.mentor_node] - shift) / scale).astype(np.float32)
    slack_units = int(ctx.options.widen_slack * scale)
    has_labels = bool(graph.l_node.size) and bool((r.slots > 0).any())
    big = np.float32(np.abs(mentor_d).max(initial=0.0) + np.abs((d - shift) / scale).max(
        initial=0.0) + 100.0)
    tolerance = np.float32(ctx.options.widen_slack) + big * np.float32(eps) + np.float32(1e-3)
    # a pair is screened out as below the fair floor only when its copy's score is surely
    # below it; those near the floor go on to the exact check below
    floor = None if threshold is None else screen_floor(threshold, scale, eps)
    groups = column_groups(mentor_d)

    def hits(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # a pair's arc leaves P_i when it brings none of the mentee's open specialties (and,
        # in fair mode, scores at least the floor), else L(i, s) for each specialty s it
        # brings (the smallest potential binds); -1: the pair has no arc
        direct_node = np.where(r.needs_primary[rows], graph.p_node[rows], -1)
        direct_f = np.where(direct_node >= 0, (d[graph.p_node[rows]] - shift) / scale,
                            np.inf).astype(np.float32)
        row_f, floored = direct_f, np.ones(len(rows), bool)
        labelled = has_labels and bool((r.slots[rows] > 0).any())
        if labelled:
            # screen with each mentee's smallest L(i, s) potential over its open specialties
            # (a lower bound for every labelled arc); the exact check below finds the real one
            wants = r.wants[rows] & (r.slots[rows] > 0)[:, None]
            l_nodes = graph.l_node[rows]
            l_f = np.where(wants & (l_nodes >= 0), (d[np.maximum(l_nodes, 0)] - shift) / scale,
                           np.inf).astype(np.float32).min(axis=1, initial=np.inf)
            lowest = np.minimum(direct_f, l_f)
            floored = ~(lowest < direct_f)  # a labelled arc needs no floor
            row_f = np.where(floored, direct_f, lowest)
        # candidates' tight arcs pass too: dropped below
        bi, bj, below = screen_pairs(ctx.cache.approx[as_slice(rows)], row_f, mentor_d,
                                     tolerance, floor, floored, groups)
        outside = ctx.pruned_pairs(rows[bi], bj)
        bi, bj = bi[outside], bj[outside]
        tail = direct_node[bi]
        if threshold is not None:
            tail = np.where(below[outside], -1, tail)
        if labelled:
            brings = wants[bi] & ctx.problem.offers[bj]
            lab = np.nonzero(brings.any(axis=1))[0]
            tail[lab] = _cheapest_label_node(d, brings[lab], l_nodes[bi[lab]])
        return rows[bi], bj, tail.astype(np.int64)
    found = map_chunks(hits, ctx.cache.live_rows(), ctx.problem.n_mentors)
    mentee, mentor, tails = (np.concatenate([piece[k] for piece in found] +
                                            [np.zeros(0, np.int64)]) for k in range(3))
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


def pruned_gains(ctx: Context, duals: mip.PairPrices, threshold: int | None,
                  floor: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LP pricing of every pruned pair (see :func:`.mip_model.solve_lp_prices`): the pairs
    whose gain ``score − μ_i − γ_j + max(P_i, max_s η_is)`` exceeds ``floor``, with their
    gains (a float32 screen over the score cache, then exact float64)."""
    r, problem, scale = ctx.residual, ctx.problem, ctx.options.scale
    eps = ctx.cache.rounding  # relative rounding of the screening copy
    offers = problem.offers
    mu = duals.mentee.astype(np.float32)
    gamma = duals.mentor.astype(np.float32)
    primary = np.where(r.needs_primary, duals.primary, -np.inf).astype(np.float32)
    eta = np.where(r.wants & (r.slots > 0)[:, None], duals.label, -np.inf).astype(np.float32)
    psi = duals.primary_label.astype(np.float32)
    offers_f = offers.T.astype(np.float32)
    big = float(np.abs(duals.mentee).max(initial=0) + np.abs(duals.mentor).max(initial=0) +
                np.abs(duals.primary).max(initial=0) + np.abs(duals.label).max(initial=0) +
                np.abs(duals.primary_label).sum(axis=1).max(initial=0))
    screen_at = np.float32(floor - 1e-3 - 4 * eps * (big + 100.0))
    hit_i, hit_j = [], []
    for rows in chunks(np.arange(problem.n_mentees)):
        scores = ctx.cache.screen_rows(rows)
        best = primary[rows][:, None] - psi[rows] @ offers_f
        if threshold is not None:
            best = np.where(scores >= screen_floor(threshold, scale, eps), best,
                            np.float32(-np.inf))
        for s in range(len(problem.labels)):
            if np.isfinite(eta[rows, s]).any():
                best = np.maximum(best, np.where(offers[:, s][None, :], eta[rows, s][:, None],
                                                 np.float32(-np.inf)))
        gain = scores - mu[rows][:, None] - gamma[None, :] + best
        bi, bj = np.nonzero((gain > screen_at) & ctx.pruned_mask(rows))
        hit_i.append(rows[bi])
        hit_j.append(bj)
    mentee, mentor = np.concatenate(hit_i), np.concatenate(hit_j)
    gain = _exact_gain(ctx, duals, mentee, mentor, threshold)
    keep = gain > floor
    return mentee[keep], mentor[keep], gain[keep]


def _exact_gain(ctx: Context, duals: mip.PairPrices, mentee: np.ndarray, mentor: np.ndarray,
                threshold: int | None) -> np.ndarray:
    """The gain of :func:`pruned_gains` in float64, on exact pair values."""
    r, problem = ctx.residual, ctx.problem
    values = ctx.values(ctx.cache.objective(mentee, mentor))
    best = np.where(r.needs_primary[mentee], duals.primary[mentee] - (
        duals.primary_label[mentee] * problem.offers[mentor]).sum(axis=1), -np.inf)
    if threshold is not None:
        best = np.where(values >= threshold, best, -np.inf)
    if problem.labels:
        brings = r.wants[mentee] & problem.offers[mentor] & (r.slots[mentee] > 0)[:, None]
        label_best = np.where(brings, duals.label[mentee], -np.inf).max(axis=1)
        best = np.maximum(best, label_best)
    return values / ctx.options.scale - duals.mentee[mentee] - duals.mentor[mentor] + best


def best_scores_bound(ctx: Context) -> float:
    """An upper bound on the total of new pairs, over every eligible pair: each mentee's
    best scores, as many as it has places (capacities ignored)."""
    r, scale = ctx.residual, ctx.options.scale
    eps = ctx.cache.rounding  # relative rounding of the screening copy
    places = np.where(r.needs_primary, ctx.problem.network_size, r.slots)
    most = int(places.max(initial=0))
    total = 0.0
    for rows in chunks(np.nonzero(places > 0)[0]):
        scores = np.where(ctx.pruned_mask(rows) | ctx.cands.mask(rows),
                          ctx.cache.screen_rows(rows), -np.inf)
        top = -np.partition(-scores, min(most, scores.shape[1]) - 1, axis=1)[:, :most]
        top = -np.sort(-top, axis=1)
        use = (np.arange(top.shape[1])[None, :] < places[rows][:, None]) & np.isfinite(top)
        # screening-copy rounding: add a margin so the bound stays an upper bound
        total += float((top.astype(np.float64) * (1 + eps) + 1.0 / scale)[use].sum())
    return total
