"""What one match produced, by participant id: pairings, networks and the match outcome.

:mod:`matcher.pipeline` solves and keeps the solver's result (indices); the outcome holds each
fact once and derives the networks (by id) from that result through the
:class:`~matcher.encoder.IdEncoder`. :mod:`matcher.outputs` and :mod:`matcher.runfolder` read
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from matcher.encoder import IdEncoder
from matcher.solve_inputs import SolveInputs
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


def requested_sizes(cohort: Cohort, network_size: int | None = None) -> list[int]:
    """Mentors asked for per mentee: the run's ``network_size`` or each mentee's own, ≥ 1."""
    return [max(network_size or m.network_size, 1) for m in cohort.mentees]


def decode_networks(encoder: IdEncoder, requested: Sequence[int],
                    result: SolverResult) -> list[Network]:
    """Networks in mentee order: primary first, then specialists in the order they cover."""
    by_mentee: dict[int, list[Pairing]] = {}
    for a in result.assignments:
        mentee_id, mentor_id = encoder.ids(a.mentee, a.mentor)
        by_mentee.setdefault(a.mentee, []).append(Pairing(
            mentee_id=mentee_id, mentor_id=mentor_id, role=a.role, covers=a.covers,
            score=a.score, locked=a.locked))
    networks = []
    for i, mentee_id in enumerate(encoder.mentee_ids):
        pairings = sorted(by_mentee.get(i, []),
                          key=lambda p: (p.role != "primary", p.covers or "", p.mentor_id))
        networks.append(Network(mentee_id=mentee_id, requested=int(requested[i]),
                                pairings=tuple(pairings),
                                unplaced_reason=result.unplaced.get(i),
                                partial_reason=result.partial.get(i)))
    return networks


@dataclass(frozen=True)
class MatchOutcome:
    """Everything one `match` produced; each fact once (change one with dataclasses.replace).

    The solver's ``result`` is the record of the pairs (by index); :attr:`networks` reads it
    by id. ``objective`` is the mode solved for ("total", "fair", "stable"); its value is
    ``result.objective``. ``network_size`` is the run's override of the mentees' own sizes.
    """

    cohort: Cohort
    config: ProgramConfig
    objective: str
    result: SolverResult
    network_size: int | None = None
    #: every input of the solve (locks, forbids, keep bonus ...), recorded in run.json
    solve_inputs: SolveInputs | None = None
    # The features the match scored with, so that explaining its pairs need not build them
    # again (None: built when needed). A cache of (cohort, config), not a fact of its own.
    features: CohortFeatures | None = field(default=None, repr=False, compare=False)

    @cached_property
    def encoder(self) -> IdEncoder:
        """Ids ↔ the indices of ``result`` (the cohort's order, as the pipeline solved it)."""
        return IdEncoder.of(self.cohort)

    @cached_property
    def networks(self) -> list[Network]:
        """One network per mentee, in ``cohort.mentees`` order, decoded from ``result``."""
        return decode_networks(self.encoder, requested_sizes(self.cohort, self.network_size),
                               self.result)
