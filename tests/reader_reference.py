"""The readers as they were before issue 15's linear rewrite: one Python call per cell and
per row (and the id resolver that built every lookup table up front). Kept only as the
oracle of tests/test_linear_readers.py and tests/test_feedback.py (the new readers must
return the same tables, pairs, records and problems); never imported by the program."""

from __future__ import annotations

import difflib
import io
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import Any

import pandas as pd

from scoring.config import FEEDBACK_FIELDS, ProgramConfig
from scoring.config.sections import LimitsSection
from scoring.errors import IntakeError, InvalidCohortError, UnknownIdError
from scoring.intake import spreadsheet
from scoring.intake.bounds import _FIX, DEFAULT_LIMITS, check_text_fields
from scoring.intake.cohort import map_headers
from scoring.intake.feedback import (
    REQUIRED_FIELDS,
    UNSURE_ANSWERS,
    Decision,
    FeedbackError,
    FeedbackRow,
    FeedbackSheet,
    _errors_message,
    _missing_columns_message,
)
from scoring.intake.normalise import (
    cell_text,
    clean_text,
    is_blank,
    lookup_values,
    normalise_email,
    normalise_id,
    unknown_value_issue,
)
from scoring.intake.spreadsheet import SheetText, paused_gc
from scoring.profiles import Cohort, Problem
from scoring.text import clean_cell, fold


def check_text_grid(grid: list[list[str]], limits: LimitsSection, where: str) -> None:
    if len(grid) > limits.max_rows + 1:
        raise IntakeError(f"{where}: the file has {len(grid) - 1:,} rows of answers, more than "
                          f"the limit of {limits.max_rows:,} (max_rows). {_FIX}")
    width = max((len(row) for row in grid), default=0)
    if width > limits.max_columns:
        raise IntakeError(f"{where}: the file has {width:,} columns, more than the limit of "
                          f"{limits.max_columns:,} (max_columns). {_FIX}")
    filled = 0
    for number, row in enumerate(grid, start=1):
        for column, text in enumerate(row, start=1):
            if len(text) > limits.max_cell_chars:
                raise IntakeError(f"{where}: the cell in row {number:,}, column {column} "
                                  f"holds {len(text):,} characters, more than the limit of "
                                  f"{limits.max_cell_chars:,} (max_cell_chars). {_FIX}")
            filled += bool(text)
    if filled > limits.max_cells:
        raise IntakeError(f"{where}: the file holds {filled:,} filled cells, more than the "
                          f"limit of {limits.max_cells:,} (max_cells). {_FIX}")


def text_grid(path: Path, head: bytes, label: str, limits: LimitsSection) -> list[list[str]]:
    raw = path.read_bytes() if len(head) >= spreadsheet._SNIFF_BYTES else head
    text = spreadsheet._decode(raw)
    excel_sep = spreadsheet._EXCEL_SEP_LINE.match(text)
    if excel_sep:
        text = text[excel_sep.end():]
    if not text.strip():
        raise IntakeError(f"{label}: the file is empty. Export the sheet again, with its "
                          "header row and one row per person.")
    delimiter = excel_sep[1] if excel_sep else spreadsheet._delimiter(text)
    check_text_fields(text, delimiter, limits, label)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, dtype=str,
                            keep_default_na=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        raise IntakeError(f"{label}: the first row must hold the column headers but it is "
                          "blank. Delete the blank rows above the headers.") from None
    except pd.errors.ParserError as exc:
        raise IntakeError(spreadsheet._parser_error_message(str(exc), label)) from None
    grid = [[cell_text(value) for value in row] for row in frame.itertuples(index=False)]
    check_text_grid(grid, limits, label)
    return grid


def table_from_grid(grid: list[list[str]], label: str,
                    notes: list[Problem]) -> spreadsheet.SheetText:
    if not grid or not any(cell.strip() for cell in grid[0]):
        raise IntakeError(f"{label}: the first row must hold the column headers but it is "
                          "blank (or the sheet is empty). Delete the blank rows above the "
                          "headers.")
    headers = [" ".join(cell.split()) for cell in grid[0]]
    used = [i for i, h in enumerate(headers)
            if h or any(i < len(row) and row[i].strip() for row in grid[1:])]
    width = max(used) + 1
    headers = [h or f"Column {i + 1}" for i, h in enumerate(headers[:width])]
    rows = []
    for number, row in enumerate(grid[1:], start=2):
        cells = (list(row) + [""] * width)[:width]
        if any(cell.strip() for cell in cells):
            rows.append((number, cells))
    if not rows:
        raise IntakeError(f"{label}: the file has a header row but no rows of answers. Export "
                          "the sheet again once people have signed up.")
    return spreadsheet.SheetText(label=label, headers=headers, rows=rows, notes=notes)


def _column(headers: list[str], word: str) -> int | None:
    matches = [k for k, header in enumerate(headers) if word in fold(header).replace(" ", "")
               and not (word == "mentor" and "mentee" in fold(header))]
    return matches[0] if matches else None


def read_pair_sheet(table: spreadsheet.SheetText, cohort: Cohort, *, roles: bool = False
                    ) -> tuple[tuple[str, ...], ...]:
    """The previous row-by-row pair-sheet reader, on a table already read."""
    mentee_col, mentor_col = _column(table.headers, "mentee"), _column(table.headers, "mentor")
    assert mentee_col is not None and mentor_col is not None
    resolvers = {"mentee": IdResolver.of(cohort.mentees, "mentee"),
                 "mentor": IdResolver.of(cohort.mentors, "mentor")}
    role_col = _column(table.headers, "role") if roles else None
    covers_col = _column(table.headers, "cover") if roles else None
    problems: list[Problem] = []
    pairs: list[tuple[str, ...]] = []
    seen: set[tuple[str, str]] = set()
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
        raise InvalidCohortError(f"{len(problems)} problem(s)", problems)
    return tuple(pairs)


def read_table(path: str | Path, limits: LimitsSection = DEFAULT_LIMITS
               ) -> spreadsheet.SheetText:
    """``spreadsheet.read_table`` with the previous per-cell grid and table code."""
    saved = (spreadsheet._text_grid, spreadsheet._table_from_grid)
    spreadsheet._text_grid, spreadsheet._table_from_grid = text_grid, table_from_grid
    try:
        return spreadsheet.read_table(path, limits=limits)
    finally:
        spreadsheet._text_grid, spreadsheet._table_from_grid = saved


# ------------------------------------------------ the id resolver, every table built up front

#: Suggestions printed for an unknown id.
SUGGESTED = 3


def nfc(text: str) -> str:
    """``text`` in Unicode normal form C (composed accents), trimmed."""
    return unicodedata.normalize("NFC", str(text)).strip()


def _grouped(keys: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for key, ident in keys:
        if key and ident not in out.setdefault(key, []):
            out[key].append(ident)
    return {key: tuple(ids) for key, ids in out.items()}


@dataclass(frozen=True)
class IdResolver:
    """Ids (and optional names) of one side of a cohort, looked up as people type them."""

    side: str  # "mentee" or "mentor", for messages
    ids: tuple[str, ...]
    names: tuple[str, ...] = ()  # names[k] belongs to ids[k]; empty = ids only
    _exact: frozenset[str] = field(init=False, repr=False)
    _normal: dict[str, tuple[str, ...]] = field(init=False, repr=False)
    _caseless: dict[str, tuple[str, ...]] = field(init=False, repr=False)
    _named: dict[str, tuple[str, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "_exact", frozenset(self.ids))
        set_(self, "_normal", _grouped((nfc(normalise_id(nfc(i))), i) for i in self.ids))
        set_(self, "_caseless", _grouped((nfc(i).casefold(), i) for i in self.ids))
        set_(self, "_named", _grouped((fold(name), i)
                                      for name, i in zip(self.names, self.ids, strict=False)))

    @classmethod
    def of(cls, people: Sequence[Any], side: str) -> IdResolver:
        """The resolver of a list of participants (anything with ``id`` and ``name``)."""
        return cls(side, tuple(str(p.id) for p in people),
                   tuple(str(getattr(p, "name", "") or "") for p in people))

    def knows(self, ident: str) -> bool:
        """True when ``ident`` is one of the ids exactly."""
        return ident in self._exact

    def find(self, wanted: str) -> tuple[str, ...]:
        """The ids ``wanted`` may mean: one (found), several (ambiguous) or none."""
        if wanted in self._exact:
            return (wanted,)
        text = nfc(wanted)
        if not text:
            return ()
        for table, key in ((self._normal, nfc(normalise_id(text))),
                           (self._caseless, text.casefold()), (self._named, fold(text))):
            if key in table:
                return table[key]
        return ()

    def resolve(self, wanted: str) -> str | None:
        """The one id ``wanted`` means, or None (unknown or ambiguous)."""
        found = self.find(wanted)
        return found[0] if len(found) == 1 else None

    def require(self, wanted: str, where: str = "") -> str:
        """The one id ``wanted`` means; UnknownIdError (closest ids, or the people it could
        mean) otherwise. ``where`` (a file or folder) starts the message."""
        found = self.find(wanted)
        if len(found) == 1:
            return found[0]
        start = f"{where}: " if where else ""
        if found:
            return _raise(f"{start}{wanted!r} could be any of {len(found)} {self.side}s "
                          f"({', '.join(found)}). Give the id of the one you mean.")
        return _raise(f"{start}no {self.side} has the id {wanted!r} (nor that name). "
                      f"{self.suggest(wanted)} Ids are the values of the {self.side}s' id "
                      "column (as in pairings.csv), in any capitals; a name works when only "
                      "one person has it.")

    def suggest(self, wanted: str) -> str:
        """ "Closest ids: a, b." (as the cohort spells them) or a hint when nothing is close."""
        by_key: dict[str, str] = {}
        for ident in self.ids:
            by_key.setdefault(nfc(ident).casefold(), ident)
        for name, ident in zip(self.names, self.ids, strict=False):
            if name:
                by_key.setdefault(fold(name), ident)
        close = difflib.get_close_matches(nfc(wanted).casefold(), list(by_key), n=SUGGESTED,
                                          cutoff=0.5)
        if not close:
            close = difflib.get_close_matches(fold(wanted), list(by_key), n=SUGGESTED,
                                              cutoff=0.5)
        ids = list(dict.fromkeys(by_key[key] for key in close))
        return f"Closest ids: {', '.join(ids)}." if ids else "No id is close to it."


def _raise(message: str) -> str:
    raise UnknownIdError(message)


# ------------------------------------------------ the feedback reader, one call per cell

def read_feedback(path: str | Path, config: ProgramConfig, *,
                  previous_pairs: Collection[tuple[str, str]]) -> FeedbackSheet:
    """Read ``path`` and check each row against the previous run's ``previous_pairs``.

    Raises :class:`~scoring.errors.IntakeError` when the file cannot be read at all and
    :class:`FeedbackError` listing every row-level error otherwise.
    """
    path = Path(path)
    table = spreadsheet.read_table(path, label=str(path), limits=config.limits)
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
