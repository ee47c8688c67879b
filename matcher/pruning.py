"""Candidate pruning over score blocks, and the scans that certify or widen it.

Keeping every eligible pair makes large cohorts slow (10,000 × 2,000 is 20 M arcs), so the
solver starts from each mentee's top-``k`` mentors *and* each mentor's top-``k`` mentees (their
union; ties at the cut-off are all kept so the set does not depend on row order), plus locked
pairs. The dense matrix is never needed: one pass over score blocks keeps a running top-``k``
per mentor. :func:`scan_pruned` then walks the pairs left out so the solver can prove that
none of them would improve the result (or add the ones that would and solve again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from matcher.problem import MatchProblem


@dataclass
class Candidates:
    """Pairs the engines may use, plus per-mentee facts gathered in the same pass."""

    mentee: np.ndarray  # (P,) int64, sorted by (mentee, mentor) index
    mentor: np.ndarray  # (P,) int64
    score: np.ndarray  # (P,) float64, 0-100
    eligible_count: np.ndarray  # (N,) eligible mentors per mentee (forbids applied)
    eligible_labels: np.ndarray  # (N, L) specialties some eligible mentor brings
    multi_label: bool  # a network mentee has an eligible mentor bringing >= 2 specialties
    lock_eligible: np.ndarray  # (locks,) bool, locked pair eligible and not forbidden
    lock_score: np.ndarray  # (locks,) float64
    n_eligible: int
    k_mentee: int | None  # None: every eligible pair kept
    k_mentor: int | None

    @property
    def complete(self) -> bool:
        """True when no eligible pair was pruned away."""
        return len(self.mentee) == self.n_eligible

    def add(self, mentee: np.ndarray, mentor: np.ndarray, score: np.ndarray) -> int:
        """Merge new pairs in (duplicates ignored); return how many were new."""
        before = len(self.mentee)
        n_mentors = int(max(self.mentor.max(initial=0), mentor.max(initial=0))) + 1
        keys = np.concatenate([self.mentee * n_mentors + self.mentor,
                               np.asarray(mentee, np.int64) * n_mentors + mentor])
        scores = np.concatenate([self.score, score])
        keys, first = np.unique(keys, return_index=True)
        self.mentee, self.mentor = keys // n_mentors, keys % n_mentors
        self.score = scores[first]
        return len(self.mentee) - before


def _kth_largest(values: np.ndarray, k: int, axis: int) -> np.ndarray:
    """The k-th largest value along ``axis`` (-inf where fewer than k exist)."""
    size = values.shape[axis]
    if k >= size:
        return np.full(values.shape[1 - axis], -np.inf)
    return -np.take(np.partition(-values, k - 1, axis=axis), k - 1, axis=axis)


def collect_candidates(problem: MatchProblem, k_mentee: int | None = None,
                       k_mentor: int | None = None) -> Candidates:
    """One pass over score blocks: keep top-k pairs per mentee and per mentor, plus locks."""
    n, m, n_labels = problem.n_mentees, problem.n_mentors, len(problem.labels)
    lock_pairs = np.array([(lk.mentee, lk.mentor) for lk in problem.locks], np.int64)
    lock_pairs = lock_pairs.reshape(-1, 2)
    lock_eligible = np.zeros(len(lock_pairs), bool)
    lock_score = np.zeros(len(lock_pairs))
    eligible_count = np.zeros(n, np.int64)
    eligible_labels = np.zeros((n, n_labels), bool)
    offers = problem.offers.astype(np.float32)
    label_weight = problem.wants.astype(np.float32)
    networks = problem.network_size > 1
    multi_label = False
    prune = k_mentee is not None or k_mentor is not None
    col_top = np.full((k_mentor or 1, m), -np.inf)
    kept_i, kept_j, kept_s, by_row = [], [], [], []
    for start, total, eligible in problem.blocks():
        rows = start + np.arange(total.shape[0])
        eligible = np.asarray(eligible, bool)
        eligible_count[rows] = eligible.sum(axis=1)
        if n_labels:
            eligible_labels[rows] = (eligible.astype(np.float32) @ offers) > 0
            net_rows = networks[rows]
            if net_rows.any() and not multi_label:
                overlap = label_weight[rows[net_rows]] @ offers.T
                multi_label = bool(((overlap >= 2) & eligible[net_rows]).any())
        in_block = (lock_pairs[:, 0] >= start) & (lock_pairs[:, 0] < start + len(rows))
        if in_block.any():
            li, lj = lock_pairs[in_block, 0] - start, lock_pairs[in_block, 1]
            lock_eligible[in_block] = eligible[li, lj]
            lock_score[in_block] = total[li, lj]
        scores = np.where(eligible, np.asarray(total, np.float64), -np.inf)
        if not prune:
            keep, row_keep = eligible, eligible
        else:
            row_keep = np.zeros_like(eligible)
            if k_mentee is not None:
                row_keep = scores >= _kth_largest(scores, k_mentee, axis=1)[:, None]
            keep = row_keep.copy()
            if k_mentor is not None:
                col_top = -np.partition(-np.vstack([col_top, scores]), k_mentor - 1,
                                        axis=0)[:k_mentor]
                keep |= scores >= col_top[-1][None, :]
            keep &= eligible
            row_keep &= eligible
        bi, bj = np.nonzero(keep)
        kept_i.append(rows[bi])
        kept_j.append(bj)
        kept_s.append(scores[bi, bj])
        by_row.append(row_keep[bi, bj])
    mentee = np.concatenate(kept_i) if kept_i else np.zeros(0, np.int64)
    mentor = np.concatenate(kept_j) if kept_j else np.zeros(0, np.int64)
    score = np.concatenate(kept_s) if kept_s else np.zeros(0)
    if prune:  # the running mentor cut-off only rose; apply the final one
        final = np.concatenate(by_row) | (score >= (col_top[-1][mentor] if k_mentor else np.inf))
        mentee, mentor, score = mentee[final], mentor[final], score[final]
    cands = Candidates(mentee.astype(np.int64), mentor.astype(np.int64), score, eligible_count,
                       eligible_labels, multi_label, lock_eligible, lock_score,
                       int(eligible_count.sum()), k_mentee, k_mentor)
    ok = lock_eligible
    cands.add(lock_pairs[ok, 0], lock_pairs[ok, 1], lock_score[ok])
    return cands


def scan_pruned(problem: MatchProblem, cands: Candidates, rows: np.ndarray | None = None
                ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield ``(mentee rows, scores, pruned)`` per block: ``pruned`` marks eligible pairs
    *not* among the candidates (rows × mentors). ``rows`` limits the scan to some mentees."""
    if cands.complete:
        return
    wanted = None if rows is None else np.isin(np.arange(problem.n_mentees), rows)
    cand_starts = np.searchsorted(cands.mentee, np.arange(problem.n_mentees + 1))
    for start, total, eligible in problem.blocks():
        stop = start + total.shape[0]
        local = np.arange(stop - start)
        if wanted is not None:
            local = local[wanted[start:stop]]
            if not len(local):
                continue
        pruned = np.array(eligible[local], bool)
        lo, hi = cand_starts[start], cand_starts[stop]
        where = np.searchsorted(local, cands.mentee[lo:hi] - start)
        present = (where < len(local)) & (local[np.minimum(where, len(local) - 1)]
                                          == cands.mentee[lo:hi] - start)
        pruned[where[present], cands.mentor[lo:hi][present]] = False
        yield start + local, np.asarray(total)[local], pruned


def widen_with(problem: MatchProblem, cands: Candidates,
               violation: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
               per_mentee: int, rows: np.ndarray | None = None) -> tuple[int, int]:
    """Add pruned pairs that ``violation`` flags (most violated first, ``per_mentee`` each).

    ``violation(rows, scores, pruned)`` gets one block (mentee rows, their score matrix, the
    pruned-pair mask) and returns how badly each pair breaks the certificate as a matrix
    (> 0 = breaks it; only pruned pairs count). Returns (pairs breaking it, pairs added).
    """
    found, add_i, add_j, add_s = 0, [], [], []
    for block_rows, total, pruned in scan_pruned(problem, cands, rows):
        amount = np.where(pruned, violation(block_rows, total, pruned), 0.0)
        found += int(np.count_nonzero(amount > 0))
        if per_mentee < amount.shape[1]:  # each mentee's most violated pairs, O(rows × mentors)
            top = np.argpartition(-amount, per_mentee - 1, axis=1)[:, :per_mentee]
        else:
            top = np.broadcast_to(np.arange(amount.shape[1]), amount.shape)
        bi = np.broadcast_to(np.arange(len(block_rows))[:, None], top.shape)
        keep = amount[bi, top] > 0
        add_i.append(block_rows[bi[keep]])
        add_j.append(top[keep])
        add_s.append(np.asarray(total, np.float64)[bi[keep], top[keep]])
    added = cands.add(np.concatenate(add_i), np.concatenate(add_j),
                      np.concatenate(add_s)) if add_i else 0
    return found, added
