"""Every pair's score, read once per solve: the :class:`ScoreCache` every engine reads.

The score source is read exactly once, into a float32 matrix of every pair's objective score
(``-inf`` where a pair may not be formed) for the vectorised scans (candidates,
certificates), and the exact float64 scores, which the engines and the reported pairs use
(:meth:`ScoreCache.exact`, :meth:`ScoreCache.objective`). Whole-matrix scans go through it
in chunks of :data:`CHUNK_ROWS` rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from matcher.solver.kept_scores import KeptScores, KeptScoresBuilder
from matcher.solver.pair_keys import pair_keys, sorted_contains, split_keys
from matcher.solver.problem import DenseScores, MatchProblem

#: Rows per chunk in whole-matrix scans (keeps temporaries small and in cache).
CHUNK_ROWS = 1024
#: Relative rounding of the screening copy, by dtype: the screens' tolerance (half an ulp,
#: doubled for safety); "float16" halves the copy's memory for the largest cohorts.
SCREEN_ROUNDING = {"float32": 4e-7, "float16": 1e-3}


@dataclass
class ScoreCache:
    """Scores of every pair, from one pass over the problem's score source.

    ``approx[i, j]`` is the pair's objective score (its score plus any keep bonus) in float32
    (float16 for the largest cohorts; ``rounding`` is its relative rounding),
    ``-inf`` when the pair is ineligible or forbidden. :meth:`exact` gives the scorer's
    float64 score (read from the source's matrix when it holds one, else from the scores kept
    in the one pass, :mod:`matcher.solver.kept_scores`, or computed by the source for the
    pairs not kept, and kept from then on); :meth:`objective` adds the keep bonus.
    """

    problem: MatchProblem
    approx: np.ndarray  # (N, M) float32
    eligible_count: np.ndarray  # (N,) eligible mentors per mentee (forbids applied)
    eligible_labels: np.ndarray  # (N, L) specialties some eligible mentor brings
    multi_label: bool  # a network mentee has an eligible mentor bringing >= 2 specialties
    lock_eligible: np.ndarray  # (locks,) bool
    bonus_keys: np.ndarray  # sorted mentee * M + mentor keys with a keep bonus
    bonus_points: np.ndarray  # (K,) points, same order
    dense_exact: np.ndarray | None = None  # (N, M) float64 scores when the source holds them
    rounding: float = SCREEN_ROUNDING["float32"]  # relative rounding of ``approx``
    kept: KeptScores | None = None  # exact scores kept from the one pass (streamed sources)

    @property
    def n_eligible(self) -> int:
        return int(self.eligible_count.sum())

    def exact(self, mentee: np.ndarray, mentor: np.ndarray) -> np.ndarray:
        """The scorer's scores of these pairs (float64, without keep bonus)."""
        mentee, mentor = np.asarray(mentee, np.int64), np.asarray(mentor, np.int64)
        if self.dense_exact is not None:
            return np.asarray(self.dense_exact[mentee, mentor], np.float64)
        if not len(mentee):
            return np.zeros(0)
        if self.kept is None:
            return self.problem.scores.pair_scores(mentee, mentor)
        found, out = self.kept.lookup(mentee, mentor)
        missing = np.nonzero(~found)[0]
        if len(missing):  # scored for these pairs only, and kept for the next lookup
            out[missing] = self.problem.scores.pair_scores(mentee[missing], mentor[missing])
            self.kept.add(pair_keys(mentee[missing], mentor[missing], self.problem.n_mentors),
                          out[missing])
        return out

    def bonus(self, mentee: np.ndarray, mentor: np.ndarray) -> np.ndarray:
        """Keep-bonus points of these pairs (0 for most)."""
        out = np.zeros(len(mentee))
        if len(self.bonus_keys):
            keys = pair_keys(mentee, mentor, self.problem.n_mentors)
            hit = sorted_contains(self.bonus_keys, keys)
            out[hit] = self.bonus_points[np.searchsorted(self.bonus_keys, keys[hit])]
        return out

    def objective(self, mentee: np.ndarray, mentor: np.ndarray) -> np.ndarray:
        """Score plus keep bonus: what the engines maximise."""
        return self.exact(mentee, mentor) + self.bonus(mentee, mentor)


def build_cache(problem: MatchProblem, screen_dtype: str = "float32") -> ScoreCache:
    """Read every score block once (forbids applied) into a :class:`ScoreCache` whose
    screening copy has ``screen_dtype`` (see :data:`SCREEN_ROUNDING`)."""
    if screen_dtype not in SCREEN_ROUNDING:
        raise ValueError(f"screen_dtype must be one of {', '.join(SCREEN_ROUNDING)}")
    n, m, n_labels = problem.n_mentees, problem.n_mentors, len(problem.labels)
    approx = np.empty((n, m), screen_dtype)
    eligible_count = np.zeros(n, np.int64)
    eligible_labels = np.zeros((n, n_labels), bool)
    offers = problem.offers.astype(np.float32)
    label_weight = problem.wants.astype(np.float32)
    networks = problem.network_size > 1
    multi_label = False
    lock_pairs = np.array([(lk.mentee, lk.mentor) for lk in problem.locks], np.int64)
    lock_pairs = lock_pairs.reshape(-1, 2)
    lock_eligible = np.zeros(len(lock_pairs), bool)
    dense = problem.scores.total if isinstance(problem.scores, DenseScores) else None
    keeper = KeptScoresBuilder(m) if dense is None else None
    for start, total, eligible in problem.blocks():
        if keeper is not None:
            keeper.add_block(start, total, eligible)
        rows = slice(start, start + total.shape[0])
        eligible = np.asarray(eligible, bool)
        np.copyto(approx[rows], total, casting="unsafe")
        approx[rows][~eligible] = -np.inf
        eligible_count[rows] = eligible.sum(axis=1)
        if n_labels:
            eligible_labels[rows] = (eligible.astype(np.float32) @ offers) > 0
            net_rows = np.nonzero(networks[rows])[0]
            if len(net_rows) and not multi_label:
                overlap = label_weight[start + net_rows] @ offers.T
                multi_label = bool(((overlap >= 2) & eligible[net_rows]).any())
        in_block = (lock_pairs[:, 0] >= rows.start) & (lock_pairs[:, 0] < rows.stop)
        lock_eligible[in_block] = eligible[lock_pairs[in_block, 0] - start,
                                           lock_pairs[in_block, 1]]
    keys = pair_keys(problem.keep_bonus[:, 0].astype(np.int64),
                     problem.keep_bonus[:, 1].astype(np.int64), m)
    order = np.argsort(keys, kind="stable")
    points = problem.keep_bonus[order, 2] if len(keys) else np.zeros(0)
    keys = keys[order]
    if len(keys):
        bi, bj = split_keys(keys, m)
        approx[bi, bj] += points.astype(approx.dtype)  # -inf stays -inf: never usable
    return ScoreCache(problem, approx, eligible_count, eligible_labels, multi_label,
                      lock_eligible, keys, points, dense, SCREEN_ROUNDING[screen_dtype],
                      keeper.build() if keeper is not None else None)


def chunks(rows: np.ndarray) -> Iterator[np.ndarray]:
    """Consecutive slices of ``rows`` of at most CHUNK_ROWS."""
    for lo in range(0, len(rows), CHUNK_ROWS):
        yield rows[lo:lo + CHUNK_ROWS]
