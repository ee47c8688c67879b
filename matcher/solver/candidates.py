"""Candidate pruning: the pairs the engines work on, picked from the score cache.

Keeping every eligible pair makes large cohorts slow (10,000 × 2,000 is 20 M arcs), so the
engines work on candidate pairs: each mentee's top-``k`` mentors *and* about each mentor's
top-``k`` mentees (read from a sample of mentees in id order), their union, plus locked
pairs; ties at a cut-off are all kept, so the set does not depend on row order. The
certificates (:mod:`matcher.solver.certificates`) check every pruned pair; the pairs that
break one are added (:meth:`Candidates.add`) and the model solved again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matcher.solver.pair_keys import mask_pairs, pair_keys, sorted_contains, split_keys
from matcher.solver.scan import as_slice, map_chunks
from matcher.solver.score_cache import ScoreCache


@dataclass
class Candidates:
    """Pairs the engines may use, sorted by (mentee, mentor) index, with objective scores."""

    mentee: np.ndarray  # (P,) int64
    mentor: np.ndarray  # (P,) int64
    score: np.ndarray  # (P,) float64 objective score (score + keep bonus)
    n_mentees: int
    n_mentors: int
    n_eligible: int
    k_mentee: int | None  # None: every eligible pair kept
    k_mentor: int | None
    version: int = 0  # bumped on every change (engines cache derived arrays by it)
    _starts: np.ndarray | None = field(default=None, repr=False)
    _keys: np.ndarray | None = field(default=None, repr=False)

    @property
    def complete(self) -> bool:
        """True when no eligible pair was pruned away."""
        return len(self.mentee) >= self.n_eligible

    @property
    def keys(self) -> np.ndarray:
        """The pairs' keys, sorted (kept until the pairs change: scans ask once a chunk)."""
        if self._keys is None:
            self._keys = pair_keys(self.mentee, self.mentor, self.n_mentors)
        return self._keys

    def starts(self) -> np.ndarray:
        """Offsets of each mentee's pairs (cached per version)."""
        if self._starts is None:
            self._starts = np.searchsorted(self.mentee, np.arange(self.n_mentees + 1))
        return self._starts

    def add(self, mentee: np.ndarray, mentor: np.ndarray, score: np.ndarray) -> int:
        """Merge new pairs in (duplicates ignored); return how many were new."""
        before = len(self.mentee)
        keys = np.concatenate([self.keys, pair_keys(mentee, mentor, self.n_mentors)])
        scores = np.concatenate([self.score, np.asarray(score, np.float64)])
        keys, first = np.unique(keys, return_index=True)
        self.mentee, self.mentor = split_keys(keys, self.n_mentors)
        self.score = scores[first]
        added = len(self.mentee) - before
        if added:
            self.version += 1
            self._starts = self._keys = None
        return added

    def drop(self, mentee: np.ndarray, mentor: np.ndarray) -> int:
        """Remove these pairs (absent ones ignored); return how many were removed."""
        gone = sorted_contains(np.sort(pair_keys(mentee, mentor, self.n_mentors)), self.keys)
        if gone.any():
            self.mentee, self.mentor = self.mentee[~gone], self.mentor[~gone]
            self.score = self.score[~gone]
            self.version += 1
            self._starts = self._keys = None
        return int(gone.sum())

    def mask(self, rows: np.ndarray) -> np.ndarray:
        """Boolean (rows × mentors): True where the pair is a candidate."""
        starts = self.starts()
        out = np.zeros((len(rows), self.n_mentors), bool)
        rows = np.asarray(rows, np.int64)
        lo, counts = starts[rows], starts[rows + 1] - starts[rows]
        local = np.repeat(np.arange(len(rows)), counts)
        idx = np.repeat(lo - np.r_[0, np.cumsum(counts)[:-1]], counts) + np.arange(counts.sum())
        out[local, self.mentor[idx]] = True
        return out


def _kth_largest_rows(values: np.ndarray, k: int) -> np.ndarray:
    """The k-th largest value of each row (-inf where a row is shorter)."""
    if k >= values.shape[1]:
        return np.full(values.shape[0], -np.inf, values.dtype)
    return -np.partition(-values, k - 1, axis=1)[:, k - 1]


def row_floor(values: np.ndarray, k: int) -> np.ndarray:
    """A value per row at or below its k-th largest entry, so ``values >= floor`` keeps at
    least each row's top k (ties included) and usually not many more.

    It is the k-th largest of the row's block maxima (``4k`` blocks of columns): those k
    maxima are k distinct entries at or above it. One pass of ``max`` instead of a partition
    over every entry, which is several times cheaper on wide rows.
    """
    n_rows, width = values.shape
    n_blocks = 4 * k
    block = width // n_blocks
    if block < 4:
        return _kth_largest_rows(values, k)
    covered = n_blocks * block
    maxima = values[:, :covered].reshape(n_rows, n_blocks, block).max(axis=2)
    if covered < width:
        maxima = np.concatenate([maxima, values[:, covered:].max(axis=1, keepdims=True)], axis=1)
    return _kth_largest_rows(maxima, k)


def _column_cut(cache: ScoreCache, k: int) -> np.ndarray:
    """A score per mentor at or below which roughly its k best mentees lie, read from every
    ``step``-th mentee in id order (a sample keeps this pass cheap; the set is only a
    starting point, the certificates make the result exact). Read in blocks of mentors,
    in float32 (the same values as the screening copy's), on the scan threads."""
    n, m = cache.approx.shape
    step = max(1, min(8, n // max(4 * k, 1)))
    rows = np.sort(cache.problem.mentee_order()[::step])
    sample_k = max(1, -(-k // step))
    if sample_k >= len(rows):
        return np.full(m, -np.inf, np.float32)

    def cut(columns: np.ndarray) -> np.ndarray:
        sample = cache.approx[rows, int(columns[0]):int(columns[-1]) + 1]
        return _kth_largest_rows(np.ascontiguousarray(sample.T, np.float32), sample_k)
    cuts = map_chunks(cut, np.arange(m), len(rows))
    return np.concatenate(cuts) if cuts else np.full(m, -np.inf, np.float32)


def collect_candidates(cache: ScoreCache, k_mentee: int | None = None,
                       k_mentor: int | None = None) -> Candidates:
    """Top-k pairs per mentee (at least: see :func:`row_floor`) and about the top k per
    mentor, every eligible pair when both k are None, plus locked pairs. One scan of the
    live rows (:mod:`matcher.solver.scan`)."""
    problem = cache.problem
    n, m = problem.n_mentees, problem.n_mentors
    col_cut = np.full(m, np.inf, np.float32)
    if k_mentor is not None:
        col_cut = _column_cut(cache, k_mentor)

    def keys_of(rows: np.ndarray) -> np.ndarray:
        block = cache.screen_rows(as_slice(rows))
        usable = block > -np.inf
        if k_mentee is None and k_mentor is None:
            keep = usable
        else:
            keep = block >= col_cut[None, :]
            if k_mentee is not None:
                keep |= block >= row_floor(block, k_mentee)[:, None]
            keep &= usable
        bi, bj = mask_pairs(keep)
        return pair_keys(rows[bi], bj, m)
    kept = map_chunks(keys_of, cache.live_rows(), m)
    keys = np.concatenate(kept) if kept else np.zeros(0, np.int64)
    kept_locks = [lk for lk, ok in zip(problem.locks, cache.lock_eligible, strict=True) if ok]
    lock_keys = pair_keys(np.array([lk.mentee for lk in kept_locks], np.int64),
                          np.array([lk.mentor for lk in kept_locks], np.int64), m)
    if len(lock_keys):  # chunk keys are sorted and unique already
        keys = np.union1d(keys, lock_keys)
    mentee, mentor = split_keys(keys, m)
    return Candidates(mentee, mentor, cache.objective(mentee, mentor), n, m, cache.n_eligible,
                      k_mentee, k_mentor)


def add_pairs(cache: ScoreCache, cands: Candidates, mentee: np.ndarray, mentor: np.ndarray
              ) -> int:
    """Add these pairs (with their exact objective scores) to the candidates."""
    if not len(mentee):
        return 0
    return cands.add(mentee, mentor, cache.objective(mentee, mentor))


def best_per_row(rows: np.ndarray, amount: np.ndarray, per_row: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(mentee, mentor) of (at least) each row's ``per_row`` largest positive entries of
    ``amount``, ties and a few more included (see :func:`row_floor`)."""
    floor = row_floor(amount, per_row)  # -inf where a row has per_row entries or fewer
    bi, bj = mask_pairs((amount >= floor[:, None]) & (amount > 0))
    return rows[bi], bj
