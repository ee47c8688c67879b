"""Checks across rows and across the two files, after each row has been normalised.

* The same id twice on one side (after normalisation, so ``"A@x.org "``, ``"a@x.org"``
  and ``"a@x.org"`` followed by a zero-width space collide) is an error on the later row,
  which names the earlier row; the later row is dropped so every id stays unique.
* An excluded id (or email) that belongs to nobody in either file is an error on the row
  that lists it (the first ten of a cell one by one, the rest counted). Exclusions given
  as emails are turned into ids.
* The same person appearing as mentor and as mentee is allowed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TypeVar

from scoring.profiles import Mentee, Mentor, Person, Problem

P = TypeVar("P", bound=Person)
#: Unknown exclusions reported one by one per person; the rest are counted in one error.
UNKNOWN_EXCLUSIONS_SHOWN = 10


def drop_duplicate_ids(people: Sequence[P], file: str, id_column: str | None) -> tuple[list[P],
                                                                                 list[Problem]]:
    """Keep the first person with each id; an error for every later row reusing it."""
    first_row: dict[str, int] = {}
    kept: list[P] = []
    problems: list[Problem] = []
    for person in people:
        if person.id in first_row:
            problems.append(Problem(
                "error", file, person.source_row, id_column, person.id,
                f"This id is already used on row {first_row[person.id]} of the same file "
                "(ids are compared ignoring spaces, invisible characters and, for emails, "
                "case).",
                "Remove the duplicate row, or give each person their own id."))
            continue
        first_row[person.id] = person.source_row
        kept.append(person)
    return kept, problems


def resolve_exclusions(mentors: list[Mentor], mentees: list[Mentee], *,
                       files: dict[str, str], exclude_columns: dict[str, str | None]
                       ) -> tuple[list[Mentor], list[Mentee], list[Problem]]:
    """Turn each person's exclusions into ids of people in the cohort.

    An entry matches a person's id, or (when ids are not emails) a person's email. An
    entry matching nobody is an error on that row (``files`` and ``exclude_columns`` give
    the file label and the exclusion column's header per side).
    """
    known: dict[str, str] = {}
    for person in [*mentors, *mentees]:
        known.setdefault(person.id, person.id)
        if person.email:
            known.setdefault(person.email, person.id)
    problems: list[Problem] = []

    def resolved(person: P, side: str) -> P:
        if not person.exclude:
            return person
        ids = dict.fromkeys(known[entry] for entry in person.exclude if entry in known)
        strangers = [entry for entry in person.exclude if entry not in known]
        column = exclude_columns.get(side)
        for entry in strangers[:UNKNOWN_EXCLUSIONS_SHOWN]:
            problems.append(Problem(
                "error", files[side], person.source_row, column, entry,
                "This excluded person is in neither the mentor nor the mentee file.",
                "Correct the id or email, or remove it from the cell."))
        if len(strangers) > UNKNOWN_EXCLUSIONS_SHOWN:
            problems.append(Problem(
                "error", files[side], person.source_row, column, None,
                f"... and {len(strangers) - UNKNOWN_EXCLUSIONS_SHOWN} more excluded people "
                "in this cell who are in neither file.",
                "Check that the column holds ids or emails of people in this cohort."))
        return dataclasses.replace(person, exclude=tuple(ids))

    return ([resolved(m, "mentors") for m in mentors],
            [resolved(m, "mentees") for m in mentees], problems)
