"""Plain-words reasons for mentees left without (enough) mentors, and per-area shortfall.

Everything here reads a finished assignment; nothing changes it. Ids are the participants'
stable ids, so coordinators can find the people in their spreadsheets.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from matcher.solver.candidates import row_floor
from matcher.solver.pair_keys import mask_pairs
from matcher.solver.problem import SPECIALIST_ROLES, MatchProblem
from matcher.solver.score_cache import ScoreCache, chunks

#: How many full mentors a reason names before "and N more".
NAMED = 3
#: How the reason of an unplaced mentee without any eligible mentor begins (others had
#: eligible mentors, all full); :mod:`matcher.placement` tells the two apart by it.
NO_ELIGIBLE = "no eligible mentor"


def _list(names: list[str], total: int) -> str:
    more = f", and {total - len(names)} more" if total > len(names) else ""
    return ", ".join(names) + more


def unplaced_reasons(problem: MatchProblem, cache: ScoreCache, unplaced: np.ndarray,
                     load: np.ndarray,
                     explain_ineligible: Callable[[np.ndarray], dict[int, str]] | None = None,
                     ) -> dict[int, str]:
    """Why each unplaced mentee has no mentor: nobody eligible, or everyone eligible is full."""
    reasons: dict[int, str] = {}
    nobody = unplaced[cache.eligible_count[unplaced] == 0]
    detail = explain_ineligible(nobody) if explain_ineligible and len(nobody) else {}
    for i in nobody:
        reasons[int(i)] = f"{NO_ELIGIBLE}: " + detail.get(
            int(i), f"all {problem.n_mentors} mentors are excluded by an eligibility rule "
                    f"or a forbidden pair")
    full = unplaced[cache.eligible_count[unplaced] > 0]
    for rows in chunks(full):  # a chunk at a time: the rows of every unplaced mentee of a
        scores = cache.screen_rows(rows)  # national cohort would be a copy of gigabytes
        row, col = mask_pairs(scores >= row_floor(scores, NAMED)[:, None])
        order = np.lexsort((col, -scores[row, col], row))  # best first, ties by position
        row, col = row[order], col[order]
        first = np.searchsorted(row, np.arange(len(rows)))
        for k, i in enumerate(rows):
            count = int(cache.eligible_count[i])
            named = [f"{problem.mentor_ids[j]} ({load[j]}/{problem.capacity[j]})"
                     for j in col[first[k]:first[k] + min(NAMED, count)]]
            reasons[int(i)] = (f"all {count} eligible mentor{'s are' if count > 1 else ' is'} "
                               f"full: {_list(named, count)}")
    return reasons


def partial_reasons(problem: MatchProblem, cache: ScoreCache, members: dict[int, list[int]],
                    primary: dict[int, int]) -> dict[int, str]:
    """Why placed mentees got fewer mentors than they asked for."""
    reasons: dict[int, str] = {}
    for i, team in members.items():
        asked = int(problem.network_size[i])
        if len(team) >= asked:
            continue
        wanted = problem.wants[i]
        available = cache.eligible_labels[i] & wanted & ~problem.offers[primary[i]]
        names = [problem.labels[s] for s in np.nonzero(available)[0]]
        if len(team) - 1 >= len(names):
            what = f"only {len(names)} ({', '.join(names)})" if names else "none"
            reasons[i] = (f"asked for {asked} mentors, but eligible mentors bring {what} of the "
                          f"requested need areas or roles beyond what the primary mentor "
                          f"already brings, so at most {len(names) + 1} can form the network")
        else:
            covered = np.zeros(len(problem.labels), bool)
            for j in team:
                covered |= problem.offers[j]
            open_labels = [problem.labels[s] for s in np.nonzero(available & ~covered)[0]]
            reasons[i] = (f"asked for {asked} mentors, got {len(team)}: every eligible mentor "
                          f"who brings {', '.join(open_labels) or 'another requested area'} "
                          f"is full, or also brings an area the network already has")
    return reasons


def area_shortfall(problem: MatchProblem, members: dict[int, list[int]]
                   ) -> tuple[dict[str, int], list[str]]:
    """Per need area: mentees who asked for it and have nobody in their network who brings it."""
    n_labels = len(problem.labels)
    mentee = np.array([i for i, team in members.items() for _ in team], np.int64)
    mentor = np.array([j for team in members.values() for j in team], np.int64)
    brings = np.zeros((problem.n_mentees, n_labels), np.int64)
    np.add.at(brings, mentee, problem.offers[mentor].astype(np.int64))
    network_brings = brings > 0
    unmet = (problem.wants & ~network_brings).sum(axis=0)
    demand = problem.wants.sum(axis=0)
    supply = problem.offers.astype(np.int64).T @ problem.capacity
    shortfall: dict[str, int] = {}
    messages: list[str] = []
    for s, label in enumerate(problem.labels):
        if label in SPECIALIST_ROLES or unmet[s] == 0:
            continue
        shortfall[label] = int(unmet[s])
        messages.append(f"{label}: {unmet[s]} of {demand[s]} mentees who asked for it have no "
                        f"one in their network who brings it (mentors who bring it offer "
                        f"{supply[s]} places in all)")
    return shortfall, messages
