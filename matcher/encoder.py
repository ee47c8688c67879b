"""Participant ids ↔ the solver's indices, both ways, in one place.

The solver works on positions (mentee ``i``, mentor ``j``, in the cohort's order); people,
spreadsheets and run folders name participants by id. :class:`IdEncoder` is the one
translation: the pipeline encodes the coordinator's locks, forbidden pairs and keep bonus
with it, the outcome decodes the solver's result into networks with it, and the audit
looks people up with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from scoring.errors import InputError
from scoring.profiles import Cohort


@dataclass(frozen=True)
class IdEncoder:
    """Ids in solver order: ``mentee_ids[i]`` is mentee ``i``, ``mentor_ids[j]`` mentor ``j``."""

    mentee_ids: tuple[str, ...]
    mentor_ids: tuple[str, ...]

    @classmethod
    def of(cls, cohort: Cohort) -> IdEncoder:
        """The encoder of a cohort: positions in ``cohort.mentees`` / ``cohort.mentors``."""
        return cls(tuple(m.id for m in cohort.mentees), tuple(m.id for m in cohort.mentors))

    @cached_property
    def mentee_index(self) -> dict[str, int]:
        """Mentee id → index."""
        return {mentee_id: i for i, mentee_id in enumerate(self.mentee_ids)}

    @cached_property
    def mentor_index(self) -> dict[str, int]:
        """Mentor id → index."""
        return {mentor_id: j for j, mentor_id in enumerate(self.mentor_ids)}

    def knows(self, mentee_id: str, mentor_id: str) -> bool:
        """True when both ids are in the cohort."""
        return mentee_id in self.mentee_index and mentor_id in self.mentor_index

    def pairs(self, kind: str, pairs: Iterable[tuple[str, ...]]) -> list[tuple[int, int]]:
        """(mentee index, mentor index) of each (mentee id, mentor id, ...) pair; an
        InputError naming the ``kind`` of pair ("Locked", "Forbidden" ...) for an unknown id."""
        out = []
        for pair in pairs:
            mentee_id, mentor_id = pair[0], pair[1]
            if not self.knows(mentee_id, mentor_id):
                raise InputError(f"{kind} pair ({mentee_id}, {mentor_id}) names someone who is "
                                 f"not in the intake files; remove it or fix the id.")
            out.append((self.mentee_index[mentee_id], self.mentor_index[mentor_id]))
        return out

    def ids(self, mentee: int, mentor: int) -> tuple[str, str]:
        """(mentee id, mentor id) of a pair of indices."""
        return self.mentee_ids[mentee], self.mentor_ids[mentor]
