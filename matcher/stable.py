"""Stable mode: mentee-proposing deferred acceptance (hospitals/residents), primaries only.

Both sides rank the other by pair score, ties broken by id. Mentees propose down their list
of eligible mentors; a mentor holds the best proposals up to its capacity and rejects the
rest. All free mentees propose at once each round (vectorised with numpy); the outcome does
not depend on proposal order, so it is the mentee-optimal stable matching: no mentee and
mentor would both rather be matched to each other than keep what they got, and every mentee
gets the best mentor it can have in any stable matching.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class StableInput:
    """Dense scores and limits for the stable mode (indices; ranks give id order)."""

    score: np.ndarray  # (N, M) float
    eligible: np.ndarray  # (N, M) bool
    capacity: np.ndarray  # (M,) places left
    proposes: np.ndarray  # (N,) bool, mentee takes part (not already locked)
    mentee_rank: np.ndarray  # (N,) id order
    mentor_rank: np.ndarray  # (M,)


@dataclass(frozen=True)
class Preferences:
    """Both sides' strict rankings (ties by id), computed once per instance."""

    lists: np.ndarray  # (N, M) mentor indices, each mentee's best first
    lengths: np.ndarray  # (N,) eligible mentors per mentee
    position: np.ndarray  # (N, M) rank of each mentee in each mentor's list (0 = best)


def preferences(inp: StableInput) -> Preferences:
    """Rank both sides by score; columns/rows are put in id order first so that a stable
    sort breaks equal scores by id."""
    score = np.where(inp.eligible, inp.score, -np.inf)
    n, m = score.shape
    mentor_order = np.argsort(inp.mentor_rank)
    mentee_order = np.argsort(inp.mentee_rank)
    lists = mentor_order[np.argsort(-score[:, mentor_order], axis=1, kind="stable")]
    by_mentor = mentee_order[np.argsort(-score[mentee_order], axis=0, kind="stable")]
    position = np.empty((n, m), np.int64)
    np.put_along_axis(position, by_mentor, np.arange(n)[:, None], axis=0)
    return Preferences(lists, inp.eligible.sum(axis=1), position)


def deferred_acceptance(inp: StableInput, prefs: Preferences | None = None) -> np.ndarray:
    """Return each mentee's mentor index (-1 when unmatched)."""
    n = inp.score.shape[0]
    prefs = prefs or preferences(inp)
    lists, lengths, position = prefs.lists, prefs.lengths, prefs.position
    next_choice = np.zeros(n, np.int64)
    held_mentee = np.zeros(0, np.int64)
    held_mentor = np.zeros(0, np.int64)
    free = inp.proposes & (lengths > 0)
    while free.any():
        proposers = np.nonzero(free)[0]
        targets = lists[proposers, next_choice[proposers]]
        next_choice[proposers] += 1
        mentees = np.concatenate([held_mentee, proposers])
        mentors = np.concatenate([held_mentor, targets])
        order = np.lexsort((position[mentees, mentors], mentors))
        mentees, mentors = mentees[order], mentors[order]
        group_start = np.searchsorted(mentors, mentors, side="left")
        kept = (np.arange(len(mentors)) - group_start) < inp.capacity[mentors]
        held_mentee, held_mentor = mentees[kept], mentors[kept]
        rejected = mentees[~kept]
        free = np.zeros(n, bool)
        free[rejected] = True
        free &= next_choice < lengths
    result = np.full(n, -1, np.int64)
    result[held_mentee] = held_mentor
    return result


def blocking_pairs(inp: StableInput, match: np.ndarray, prefs: Preferences | None = None
                   ) -> np.ndarray:
    """Eligible (mentee, mentor) pairs that would both rather be together (K × 2 array)."""
    n, m = inp.score.shape
    prefs = prefs or preferences(inp)
    lists, position = prefs.lists, prefs.position
    mentee_position = np.empty((n, m), np.int64)
    np.put_along_axis(mentee_position, lists, np.arange(m)[None, :], axis=1)
    current = np.where(match >= 0, mentee_position[np.arange(n), np.maximum(match, 0)], m)
    mentee_wants = inp.eligible & (mentee_position < current[:, None]) & inp.proposes[:, None]
    load = np.bincount(match[match >= 0], minlength=m)
    worst = np.full(m, -1, np.int64)  # worst held position per mentor
    held = np.nonzero(match >= 0)[0]
    np.maximum.at(worst, match[held], position[held, match[held]])
    mentor_wants = (load < inp.capacity)[None, :] | (position < worst[None, :])
    return np.argwhere(mentee_wants & mentor_wants)
