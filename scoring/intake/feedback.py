"""Read and check the month-12 feedback sheet: one row per mentee–mentor pair of the last run.

The sheet comes from the cycle's final meeting ("Reflection & Future Planning"). Its headers
are mapped through ``[columns.feedback]`` in the program config onto
:data:`scoring.config.FEEDBACK_FIELDS` exactly as intake maps ``[columns.mentees]`` (same file
reader, same header folding, same id normalising). ``mentee_id``, ``mentor_id`` and
``continue`` are required columns; the others are optional.

What a coordinator can rely on:

* ``continue`` is yes / no / unsure (synonyms from ``[vocabularies.yes_no]`` plus "maybe",
  "not sure", "undecided"); a blank cell counts as unsure;
* ratings are numbers within ``[rematch] rating_scale`` (1–5 by default), blank allowed;
* ``new_area`` must be a need area of ``[vocabularies.areas]`` (several may be listed);
* ``notes`` are recognised as a column and then dropped: they are never stored in a
  record, so no plan, report or run folder can print them;
* every problem (unknown continue value, ids that were not a pair of the previous run,
  a pair given twice, a rating out of range, an unknown area) is collected with its file,
  row (header = row 1) and column, and :class:`FeedbackError` lists them all (exit 2).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Literal

from scoring.config import FEEDBACK_FIELDS, ProgramConfig
from scoring.errors import InputError
from scoring.intake.cohort import map_headers
from scoring.intake.ids import IdResolver
from scoring.intake.normalise import (
    clean_text,
    is_blank,
    lookup_values,
    normalise_email,
    normalise_id,
    unknown_value_issue,
)
from scoring.intake.spreadsheet import SheetText, paused_gc, read_table
from scoring.profiles import Problem
from scoring.text import clean_cell, fold

Decision = Literal["yes", "no", "unsure"]

#: Columns a feedback sheet must have.
REQUIRED_FIELDS: tuple[str, ...] = ("mentee_id", "mentor_id", "continue")
#: Answers meaning "not decided yet", on top of a blank cell.
UNSURE_ANSWERS = frozenset({"unsure", "maybe", "not sure", "undecided", "perhaps",
                            "don t know", "dont know", "tbd", "unknown"})
#: How many problems an error message lists before "... and N more".
SHOWN_PROBLEMS = 10


class FeedbackError(InputError):
    """A feedback sheet with row-level errors; ``problems`` holds every one of them."""

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class FeedbackRow:
    """One pair's outcome of the month-12 meeting (the notes column is never kept)."""

    mentee_id: str
    mentor_id: str
    decision: Decision
    mentee_rating: float | None = None
    mentor_rating: float | None = None
    new_goals: str = ""
    new_areas: tuple[str, ...] = ()
    source_row: int = 0


@dataclass(frozen=True)
class FeedbackSheet:
    """All rows of one feedback file, in file order, plus its warnings."""

    path: Path
    rows: tuple[FeedbackRow, ...]
    warnings: tuple[Problem, ...] = ()

    def decisions(self) -> dict[tuple[str, str], Decision]:
        """(mentee id, mentor id) → yes / no / unsure."""
        return {(r.mentee_id, r.mentor_id): r.decision for r in self.rows}

    def new_goals(self) -> dict[str, str]:
        """Mentee id → their new goals (texts from several rows joined, repeats dropped)."""
        goals: dict[str, list[str]] = {}
        for row in self.rows:
            if row.new_goals and row.new_goals not in goals.setdefault(row.mentee_id, []):
                goals[row.mentee_id].append(row.new_goals)
        return {mentee: "\n".join(texts) for mentee, texts in goals.items() if texts}

    def new_areas(self) -> dict[str, tuple[str, ...]]:
        """Mentee id → need areas they want a new network member for (no repeats)."""
        areas: dict[str, list[str]] = {}
        for row in self.rows:
            for area in row.new_areas:
                if area not in areas.setdefault(row.mentee_id, []):
                    areas[row.mentee_id].append(area)
        return {mentee: tuple(found) for mentee, found in areas.items() if found}


def read_feedback(path: str | Path, config: ProgramConfig, *,
                  previous_pairs: Collection[tuple[str, str]]) -> FeedbackSheet:
    """Read ``path`` and check each row against the previous run's ``previous_pairs``.

    Raises :class:`~scoring.errors.IntakeError` when the file cannot be read at all and
    :class:`FeedbackError` listing every row-level error otherwise.
    """
    path = Path(path)
    table = read_table(path, label=str(path), limits=config.limits)
    mapping = map_headers(table.headers, config.columns("feedback"), FEEDBACK_FIELDS)
    missing = [name for name in REQUIRED_FIELDS if name not in mapping.values()]
    if missing:
        raise FeedbackError(_missing_columns_message(table, missing, config), [])
    with paused_gc():  # a record per row, no cycles among them
        reader = _RowReader(table, mapping, config, previous_pairs)
        rows = [row for number, cells in table.rows
                if (row := reader.read(number, cells)) is not None]
    if reader.errors:
        raise FeedbackError(_errors_message(table.label, reader.errors), reader.errors)
    return FeedbackSheet(path=path, rows=tuple(rows),
                         warnings=tuple(table.notes) + tuple(reader.warnings))


def _missing_columns_message(table: SheetText, missing: list[str], config: ProgramConfig) -> str:
    found = ", ".join(repr(h) for h in table.headers)
    headers = {canonical: header for header, canonical in config.columns("feedback").items()}
    defaults = {name: headers.get(name, name) for name in missing}
    example = ", ".join(f'"Your header" = "{name}"' for name in missing)
    return (f"{table.label}: no column for {', '.join(repr(m) for m in missing)}; headers "
            f"found: {found}. Name the columns "
            f"{', '.join(repr(defaults[m]) for m in missing)}, or map yours under "
            f"[columns.feedback] in the config (e.g. {example}).")


def _errors_message(label: str, errors: list[Problem]) -> str:
    shown = "\n".join(f"  {problem}" for problem in errors[:SHOWN_PROBLEMS])
    more = len(errors) - SHOWN_PROBLEMS
    return (f"{label}: the feedback sheet has {len(errors)} error(s); nothing was rematched "
            f"or written. Fix them and run the rematch again:\n{shown}"
            + (f"\n  ... and {more} more." if more > 0 else ""))


#: What a cell's text means: the value, or the (message, fix) of each problem it has.
_Issues = tuple[tuple[str, str], ...]


class _RowReader:
    """Turns the rows of one feedback table into records, collecting problems.

    Each check of a cell depends on its text only, so it runs once per distinct text
    (memoised per reader): a sheet of a million rows repeats a few ratings and answers,
    and each row then costs a few look-ups (linear readers, issue 15).
    """

    def __init__(self, table: SheetText, mapping: dict[int, str], config: ProgramConfig,
                 previous_pairs: Collection[tuple[str, str]]) -> None:
        self.table = table
        self.columns = {name: i for i, name in sorted(mapping.items(), reverse=True)}
        self.config = config
        self.pairs = set(previous_pairs)
        self.mentees = IdResolver("mentee", tuple(sorted({e for e, _ in self.pairs})))
        self.mentors = IdResolver("mentor", tuple(sorted({m for _, m in self.pairs})))
        self.yes_no = config.vocabulary("yes_no")
        self.areas = config.vocabulary("areas")
        low, high = config.rematch.rating_scale
        self.scale = (float(low), float(high))
        self.id_field = config.program.id_field
        self.seen: dict[tuple[str, str], int] = {}
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self._ids = {"mentee": cache(partial(self._id_of, self.mentees, "mentee")),
                     "mentor": cache(partial(self._id_of, self.mentors, "mentor"))}
        self._decision_of = cache(self._decision_of_text)
        self._rating_of = {side: cache(partial(self._rating_of_text, side))
                           for side in ("mentee", "mentor")}
        self._areas_of = cache(self._areas_of_text)
        self._goals_of = cache(clean_text)

    def _cell(self, cells: list[str], name: str) -> tuple[str | None, str]:
        """(header, text) of the column mapped to ``name`` (None, "" when absent)."""
        if name not in self.columns:
            return None, ""
        i = self.columns[name]
        return self.table.headers[i], cells[i]

    def _error(self, number: int, column: str | None, value: str, message: str,
               fix: str) -> None:
        self.errors.append(Problem("error", self.table.label, number, column, value,
                                   message, fix))

    def _report(self, number: int, column: str | None, value: str, issues: _Issues) -> None:
        for message, fix in issues:
            self._error(number, column, value, message, fix)

    def read(self, number: int, cells: list[str]) -> FeedbackRow | None:
        """The record of one row, or None when its ids are missing or wrong (reported)."""
        pair = self._pair(number, cells)
        header, text = self._cell(cells, "continue")
        decision, issues = self._decision_of(text)
        self._report(number, header, text, issues)
        ratings = []
        for side in ("mentee", "mentor"):
            header, text = self._cell(cells, f"{side}_rating")
            rating, issues = self._rating_of[side](text)
            self._report(number, header, text, issues)
            ratings.append(rating)
        header, text = self._cell(cells, "new_area")
        areas, issues = self._areas_of(text)
        self._report(number, header, text, issues)
        goals = self._goals_of(self._cell(cells, "new_goals")[1])
        if pair is None or decision is None:
            return None
        return FeedbackRow(mentee_id=pair[0], mentor_id=pair[1], decision=decision,
                           mentee_rating=ratings[0], mentor_rating=ratings[1],
                           new_goals=goals, new_areas=areas, source_row=number)

    def _ident(self, text: str) -> str:
        return normalise_email(text) if self.id_field == "email" else normalise_id(text)

    def _id_of(self, known: IdResolver, side: str, text: str) -> tuple[str | None, _Issues]:
        """The id a cell names if it has a pairing in the previous run."""
        ident = self._ident(text)
        ident = known.resolve(ident) or known.resolve(text) or ident
        if not ident:
            return None, ((f"The row has no {side} id.",
                           f"Fill in the {side}'s {self.id_field} as in the previous run's "
                           "pairings.csv, or delete the row."),)
        if not known.knows(ident):
            return None, ((f"{side.capitalize()} {ident!r} has no pairing in the previous run.",
                           f"Use the {side}'s {self.id_field} exactly as in the previous "
                           "run's pairings.csv, or delete the row."),)
        return ident, ()

    def _pair(self, number: int, cells: list[str]) -> tuple[str, str] | None:
        """The (mentee, mentor) ids if both name a pair of the previous run, seen once."""
        found: list[str] = []
        for name, side in (("mentee_id", "mentee"), ("mentor_id", "mentor")):
            header, text = self._cell(cells, name)
            ident, issues = self._ids[side](text)
            self._report(number, header, text, issues)
            if ident is not None:
                found.append(ident)
        if len(found) != 2:
            return None
        pair = (found[0], found[1])
        header, text = self._cell(cells, "mentor_id")
        if pair not in self.pairs:
            self._error(number, header, text,
                        f"{pair[0]!r} and {pair[1]!r} were not paired in the previous run.",
                        "Check both ids against the previous run's pairings.csv; feedback "
                        "is given per existing pair.")
            return None
        if pair in self.seen:
            self._error(number, header, text,
                        f"The pair {pair[0]!r} – {pair[1]!r} is already given on row "
                        f"{self.seen[pair]}.", "Keep one row per pair and delete the other.")
            return None
        self.seen[pair] = number
        return pair

    def _decision_of_text(self, text: str) -> tuple[Decision | None, _Issues]:
        if is_blank(text) or fold(text) in UNSURE_ANSWERS:
            return "unsure", ()
        answer = self.yes_no.lookup(text)
        if answer is None:
            return None, ((f"Continue? answer {clean_cell(text)!r} is not yes, no or unsure.",
                           "Write yes, no or unsure (a blank cell also counts as unsure)."),)
        return ("yes" if answer == "yes" else "no"), ()

    def _rating_of_text(self, side: str, text: str) -> tuple[float | None, _Issues]:
        if is_blank(text):
            return None, ()
        low, high = self.scale
        scale = f"{low:g} to {high:g}"
        try:
            rating = float(clean_cell(text).replace(",", "."))
        except ValueError:
            rating = None
        if rating is None or rating != rating:
            return None, ((f"The {side} rating is not a number.",
                           f"Write a number from {scale}, or leave the cell blank."),)
        if not low <= rating <= high:
            return None, ((f"The {side} rating {rating:g} is outside the scale {scale}.",
                           f"Write a number from {scale}, or set [rematch] rating_scale in "
                           "the config if your sheet uses another scale."),)
        return rating, ()

    def _areas_of_text(self, text: str) -> tuple[tuple[str, ...], _Issues]:
        canonical, unknown = lookup_values(text, self.areas, self.config.separators)
        issues = [unknown_value_issue(answer, self.areas) for answer in unknown]
        return canonical, tuple((issue.message, issue.fix) for issue in issues)
