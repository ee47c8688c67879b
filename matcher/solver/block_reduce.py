"""The per-block half of the score pass's reduce, run where the block is scored.

The solver's one pass over a streamed score source keeps, per block of mentees, a
screening copy of the rows (``-inf`` where a pair may not be formed), the rows' eligibility
counts and specialties, and the exact scores that may be kept
(:mod:`matcher.solver.kept_scores`). All of that depends on the block alone (and on each
mentor's lowest kept score so far, which only filters), so it is computed next to the
scorer, on the pool or cluster worker (:func:`reduce_block`), and the worker sends back a
:class:`ReducedBlock`: the rows in the screen's dtype (2 or 4 bytes a pair instead of the
float64 totals and the bool eligibility, 9) and a few candidates. The solver's process
then only copies the rows into place and merges the candidates
(:meth:`~matcher.solver.score_cache.CacheBuilder.add_reduced`). A score source offers this
by being a :class:`ReducingScores`; any other source's blocks are reduced in the solver's
process by the same :func:`reduce_block`, so both give the same cache.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from matcher.solver.kept_scores import PER_MENTEE, PER_MENTOR, BlockBests, block_bests
from matcher.solver.problem import BlockScores


@dataclass(frozen=True)
class BlockReduce:
    """What a block's reduce needs from the solver: the screen's dtype, the problem's
    forbidden pairs (mentee, mentor) and the mentors' specialties, and, when exact scores
    are kept, each mentor's lowest kept score (``floor``; None: keep none)."""

    screen_dtype: str
    forbids: np.ndarray  # (F, 2) int64, sorted by mentee
    offers: np.ndarray  # (M, L) bool
    floor: np.ndarray | None = None
    per_mentee: int = PER_MENTEE
    per_mentor: int = PER_MENTOR

    def for_rows(self, mentees: np.ndarray, floor: np.ndarray | None) -> BlockReduce:
        """This reduce for a block of these sorted mentees, with the floor as it is now
        (what is sent with the block's task: only its own forbidden pairs)."""
        lo, hi = np.searchsorted(self.forbids[:, 0], [mentees[0], mentees[-1] + 1]) \
            if len(mentees) else (0, 0)
        forbids = self.forbids[lo:hi]
        forbids = forbids[np.isin(forbids[:, 0], mentees)]
        return dataclasses.replace(self, forbids=forbids, floor=floor)


def by_mentee(forbids: np.ndarray) -> np.ndarray:
    """Forbidden (mentee, mentor) pairs sorted by mentee, as :class:`BlockReduce` holds
    them (a stable sort: each mentee's pairs keep their order)."""
    return forbids[np.argsort(forbids[:, 0], kind="stable")]


@dataclass(frozen=True)
class ReducedBlock:
    """One block of rows, reduced (:func:`reduce_block`)."""

    mentees: np.ndarray  # (R,) sorted mentee indices
    approx: np.ndarray  # (R, M) screen dtype, -inf where the pair may not be formed
    eligible_count: np.ndarray  # (R,) eligible mentors per row
    eligible_labels: np.ndarray  # (R, L) specialties some eligible mentor brings
    bests: BlockBests | None  # its part of the kept exact scores


def reduce_block(mentees: np.ndarray, total: np.ndarray, eligible: np.ndarray,
                 plan: BlockReduce) -> ReducedBlock:
    """The block of these mentees (sorted indices; ``total`` their exact scores,
    ``eligible`` the scorer's eligibility), reduced: forbidden pairs made ineligible, the
    screening rows, the counts and specialties, and the block's :func:`block_bests`."""
    mentees = np.asarray(mentees, np.int64)
    if len(plan.forbids):
        at = np.searchsorted(mentees, plan.forbids[:, 0])
        inside = (at < len(mentees)) & (mentees[np.minimum(at, len(mentees) - 1)] ==
                                        plan.forbids[:, 0])
        if inside.any():
            eligible = eligible.copy()
            eligible[at[inside], plan.forbids[inside, 1]] = False
    eligible = np.asarray(eligible, bool)
    usable = np.where(eligible, np.asarray(total, np.float64), -np.inf)
    approx = usable.astype(plan.screen_dtype)  # -inf stays -inf
    if plan.offers.shape[1]:
        labels = (eligible.astype(np.float32) @ plan.offers.astype(np.float32)) > 0
    else:
        labels = np.zeros((len(mentees), 0), bool)
    bests = None if plan.floor is None else block_bests(
        mentees, usable, plan.floor, plan.per_mentee, plan.per_mentor)
    return ReducedBlock(mentees, approx, eligible.sum(axis=1), labels, bests)


@dataclass(frozen=True)
class ReducingScores(BlockScores):
    """A streamed score source whose blocks can be reduced where they are scored:
    ``make_reduced(plan, floor)`` yields every block's :class:`ReducedBlock` in mentee
    order, each reduced against the floor ``floor()`` gives when its task is sent."""

    make_reduced: Callable[[BlockReduce, Callable[[], np.ndarray | None]],
                           Iterable[ReducedBlock]] | None = None
