"""Mixed-integer model for networks whose mentors bring several of a mentee's specialties.

When a mentor can bring more than one specialty the mentee asked for, "each specialist brings
one that no other member brings" is no longer a flow constraint, so this module builds a MIP
over the candidate pairs and solves it with HiGHS through OR-Tools' ``model_builder`` (the
whole model is filled from one sparse matrix, no per-variable Python calls).

Variables, per candidate pair k = (i, j): ``x_k`` (j is in i's network), ``p_k`` (j is the
primary), ``y_ks`` (j is the specialist who brings specialty s); per mentee × specialty
``Y_is`` (someone brings s); per mentor ``short_j`` (minimum load not met). Constraints:

* ``x_k = p_k + Σ_s y_ks`` — a member is the primary or brings exactly one specialty;
* ``Σ_k∈i p_k ≤ 1`` and ``Σ_k∈i x_k ≤ n_i · Σ_k∈i p_k`` — one primary, no network without it;
* ``Y_is = Σ_j y_ijs ≤ 1`` and ``x_ik − y_iks + Y_is ≤ 1`` — once s is brought by a
  specialist, every member offering s must be that specialist;
* ``Σ_i x_ij ≤ capacity_j`` and ``Σ_i x_ij + short_j ≥ minimum_j``.

Objectives are lexicographic by stages, never by big weights (HiGHS works in floating point):
:func:`solve_counts` finds the best (minimum fill, placed) pair, :func:`solve_score` maximises
the total subject to it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from ortools.linear_solver.python import model_builder as mb


@dataclass(frozen=True)
class MipInput:
    """Candidate pairs (after locks) and the residual limits, as arrays."""

    pair_mentee: np.ndarray
    pair_mentor: np.ndarray
    pair_value: np.ndarray  # float, score points (already on the solver's grid)
    pair_primary_ok: np.ndarray  # bool
    needs_primary: np.ndarray  # (N,) bool
    network_size: np.ndarray  # (N,) int, members allowed for mentees needing a primary
    slots: np.ndarray  # (N,) int, specialists still open
    wants: np.ndarray  # (N, L) bool
    offers: np.ndarray  # (M, L) bool
    capacity: np.ndarray
    minimum: np.ndarray


@dataclass
class MipSolution:
    """What HiGHS returned: chosen pairs, primaries and the proof it gives."""

    status: str  # "optimal", "feasible", "infeasible", "no_solution"
    chosen: np.ndarray  # (P,) bool
    as_primary: np.ndarray  # (P,) bool
    objective: float
    bound: float
    wall_time: float
    minimum_short: int
    placed: int


@dataclass
class _Model:
    n_x: int
    p_cols: np.ndarray  # pair index of each p column
    y_pair: np.ndarray
    short_mentors: np.ndarray
    n_cols: int
    rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]]  # (row ids, col ids, coefs)
    row_lo: list[float]
    row_hi: list[float]

    def add_rows(self, row_of: np.ndarray, cols: np.ndarray, coefs: np.ndarray,
                 n_rows: int, lo: np.ndarray | float, hi: np.ndarray | float) -> int:
        first = len(self.row_lo)
        self.rows.append((first + np.asarray(row_of, np.int64), np.asarray(cols, np.int64),
                          np.asarray(coefs, np.float64)))
        self.row_lo.extend(np.broadcast_to(np.asarray(lo, np.float64), n_rows).tolist())
        self.row_hi.extend(np.broadcast_to(np.asarray(hi, np.float64), n_rows).tolist())
        return first


def _structure(inp: MipInput) -> tuple[_Model, np.ndarray, np.ndarray, np.ndarray]:
    """Columns and the constraint rows shared by both stages."""
    pm, pj = inp.pair_mentee, inp.pair_mentor
    n_pairs = len(pm)
    p_pairs = np.nonzero(inp.needs_primary[pm] & inp.pair_primary_ok)[0]
    can_specialise = inp.slots[pm] > 0
    brings = inp.wants[pm] & inp.offers[pj] & can_specialise[:, None]
    y_pair, y_label = np.nonzero(brings)
    is_i, is_s = np.unique(np.c_[pm[y_pair], y_label], axis=0).T if len(y_pair) else (
        np.zeros(0, np.int64), np.zeros(0, np.int64))
    short_mentors = np.nonzero(inp.minimum > 0)[0]
    p0 = n_pairs
    y0 = p0 + len(p_pairs)
    big_y0 = y0 + len(y_pair)
    mentees_p = np.unique(pm[p_pairs])
    z0 = big_y0 + len(is_i)
    s0 = z0 + len(mentees_p)
    n_cols = s0 + len(short_mentors)
    model = _Model(n_pairs, p_pairs, y_pair, short_mentors, n_cols, [], [], [])
    # x_k - p_k - sum_s y_ks = 0
    model.add_rows(np.r_[np.arange(n_pairs), p_pairs, y_pair],
                   np.r_[np.arange(n_pairs), p0 + np.arange(len(p_pairs)),
                         y0 + np.arange(len(y_pair))],
                   np.r_[np.ones(n_pairs), -np.ones(len(p_pairs) + len(y_pair))],
                   n_pairs, 0.0, 0.0)
    # z_i = sum of p (placed, <= 1); members only with a primary, at most n_i
    row_p = np.searchsorted(mentees_p, pm[p_pairs])
    model.add_rows(np.r_[row_p, np.arange(len(mentees_p))],
                   np.r_[p0 + np.arange(len(p_pairs)), z0 + np.arange(len(mentees_p))],
                   np.r_[np.ones(len(p_pairs)), -np.ones(len(mentees_p))],
                   len(mentees_p), 0.0, 0.0)
    with_p = np.isin(pm, mentees_p)
    row_x = np.searchsorted(mentees_p, pm[with_p])
    model.add_rows(np.r_[row_x, row_p], np.r_[np.nonzero(with_p)[0], p0 + np.arange(len(p_pairs))],
                   np.r_[np.ones(len(row_x)),
                         -inp.network_size[pm[p_pairs]].astype(np.float64)],
                   len(mentees_p), -np.inf, 0.0)
    locked_mentees = np.unique(pm[~inp.needs_primary[pm]])
    no_p = ~inp.needs_primary[pm]
    model.add_rows(np.searchsorted(locked_mentees, pm[no_p]), np.nonzero(no_p)[0],
                   np.ones(int(no_p.sum())), len(locked_mentees), -np.inf,
                   inp.slots[locked_mentees].astype(np.float64))
    # Y_is = sum_j y_ijs, and x_ik - y_iks + Y_is <= 1
    if len(y_pair):
        width = inp.wants.shape[1]
        key = pm[y_pair] * width + y_label
        y_row = np.searchsorted(is_i * width + is_s, key)
        model.add_rows(np.r_[np.arange(len(is_i)), y_row],
                       np.r_[big_y0 + np.arange(len(is_i)), y0 + np.arange(len(y_pair))],
                       np.r_[np.ones(len(is_i)), -np.ones(len(y_pair))], len(is_i), 0.0, 0.0)
        t = np.arange(len(y_pair))
        model.add_rows(np.r_[t, t, t], np.r_[y_pair, y0 + t, big_y0 + y_row],
                       np.r_[np.ones(len(t)), -np.ones(len(t)), np.ones(len(t))],
                       len(t), -np.inf, 1.0)
        # a specialist only in a placed mentee's network (tighter than the count row alone)
        y_z = np.searchsorted(mentees_p, pm[y_pair])
        has_z = (y_z < len(mentees_p)) & (mentees_p[np.minimum(y_z, len(mentees_p) - 1)]
                                          == pm[y_pair]) if len(mentees_p) else t < 0
        tz = t[has_z]
        model.add_rows(np.r_[np.arange(len(tz)), np.arange(len(tz))],
                       np.r_[y0 + tz, z0 + y_z[has_z]],
                       np.r_[np.ones(len(tz)), -np.ones(len(tz))], len(tz), -np.inf, 0.0)
    # mentor capacity and minimum load
    mentors = np.unique(pj)
    model.add_rows(np.searchsorted(mentors, pj), np.arange(n_pairs), np.ones(n_pairs),
                   len(mentors), -np.inf, inp.capacity[mentors].astype(np.float64))
    if len(short_mentors):
        has = np.isin(pj, short_mentors)
        rows = np.searchsorted(short_mentors, pj[has])
        model.add_rows(np.r_[rows, np.arange(len(short_mentors))],
                       np.r_[np.nonzero(has)[0], s0 + np.arange(len(short_mentors))],
                       np.ones(int(has.sum()) + len(short_mentors)), len(short_mentors),
                       inp.minimum[short_mentors].astype(np.float64), np.inf)
    lower = np.zeros(n_cols)
    upper = np.r_[np.ones(s0), inp.minimum[short_mentors].astype(np.float64)]
    integral = np.r_[np.ones(big_y0, bool), np.zeros(n_cols - big_y0, bool)]
    upper[:n_pairs][inp.needs_primary[pm] & ~with_p] = 0.0  # no possible primary: no network
    return model, lower, upper, integral


def _solve(inp: MipInput, objective: np.ndarray, extra_rows: list, time_limit: float,
           ) -> MipSolution:
    model, lower, upper, integral = _structure(inp)
    for cols, coefs, lo, hi in extra_rows(model):
        model.add_rows(np.zeros(len(cols), np.int64), cols, coefs, 1, lo, hi)
    row_ids = np.concatenate([r for r, _, _ in model.rows])
    col_ids = np.concatenate([c for _, c, _ in model.rows])
    coefs = np.concatenate([v for _, _, v in model.rows])
    matrix = sp.csr_matrix((coefs, (row_ids, col_ids)), shape=(len(model.row_lo), model.n_cols))
    builder = mb.Model()
    builder.helper.fill_model_from_sparse_data(lower, upper, objective(model),
                                               np.array(model.row_lo), np.array(model.row_hi),
                                               matrix)
    for col in np.nonzero(integral)[0]:
        builder.helper.set_var_integrality(int(col), True)
    builder.helper.set_maximize(True)
    solver = mb.Solver("highs")
    log = bool(os.environ.get("MENTORMATCH_SOLVER_LOG"))  # HiGHS progress on stdout, for tuning
    solver.enable_output(log)
    solver.set_time_limit_in_seconds(max(float(time_limit), 0.1))
    # Proven optimality to the score grid: no relative slack, absolute slack below one step.
    # HiGHS's presolve costs more than it saves on these models (measured: 2x slower).
    solver.set_solver_specific_parameters("mip_rel_gap=0\nmip_abs_gap=1e-6\nthreads=1\n"
                                          f"presolve=off\noutput_flag={str(log).lower()}")
    start = time.perf_counter()
    status = solver.solve(builder)
    elapsed = time.perf_counter() - start
    n_pairs = model.n_x
    name = {mb.SolveStatus.OPTIMAL: "optimal", mb.SolveStatus.FEASIBLE: "feasible",
            mb.SolveStatus.INFEASIBLE: "infeasible"}.get(status, "no_solution")
    if name not in ("optimal", "feasible"):
        empty = np.zeros(n_pairs, bool)
        return MipSolution(name, empty, empty, float("nan"), float("nan"), elapsed, 0, 0)
    values = np.asarray(solver.values(builder.get_variables()), np.float64)
    chosen = values[:n_pairs] > 0.5
    as_primary = np.zeros(n_pairs, bool)
    as_primary[model.p_cols] = values[n_pairs:n_pairs + len(model.p_cols)] > 0.5
    short = int(np.rint(values[model.n_cols - len(model.short_mentors):]).sum())
    return MipSolution(name, chosen, as_primary, float(solver.objective_value),
                       float(solver.best_objective_bound), elapsed, short,
                       int(as_primary.sum()))


def solve_counts(inp: MipInput, time_limit: float) -> MipSolution:
    """Stage 1: most minimum load filled, then most mentees placed (weights are exact:
    one more unit of minimum load outweighs every possible placement)."""
    weight = float(len(inp.needs_primary) + 1)

    def objective(model: _Model) -> np.ndarray:
        c = np.zeros(model.n_cols)
        c[model.n_x:model.n_x + len(model.p_cols)] = 1.0
        c[model.n_cols - len(model.short_mentors):] = -weight
        return c

    return _solve(inp, objective, lambda model: [], time_limit)


def solve_score(inp: MipInput, placed: int, short: int, time_limit: float) -> MipSolution:
    """Stage 2: highest total score with at least ``placed`` primaries and at most
    ``short`` units of minimum load missing."""

    def objective(model: _Model) -> np.ndarray:
        c = np.zeros(model.n_cols)
        c[:model.n_x] = inp.pair_value
        return c

    def extra(model: _Model) -> list:
        p = model.n_x + np.arange(len(model.p_cols))
        rows = [(p, np.ones(len(p)), float(placed), np.inf)]
        if len(model.short_mentors):
            s = model.n_cols - len(model.short_mentors) + np.arange(len(model.short_mentors))
            rows.append((s, np.ones(len(s)), -np.inf, float(short)))
        return rows

    return _solve(inp, objective, extra, time_limit)
