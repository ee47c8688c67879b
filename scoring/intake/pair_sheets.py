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

from pathlib import Path

from scoring.errors import IntakeError, InvalidCohortError
from scoring.intake.ids import IdResolver
from scoring.intake.spreadsheet import read_table
from scoring.profiles import Cohort, Problem
from scoring.text import fold


def _column(headers: list[str], word: str) -> int | None:
    matches = [k for k, header in enumerate(headers) if word in fold(header).replace(" ", "")
               and not (word == "mentor" and "mentee" in fold(header))]
    return matches[0] if matches else None


def read_pair_sheet(path: str | Path, cohort: Cohort, *, roles: bool = False
                    ) -> tuple[tuple[str, ...], ...]:
    """Return the sheet's (mentee id, mentor id) pairs, in row order, without duplicates;
    with ``roles`` (a locks sheet), pairs with a role become (mentee, mentor, role) or
    (mentee, mentor, role, covers).

    Raises :class:`IntakeError` when the file cannot be read or lacks the two columns, and
    :class:`InvalidCohortError` (with its problems) when rows name unknown people.
    """
    table = read_table(path)
    mentee_col, mentor_col = _column(table.headers, "mentee"), _column(table.headers, "mentor")
    if mentee_col is None or mentor_col is None:
        missing = " and ".join(w for w, c in (("mentee", mentee_col), ("mentor", mentor_col))
                               if c is None)
        raise IntakeError(
            f"{table.label}: no {missing} id column among the headers "
            f"({', '.join(repr(h) for h in table.headers) or 'none'}). Put the mentee's id in a "
            f"column named e.g. 'mentee_id' and the mentor's in one named 'mentor_id'.")
    resolvers = {"mentee": IdResolver.of(cohort.mentees, "mentee"),
                 "mentor": IdResolver.of(cohort.mentors, "mentor")}
    role_col = _column(table.headers, "role") if roles else None
    covers_col = _column(table.headers, "cover") if roles else None
    problems: list[Problem] = []
    pairs: list[tuple[str, ...]] = []
    seen: set[tuple[str, str]] = set()  # a set, so a long sheet is read in linear time
    for row_number, cells in table.rows:
        found: dict[str, str] = {}
        for side, col in (("mentee", mentee_col), ("mentor", mentor_col)):
            value = cells[col].strip()
            matches = resolvers[side].find(value) if value else ()
            person = matches[0] if len(matches) == 1 else None
            if not value:
                problems.append(Problem("error", table.label, row_number, table.headers[col],
                                        value, f"The {side} id is blank.",
                                        "Fill it in or delete the row."))
            elif len(matches) > 1:
                problems.append(Problem("error", table.label, row_number, table.headers[col],
                                        value, f"{len(matches)} {side}s match this: "
                                        f"{', '.join(matches)}.",
                                        f"Use the id of the {side} you mean."))
            elif person is None:
                problems.append(Problem("error", table.label, row_number, table.headers[col],
                                        value, f"No {side} with this id or name in the intake "
                                        f"files. {resolvers[side].suggest(value)}",
                                        f"Use the id from the {side}s sheet, or delete the row."))
            else:
                found[side] = person
        extra: tuple[str, ...] = ()
        role = fold(cells[role_col]) if role_col is not None else ""
        if role and role_col is not None and role not in ("primary", "specialist"):
            problems.append(Problem("error", table.label, row_number, table.headers[role_col],
                                    cells[role_col], "The role is not primary or specialist.",
                                    "Write primary, specialist, or leave it blank."))
        elif role:
            covers = cells[covers_col].strip() if covers_col is not None else ""
            extra = (role, covers) if covers else (role,)
        key = (found.get("mentee", ""), found.get("mentor", ""))
        if len(found) == 2 and key not in seen:
            seen.add(key)
            pairs.append((*key, *extra))
    if problems:
        listed = "\n".join(f"  {p}" for p in problems[:10])
        more = f"\n  ... and {len(problems) - 10} more." if len(problems) > 10 else ""
        raise InvalidCohortError(f"{table.label} has {len(problems)} problem(s); nothing was "
                                 f"matched:\n{listed}{more}", problems)
    return tuple(pairs)
