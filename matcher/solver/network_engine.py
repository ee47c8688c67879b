"""The network engine: mentors who bring several of a mentee's specialties, beyond the flow.

:func:`solve_networks` (``total``) tries the relaxed flow first (its optimum is optimal when
it breaks no rule), then the whole MIP (:mod:`matcher.solver.mip_engine`) when the model is
small enough by size (:func:`mip_in_reach`, never by the clock). A larger model gets
networks by mentor prices (:mod:`matcher.solver.priced_engine`) with a certified gap to a
Lagrangian bound over every eligible pair; with few rule-breaking relaxed networks the local
MIP (:mod:`matcher.solver.local_mip`) also re-solves those, the better total kept. Where
prices do not apply (locks, minimum loads): the relaxed networks with the rule-breaking ones
re-solved by the local MIP, else repaired with specialists filled greedily, bounded by the
relaxed optimum (:func:`networks_fallback`). ``fair`` with specialists: the MIP, else the
same from the relaxed flow at the exact fair floor, else the greedy from exact primaries.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from matcher.solver.certificates import best_scores_bound, certify_placements
from matcher.solver.context import Context, EngineResult, Selection
from matcher.solver.flow_engine import conflicts as rule_conflicts
from matcher.solver.flow_engine import flow_selection
from matcher.solver.local_mip import LOCAL_BATCH, local_networks
from matcher.solver.mip_engine import LP_BOUND_KEY, mip_selection
from matcher.solver.network_rule import own_specialties
from matcher.solver.pair_keys import pair_keys
from matcher.solver.priced_engine import priced_selection


def greedy_networks(ctx: Context, start: Selection | None = None) -> Selection:
    """Specialists added best score first, wherever every rule still holds, to ``start``
    (valid networks) or else to exact primaries by flow (most placed, then best primary
    total, or the fair floor; certified like the flow engine): a good feasible network
    solution, fast."""
    r, problem = ctx.residual, ctx.problem
    engine = start
    if engine is None:
        primaries = dataclasses.replace(r, slots=np.zeros_like(r.slots))
        primary_ctx = dataclasses.replace(ctx, residual=primaries, _usable=None)
        engine = flow_selection(primary_ctx)
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
        pair, labels, primary = engine.copies
        for k, s in zip(pair[~primary & (labels >= 0)].tolist(),
                        labels[~primary & (labels >= 0)].tolist(), strict=True):
            covered.setdefault(int(pm[k]), set()).add(s)
            slots[pm[k]] -= 1
    brings_any = (r.wants[pm] & problem.offers[pj]).any(axis=1) & (slots[pm] > 0)
    open_pairs = np.nonzero(brings_any & ~chosen)[0]
    for k in open_pairs[np.argsort(-ps[open_pairs], kind="stable")]:
        i, j = int(pm[k]), int(pj[k])
        team = members.get(i)
        if not team or slots[i] <= 0 or load[j] >= problem.capacity[j] or j in team:
            continue
        own = np.nonzero(own_specialties(r.wants[i], problem.offers[team + [j]])[-1])[0]
        if not len(own) or any(problem.offers[j, c] for c in covered.get(i, ())):
            continue
        team.append(j)
        covered.setdefault(i, set()).add(int(own[0]))
        slots[i] -= 1
        load[j] += 1
        chosen[k] = True
    picked = np.nonzero(chosen)[0]
    return Selection(picked, as_primary[picked], "feasible", None, engine.stats)


def _repaired(ctx: Context, relaxed: Selection, conflicts: np.ndarray) -> Selection:
    """The relaxed flow's networks with the rule-breaking ones cut back to their primary."""
    pm = ctx.usable()[0]
    assert relaxed.copies is not None, "a flow selection keeps its arcs"
    pair, label, primary = relaxed.copies
    keep = primary | ~np.isin(pm[pair], conflicts)
    pairs, first = np.unique(pair[keep], return_index=True)
    engine = Selection(pairs, primary[keep][first], "feasible", None, dict(relaxed.stats))
    engine.copies = (pair[keep], label[keep], primary[keep])
    return engine


def networks_fallback(ctx: Context, relaxed: Selection | None = None,
                      conflicts: np.ndarray | None = None) -> Selection:
    """When the MIP is out of reach: the relaxed flow's networks with the rule-breaking ones
    re-solved by a local MIP (:func:`.local_mip.local_networks`), else repaired and filled
    by :func:`greedy_networks`; reported as ``feasible`` with an upper bound: the relaxed
    flow's optimum when it is certified, else each mentee's best scores."""
    certified = bool(ctx.stats.get("certified", True))
    engine = None
    how = "repaired greedily"
    if relaxed is not None and conflicts is not None:
        threshold = relaxed.stats.get("lowest_primary_threshold")
        old_pm, old_pj, _ = ctx.usable()
        engine = local_networks(ctx, relaxed, conflicts, None if threshold is None else
                                int(round(float(threshold) * ctx.options.scale)))  # type: ignore[arg-type]
        if engine is not None:
            how = "re-solved by a MIP with the other networks kept"
        else:
            _reindex(ctx, relaxed, old_pm, old_pj)  # the local MIP may have added pairs
            engine = greedy_networks(ctx, _repaired(ctx, relaxed, conflicts))
    else:
        engine = greedy_networks(ctx)
    if relaxed is not None and certified:
        bound = relaxed.value
        bound_how = "the flow relaxation's certified optimum"
    else:
        bound, bound_how = best_scores_bound(ctx), "each mentee's best scores"
    bound, bound_how = _tighter_lp_bound(ctx, bound, bound_how)
    ctx.stats["certified"] = False
    ctx.stats["certificate"] = (f"primaries and most networks: flow; "
                                f"{0 if conflicts is None else len(conflicts)} networks "
                                f"{how}; bound: {bound_how}")
    return Selection(engine.pairs, engine.as_primary, "feasible", bound, engine.stats,
                     [_fallback_message(how)])


#: rule-breaking networks of the relaxed flow up to which the local MIP is tried after the
#: prices too (one of its batches), the better total kept: few conflicts, a close start
LOCAL_AFTER_PRICES = LOCAL_BATCH
#: relative gap at which each local MIP batch after the prices stops (the prices' bound is
#: the certificate; the batch only has to find a better total)
LOCAL_GAP = 1e-4


def _total(ctx: Context, result: EngineResult) -> int:
    """The objective of an engine's pairs, on the solver's grid."""
    return int(ctx.values(ctx.cache.objective(result.mentee, result.mentor)).sum())


def mip_in_reach(ctx: Context) -> bool:
    """Whether the whole MIP is tried: decided by size (``SolveOptions.mip_max_eligible``,
    the eligible pairs of mentees with specialist places), never by the clock, so that a
    loaded machine decides as a quiet one does."""
    eligible = int(ctx.cache.eligible_count[ctx.residual.slots > 0].sum())
    ctx.stats["network_eligible_pairs"] = eligible
    return eligible <= ctx.options.mip_max_eligible


def _reindex(ctx: Context, relaxed: Selection, old_pm: np.ndarray, old_pj: np.ndarray
             ) -> None:
    """Point ``relaxed`` (pairs and arcs, chosen when the usable pairs were ``old_pm`` /
    ``old_pj``) at the same pairs among the current, possibly widened, usable pairs."""
    pm, pj, _ = ctx.usable()
    keys = pair_keys(pm, pj, ctx.problem.n_mentors)
    order = np.argsort(keys)

    def moved(index: np.ndarray) -> np.ndarray:
        old = pair_keys(old_pm[index], old_pj[index], ctx.problem.n_mentors)
        return np.asarray(order[np.searchsorted(keys[order], old)])

    relaxed.pairs = moved(relaxed.pairs)
    if relaxed.copies is not None:
        pair, label, primary = relaxed.copies
        relaxed.copies = (moved(pair), label, primary)


def _tighter_lp_bound(ctx: Context, bound: float, how: str) -> tuple[float, str]:
    """``bound``, or the whole MIP's LP bound over every pair when its column generation
    stopped early with a lower one (still a bound on every solution)."""
    lp_bound = ctx.stats.get(LP_BOUND_KEY)
    if isinstance(lp_bound, float) and lp_bound < bound:
        return lp_bound, ("the LP relaxation's bound over every pair (column generation "
                          "stopped before it converged)")
    return bound, how


def _fallback_message(how: str) -> str:
    return ("The network model was too large for the MIP (more candidate pairs than it "
            "takes, or not solved within [solver] time_limit_seconds): primaries are "
            "optimal, and so are the networks the relaxed flow got right; the others were "
            f"{how}. The bound and gap say how far from the optimum the total can be.")


def _fallback_engine(selection: Selection) -> str:
    """The fallback's engine name: whether a local MIP or the greedy fixed the networks."""
    return "flow_then_local_mip" if "local_mip" in selection.stats else \
        "flow_then_greedy_specialists"


def solve_networks(ctx: Context) -> EngineResult:
    """The network engine, for mentors who bring several of a mentee's specialties (and for
    ``fair`` with specialists). ``total``: the relaxed flow first; when its networks break
    no rule they are optimal. Else the MIP (models small enough by size), else networks by
    mentor prices (and the local MIP's when better), else the relaxed networks with the
    rule-breaking ones re-solved by a local MIP, with the relaxed optimum as the bound.
    ``fair``: the MIP, else the same from the relaxed flow at the fair floor."""
    if ctx.options.objective == "fair":
        chosen = mip_selection(ctx) if mip_in_reach(ctx) else None
        if chosen is not None:
            return chosen.result(ctx, "mip_highs")
        return _fair_fallback(ctx)
    relaxed_ctx = dataclasses.replace(ctx, stats={}, _usable=None)
    relaxed = flow_selection(relaxed_ctx)
    conflicts = rule_conflicts(relaxed_ctx, relaxed)
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
        return relaxed.result(ctx, "min_cost_flow")
    old_pm, old_pj, _ = ctx.usable()
    chosen = mip_selection(ctx) if mip_in_reach(ctx) else None
    if chosen is not None:
        return chosen.result(ctx, "mip_highs")
    priced = _priced(ctx, None, relaxed.value if certified else None,
                     "the flow relaxation's certified optimum")
    if priced is not None:
        return _local_after_prices(ctx, priced, relaxed, (old_pm, old_pj), conflicts, None)
    _reindex(ctx, relaxed, old_pm, old_pj)  # the MIP may have added candidates
    ctx.stats["certified"] = certified
    fallback = networks_fallback(ctx, relaxed, conflicts)
    return fallback.result(ctx, _fallback_engine(fallback))


def _fair_fallback(ctx: Context) -> EngineResult:
    """``fair`` when the MIP is out of reach: the relaxed flow at the fair floor (exact when
    its networks break no rule and every primary keeps the floor), else networks by mentor
    prices at the floor (and the local MIP's when better), else the relaxed networks with
    the others re-solved by a local MIP, else specialists added greedily to exact primaries;
    the relaxed flow's certified optimum bounds the total at that floor."""
    relaxed_ctx = dataclasses.replace(ctx, stats={}, _usable=None)
    relaxed = flow_selection(relaxed_ctx)
    pm, _, ps = ctx.usable()
    floor = relaxed.stats.get("lowest_primary_threshold")
    threshold = None if floor is None else int(round(float(floor) * ctx.options.scale))  # type: ignore[arg-type]
    primary = relaxed.pairs[relaxed.as_primary]
    below = pm[primary[ctx.values(ps[primary]) < (threshold or 0)]]
    conflicts = np.union1d(rule_conflicts(relaxed_ctx, relaxed), below)
    certified = bool(relaxed_ctx.stats.get("certified", True))
    ctx.stats["relaxation"] = {"value": round(relaxed.value, 5),
                               "networks_breaking_rules": len(conflicts),
                               "certified": certified}
    ctx.stats.update({k: v for k, v in relaxed_ctx.stats.items() if k != "certified"})
    if not len(conflicts):
        ctx.stats["certified"] = certified
        ctx.stats["certificate"] = ("flow relaxation at the fair floor (one arc per specialty "
                                    "a mentor brings) whose optimum breaks no rule")
        return relaxed.result(ctx, "min_cost_flow")
    old_pm, old_pj, _ = ctx.usable()
    priced = _priced(ctx, threshold, relaxed.value if certified else None,
                     "the flow relaxation's certified optimum at the floor")
    if priced is not None:
        return _local_after_prices(ctx, priced, relaxed, (old_pm, old_pj), conflicts,
                                   threshold)
    _reindex(ctx, relaxed, old_pm, old_pj)  # the placement check may have added candidates
    local = local_networks(ctx, relaxed, conflicts, threshold) if certified else None
    if local is None:
        fallback = networks_fallback(ctx)
        if certified and fallback.bound_points is not None and \
                relaxed.value < fallback.bound_points:
            fallback.bound_points = relaxed.value
            ctx.stats["certificate"] = ("fair floor: max-flow, exact; primaries: flow; "
                                        "specialists added greedily; bound: the flow "
                                        "relaxation's certified optimum at the floor")
        return fallback.result(ctx, "flow_then_greedy_specialists")
    bound, how = _tighter_lp_bound(ctx, relaxed.value, "the flow relaxation's certified "
                                   "optimum at the floor")
    ctx.stats["certified"] = False
    ctx.stats["certificate"] = (f"fair floor: max-flow, exact; networks: flow, "
                                f"{len(conflicts)} re-solved by a MIP with the other networks "
                                f"kept; bound: {how}")
    return Selection(local.pairs, local.as_primary, "feasible", bound, local.stats,
                     [_fallback_message("re-solved by a MIP with the other networks kept")]
                     ).result(ctx, "flow_then_local_mip")


def _local_after_prices(ctx: Context, priced: EngineResult, relaxed: Selection,
                        old: tuple[np.ndarray, np.ndarray], conflicts: np.ndarray,
                        threshold: int | None) -> EngineResult:
    """``priced``, or, when at most :data:`LOCAL_AFTER_PRICES` relaxed networks break a
    rule, the relaxed flow's networks with those re-solved by the local MIP if their total
    is higher (under the prices' bound, which holds for every solution). ``relaxed`` was
    chosen when the usable pairs were ``old``."""
    if len(conflicts) > LOCAL_AFTER_PRICES:
        return priced
    _reindex(ctx, relaxed, *old)  # the prices added candidates
    local = local_networks(ctx, relaxed, conflicts, threshold, relative_gap=LOCAL_GAP)
    if local is None or _total(ctx, local.result(ctx, "")) <= _total(ctx, priced):
        return priced
    ctx.stats["certificate"] = str(ctx.stats["certificate"]).replace(
        "networks by mentor prices", f"primaries and most networks: flow; {len(conflicts)} "
        f"networks re-solved by a MIP with the other networks kept")
    return Selection(local.pairs, local.as_primary, "feasible", priced.bound_points,
                     local.stats, priced.messages).result(ctx, "flow_then_local_mip")


def _priced(ctx: Context, threshold: int | None, relaxed_bound: float | None,
            relaxed_how: str) -> EngineResult | None:
    """The networks by mentor prices (:mod:`matcher.solver.priced_engine`), with the lowest
    of its bound, ``relaxed_bound`` and the whole MIP's LP bound; None when the prices do
    not apply (locks, minimum loads) or find no solution placing as many mentees."""
    if ctx.residual.locked or ctx.residual.minimum.any():
        return None
    placed = certify_placements(ctx, threshold)
    found = priced_selection(ctx, threshold, placed)
    if found is None:
        return None
    selection, bound = found
    how = "mentor prices (a Lagrangian bound) over every eligible pair"
    if relaxed_bound is not None and relaxed_bound < bound:
        bound, how = relaxed_bound, relaxed_how
    bound, how = _tighter_lp_bound(ctx, bound, how)
    ctx.stats["certified"] = False
    ctx.stats["certificate"] = (("fair floor: max-flow, exact; " if threshold is not None
                                 else "") + f"networks by mentor prices; bound: {how}")
    message = ("The network model was too large for the MIP (more candidate pairs than it "
               "takes, or not solved within [solver] time_limit_seconds): each mentee's best "
               "network at prices for every mentor's places, taken best first; the same "
               "prices bound every solution. The bound and gap say how far from the optimum "
               "the total can be.")
    return Selection(selection.pairs, selection.as_primary, "feasible", bound, {},
                     [message]).result(ctx, "priced_networks")
