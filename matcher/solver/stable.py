"""The stable engine: mentee-proposing deferred acceptance (hospitals/residents), primaries only.

Both sides rank the other by pair score, ties broken by id. Mentees propose down their list
of eligible mentors; a mentor holds the best proposals up to its capacity and rejects the
rest. The outcome does not depend on proposal order, so it is the mentee-optimal stable
matching: no mentee and mentor would both rather be matched to each other than keep what
they got, and every mentee gets the best mentor it can have in any stable matching.

Scale (issue 15): no step holds a second matrix of every pair. Scores are read in blocks of
mentee rows; each mentee's list starts as its :data:`TOP` best mentors (``argpartition``
per block: every mentor scoring at least the TOP-th best, so ties at the edge are all in and
the list is an exact prefix of the full ranking), and only a mentee rejected by all of them
gets its whole row ranked. The blocking-pair check reads the same blocks again.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from matcher.solver.context import Context, EngineResult

#: Mentors ranked up front per mentee; most mentees are placed within their first few.
TOP = 24
#: Pairs per block of mentee rows (float64 scores: 32 MB).
BLOCK_PAIRS = 4_000_000


@dataclass(frozen=True)
class StableInput:
    """Scores and limits for the stable mode (indices; ranks give id order).

    ``rows(lo, hi)`` gives the objective scores of mentees ``lo..hi-1`` against every mentor
    as float64, ``-inf`` where the pair is not eligible (a block, never the whole matrix).
    """

    n_mentees: int
    n_mentors: int
    rows: Callable[[int, int], np.ndarray]
    capacity: np.ndarray  # (M,) places left
    proposes: np.ndarray  # (N,) bool, mentee takes part (not already locked)
    mentee_rank: np.ndarray  # (N,) id order
    mentor_rank: np.ndarray  # (M,)

    def blocks(self) -> Iterator[tuple[int, np.ndarray]]:
        """(first mentee, scores) for consecutive blocks of at most BLOCK_PAIRS pairs."""
        step = max(1, BLOCK_PAIRS // max(self.n_mentors, 1))
        for lo in range(0, self.n_mentees, step):
            yield lo, self.rows(lo, min(lo + step, self.n_mentees))


class DenseRows:
    """Objective score rows of a dense matrix and its eligibility (tests, benchmarks)."""

    def __init__(self, score: np.ndarray, eligible: np.ndarray) -> None:
        self.score, self.eligible = score, eligible

    def __call__(self, lo: int, hi: int) -> np.ndarray:
        return np.where(self.eligible[lo:hi], self.score[lo:hi], -np.inf)


@dataclass(frozen=True)
class Preferences:
    """Each mentee's best mentors, best first (ties by mentor id), as flat arrays: mentee
    ``i``'s are ``mentor[start[i]:start[i + 1]]`` with their scores. ``complete[i]`` when
    they are all its eligible mentors; otherwise the list is the start of its ranking."""

    start: np.ndarray  # (N + 1,)
    mentor: np.ndarray
    score: np.ndarray
    complete: np.ndarray  # (N,) bool


def _ranked(scores: np.ndarray, take: np.ndarray, mentor_rank: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, mentor, score) of the ``take`` cells, each row's best first, ties by id."""
    rows, cols = np.nonzero(take)
    values = scores[rows, cols]
    order = np.lexsort((mentor_rank[cols], -values, rows))
    return rows[order], cols[order], values[order]


def preferences(inp: StableInput, top: int = TOP) -> Preferences:
    """Each mentee's ``top`` best eligible mentors (more on a tie at the edge), ranked."""
    n, m = inp.n_mentees, inp.n_mentors
    counts, mentors, scores, complete = [], [], [], []
    for _, block in inp.blocks():
        eligible = block > -np.inf
        if top < m:
            edge = np.partition(block, m - top, axis=1)[:, m - top]
            take = eligible & (block >= edge[:, None])
        else:
            take = eligible
        rows, cols, values = _ranked(block, take, inp.mentor_rank)
        per_row = np.bincount(rows, minlength=len(block))
        counts.append(per_row)
        complete.append(per_row == eligible.sum(axis=1))
        mentors.append(cols)
        scores.append(values)
    start = np.zeros(n + 1, np.int64)
    if n:
        np.cumsum(np.concatenate(counts), out=start[1:])
    return Preferences(start, np.concatenate(mentors) if mentors else np.zeros(0, np.int64),
                       np.concatenate(scores) if scores else np.zeros(0),
                       np.concatenate(complete) if complete else np.zeros(0, bool))


def _whole_row(inp: StableInput, i: int) -> tuple[list[int], list[float]]:
    """Mentee ``i``'s full ranking of its eligible mentors (mentors and scores)."""
    row = inp.rows(i, i + 1)
    _, cols, values = _ranked(row, row > -np.inf, inp.mentor_rank)
    return cols.tolist(), values.tolist()


def deferred_acceptance(inp: StableInput, prefs: Preferences | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Return each mentee's mentor index (-1 when unmatched) and the pair's score.

    One proposal at a time, each mentor keeping a heap of the mentees it holds keyed by its
    preference (score, then lower id), so its least preferred is at the top: measured faster
    than proposing in vectorised rounds, whose count grows with the longest rejection chain.
    """
    n = inp.n_mentees
    prefs = prefs or preferences(inp)
    start = prefs.start.tolist()
    complete = prefs.complete.copy()
    capacity = inp.capacity.tolist()
    mentee_rank = inp.mentee_rank.tolist()
    held: list[list[tuple[float, int, int]]] = [[] for _ in capacity]
    next_choice = [0] * n
    lists: dict[int, tuple[list[int], list[float]]] = {}
    free = np.nonzero(inp.proposes & (np.diff(prefs.start) > 0))[0][::-1].tolist()
    while free:
        i = free.pop()
        if i not in lists:
            lists[i] = (prefs.mentor[start[i]:start[i + 1]].tolist(),
                        prefs.score[start[i]:start[i + 1]].tolist())
        mentors, scores = lists[i]
        k = next_choice[i]
        if k >= len(mentors):
            if complete[i]:
                continue
            lists[i] = mentors, scores = _whole_row(inp, i)  # its list starts the same
            complete[i] = True
            if k >= len(mentors):
                continue
        j = mentors[k]
        next_choice[i] = k + 1
        heap = held[j]
        key = (scores[k], -mentee_rank[i], i)
        if len(heap) < capacity[j]:
            heapq.heappush(heap, key)
        elif capacity[j] and key > heap[0]:
            free.append(heapq.heapreplace(heap, key)[2])
        else:
            free.append(i)
    match = np.full(n, -1, np.int64)
    score = np.full(n, -np.inf)
    for j, heap in enumerate(held):
        for value, _, i in heap:
            match[i], score[i] = j, value
    return match, score


def _by_mentor(inp: StableInput, mentees: np.ndarray, mentors: np.ndarray,
               scores: np.ndarray) -> np.ndarray:
    """Order of (mentee, mentor) proposals: by mentor, each mentor's favourite first (higher
    score, then lower mentee id)."""
    order = np.lexsort((-scores, mentors))
    same = (mentors[order][1:] == mentors[order][:-1]) & (scores[order][1:] == scores[order][:-1])
    if same.any():  # equal scores at one mentor: the mentee id decides
        order = np.lexsort((inp.mentee_rank[mentees], -scores, mentors))
    return order


def blocking_pairs(inp: StableInput, match: np.ndarray, match_score: np.ndarray
                   ) -> np.ndarray:
    """Eligible (mentee, mentor) pairs that would both rather be together (K × 2 array),
    checked on every eligible pair, block by block."""
    m = inp.n_mentors
    load = np.bincount(match[match >= 0], minlength=m)
    held = np.nonzero(match >= 0)[0]
    # each mentor's least preferred held mentee: last in the mentor's order
    order = _by_mentor(inp, held, match[held], match_score[held])
    mentees, mentors = held[order], match[held][order]
    last = np.r_[mentors[1:] != mentors[:-1], True] if len(mentors) else np.zeros(0, bool)
    worst_score = np.full(m, np.inf)
    worst_rank = np.full(m, -1, np.int64)
    worst_score[mentors[last]] = match_score[mentees[last]]
    worst_rank[mentors[last]] = inp.mentee_rank[mentees[last]]
    open_place = (load < inp.capacity)[None, :]
    found = []
    for lo, block in inp.blocks():
        rows = np.arange(lo, lo + len(block))
        mine, mine_rank = match_score[rows, None], inp.mentor_rank[np.maximum(match[rows], 0)]
        # the mentee ranks mentors by score, then id: a better one, or any when unmatched
        better = (block > mine) | ((block == mine) & (inp.mentor_rank[None, :]
                                                      < mine_rank[:, None]))
        mentee_wants = (block > -np.inf) & inp.proposes[rows, None] & (
            better | (match[rows] < 0)[:, None])
        rank = inp.mentee_rank[rows, None]
        prefers = (block > worst_score[None, :]) | (
            (block == worst_score[None, :]) & (rank < worst_rank[None, :]))
        pairs = np.argwhere(mentee_wants & (open_place | prefers))
        pairs[:, 0] += lo
        found.append(pairs)
    return np.concatenate(found) if found else np.zeros((0, 2), np.int64)


class _CacheRows:
    """Objective rows read from the score cache: eligible pairs (banned ones removed) get
    their exact score plus keep bonus, the rest ``-inf``."""

    def __init__(self, ctx: Context) -> None:
        self.cache, self.m = ctx.cache, ctx.problem.n_mentors
        banned = ctx.residual.banned
        order = np.argsort(banned[:, 0], kind="stable") if len(banned) else np.zeros(0, int)
        self.banned = banned[order] if len(banned) else np.zeros((0, 2), np.int64)

    def __call__(self, lo: int, hi: int) -> np.ndarray:
        cache = self.cache
        eligible = cache.approx[lo:hi] > -np.inf
        if len(self.banned):
            first, stop = np.searchsorted(self.banned[:, 0], [lo, hi])
            inside = self.banned[first:stop]
            eligible[inside[:, 0] - lo, inside[:, 1]] = False
        if cache.dense_exact is not None and not len(cache.bonus_keys):
            return np.where(eligible, np.asarray(cache.dense_exact[lo:hi], np.float64),
                            -np.inf)
        rows, cols = np.nonzero(eligible)
        out = np.full(eligible.shape, -np.inf)
        out[rows, cols] = cache.objective(rows + lo, cols)
        return out


def solve_stable(ctx: Context) -> EngineResult:
    """The stable engine: deferred acceptance on the cached scores (primaries only; locked
    mentees do not propose, banned pairs are not eligible)."""
    problem, r = ctx.problem, ctx.residual
    inp = StableInput(problem.n_mentees, problem.n_mentors, _CacheRows(ctx),
                      r.capacity, r.needs_primary, ctx.mentee_rank, ctx.mentor_rank)
    match, score = deferred_acceptance(inp)
    blocking = len(blocking_pairs(inp, match, score))
    mentees = np.nonzero(match >= 0)[0]
    messages = []
    if blocking:  # deferred acceptance leaves none; a count above 0 is a defect, said aloud
        messages.append(f"The stable matching check found {blocking} blocking pair(s); the "
                        "matching is not stable. Please report this with the run folder.")
    if problem.has_networks:
        wanting = int((problem.network_size > 1).sum())
        messages.append(f"Stable mode assigns primary mentors only: {wanting} mentee(s) asked "
                        "for a network and got their primary mentor alone. Use --objective "
                        "total or fair for networks.")
    if problem.minimum.any():
        messages.append("Stable mode ignores minimum loads.")
    return EngineResult("deferred_acceptance", mentees, match[mentees],
                        "feasible" if blocking else "stable", None,
                        {"blocking_pairs": blocking}, messages)
