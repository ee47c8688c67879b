"""Read a locks or forbids sheet: one (mentee id, mentor id) pair per row, CSV or XLSX.

The sheet needs a header row with a column whose name contains "mentee" and one whose name
contains "mentor" (e.g. ``mentee_id, mentor_id`` or ``Mentee email, Mentor email``). A locks
sheet may also have a "role" column (``primary`` or ``specialist``, blank = decide) and a
"covers" column (the need area or role a locked specialist covers); other columns are
ignored. Ids are matched to the cohort as people write them (:mod:`scoring.intake.ids`:
any capitals, NFC, or a name only one person has). Every row problem (blank id, unknown id)
is reported with file, row (as the spreadsheet shows it, header = row 1) and column, and
nothing is matched until fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scoring.config.sections import LimitsSection
from scoring.errors import IntakeError, InvalidCohortError
from scoring.intake.bounds import DEFAULT_LIMITS
from scoring.intake.ids import IdResolver
from scoring.intake.spreadsheet import SheetText, paused_gc, read_table
from scoring.profiles import Cohort, Problem
from scoring.text import fold


def _column(headers: list[str], word: str) -> int | None:
    matches = [k for k, header in enumerate(headers) if word in fold(header).replace(" ", "")
               and not (word == "mentor" and "mentee" in fold(header))]
    return matches[0] if matches else None


def read_pair_sheet(path: str | Path, cohort: Cohort, *, roles: bool = False,
                    limits: LimitsSection = DEFAULT_LIMITS) -> tuple[tuple[str, ...], ...]:
    """Return the sheet's (mentee id, mentor id) pairs, in row order, without duplicates;
    with ``roles`` (a locks sheet), pairs with a role become (mentee, mentor, role) or
    (mentee, mentor, role, covers).

    ``limits`` are the program's ``[limits]`` (a sheet past one is an IntakeError).
    Raises :class:`IntakeError` when the file cannot be read or lacks the two columns, and
    :class:`InvalidCohortError` (with its problems) when rows name unknown people.
    """
    table = read_table(path, limits=limits)
    mentee_col, mentor_col = _column(table.headers, "mentee"), _column(table.headers, "mentor")
    if mentee_col is None or mentor_col is None:
        missing = " and ".join(w for w, c in (("mentee", mentee_col), ("mentor", mentor_col))
                               if c is None)
        raise IntakeError(
            f"{table.label}: no {missing} id column among the headers "
            f"({', '.join(repr(h) for h in table.headers) or 'none'}). Put the mentee's id in a "
            f"column named e.g. 'mentee_id' and the mentor's in one named 'mentor_id'.")
    with paused_gc():
        return _pairs(table, cohort, mentee_col, mentor_col, roles)


def _pairs(table: SheetText, cohort: Cohort, mentee_col: int, mentor_col: int,
           roles: bool) -> tuple[tuple[str, ...], ...]:
    """The pairs of a table whose id columns are known (see :func:`read_pair_sheet`)."""
    resolvers = {"mentee": IdResolver.of(cohort.mentees, "mentee"),
                 "mentor": IdResolver.of(cohort.mentors, "mentor")}
    role_col = _column(table.headers, "role") if roles else None
    covers_col = _column(table.headers, "cover") if roles else None
    # Column by column: each distinct id or role is looked up once (a sheet of a million
    # rows names a few thousand people), rows only index the answers.
    numbers = [number for number, _ in table.rows]
    found = {side: _Side.of(table, col, resolvers[side])
             for side, col in (("mentee", mentee_col), ("mentor", mentor_col))}
    role = _Roles.of(table, role_col, covers_col)
    problems: list[Problem] = []
    bad = found["mentee"].person < 0
    bad |= found["mentor"].person < 0
    bad |= role.wrong
    for k in np.flatnonzero(bad).tolist():
        for side in ("mentee", "mentor"):
            problem = found[side].problem(k, numbers[k], table.headers[found[side].col], side)
            if problem is not None:
                problems.append(problem)
        if role.wrong[k] and role_col is not None:
            problems.append(Problem("error", table.label, numbers[k], table.headers[role_col],
                                    table.rows[k][1][role_col],
                                    "The role is not primary or specialist.",
                                    "Write primary, specialist, or leave it blank."))
    mentee, mentor = found["mentee"].person, found["mentor"].person
    both = np.flatnonzero((mentee >= 0) & (mentor >= 0))
    key = mentee[both] * (int(mentor.max(initial=0)) + 1) + mentor[both]
    _, first = np.unique(key, return_index=True)  # each pair once, at its first row
    mentee_ids, mentor_ids = found["mentee"].ids, found["mentor"].ids
    pairs: list[tuple[str, ...]] = [
        (mentee_ids[mentee[k]], mentor_ids[mentor[k]], *role.extra(k))
        for k in np.sort(both[first]).tolist()]
    if problems:
        listed = "\n".join(f"  {p}" for p in problems[:10])
        more = f"\n  ... and {len(problems) - 10} more." if len(problems) > 10 else ""
        raise InvalidCohortError(f"{table.label} has {len(problems)} problem(s); nothing was "
                                 f"matched:\n{listed}{more}", problems)
    return tuple(pairs)


def _distinct(values: list[str]) -> tuple[np.ndarray, list[str]]:
    """Each value's index among the distinct values (first-seen order), and those values."""
    import pandas as pd  # only when a pair sheet is read: a plain match does without it

    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    return codes, [str(value) for value in uniques]


@dataclass(frozen=True)
class _Side:
    """One id column resolved: per row, the index of the person in ``ids`` (-1 when the
    cell is blank, unknown or ambiguous) and the stripped text; the matches per text."""

    col: int
    label: str
    person: np.ndarray  # (rows,) int64 index into ids, -1 = a problem
    text: list[str]  # distinct stripped cells
    text_of_row: np.ndarray  # (rows,) index into text
    matches: list[tuple[str, ...]]  # per distinct text
    ids: tuple[str, ...]
    resolver: IdResolver

    @classmethod
    def of(cls, table: SheetText, col: int, resolver: IdResolver) -> _Side:
        codes, text = _distinct([cells[col].strip() for _, cells in table.rows])
        matches = [resolver.find(value) if value else () for value in text]
        index = {ident: k for k, ident in enumerate(resolver.ids)}
        person_of_text = np.array([index[m[0]] if len(m) == 1 else -1 for m in matches]
                                  + [-1], np.int64)
        return cls(col, table.label, person_of_text[codes], text, codes, matches,
                   resolver.ids, resolver)

    def problem(self, row: int, number: int, header: str, side: str) -> Problem | None:
        """The problem of this side's cell on table row ``row`` (None when it resolves)."""
        if self.person[row] >= 0:
            return None
        value = self.text[self.text_of_row[row]]
        matches = self.matches[self.text_of_row[row]]
        if not value:
            return Problem("error", self.label, number, header, value,
                           f"The {side} id is blank.", "Fill it in or delete the row.")
        if len(matches) > 1:
            return Problem("error", self.label, number, header, value,
                           f"{len(matches)} {side}s match this: {', '.join(matches)}.",
                           f"Use the id of the {side} you mean.")
        return Problem("error", self.label, number, header, value,
                       f"No {side} with this id or name in the intake files. "
                       f"{self.resolver.suggest(value)}",
                       f"Use the id from the {side}s sheet, or delete the row.")


@dataclass(frozen=True)
class _Roles:
    """The role (and covers) columns of a locks sheet, read per distinct answer."""

    wrong: np.ndarray  # (rows,) bool: a role that is not primary or specialist
    role: list[str]  # per row, folded ("" = decide)
    covers: list[str]  # per row, stripped

    @classmethod
    def of(cls, table: SheetText, role_col: int | None, covers_col: int | None) -> _Roles:
        rows = len(table.rows)
        if role_col is None:
            return cls(np.zeros(rows, bool), [""] * rows, [""] * rows)
        codes, text = _distinct([cells[role_col] for _, cells in table.rows])
        folded = [fold(value) for value in text]
        wrong = np.array([f not in ("", "primary", "specialist") for f in folded] + [False])
        covers = ([cells[covers_col].strip() for _, cells in table.rows]
                  if covers_col is not None else [""] * rows)
        return cls(wrong[codes], [folded[c] for c in codes.tolist()], covers)

    def extra(self, row: int) -> tuple[str, ...]:
        """``()``, ``(role,)`` or ``(role, covers)`` for the pair on table row ``row``."""
        role = self.role[row]
        if not role or self.wrong[row]:
            return ()
        return (role, self.covers[row]) if self.covers[row] else (role,)
