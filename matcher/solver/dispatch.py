"""Solve a :class:`~matcher.solver.problem.MatchProblem`: pick the engine, fill a result.

Dispatch by objective and structure:

* ``stable`` → :mod:`matcher.solver.stable` (deferred acceptance, primaries only);
* ``total`` / ``fair`` where every mentor brings at most one of a network mentee's
  specialties → :mod:`matcher.solver.flow_engine` (min-cost flow; ``fair`` first finds the highest
  primary-score floor that still places as many mentees, by binary search with max-flow);
* ``total`` where some mentor brings several → :mod:`matcher.solver.network_engine` (the
  relaxed flow, exact when its networks break no rule, else the MIP, else a repaired
  relaxed flow with its optimum as the bound);
* ``fair`` with specialists → :mod:`matcher.solver.mip_engine` (HiGHS), lexicographic by stages.

Scores are read once into a :class:`~matcher.solver.candidates.ScoreCache`. Large cohorts are pruned
(:mod:`matcher.solver.candidates`) and every engine certifies its result against every pruned-away
eligible pair (minimum cut, flow potentials, LP pricing); ``stats["certificate"]`` says
which proof applied.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from matcher.solver import stable
from matcher.solver.candidates import Candidates, build_cache, collect_candidates
from matcher.solver.context import Context, SolveOptions, rank_of
from matcher.solver.flow_engine import solve_flow
from matcher.solver.mip_engine import solve_mip
from matcher.solver.network_engine import networks_fallback, solve_networks
from matcher.solver.problem import MatchProblem, ProblemError, apply_locks
from matcher.solver.reasons import area_shortfall, partial_reasons, unplaced_reasons
from matcher.solver.result import Assignment, SolverResult

__all__ = ["OBJECTIVES", "SolveOptions", "solve"]

OBJECTIVES: tuple[str, ...] = ("total", "fair", "stable")


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
        raise ProblemError(f"Unknown objective {options.objective!r}: use one of "
                         f"{', '.join(OBJECTIVES)} (--objective or [solver] objective).")
    n, m = problem.n_mentees, problem.n_mentors
    cache = build_cache(problem)
    residual = apply_locks(problem, cache.lock_eligible)
    banned = np.unique(residual.banned[:, 0] * m + residual.banned[:, 1])
    ranks = rank_of(problem.mentee_ids), rank_of(problem.mentor_ids)
    stats: dict[str, object] = {"eligible_pairs": cache.n_eligible}
    stats["cache_seconds"] = round(time.perf_counter() - started, 4)
    if options.objective == "stable":
        empty = Candidates(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), n, m,
                           cache.n_eligible, None, None)
        ctx = Context(problem, options, cache, empty, residual, *ranks, banned, stats)
        pairs, extra, messages = _solve_stable(ctx)
        stats.update(extra, k_mentee=None, k_mentor=None, certified=True)
        return _assemble(ctx, pairs, "optimal", None, "deferred_acceptance", started,
                         explain_ineligible, messages)
    specialists = bool((residual.slots > 0).any()) and bool(problem.labels)
    use_mip = cache.multi_label or (options.objective == "fair" and specialists)
    fair = options.objective == "fair"
    if use_mip:
        # with minimum loads the flow stays certified; the MIP then reports certified false
        prune = n * m > options.mip_dense_pairs
        k = (options.mip_k_mentee, options.mip_k_mentor) if prune else (None, None)
    else:
        prune = n * m > options.dense_pairs and not (fair and residual.minimum.any())
        k = (options.k_mentee, options.k_mentor) if prune else (None, None)
    cands = collect_candidates(cache, *k)
    stats.update(k_mentee=k[0], k_mentor=k[1])
    ctx = Context(problem, options, cache, cands, residual, *ranks, banned, stats)
    deadline = started + options.time_limit
    if not use_mip:
        engine_name, result = "min_cost_flow", solve_flow(ctx, fair)
    elif fair:  # the fair floor cannot be kept by a relaxed flow's primaries
        engine_name, result = "mip_highs", solve_mip(ctx, fair, deadline)
        if result is None:
            engine_name, result = "flow_then_greedy_specialists", networks_fallback(ctx, fair)
    else:
        engine_name, result = solve_networks(ctx, deadline)
    stats.setdefault("certified", True)
    stats.setdefault("certificate", "every eligible pair" if ctx.cands.complete else "")
    stats["candidate_pairs"] = len(ctx.cands.mentee)
    pm, pj, ps = ctx.usable()
    pairs = list(zip(pm[result.pairs].tolist(), pj[result.pairs].tolist(),
                     ps[result.pairs].tolist(), strict=True))
    stats.update(result.stats)
    return _assemble(ctx, pairs, result.status, result.bound_points, engine_name, started,
                     explain_ineligible, result.messages)


def _solve_stable(ctx: Context) -> tuple[list[tuple[int, int, float]], dict, list[str]]:
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


def _roles(ctx: Context, members: dict[int, list[tuple[int, float, bool]]],
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


def _assemble(ctx: Context, pairs: list[tuple[int, int, float]], status: str,
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
