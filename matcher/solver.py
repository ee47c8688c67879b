"""Solve a :class:`~matcher.problem.MatchProblem`: pick the engine, prune safely, fill a result.

Dispatch by objective and structure:

* ``stable`` → :mod:`matcher.stable` (deferred acceptance, primaries only);
* ``total`` / ``fair`` where every mentor brings at most one of a network mentee's
  specialties → :mod:`matcher.flow` (min-cost flow; ``fair`` first finds the highest
  primary-score threshold that still places as many mentees, by binary search with max-flow);
* otherwise (a mentor brings several specialties, or ``fair`` with specialists)
  → :mod:`matcher.mip` (HiGHS), lexicographic by stages.

Large cohorts are pruned (:mod:`matcher.pruning`) and the result certified against every
pruned-away eligible pair: a min-cut check for the placement count and thresholds, and a
reduced-cost check with the flow's node potentials for the score; pairs that fail the check
are added and the model solved again, so the flow result is the unpruned optimum.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from matcher import flow, mip, stable
from matcher.problem import MatchProblem, Residual, apply_locks
from matcher.pruning import Candidates, collect_candidates, widen_with
from matcher.reasons import area_shortfall, partial_reasons, unplaced_reasons
from matcher.records import Assignment, SolverResult
from scoring.errors import InputError

OBJECTIVES: tuple[str, ...] = ("total", "fair", "stable")


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
    mip_k_mentee: int = 20  # the MIP's starting k (doubled until the optimum stops changing)
    mip_k_mentor: int = 100
    mip_max_pairs: int = 250_000  # larger network models fall back to flow + greedy specialists
    widen_per_mentee: int = 25  # pairs added per mentee when a certificate fails
    max_rounds: int = 20


@dataclass
class _Engine:
    """What an engine hands back: new pairs (indices into the candidate arrays) and proof."""

    pairs: np.ndarray  # indices into usable pairs
    as_primary: np.ndarray
    status: str
    bound_points: float | None  # None: equal to the objective
    stats: dict[str, object] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


@dataclass
class _Context:
    problem: MatchProblem
    options: SolveOptions
    cands: Candidates
    residual: Residual
    mentee_rank: np.ndarray
    mentor_rank: np.ndarray
    banned_keys: np.ndarray
    stats: dict[str, object] = field(default_factory=dict)

    def usable(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Candidate pairs a new network member may form, in (mentee id, mentor id) order."""
        c, m = self.cands, self.problem.n_mentors
        ok = ~np.isin(c.mentee * m + c.mentor, self.banned_keys) if len(self.banned_keys) \
            else np.ones(len(c.mentee), bool)
        idx = np.nonzero(ok)[0]
        idx = idx[np.lexsort((self.mentor_rank[c.mentor[idx]], self.mentee_rank[c.mentee[idx]]))]
        return c.mentee[idx], c.mentor[idx], c.score[idx]

    def values(self, score: np.ndarray) -> np.ndarray:
        return np.rint(np.asarray(score, np.float64) * self.options.scale).astype(np.int64)

    def labels_of(self, mentee: np.ndarray, mentor: np.ndarray) -> np.ndarray:
        """The one specialty a pair brings to a network mentee (-1: none / no slots)."""
        if not self.problem.labels:
            return np.full(len(mentee), -1, np.int64)
        brings = self.residual.wants[mentee] & self.problem.offers[mentor]
        label = np.where(brings.any(axis=1), np.argmax(brings, axis=1), -1)
        return np.where(self.residual.slots[mentee] > 0, label, -1)

    def label_matrix(self, rows: np.ndarray) -> np.ndarray:
        """``labels_of`` for every mentor of some mentees at once (flow structure: at most
        one specialty per pair, so a weighted overlap count names it)."""
        m = self.problem.n_mentors
        if not self.problem.labels:
            return np.full((len(rows), m), -1, np.int64)
        wants = self.residual.wants[rows] & (self.residual.slots[rows] > 0)[:, None]
        weights = wants * np.arange(1, len(self.problem.labels) + 1, dtype=np.float32)
        return np.rint(weights @ self.problem.offers.T.astype(np.float32)).astype(np.int64) - 1

    def allowed_matrix(self, rows: np.ndarray) -> np.ndarray:
        """Pairs of these mentees a new member may form (locks ban some)."""
        allowed = np.ones((len(rows), self.problem.n_mentors), bool)
        if len(self.banned_keys):
            bi, bj = self.banned_keys // self.problem.n_mentors, \
                self.banned_keys % self.problem.n_mentors
            where = np.searchsorted(rows, bi)
            hit = (where < len(rows)) & (rows[np.minimum(where, len(rows) - 1)] == bi)
            allowed[where[hit], bj[hit]] = False
        return allowed


def _rank(ids: tuple[str, ...]) -> np.ndarray:
    order = np.argsort(np.asarray(ids, dtype=object), kind="stable")
    rank = np.empty(len(ids), np.int64)
    rank[order] = np.arange(len(ids))
    return rank


# ----------------------------------------------------------------------------- flow engine

def _flow_input(ctx: _Context, pm: np.ndarray, pj: np.ndarray, ps: np.ndarray,
                threshold: int | None, use_scores: bool = True) -> flow.FlowInput:
    r, values = ctx.residual, ctx.values(ps)
    primary_ok = np.ones(len(pm), bool) if threshold is None else values >= threshold
    return flow.FlowInput(ctx.mentee_rank, ctx.mentor_rank, pm, pj, values,
                          ctx.labels_of(pm, pj), primary_ok, r.needs_primary, r.slots, r.wants,
                          r.capacity, r.minimum, ctx.cands.eligible_count > 0, use_scores)


def _certify_placements(ctx: _Context, threshold: int | None = None) -> int:
    """Max placements over usable pairs (at or above ``threshold``), widening the pruned set
    until a minimum cut proves no pruned pair could raise the count. Returns the count."""
    r, n = ctx.residual, ctx.problem.n_mentees
    for _ in range(ctx.options.max_rounds):
        pm, pj, ps = ctx.usable()
        keep = np.ones(len(pm), bool) if threshold is None else ctx.values(ps) >= threshold
        count, side = flow.max_placements(n, r.capacity, pm[keep], pj[keep], r.needs_primary)
        if ctx.cands.complete:
            return count

        def crosses(rows: np.ndarray, total: np.ndarray, pruned: np.ndarray,
                    side: np.ndarray = side) -> np.ndarray:
            ok = (r.needs_primary[rows] & side[2 + rows])[:, None] & ~side[2 + n:][None, :]
            if len(ctx.banned_keys):
                ok &= ctx.allowed_matrix(rows)
            if threshold is not None:
                ok &= ctx.values(total) >= threshold
            return np.where(ok, np.asarray(total, np.float64) + 1.0, 0.0)

        rows = np.nonzero(side[2:2 + n] & r.needs_primary)[0]
        found, _ = widen_with(ctx.problem, ctx.cands, crosses, 2,
                              rows)
        ctx.stats["rounds"] = int(ctx.stats.get("rounds", 0)) + 1
        if found == 0:
            return count
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
        sol = flow.solve_min_cost(_flow_input(ctx, *ctx.usable(), t, use_scores=False))
        return (sol.minimum_filled, sol.placed)
    return by_flow


def _solve_flow(ctx: _Context, fair: bool) -> _Engine:
    threshold = None
    if not ctx.residual.minimum.any():
        _certify_placements(ctx)
    if fair:
        threshold = _fair_threshold(ctx, _counts_function(ctx, networks_mip=False))
    problem = ctx.problem
    for _ in range(ctx.options.max_rounds):
        pm, pj, ps = ctx.usable()
        inp = _flow_input(ctx, pm, pj, ps, threshold)
        started = time.perf_counter()
        sol = flow.solve_min_cost(inp)
        ctx.stats["flow_seconds"] = round(time.perf_counter() - started, 4)
        ctx.stats["arcs"] = len(sol.graph.tails)
        if sol.status != "optimal" or ctx.cands.complete:
            break
        potentials = flow.residual_potentials(sol.graph, sol.flows)
        if potentials is None:
            ctx.stats["certified"] = False
            break
        graph = sol.graph

        def reduced_cost_violation(rows: np.ndarray, total: np.ndarray, pruned: np.ndarray,
                                   graph: flow.FlowGraph = graph,
                                   potentials: np.ndarray = potentials) -> np.ndarray:
            # float64 holds these integers exactly (|values| < 2^53), and is faster here
            values = np.rint(np.asarray(total, np.float64) * ctx.options.scale)
            d = potentials.astype(np.float64)
            tail_d = np.broadcast_to(d[graph.p_node[rows]][:, None], values.shape)
            usable = np.broadcast_to(ctx.residual.needs_primary[rows][:, None], values.shape)
            if threshold is not None:
                usable = usable & (values >= threshold)
            if graph.l_node.size and (ctx.residual.slots[rows] > 0).any():
                label = ctx.label_matrix(rows)
                l_tail = graph.l_node[rows[:, None], np.maximum(label, 0)]
                tail_d = np.where(label >= 0, d[np.maximum(l_tail, 0)], tail_d)
                usable = np.where(label >= 0, l_tail >= 0, usable & (label < 0))
            reduced = tail_d - values - d[graph.mentor_node][None, :]
            bad = usable & (reduced < 0) & pruned
            if len(ctx.banned_keys):
                bad &= ctx.allowed_matrix(rows)
            return np.where(bad, -reduced, 0.0)

        found, _ = widen_with(problem, ctx.cands, reduced_cost_violation,
                              ctx.options.widen_per_mentee)
        ctx.stats["rounds"] = int(ctx.stats.get("rounds", 0)) + 1
        if found == 0:
            break
    else:
        ctx.stats["certified"] = False
    if sol.status != "optimal":
        raise RuntimeError(f"min-cost flow failed ({sol.status}); please report this cohort")
    chosen = np.nonzero(sol.chosen)[0]
    stats = {"lowest_primary_threshold": None if threshold is None
             else threshold / ctx.options.scale}
    return _Engine(chosen, sol.as_primary[chosen], "optimal", None, stats)


# ------------------------------------------------------------------------------ MIP engine

def _mip_input(ctx: _Context, pm: np.ndarray, pj: np.ndarray, ps: np.ndarray,
               threshold: int | None) -> mip.MipInput:
    r, values = ctx.residual, ctx.values(ps)
    primary_ok = np.ones(len(pm), bool) if threshold is None else values >= threshold
    return mip.MipInput(pm, pj, values / ctx.options.scale, primary_ok, r.needs_primary,
                        ctx.problem.network_size, r.slots, r.wants, ctx.problem.offers,
                        r.capacity, r.minimum)


def _solve_mip(ctx: _Context, fair: bool) -> _Engine | None:
    """The MIP engine; None when the model is too large or HiGHS finds nothing in time."""
    counts_at = _counts_function(ctx, networks_mip=True)
    threshold = _fair_threshold(ctx, counts_at) if fair else None
    deadline = time.perf_counter() + ctx.options.time_limit
    if ctx.residual.minimum.any():
        counts = mip.solve_counts(_mip_input(ctx, *ctx.usable(), threshold),
                                  ctx.options.time_limit)
        placed, short = counts.placed, counts.minimum_short
    else:
        placed, short = _certify_placements(ctx, threshold), 0
    pm, pj, ps = ctx.usable()
    if len(pm) == 0:
        return _Engine(np.zeros(0, np.int64), np.zeros(0, bool), "optimal", None)
    if len(pm) > ctx.options.mip_max_pairs:
        return None
    sol = mip.solve_score(_mip_input(ctx, pm, pj, ps, threshold), placed, short,
                          max(deadline - time.perf_counter(), 1.0))
    if sol.status not in ("optimal", "feasible"):
        return None
    chosen = np.nonzero(sol.chosen)[0]
    stats = {"mip_seconds": round(sol.wall_time, 3),
             "lowest_primary_threshold": None if threshold is None
             else threshold / ctx.options.scale}
    return _Engine(chosen, sol.as_primary[chosen], sol.status, sol.bound, stats)


def _networks_fallback(ctx: _Context, fair: bool) -> _Engine:
    """When the MIP is out of reach: exact primaries by flow (most placed, then best primary
    total, or the fair floor), then specialists added best score first wherever every rule
    still holds. Reported as ``feasible`` with an upper bound (each mentee's best scores)."""
    r, problem = ctx.residual, ctx.problem
    threshold = _fair_threshold(ctx, _counts_function(ctx, networks_mip=False)) if fair \
        else None
    pm, pj, ps = ctx.usable()
    inp = _flow_input(ctx, pm, pj, ps, threshold)
    inp = flow.FlowInput(**{**inp.__dict__, "slots": np.zeros_like(r.slots),
                            "pair_label": np.full(len(pm), -1)})
    sol = flow.solve_min_cost(inp)
    chosen = sol.chosen.copy()
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
    brings_any = (r.wants[pm] & problem.offers[pj]).any(axis=1)
    for k in np.nonzero(brings_any & ~chosen & (slots[pm] > 0))[0][np.argsort(
            -ps[brings_any & ~chosen & (slots[pm] > 0)], kind="stable")]:
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
    order = np.lexsort((-ps, pm))
    first = np.r_[0, np.nonzero(np.diff(pm[order]))[0] + 1] if len(pm) else np.zeros(0, int)
    rank = np.arange(len(pm)) - np.repeat(first, np.diff(np.r_[first, len(pm)]))
    limit = np.where(r.needs_primary[pm[order]], problem.network_size[pm[order]],
                     r.slots[pm[order]])
    bound = float(ps[order][rank < limit].sum())
    return _Engine(picked, sol.as_primary[picked], "feasible", bound,
                   {"lowest_primary_threshold": None if threshold is None
                    else threshold / ctx.options.scale},
                   ["The network model was too large for the MIP within the time limit: "
                    "primaries are optimal, specialists were added best score first. Raise "
                    "[solver] time_limit_seconds for a proven optimum."])


# --------------------------------------------------------------------------- stable engine

def _solve_stable(ctx: _Context) -> _Engine:
    problem, r = ctx.problem, ctx.residual
    total, eligible = problem.dense()
    eligible = eligible.copy()
    if len(r.banned):
        eligible[r.banned[:, 0], r.banned[:, 1]] = False
    inp = stable.StableInput(total, eligible, r.capacity, r.needs_primary, ctx.mentee_rank,
                             ctx.mentor_rank)
    prefs = stable.preferences(inp)
    match = stable.deferred_acceptance(inp, prefs)
    blocking = len(stable.blocking_pairs(inp, match, prefs))
    mentees = np.nonzero(match >= 0)[0]
    ctx.cands.add(mentees, match[mentees], total[mentees, match[mentees]])
    pm, pj, _ = ctx.usable()
    keys = pm * problem.n_mentors + pj
    chosen = np.nonzero(np.isin(keys, mentees * problem.n_mentors + match[mentees]))[0]
    messages = []
    if problem.has_networks:
        messages.append("Stable mode assigns primary mentors only; network specialists are "
                        "not added.")
    if problem.minimum.any():
        messages.append("Stable mode ignores minimum loads.")
    return _Engine(chosen, np.ones(len(chosen), bool), "optimal", None,
                   {"blocking_pairs": blocking}, messages)


# --------------------------------------------------------------------------------- roles

def _roles(ctx: _Context, members: dict[int, list[tuple[int, float, bool]]],
           locked_roles: dict[tuple[int, int], tuple[str, int]]) -> list[Assignment]:
    """Primary = best-scoring member whose removal leaves every other member a specialty of
    its own (locked roles stay as they are); each specialist covers its first own specialty."""
    problem = ctx.problem
    out: list[Assignment] = []
    for i in sorted(members, key=lambda i: ctx.mentee_rank[i]):
        team = sorted(members[i], key=lambda t: (-t[1], ctx.mentor_rank[t[0]]))
        mentors = [j for j, _, _ in team]
        own: dict[int, np.ndarray] = {}
        for j in mentors:
            others = np.zeros(len(problem.labels), bool)
            for k in mentors:
                if k != j:
                    others |= problem.offers[k]
            own[j] = problem.wants[i] & problem.offers[j] & ~others
        locked_primary = [j for j in mentors if locked_roles.get((i, j), ("",))[0] == "primary"]
        if locked_primary:
            primary = locked_primary[0]
        else:
            primary = next((j for j in mentors
                            if all(own[k].any() for k in mentors if k != j)), mentors[0])
        for j, score, locked in team:
            if j == primary:
                out.append(Assignment(i, j, "primary", None, float(score), locked))
                continue
            label = locked_roles.get((i, j), ("", -1))[1]
            if label < 0 and own[j].any():
                label = int(np.argmax(own[j]))
            covers = problem.labels[label] if label >= 0 else None
            out.append(Assignment(i, j, "specialist", covers, float(score), locked))
    return out


# ---------------------------------------------------------------------------------- solve

def _may_need_mip(problem: MatchProblem, objective: str) -> bool:
    """Whether some network mentee has a mentor bringing two of its specialties (ignoring
    eligibility, so it may say yes needlessly; the exact test runs with the scores)."""
    networks = problem.network_size > 1
    if not problem.labels or not networks.any():
        return False
    if objective == "fair":
        return True
    offers = problem.offers.T.astype(np.float32)
    wants = problem.wants[networks].astype(np.float32)
    return any(bool(((wants[k:k + 2000] @ offers) >= 2).any())
               for k in range(0, len(wants), 2000))


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
    prune = n * m > options.dense_pairs and options.objective != "stable"
    if prune and options.objective == "fair" and problem.minimum.any():
        prune = False  # threshold certificates below rely on max-flow cuts (no minimums)
    if prune and _may_need_mip(problem, options.objective):
        # Start from the MIP's (wider) k directly: one pass over the scorer saved.
        cands = collect_candidates(problem, options.mip_k_mentee, options.mip_k_mentor)
    else:
        cands = collect_candidates(problem, options.k_mentee if prune else None,
                                   options.k_mentor if prune else None)
    residual = apply_locks(problem, cands.lock_eligible)
    banned = np.unique(residual.banned[:, 0] * m + residual.banned[:, 1])
    ctx = _Context(problem, options, cands, residual, _rank(problem.mentee_ids),
                   _rank(problem.mentor_ids), banned,
                   {"k_mentee": options.k_mentee if prune else None,
                    "k_mentor": options.k_mentor if prune else None,
                    "eligible_pairs": cands.n_eligible})
    specialists = bool((residual.slots > 0).any()) and bool(problem.labels)
    if options.objective == "stable":
        engine_name, result = "deferred_acceptance", _solve_stable(ctx)
    elif not cands.multi_label and not (options.objective == "fair" and specialists):
        engine_name, result = "min_cost_flow", _solve_flow(ctx, options.objective == "fair")
    else:
        engine_name = "mip_highs"
        if n * m <= options.mip_dense_pairs and not cands.complete:
            ctx.cands = cands = collect_candidates(problem)
        elif n * m > options.mip_dense_pairs and cands.k_mentee != options.mip_k_mentee:
            ctx.cands = cands = collect_candidates(problem, options.mip_k_mentee,
                                                   options.mip_k_mentor)
        ctx.stats.update(k_mentee=cands.k_mentee, k_mentor=cands.k_mentor)
        fair = options.objective == "fair"
        result = _solve_mip(ctx, fair)
        if result is None:
            engine_name, result = "flow_then_greedy_specialists", _networks_fallback(ctx, fair)
            ctx.stats["certified"] = False
        k_mentee, k_mentor = options.mip_k_mentee, options.mip_k_mentor
        solves = [(k_mentee, round(time.perf_counter() - started, 2),
                   round(_engine_total(ctx, result), 4))]
        while engine_name == "mip_highs" and not ctx.cands.complete:
            # No dual certificate for the MIP: double k and solve again until the optimum
            # stops changing (or every eligible pair is in, or time runs out).
            first = _engine_total(ctx, result)
            k_mentee, k_mentor = 2 * k_mentee, 2 * k_mentor
            wide = _Context(problem, options, collect_candidates(problem, k_mentee, k_mentor),
                            residual, ctx.mentee_rank, ctx.mentor_rank, banned,
                            {**ctx.stats, "k_mentee": k_mentee, "k_mentor": k_mentor})
            wider = _solve_mip(wide, fair) if time.perf_counter() - started < \
                options.time_limit else None
            if wider is None:
                ctx.stats["certified"] = False
                ctx.stats["certificate"] = (f"k doubled to {k_mentee}/{k_mentor}: no answer in "
                                            f"time or model too large")
                break
            ctx, result = wide, wider
            same = abs(_engine_total(ctx, result) - first) < 1e-6
            solves.append((k_mentee, round(time.perf_counter() - started, 2),
                           round(_engine_total(ctx, result), 4)))
            ctx.stats["mip_solves"] = solves  # (k per mentee, seconds so far, total score)
            ctx.stats["certified"] = same or ctx.cands.complete
            ctx.stats["certificate"] = ("every eligible pair" if ctx.cands.complete else
                                        f"k doubled to {k_mentee}/{k_mentor}: same optimum"
                                        if same else "optimum still changing at the time limit")
            if same:
                break
    ctx.stats.setdefault("certified", True)
    ctx.stats["candidate_pairs"] = len(ctx.cands.mentee)
    return _assemble(ctx, result, engine_name, started, explain_ineligible)


def _engine_total(ctx: _Context, engine: _Engine) -> float:
    """Total score of the engine's new pairs (to compare two pruned solves)."""
    return float(ctx.usable()[2][engine.pairs].sum())


def _assemble(ctx: _Context, engine: _Engine, engine_name: str, started: float,
              explain_ineligible: Callable[[np.ndarray], dict[int, str]] | None
              ) -> SolverResult:
    problem, residual, cands = ctx.problem, ctx.residual, ctx.cands
    pm, pj, ps = ctx.usable()
    members: dict[int, list[tuple[int, float, bool]]] = {}
    locked_roles: dict[tuple[int, int], tuple[str, int]] = {}
    lock_scores = {(lk.mentee, lk.mentor): float(s)
                   for lk, s in zip(problem.locks, cands.lock_score, strict=True)}
    for i, j, role, label in residual.locked:
        members.setdefault(i, []).append((j, lock_scores[(i, j)], True))
        locked_roles[(i, j)] = (role, label)
    for k in engine.pairs:
        members.setdefault(int(pm[k]), []).append((int(pj[k]), float(ps[k]), False))
    assignments = _roles(ctx, members, locked_roles)
    load = np.bincount([a.mentor for a in assignments], minlength=problem.n_mentors)
    placed = np.zeros(problem.n_mentees, bool)
    placed[list(members)] = True
    unplaced = np.nonzero(~placed)[0]
    primary = {a.mentee: a.mentor for a in assignments if a.role == "primary"}
    team = {i: [j for j, _, _ in t] for i, t in members.items()}
    shortfall, messages = area_shortfall(problem, team)
    objective = float(sum(a.score for a in assignments))
    bound = objective if engine.bound_points is None else engine.bound_points + sum(
        lock_scores.values())
    gap = 0.0 if engine.status == "optimal" else abs(bound - objective) / max(abs(objective),
                                                                              1e-9)
    status = engine.status
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
    stats.update(engine.stats)
    stats.update({"placed": int(placed.sum()), "unplaced": len(unplaced),
                  "pairs": len(assignments),
                  "lowest_primary_score": min(primaries) if primaries else None})
    return SolverResult(
        assignments=assignments, status=status, objective=objective, bound=bound, gap=gap,
        wall_time=time.perf_counter() - started, engine=engine_name,
        unplaced=unplaced_reasons(problem, cands, unplaced, load, explain_ineligible),
        partial=partial_reasons(problem, cands, team, primary), shortfall=shortfall,
        stats=stats, messages=engine.messages + messages)
