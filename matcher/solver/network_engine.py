"""Networks where mentors bring several of a mentee's specialties, beyond the flow.

:func:`solve_networks` tries the relaxed flow first (its optimum is optimal when it breaks
no rule), then the MIP, and for models too large for the MIP keeps the relaxed networks,
repairs the ones breaking a rule and fills specialists greedily, with the relaxed optimum
as a certified upper bound (:func:`networks_fallback`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from matcher.solver.context import F32, Context, Engine, chunks
from matcher.solver.flow_engine import conflicts as rule_conflicts
from matcher.solver.flow_engine import solve_flow
from matcher.solver.mip_engine import solve_mip


def greedy_networks(ctx: Context, fair: bool, start: Engine | None = None) -> Engine:
    """Specialists added best score first, wherever every rule still holds, to ``start``
    (valid networks) or else to exact primaries by flow (most placed, then best primary
    total, or the fair floor; certified like the flow engine): a good feasible network
    solution, fast."""
    r, problem = ctx.residual, ctx.problem
    engine = start
    if engine is None:
        primaries = dataclasses.replace(r, slots=np.zeros_like(r.slots))
        primary_ctx = dataclasses.replace(ctx, residual=primaries, _usable=None)
        engine = solve_flow(primary_ctx, fair)
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
    return Engine(picked, as_primary[picked], "feasible", None, engine.stats)


def _repaired(ctx: Context, relaxed: Engine, conflicts: np.ndarray) -> Engine:
    """The relaxed flow's networks with the rule-breaking ones cut back to their primary."""
    pm = ctx.usable()[0]
    pair, label, primary = relaxed.copies
    keep = primary | ~np.isin(pm[pair], conflicts)
    pairs, first = np.unique(pair[keep], return_index=True)
    engine = Engine(pairs, primary[keep][first], "feasible", None, dict(relaxed.stats))
    engine.copies = (pair[keep], label[keep], primary[keep])
    return engine


def networks_fallback(ctx: Context, fair: bool, relaxed: Engine | None = None,
                       conflicts: np.ndarray | None = None) -> Engine:
    """When the MIP is out of reach: :func:`greedy_networks` (from the relaxed flow's
    networks, repaired, when there is one), reported as ``feasible`` with an upper bound:
    the relaxed flow's optimum when it is certified, else each mentee's best scores."""
    certified = bool(ctx.stats.get("certified", True))
    start = _repaired(ctx, relaxed, conflicts) if relaxed is not None else None
    engine = greedy_networks(ctx, fair, start)
    if relaxed is not None and certified:
        bound = relaxed.value
        how = "the flow relaxation's certified optimum"
    else:
        bound, how = best_scores_bound(ctx), "each mentee's best scores"
    ctx.stats["certified"] = False
    ctx.stats["certificate"] = (f"primaries and most networks: flow; "
                                f"{0 if conflicts is None else len(conflicts)} networks "
                                f"repaired greedily; bound: {how}")
    return Engine(engine.pairs, engine.as_primary, "feasible", bound, engine.stats,
                   ["The network model was too large for the MIP within the time limit: "
                    "primaries are optimal, specialists were added best score first; the "
                    "bound and gap say how far from the optimum the total can be. Raise "
                    "[solver] time_limit_seconds or mip_max_pairs for a proven optimum."])


def solve_networks(ctx: Context, deadline: float) -> tuple[str, Engine]:
    """Networks where a mentor may bring several of a mentee's specialties: the relaxed
    flow first (:func:`solve_flow`); when its networks break no rule they are optimal.
    Else the MIP (small enough models), else the relaxed networks repaired, with the relaxed
    optimum as the bound."""
    relaxed_ctx = dataclasses.replace(ctx, stats={}, _usable=None)
    relaxed = solve_flow(relaxed_ctx, fair=False)
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
        return "min_cost_flow", relaxed
    old_pm, old_pj, _ = ctx.usable()
    result = solve_mip(ctx, False, deadline)
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
    return "flow_then_greedy_specialists", networks_fallback(ctx, False, relaxed, conflicts)


def best_scores_bound(ctx: Context) -> float:
    """An upper bound on the total of new pairs, over every eligible pair: each mentee's
    best scores, as many as it has places (capacities ignored)."""
    r, scale = ctx.residual, ctx.options.scale
    places = np.where(r.needs_primary, ctx.problem.network_size, r.slots)
    most = int(places.max(initial=0))
    total = 0.0
    for rows in chunks(np.nonzero(places > 0)[0]):
        scores = np.where(ctx.pruned_mask(rows) | ctx.cands.mask(rows), ctx.cache.approx[rows],
                          -np.inf)
        top = -np.partition(-scores, min(most, scores.shape[1]) - 1, axis=1)[:, :most]
        top = -np.sort(-top, axis=1)
        use = (np.arange(top.shape[1])[None, :] < places[rows][:, None]) & np.isfinite(top)
        # float32 rounding: add a margin so the bound stays an upper bound
        total += float((top.astype(np.float64) * (1 + F32) + 1.0 / scale)[use].sum())
    return total
