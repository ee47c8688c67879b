"""Solve a :class:`~matcher.problem.MatchProblem`: pick the engine, prune safely, fill a result.

Dispatch by objective and structure:

* ``stable`` → :mod:`matcher.stable` (deferred acceptance, primaries only);
* ``total`` / ``fair`` where every mentor brings at most one of a network mentee's
  specialties → :mod:`matcher.flow` (min-cost flow; ``fair`` first finds the highest
  primary-score threshold that still places as many mentees, by binary search with max-flow);
* otherwise (a mentor brings several specialties, or ``fair`` with specialists)
  → :mod:`matcher.mip` (HiGHS), lexicographic by stages.

Scores are read once into a :class:`~matcher.pruning.ScoreCache`. Large cohorts are pruned
(:mod:`matcher.pruning`) and the result certified against every pruned-away eligible pair:

* placements (and each fair-mode threshold): a minimum cut of the max-flow that no pruned
  pair crosses;
* flow score: node potentials of the optimal flow under which every pruned pair has a
  non-negative reduced cost;
* MIP score: the duals of the pruned model's LP relaxation price every pruned pair; a pair
  can only be part of a better solution if its reduced cost exceeds the pruned model's
  integrality gap (optimum − LP bound), so when none does the pruned optimum is the optimum.

Pairs that fail a check are added and the model solved again, until every check passes.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from matcher import flow, mip, stable
from matcher.problem import MatchProblem, Residual, apply_locks
from matcher.pruning import (
    CHUNK_ROWS,
    Candidates,
    ScoreCache,
    add_pairs,
    best_per_row,
    build_cache,
    collect_candidates,
)
from matcher.reasons import area_shortfall, partial_reasons, unplaced_reasons
from matcher.records import Assignment, SolverResult
from scoring.errors import InputError

OBJECTIVES: tuple[str, ...] = ("total", "fair", "stable")
#: float32 screening of whole-matrix checks: relative rounding allowance (then exact check)
_F32 = 4e-7
#: pairs added per mentee on the source side of a minimum cut that pruned pairs cross
PLACEMENT_WIDEN = 8
#: relative gap of the MIP solve that only provides a known solution for LP pricing
FIRST_SOLVE_GAP = 1e-5


@dataclass(frozen=True)
class SolveOptions:
    """Solver settings; the defaults suit cohorts up to 10,000 × 2,000 on a laptop."""

    objective: str = "total"
    time_limit: float = 60.0  # seconds, for the MIP
    scale: int = 100_000  # integer units per score point in the flow engines
    k_mentee: int = 10  # pruning: each mentee's best k mentors ...
    k_mentor: int = 50  # ... and each mentor's best k mentees
    dense_pairs: int = 1_000_000  # mentees × mentors up to which nothing is pruned
    mip_dense_pairs: int = 20_000  # the same for the MIP (HiGHS slows down on large models)
    mip_k_mentee: int = 10  # the MIP's starting k (pricing adds what the proof needs)
    mip_k_mentor: int = 40
    mip_max_pairs: int = 60_000  # larger network models: relaxed flow, repaired (with a bound)
    widen_per_mentee: int = 25  # pairs added per mentee when a certificate fails
    widen_slack: float = 0.5  # points: also add pairs this close to breaking a certificate
    max_rounds: int = 20


@dataclass
class _Engine:
    """What an engine hands back: new pairs (indices into the usable pairs) and proof."""

    pairs: np.ndarray  # indices into usable pairs
    as_primary: np.ndarray
    status: str
    bound_points: float | None  # None: equal to the objective
    stats: dict[str, object] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    copies: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # flow: (pair, label,
    #   primary) per chosen arc, to check a relaxed flow against the network rules
    value: float = 0.0  # total objective score of the engine's pairs (flow)


@dataclass
class _Context:
    problem: MatchProblem
    options: SolveOptions
    cache: ScoreCache
    cands: Candidates
    residual: Residual
    mentee_rank: np.ndarray
    mentor_rank: np.ndarray
    banned_keys: np.ndarray
    stats: dict[str, object] = field(default_factory=dict)
    _usable: tuple[int, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None

    def usable(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Candidate pairs a new network member may form, in (mentee id, mentor id) order."""
        c = self.cands
        if self._usable is not None and self._usable[0] == (id(c), c.version):
            return self._usable[1]
        ok = ~np.isin(c.keys, self.banned_keys) if len(self.banned_keys) \
            else np.ones(len(c.mentee), bool)
        idx = np.nonzero(ok)[0]
        order_key = self.mentee_rank[c.mentee[idx]] * self.problem.n_mentors + \
            self.mentor_rank[c.mentor[idx]]
        idx = idx[np.argsort(order_key)]  # keys are unique: no stable sort needed
        out = (c.mentee[idx], c.mentor[idx], c.score[idx])
        self._usable = ((id(c), c.version), out)
        return out

    def values(self, score: np.ndarray) -> np.ndarray:
        return np.rint(np.asarray(score, np.float64) * self.options.scale).astype(np.int64)

    def pruned_mask(self, rows: np.ndarray) -> np.ndarray:
        """(rows × mentors) True where a pair is usable by a new member but not a candidate."""
        out = (self.cache.approx[rows] > -np.inf) & ~self.cands.mask(rows)
        if len(self.banned_keys):
            m = self.problem.n_mentors
            bi, bj = self.banned_keys // m, self.banned_keys % m
            where = np.searchsorted(rows, bi)
            hit = (where < len(rows)) & (rows[np.minimum(where, len(rows) - 1)] == bi)
            out[where[hit], bj[hit]] = False
        return out


def _rank(ids: tuple[str, ...]) -> np.ndarray:
    order = np.argsort(np.asarray(ids, dtype=object), kind="stable")
    rank = np.empty(len(ids), np.int64)
    rank[order] = np.arange(len(ids))
    return rank


def _chunks(rows: np.ndarray):
    for lo in range(0, len(rows), CHUNK_ROWS):
        yield rows[lo:lo + CHUNK_ROWS]


def _add_best(ctx: _Context, mentee: np.ndarray, mentor: np.ndarray, badness: np.ndarray,
              per_mentee: int) -> int:
    """Add each mentee's ``per_mentee`` worst offenders (largest ``badness``)."""
    if not len(mentee):
        return 0
    order = np.lexsort((-badness, mentee))
    mentee, mentor = mentee[order], mentor[order]
    first = np.searchsorted(mentee, mentee, side="left")
    keep = np.arange(len(mentee)) - first < per_mentee
    return add_pairs(ctx.cache, ctx.cands, mentee[keep], mentor[keep])


# ----------------------------------------------------------------------------- flow engine

def _label_copies(ctx: _Context, pm: np.ndarray, pj: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """One flow arc per (pair, specialty it brings), or one unlabelled arc: (pair index,
    label or -1) per arc. With one specialty per pair this is the exact network flow; with
    several it is a relaxation (see :func:`_solve_flow`)."""
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


def _flow_input(ctx: _Context, pm: np.ndarray, pj: np.ndarray, ps: np.ndarray,
                threshold: int | None, use_scores: bool = True,
                bonus: int | None = None) -> tuple[flow.FlowInput, np.ndarray]:
    """The flow over usable pairs, and the pair index of each of its pair arcs."""
    r, values = ctx.residual, ctx.values(ps)
    copy_of, labels = _label_copies(ctx, pm, pj)
    values = values[copy_of]
    primary_ok = np.ones(len(copy_of), bool) if threshold is None else values >= threshold
    return flow.FlowInput(ctx.mentee_rank, ctx.mentor_rank, pm[copy_of], pj[copy_of], values,
                          labels, primary_ok, r.needs_primary, r.slots, r.wants,
                          r.capacity, r.minimum, ctx.cache.eligible_count > 0, use_scores,
                          bonus), copy_of


def _certify_placements(ctx: _Context, threshold: int | None = None) -> int:
    """Max placements over usable pairs (at or above ``threshold``), widening the pruned set
    until a minimum cut proves no pruned pair could raise the count. Returns the count."""
    r, n = ctx.residual, ctx.problem.n_mentees
    approx = ctx.cache.approx
    for _ in range(ctx.options.max_rounds):
        pm, pj, ps = ctx.usable()
        keep = np.ones(len(pm), bool) if threshold is None else ctx.values(ps) >= threshold
        count, side = flow.max_placements(n, r.capacity, pm[keep], pj[keep], r.needs_primary)
        if ctx.cands.complete:
            return count
        rows = np.nonzero(side[2:2 + n] & r.needs_primary)[0]
        cols = np.nonzero(~side[2 + n:])[0]
        found_i, found_j = [], []
        if len(cols):
            for chunk in _chunks(rows):
                sub = approx[chunk][:, cols]
                ok = ctx.pruned_mask(chunk)[:, cols]
                if threshold is not None:
                    ok &= sub >= np.float32(threshold / ctx.options.scale * (1 - _F32) - 1e-4)
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


def _fair_threshold(ctx: _Context, counts_at: Callable[[int | None], tuple]) -> int:
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


def _counts_function(ctx: _Context, networks_mip: bool) -> Callable[[int | None], tuple]:
    """(minimum filled, placed) achievable with primaries at or above a threshold."""
    if not ctx.residual.minimum.any():
        return lambda t: (0, _certify_placements(ctx, t))
    if networks_mip:
        def by_mip(t: int | None) -> tuple:
            sol = mip.solve_counts(_mip_input(ctx, *ctx.usable(), t), ctx.options.time_limit)
            return (-sol.minimum_short, sol.placed)
        return by_mip

    def by_flow(t: int | None) -> tuple:
        sol = flow.solve_min_cost(_flow_input(ctx, *ctx.usable(), t, use_scores=False)[0])
        return (sol.minimum_filled, sol.placed)
    return by_flow


def _reduced_cost_widen(ctx: _Context, graph: flow.FlowGraph, potentials: np.ndarray,
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
    tolerance = np.float32(ctx.options.widen_slack) + big * np.float32(_F32) + np.float32(1e-3)
    hit_i, hit_j, hit_tail = [], [], []
    offer_cols = [np.nonzero(ctx.problem.offers[:, s])[0] for s in range(len(ctx.problem.labels))]
    for rows in _chunks(np.arange(n)):
        scores = ctx.cache.approx[rows]
        # a pair's arc leaves P_i when it brings none of the mentee's open specialties (and,
        # in fair mode, scores at least the floor), else L(i, s) for each specialty s it
        # brings (the smallest potential binds); -1: the pair has no arc
        direct_node = np.where(r.needs_primary[rows], graph.p_node[rows], -1)
        direct_f = np.where(direct_node >= 0, (d[graph.p_node[rows]] - shift) / scale,
                            np.inf).astype(np.float32)
        reduced = direct_f[:, None] - scores - mentor_d[None, :]
        if threshold is not None:
            below = scores < np.float32(threshold / scale * (1 + _F32) + 1e-4)
            reduced = np.where(below, np.float32(np.inf), reduced)
        labelled = None
        if has_labels and (r.slots[rows] > 0).any():
            wants = r.wants[rows] & (r.slots[rows] > 0)[:, None]
            node_f = np.full(scores.shape, np.inf, np.float32)
            labelled = np.zeros(scores.shape, bool)
            label_node = np.full(scores.shape, -1, np.int64)
            for label in np.nonzero(wants.any(axis=0))[0]:
                # only (mentees wanting it) × (mentors offering it): a sub-matrix
                block = np.ix_(np.nonzero(wants[:, label])[0], offer_cols[label])
                l_node = graph.l_node[rows[block[0][:, 0]], label][:, None]
                l_f = np.where(l_node >= 0, (d[np.maximum(l_node, 0)] - shift) / scale,
                               np.inf).astype(np.float32)
                current = node_f[block]
                lower = l_f < current
                node_f[block] = np.where(lower, l_f, current)
                label_node[block] = np.where(lower, l_node, label_node[block])
                labelled[block] = True
            reduced = np.where(labelled, node_f - scores - mentor_d[None, :], reduced)
        screen = (reduced < tolerance) & ctx.pruned_mask(rows)
        bi, bj = np.nonzero(screen)
        tail = direct_node[bi]
        if threshold is not None:
            tail = np.where(below[bi, bj], -1, tail)
        if labelled is not None:
            tail = np.where(labelled[bi, bj], label_node[bi, bj], tail)
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
        _add_best(ctx, mentee[near], mentor[near], -reduced[near].astype(np.float64),
                  ctx.options.widen_per_mentee)
    return offenders


def _solve_flow(ctx: _Context, fair: bool) -> _Engine:
    """Min-cost flow, certified over pruned pairs. Where a mentor brings several of a
    mentee's specialties the flow gives it one arc per specialty: a relaxation (every valid
    network maps to a flow of the same score, but the flow may use a mentor twice for one
    mentee, or a specialist whose area another member also offers). The engine's
    ``copies`` let the caller check the result; where it breaks no rule it is optimal."""
    threshold = None
    target = None
    if not ctx.residual.minimum.any():
        target = _certify_placements(ctx)
    if fair:
        threshold = _fair_threshold(ctx, _counts_function(ctx, networks_mip=False))
    small_bonus = target is not None
    sol = None
    for _ in range(ctx.options.max_rounds + 1):
        pm, pj, ps = ctx.usable()
        bonus = None
        if small_bonus:
            bonus = int(ctx.values(ps).max(initial=0)) + 1
        started = time.perf_counter()
        inp, copy_of = _flow_input(ctx, pm, pj, ps, threshold, bonus=bonus)
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
        found = _reduced_cost_widen(ctx, sol.graph, potentials, threshold)
        ctx.stats["rounds"] = int(ctx.stats.get("rounds", 0)) + 1
        if found == 0:
            break
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
    engine = _Engine(pairs, as_primary[pairs], "optimal", None, stats)
    engine.copies = (copy_of[arcs], inp.pair_label[arcs], sol.as_primary[arcs])
    engine.value = float(ps[copy_of[arcs]].sum())
    return engine


def _conflicts(ctx: _Context, engine: _Engine) -> np.ndarray:
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


# ------------------------------------------------------------------------------ MIP engine

def _mip_input(ctx: _Context, pm: np.ndarray, pj: np.ndarray, ps: np.ndarray,
               threshold: int | None) -> mip.MipInput:
    r, values = ctx.residual, ctx.values(ps)
    primary_ok = np.ones(len(pm), bool) if threshold is None else values >= threshold
    return mip.MipInput(pm, pj, values / ctx.options.scale, primary_ok, r.needs_primary,
                        ctx.problem.network_size, r.slots, r.wants, ctx.problem.offers,
                        r.capacity, r.minimum)


def _pruned_gains(ctx: _Context, duals: mip.PairPrices, threshold: int | None,
                  floor: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LP pricing of every pruned pair (see :func:`matcher.mip.solve_lp_prices`): the pairs
    whose gain ``score − μ_i − γ_j + max(P_i, max_s η_is)`` exceeds ``floor``, with their
    gains (a float32 screen over the score cache, then exact float64)."""
    r, problem, scale = ctx.residual, ctx.problem, ctx.options.scale
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
    screen_at = np.float32(floor - 1e-3 - 4 * _F32 * (big + 100.0))
    hit_i, hit_j = [], []
    for rows in _chunks(np.arange(problem.n_mentees)):
        scores = ctx.cache.approx[rows]
        best = primary[rows][:, None] - psi[rows] @ offers_f
        if threshold is not None:
            best = np.where(scores >= np.float32(threshold / scale * (1 - _F32) - 1e-4), best,
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


def _exact_gain(ctx: _Context, duals: mip.PairPrices, mentee: np.ndarray, mentor: np.ndarray,
                threshold: int | None) -> np.ndarray:
    """The gain of :func:`_pruned_gains` in float64, on exact pair values."""
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


def _column_generation(ctx: _Context, threshold: int | None, placed: int,
                       deadline: float) -> mip.PairPrices | None:
    """Solve the candidates' LP relaxation and add the pruned pairs with a positive reduced
    cost, until (nearly) none is left. Returns the last LP's prices, solved on the current
    candidates (None when time or the size limit ran out first)."""
    for round_number in range(ctx.options.max_rounds):
        pm, pj, ps = ctx.usable()
        if len(pm) > ctx.options.mip_max_pairs or time.perf_counter() > deadline:
            return None
        lp = mip.solve_lp_prices(_mip_input(ctx, pm, pj, ps, threshold), placed, 0,
                                 max(deadline - time.perf_counter(), 1.0))
        if lp is None:
            return None
        # the near-positive too: the next LP's duals move, and they may turn positive
        mentee, mentor, gain = _pruned_gains(ctx, lp, threshold, -ctx.options.widen_slack)
        positive = int((gain > 0.5 / ctx.options.scale).sum())
        ctx.stats.setdefault("pricing", []).append((len(pm), round(lp.bound, 5), positive))
        ctx.stats["rounds"] = int(ctx.stats.get("rounds", 0)) + 1
        if positive == 0 or round_number == ctx.options.max_rounds - 1:
            return lp
        add_pairs(ctx.cache, ctx.cands, mentee, mentor)
    return None


def _solve_mip(ctx: _Context, fair: bool, deadline: float) -> _Engine | None:
    """The MIP engine; None when the model is too large or HiGHS finds nothing in time.

    On a pruned candidate set the optimum is certified by LP pricing (module docstring),
    widening and solving again until it holds (or time runs out: ``certified`` false).
    """
    counts_at = _counts_function(ctx, networks_mip=True)
    threshold = _fair_threshold(ctx, counts_at) if fair else None
    if ctx.residual.minimum.any():
        counts = mip.solve_counts(_mip_input(ctx, *ctx.usable(), threshold),
                                  ctx.options.time_limit)
        placed, short = counts.placed, counts.minimum_short
    else:
        placed, short = _certify_placements(ctx, threshold), 0
    lp = None
    pruned = not ctx.cands.complete
    if pruned and ctx.residual.minimum.any():
        ctx.stats["certified"] = False
        ctx.stats["certificate"] = "none: minimum loads with a pruned network model"
    elif pruned:
        lp = _column_generation(ctx, threshold, placed, deadline)
        if lp is None:
            ctx.stats["certified"] = False
            ctx.stats["certificate"] = "LP column generation ran out of time or size"
    solves: list[tuple[int, float, float]] = []
    while True:
        pm, pj, ps = ctx.usable()
        if len(pm) == 0:
            return _Engine(np.zeros(0, np.int64), np.zeros(0, bool), "optimal", None)
        if len(pm) > ctx.options.mip_max_pairs:
            return None
        inp = _mip_input(ctx, pm, pj, ps, threshold)
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
        # Reduced-cost fixing with the last LP's prices: a solution using pruned pairs K is
        # worth at most lp.bound + Σ_K gain <= bound_full + gain_k for any k in K, where
        # bound_full = lp.bound + Σ positive gains is an upper bound on the full problem.
        # So no solution using a pair with gain <= sol − bound_full beats sol; add every
        # other pair and solve once more, exactly.
        _, _, positive = _pruned_gains(ctx, lp, threshold, 0.0)
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
        mentee, mentor, gain = _pruned_gains(ctx, lp, threshold, allowance)
        if len(ctx.cands.mentee) + len(gain) > ctx.options.mip_max_pairs:
            return None
        add_pairs(ctx.cache, ctx.cands, mentee, mentor)
        ctx.stats["pricing"].append((len(pm), round(lp.bound, 5), len(gain)))
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
    return _Engine(chosen, sol.as_primary[chosen], sol.status, sol.bound, stats)


def _greedy_networks(ctx: _Context, fair: bool, start: _Engine | None = None) -> _Engine:
    """Specialists added best score first, wherever every rule still holds, to ``start``
    (valid networks) or else to exact primaries by flow (most placed, then best primary
    total, or the fair floor; certified like the flow engine): a good feasible network
    solution, fast."""
    r, problem = ctx.residual, ctx.problem
    engine = start
    if engine is None:
        primaries = dataclasses.replace(r, slots=np.zeros_like(r.slots))
        primary_ctx = dataclasses.replace(ctx, residual=primaries, _usable=None)
        engine = _solve_flow(primary_ctx, fair)
    pm, pj, ps = ctx.usable()
    chosen = np.zeros(len(pm), bool)
    chosen[engine.pairs] = True
    as_primary = np.zeros(len(pm), bool)
    as_primary[engine.pairs[engine.as_primary]] = True
    load = problem.capacity - r.capacity + np.bincount(pj[chosen], minlength=problem.n_mentors)
    members: dict[int, list[int]] = {}
    for k in np.nonzero(chosen)[0]:
        members.setdefault(int(pm[k]), []).append(int(pj[k]))
    covered: dict[int, set[int]] = {}  # labels a specialist already covers, per mentee
    for i, j, role, label in r.locked:
        members.setdefault(i, []).append(j)
        if role == "specialist":
            covered.setdefault(i, set()).add(label)
    slots = r.slots.copy()
    if engine.copies is not None:  # a start with specialists: their labels are covered
        pair, label, primary = engine.copies
        for k, s in zip(pair[~primary & (label >= 0)].tolist(),
                        label[~primary & (label >= 0)].tolist(), strict=True):
            covered.setdefault(int(pm[k]), set()).add(s)
            slots[pm[k]] -= 1
    brings_any = (r.wants[pm] & problem.offers[pj]).any(axis=1) & (slots[pm] > 0)
    open_pairs = np.nonzero(brings_any & ~chosen)[0]
    for k in open_pairs[np.argsort(-ps[open_pairs], kind="stable")]:
        i, j = int(pm[k]), int(pj[k])
        team = members.get(i)
        if not team or slots[i] <= 0 or load[j] >= problem.capacity[j] or j in team:
            continue
        offered = problem.offers[team].any(axis=0)
        own = np.nonzero(r.wants[i] & problem.offers[j] & ~offered)[0]
        if not len(own) or any(problem.offers[j, c] for c in covered.get(i, ())):
            continue
        team.append(j)
        covered.setdefault(i, set()).add(int(own[0]))
        slots[i] -= 1
        load[j] += 1
        chosen[k] = True
    picked = np.nonzero(chosen)[0]
    return _Engine(picked, as_primary[picked], "feasible", None, engine.stats)


def _repaired(ctx: _Context, relaxed: _Engine, conflicts: np.ndarray) -> _Engine:
    """The relaxed flow's networks with the rule-breaking ones cut back to their primary."""
    pm = ctx.usable()[0]
    pair, label, primary = relaxed.copies
    keep = primary | ~np.isin(pm[pair], conflicts)
    pairs, first = np.unique(pair[keep], return_index=True)
    engine = _Engine(pairs, primary[keep][first], "feasible", None, dict(relaxed.stats))
    engine.copies = (pair[keep], label[keep], primary[keep])
    return engine


def _networks_fallback(ctx: _Context, fair: bool, relaxed: _Engine | None = None,
                       conflicts: np.ndarray | None = None) -> _Engine:
    """When the MIP is out of reach: :func:`_greedy_networks` (from the relaxed flow's
    networks, repaired, when there is one), reported as ``feasible`` with an upper bound:
    the relaxed flow's optimum when it is certified, else each mentee's best scores."""
    certified = bool(ctx.stats.get("certified", True))
    start = _repaired(ctx, relaxed, conflicts) if relaxed is not None else None
    engine = _greedy_networks(ctx, fair, start)
    if relaxed is not None and certified:
        bound = relaxed.value
        how = "the flow relaxation's certified optimum"
    else:
        bound, how = _best_scores_bound(ctx), "each mentee's best scores"
    ctx.stats["certified"] = False
    ctx.stats["certificate"] = (f"primaries and most networks: flow; "
                                f"{0 if conflicts is None else len(conflicts)} networks "
                                f"repaired greedily; bound: {how}")
    return _Engine(engine.pairs, engine.as_primary, "feasible", bound, engine.stats,
                   ["The network model was too large for the MIP within the time limit: "
                    "primaries are optimal, specialists were added best score first; the "
                    "bound and gap say how far from the optimum the total can be. Raise "
                    "[solver] time_limit_seconds or mip_max_pairs for a proven optimum."])


def _solve_networks(ctx: _Context, deadline: float) -> tuple[str, _Engine]:
    """Networks where a mentor may bring several of a mentee's specialties: the relaxed
    flow first (:func:`_solve_flow`); when its networks break no rule they are optimal.
    Else the MIP (small enough models), else the relaxed networks repaired, with the relaxed
    optimum as the bound."""
    relaxed_ctx = dataclasses.replace(ctx, stats={}, _usable=None)
    relaxed = _solve_flow(relaxed_ctx, fair=False)
    conflicts = _conflicts(relaxed_ctx, relaxed)
    certified = relaxed_ctx.stats.get("certified", True)
    ctx.stats["relaxation"] = {"value": round(relaxed.value, 5),
                               "networks_breaking_rules": len(conflicts),
                               "certified": certified}
    if not len(conflicts):
        ctx.stats.update(relaxed_ctx.stats)
        ctx.stats["certificate"] = ("flow relaxation (one arc per specialty a mentor brings) "
                                    "whose optimum breaks no rule" +
                                    ("; minimum cut and flow potentials" if not
                                     ctx.cands.complete else ""))
        relaxed.stats = {}
        return "min_cost_flow", relaxed
    old_pm, old_pj, _ = ctx.usable()
    result = _solve_mip(ctx, False, deadline)
    if result is not None:
        return "mip_highs", result
    # the MIP may have added candidates: find the relaxed pairs again
    pm, pj, _ = ctx.usable()
    keys = pm * ctx.problem.n_mentors + pj
    order = np.argsort(keys)

    def moved(index: np.ndarray) -> np.ndarray:
        old = old_pm[index] * ctx.problem.n_mentors + old_pj[index]
        return order[np.searchsorted(keys[order], old)]

    pair, label, primary = relaxed.copies
    relaxed.pairs = moved(relaxed.pairs)
    relaxed.copies = (moved(pair), label, primary)
    ctx.stats["certified"] = certified
    return "flow_then_greedy_specialists", _networks_fallback(ctx, False, relaxed, conflicts)


def _best_scores_bound(ctx: _Context) -> float:
    """An upper bound on the total of new pairs, over every eligible pair: each mentee's
    best scores, as many as it has places (capacities ignored)."""
    r, scale = ctx.residual, ctx.options.scale
    places = np.where(r.needs_primary, ctx.problem.network_size, r.slots)
    most = int(places.max(initial=0))
    total = 0.0
    for rows in _chunks(np.nonzero(places > 0)[0]):
        scores = np.where(ctx.pruned_mask(rows) | ctx.cands.mask(rows), ctx.cache.approx[rows],
                          -np.inf)
        top = -np.partition(-scores, min(most, scores.shape[1]) - 1, axis=1)[:, :most]
        top = -np.sort(-top, axis=1)
        use = (np.arange(top.shape[1])[None, :] < places[rows][:, None]) & np.isfinite(top)
        # float32 rounding: add a margin so the bound stays an upper bound
        total += float((top.astype(np.float64) * (1 + _F32) + 1.0 / scale)[use].sum())
    return total


# --------------------------------------------------------------------------- stable engine

def _solve_stable(ctx: _Context) -> tuple[list[tuple[int, int, float]], dict, list[str]]:
    """Deferred acceptance on the cached scores; returns (mentee, mentor, objective score)."""
    problem, r, cache = ctx.problem, ctx.residual, ctx.cache
    eligible = cache.approx > -np.inf
    if cache.dense_exact is not None and not len(cache.bonus_keys):
        total = np.asarray(cache.dense_exact, np.float64)
    else:
        rows, cols = np.nonzero(eligible)
        total = np.full(eligible.shape, -np.inf)
        total[rows, cols] = cache.objective(rows, cols)
    if len(r.banned):
        eligible = eligible.copy()
        eligible[r.banned[:, 0], r.banned[:, 1]] = False
    inp = stable.StableInput(total, eligible, r.capacity, r.needs_primary, ctx.mentee_rank,
                             ctx.mentor_rank)
    prefs = stable.preferences(inp)
    match = stable.deferred_acceptance(inp, prefs)
    blocking = len(stable.blocking_pairs(inp, match, prefs))
    mentees = np.nonzero(match >= 0)[0]
    pairs = list(zip(mentees.tolist(), match[mentees].tolist(),
                     total[mentees, match[mentees]].tolist(), strict=True))
    messages = []
    if problem.has_networks:
        messages.append("Stable mode assigns primary mentors only; network specialists are "
                        "not added.")
    if problem.minimum.any():
        messages.append("Stable mode ignores minimum loads.")
    return pairs, {"blocking_pairs": blocking}, messages


# --------------------------------------------------------------------------------- roles

def _roles(ctx: _Context, members: dict[int, list[tuple[int, float, bool]]],
           locked_roles: dict[tuple[int, int], tuple[str, int]]) -> list[Assignment]:
    """Primary = best-scoring member whose removal leaves every other member a specialty of
    its own (locked roles stay as they are); each specialist covers its first own specialty.
    Scores in ``members`` are objective scores; assignments get the reported ones."""
    problem = ctx.problem
    out: list[Assignment] = []
    for i in sorted(members, key=lambda i: ctx.mentee_rank[i]):
        team = members[i]
        if len(team) == 1 and not locked_roles.get((i, team[0][0]), ("",))[0] == "specialist":
            j, score, locked = team[0]
            out.append(Assignment(i, j, "primary", None, score, locked))
            continue
        team = sorted(team, key=lambda t: (-t[1], ctx.mentor_rank[t[0]]))
        mentors = [j for j, _, _ in team]
        own: dict[int, np.ndarray] = {}
        for j in mentors:
            others = np.zeros(len(problem.labels), bool)
            for k in mentors:
                if k != j:
                    others |= problem.offers[k]
            own[j] = problem.wants[i] & problem.offers[j] & ~others
        role_of = {j: locked_roles.get((i, j), ("", -1))[0] for j in mentors}
        locked_primary = [j for j in mentors if role_of[j] == "primary"]
        if locked_primary:
            primary = locked_primary[0]
        else:
            free = [j for j in mentors if role_of[j] != "specialist"] or mentors
            primary = next((j for j in free if all(own[k].any() for k in mentors if k != j)),
                           free[0])
        for j, score, locked in team:
            if j == primary:
                out.append(Assignment(i, j, "primary", None, score, locked))
                continue
            label = locked_roles.get((i, j), ("", -1))[1]
            if label < 0 and own[j].any():
                label = int(np.argmax(own[j]))
            covers = problem.labels[label] if label >= 0 else None
            out.append(Assignment(i, j, "specialist", covers, score, locked))
    return out


# ---------------------------------------------------------------------------------- solve

def solve(problem: MatchProblem, options: SolveOptions | None = None,
          explain_ineligible: Callable[[np.ndarray], dict[int, str]] | None = None
          ) -> SolverResult:
    """Match mentees to mentor networks; see the module docstring for engines and proofs.

    ``explain_ineligible(mentee_indices)`` may return, per mentee, which rules excluded its
    mentors (the scorer knows; the solver only knows that none is eligible).
    """
    options = options or SolveOptions()
    started = time.perf_counter()
    if options.objective not in OBJECTIVES:
        raise InputError(f"Unknown objective {options.objective!r}: use one of "
                         f"{', '.join(OBJECTIVES)} (--objective or [solver] objective).")
    n, m = problem.n_mentees, problem.n_mentors
    cache = build_cache(problem)
    residual = apply_locks(problem, cache.lock_eligible)
    banned = np.unique(residual.banned[:, 0] * m + residual.banned[:, 1])
    ranks = _rank(problem.mentee_ids), _rank(problem.mentor_ids)
    stats: dict[str, object] = {"eligible_pairs": cache.n_eligible}
    stats["cache_seconds"] = round(time.perf_counter() - started, 4)
    if options.objective == "stable":
        empty = Candidates(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), n, m,
                           cache.n_eligible, None, None)
        ctx = _Context(problem, options, cache, empty, residual, *ranks, banned, stats)
        pairs, extra, messages = _solve_stable(ctx)
        stats.update(extra, k_mentee=None, k_mentor=None, certified=True)
        return _assemble(ctx, pairs, "optimal", None, "deferred_acceptance", started,
                         explain_ineligible, messages)
    specialists = bool((residual.slots > 0).any()) and bool(problem.labels)
    use_mip = cache.multi_label or (options.objective == "fair" and specialists)
    fair = options.objective == "fair"
    if use_mip:
        prune = n * m > options.mip_dense_pairs and not residual.minimum.any()
        k = (options.mip_k_mentee, options.mip_k_mentor) if prune else (None, None)
    else:
        prune = n * m > options.dense_pairs and not (fair and residual.minimum.any())
        k = (options.k_mentee, options.k_mentor) if prune else (None, None)
    cands = collect_candidates(cache, *k)
    stats.update(k_mentee=k[0], k_mentor=k[1])
    ctx = _Context(problem, options, cache, cands, residual, *ranks, banned, stats)
    deadline = started + options.time_limit
    if not use_mip:
        engine_name, result = "min_cost_flow", _solve_flow(ctx, fair)
    elif fair:  # the fair floor cannot be kept by a relaxed flow's primaries
        engine_name, result = "mip_highs", _solve_mip(ctx, fair, deadline)
        if result is None:
            engine_name, result = "flow_then_greedy_specialists", _networks_fallback(ctx, fair)
    else:
        engine_name, result = _solve_networks(ctx, deadline)
    stats.setdefault("certified", True)
    stats.setdefault("certificate", "every eligible pair" if ctx.cands.complete else "")
    stats["candidate_pairs"] = len(ctx.cands.mentee)
    pm, pj, ps = ctx.usable()
    pairs = list(zip(pm[result.pairs].tolist(), pj[result.pairs].tolist(),
                     ps[result.pairs].tolist(), strict=True))
    stats.update(result.stats)
    return _assemble(ctx, pairs, result.status, result.bound_points, engine_name, started,
                     explain_ineligible, result.messages)


def _assemble(ctx: _Context, pairs: list[tuple[int, int, float]], status: str,
              bound_points: float | None, engine_name: str, started: float,
              explain_ineligible: Callable[[np.ndarray], dict[int, str]] | None,
              engine_messages: list[str]) -> SolverResult:
    """Roles, reported scores (keep bonus removed), reasons and the proof, as a result."""
    problem, residual, cache = ctx.problem, ctx.residual, ctx.cache
    members: dict[int, list[tuple[int, float, bool]]] = {}
    locked_roles: dict[tuple[int, int], tuple[str, int]] = {}
    lock_i = np.array([i for i, _, _, _ in residual.locked], np.int64)
    lock_j = np.array([j for _, j, _, _ in residual.locked], np.int64)
    new_i = np.array([i for i, _, _ in pairs], np.int64)
    new_j = np.array([j for _, j, _ in pairs], np.int64)
    all_i, all_j = np.r_[lock_i, new_i], np.r_[lock_j, new_j]
    reported = cache.exact(all_i, all_j)
    bonus = cache.bonus(all_i, all_j)
    for k, (i, j, role, label) in enumerate(residual.locked):
        members.setdefault(i, []).append((j, float(reported[k]), True))
        locked_roles[(i, j)] = (role, label)
    offset = len(residual.locked)
    for k, (i, j, _) in enumerate(pairs):
        members.setdefault(i, []).append((j, float(reported[offset + k]), False))
    assignments = _roles(ctx, members, locked_roles)
    load = np.bincount(all_j, minlength=problem.n_mentors)
    placed = np.zeros(problem.n_mentees, bool)
    placed[list(members)] = True
    unplaced = np.nonzero(~placed)[0]
    primary = {a.mentee: a.mentor for a in assignments if a.role == "primary"}
    team = {i: [j for j, _, _ in t] for i, t in members.items()}
    shortfall, messages = area_shortfall(problem, team)
    objective = float(reported.sum())
    kept_bonus = float(bonus.sum())
    # the engines optimise score + keep bonus; the proven gap carries over to the report
    optimised = objective + kept_bonus
    bound_opt = optimised if bound_points is None else bound_points + float(
        (reported[:offset] + bonus[:offset]).sum())
    bound = objective + max(bound_opt - optimised, 0.0)
    gap = 0.0 if status == "optimal" else abs(bound - objective) / max(abs(objective), 1e-9)
    below = np.nonzero(load < problem.minimum)[0]
    if len(below):
        status = "infeasible"
        named = ", ".join(f"{problem.mentor_ids[j]} ({load[j]} < {problem.minimum[j]})"
                          for j in below[:5])
        messages.insert(0, f"Minimum loads cannot all be met: {len(below)} mentor(s) below "
                           f"their minimum, e.g. {named}. Lower [solver] minimum_load or add "
                           f"mentees; the result fills as much of the minimums as possible.")
    primaries = [a.score for a in assignments if a.role == "primary"]
    stats = dict(ctx.stats)
    if len(cache.bonus_keys):
        stats["keep_bonus_points"] = kept_bonus
    stats.update({"placed": int(placed.sum()), "unplaced": len(unplaced),
                  "pairs": len(assignments),
                  "lowest_primary_score": min(primaries) if primaries else None})
    return SolverResult(
        assignments=assignments, status=status, objective=objective, bound=bound, gap=gap,
        wall_time=time.perf_counter() - started, engine=engine_name,
        unplaced=unplaced_reasons(problem, cache, unplaced, load, explain_ineligible),
        partial=partial_reasons(problem, cache, team, primary), shortfall=shortfall,
        stats=stats, messages=engine_messages + messages)
