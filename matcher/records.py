"""Records that flow from the solver to networks, plans and outputs.

These are the contract between :mod:`matcher.solver` (which fills them) and
:mod:`matcher.plans` / :mod:`matcher.export` (which read them). Indices refer to the
positions in ``Cohort.mentees`` / ``Cohort.mentors``; ids are the participants' stable ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from scoring.config import ProgramConfig
from scoring.profiles import Cohort

if TYPE_CHECKING:
    from scoring.features import CohortFeatures

Role = Literal["primary", "specialist"]
Status = Literal["optimal", "feasible", "infeasible"]


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


@dataclass(frozen=True)
class Pairing:
    """One mentee–mentor pair of a network, by id, ready for plans and outputs."""

    mentee_id: str
    mentor_id: str
    role: Role
    covers: str | None
    score: float
    locked: bool = False


@dataclass(frozen=True)
class Network:
    """A mentee's mentor network: primary first, then specialists (may be empty)."""

    mentee_id: str
    requested: int
    pairings: tuple[Pairing, ...]
    unplaced_reason: str | None = None  # set when the mentee has no mentor at all
    partial_reason: str | None = None  # set when placed with fewer mentors than requested

    @property
    def primary(self) -> Pairing | None:
        return next((p for p in self.pairings if p.role == "primary"), None)

    @property
    def specialists(self) -> tuple[Pairing, ...]:
        return tuple(p for p in self.pairings if p.role == "specialist")


@dataclass
class MatchOutcome:
    """Everything one `match` produced, in the order the outputs need it."""

    cohort: Cohort
    config: ProgramConfig
    objective: str
    result: SolverResult
    networks: list[Network]  # one per mentee, in ``cohort.mentees`` order
    # The features the match scored with, so that explaining its pairs need not build them
    # again (None: built when needed).
    features: CohortFeatures | None = field(default=None, repr=False, compare=False)
