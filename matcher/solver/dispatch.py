"""Solve a :class:`~matcher.solver.problem.MatchProblem`: pick the engine, fill a result.

Every engine has one signature, ``engine(ctx: Context) -> EngineResult``, and
:data:`ENGINES` is the one table :func:`solve` picks from, by objective and structure:

* ``total`` / ``fair`` where every mentor brings at most one of a network mentee's
  specialties → :func:`~matcher.solver.flow_engine.solve_flow` (min-cost flow; ``fair``
  first finds the highest primary-score floor that still places as many mentees, by binary
  search with max-flow);
* ``total`` where some mentor brings several, and ``fair`` with specialists →
  :func:`~matcher.solver.network_engine.solve_networks` (the relaxed flow, exact when its
  networks break no rule, else the MIP, else a repaired relaxed flow with its optimum as
  the bound; ``fair``: the MIP, lexicographic by stages, else the greedy fallback);
* ``stable`` → :func:`~matcher.solver.stable.solve_stable` (deferred acceptance, primaries
  only).

Scores are read once into a :class:`~matcher.solver.score_cache.ScoreCache`. Large cohorts
are pruned (:mod:`matcher.solver.candidates`) and every engine certifies its result against
every pruned-away eligible pair (:mod:`matcher.solver.certificates`: minimum cut, flow
potentials, LP pricing); ``stats["certificate"]`` says which proof applied.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from matcher.solver.candidates import Candidates, collect_candidates
from matcher.solver.context import Context, EngineResult, SolveOptions, rank_of
from matcher.solver.flow_engine import solve_flow
from matcher.solver.network_engine import solve_networks
from matcher.solver.network_rule import own_specialties
from matcher.solver.pair_keys import pair_keys
from matcher.solver.problem import MatchProblem, ProblemError, Residual, apply_locks
from matcher.solver.reasons import area_shortfall, partial_reasons, unplaced_reasons
from matcher.solver.result import Assignment, SolverResult, Status
from matcher.solver.score_cache import ScoreCache, build_cache
from matcher.solver.stable import solve_stable

__all__ = ["ENGINES", "OBJECTIVES", "Engine", "EngineRule", "SolveOptions", "solve"]

#: What every engine is: the solve's context in, the new pairs and their proof out.
Engine = Callable[[Context], EngineResult]

#: The model an engine solves, which sets how its candidates are pruned: ``flow`` (one
#: specialty per mentor and mentee), ``network`` (several, or ``fair`` with specialists:
#: the MIP's sizes), ``none`` (reads the score cache only, no candidates).
Model = Literal["flow", "network", "none"]


@dataclass(frozen=True)
class EngineRule:
    """One row of the engine table: for this objective and model, this engine."""

    objective: str
    model: Model
    engine: Engine


ENGINES: tuple[EngineRule, ...] = (
    EngineRule("total", "flow", solve_flow),
    EngineRule("total", "network", solve_networks),
    EngineRule("fair", "flow", solve_flow),
    EngineRule("fair", "network", solve_networks),
    EngineRule("stable", "none", solve_stable),
)

#: The objectives the solver accepts, in the table's order.
OBJECTIVES: tuple[str, ...] = tuple(dict.fromkeys(rule.objective for rule in ENGINES))


def solve(problem: MatchProblem, options: SolveOptions | None = None,
          explain_ineligible: Callable[[np.ndarray], dict[int, str]] | None = None,
          cache: ScoreCache | None = None) -> SolverResult:
    """Match mentees to mentor networks; see the module docstring for engines and proofs.

    ``explain_ineligible(mentee_indices)`` may return, per mentee, which rules excluded its
    mentors (the scorer knows; the solver only knows that none is eligible). ``cache``:
    ``problem``'s scores already read (:func:`~matcher.solver.score_cache.build_cache`, or
    a cache of the same cohort made ``problem``'s in place), else they are read here.
    """
    options = options or SolveOptions()
    started = time.perf_counter()
    if options.objective not in OBJECTIVES:
        raise ProblemError(f"Unknown objective {options.objective!r}: use one of "
                           f"{', '.join(OBJECTIVES)} (--objective or [solver] objective).")
    ctx, rule = prepare(problem, options, started, cache)
    stats = ctx.stats
    result = rule.engine(ctx)
    if rule.model == "none":
        stats.update(result.stats, k_mentee=None, k_mentor=None, certified=True)
    else:
        stats.setdefault("certified", True)
        stats.setdefault("certificate", "every eligible pair" if ctx.cands.complete else "")
        stats["candidate_pairs"] = len(ctx.cands.mentee)
        stats.update(result.stats)
    return _assemble(ctx, result, started, explain_ineligible)


def prepare(problem: MatchProblem, options: SolveOptions, started: float,
            cache: ScoreCache | None = None) -> tuple[Context, EngineRule]:
    """The solve's working context (scores read unless ``cache`` holds them, locks
    applied, first candidates) and the engine table's row for it; the deadline counts from
    ``started``."""
    m = problem.n_mentors
    if cache is None:
        cache = build_cache(problem, options.screen_dtype)
    assert cache.problem is problem, "a cache answers for the problem it was made for"
    residual = apply_locks(problem, cache.lock_eligible)
    banned = np.unique(pair_keys(residual.banned[:, 0], residual.banned[:, 1], m))
    ranks = rank_of(problem.mentee_ids), rank_of(problem.mentor_ids)
    stats: dict[str, object] = {"eligible_pairs": cache.n_eligible}
    stats["cache_seconds"] = round(time.perf_counter() - started, 4)
    rule = _pick(problem, options, cache, residual)
    cands = _candidates(rule.model, problem, options, cache, residual, stats)
    return Context(problem, options, cache, cands, residual, *ranks, banned, stats,
                   deadline=started + options.time_limit), rule


def _pick(problem: MatchProblem, options: SolveOptions, cache: ScoreCache,
          residual: Residual) -> EngineRule:
    """The table's row for this objective and problem: the network model where a mentor
    brings several of a network mentee's specialties, or ``fair`` has specialists to place
    (the fair floor needs the MIP there)."""
    specialists = bool((residual.slots > 0).any()) and bool(problem.labels)
    network = cache.multi_label or (options.objective == "fair" and specialists)
    return next(rule for rule in ENGINES if rule.objective == options.objective and (
        rule.model == "none" or (rule.model == "network") == network))


def _candidates(model: Model, problem: MatchProblem, options: SolveOptions, cache: ScoreCache,
                residual: Residual, stats: dict[str, object]) -> Candidates:
    """The engine's starting candidates: every eligible pair for small cohorts, else each
    side's top k (the flow's or the MIP's k); none for an engine without a model."""
    n, m = problem.n_mentees, problem.n_mentors
    if model == "none":
        return Candidates(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), n, m,
                          cache.n_eligible, None, None)
    k: tuple[int | None, int | None]
    if model == "network":
        # with minimum loads the flow stays certified; the MIP then reports certified false
        prune = n * m > options.mip_dense_pairs
        k = (options.mip_k_mentee, options.mip_k_mentor) if prune else (None, None)
    else:
        fair = options.objective == "fair"
        prune = n * m > options.dense_pairs and not (fair and residual.minimum.any())
        k = (options.k_mentee, options.k_mentor) if prune else (None, None)
    stats.update(k_mentee=k[0], k_mentor=k[1])
    return collect_candidates(cache, *k)


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
        own = dict(zip(mentors, own_specialties(problem.wants[i], problem.offers[mentors]),
                       strict=True))
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


def _assemble(ctx: Context, result: EngineResult, started: float,
              explain_ineligible: Callable[[np.ndarray], dict[int, str]] | None
              ) -> SolverResult:
    """Roles, reported scores (keep bonus removed), reasons and the proof, as a result."""
    status: Status = result.status
    problem, residual, cache = ctx.problem, ctx.residual, ctx.cache
    members: dict[int, list[tuple[int, float, bool]]] = {}
    locked_roles: dict[tuple[int, int], tuple[str, int]] = {}
    lock_i = np.array([i for i, _, _, _ in residual.locked], np.int64)
    lock_j = np.array([j for _, j, _, _ in residual.locked], np.int64)
    new_i = np.asarray(result.mentee, np.int64)
    new_j = np.asarray(result.mentor, np.int64)
    all_i, all_j = np.r_[lock_i, new_i], np.r_[lock_j, new_j]
    reported = cache.exact(all_i, all_j)
    bonus = cache.bonus(all_i, all_j)
    for k, (i, j, role, label) in enumerate(residual.locked):
        members.setdefault(i, []).append((j, float(reported[k]), True))
        locked_roles[(i, j)] = (role, label)
    offset = len(residual.locked)
    for k, (i, j) in enumerate(zip(new_i.tolist(), new_j.tolist(), strict=True)):
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
    bound_opt = optimised if result.bound_points is None else result.bound_points + float(
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
        wall_time=time.perf_counter() - started, engine=result.engine,
        unplaced=unplaced_reasons(problem, cache, unplaced, load, explain_ineligible),
        partial=partial_reasons(problem, cache, team, primary), shortfall=shortfall,
        stats=stats, messages=result.messages + messages)
