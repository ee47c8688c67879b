"""Mixed-integer model for networks whose mentors bring several of a mentee's specialties.

When a mentor can bring more than one specialty the mentee asked for, "each specialist brings
one that no other member brings" is no longer a flow constraint, so this module builds a MIP
over the candidate pairs and solves it with HiGHS through OR-Tools' ``model_builder_helper``
(the whole model is filled from one sparse matrix, no per-variable Python calls). The helper
is the C++ model that ``model_builder.Model`` wraps; the wrapper itself is not imported
because it imports pandas (about a third of ``match``'s import time on the sample).

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
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from ortools.linear_solver.python import model_builder_helper as mbh


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
    # where the rows that pricing reads start (see :func:`solve_lp_prices`)
    marks: dict[str, tuple[int, np.ndarray]] = field(default_factory=dict)

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
    model.marks["z"] = (len(model.row_lo), mentees_p)
    model.add_rows(np.r_[row_p, np.arange(len(mentees_p))],
                   np.r_[p0 + np.arange(len(p_pairs)), z0 + np.arange(len(mentees_p))],
                   np.r_[np.ones(len(p_pairs)), -np.ones(len(mentees_p))],
                   len(mentees_p), 0.0, 0.0)
    with_p = np.isin(pm, mentees_p)
    row_x = np.searchsorted(mentees_p, pm[with_p])
    model.marks["count"] = (len(model.row_lo), mentees_p)
    model.add_rows(np.r_[row_x, row_p], np.r_[np.nonzero(with_p)[0], p0 + np.arange(len(p_pairs))],
                   np.r_[np.ones(len(row_x)),
                         -inp.network_size[pm[p_pairs]].astype(np.float64)],
                   len(mentees_p), -np.inf, 0.0)
    # mentees with a locked primary: at most ``slots`` new members; mentees needing a
    # primary with no candidate that may be one: no new member (a row, so that LP pricing
    # sees its dual)
    no_p = ~inp.needs_primary[pm] | ~with_p
    limited = np.unique(pm[no_p])
    model.marks["limited"] = (len(model.row_lo), limited)
    model.add_rows(np.searchsorted(limited, pm[no_p]), np.nonzero(no_p)[0],
                   np.ones(int(no_p.sum())), len(limited), -np.inf,
                   np.where(inp.needs_primary[limited], 0, inp.slots[limited]).astype(
                       np.float64))
    # Y_is = sum_j y_ijs, and x_ik - y_iks + Y_is <= 1
    if len(y_pair):
        width = inp.wants.shape[1]
        key = pm[y_pair] * width + y_label
        y_row = np.searchsorted(is_i * width + is_s, key)
        model.marks["label"] = (len(model.row_lo), is_i * width + is_s)
        model.add_rows(np.r_[np.arange(len(is_i)), y_row],
                       np.r_[big_y0 + np.arange(len(is_i)), y0 + np.arange(len(y_pair))],
                       np.r_[np.ones(len(is_i)), -np.ones(len(y_pair))], len(is_i), 0.0, 0.0)
        t = np.arange(len(y_pair))
        model.add_rows(np.r_[t, t, t], np.r_[y_pair, y0 + t, big_y0 + y_row],
                       np.r_[np.ones(len(t)), -np.ones(len(t)), np.ones(len(t))],
                       len(t), -np.inf, 1.0)
        # once a specialist brings s, no primary offers s: Σ_{k offers s} p_k + Y_is <= 1
        # (implied for whole solutions, much tighter for the LP relaxation)
        p_offers = inp.offers[pj[p_pairs]]  # (p columns, L)
        p_col, p_label = np.nonzero(p_offers)
        p_key = pm[p_pairs][p_col] * width + p_label
        where = np.searchsorted(is_i * width + is_s, p_key)
        exists = (where < len(is_i)) & ((is_i * width + is_s)[np.minimum(where, len(is_i) - 1)]
                                        == p_key) if len(is_i) else p_key < 0
        model.marks["primary_label"] = (len(model.row_lo), is_i * width + is_s)
        model.add_rows(np.r_[where[exists], np.arange(len(is_i))],
                       np.r_[p0 + p_col[exists], big_y0 + np.arange(len(is_i))],
                       np.ones(int(exists.sum()) + len(is_i)), len(is_i), -np.inf, 1.0)
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
    model.marks["capacity"] = (len(model.row_lo), mentors)
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
    return model, lower, upper, integral


@dataclass
class _Built:
    builder: mbh.ModelBuilderHelper
    model: _Model
    objective: np.ndarray
    matrix: sp.csr_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    upper: np.ndarray


def _build(inp: MipInput, objective, extra_rows, integer: bool) -> _Built:
    model, lower, upper, integral = _structure(inp)
    for name, (cols, coefs, lo, hi) in extra_rows(model).items():
        model.marks[name] = (len(model.row_lo), np.zeros(1, np.int64))
        model.add_rows(np.zeros(len(cols), np.int64), cols, coefs, 1, lo, hi)
    row_ids = np.concatenate([r for r, _, _ in model.rows])
    col_ids = np.concatenate([c for _, c, _ in model.rows])
    coefs = np.concatenate([v for _, _, v in model.rows])
    matrix = sp.csr_matrix((coefs, (row_ids, col_ids)), shape=(len(model.row_lo), model.n_cols))
    c = objective(model)
    row_lo, row_hi = np.array(model.row_lo), np.array(model.row_hi)
    builder = mbh.ModelBuilderHelper()
    # OR-Tools' stub spells the arrays' dtype where numpy's stubs put the shape
    builder.fill_model_from_sparse_data(
        lower, upper, c, row_lo, row_hi, matrix)  # type: ignore[arg-type]
    if integer:
        for col in np.nonzero(integral)[0]:
            builder.set_var_integrality(int(col), True)
    builder.set_maximize(True)
    return _Built(builder, model, c, matrix, row_lo, row_hi, upper)


def _run(built: _Built, solver_name: str, parameters: str, time_limit: float
         ) -> tuple[mbh.ModelSolverHelper, str]:
    """Solve with OR-Tools' solver helper (its solution and duals come back as arrays, not
    one Python object per variable); returns the helper and the status in words."""
    helper = mbh.ModelSolverHelper(solver_name)
    helper.enable_output(bool(os.environ.get("MENTORMATCH_SOLVER_LOG")))  # progress, tuning
    helper.set_time_limit_in_seconds(max(float(time_limit), 0.1))
    helper.set_solver_specific_parameters(parameters)
    helper.solve(built.builder)
    status = helper.status() if helper.has_response() else None
    name = {mbh.SolveStatus.OPTIMAL: "optimal", mbh.SolveStatus.FEASIBLE: "feasible",
            mbh.SolveStatus.INFEASIBLE: "infeasible"}.get(status, "no_solution")  # type: ignore[arg-type]
    if name in ("optimal", "feasible") and not helper.has_solution():
        name = "no_solution"
    return helper, name


def _highs_parameters(relative_gap: float = 0.0) -> str:
    # Proven optimality to the score grid: no relative slack, absolute slack below one step.
    # HiGHS's presolve costs more than it saves on these models (measured: 2x slower).
    log = bool(os.environ.get("MENTORMATCH_SOLVER_LOG"))
    return (f"mip_rel_gap={relative_gap}\nmip_abs_gap=1e-6\nthreads=1\n"
            f"presolve=off\noutput_flag={str(log).lower()}")


def _solve(inp: MipInput, objective, extra_rows, time_limit: float,
           relative_gap: float = 0.0) -> MipSolution:
    built = _build(inp, objective, extra_rows, integer=True)
    model = built.model
    start = time.perf_counter()
    helper, name = _run(built, "highs", _highs_parameters(relative_gap), time_limit)
    elapsed = time.perf_counter() - start
    n_pairs = model.n_x
    if name not in ("optimal", "feasible"):
        empty = np.zeros(n_pairs, bool)
        return MipSolution(name, empty, empty, float("nan"), float("nan"), elapsed, 0, 0)
    values = np.asarray(helper.variable_values(), np.float64)
    return _solution(model, values, name, float(helper.objective_value()),
                     float(helper.best_objective_bound()), elapsed)


def _solution(model: _Model, values: np.ndarray, status: str, objective: float,
              bound: float, elapsed: float) -> MipSolution:
    n_pairs = model.n_x
    chosen = values[:n_pairs] > 0.5
    as_primary = np.zeros(n_pairs, bool)
    as_primary[model.p_cols] = values[n_pairs:n_pairs + len(model.p_cols)] > 0.5
    short = int(np.rint(values[model.n_cols - len(model.short_mentors):]).sum())
    return MipSolution(status, chosen, as_primary, objective, bound, elapsed, short,
                       int(as_primary.sum()))


@dataclass
class PairPrices:
    """LP-dual prices for pricing pairs left out of the model (see :func:`solve_lp_prices`).

    ``bound`` is a Lagrangian upper bound on the model's optimum computed from these
    multipliers (valid whatever the multipliers are, so it does not rest on the LP solver).
    """

    bound: float
    mentee: np.ndarray  # (N,) μ_i, multiplier of mentee i's member-count row
    primary: np.ndarray  # (N,) P_i = n_i·μ_i − ζ_i − π: what being i's primary is worth
    label: np.ndarray  # (N, L) η_is, multiplier of "one member brings s" for mentee i
    mentor: np.ndarray  # (M,) γ_j, multiplier of mentor j's capacity row
    primary_label: np.ndarray  # (N, L) ψ_is: being i's primary costs Σ_{s j offers} ψ_is
    #: the LP's own optimum when it is integral (then a solution of the MIP as well)
    integral: MipSolution | None = None
    #: (P,) per pair of the model: how far below ``bound`` every solution using that pair
    #: stays (inf: the pair cannot be used); see :func:`_pair_losses`
    pair_loss: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _lagrangian_bound(built: _Built, y: np.ndarray) -> tuple[float, np.ndarray]:
    """max over 0 <= x <= upper of c·x + y·(rhs − A x), the rhs side chosen by y's sign;
    multipliers pointing at an infinite side are set to 0. Returns (bound, multipliers)."""
    y = np.where((y > 0) & ~np.isfinite(built.row_hi), 0.0, y)
    y = np.where((y < 0) & ~np.isfinite(built.row_lo), 0.0, y)
    rhs = np.where(y > 0, built.row_hi, np.where(y < 0, built.row_lo, 0.0))
    reduced = built.objective - built.matrix.T @ y
    return float(y @ rhs + (np.maximum(reduced, 0.0) * built.upper).sum()), y


def _pair_losses(built: _Built, y: np.ndarray) -> tuple[float, np.ndarray]:
    """A Lagrangian bound that keeps each pair's own choice (unused, or used as the primary
    or as the specialist for one specialty) and, per pair, what using it costs against it.

    With multipliers ``y`` every solution is worth at most ``y·rhs + Σ_c r_c x_c`` (``r``:
    the columns' reduced costs). Maximised pair by pair over "unused" (0) and "used"
    (``u_k = r_x + max over its roles r_role``; the pair's own row x = p + Σ y then adds
    nothing), and column by column for the rest, this gives the bound; a solution using
    pair k is worth at most the bound minus ``max(u_k, 0) − u_k`` (its loss). So no pair
    whose loss exceeds ``bound − V`` is in a solution worth ``V`` or more: the reduced-cost
    fixing :mod:`matcher.solver.mip_engine` uses to solve the MIP on few pairs.
    """
    model = built.model
    rhs = np.where(y > 0, built.row_hi, np.where(y < 0, built.row_lo, 0.0))
    reduced = built.objective - built.matrix.T @ y
    n_x, p_first = model.n_x, model.n_x + len(model.p_cols)
    y_first = p_first + len(model.y_pair)
    role = np.full(n_x, -np.inf)
    np.maximum.at(role, model.p_cols, reduced[n_x:p_first])
    np.maximum.at(role, model.y_pair, reduced[p_first:y_first])
    used = reduced[:n_x] + role
    rest = reduced[y_first:]
    bound = float(y @ np.where(np.isfinite(rhs), rhs, 0.0) + np.maximum(used, 0.0).sum() +
                  (np.maximum(rest, 0.0) * built.upper[y_first:]).sum())
    loss = np.where(np.isfinite(used), np.maximum(used, 0.0) - used, np.inf)
    return bound, loss


def solve_lp_prices(inp: MipInput, placed: int, short: int, time_limit: float
                    ) -> PairPrices | None:
    """Solve the LP relaxation of :func:`solve_score`'s model with GLOP; return pair prices.

    A pair (i, j) left out of the model, used in any solution, adds at most
    ``score − μ_i − γ_j + max(P_i − Σ_{s j offers} ψ_is, max over specialties s it brings
    of η_is)`` to the bound (its own rows get multiplier 0 and its member row's multiplier
    cancels out), so every solution using left-out pairs K is worth at most
    ``bound + Σ_K (that amount)``.
    """
    objective, extra_rows = _score_stage(inp, placed, short)
    built = _build(inp, objective, extra_rows, integer=False)
    # GLOP (OR-Tools' simplex) returns the LP's duals; HiGHS through model_builder does not.
    # Dual simplex: measured 4x faster than GLOP's default primal simplex on these LPs.
    started = time.perf_counter()
    helper, name = _run(built, "glop", "use_dual_simplex: true, "
                        "perturb_costs_in_dual_simplex: true", time_limit)
    if name != "optimal":
        return None
    duals = np.asarray(helper.dual_values(), np.float64)
    values = np.asarray(helper.variable_values(), np.float64)
    integral = None
    model = built.model
    binary = values[:model.n_x + len(model.p_cols) + len(model.y_pair)]  # the MIP's integers
    if np.all(np.abs(binary - np.rint(binary)) <= 1e-9):
        values[:len(binary)] = np.rint(binary)
        value = float(built.objective @ values)
        integral = _solution(model, values, "optimal", value, value,
                             time.perf_counter() - started)
    # any multipliers give a valid bound; keep the tighter sign in case of a convention change
    _, y = min((_lagrangian_bound(built, sign * duals) for sign in (1.0, -1.0)),
                   key=lambda pair: pair[0])
    n, m = len(inp.needs_primary), len(inp.capacity)
    n_labels = inp.wants.shape[1]

    def read(name: str, size: int, keys_to_index=lambda k: k) -> np.ndarray:
        out = np.zeros(size)
        if name in built.model.marks:
            first, keys = built.model.marks[name]
            out[keys_to_index(keys)] = y[first:first + len(keys)]
        return out

    mu = read("count", n) + read("limited", n)
    zeta = read("z", n)
    eta = read("label", n * n_labels).reshape(n, n_labels)
    gamma = read("capacity", m)
    pi = read("placed", 1)[0]
    psi = read("primary_label", n * n_labels).reshape(n, n_labels)
    primary = inp.network_size * mu - zeta - pi
    bound, loss = _pair_losses(built, y)
    return PairPrices(bound, mu, primary, eta, gamma, psi, integral, loss)


def solve_counts(inp: MipInput, time_limit: float) -> MipSolution:
    """Stage 1: most minimum load filled, then most mentees placed (weights are exact:
    one more unit of minimum load outweighs every possible placement)."""
    weight = float(len(inp.needs_primary) + 1)

    def objective(model: _Model) -> np.ndarray:
        c = np.zeros(model.n_cols)
        c[model.n_x:model.n_x + len(model.p_cols)] = 1.0
        c[model.n_cols - len(model.short_mentors):] = -weight
        return c

    return _solve(inp, objective, lambda _model: {}, time_limit)


def _score_stage(inp: MipInput, placed: int, short: int, at_least: float | None = None):
    """Objective and extra rows of stage 2 (also the LP of :func:`solve_lp_prices`)."""

    def objective(model: _Model) -> np.ndarray:
        c = np.zeros(model.n_cols)
        c[:model.n_x] = inp.pair_value
        return c

    def extra(model: _Model) -> dict:
        p = model.n_x + np.arange(len(model.p_cols))
        rows = {"placed": (p, np.ones(len(p)), float(placed), np.inf)}
        if len(model.short_mentors):
            s = model.n_cols - len(model.short_mentors) + np.arange(len(model.short_mentors))
            rows["short"] = (s, np.ones(len(s)), -np.inf, float(short))
        if at_least is not None:
            rows["at_least"] = (np.arange(model.n_x), inp.pair_value, float(at_least), np.inf)
        return rows

    return objective, extra


def solve_score(inp: MipInput, placed: int, short: int, time_limit: float,
                at_least: float | None = None, relative_gap: float = 0.0) -> MipSolution:
    """Stage 2: highest total score with at least ``placed`` primaries and at most
    ``short`` units of minimum load missing (and a total of at least ``at_least``, a value
    known to be reachable: it lets the solver discard worse branches early). With a
    ``relative_gap`` the solve stops once the solution is that close to its bound (status
    "optimal" then means optimal within that gap: for a good first solution only)."""
    objective, extra_rows = _score_stage(inp, placed, short, at_least)
    return _solve(inp, objective, extra_rows, time_limit, relative_gap)
