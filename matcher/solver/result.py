"""What a solve returns: the chosen pairs by index, status, objective, bound and reasons.

Indices refer to the solver's mentee and mentor positions (the order of
``MatchProblem.mentee_ids`` / ``mentor_ids``); :mod:`matcher.encoder` turns them into ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["primary", "specialist"]
#: "stable": the stable mode's matching, checked to have no blocking pair (it optimises no
#: score, so it is never called optimal)
Status = Literal["optimal", "feasible", "infeasible", "stable"]


@dataclass(frozen=True)
class Assignment:
    """One solver-chosen pair, by index, with the network role it fills."""

    mentee: int
    mentor: int
    role: Role
    covers: str | None  # the need area or role ("coach", "advisor") a specialist covers
    score: float  # 0-100, the pair's compatibility score
    locked: bool = False


@dataclass
class SolverResult:
    """What the solver proved: assignment, status, objective, bound, gap and reasons."""

    assignments: list[Assignment]
    status: Status
    objective: float  # in score points (sum of placed pairs' scores, or the mode's value)
    bound: float  # best proven bound on ``objective``
    gap: float  # relative gap (0.0 when optimal)
    wall_time: float  # seconds
    engine: str  # "min_cost_flow", "mip_highs", "deferred_acceptance", ...
    unplaced: dict[int, str] = field(default_factory=dict)  # mentee index -> reason in words
    partial: dict[int, str] = field(default_factory=dict)  # placed, fewer mentors than asked
    shortfall: dict[str, int] = field(default_factory=dict)  # need area -> unmet requests
    stats: dict[str, object] = field(default_factory=dict)  # pruning k, certified, arcs ...
    messages: list[str] = field(default_factory=list)
