"""The networks a relaxed flow got wrong, solved exactly with every other network kept.

When the network model is too large for the MIP, the relaxed flow (one arc per specialty a
mentor brings, :mod:`matcher.solver.flow_engine`) is still optimal for every mentee whose
network breaks no rule. :func:`local_networks` keeps those networks as they are and solves
the MIP (:mod:`matcher.solver.mip_model`) for the mentees whose networks break one, on their
candidate pairs and the places the kept networks leave: a few thousand pairs where the
whole model has millions. The result keeps every rule and places as many mentees; the
relaxed flow's certified optimum bounds how far it can be from the best total.
"""

from __future__ import annotations

import time

import numpy as np

from matcher.solver import mip_model as mip
from matcher.solver.candidates import add_pairs, best_per_row
from matcher.solver.context import Context, Selection
from matcher.solver.pair_keys import pair_keys
from matcher.solver.score_cache import chunks

#: best eligible pairs per re-solved mentee brought into the local model
LOCAL_PAIRS = 20
#: mentees re-solved per local MIP
LOCAL_BATCH = 200


def local_networks(ctx: Context, relaxed: Selection, conflicts: np.ndarray,
                   threshold: int | None, widenings: int = 3, relative_gap: float = 0.0
                   ) -> Selection | None:
    """``relaxed``'s networks with those of ``conflicts`` (mentees) re-solved by the MIP
    (primaries at or above ``threshold`` points × scale when given, as many of them placed
    as the relaxed flow placed), ``LOCAL_BATCH`` mentees at a time in id order (each batch
    keeps every other network as it stands, the batches before it re-solved): HiGHS
    closes a few hundred mentees' model in a second where a thousand mentees' can take
    longer than the time limit. With ``relative_gap`` each batch's MIP stops that close to
    its own bound (a caller holding another bound needs no proof from it). None when
    minimum loads apply, a batch's model grows beyond
    ``mip_max_pairs`` or HiGHS finds nothing in time (see :func:`_local_batch`)."""
    if ctx.residual.minimum.any():
        return None
    conflicts = np.asarray(conflicts, np.int64)
    ranked = conflicts[np.argsort(ctx.mentee_rank[conflicts], kind="stable")]
    current = relaxed
    done = {"mentees": 0, "batches": 0, "pairs": 0}
    seconds = 0.0
    for batch in np.array_split(ranked, max(1, -(-len(ranked) // LOCAL_BATCH))):
        found = _local_batch(ctx, current, batch, threshold, widenings, relative_gap)
        if found is None:
            return None
        current = found
        local = found.stats["local_mip"]
        assert isinstance(local, dict)
        done = {"mentees": done["mentees"] + local["mentees"], "batches": done["batches"] + 1,
                "pairs": done["pairs"] + local["pairs"]}
        seconds += float(found.stats["local_mip_seconds"])  # type: ignore[arg-type]
    # timings apart (a top-level "_seconds" key), so that run records stay reproducible
    return Selection(current.pairs, current.as_primary, "feasible", None,
                     {"local_mip": done, "local_mip_seconds": round(seconds, 3)})


def _local_batch(ctx: Context, relaxed: Selection, conflicts: np.ndarray,
                 threshold: int | None, widenings: int, relative_gap: float
                 ) -> Selection | None:
    """One batch of :func:`local_networks`. When its mentees cannot all be placed with the
    other networks as they are (a fair floor the relaxed flow's primary missed, and its
    mentors' places taken by specialists), the mentees using the mentors they could have
    as primary are re-solved with them, up to ``widenings`` times."""
    members = np.asarray(conflicts, np.int64)
    for _ in range(widenings + 1):
        relaxed = _with_best_pairs(ctx, relaxed, members)
        pm, pj, ps = ctx.usable()
        may_lead = np.ones(len(pm), bool) if threshold is None else \
            ctx.values(ps) >= threshold
        found = _solve_local(ctx, relaxed, members, may_lead, relative_gap)
        if found is not None or found is False:
            break
        # the mentors these mentees could have as primary: re-solve whoever uses them too
        local = np.isin(pm, members)
        wanted = np.unique(pj[local & may_lead])
        users = pm[relaxed.pairs[np.isin(pj[relaxed.pairs], wanted)]]
        grown = np.union1d(members, users)
        if len(grown) == len(members):
            break
        members = grown
    return found if isinstance(found, Selection) else None


def _with_best_pairs(ctx: Context, relaxed: Selection, members: np.ndarray) -> Selection:
    """Add each member's ``LOCAL_PAIRS`` best eligible pairs to the candidates (a pruned
    model may hold too few for a primary at the floor); ``relaxed`` re-indexed to match."""
    n = ctx.problem.n_mentors
    pm, pj, _ = ctx.usable()
    chosen = pair_keys(pm[relaxed.pairs], pj[relaxed.pairs], n)
    found_i, found_j = [], []
    for rows in chunks(np.sort(members)):
        scores = ctx.cache.approx[rows]
        amount = np.where(np.isfinite(scores), scores + np.float32(1.0), np.float32(0.0))
        bi, bj = best_per_row(rows, amount, LOCAL_PAIRS)
        found_i.append(bi)
        found_j.append(bj)
    if not found_i or not add_pairs(ctx.cache, ctx.cands, np.concatenate(found_i),
                                    np.concatenate(found_j)):
        return relaxed
    pm, pj, _ = ctx.usable()
    keys = pair_keys(pm, pj, n)
    order = np.argsort(keys)
    moved = order[np.searchsorted(keys[order], chosen)]
    return Selection(moved, relaxed.as_primary, relaxed.status, relaxed.bound_points,
                     relaxed.stats, relaxed.messages, value=relaxed.value)


def _local_pairs(pm: np.ndarray, ps: np.ndarray, local: np.ndarray, chosen: np.ndarray
                 ) -> np.ndarray:
    """The usable pairs of the re-solved mentees the local MIP gets: each one's
    ``LOCAL_PAIRS`` best by score and the pairs of its relaxed network (a feasible start)."""
    idx = np.nonzero(local)[0]
    order = idx[np.lexsort((-ps[idx], pm[idx]))]  # by mentee, best score first
    starts = np.searchsorted(pm[order], pm[order], side="left")
    best = order[np.arange(len(order)) - starts < LOCAL_PAIRS]
    return np.union1d(best, chosen[local[chosen]])


def _solve_local(ctx: Context, relaxed: Selection, members: np.ndarray,
                 may_lead: np.ndarray, relative_gap: float) -> Selection | None | bool:
    """The local MIP for ``members``; None when it is infeasible, False when it is too large
    or HiGHS found nothing in time (no use widening)."""
    r = ctx.residual
    pm, pj, ps = ctx.usable()
    local = np.isin(pm, members)
    kept = relaxed.pairs[~local[relaxed.pairs]]
    kept_primary = relaxed.as_primary[~local[relaxed.pairs]]
    idx = _local_pairs(pm, ps, local, relaxed.pairs)
    if len(idx) > ctx.options.mip_max_pairs:
        return False
    left = r.capacity - np.bincount(pj[kept], minlength=ctx.problem.n_mentors)
    inp = mip.MipInput(pm[idx], pj[idx], ctx.values(ps[idx]) / ctx.options.scale,
                       may_lead[idx], r.needs_primary, ctx.problem.network_size, r.slots,
                       r.wants, ctx.problem.offers, left, np.zeros_like(r.minimum))
    placed = int(np.isin(pm[relaxed.pairs[relaxed.as_primary]], members).sum())
    sol = mip.solve_score(inp, placed, 0, max(ctx.deadline - time.perf_counter(), 1.0),
                          relative_gap=relative_gap)
    if sol.status == "infeasible":
        return None
    if sol.status not in ("optimal", "feasible"):
        return False
    pairs = np.r_[kept, idx[sol.chosen]]
    as_primary = np.r_[kept_primary, sol.as_primary[sol.chosen]]
    order = np.argsort(pairs)
    stats: dict[str, object] = {"local_mip": {
        "mentees": len(members), "pairs": len(idx), "status": sol.status},
        "local_mip_seconds": round(sol.wall_time, 3)}
    return Selection(pairs[order], as_primary[order], "feasible", None, stats)
