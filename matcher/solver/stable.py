"""The stable engine: mentee-proposing deferred acceptance (hospitals/residents), primaries only.

Both sides rank the other by pair score, ties broken by id. Mentees propose down their list
of eligible mentors; a mentor holds the best proposals up to its capacity and rejects the
rest. The outcome does not depend on proposal order, so it is the mentee-optimal stable
matching: no mentee and mentor would both rather be matched to each other than keep what
they got, and every mentee gets the best mentor it can have in any stable matching.

Scale (issue 15): no step holds a second matrix of every pair, nor a Python list of every
pair. Scores are read in blocks of mentee rows; each mentee's list starts as its
:data:`TOP` best mentors (``argpartition`` per block: every mentor scoring at least the
TOP-th best, so ties at the edge are all in and the list is an exact prefix of the full
ranking), and only mentees rejected by all of them get the rest ranked, together, without
the mentors that would reject them anyway. The blocking-pair check reads the blocks again.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from matcher.solver.context import Context, EngineResult
from matcher.solver.pair_keys import pair_keys, sorted_contains

#: Mentors ranked up front per mentee; most mentees are placed within their first few.
TOP = 24
#: Pairs per block of mentee rows (float64 scores: 32 MB).
BLOCK_PAIRS = 4_000_000


@dataclass(frozen=True)
class StableInput:
    """Scores and limits for the stable mode (indices; ranks give id order).

    ``rows(mentees)`` gives the objective scores of those mentees (sorted indices) against
    every mentor as float64, ``-inf`` where the pair is not eligible (a block of rows,
    never the whole matrix).
    """

    n_mentees: int
    n_mentors: int
    rows: Callable[[np.ndarray], np.ndarray]
    capacity: np.ndarray  # (M,) places left
    proposes: np.ndarray  # (N,) bool, mentee takes part (not already locked)
    mentee_rank: np.ndarray  # (N,) id order
    mentor_rank: np.ndarray  # (M,)
    screen: Screen | None = None  # a cheaper copy to find each mentee's best mentors

    def row_blocks(self, mentees: np.ndarray | None = None) -> Iterator[np.ndarray]:
        """Blocks of at most BLOCK_PAIRS pairs of ``mentees`` (sorted) or of every mentee."""
        mentees = np.arange(self.n_mentees) if mentees is None else mentees
        step = max(1, BLOCK_PAIRS // max(self.n_mentors, 1))
        for lo in range(0, len(mentees), step):
            yield mentees[lo:lo + step]

    def blocks(self, mentees: np.ndarray | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(mentees, their scores) in blocks of at most BLOCK_PAIRS pairs, of ``mentees``
        (sorted) or of every mentee."""
        for rows in self.row_blocks(mentees):
            yield rows, self.rows(rows)


@dataclass(frozen=True)
class Screen:
    """The objective scores rounded to a shorter float, kept anyway by the solver's cache.

    ``rows(mentees)`` gives them (``-inf`` where a pair is ineligible; a pair the engine
    must not use may still show a score) and ``pairs(mentees, mentors)`` the exact
    objective scores of those pairs, ``-inf`` where not eligible. Rounding to the nearest
    float never swaps two scores (it is monotone), so the mentors whose rounded score is
    among a mentee's best hold every mentor whose exact score is as good as theirs: their
    exact scores alone give an exact prefix of the mentee's ranking, without reading its
    whole row of exact scores. Only valid when the objective is one rounded number per
    pair (no keep bonus added after rounding).
    """

    rows: Callable[[np.ndarray], np.ndarray]
    pairs: Callable[[np.ndarray, np.ndarray], np.ndarray]


class DenseRows:
    """Objective score rows of a dense matrix and its eligibility (tests, benchmarks)."""

    def __init__(self, score: np.ndarray, eligible: np.ndarray) -> None:
        self.score, self.eligible = score, eligible

    def __call__(self, mentees: np.ndarray) -> np.ndarray:
        at = _rows_index(mentees)
        return np.where(self.eligible[at], self.score[at], -np.inf)


def _rows_index(mentees: np.ndarray) -> slice | np.ndarray:
    """A slice for consecutive mentees (a view, not a copy), else the indices."""
    if len(mentees) and mentees[-1] - mentees[0] + 1 == len(mentees):
        return slice(int(mentees[0]), int(mentees[-1]) + 1)
    return mentees


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
    """Each mentee's ``top`` best eligible mentors (more on a tie at the edge), ranked.

    With a :class:`Screen`, the best are found on its rounded copy and only their exact
    scores are read; a list then may be shorter than ``top`` (pairs the screen shows but
    the engine may not use are dropped) and is marked complete only when it holds every
    mentor the screen shows, so that :func:`_rest` ranks the rest when it runs out.
    """
    n, m = inp.n_mentees, inp.n_mentors
    counts, mentors, scores, complete = [], [], [], []
    for index in inp.row_blocks():
        if inp.screen is not None and top < m:
            rounded = inp.screen.rows(index)
            shown = rounded > -np.inf
            edge = np.partition(rounded, m - top, axis=1)[:, m - top]
            rows, cols = np.nonzero(shown & (rounded >= edge[:, None]))
            values = inp.screen.pairs(index[rows], cols)
            usable = values > -np.inf
            rows, cols, values = rows[usable], cols[usable], values[usable]
            order = np.lexsort((inp.mentor_rank[cols], -values, rows))
            rows, cols, values = rows[order], cols[order], values[order]
        else:
            block = inp.rows(index)
            shown = block > -np.inf
            if top < m:
                edge = np.partition(block, m - top, axis=1)[:, m - top]
                take = shown & (block >= edge[:, None])
            else:
                take = shown
            rows, cols, values = _ranked(block, take, inp.mentor_rank)
        per_row = np.bincount(rows, minlength=len(index))
        counts.append(per_row)
        complete.append(per_row == shown.sum(axis=1))
        mentors.append(cols)
        scores.append(values)
    start = np.zeros(n + 1, np.int64)
    if n:
        np.cumsum(np.concatenate(counts), out=start[1:])
    return Preferences(start, np.concatenate(mentors) if mentors else np.zeros(0, np.int64),
                       np.concatenate(scores) if scores else np.zeros(0),
                       np.concatenate(complete) if complete else np.zeros(0, bool))


def _rest(inp: StableInput, mentees: list[int], prefs: Preferences,
          held: list[list[tuple[float, int, int]]], capacity: list[int]
          ) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """For mentees rejected by every mentor of their list: the rest of their ranking, less
    the mentors that would reject them now (a full mentor holding only mentees it prefers;
    it will never prefer this mentee again, as what a mentor holds only gets better).
    Ranked in blocks, so a cohort where most mentees go down long lists is not one Python
    list of every pair."""
    m = inp.n_mentors
    worst_score = np.full(m, -np.inf)  # a mentor with room takes anyone eligible
    worst_rank = np.full(m, -np.inf)  # -(mentee rank) of the least preferred held
    for j, heap in enumerate(held):
        if capacity[j] == 0:
            worst_score[j] = np.inf
        elif len(heap) >= capacity[j]:
            worst_score[j], worst_rank[j] = heap[0][0], heap[0][1]
    rows = np.array(sorted(mentees), np.int64)
    for index, block in inp.blocks(rows):
        # the list holds every score >= its last (an empty list: none yet)
        last = np.full(len(index), np.inf)
        listed = prefs.start[index + 1] > prefs.start[index]
        last[listed] = prefs.score[prefs.start[index[listed] + 1] - 1]
        negative_rank = -inp.mentee_rank[index][:, None]
        take = (block > -np.inf) & (block < last[:, None]) & (
            (block > worst_score[None, :]) | ((block == worst_score[None, :])
                                              & (negative_rank > worst_rank[None, :])))
        at, cols, values = _ranked(block, take, inp.mentor_rank)
        bounds = np.searchsorted(at, np.arange(len(index) + 1)).tolist()
        for k, i in enumerate(index.tolist()):
            yield i, cols[bounds[k]:bounds[k + 1]], values[bounds[k]:bounds[k + 1]]


class _Mentors:
    """What each mentor holds during deferred acceptance: a heap of (score, -mentee rank,
    mentee) with its least preferred on top, and the bar a new proposal must pass as arrays
    (a mentor's least preferred held (score, -rank) when full; (-inf, -inf) while it has
    room; (inf, -inf) when it has no place at all)."""

    def __init__(self, capacity: np.ndarray) -> None:
        self.capacity = capacity.tolist()
        self.held: list[list[tuple[float, int, int]]] = [[] for _ in self.capacity]
        self.bar_score = np.where(capacity > 0, -np.inf, np.inf)
        self.bar_rank = np.full(len(self.capacity), -np.inf)

    def propose(self, j: int, key: tuple[float, int, int]) -> int | None:
        """Mentor ``j`` considers the proposal ``key``; returns the mentee it rejects (the
        proposer or the one it let go), None when it had room."""
        heap, capacity = self.held[j], self.capacity[j]
        if len(heap) < capacity:
            heapq.heappush(heap, key)
            rejected = None
        elif capacity and key > heap[0]:
            rejected = heapq.heapreplace(heap, key)[2]
        else:
            return key[2]
        if len(heap) == capacity:
            self.bar_score[j], self.bar_rank[j] = heap[0][0], heap[0][1]
        return rejected

    def first_acceptable(self, mentors: np.ndarray, scores: np.ndarray, negative_rank: int
                         ) -> int:
        """Index of the first mentor of a list that would hold this mentee now (its
        (score, -rank) passes the mentor's bar), or the list's length when none would."""
        bar = self.bar_score[mentors]
        passes = (scores > bar) | ((scores == bar) & (negative_rank > self.bar_rank[mentors]))
        first = int(passes.argmax()) if len(passes) else 0
        return first if len(passes) and passes[first] else len(mentors)


#: Mentors left on a list from which the next acceptable one is found by one array
#: comparison instead of one proposal each (below it, proposing is cheaper).
SKIP_FROM = 8


def deferred_acceptance(inp: StableInput, prefs: Preferences | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Return each mentee's mentor index (-1 when unmatched) and the pair's score.

    One proposal at a time, each mentor keeping a heap of the mentees it holds keyed by its
    preference (score, then lower id), so its least preferred is at the top: measured faster
    than proposing in vectorised rounds, whose count grows with the longest rejection chain.
    A mentee rejected by its whole first list waits until no one else is free; then the
    rest of the lists of all who wait are ranked at once (:func:`_rest`). A mentee with a
    long way to go down its list skips, in one array comparison against each mentor's bar,
    the mentors that would reject it (a rejection changes nothing, so skipping it is the
    same run): in a cohort with more mentees than places, those left unmatched are rejected
    by most of their eligible mentors. The outcome does not depend on the order of
    proposals, so it is the same mentee-optimal matching.
    """
    n = inp.n_mentees
    prefs = prefs or preferences(inp, TOP)
    start = prefs.start.tolist()
    complete = prefs.complete.tolist()
    mentee_rank = inp.mentee_rank.tolist()
    mentors_of = _Mentors(inp.capacity)
    next_choice = [0] * n
    lists: dict[int, tuple[list[int], list[float], np.ndarray, np.ndarray]] = {}
    listed = np.diff(prefs.start) > 0
    free = np.nonzero(inp.proposes & listed)[0][::-1].tolist()
    waiting = np.nonzero(inp.proposes & ~listed & ~prefs.complete)[0].tolist()
    while free or waiting:
        if not free:
            for i, mentors_at, scores_at in _rest(inp, waiting, prefs, mentors_of.held,
                                                  mentors_of.capacity):
                lists[i] = (mentors_at.tolist(), scores_at.tolist(), mentors_at, scores_at)
                next_choice[i], complete[i] = 0, True
                free.append(i)
            waiting = []
            continue
        i = free.pop()
        if i not in lists:
            at = slice(start[i], start[i + 1])
            lists[i] = (prefs.mentor[at].tolist(), prefs.score[at].tolist(), prefs.mentor[at],
                        prefs.score[at])
        mentors, scores, mentors_at, scores_at = lists[i]
        k = next_choice[i]
        if len(mentors) - k > SKIP_FROM:
            k += mentors_of.first_acceptable(mentors_at[k:], scores_at[k:], -mentee_rank[i])
        next_choice[i] = k + 1
        if k < len(mentors):
            rejected = mentors_of.propose(mentors[k], (scores[k], -mentee_rank[i], i))
            if rejected is not None:
                free.append(rejected)
        elif not complete[i]:
            waiting.append(i)
    match = np.full(n, -1, np.int64)
    score = np.full(n, -np.inf)
    for j, heap in enumerate(mentors_of.held):
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
    for rows, block in inp.blocks():
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
        pairs[:, 0] = rows[pairs[:, 0]]
        found.append(pairs)
    return np.concatenate(found) if found else np.zeros((0, 2), np.int64)


class _CacheRows:
    """Objective rows read from the score cache: eligible pairs (banned ones removed) get
    their exact score plus keep bonus, the rest ``-inf``."""

    def __init__(self, ctx: Context) -> None:
        self.cache = ctx.cache
        self.banned = np.asarray(ctx.residual.banned, np.int64).reshape(-1, 2)
        self.banned_keys = ctx.banned_keys

    def screen(self) -> Screen | None:
        """The cache's screening copy as a :class:`Screen`, when it is the objective rounded
        (no keep bonus, which is added to it after rounding)."""
        if len(self.cache.bonus_keys):
            return None
        return Screen(lambda mentees: self.cache.approx[_rows_index(mentees)], self.pairs)

    def pairs(self, mentees: np.ndarray, mentors: np.ndarray) -> np.ndarray:
        """Objective scores of these pairs, ``-inf`` where not eligible or banned."""
        out = self.cache.objective(mentees, mentors)
        out[self.cache.approx[mentees, mentors] == -np.inf] = -np.inf
        if len(self.banned_keys):
            keys = pair_keys(mentees, mentors, self.cache.problem.n_mentors)
            out[sorted_contains(self.banned_keys, keys)] = -np.inf
        return out

    def __call__(self, mentees: np.ndarray) -> np.ndarray:
        cache, at = self.cache, _rows_index(mentees)
        eligible = cache.approx[at] > -np.inf
        if len(self.banned):
            where = np.searchsorted(mentees, self.banned[:, 0])
            inside = (where < len(mentees)) & (
                mentees[np.minimum(where, len(mentees) - 1)] == self.banned[:, 0])
            eligible[where[inside], self.banned[inside, 1]] = False
        if cache.dense_exact is not None and not len(cache.bonus_keys):
            return np.where(eligible, np.asarray(cache.dense_exact[at], np.float64),
                            -np.inf)
        rows, cols = np.nonzero(eligible)
        out = np.full(eligible.shape, -np.inf)
        out[rows, cols] = cache.objective(mentees[rows], cols)
        return out


def solve_stable(ctx: Context) -> EngineResult:
    """The stable engine: deferred acceptance on the cached scores (primaries only; locked
    mentees do not propose, banned pairs are not eligible)."""
    problem, r = ctx.problem, ctx.residual
    rows = _CacheRows(ctx)
    inp = StableInput(problem.n_mentees, problem.n_mentors, rows, r.capacity, r.needs_primary,
                      ctx.mentee_rank, ctx.mentor_rank, rows.screen())
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
