"""The solver's input as arrays: who asks for how many mentors, who offers what, and scores.

A :class:`MatchProblem` knows nothing about spreadsheets or the scorer: scores arrive from a
:class:`ScoreSource`, either a dense matrix (small cohorts, tests, benchmarks) or blocks of
mentee rows produced on demand (large cohorts, so the full mentees × mentors matrix is never
held at once). Indices are positions in ``mentee_ids`` / ``mentor_ids``.

Specialties ("labels") are what a specialist can bring to a network: the mentee's need areas
and the roles coach / advisor. ``wants[i, s]`` says mentee ``i`` asks for label ``s``;
``offers[j, s]`` says mentor ``j`` brings it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from matcher.solver.network_rule import own_specialties

#: Labels that are roles rather than need areas (a specialist may bring either).
SPECIALIST_ROLES: tuple[str, ...] = ("coach", "advisor")


class ProblemError(ValueError):
    """A problem the solver cannot take as given (a lock that breaks a rule, an unknown
    objective); the message names the pairs and the fix. The pipeline turns it into an
    :class:`~scoring.errors.InputError` (exit status 2)."""


class ScoreSource(Protocol):
    """Anything that yields ``(first_row, total, eligible)`` blocks of consecutive mentees,
    and gives the exact scores of a few pairs.

    ``total`` is a (rows × mentors) array of scores 0–100, ``eligible`` a boolean array of
    the same shape. Blocks must cover every mentee once, in order. The solver reads the
    blocks once (:func:`~matcher.solver.score_cache.build_cache`); every later lookup goes
    through :meth:`pair_scores`, which must cost about as much as the pairs asked for, not
    a pass over the cohort, and return exactly the values the blocks hold.
    """

    def blocks(self) -> Iterator[tuple[int, np.ndarray, np.ndarray]]: ...

    def pair_scores(self, mentee: np.ndarray, mentor: np.ndarray) -> np.ndarray:
        """The float64 scores of the pairs (mentee[k], mentor[k])."""
        ...


#: Pairs per block a dense score source yields: the solver's read of a block makes a few
#: temporaries of its size (:func:`matcher.solver.block_reduce.reduce_block`: float64,
#: float32, bool), so blocks of 2,048 rows × 2,000 mentors raised a 10,000 × 2,000 match's
#: peak by ~60 MB; each row is read alone, so the block size changes nothing else.
DENSE_BLOCK_PAIRS = 1 << 20


@dataclass(frozen=True)
class DenseScores:
    """A score source over full matrices held in memory."""

    total: np.ndarray
    eligible: np.ndarray
    block_size: int = 2048  # rows a block holds at most

    def blocks(self) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """Yield the matrices in row blocks of about :data:`DENSE_BLOCK_PAIRS` pairs (views,
        no copies)."""
        rows = max(1, min(self.block_size, DENSE_BLOCK_PAIRS // max(self.total.shape[1], 1)))
        for start in range(0, self.total.shape[0], rows):
            stop = start + rows
            yield start, self.total[start:stop], self.eligible[start:stop]

    def pair_scores(self, mentee: np.ndarray, mentor: np.ndarray) -> np.ndarray:
        """Read from the matrix."""
        return np.asarray(self.total[mentee, mentor], np.float64)


@dataclass(frozen=True)
class BlockScores:
    """A score source that recomputes blocks on demand (e.g. from the scorer).

    ``score_pairs`` computes the scores of given pairs only; without it (tests) a lookup
    reads every block again and picks the pairs out.
    """

    make_blocks: Callable[[], Iterable[tuple[int, np.ndarray, np.ndarray]]]
    score_pairs: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None

    def blocks(self) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """Yield freshly computed blocks (the solver reads them once per solve)."""
        yield from self.make_blocks()

    def pair_scores(self, mentee: np.ndarray, mentor: np.ndarray) -> np.ndarray:
        """The pairs' scores, from ``score_pairs`` or, without it, one more pass."""
        mentee, mentor = np.asarray(mentee, np.int64), np.asarray(mentor, np.int64)
        if self.score_pairs is not None:
            return np.asarray(self.score_pairs(mentee, mentor), np.float64)
        out = np.zeros(len(mentee))
        order = np.argsort(mentee, kind="stable")
        for start, total, _ in self.blocks():
            stop = start + total.shape[0]
            lo, hi = np.searchsorted(mentee[order], [start, stop])
            picked = order[lo:hi]
            out[picked] = np.asarray(total, np.float64)[mentee[picked] - start, mentor[picked]]
        return out


@dataclass(frozen=True)
class LockedPair:
    """A pair the coordinator fixed in advance; ``role``/``covers`` None means "decide"."""

    mentee: int
    mentor: int
    role: str | None = None
    covers: str | None = None


@dataclass(frozen=True)
class MatchProblem:
    """Everything the solver needs, as arrays (see the module docstring for the layout)."""

    mentee_ids: tuple[str, ...]
    mentor_ids: tuple[str, ...]
    scores: ScoreSource
    capacity: np.ndarray  # (mentors,) int
    network_size: np.ndarray  # (mentees,) int, >= 1
    #: (mentors,) int; empty (the default) = no minimum load
    minimum: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    labels: tuple[str, ...] = ()
    #: (mentees, labels) / (mentors, labels) bool; empty (the default) = nobody asks / offers
    wants: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))
    offers: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))
    locks: tuple[LockedPair, ...] = ()
    forbids: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    #: (K, 3) rows of (mentee, mentor, points): points the objective adds when the pair is
    #: made (a rematch's "keep this relationship" preference); reported scores exclude them.
    keep_bonus: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))

    def __post_init__(self) -> None:
        n, m, n_labels = len(self.mentee_ids), len(self.mentor_ids), len(self.labels)
        object.__setattr__(self, "capacity", np.asarray(self.capacity, dtype=np.int64))
        object.__setattr__(self, "network_size", np.asarray(self.network_size, dtype=np.int64))
        minimum = _given(self.minimum, np.zeros(m, np.int64))
        object.__setattr__(self, "minimum", np.minimum(np.asarray(minimum, np.int64),
                                                       self.capacity))
        for name, rows in (("wants", n), ("offers", m)):
            value = _given(getattr(self, name), np.zeros((rows, n_labels), bool))
            object.__setattr__(self, name, np.asarray(value, bool))
        object.__setattr__(self, "forbids", np.asarray(self.forbids, np.int64).reshape(-1, 2))
        bonus = np.asarray(self.keep_bonus, np.float64).reshape(-1, 3)
        if len(bonus) and ((bonus[:, 2] < 0).any() or not np.isfinite(bonus[:, 2]).all()):
            raise ValueError("keep bonus points must be finite and >= 0")
        object.__setattr__(self, "keep_bonus", bonus)
        if self.capacity.shape != (m,) or self.network_size.shape != (n,):
            raise ValueError("capacity must have one entry per mentor, network_size per mentee")
        if self.wants.shape != (n, n_labels) or self.offers.shape != (m, n_labels):
            raise ValueError("wants/offers must be (mentees|mentors) x labels")

    @property
    def n_mentees(self) -> int:
        return len(self.mentee_ids)

    @property
    def n_mentors(self) -> int:
        return len(self.mentor_ids)

    @property
    def has_networks(self) -> bool:
        """True when some mentee asks for more than one mentor."""
        return bool((self.network_size > 1).any())

    def mentee_order(self) -> np.ndarray:
        """Mentee indices sorted by id: the order every engine uses, so ties go by id."""
        return np.argsort(np.asarray(self.mentee_ids, dtype=object), kind="stable")

    def blocks(self) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """Score blocks with forbidden pairs already made ineligible."""
        forbids = self.forbids
        for start, total, eligible in self.scores.blocks():
            rows = total.shape[0]
            if len(forbids):
                inside = (forbids[:, 0] >= start) & (forbids[:, 0] < start + rows)
                if inside.any():
                    eligible = eligible.copy()
                    eligible[forbids[inside, 0] - start, forbids[inside, 1]] = False
            yield start, total, eligible


def problem_from_arrays(total: np.ndarray, eligible: np.ndarray | None = None, *,
                        capacity: np.ndarray | int = 1,
                        network_size: np.ndarray | int = 1,
                        minimum: np.ndarray | int | None = None,
                        labels: tuple[str, ...] = (),
                        wants: np.ndarray | None = None, offers: np.ndarray | None = None,
                        locks: tuple[LockedPair, ...] = (),
                        forbids: np.ndarray | None = None,
                        keep_bonus: np.ndarray | None = None,
                        mentee_ids: tuple[str, ...] | None = None,
                        mentor_ids: tuple[str, ...] | None = None,
                        block_size: int = 2048) -> MatchProblem:
    """Build a problem from a dense score matrix (tests, benchmarks, small cohorts)."""
    total = np.asarray(total, np.float64)
    n, m = total.shape
    eligible = np.ones((n, m), bool) if eligible is None else np.asarray(eligible, bool)
    width_n, width_m = len(str(max(n - 1, 0))), len(str(max(m - 1, 0)))
    return MatchProblem(
        mentee_ids=mentee_ids or tuple(f"e{i:0{width_n}d}" for i in range(n)),
        mentor_ids=mentor_ids or tuple(f"r{j:0{width_m}d}" for j in range(m)),
        scores=DenseScores(total, eligible, block_size),
        capacity=np.broadcast_to(np.asarray(capacity, np.int64), (m,)).copy(),
        network_size=np.broadcast_to(np.asarray(network_size, np.int64), (n,)).copy(),
        minimum=_given(None if minimum is None else np.broadcast_to(
            np.asarray(minimum, np.int64), (m,)).copy(), np.zeros(m, np.int64)),
        labels=labels, locks=locks,
        wants=_given(wants, np.zeros((n, len(labels)), bool)),
        offers=_given(offers, np.zeros((m, len(labels)), bool)),
        forbids=np.zeros((0, 2), np.int64) if forbids is None else forbids,
        keep_bonus=np.zeros((0, 3)) if keep_bonus is None else keep_bonus,
    )


def _given(value: np.ndarray | None, default: np.ndarray) -> np.ndarray:
    """``value``, or ``default`` where it was not given (None, or the fields' empty default
    with no rows)."""
    return default if value is None or np.shape(value)[:1] == (0,) else value


@dataclass(frozen=True)
class Residual:
    """What is left to decide once locked pairs are in place (indices as in the problem)."""

    capacity: np.ndarray  # (M,) places left per mentor
    minimum: np.ndarray  # (M,) minimum load still to fill
    needs_primary: np.ndarray  # (N,) bool, mentee has no locked mentor
    slots: np.ndarray  # (N,) specialist places still open
    wants: np.ndarray  # (N, L) specialties a new specialist may still bring
    banned: np.ndarray  # (B, 2) pairs a new member may not form (already in, or would
    #                     take a locked specialist's specialty away)
    locked: tuple[tuple[int, int, str, int], ...]  # (mentee, mentor, role, label or -1)


def _pairs_text(problem: MatchProblem, pairs: list[tuple[int, int]]) -> str:
    return ", ".join(f"({problem.mentee_ids[i]}, {problem.mentor_ids[j]})" for i, j in pairs)


def apply_locks(problem: MatchProblem, lock_eligible: np.ndarray) -> Residual:
    """Place locked pairs, decide their roles, and check they can all hold.

    The lock marked ``primary``, else the mentee's first lock without a role, is the primary;
    each other locked mentor is a specialist and must bring a specialty no other member
    brings (its ``covers`` if given). A mentee whose locks are all specialists still gets a
    primary from the solver (one who brings none of the locked specialists' specialties).
    Raises :class:`ProblemError` naming the pairs when a lock is forbidden or
    ineligible, a mentor is locked beyond capacity, or a mentee beyond its network size.
    """
    n, m = problem.n_mentees, problem.n_mentors
    _check_eligible(problem, lock_eligible)
    unique: dict[tuple[int, int], LockedPair] = {}
    for lock in problem.locks:
        unique.setdefault((lock.mentee, lock.mentor), lock)
    by_mentee: dict[int, list[LockedPair]] = {}
    for (i, _), lock in unique.items():
        by_mentee.setdefault(i, []).append(lock)
    _check_capacity(problem, list(unique))
    capacity = problem.capacity - np.bincount([j for _, j in unique], minlength=m)
    minimum = np.maximum(problem.minimum - (problem.capacity - capacity), 0)
    needs_primary = np.ones(n, bool)
    slots = np.maximum(problem.network_size - 1, 0)
    wants = problem.wants.copy()
    banned: list[tuple[int, int]] = []
    locked: list[tuple[int, int, str, int]] = []
    for i, locks in by_mentee.items():
        network = _locked_network(problem, i, locks)
        locked.extend(network.locked)
        needs_primary[i] = network.needs_primary
        slots[i] = network.slots
        wants[i] &= ~network.covered
        banned.extend((i, int(j)) for j in np.nonzero(network.clash)[0])
    return Residual(capacity, minimum, needs_primary, slots, wants,
                    np.array(banned, np.int64).reshape(-1, 2), tuple(locked))


def _check_eligible(problem: MatchProblem, lock_eligible: np.ndarray) -> None:
    """Every locked pair must be allowed: not forbidden, not excluded by a rule."""
    forbidden = {(int(i), int(j)) for i, j in problem.forbids}
    bad = [key for key, ok in zip(((lk.mentee, lk.mentor) for lk in problem.locks),
                                  lock_eligible, strict=True) if not ok]
    if bad:
        why = ["forbidden" if key in forbidden else "ineligible (breaks an eligibility rule)"
               for key in bad]
        details = "; ".join(f"{_pairs_text(problem, [key])} is {w}"
                            for key, w in zip(bad, why, strict=True))
        raise ProblemError(f"Locked pairs cannot be kept: {details}. Remove these rows from "
                           f"the locks sheet, or the matching forbid / rule.")


def _check_capacity(problem: MatchProblem, pairs: list[tuple[int, int]]) -> None:
    """No mentor may be locked to more mentees than its capacity."""
    by_mentor: dict[int, list[tuple[int, int]]] = {}
    for i, j in pairs:
        by_mentor.setdefault(j, []).append((i, j))
    for j, mine in by_mentor.items():
        if len(mine) > problem.capacity[j]:
            raise ProblemError(
                f"Mentor {problem.mentor_ids[j]} has capacity {problem.capacity[j]} but is "
                f"locked to {len(mine)} mentees: {_pairs_text(problem, mine)}. Unlock some "
                f"of these pairs or raise the mentor's capacity.")


@dataclass(frozen=True)
class _LockedNetwork:
    """One mentee's locked members with their roles, and what they leave open."""

    locked: list[tuple[int, int, str, int]]  # (mentee, mentor, role, label or -1)
    needs_primary: bool
    slots: int  # specialist places still open
    covered: np.ndarray  # (L,) wanted specialties the locked members bring
    clash: np.ndarray  # (M,) mentors a new member may not be


def _locked_primary(problem: MatchProblem, i: int, locks: list[LockedPair]
                    ) -> LockedPair | None:
    """The lock marked primary, else the first without a role (None: all specialists)."""
    marked = [lk for lk in locks if lk.role == "primary"]
    if len(marked) > 1:
        raise ProblemError(
            f"Mentee {problem.mentee_ids[i]} has {len(marked)} mentors locked as primary "
            f"({_pairs_text(problem, [(lk.mentee, lk.mentor) for lk in marked])}); a "
            f"network has one primary. Mark the others as specialists.")
    return marked[0] if marked else next((lk for lk in locks if lk.role is None), None)


def _locked_network(problem: MatchProblem, i: int, locks: list[LockedPair]) -> _LockedNetwork:
    """Roles of mentee ``i``'s locked mentors (each specialist with the specialty it covers),
    checked against its network size and the network rule."""
    pairs = [(lk.mentee, lk.mentor) for lk in locks]
    primary = _locked_primary(problem, i, locks)
    room = problem.network_size[i] - (primary is None)
    if len(locks) > room:
        raise ProblemError(
            f"Mentee {problem.mentee_ids[i]} asks for {problem.network_size[i]} mentor(s) "
            f"but is locked to {len(locks)}"
            f"{' specialists, leaving no place for a primary' if primary is None else ''}: "
            f"{_pairs_text(problem, pairs)}. Unlock some pairs or raise the mentee's "
            f"network size.")
    members = [lk.mentor for lk in locks]
    own = own_specialties(problem.wants[i], problem.offers[members])
    label_index = {label: s for s, label in enumerate(problem.labels)}
    locked: list[tuple[int, int, str, int]] = []
    if primary is not None:
        locked.append((i, primary.mentor, "primary", -1))
    for position, lock in enumerate(locks):
        if lock is primary:
            continue
        wanted = label_index.get(lock.covers, -1) if lock.covers else -1
        if wanted >= 0 and own[position, wanted]:
            label = wanted
        elif own[position].any() and not lock.covers:
            label = int(np.argmax(own[position]))
        else:
            raise ProblemError(
                f"Mentee {problem.mentee_ids[i]}: locked mentor "
                f"{problem.mentor_ids[lock.mentor]} would be a specialist but brings no "
                f"{'specialty ' + repr(lock.covers) if lock.covers else 'need area or role'}"
                f" that the other locked mentors ({_pairs_text(problem, pairs)}) do not "
                f"already bring. Lock fewer mentors for this mentee.")
        locked.append((i, lock.mentor, "specialist", label))
    slots = room - len(locks) if primary is None else problem.network_size[i] - len(locks)
    covered = (problem.wants[i] & problem.offers[members]).any(axis=0)
    # A new member must not bring a locked specialist's specialty (it would stop being
    # that specialist's own), nor repeat a locked mentor.
    clash = np.zeros(problem.n_mentors, bool)
    clash[members] = True
    specialist_labels = [label for _, _, role, label in locked if role == "specialist"]
    if specialist_labels:
        clash |= problem.offers[:, specialist_labels].any(axis=1)
    return _LockedNetwork(locked, primary is None, int(slots), covered, clash)
