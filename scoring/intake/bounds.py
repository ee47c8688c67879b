"""Bounded reading: a hostile intake file costs at most the limits, never what it claims.

An XLSX is a zip of XML parts. Its headers may lie and its sheet's ``dimension`` element
may claim anything, so nothing here trusts them: :func:`check_workbook_archive` inflates
every member as a stream, counting the bytes it really produces, and stops at the limit;
:func:`bounded_sheet_rows` parses the sheet's rows one at a time (openpyxl's streaming
parser, expat underneath: no external entities, and expat refuses entity amplification)
and stops at the first row, column or cell past a limit. The limits are
``[limits]`` in the program config (:class:`~scoring.config.sections.LimitsSection`),
defaults far above any real program's export.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Any

from scoring.config.schema import OPTIONAL
from scoring.config.sections import LimitsSection
from scoring.errors import IntakeError
from scoring.intake.normalise import cell_text

#: The limits used when a caller passes none (the config's defaults).
DEFAULT_LIMITS = LimitsSection(**OPTIONAL["limits"])
MB = 1024 * 1024
_CHUNK = MB
#: Most parts a workbook may have (a real one has a few dozen).
MAX_MEMBERS = 10_000
_FIX = ("If the file is genuine, raise the limit under [limits] in the config (see "
        "SECURITY.md), or export the sheet as CSV.")


def check_file_size(path: Path, limits: LimitsSection) -> None:
    """IntakeError when the file as stored is larger than ``max_file_mb``."""
    size = path.stat().st_size
    if size > limits.max_file_mb * MB:
        raise IntakeError(f"{path}: the file is {size / MB:.0f} MB, more than the limit of "
                          f"{limits.max_file_mb} MB (max_file_mb). {_FIX}")


def check_workbook_archive(path: Path, limits: LimitsSection) -> None:
    """IntakeError unless every member of the workbook inflates, in total, to at most
    ``max_unzipped_mb`` (checked on the headers first, then on the bytes really produced,
    reading at most the limit plus one chunk)."""
    cap = limits.max_unzipped_mb * MB
    too_big = (f"{path}: the workbook inflates to more than {limits.max_unzipped_mb} MB "
               f"(max_unzipped_mb); it may be a 'zip bomb' or hold far more than a sign-up "
               f"sheet. {_FIX}")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise IntakeError(f"{path}: the workbook has {len(members):,} parts; a real "
                                  f"one has a few dozen. Save it again in Excel as .xlsx, or "
                                  f"export the sheet as CSV.")
            if sum(member.file_size for member in members) > cap:
                raise IntakeError(too_big)
            produced = 0
            for member in members:
                with archive.open(member) as stream:
                    while chunk := stream.read(_CHUNK):
                        produced += len(chunk)
                        if produced > cap:
                            raise IntakeError(too_big)
    except IntakeError:
        raise
    # zipfile reports damage as BadZipFile, a CRC mismatch, an unsupported method,
    # a decompression error or EOF: to the coordinator they all mean the same.
    except Exception:
        raise IntakeError(f"{path}: the workbook cannot be opened; it looks damaged or is not "
                          "an Excel .xlsx file. Open it in Excel and save it again as .xlsx, "
                          "or export the sheet as CSV.") from None


def bounded_sheet_rows(worksheet: Any, limits: LimitsSection,
                       where: str) -> list[list[str]]:
    """The cells of a read-only openpyxl ``worksheet`` as text rows (row 1 first, blank
    rows as ``[]``), parsed as a stream; IntakeError naming the row or column at the first
    row, column, cell count or cell length past ``limits``.

    The sheet's ``dimension`` and empty cells are never expanded: a row holds cells up to
    its last non-empty one only.
    """
    rows: list[list[str]] = []
    cells = 0
    for index, values in _parsed_rows(worksheet):
        if index > limits.max_rows + 1:  # + the header row
            raise IntakeError(f"{where}: row {index:,} is past the limit of "
                              f"{limits.max_rows:,} rows of answers (max_rows). Delete the "
                              f"rows below the answers (select them, right-click > Delete). "
                              f"{_FIX}")
        row: dict[int, str] = {}
        for column, value in values:
            if column > limits.max_columns:
                raise IntakeError(f"{where}: row {index:,} has a cell in column "
                                  f"{_column_name(column)}, past the limit of "
                                  f"{limits.max_columns:,} columns (max_columns). Delete the "
                                  f"columns right of the answers. {_FIX}")
            text = cell_text(value)
            if not text:
                continue
            if len(text) > limits.max_cell_chars:
                raise IntakeError(f"{where}: the cell in row {index:,}, column "
                                  f"{_column_name(column)} holds {len(text):,} characters, "
                                  f"more than the limit of {limits.max_cell_chars:,} "
                                  f"(max_cell_chars). {_FIX}")
            row[column] = text
        cells += len(row)
        if cells > limits.max_cells:
            raise IntakeError(f"{where}: the sheet holds more than {limits.max_cells:,} "
                              f"filled cells (max_cells), reached at row {index:,}. {_FIX}")
        rows.extend([] for _ in range(len(rows) + 1, index))
        width = max(row, default=0)
        rows.append([row.get(column, "") for column in range(1, width + 1)])
    return rows


def _parsed_rows(worksheet: Any) -> Iterator[tuple[int, list[tuple[int, object]]]]:
    """(row number, [(column number, value)]) per row element, as openpyxl's read-only
    worksheet parses them (shared strings, dates and cached formula values resolved),
    without the padding to the claimed dimensions that ``iter_rows`` adds."""
    workbook = worksheet.parent
    from openpyxl.worksheet._reader import WorkSheetParser  # only workbooks need openpyxl

    with worksheet._get_source() as source:  # openpyxl internals: the sheet XML stream
        parser = WorkSheetParser(source, worksheet._shared_strings,
                                 data_only=workbook.data_only, epoch=workbook.epoch,
                                 date_formats=workbook._date_formats,
                                 timedelta_formats=workbook._timedelta_formats)
        for index, cells in parser.parse():
            yield index, [(cell["column"], cell["value"]) for cell in cells]


def _column_name(column: int) -> str:
    """Excel's letters for a column number (16384 → XFD); the number past Excel's last."""
    from openpyxl.utils import get_column_letter  # imported here: CSV intake needs no openpyxl

    return get_column_letter(column) if column <= 18_278 else f"number {column:,}"


def check_text_grid(grid: list[list[str]], limits: LimitsSection, where: str) -> None:
    """The same row, column, cell-count and cell-length limits for a parsed CSV."""
    if len(grid) > limits.max_rows + 1:
        raise IntakeError(f"{where}: the file has {len(grid) - 1:,} rows of answers, more than "
                          f"the limit of {limits.max_rows:,} (max_rows). {_FIX}")
    width = max(map(len, grid), default=0)
    if width > limits.max_columns:
        raise IntakeError(f"{where}: the file has {width:,} columns, more than the limit of "
                          f"{limits.max_columns:,} (max_columns). {_FIX}")
    # Counted with map over all cells (C loops): a sheet of a million rows is checked in a
    # fraction of a second; the first cell past the limit is looked for only when one is.
    cells = list(chain.from_iterable(grid))
    if max(map(len, cells), default=0) > limits.max_cell_chars:
        for number, row in enumerate(grid, start=1):
            for column, text in enumerate(row, start=1):
                if len(text) > limits.max_cell_chars:
                    raise IntakeError(f"{where}: the cell in row {number:,}, column {column} "
                                      f"holds {len(text):,} characters, more than the limit "
                                      f"of {limits.max_cell_chars:,} (max_cell_chars). {_FIX}")
    filled = sum(map(bool, cells))
    if filled > limits.max_cells:
        raise IntakeError(f"{where}: the file holds {filled:,} filled cells, more than the "
                          f"limit of {limits.max_cells:,} (max_cells). {_FIX}")


def check_text_fields(text: str, delimiter: str, limits: LimitsSection, where: str) -> None:
    """Before a CSV is parsed: at most ``max_cells`` separators and line breaks, so that no
    single line of separators can build a row of millions of cells in memory (an upper
    bound: quoted separators count too, so the message says "up to")."""
    # Each separator and each line break ends one cell: the same count is checked and shown.
    cells = text.count(delimiter) + text.count("\n")
    if cells > limits.max_cells:
        raise IntakeError(f"{where}: the file has up to {cells:,} cells, more "
                          f"than the limit of {limits.max_cells:,} (max_cells). {_FIX}")
