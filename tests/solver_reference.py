"""Slow, obviously-correct references for the solver tests: brute force and textbook DA.

Kept apart from the solver's code on purpose: these enumerate every assignment of tiny
instances and share no logic with matcher/, so agreeing with them means something.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from matcher.solver.result import SolverResult


def valid_team(team: tuple[int, ...], i: int, wants: np.ndarray, offers: np.ndarray
               ) -> list[int]:
    """Members that may be the primary of ``team`` (every other member then brings a wanted
    specialty no other member brings); empty when the team is not a valid network."""
    def own(j: int) -> bool:
        others = [k for k in team if k != j]
        return any(wants[i, s] and offers[j, s] and not any(offers[k, s] for k in others)
                   for s in range(wants.shape[1]))
    return [p for p in team if all(own(k) for k in team if k != p)]


def brute_force(score: np.ndarray, eligible: np.ndarray, capacity: np.ndarray,
                network_size: np.ndarray, wants: np.ndarray, offers: np.ndarray,
                minimum: np.ndarray | None = None, fair: bool = False) -> tuple:
    """Best lexicographic value over every assignment.

    ``total``: (minimum filled, placed, total). ``fair``: (minimum filled, placed, lowest
    best-primary score, total).
    """
    n, m = score.shape
    minimum = np.zeros(m, int) if minimum is None else minimum
    options: list[list[tuple[tuple[int, ...], float, float]]] = []
    for i in range(n):
        mine: list[tuple[int, ...]] = [()]
        pool = [j for j in range(m) if eligible[i, j]]
        for size in range(1, int(network_size[i]) + 1):
            for team in itertools.combinations(pool, size):
                primaries = valid_team(team, i, wants, offers)
                if primaries:
                    mine.append(team)
        options.append([(t, sum(score[i, j] for j in t),
                         max((score[i, p] for p in valid_team(t, i, wants, offers)),
                             default=np.inf)) for t in mine])
    best: tuple[Any, ...] | None = None
    for combo in itertools.product(*options):
        load = np.zeros(m, int)
        for team, _, _ in combo:
            for j in team:
                load[j] += 1
        if (load > capacity).any():
            continue
        filled = int(np.minimum(load, minimum).sum())
        placed = sum(1 for team, _, _ in combo if team)
        total = sum(value for _, value, _ in combo)
        lowest = min((p for team, _, p in combo if team), default=np.inf)
        key: tuple[Any, ...] = ((filled, placed, round(lowest, 9), total) if fair
                                else (filled, placed, total))
        if best is None or key > best:
            best = key
    assert best is not None  # every mentee unplaced is always a candidate
    return best


def value_of(result: SolverResult, minimum: np.ndarray | None, fair: bool) -> tuple:
    """The same lexicographic value, read from a solver result."""
    load: dict[int, int] = {}
    for a in result.assignments:
        load[a.mentor] = load.get(a.mentor, 0) + 1
    filled = 0 if minimum is None else sum(min(load.get(j, 0), int(v))
                                           for j, v in enumerate(minimum))
    placed = len({a.mentee for a in result.assignments})
    total = sum(a.score for a in result.assignments)
    lowest = min((a.score for a in result.assignments if a.role == "primary"), default=np.inf)
    return (filled, placed, round(lowest, 9), total) if fair else (filled, placed, total)


def textbook_deferred_acceptance(score: np.ndarray, eligible: np.ndarray,
                                 capacity: np.ndarray) -> dict[int, int]:
    """One proposal at a time (Gale–Shapley, hospitals/residents), ties by index."""
    n, m = score.shape
    prefs = [sorted((j for j in range(m) if eligible[i, j]), key=lambda j: (-score[i, j], j))
             for i in range(n)]
    nxt = [0] * n
    held: dict[int, list[int]] = {j: [] for j in range(m)}
    free = list(range(n))
    while free:
        i = free.pop(0)
        if nxt[i] >= len(prefs[i]):
            continue
        j = prefs[i][nxt[i]]
        nxt[i] += 1
        held[j].append(i)
        held[j].sort(key=lambda k: (-score[k, j], k))
        if len(held[j]) > capacity[j]:
            free.append(held[j].pop())
    return {i: j for j, mentees in held.items() for i in mentees}
