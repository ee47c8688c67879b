"""Exact scores kept from the one pass over a streamed score source.

When the scores are not held as a matrix (large cohorts), the solver reads the score
source once (:func:`~matcher.solver.score_cache.build_cache`) and keeps a float32 copy for
its whole-matrix screens. Every later step needs the *exact* (float64) scores of some pairs:
the candidates (each mentee's best mentors and each mentor's best mentees), the pairs a
certificate adds (nearly always among the best too) and the pairs of the result. So the
same pass keeps, in :class:`KeptScores`, the exact scores of

* each mentee's :data:`PER_MENTEE` best eligible mentors (ranked per block), and
* each mentor's :data:`PER_MENTOR` best eligible mentees (a running table of each
  mentor's best so far; a block's entries are set aside only where they beat the mentor's
  worst kept entry, its *floor*, which after the first blocks is a few per mentor, and
  are among the mentor's best of the block; the entries set aside are merged into the
  table when they reach a share of its size, :data:`MERGE_SHARE`, so the table is read
  once per several blocks, not once per block),

ties going to the lower index, so the kept pairs are a pure function of the scores. A
block's part (:func:`block_bests`) is computed where the block is scored (against a floor
that may be a few blocks old: it only lets more entries through), and the builder merges
(:class:`KeptScoresBuilder`). Every pair scored later is added, so no pair is scored twice.
A lookup the store cannot answer goes to the score source for those pairs only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matcher.solver.pair_keys import mask_pairs, pair_keys, sorted_contains, split_keys

#: Exact scores kept per mentee (its best eligible mentors).
PER_MENTEE = 32
#: Exact scores kept per mentor (its best eligible mentees).
PER_MENTOR = 128
#: A row's entries from its bar on are ranked directly while they are at most this many
#: times PER_MENTEE (else numpy's selection is used for that row).
SELECT_GROUP = 8
#: A mentor table's merge waits for 1 / MERGE_SHARE of its size in entries that beat their
#: mentor's worst kept score (each merge reads every hit mentor's row of the table).
MERGE_SHARE = 4


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


    def drop_mentees(self, mentees: np.ndarray) -> None:
        """Forget the pairs of these mentees (their scores changed meaning)."""
        gone = np.isin(split_keys(self.keys, self.n_mentors)[0], mentees)
        self.keys, self.scores = self.keys[~gone], self.scores[~gone]


def top_k_mask(values: np.ndarray, k: int) -> np.ndarray:
    """Each row's ``k`` largest entries (all of a row of at most ``k``), ties at the k-th
    value taken from the left: exactly ``min(k, width)`` per row, a pure function of the
    values and their order (so the kept pairs do not depend on how the rows were split
    into blocks or when they were merged)."""
    rows, width = values.shape
    if width <= k:
        return np.ones(values.shape, bool)
    kth = np.partition(values, width - k, axis=1)[:, width - k, None]
    take = values > kth
    tied = values == kth
    room = k - take.sum(axis=1)
    crowded = np.flatnonzero(tied.sum(axis=1) > room)  # more ties than places: leftmost
    if len(crowded):
        tied[crowded] &= np.cumsum(tied[crowded], axis=1) <= room[crowded, None]
    return take | tied


@dataclass(frozen=True)
class BlockBests:
    """What one block of rows gives the kept scores (:func:`block_bests`): its mentees'
    best pairs, final, and its entries that may enter the mentor table."""

    keys: np.ndarray  # pair keys of each mentee's per_mentee best eligible mentors ...
    scores: np.ndarray  # ... and their exact scores
    mentor: np.ndarray  # entries for the mentor table, row-major: mentor ...
    score: np.ndarray  # ... exact score ...
    mentee: np.ndarray  # ... and mentee


def block_bests(mentees: np.ndarray, usable: np.ndarray, floor: np.ndarray,
                per_mentee: int = PER_MENTEE, per_mentor: int = PER_MENTOR) -> BlockBests:
    """The block's part of the kept scores (``usable``: the exact scores, ``-inf`` where
    ineligible; ``mentees``: its rows' indices): each row's ``per_mentee`` best, and the
    entries that beat their mentor's ``floor`` (a kept worst score, or a lower one: a stale
    floor only lets more in) and are among the mentor's ``per_mentor`` best of the block
    (no other entry of the block can be among its best of all). Runs where the block is
    scored (:mod:`matcher.solver.block_reduce`)."""
    m = usable.shape[1]
    bi, bj = mentee_bests(usable, per_mentee)
    beats = usable > floor
    crowded = np.flatnonzero(beats.sum(axis=0) > per_mentor)
    if len(crowded):  # only a mentor's per_mentor best of the block may enter its table
        column = usable[:, crowded]
        bar = np.partition(column, len(column) - per_mentor, axis=0)[len(column) - per_mentor]
        beats[:, crowded] &= column >= bar
    row, mentor = mask_pairs(beats)
    return BlockBests(pair_keys(mentees[bi], bj, m), usable[bi, bj], mentor,
                      usable[row, mentor], mentees[row])


def mentee_bests(usable: np.ndarray, k: int = PER_MENTEE) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of each row's ``k`` largest finite entries (ties: the lower column).

    A row's k-th largest is at least the smallest of the maxima of k column groups
    (each group holds an entry that large), so only the entries from that bar on are
    ranked: one reduction and one comparison over the block instead of a selection.
    Rows with a group of no finite entry, or too many ties at the bar, fall back to
    :func:`top_k_mask`."""
    rows, m = usable.shape
    if m <= k * SELECT_GROUP:
        return _finite(usable, *mask_pairs(top_k_mask(usable, k)))
    group_max = np.maximum.reduceat(usable, np.arange(0, m, -(-m // k)), axis=1)
    bar = group_max.min(axis=1)
    bi, bj = mask_pairs(usable >= bar[:, None])  # -inf bar: the whole row
    count = np.bincount(bi, minlength=rows)
    fall_back = np.flatnonzero(count > k * SELECT_GROUP)
    if len(fall_back):
        keep = ~np.isin(bi, fall_back)
        bi, bj = bi[keep], bj[keep]
    order = np.lexsort((-usable[bi, bj], bi))  # by row, best first, ties by column
    bi, bj = bi[order], bj[order]
    first = np.concatenate([[0], np.cumsum(np.bincount(bi, minlength=rows))[:-1]])
    best = np.arange(len(bi)) - first[bi] < k
    bi, bj = bi[best], bj[best]
    if len(fall_back):
        fi, fj = mask_pairs(top_k_mask(usable[fall_back], k))
        bi, bj = np.concatenate([bi, fall_back[fi]]), np.concatenate([bj, fj])
    return _finite(usable, bi, bj)


def _finite(usable: np.ndarray, bi: np.ndarray, bj: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isfinite(usable[bi, bj])
    return bi[ok], bj[ok]


class KeptScoresBuilder:
    """Collects :class:`KeptScores` block by block during the cache's one pass.

    The kept pairs are a pure function of the scores: each mentee's ``per_mentee`` best
    (ties: the lower mentor index) and each mentor's ``per_mentor`` best (ties: the lower
    mentee index), however the rows are split into blocks, provided the blocks come in
    increasing mentee order."""

    def __init__(self, n_mentors: int, per_mentee: int = PER_MENTEE,
                 per_mentor: int = PER_MENTOR) -> None:
        self.n_mentors = n_mentors
        self.per_mentee, self.per_mentor = per_mentee, per_mentor
        self._keys: list[np.ndarray] = []  # per-mentee bests, final
        self._scores: list[np.ndarray] = []
        # each mentor's best usable scores so far (-inf: an empty place) and their mentees,
        # in increasing mentee order (so a tie goes to the mentee merged first)
        self._best_score = np.full((n_mentors, per_mentor), -np.inf)
        self._best_mentee = np.full((n_mentors, per_mentor), -1, np.int64)
        self._worst = np.full(n_mentors, -np.inf)  # each mentor's lowest kept score
        # entries that beat their mentor's worst, not merged yet: (mentor, score, mentee)
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._pending_count = 0
        #: pending entries that trigger a merge: a quarter of the table, so a merge (which
        #: reads the table rows of the mentors hit) costs a few operations per entry
        self._merge_at = max(n_mentors * per_mentor // MERGE_SHARE, 1)

    @property
    def floor(self) -> np.ndarray:
        """A copy of each mentor's lowest kept score (what a block's entry must beat)."""
        return self._worst.copy()

    def add_block(self, start: int, total: np.ndarray, eligible: np.ndarray) -> None:
        """Take one block's candidates for keeping (``total`` float64, ``eligible`` bool)."""
        self.add_rows(np.arange(start, start + total.shape[0]), total, eligible)

    def add_rows(self, mentees: np.ndarray, total: np.ndarray, eligible: np.ndarray) -> None:
        """:meth:`add_block` for the rows of these mentees (sorted indices)."""
        usable = np.where(eligible, np.asarray(total, np.float64), -np.inf)
        self.add_bests(block_bests(np.asarray(mentees, np.int64), usable, self._worst,
                                   self.per_mentee, self.per_mentor))

    def add_bests(self, bests: BlockBests) -> None:
        """Take a block's :func:`block_bests` (computed against this builder's
        :attr:`floor` or an older one)."""
        self._keys.append(bests.keys)
        self._scores.append(bests.scores)
        # entries below the worst now kept cannot enter (a stale floor let them through)
        beats = bests.score > self._worst[bests.mentor]
        if beats.any():
            self._pending.append((bests.mentor[beats], bests.score[beats],
                                  bests.mentee[beats]))
            self._pending_count += int(beats.sum())
        if self._pending_count >= self._merge_at:
            self._merge_pending()

    def _merge_pending(self) -> None:
        """Merge the pending entries into each mentor's best: per mentor, the best
        ``per_mentor`` of its kept and pending entries (a stale worst only lets more in)."""
        if not self._pending:
            return
        mentor, score, mentee = (np.concatenate(part) for part in zip(*self._pending,
                                                                      strict=True))
        self._pending, self._pending_count = [], 0
        order = np.argsort(mentor, kind="stable")
        mentor, score, mentee = mentor[order], score[order], mentee[order]
        hit, first, count = np.unique(mentor, return_index=True, return_counts=True)
        slot = np.arange(len(mentor)) - np.repeat(first, count)
        # mentors grouped by their count rounded up to a power of two, each group padded
        # to its width: a few mentors with many entries do not widen every mentor's row
        width = 1 << np.ceil(np.log2(count)).astype(np.int64)
        for size in np.unique(width):
            group = width == size
            entries = np.repeat(group, count)
            at = np.repeat(np.cumsum(group) - 1, count)[entries]
            self._merge_group(hit[group], int(size), at, slot[entries], score[entries],
                              mentee[entries])

    def _merge_group(self, hit: np.ndarray, width: int, at: np.ndarray, slot: np.ndarray,
                     score: np.ndarray, mentee: np.ndarray) -> None:
        """Merge entries (row ``at`` of ``hit``, place ``slot`` < ``width``) into the
        table rows of the mentors ``hit``."""
        new_score = np.full((len(hit), width), -np.inf)
        new_mentee = np.full(new_score.shape, -1, np.int64)
        new_score[at, slot] = score
        new_mentee[at, slot] = mentee
        scores = np.concatenate([self._best_score[hit], new_score], axis=1)
        mentees = np.concatenate([self._best_mentee[hit], new_mentee], axis=1)
        keep = top_k_mask(scores, self.per_mentor)  # in row order: a tie to the older
        self._best_score[hit] = scores[keep].reshape(len(hit), self.per_mentor)
        self._best_mentee[hit] = mentees[keep].reshape(len(hit), self.per_mentor)
        self._worst[hit] = self._best_score[hit].min(axis=1)

    def build(self) -> KeptScores:
        """The kept scores of every block taken."""
        self._merge_pending()
        kept = np.isfinite(self._best_score)
        mentor = np.broadcast_to(np.arange(self.n_mentors)[:, None], kept.shape)[kept]
        kept_scores = KeptScores(self.n_mentors)
        kept_scores.add(
            np.concatenate([*self._keys, pair_keys(self._best_mentee[kept], mentor,
                                                   self.n_mentors)]),
            np.concatenate([*self._scores, self._best_score[kept]]))
        return kept_scores
