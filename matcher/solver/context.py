"""What the solver's engines share: the options, the working context, the result records.

The :class:`Context` holds one solve's problem, options (objective, time limit), deadline,
score cache, candidate pairs and what locks left to decide. Every engine has one signature,
``engine(ctx: Context) -> EngineResult`` (the table in :mod:`matcher.solver.dispatch`); the
flow, MIP and network engines widen the context's candidates as their certificates ask and
pass each other a :class:`Selection` (pairs by candidate index) on the way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from matcher.solver.candidates import Candidates
from matcher.solver.pair_keys import pair_keys, sorted_contains, split_keys
from matcher.solver.problem import MatchProblem, Residual
from matcher.solver.result import Status
from matcher.solver.score_cache import ScoreCache


@dataclass(frozen=True)
class SolveOptions:
    """Solver settings; the defaults suit cohorts up to 10,000 × 2,000 on a laptop."""

    objective: str = "total"
    time_limit: float = 60.0  # seconds, for the MIP
    scale: int = 100_000  # integer units per score point in the flow engines
    k_mentee: int = 10  # pruning: each mentee's best k mentors ...
    k_mentor: int = 50  # ... and each mentor's best k mentees
    dense_pairs: int = 1_000_000  # mentees × mentors up to which nothing is pruned
    mip_dense_pairs: int = 4_000  # the same for the MIP (its LP prices the rest, cheaply)
    mip_k_mentee: int = 10  # the MIP's starting k (pricing adds what the proof needs)
    mip_k_mentor: int = 40
    mip_max_pairs: int = 60_000  # larger network models: relaxed flow, repaired (with a bound)
    #: eligible pairs of mentees with specialist places above which the whole network MIP
    #: is not tried (its LP would price millions of pairs and not close in the time limit):
    #: networks by mentor prices instead, with a certified gap
    mip_max_eligible: int = 2_000_000
    widen_per_mentee: int = 25  # pairs added per mentee when a certificate fails
    widen_slack: float = 0.5  # points: also add pairs this close to breaking a certificate
    #: points: when the flow's first certificate fails, unused candidates whose reduced cost
    #: is at least this leave the model (the certificate still checks them), so the rounds
    #: that follow solve smaller flows
    drop_slack: float = 2.0
    max_rounds: int = 20
    #: points: the network MIP first keeps the pairs whose LP reduced cost is within this
    #: of the LP bound (reduced-cost fixing, :func:`.mip_engine._fixed_selection`)
    fix_slack: float = 0.0
    #: column generation for the network MIP: pairs added per mentee and LP round, and the
    #: points of positive reduced cost left over at which it stops (they count in the bound)
    price_per_mentee: int = 4
    price_stop: float = 1.0
    #: dtype of the solver's screening copy of every score (:mod:`.score_cache`): "float32",
    #: or "float16" for half the memory when the cohort is too large for float32 (the
    #: screens widen their tolerance to match; every decision is still made on exact scores)
    screen_dtype: str = "float32"
    #: bytes of ``[solver] memory_gib`` a solve's caller may use beside the screening copy
    #: (the preference-neutral placement keeps rows of the copy aside in it)
    spare_bytes: float = 0.0


@dataclass
class Selection:
    """Pairs an engine chose, by index into :meth:`Context.usable`, with their proof; what
    the flow, MIP and network engines pass each other before one becomes an
    :class:`EngineResult`."""

    pairs: np.ndarray  # indices into usable pairs
    as_primary: np.ndarray
    status: Status
    bound_points: float | None  # None: equal to the objective
    stats: dict[str, object] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    copies: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # flow: (pair, label,
    #   primary) per chosen arc, to check a relaxed flow against the network rules
    value: float = 0.0  # total objective score of the engine's pairs (flow)

    def result(self, ctx: Context, engine: str) -> EngineResult:
        """The chosen pairs by (mentee, mentor) index, as the engine's result."""
        pm, pj, _ = ctx.usable()
        return EngineResult(engine, pm[self.pairs], pj[self.pairs], self.status,
                            self.bound_points, self.stats, self.messages)


@dataclass
class EngineResult:
    """What every engine hands :func:`matcher.solver.dispatch.solve`: the new pairs (locked
    ones excluded) and their proof."""

    engine: str  # "min_cost_flow", "mip_highs", "deferred_acceptance", ...
    mentee: np.ndarray  # (P,) int64 mentee index per new pair
    mentor: np.ndarray  # (P,) int64 mentor index
    status: Status
    bound_points: float | None  # proven bound on the new pairs' objective; None: reached
    stats: dict[str, object] = field(default_factory=dict)  # merged into the result's stats
    messages: list[str] = field(default_factory=list)


@dataclass
class Context:
    """One solve's working state (candidates grow as certificates fail)."""

    problem: MatchProblem
    options: SolveOptions
    cache: ScoreCache
    cands: Candidates
    residual: Residual
    mentee_rank: np.ndarray
    mentor_rank: np.ndarray
    banned_keys: np.ndarray
    stats: dict[str, object] = field(default_factory=dict)
    deadline: float = math.inf  # perf_counter time by which the MIP must stop
    _usable: tuple[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None

    def usable(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Candidate pairs a new network member may form, in (mentee id, mentor id) order."""
        c = self.cands
        if self._usable is not None and self._usable[0] == (id(c), c.version):
            return self._usable[1]
        ok = ~np.isin(c.keys, self.banned_keys) if len(self.banned_keys) \
            else np.ones(len(c.mentee), bool)
        idx = np.nonzero(ok)[0]
        order_key = pair_keys(self.mentee_rank[c.mentee[idx]], self.mentor_rank[c.mentor[idx]],
                              self.problem.n_mentors)
        idx = idx[np.argsort(order_key)]  # keys are unique: no stable sort needed
        out = (c.mentee[idx], c.mentor[idx], c.score[idx])
        self._usable = ((id(c), c.version), out)
        return out

    def count_round(self) -> None:
        """One more certificate round (``stats["rounds"]``)."""
        rounds = self.stats.get("rounds", 0)
        self.stats["rounds"] = (rounds if isinstance(rounds, int) else 0) + 1

    def values(self, score: np.ndarray) -> np.ndarray:
        return np.rint(np.asarray(score, np.float64) * self.options.scale).astype(np.int64)

    def pruned_pairs(self, mentee: np.ndarray, mentor: np.ndarray) -> np.ndarray:
        """True for pairs that are neither candidates nor banned (eligibility is the
        caller's: finite cached score). Cheaper than :meth:`pruned_mask` for a few pairs."""
        keys = pair_keys(mentee, mentor, self.problem.n_mentors)
        return ~sorted_contains(self.cands.keys, keys) & ~sorted_contains(self.banned_keys, keys)

    def pruned_mask(self, rows: np.ndarray) -> np.ndarray:
        """(rows × mentors) True where a pair is usable by a new member but not a candidate."""
        out = self.cache.usable_rows(rows) & ~self.cands.mask(rows)
        if len(self.banned_keys):
            bi, bj = split_keys(self.banned_keys, self.problem.n_mentors)
            where = np.searchsorted(rows, bi)
            hit = (where < len(rows)) & (rows[np.minimum(where, len(rows) - 1)] == bi)
            out[where[hit], bj[hit]] = False
        return out


def rank_of(ids: tuple[str, ...]) -> np.ndarray:
    """Each id's position in sorted id order (engines see participants in id order)."""
    order = np.argsort(np.asarray(ids, dtype=object), kind="stable")
    rank = np.empty(len(ids), np.int64)
    rank[order] = np.arange(len(ids))
    return rank
