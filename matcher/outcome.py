"""What one match produced, by participant id: pairings, networks and the match outcome.

:mod:`matcher.pipeline` fills these from the solver's result (indices, through
:mod:`matcher.encoder`); :mod:`matcher.outputs` and :mod:`matcher.runfolder` read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from matcher.solver.result import Role, SolverResult
from scoring.config import ProgramConfig
from scoring.profiles import Cohort

if TYPE_CHECKING:
    from scoring.features import CohortFeatures


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
