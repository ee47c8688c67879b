"""Network-flow engines (OR-Tools ``SimpleMinCostFlow`` / ``SimpleMaxFlow``), built from arrays.

The graph, with nodes numbered in id order so equal-score ties always resolve the same way::

    source ─(1, −B)→ P_i ─────────────(1, −score)→ mentor j ─(minimum, −Bmin)→ sink
       │               └→ L_in(i,s) ─(1)→ L_out(i,s) ─(1, −score)→ ┘  └(rest, 0)→ sink
       └─(slots_i, 0)→ S_i ──┘

``P_i`` places mentee ``i`` (its primary); ``S_i`` feeds up to ``slots_i`` specialists; one
``L(i,s)`` node pair per mentee × specialty lets at most one network member bring specialty
``s`` — exact when every mentor brings at most one of the mentee's specialties. Mentors
without one of the mentee's specialties can only be the primary (arc straight from ``P_i``).

Lexicographic objectives by bonuses, exactly: the difference of two integral flows splits
into simple residual cycles, and a simple cycle passes the source and the sink once, so it
changes the placed count and the minimum-load fill by at most one each while its score
change is at most ``D = 2 · mentors · max_score``. Hence with ``B > D`` and
``Bmin > B + D`` the min-cost flow is lexicographically optimal: minimum loads first, then
placed mentees, then total score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from matcher.solver.pair_keys import pair_keys

INT64_SAFE = 2**62


@dataclass(frozen=True)
class FlowInput:
    """A flow-structured matching instance over candidate pairs (indices, not ids)."""

    mentee_rank: np.ndarray  # (N,) position of each mentee in id order
    mentor_rank: np.ndarray  # (M,) position of each mentor in id order
    pair_mentee: np.ndarray  # (P,) int
    pair_mentor: np.ndarray  # (P,) int
    pair_value: np.ndarray  # (P,) int64 scaled score (>= 0)
    pair_label: np.ndarray  # (P,) int, -1 = brings none of the mentee's specialties
    pair_primary_ok: np.ndarray  # (P,) bool, may be the primary (fair-mode threshold)
    needs_primary: np.ndarray  # (N,) bool
    slots: np.ndarray  # (N,) int specialist slots
    wants: np.ndarray  # (N, L) bool specialties each mentee may still receive
    capacity: np.ndarray  # (M,) int
    minimum: np.ndarray  # (M,) int
    active: np.ndarray | None = None  # (N,) bool mentees given source arcs (default: with
    #   candidate pairs); pass "has any eligible mentor" so pruned graphs keep every node
    use_scores: bool = True  # False: only minimum fill and placements count
    #: placement bonus per mentee; None = the worst-case bonuses that make the flow
    #: lexicographic by construction. A smaller bonus (e.g. the best pair's value + 1) makes
    #: the solve faster and is exact whenever the flow then places the known maximum
    #: (a flow placing the maximum and minimising -bonus·placed - score has the best score
    #: among all maximum placements); the caller checks that.
    bonus: int | None = None


@dataclass
class FlowGraph:
    """The arcs of one instance and the node / arc positions needed to read a solution."""

    tails: np.ndarray
    heads: np.ndarray
    capacities: np.ndarray
    costs: np.ndarray
    supply: int
    n_nodes: int
    pair_arc: np.ndarray  # (P,) arc index of each candidate pair, -1 when not in the graph
    pair_tail: np.ndarray  # (P,) tail node of each pair arc (-1 when not in the graph)
    primary_l_arc: np.ndarray  # (N, L) arc P_i -> L_in(i, s), -1 when absent
    l_node: np.ndarray  # (N, L) node L_out(i, s), -1 when absent
    p_node: np.ndarray  # (N,) node of P_i
    mentor_node: np.ndarray  # (M,)
    bonus: int
    minimum_bonus: int


@dataclass
class FlowSolution:
    """Chosen pairs and what the flow proved."""

    status: str  # "optimal" or "infeasible"/an OR-Tools status name
    chosen: np.ndarray  # (P,) bool
    as_primary: np.ndarray  # (P,) bool: the pair carries the mentee's placement unit
    minimum_filled: int
    placed: int
    value: int  # sum of scaled scores of chosen pairs
    graph: FlowGraph
    flows: np.ndarray  # flow per arc


def _bonuses(inp: FlowInput) -> tuple[int, int]:
    max_value = int(inp.pair_value.max()) if inp.use_scores and len(inp.pair_value) else 0
    largest_cycle_change = 2 * len(inp.capacity) * max_value
    bonus = largest_cycle_change + 1 if inp.bonus is None else int(inp.bonus)
    return bonus, bonus + largest_cycle_change + 1


def build_graph(inp: FlowInput) -> FlowGraph:
    """Lay out nodes and arcs as numpy arrays (see the module docstring)."""
    n, m = len(inp.needs_primary), len(inp.capacity)
    bonus, minimum_bonus = _bonuses(inp)
    source, sink = 0, 1
    p_node = 2 + np.asarray(inp.mentee_rank, np.int64)
    mentor_node = 2 + n + np.asarray(inp.mentor_rank, np.int64)
    next_node = 2 + n + m
    order = np.argsort(inp.mentee_rank, kind="stable")  # mentees in id order
    has_pairs = (np.bincount(inp.pair_mentee, minlength=n) > 0 if inp.active is None
                 else np.asarray(inp.active, bool))
    slots = np.where(has_pairs, inp.slots, 0)
    with_slots = order[slots[order] > 0]
    s_node = np.full(n, -1, np.int64)
    s_node[with_slots] = next_node + np.arange(len(with_slots))
    next_node += len(with_slots)
    l_i, l_s = np.nonzero(inp.wants[with_slots])  # rows follow id order
    l_mentee = with_slots[l_i]
    l_in = next_node + 2 * np.arange(len(l_mentee))
    l_out = l_in + 1
    next_node += 2 * len(l_mentee)
    l_lookup = np.full(inp.wants.shape, -1, np.int64)  # (mentee, label) -> L pair number
    l_lookup[l_mentee, l_s] = np.arange(len(l_mentee))

    tails: list[np.ndarray] = []
    heads: list[np.ndarray] = []
    caps: list[np.ndarray] = []
    costs: list[np.ndarray] = []

    def add(t: np.ndarray, h: np.ndarray, c: np.ndarray | int, w: np.ndarray | int
            ) -> np.ndarray:
        start = sum(len(x) for x in tails)
        tails.append(np.asarray(t, np.int64))
        heads.append(np.asarray(h, np.int64))
        caps.append(np.broadcast_to(np.asarray(c, np.int64), len(tails[-1])))
        costs.append(np.broadcast_to(np.asarray(w, np.int64), len(tails[-1])))
        return start + np.arange(len(tails[-1]))

    placeable = order[inp.needs_primary[order] & has_pairs[order]]
    add(np.full(len(placeable), source), p_node[placeable], 1, -bonus)
    add(np.full(len(with_slots), source), s_node[with_slots], slots[with_slots], 0)
    primary_to_l = inp.needs_primary[l_mentee]
    p_l_arcs = add(p_node[l_mentee[primary_to_l]], l_in[primary_to_l], 1, 0)
    primary_l_arc = np.full(inp.wants.shape, -1, np.int64)  # (mentee, label) -> P_i->L arc
    primary_l_arc[l_mentee[primary_to_l], l_s[primary_to_l]] = p_l_arcs
    add(s_node[l_mentee], l_in, 1, 0)
    add(l_in, l_out, 1, 0)

    # Pair arcs, in (mentee id, mentor id) order.
    pm, pj = inp.pair_mentee, inp.pair_mentor
    # one int64 key, stable: already-sorted input (the usual case) costs a single pass
    pair_order = np.argsort(pair_keys(inp.mentee_rank[pm], inp.mentor_rank[pj], m), kind="stable")
    tail = np.full(len(pm), -1, np.int64)
    direct = (inp.pair_label < 0) | (slots[pm] == 0)
    direct_ok = direct & inp.needs_primary[pm] & inp.pair_primary_ok
    tail[direct_ok] = p_node[pm[direct_ok]]
    labelled = ~direct
    if labelled.any():
        keys = l_lookup[pm[labelled], inp.pair_label[labelled]]
        tail[labelled] = np.where(keys >= 0, l_out[np.maximum(keys, 0)], -1)
    in_graph = pair_order[tail[pair_order] >= 0]
    pair_arc = np.full(len(pm), -1, np.int64)
    value = inp.pair_value if inp.use_scores else np.zeros_like(inp.pair_value)
    pair_arc[in_graph] = add(tail[in_graph], mentor_node[pj[in_graph]], 1,
                             -np.asarray(value[in_graph], np.int64))

    mentors = np.argsort(inp.mentor_rank, kind="stable")
    minimum = np.minimum(inp.minimum, inp.capacity)[mentors]
    rest = (inp.capacity[mentors] - minimum)
    add(mentor_node[mentors][minimum > 0], np.full(int((minimum > 0).sum()), sink),
        minimum[minimum > 0], -minimum_bonus)
    add(mentor_node[mentors][rest > 0], np.full(int((rest > 0).sum()), sink), rest[rest > 0], 0)
    supply = int(len(placeable) + slots[with_slots].sum())
    add(np.array([source]), np.array([sink]), supply, 0)

    t, h = np.concatenate(tails), np.concatenate(heads)
    c, w = np.concatenate(caps), np.concatenate(costs)
    if len(w) and int(np.abs(w).max()) * 4 * (next_node + 1) > INT64_SAFE:
        raise OverflowError("score scale too large for this instance; lower the scale")
    l_node = np.where(l_lookup >= 0, l_out[np.maximum(l_lookup, 0)] if len(l_out) else -1, -1)
    return FlowGraph(t, h, c, w, supply, next_node, pair_arc, tail, primary_l_arc, l_node,
                     p_node, mentor_node, bonus, minimum_bonus)


def solve_min_cost(inp: FlowInput) -> FlowSolution:
    """Solve the lexicographic (minimum fill, placed, score) problem exactly."""
    graph = build_graph(inp)
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(graph.tails.astype(np.int32),
                                             graph.heads.astype(np.int32),
                                             graph.capacities, graph.costs)
    mcf.set_nodes_supplies(np.array([0, 1], np.int32),
                           np.array([graph.supply, -graph.supply], np.int64))
    status = mcf.solve()
    n_pairs = len(inp.pair_mentee)
    if status != mcf.OPTIMAL:
        empty = np.zeros(n_pairs, bool)
        return FlowSolution(str(status).rsplit(".", 1)[-1].lower(), empty, empty, 0, 0, 0,
                            graph, np.zeros(len(graph.tails), np.int64))
    flows = np.asarray(mcf.flows(np.arange(len(graph.tails), dtype=np.int32)), np.int64)
    chosen = np.zeros(n_pairs, bool)
    present = graph.pair_arc >= 0
    chosen[present] = flows[graph.pair_arc[present]] > 0
    as_primary = chosen & (graph.pair_tail == graph.p_node[inp.pair_mentee])
    # A labelled pair carries the placement when its P_i -> L(i, s) arc has flow.
    labelled = np.nonzero(chosen & ~as_primary)[0]
    arcs = graph.primary_l_arc[inp.pair_mentee[labelled], inp.pair_label[labelled]]
    as_primary[labelled] = (arcs >= 0) & (flows[np.maximum(arcs, 0)] > 0)
    load = np.bincount(inp.pair_mentor[chosen], minlength=len(inp.capacity))
    minimum_filled = int(np.minimum(load, np.minimum(inp.minimum, inp.capacity)).sum())
    value = int(inp.pair_value[chosen].sum())
    return FlowSolution("optimal", chosen, as_primary, minimum_filled, int(as_primary.sum()),
                        value, graph, flows)


def residual_potentials(graph: FlowGraph, flows: np.ndarray,
                        max_rounds: int = 5000) -> np.ndarray | None:
    """Shortest distances in the residual graph from a virtual root (Bellman–Ford, numpy).

    Optimal flows have no negative residual cycle, so these are valid node potentials: every
    residual arc has reduced cost ``cost + d[tail] - d[head] >= 0``. Returns None when the
    rounds run out (no certificate then). Hand-written because OR-Tools does not expose its
    flow's potentials and SciPy's ``bellman_ford`` runs every pass without stopping early
    (about 100x slower on a 10,000 x 2,000 round).
    """
    forward = flows < graph.capacities
    backward = flows > 0
    tails = np.concatenate([graph.tails[forward], graph.heads[backward]])
    heads = np.concatenate([graph.heads[forward], graph.tails[backward]])
    costs = np.concatenate([graph.costs[forward], -graph.costs[backward]])
    # group arcs by head; node numbers fit 16 bits up to 65,535 nodes, where numpy's stable
    # sort is a radix sort (5x faster than on int64)
    key = heads.astype(np.uint16) if graph.n_nodes <= np.iinfo(np.uint16).max else heads
    order = np.argsort(key, kind="stable")
    tails, heads, costs = tails[order], heads[order], costs[order]
    starts = np.nonzero(np.r_[True, heads[1:] != heads[:-1]])[0] if len(heads) else \
        np.zeros(0, np.int64)
    unique_heads = heads[starts]
    dist = np.zeros(graph.n_nodes, np.int64)
    for _ in range(max_rounds):
        best = np.minimum.reduceat(dist[tails] + costs, starts) if len(starts) else starts
        improved = best < dist[unique_heads]
        if not improved.any():
            return dist
        dist[unique_heads[improved]] = best[improved]
    return None


def max_placements(n_mentees: int, capacity: np.ndarray, pair_mentee: np.ndarray,
                   pair_mentor: np.ndarray, needs_primary: np.ndarray
                   ) -> tuple[int, np.ndarray]:
    """Most mentees that can get a primary over the given pairs (``SimpleMaxFlow``).

    Returns the flow value and, per node, whether it lies on the source side of a minimum
    cut (nodes: 0 source, 1 sink, 2.. mentees, then mentors) — the certificate that no other
    pair could raise the count unless it runs from a source-side mentee to a sink-side mentor.
    """
    m = len(capacity)
    source, sink = 0, 1
    keep = needs_primary[pair_mentee]
    tails = np.concatenate([np.zeros(n_mentees, np.int64), 2 + pair_mentee[keep],
                            2 + n_mentees + np.arange(m)])
    heads = np.concatenate([2 + np.arange(n_mentees), 2 + n_mentees + pair_mentor[keep],
                            np.full(m, sink)])
    caps = np.concatenate([needs_primary.astype(np.int64), np.ones(int(keep.sum()), np.int64),
                           np.asarray(capacity, np.int64)])
    solver = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(tails.astype(np.int32), heads.astype(np.int32), caps)
    status = solver.solve(source, sink)
    if status != solver.OPTIMAL:
        raise RuntimeError(f"max flow failed: {status}")
    side = np.zeros(2 + n_mentees + m, bool)
    side[np.asarray(solver.get_source_side_min_cut(), np.int64)] = True
    return int(solver.optimal_flow()), side
