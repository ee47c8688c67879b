"""What a later cycle's outputs know about the cycle before it (a month-12 rematch).

A rematch writes three kinds of message and plan: pairs that **continue** get a year-2 plan
(review of last year's goals, the new goals from the feedback, this year's meetings) and a
"your mentoring continues" note; **new** pairs get the usual introduction; **ended** pairs
get a thank-you and closure note, one to each side. :class:`CycleContext` carries what
those need; :mod:`matcher.rematch` builds it, :mod:`matcher.outputs.plans` and the run
folder's writer read it. A first match has no context (``None``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Closure:
    """The closure note of one ended pair to one side (``side`` is "mentee" or "mentor")."""

    mentee_id: str
    mentor_id: str
    side: str
    name: str
    email: str
    other_name: str
    #: Why it ended, said kindly to this side ("" = nothing to add).
    because: str = ""


@dataclass(frozen=True)
class CycleContext:
    """A later cycle: its number, the pairs that continue, last year's and the new goals,
    and the closure notes of the pairs that ended."""

    year: int
    continuing: frozenset[tuple[str, str]] = frozenset()
    previous_goals: Mapping[str, str] = field(default_factory=dict)  # mentee id → text
    new_goals: Mapping[str, str] = field(default_factory=dict)  # mentee id → month-12 goals
    closures: tuple[Closure, ...] = ()
