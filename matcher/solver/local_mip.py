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
from matcher.solver.context import Context, Selection


def local_networks(ctx: Context, relaxed: Selection, conflicts: np.ndarray,
                   threshold: int | None) -> Selection | None:
    """``relaxed``'s networks with those of ``conflicts`` (mentees) re-solved by the MIP
    (primaries at or above ``threshold`` points × scale when given, as many of them placed
    as the relaxed flow placed); None when minimum loads apply, the local model is larger
    than ``mip_max_pairs`` or HiGHS finds nothing in time."""
    r = ctx.residual
    if r.minimum.any():
        return None
    pm, pj, ps = ctx.usable()
    local = np.isin(pm, conflicts)
    kept = relaxed.pairs[~local[relaxed.pairs]]
    kept_primary = relaxed.as_primary[~local[relaxed.pairs]]
    idx = np.nonzero(local)[0]
    if len(idx) > ctx.options.mip_max_pairs:
        return None
    values = ctx.values(ps[idx])
    primary_ok = np.ones(len(idx), bool) if threshold is None else values >= threshold
    left = r.capacity - np.bincount(pj[kept], minlength=ctx.problem.n_mentors)
    inp = mip.MipInput(pm[idx], pj[idx], values / ctx.options.scale, primary_ok,
                       r.needs_primary, ctx.problem.network_size, r.slots, r.wants,
                       ctx.problem.offers, left, np.zeros_like(r.minimum))
    placed = int(np.isin(pm[relaxed.pairs[relaxed.as_primary]], conflicts).sum())
    sol = mip.solve_score(inp, placed, 0,
                          max(ctx.deadline - time.perf_counter(), 1.0))
    if sol.status not in ("optimal", "feasible"):
        return None
    pairs = np.r_[kept, idx[sol.chosen]]
    as_primary = np.r_[kept_primary, sol.as_primary[sol.chosen]]
    order = np.argsort(pairs)
    stats: dict[str, object] = {"local_mip": {
        "mentees": len(conflicts), "pairs": len(idx), "status": sol.status,
        "seconds": round(sol.wall_time, 3)}}
    return Selection(pairs[order], as_primary[order], "feasible", None, stats)
