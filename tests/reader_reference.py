"""The readers as they were before issue 15's linear rewrite: one Python call per cell and
per row. Kept only as the oracle of tests/test_linear_readers.py (the new readers must
return the same tables, pairs and problems); never imported by the program."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from scoring.config.sections import LimitsSection
from scoring.errors import IntakeError, InvalidCohortError
from scoring.intake import spreadsheet
from scoring.intake.bounds import _FIX, DEFAULT_LIMITS, check_text_fields
from scoring.intake.ids import IdResolver
from scoring.intake.normalise import cell_text
from scoring.profiles import Cohort, Problem
from scoring.text import fold


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
