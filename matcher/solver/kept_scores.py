"""Exact scores kept from the one pass over a streamed score source.

When the scores are not held as a matrix (large cohorts), the solver reads the score
source once (:func:`~matcher.solver.score_cache.build_cache`) and keeps a float32 copy for
its whole-matrix screens. Every later step needs the *exact* (float64) scores of some pairs:
the candidates (each mentee's best mentors and each mentor's best mentees), the pairs a
certificate adds (nearly always among the best too) and the pairs of the result. So the
same pass keeps, in :class:`KeptScores`, the exact scores of

* each mentee's :data:`PER_MENTEE` best eligible mentors (a partition per block), and
* each mentor's :data:`PER_MENTOR` best eligible mentees (a running floor per mentor, at
  least each block's k-th best: only entries at or above it are collected, and the
  collection is cut back to the best per mentor whenever it grows past a few times its
  final size),

and every pair scored later is added, so no pair is scored twice. A lookup the store cannot
answer goes to the score source for those pairs only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matcher.solver.pair_keys import pair_keys, sorted_contains

#: Exact scores kept per mentee (its best eligible mentors).
PER_MENTEE = 32
#: Exact scores kept per mentor (its best eligible mentees).
PER_MENTOR = 128
#: The per-mentor collection is cut back when it holds this many times its final size.
SLACK = 4


@dataclass
class KeptScores:
    """Exact scores of some pairs, by sorted pair key."""

    n_mentors: int
    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def lookup(self, mentee: np.ndarray, mentor: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
        """(found, scores): which pairs are kept, and their scores (0 where not)."""
        keys = pair_keys(mentee, mentor, self.n_mentors)
        found = sorted_contains(self.keys, keys)
        out = np.zeros(len(keys))
        out[found] = self.scores[np.searchsorted(self.keys, keys[found])]
        return found, out

    def add(self, keys: np.ndarray, scores: np.ndarray) -> None:
        """Keep these pairs' scores too (a key already kept keeps its score)."""
        keys = np.concatenate([self.keys, np.asarray(keys, np.int64)])
        scores = np.concatenate([self.scores, np.asarray(scores, np.float64)])
        self.keys, first = np.unique(keys, return_index=True)
        self.scores = scores[first]


class KeptScoresBuilder:
    """Collects :class:`KeptScores` block by block during the cache's one pass."""

    def __init__(self, n_mentors: int, per_mentee: int = PER_MENTEE,
                 per_mentor: int = PER_MENTOR) -> None:
        self.n_mentors = n_mentors
        self.per_mentee, self.per_mentor = per_mentee, per_mentor
        self.mentor_floor = np.full(n_mentors, -np.inf)
        self._keys: list[np.ndarray] = []  # per-mentee bests, final
        self._scores: list[np.ndarray] = []
        self._col: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (i, j, score)
        self._col_size = 0

    def add_block(self, start: int, total: np.ndarray, eligible: np.ndarray) -> None:
        """Take one block's candidates for keeping (``total`` float64, ``eligible`` bool)."""
        rows, m = total.shape
        usable = np.where(eligible, total, -np.inf)
        if m > self.per_mentee:
            top = np.argpartition(-usable, self.per_mentee - 1, axis=1)[:, :self.per_mentee]
        else:
            top = np.broadcast_to(np.arange(m), (rows, m))
        bi = np.repeat(np.arange(rows), top.shape[1])
        bj = top.ravel()
        ok = np.isfinite(usable[bi, bj])
        bi, bj = bi[ok], bj[ok]
        self._keys.append(pair_keys(start + bi, bj, m))
        self._scores.append(np.asarray(total[bi, bj], np.float64))
        if rows > self.per_mentor:  # a mentor's overall k-th best is at least a block's
            kth = np.partition(usable, rows - self.per_mentor, axis=0)[rows - self.per_mentor]
            np.maximum(self.mentor_floor, kth, out=self.mentor_floor)
        ci, cj = np.nonzero(usable >= self.mentor_floor[None, :])
        ok = np.isfinite(usable[ci, cj])
        ci, cj = ci[ok], cj[ok]
        self._col.append((start + ci, cj, np.asarray(total[ci, cj], np.float64)))
        self._col_size += len(ci)
        if self._col_size > SLACK * self.per_mentor * m:
            self._cut_mentor_collection()

    def _cut_mentor_collection(self) -> None:
        """Keep each mentor's best ``per_mentor`` collected entries; raise its floor."""
        mentee = np.concatenate([c[0] for c in self._col])
        mentor = np.concatenate([c[1] for c in self._col])
        score = np.concatenate([c[2] for c in self._col])
        order = np.lexsort((-score, mentor))
        mentee, mentor, score = mentee[order], mentor[order], score[order]
        first = np.searchsorted(mentor, mentor, side="left")
        rank = np.arange(len(mentor)) - first
        full = rank == self.per_mentor - 1
        self.mentor_floor[mentor[full]] = score[full]
        keep = rank < self.per_mentor
        self._col = [(mentee[keep], mentor[keep], score[keep])]
        self._col_size = int(keep.sum())

    def build(self) -> KeptScores:
        """The kept scores of every block taken."""
        if self._col:
            self._cut_mentor_collection()
        col_i, col_j, col_s = self._col[0] if self._col else (np.zeros(0, np.int64),) * 3
        kept = KeptScores(self.n_mentors)
        kept.add(np.concatenate([*self._keys, pair_keys(col_i, col_j, self.n_mentors)]),
                 np.concatenate([*self._scores, np.asarray(col_s, np.float64)]))
        return kept
