"""Every pair's score, read once per solve: the :class:`ScoreCache` every engine reads.

The score source is read exactly once, into a float32 matrix of every pair's objective score
(``-inf`` where a pair may not be formed) for the vectorised scans (candidates,
certificates), and the exact float64 scores, which the engines and the reported pairs use
(:meth:`ScoreCache.exact`, :meth:`ScoreCache.objective`). Whole-matrix scans go through it
in chunks of :data:`CHUNK_ROWS` rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from matcher.solver.block_reduce import (
    BlockReduce,
    ReducedBlock,
    ReducingScores,
    by_mentee,
    reduce_block,
)
from matcher.solver.kept_scores import KeptScores, KeptScoresBuilder
from matcher.solver.pair_keys import pair_keys, sorted_contains, split_keys
from matcher.solver.problem import DenseScores, MatchProblem

#: Rows scored again and reduced where they are scored: given the reduce and a function
#: returning each mentor's floor now, their :class:`ReducedBlock` in mentee order
#: (:meth:`ScoreCache.swap_rows`).
ReducedRows = Callable[[BlockReduce, Callable[[], np.ndarray | None]], Iterable[ReducedBlock]]
#: How the screening copy is allocated: ``np.empty``'s (shape, dtype).
Allocate = Callable[[tuple[int, int], str], np.ndarray]
#: Rows per chunk in whole-matrix scans (keeps temporaries small and in cache).
CHUNK_ROWS = 1024
#: Relative rounding of the screening copy, by dtype: the screens' tolerance (half an ulp,
#: doubled for safety); "float16" halves the copy's memory for the largest cohorts.
SCREEN_ROUNDING = {"float32": 4e-7, "float16": 1e-3}
#: Bit patterns of float16 -inf and +inf (above +inf, with the sign bit cleared: NaN).
FLOAT16_MINUS_INF, FLOAT16_INF = 0xFC00, 0x7C00


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

    def live_rows(self) -> np.ndarray:
        """The mentees with an eligible mentor: the only rows a scan can find a pair in (the
        others are ``-inf`` throughout)."""
        return np.flatnonzero(self.eligible_count > 0)

    def screen_rows(self, rows: slice | np.ndarray) -> np.ndarray:
        """These rows of the screening copy in float32, the same values (a view where the
        copy is float32 and ``rows`` a slice). A float16 copy is converted once here: numpy
        computes each operation on a float16 operand in float32 element by element, ~25×
        the cost of the same operation on float32, and gives the same results."""
        block = self.approx[rows]
        return block if block.dtype == np.float32 else block.astype(np.float32)

    def usable_rows(self, rows: slice | np.ndarray) -> np.ndarray:
        """``approx[rows] > -inf`` (eligible, not forbidden), read on the float16 copy's bits
        (-inf and NaN are the patterns it is false for) instead of its slow arithmetic."""
        block = self.approx[rows]
        if block.dtype != np.float16:
            return block > -np.inf
        bits = block.view(np.uint16)
        return (bits != FLOAT16_MINUS_INF) & ((bits & 0x7FFF) <= FLOAT16_INF)

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


    def add_bonus(self, rows: np.ndarray) -> None:
        """Add the keep bonus of the pairs of mentees ``rows`` to the screening copy."""
        if not len(self.bonus_keys):
            return
        bi, bj = split_keys(self.bonus_keys, self.problem.n_mentors)
        at = np.isin(bi, rows)
        # -inf stays -inf: a bonus never makes an ineligible pair usable
        self.approx[bi[at], bj[at]] += self.bonus_points[at].astype(self.approx.dtype)

    def swap_rows(self, problem: MatchProblem,
                  blocks: Iterable[tuple[np.ndarray, np.ndarray]] | ReducedRows
                  ) -> ScoreCache:
        """This cache, in place, as ``problem``'s: a score source of the same cohort with
        the same eligibility (placement scores) whose values differ only in the rows the
        ``(rows, values)`` blocks give, or the blocks ``blocks(plan, floor)`` reduces
        where they are scored (:class:`ReducedRows`). The exact scores kept for those rows
        are dropped (a later lookup asks ``problem``'s source). In place because the
        screening copy of a national cohort is gigabytes; the cache is not read as the old
        problem's again. The new rows' best pairs are kept exactly, as the first pass keeps
        every row's; a cache of a kept matrix reads ``problem``'s matrix from then on."""
        self.problem = problem
        keeper = KeptScoresBuilder(problem.n_mentors)
        no_labels = np.zeros((problem.n_mentors, 0), bool)  # the counts stay as they are
        forbids = by_mentee(problem.forbids)
        if self.dense_exact is not None:  # exact scores are read from the new matrix
            assert isinstance(problem.scores, DenseScores)
            self.dense_exact = problem.scores.total
        floor = None if self.dense_exact is not None else keeper.floor
        plan = BlockReduce(str(self.approx.dtype), forbids, no_labels, floor,
                           keeper.per_mentee, keeper.per_mentor)
        if callable(blocks):
            reduced = blocks(plan, lambda: keeper.floor)
        else:  # the same reduce here, with this cache's eligibility (forbids included)
            reduced = (reduce_block(rows, values, self.usable_rows(rows),
                                    dataclasses.replace(plan, forbids=forbids[:0], floor=floor))
                       for rows, values in blocks)
        swapped = []
        for block in reduced:
            if block.bests is not None:
                keeper.add_bests(block.bests)
            self.approx[block.mentees] = block.approx
            self.add_bonus(block.mentees)
            swapped.append(block.mentees)
        if self.kept is not None and swapped:  # once: a search of every kept key
            self.kept.drop_mentees(np.concatenate(swapped))
            fresh = keeper.build()
            self.kept.add(fresh.keys, fresh.scores)
        return self

    def save_rows(self, rows: np.ndarray) -> SavedRows:
        """A copy of these mentees' rows (screening copy and kept exact scores), to be put
        back by :meth:`restore_rows` after :meth:`swap_rows` replaced them."""
        keys = self.kept.keys if self.kept is not None else np.zeros(0, np.int64)
        mine = np.isin(split_keys(keys, self.problem.n_mentors)[0], rows)
        scores = self.kept.scores[mine] if self.kept is not None else np.zeros(0)
        return SavedRows(rows, self.approx[rows], keys[mine], scores)

    def restore_rows(self, problem: MatchProblem, saved: SavedRows, which: np.ndarray
                     ) -> ScoreCache:
        """This cache, in place, as ``problem``'s, with the saved rows ``which`` (bool per
        saved row) as they were when saved (the rows' source is ``problem``'s again)."""
        self.problem = problem
        rows = saved.rows[which]
        self.approx[rows] = saved.approx[which]  # keep bonus included
        if self.kept is not None:
            self.kept.drop_mentees(rows)
            back = np.isin(split_keys(saved.keys, problem.n_mentors)[0], rows)
            self.kept.add(saved.keys[back], saved.scores[back])
        return self

    def restrict(self, problem: MatchProblem, keep: np.ndarray) -> ScoreCache:
        """This cache, in place, as ``problem``'s, whose score source is this one's with
        every pair of a mentee outside ``keep`` (bool per mentee) ineligible: the same
        arrays :func:`build_cache` would read from it (the exact scores kept for the other
        mentees stay: they are the same scores)."""
        self.problem = problem
        drop = np.flatnonzero(~keep)
        for rows in chunks(drop):
            self.approx[rows] = -np.inf
        self.eligible_count[drop] = 0
        if self.kept is not None:  # their scores may be another source's (swap_rows)
            self.kept.drop_mentees(drop)
        self.eligible_labels[drop] = False
        locked = np.array([lk.mentee for lk in problem.locks], np.int64)
        self.lock_eligible = self.lock_eligible & keep[locked]
        if self.multi_label:  # is it still true on the rows kept?
            offers = problem.offers.astype(np.float32)
            net_rows = np.flatnonzero(keep & (problem.network_size > 1))
            self.multi_label = any(bool(
                (((problem.wants[rows].astype(np.float32) @ offers.T) >= 2) &
                 (self.approx[rows] > -np.inf)).any()) for rows in chunks(net_rows))
        return self


@dataclass(frozen=True)
class SavedRows:
    """Rows of a :class:`ScoreCache` kept aside (:meth:`ScoreCache.save_rows`)."""

    rows: np.ndarray  # sorted mentee indices
    approx: np.ndarray  # their rows of the screening copy
    keys: np.ndarray  # their kept exact scores: pair keys ...
    scores: np.ndarray  # ... and scores


class CacheBuilder:
    """A :class:`ScoreCache` filled block by block: :func:`build_cache` feeds it the
    problem's own blocks; a caller that reads two score kinds in one pass feeds one builder
    per kind (:meth:`add` takes a block whose forbidden pairs are already ineligible)."""

    def __init__(self, problem: MatchProblem, screen_dtype: str = "float32",
                 empty: Allocate = np.empty) -> None:
        if screen_dtype not in SCREEN_ROUNDING:
            raise ValueError(f"screen_dtype must be one of {', '.join(SCREEN_ROUNDING)}")
        n, m, n_labels = problem.n_mentees, problem.n_mentors, len(problem.labels)
        self.problem, self.screen_dtype = problem, screen_dtype
        self.approx = empty((n, m), screen_dtype)
        self.eligible_count = np.zeros(n, np.int64)
        self.eligible_labels = np.zeros((n, n_labels), bool)
        self._offers = problem.offers.astype(np.float32)
        self._label_weight = problem.wants.astype(np.float32)
        self._networks = problem.network_size > 1
        self.multi_label = False
        lock_pairs = np.array([(lk.mentee, lk.mentor) for lk in problem.locks], np.int64)
        self._lock_pairs = lock_pairs.reshape(-1, 2)
        self.lock_eligible = np.zeros(len(self._lock_pairs), bool)
        self._dense = problem.scores.total if isinstance(problem.scores, DenseScores) else None
        self._keeper = KeptScoresBuilder(m) if self._dense is None else None

    def plan(self, forbids: np.ndarray | None = None) -> BlockReduce:
        """What each block's reduce needs (:mod:`matcher.solver.block_reduce`), with these
        forbidden pairs (none: the blocks come with them applied)."""
        forbids = by_mentee(np.zeros((0, 2), np.int64) if forbids is None else forbids)
        keeper = self._keeper
        if keeper is None:
            return BlockReduce(self.screen_dtype, forbids, self.problem.offers)
        return BlockReduce(self.screen_dtype, forbids, self.problem.offers, keeper.floor,
                           keeper.per_mentee, keeper.per_mentor)

    def floor(self) -> np.ndarray | None:
        """Each mentor's lowest kept exact score now (None: no exact scores kept)."""
        return None if self._keeper is None else self._keeper.floor

    def add(self, start: int, total: np.ndarray, eligible: np.ndarray) -> None:
        """Take the block of rows ``start:start + len(total)`` (reduced here)."""
        self.add_reduced(reduce_block(np.arange(start, start + total.shape[0]), total,
                                      eligible, self.plan()))

    def add_reduced(self, block: ReducedBlock) -> None:
        """Take a block reduced by :func:`~matcher.solver.block_reduce.reduce_block`
        (blocks in mentee order, each row once)."""
        mentees = block.mentees
        first, rows = int(mentees[0]), len(mentees)
        contiguous = int(mentees[-1]) - first + 1 == rows
        at = slice(first, first + rows) if contiguous else mentees
        self.approx[at] = block.approx
        self.eligible_count[at] = block.eligible_count
        if len(self.problem.labels):
            self.eligible_labels[at] = block.eligible_labels
            net_rows = np.nonzero(self._networks[at])[0]
            if len(net_rows) and not self.multi_label:
                overlap = self._label_weight[mentees[net_rows]] @ self._offers.T
                self.multi_label = bool(((overlap >= 2) &
                                         (block.approx[net_rows] > -np.inf)).any())
        lock_pairs = self._lock_pairs
        where = np.searchsorted(mentees, lock_pairs[:, 0])
        in_block = (where < rows) & (mentees[np.minimum(where, rows - 1)] == lock_pairs[:, 0])
        self.lock_eligible[in_block] = block.approx[where[in_block],
                                                    lock_pairs[in_block, 1]] > -np.inf
        if self._keeper is not None and block.bests is not None:
            self._keeper.add_bests(block.bests)

    def build(self) -> ScoreCache:
        """The cache of every block taken (keep bonus added to the screening copy)."""
        problem, m = self.problem, self.problem.n_mentors
        keys = pair_keys(problem.keep_bonus[:, 0].astype(np.int64),
                         problem.keep_bonus[:, 1].astype(np.int64), m)
        order = np.argsort(keys, kind="stable")
        points = problem.keep_bonus[order, 2] if len(keys) else np.zeros(0)
        keys = keys[order]
        cache = ScoreCache(problem, self.approx, self.eligible_count, self.eligible_labels,
                           self.multi_label, self.lock_eligible, keys, points, self._dense,
                           SCREEN_ROUNDING[self.screen_dtype],
                           self._keeper.build() if self._keeper is not None else None)
        cache.add_bonus(np.arange(problem.n_mentees))
        return cache


def build_cache(problem: MatchProblem, screen_dtype: str = "float32",
                empty: Allocate = np.empty) -> ScoreCache:
    """Read every score block once (forbids applied) into a :class:`ScoreCache` whose
    screening copy has ``screen_dtype`` (see :data:`SCREEN_ROUNDING`) and is allocated by
    ``empty`` (e.g. :func:`scoring.huge_pages.small_page_matrix`)."""
    builder = CacheBuilder(problem, screen_dtype, empty)
    if isinstance(problem.scores, ReducingScores) and problem.scores.make_reduced:
        # reduced where the blocks are scored (the forbids go with them)
        for block in problem.scores.make_reduced(builder.plan(problem.forbids),
                                                 builder.floor):
            builder.add_reduced(block)
        return builder.build()
    for start, total, eligible in problem.blocks():
        builder.add(start, total, eligible)
    return builder.build()


def chunks(rows: np.ndarray) -> Iterator[np.ndarray]:
    """Consecutive slices of ``rows`` of at most CHUNK_ROWS."""
    for lo in range(0, len(rows), CHUNK_ROWS):
        yield rows[lo:lo + CHUNK_ROWS]
