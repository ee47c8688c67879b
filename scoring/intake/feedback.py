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

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from scoring.config import FEEDBACK_FIELDS, ProgramConfig
from scoring.errors import InputError
from scoring.intake.cohort import map_headers
from scoring.intake.ids import IdResolver
from scoring.intake.normalise import (
    BLANK_MARKERS,
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
    # One pause of the cycle collector for the table and the records (no cycles among
    # them), and the table dropped before it resumes: its first collection would otherwise
    # walk every row of the table (once more, had it resumed between the two).
    with paused_gc():
        sheet = _read(path, config, previous_pairs)
    return sheet


def _read(path: Path, config: ProgramConfig, previous_pairs: Collection[tuple[str, str]]
          ) -> FeedbackSheet:
    """:func:`read_feedback` itself."""
    table = read_table(path, label=str(path), limits=config.limits)
    mapping = map_headers(table.headers, config.columns("feedback"), FEEDBACK_FIELDS)
    missing = [name for name in REQUIRED_FIELDS if name not in mapping.values()]
    if missing:
        raise FeedbackError(_missing_columns_message(table, missing, config), [])
    reader = _RowReader(table, mapping, config, previous_pairs)
    rows = reader.records()
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

def _kept_as_is(emails: bool) -> re.Pattern[str]:
    """A pattern that fully matches a cell only when the id normaliser
    (:func:`normalise_email` when ``emails``, else :func:`normalise_id`, which reads a cell
    with "@" as an e-mail) returns it unchanged, so that a million ids are told apart by
    the regex engine instead of a million normaliser calls: printable ASCII without space,
    not a blank marker; an e-mail also in lower case and without "mailto:"; another id
    not Excel's ``1001.0``."""
    blank = "|".join(re.escape(marker) for marker in sorted(BLANK_MARKERS, reverse=True)
                     if marker and marker.isascii())
    email = r"(?!mailto:)[!-@\[-~]+"
    kept = email if emails else rf"(?![+-]?\d+\.0+$)(?:[!-?A-~]+|{email})"
    return re.compile(rf"(?!(?i:{blank})$){kept}")


_KEPT_AS_IS = {emails: _kept_as_is(emails) for emails in (True, False)}


def _objects(values: list[object]) -> np.ndarray:
    """``values`` as a 1-d object array (tuples stay elements, never become a second axis)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@dataclass(frozen=True)
class _Column:
    """One mapped column: its header (None when the sheet lacks it), each row's index into
    its distinct texts (first-seen order), and those texts (``[""]`` for a missing column)."""

    header: str | None
    codes: np.ndarray
    texts: list[str]

    def per_row(self, per_text: list[object]) -> np.ndarray:
        """A value per row from a value per distinct text."""
        return _objects(per_text)[self.codes]


@dataclass(frozen=True)
class _Checked:
    """A column checked once per distinct text: per row, its value and whether it has a
    problem; per text, the problems (message, fix)."""

    column: _Column
    value: np.ndarray  # (rows,) object
    wrong: np.ndarray  # (rows,) bool
    issues: list[_Issues]  # per distinct text

    @classmethod
    def of(cls, column: _Column, check: Callable[[str], tuple[object, _Issues]]) -> _Checked:
        values, issues = zip(*map(check, column.texts), strict=True) if column.texts else ((), ())
        return cls.from_texts(column, list(values), list(issues))

    @classmethod
    def from_texts(cls, column: _Column, values: list[object], issues: list[_Issues]
                   ) -> _Checked:
        wrong = np.fromiter(map(bool, issues), bool, len(issues))[column.codes]
        return cls(column, column.per_row(values), wrong, issues)

    def problems(self, row: int, number: int, label: str) -> list[Problem]:
        """The problems of this column's cell on table row ``row``."""
        text = self.column.texts[self.column.codes[row]]
        return [Problem("error", label, number, self.column.header, text, message, fix)
                for message, fix in self.issues[self.column.codes[row]]]


@dataclass(frozen=True)
class _Ids:
    """An id column checked: per row the index of the id it names among the previous
    run's ``known`` ids of its side (-1 for none), and those indices per previous pair."""

    checked: _Checked
    person: np.ndarray  # (rows,) int64
    previous: np.ndarray  # (previous pairs,) int64
    known: int


class _RowReader:
    """Turns the rows of one feedback table into records, collecting problems.

    Column by column (linear readers, issue 15): each check of a cell depends on its text
    only, so it runs once per distinct text of its column (a sheet of a million rows
    repeats a few ratings and answers); ids whose cell holds them exactly are told apart
    without a call per cell, and the pair checks (in the previous run, given once) are
    array operations. The problems are the ones a row-by-row reading would report, in the
    same order: per row, ids, pair, continue, ratings, areas.
    """

    def __init__(self, table: SheetText, mapping: dict[int, str], config: ProgramConfig,
                 previous_pairs: Collection[tuple[str, str]]) -> None:
        self.table = table
        self.columns = {name: i for i, name in sorted(mapping.items(), reverse=True)}
        self.config = config
        self.previous = {side: _objects(list(map(itemgetter(k), previous_pairs)))
                         for k, side in enumerate(("mentee", "mentor"))}
        self.yes_no = config.vocabulary("yes_no")
        self.areas = config.vocabulary("areas")
        low, high = config.rematch.rating_scale
        self.scale = (float(low), float(high))
        self.id_field = config.program.id_field
        self.numbers = np.array([number for number, _ in table.rows], np.int64)
        self.cells = [cells for _, cells in table.rows]
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def _column(self, name: str) -> _Column:
        if name not in self.columns:
            return _Column(None, np.zeros(len(self.table.rows), np.int64), [""])
        i = self.columns[name]
        codes, texts = pd.factorize(_objects(list(map(itemgetter(i), self.cells))))
        return _Column(self.table.headers[i], codes.astype(np.int64), list(texts))

    def records(self) -> list[FeedbackRow]:
        """The record of every row whose ids name a pair of the previous run (given once)
        and whose continue answer reads; the problems of the others are in ``errors``."""
        ids = {side: self._ids(side) for side in ("mentee", "mentor")}
        decision = _Checked.of(self._column("continue"), self._decision_of_text)
        ratings = [_Checked.of(self._column(f"{side}_rating"), partial(self._rating_of_text, side))
                   for side in ("mentee", "mentor")]
        areas = _Checked.of(self._column("new_area"), self._areas_of_text)
        goals_column = self._column("new_goals")
        goals = goals_column.per_row([clean_text(text) for text in goals_column.texts])
        mentee, mentor = ids["mentee"].person, ids["mentor"].person
        both = (mentee >= 0) & (mentor >= 0)
        people = max(ids["mentor"].known, 1)
        key = mentee * people + mentor
        previous = np.sort(ids["mentee"].previous * people + ids["mentor"].previous)
        at = np.minimum(np.searchsorted(previous, key), max(len(previous) - 1, 0))
        paired = both & (previous[at] == key) if len(previous) else both & False
        first = self._first_rows(key, paired)
        given = paired & (first == np.arange(len(key)))
        wrong = ~both | (paired != both) | (given != paired) | decision.wrong | areas.wrong
        wrong |= ratings[0].wrong | ratings[1].wrong
        label = self.table.label
        for k in np.flatnonzero(wrong).tolist():
            number = int(self.numbers[k])
            for side in ("mentee", "mentor"):
                self.errors += ids[side].checked.problems(k, number, label)
            if both[k]:
                self._pair_problem(k, number, ids["mentee"].checked, ids["mentor"].checked,
                                   int(first[k]) if paired[k] else None)
            for checked in (decision, *ratings, areas):
                self.errors += checked.problems(k, number, label)
        keep = np.flatnonzero(given & (decision.value != None))  # noqa: E711 (element-wise)
        return list(map(FeedbackRow, ids["mentee"].checked.value[keep].tolist(),
                        ids["mentor"].checked.value[keep].tolist(), decision.value[keep].tolist(),
                        ratings[0].value[keep].tolist(), ratings[1].value[keep].tolist(),
                        goals[keep].tolist(), areas.value[keep].tolist(),
                        self.numbers[keep].tolist()))

    @staticmethod
    def _first_rows(key: np.ndarray, paired: np.ndarray) -> np.ndarray:
        """Per row, the table row where its pair is first given (-1 when not a pair)."""
        first = np.full(len(key), -1, np.int64)
        rows = np.flatnonzero(paired)
        _, at, inverse = np.unique(key[rows], return_index=True, return_inverse=True)
        first[rows] = rows[at[inverse.reshape(-1)]]
        return first

    def _pair_problem(self, row: int, number: int, mentees: _Checked, mentors: _Checked,
                      first: int | None) -> None:
        """The error of a row whose ids are known but are not a pair to take (or None)."""
        pair = (mentees.value[row], mentors.value[row])
        text = mentors.column.texts[mentors.column.codes[row]]
        header = mentors.column.header
        if first is None:
            self.errors.append(Problem(
                "error", self.table.label, number, header, text,
                f"{pair[0]!r} and {pair[1]!r} were not paired in the previous run.",
                "Check both ids against the previous run's pairings.csv; feedback is given "
                "per existing pair."))
        elif first != row:
            self.errors.append(Problem(
                "error", self.table.label, number, header, text,
                f"The pair {pair[0]!r} – {pair[1]!r} is already given on row "
                f"{self.numbers[first]}.", "Keep one row per pair and delete the other."))

    def _ids(self, side: str) -> _Ids:
        """The id column of ``side`` checked against the previous run's ids of that side.

        The previous run's ids and the column's cells are numbered in one pass (the ids
        first, so they are ``texts[:known]``, in first-seen order: no output depends on that
        order, a cell names one id or none). A cell holding an id exactly as the normaliser
        leaves it is that id, what :meth:`_id_of` returns; every other distinct cell goes
        through :meth:`_id_of`.
        """
        previous = self.previous[side]
        i = self.columns[f"{side}_id"]
        codes, texts = pd.factorize(np.concatenate(
            [previous, _objects(list(map(itemgetter(i), self.cells)))]))
        known = int(codes[:len(previous)].max(initial=-1)) + 1
        column = _Column(self.table.headers[i], codes[len(previous):].astype(np.int64),
                         list(texts))
        resolver = IdResolver(side, tuple(column.texts[:known]))
        used = np.zeros(len(texts), bool)
        used[column.codes] = True
        plain = np.zeros(len(texts), bool)
        exact = np.flatnonzero(used[:known])
        kept = _KEPT_AS_IS[self.id_field == "email"].fullmatch
        plain[exact] = np.fromiter(map(bool, map(kept, texts[exact])), bool, len(exact))
        values: list[object] = list(column.texts)
        issues: list[_Issues] = [()] * len(values)
        person = np.arange(len(texts), dtype=np.int64)
        person[known:] = -1
        index: pd.Index | None = None
        for k in np.flatnonzero(used & ~plain).tolist():
            values[k], issues[k] = self._id_of(resolver, side, column.texts[k])
            if values[k] is None:
                person[k] = -1
            else:
                index = pd.Index(texts[:known], dtype=object) if index is None else index
                person[k] = index.get_loc(values[k])
        return _Ids(_Checked.from_texts(column, values, issues), person[column.codes],
                    codes[:len(previous)].astype(np.int64), known)

    def _ident(self, text: str) -> str:
        return normalise_email(text) if self.id_field == "email" else normalise_id(text)

    def _id_of(self, known: IdResolver, side: str, text: str) -> tuple[str | None, _Issues]:
        """The id a cell names if it has a pairing in the previous run."""
        # The cell as typed first: normalising first would book "A@x.org" to "a@x.org"
        # when the previous run holds both (ids that differ only in capitals).
        found = known.find(text)
        if len(found) > 1:
            return None, ((f"{side.capitalize()} {clean_cell(text)!r} could be any of "
                           f"{len(found)} {side}s of the previous run ({', '.join(found)}).",
                           f"Write the {side}'s {self.id_field} exactly as in the previous "
                           "run's pairings.csv."),)
        ident = self._ident(text)
        ident = found[0] if found else known.resolve(ident) or ident
        if not ident:
            return None, ((f"The row has no {side} id.",
                           f"Fill in the {side}'s {self.id_field} as in the previous run's "
                           "pairings.csv, or delete the row."),)
        if not known.knows(ident):
            return None, ((f"{side.capitalize()} {ident!r} has no pairing in the previous run.",
                           f"Use the {side}'s {self.id_field} exactly as in the previous "
                           "run's pairings.csv, or delete the row."),)
        return ident, ()

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
