"""Read one intake file (CSV or an XLSX sheet) into a table of text cells.

This module knows about files, encodings, delimiters and workbooks, nothing about
mentors or mentees: :mod:`scoring.intake.cohort` maps the headers and builds the records.
A file that cannot be read at all raises :class:`~scoring.errors.IntakeError` with one
sentence naming the file and the fix; the file type is decided by its content (a CSV
renamed ``.xlsx`` is still read as CSV and a workbook saved as ``.csv`` as a workbook, each
with a warning), the extension only decides which files are allowed at all.

Workbooks: chart sheets are skipped (they hold no answers); a hidden sheet is read when it
is the one asked for (or the first), with a warning saying it is hidden. CSV: Excel's
``sep=;`` first line sets the separator and is not a row; UTF-8, UTF-16 and UTF-32 (by
byte-order mark) and Windows-1252 are decoded.

Every read is bounded (:mod:`scoring.intake.bounds`): file size, decompressed size, rows,
columns, filled cells and cell length are checked against ``[limits]`` while reading, so a
file past a limit stops with one error in a fraction of a second whatever it claims.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from itertools import compress, count
from pathlib import Path
from typing import TYPE_CHECKING

from scoring.config.sections import LimitsSection
from scoring.errors import IntakeError
from scoring.intake.bounds import (
    DEFAULT_LIMITS,
    bounded_sheet_rows,
    check_file_size,
    check_text_fields,
    check_text_grid,
    check_workbook_archive,
)
from scoring.intake.form_reading.export_headers import join_header_rows
from scoring.profiles import Problem

if TYPE_CHECKING:  # openpyxl is imported when a workbook is read: CSV intake does without
    import openpyxl

#: Extensions read as delimited text (content sniffing may still find a workbook inside).
TEXT_EXTENSIONS = frozenset({".csv", ".txt", ".tsv"})
#: Extensions read as Excel workbooks.
WORKBOOK_EXTENSIONS = frozenset({".xlsx", ".xlsm"})

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SNIFF_BYTES = 64 * 1024
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
#: Excel's first line naming the separator (``sep=;``), written by "CSV" exports that
#: must open in a locale using another one; it is not a row of the sheet.
_EXCEL_SEP_LINE = re.compile(r'\A"?sep=([,;\t|: ])"?[ \t]*(?:\r\n|\n|\r)', re.IGNORECASE)


@dataclass(frozen=True)
class SheetText:
    """A sheet as text: ``rows`` pairs each spreadsheet row number (header = 1) with its cells.

    ``label`` names the source in problems (``mentors.csv`` or ``cohort.xlsx, sheet 'Mentors'``);
    ``notes`` holds file-level warnings found while reading (e.g. a renamed extension).
    Blank rows are left out; every row has exactly ``len(headers)`` cells.
    """

    label: str
    headers: list[str]
    rows: list[tuple[int, list[str]]]
    notes: list[Problem] = field(default_factory=list)


def sheet_names(path: str | Path, limits: LimitsSection = DEFAULT_LIMITS) -> list[str]:
    """The sheet names of a workbook, or ``[]`` for a delimited-text file."""
    path = checked_path(path)
    if not is_workbook(path):
        return []
    workbook, _charts = _open_workbook(path, limits)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def is_workbook(path: str | Path) -> bool:
    """Whether ``path`` holds an Excel workbook (judged by content, not by extension)."""
    path = checked_path(path)
    return _file_kind(path, _head(path)) == "workbook"


def read_table(path: str | Path, sheet: str | None = None, *, required_sheet: bool = False,
               label: str | None = None, limits: LimitsSection = DEFAULT_LIMITS) -> SheetText:
    """Read ``path`` into a :class:`SheetText`.

    For a workbook, ``sheet`` is matched case-insensitively. With ``required_sheet`` a
    missing sheet is an error listing the sheets that exist; without it a missing sheet
    falls back to the first one (with a warning when the workbook has several).
    ``label`` overrides the name used in problems (defaults to the path as given);
    ``limits`` bound what the file may hold (IntakeError past one).
    """
    path = checked_path(path)
    check_file_size(path, limits)
    head = _head(path)
    kind = _file_kind(path, head)
    name = label or str(path)
    notes: list[Problem] = []
    suffix = path.suffix.lower()
    if kind == "workbook" and suffix in TEXT_EXTENSIONS:
        notes.append(Problem("warning", name, None, None, None,
                             f"The file is named {suffix} but holds an Excel workbook; it was "
                             "read as a workbook.", "Rename it to .xlsx to avoid surprises."))
    if kind == "text" and suffix in WORKBOOK_EXTENSIONS:
        notes.append(Problem("warning", name, None, None, None,
                             f"The file is named {suffix} but holds CSV text; it was read as "
                             "CSV.", "Rename it to .csv to avoid surprises."))
    with paused_gc():
        if kind == "workbook":
            grid, name, sheet_note = _workbook_grid(path, sheet, required_sheet, label, limits)
            notes.extend(sheet_note)
        else:
            grid = _text_grid(path, head, name, limits)
        return join_header_rows(_table_from_grid(grid, name, notes))  # SurveyMonkey, Qualtrics


@contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cycle collector paused while a sheet becomes millions of lists of strings:
    they hold no cycles, and each collection would walk every list made so far (a third of
    the time of a million-row sheet). Resumed on leaving, also after an error."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def checked_path(path: str | Path) -> Path:
    """The path, if it names an existing, non-empty file of an accepted type; IntakeError
    (naming the file and the fix) otherwise. Cheap: reads no content."""
    path = Path(path)
    if not path.exists():
        raise IntakeError(f"{path}: file not found. Check the path and the file name "
                          "(including the extension).")
    if not path.is_file():
        raise IntakeError(f"{path}: is a folder, not a file. Pass the CSV or XLSX file itself.")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise IntakeError(f"{path}: old Excel 97-2003 (.xls) files are not read. Open it in "
                          "Excel and save it as .xlsx (Excel Workbook) or CSV.")
    if suffix in {".ods", ".numbers"}:
        raise IntakeError(f"{path}: {suffix} files are not read. Export the sheet as .xlsx "
                          "or CSV from the app that made it.")
    if suffix not in TEXT_EXTENSIONS | WORKBOOK_EXTENSIONS:
        raise IntakeError(f"{path}: unknown file type {suffix or '(no extension)'!r}. Save "
                          "the sheet as CSV (.csv) or Excel (.xlsx).")
    if path.stat().st_size == 0:
        raise IntakeError(f"{path}: the file is empty. Export the sheet again, with its "
                          "header row and one row per person.")
    return path


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(_SNIFF_BYTES)


def _file_kind(path: Path, head: bytes) -> str:
    """``"workbook"`` or ``"text"``, decided by content; IntakeError for anything else."""
    if head.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in head or _has_ole_stream(path):
            raise IntakeError(f"{path}: the workbook is password-protected. Open it in Excel, "
                              "remove the password (File > Info > Protect Workbook), save, and "
                              "try again.")
        raise IntakeError(f"{path}: this is an old Excel 97-2003 file or another Office "
                          "document, not an .xlsx workbook. Open it in Excel and save it as "
                          ".xlsx or CSV.")
    if head.startswith(_ZIP_MAGIC):
        return "workbook"
    text_start = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text_start.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head")) \
            or b"<html" in text_start[:512]:
        raise IntakeError(f"{path}: this is a web page (HTML), not a spreadsheet; a download "
                          "link often saves the sign-in page instead. Open the sheet in your "
                          "browser and use File > Download > CSV.")
    if text_start.startswith(b"%pdf"):
        raise IntakeError(f"{path}: this is a PDF, not a spreadsheet. Export the sheet as CSV "
                          "or .xlsx.")
    if b"\x00" in head and not head.startswith(_UTF16_BOMS + _UTF32_BOMS):
        raise IntakeError(f"{path}: the file holds binary data, not CSV text (it may be "
                          "damaged). Export the sheet again as CSV or .xlsx.")
    return "text"


def _has_ole_stream(path: Path) -> bool:
    """Whether an OLE file names an ``EncryptedPackage`` stream anywhere (password-protected
    OOXML); its directory may lie beyond the first bytes read for sniffing."""
    return "EncryptedPackage".encode("utf-16-le") in path.read_bytes()


@cache
def _table_sheets_reader() -> type:
    """openpyxl's workbook reader, skipping chart sheets and remembering their names.

    A chart sheet holds no answers, and openpyxl 3.1 fails on one without drawings.
    """
    from openpyxl.reader.excel import ExcelReader

    class TableSheetsReader(ExcelReader):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            self.chart_sheets: list[str] = []

        def read_chartsheet(self, sheet: object, rel: object) -> None:  # noqa: ARG002
            self.chart_sheets.append(sheet.name)  # type: ignore[attr-defined]

    return TableSheetsReader


def _open_workbook(path: Path,
                   limits: LimitsSection) -> tuple[openpyxl.Workbook, list[str]]:
    """The workbook (read-only, cached values) and the names of the chart sheets skipped,
    once its size and every member's decompressed size are within ``limits``.

    The bytes are handed over as a file object so the content decides, not the name:
    openpyxl refuses a path that does not end in ``.xlsx``.
    """
    check_file_size(path, limits)
    check_workbook_archive(path, limits)
    try:
        reader = _table_sheets_reader()(io.BytesIO(path.read_bytes()), read_only=True,
                                    data_only=True, keep_links=False)
        reader.read()
        return reader.wb, reader.chart_sheets
    # openpyxl reports damage through many exception types (zip, XML, key errors); any
    # failure here means the same thing to the coordinator.
    except Exception:
        raise IntakeError(f"{path}: the workbook cannot be opened; it looks damaged or is not "
                          "an Excel .xlsx file. Open it in Excel and save it again as .xlsx, "
                          "or export the sheet as CSV.") from None


def _same_name(name: str, wanted: str | None) -> bool:
    """Sheet names compared ignoring case and surrounding spaces."""
    return wanted is not None and name.strip().casefold() == wanted.strip().casefold()


def _workbook_grid(path: Path, sheet: str | None, required: bool, label: str | None,
                   limits: LimitsSection) -> tuple[list[list[str]], str, list[Problem]]:
    """Cells of the chosen sheet as text, the label naming that sheet, and any notes."""
    workbook, charts = _open_workbook(path, limits)
    notes: list[Problem] = []
    try:
        names = list(workbook.sheetnames)  # worksheets only: chart sheets were skipped
        chosen = next((n for n in names if _same_name(n, sheet)), None)
        chart = next((c for c in charts if _same_name(c, sheet)), None)
        chart_hint = f" ({chart!r} is a chart, not a table of answers)" if chart else ""
        if chosen is None and (required or not names):
            listed = ", ".join(repr(n) for n in names) or "none"
            raise IntakeError(f"{path}: no sheet called {sheet!r}{chart_hint}; the workbook "
                              f"has {listed}. Rename the sheet, or set mentor_sheet / "
                              "mentee_sheet under [intake] in the config.")
        if chosen is None:
            chosen = names[0]
        name = label or (f"{path}, sheet {chosen!r}" if required or len(names) > 1
                         else str(path))
        if sheet and (len(names) > 1 or chart) and not _same_name(chosen, sheet):
            missing = (f"Sheet {chart!r} is a chart, not a table of answers" if chart
                       else f"No sheet called {sheet!r}")
            notes.append(Problem("warning", name, None, None, None,
                                 f"{missing}; read the first sheet, {chosen!r}.",
                                 "Check this is the right sheet."))
        try:
            worksheet = workbook[chosen]
            if worksheet.sheet_state != "visible":
                notes.append(Problem("warning", name, None, None, None,
                                     f"Sheet {chosen!r} is hidden in the workbook; it was read "
                                     "anyway.", "Check this is the right sheet (in Excel: "
                                     "right-click a sheet tab > Unhide)."))
            # Streamed, never trusting <dimension>: stops at the first cell past a limit.
            grid = bounded_sheet_rows(worksheet, limits, name)
        except IntakeError:
            raise
        except Exception:  # a damaged sheet part fails only when read; same fix as above
            raise IntakeError(f"{path}: sheet {chosen!r} cannot be read; the workbook looks "
                              "damaged. Open it in Excel and save it again as .xlsx, or "
                              "export the sheet as CSV.") from None
    finally:
        workbook.close()
    return grid, name, notes


def _decode(raw: bytes) -> str:
    """Text of a CSV: UTF-32, UTF-16 or UTF-8 by their byte-order marks, else UTF-8, else
    Windows-1252 (what Excel on Windows writes for "CSV"), else Latin-1 (never fails)."""
    # UTF-32 first: its little-endian mark starts with UTF-16's. A cut-off file can end in
    # half a character; keep the rest readable.
    if raw.startswith(_UTF32_BOMS):
        return raw.decode("utf-32", errors="replace")
    if raw.startswith(_UTF16_BOMS):
        return raw.decode("utf-16", errors="replace")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _delimiter(text: str) -> str:
    """The separator of a CSV, sniffed from its first lines among comma, semicolon and tab.

    Excel in many European locales writes ``;``. When the sniffer cannot decide, the
    separator that occurs most in the header line wins (comma on a tie).
    """
    sample = text[:_SNIFF_BYTES]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        return max([",", ";", "\t"], key=header.count)


def _text_grid(path: Path, head: bytes, label: str,
               limits: LimitsSection) -> list[list[str]]:
    raw = path.read_bytes() if len(head) >= _SNIFF_BYTES else head
    text = _decode(raw)
    excel_sep = _EXCEL_SEP_LINE.match(text)
    if excel_sep:
        text = text[excel_sep.end():]
    if not text.strip():
        raise IntakeError(f"{label}: the file is empty. Export the sheet again, with its "
                          "header row and one row per person.")
    delimiter = excel_sep[1] if excel_sep else _delimiter(text)
    check_text_fields(text, delimiter, limits, label)
    grid = _plain_grid(text, delimiter) if len(text) <= PLAIN_CSV_CHARS else None
    if grid is None:
        grid = _pandas_grid(text, delimiter, label)
    check_text_grid(grid, limits, label)
    return grid


#: Up to this size a CSV is read by the standard library's ``csv`` module when it is plain
#: (below): importing pandas alone costs a ``match`` 0.2-0.4 s, more than reading a
#: cohort's sheets, and the ``csv`` module reads as fast per row (a 10,000-mentee sheet of
#: 5.8 M characters: 0.08 s against pandas' 0.09 s without its import). Larger files, and
#: unusual ones, go to pandas: its parser gives equal cells one string object, which the
#: id lookups of a million-row locks or feedback sheet profit from (read by the ``csv``
#: module they took 1.06-1.28x the CPU time, ``benchmarks/bench_readers.py``).
PLAIN_CSV_CHARS = 20_000_000


def _plain_grid(text: str, delimiter: str) -> list[list[str]] | None:
    """The grid pandas would read from ``text``, or None where this reader is not sure.

    None (and so pandas, with its own answers and messages) for anything but a plain sheet:
    a quote the strict ``csv`` dialect refuses, a NUL, a blank first row, a row longer than
    the header row. Otherwise the rows as pandas gives them: blank lines kept as rows of
    empty cells, short rows padded with empty cells (tests/test_intake_csv_fast.py proves
    the grids equal on generated files)."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                               strict=True))
    except csv.Error:
        return None
    if not rows or not rows[0]:
        return None
    width = len(rows[0])
    if any(len(row) > width for row in rows):
        return None
    return [row if len(row) == width else row + [""] * (width - len(row)) for row in rows]


def _pandas_grid(text: str, delimiter: str, label: str) -> list[list[str]]:
    import pandas as pd  # large or unusual files only: see PLAIN_CSV_CHARS

    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, dtype=str,
                            keep_default_na=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError:  # pandas' answer to blank lines above the header
        raise IntakeError(f"{label}: the first row must hold the column headers but it is "
                          "blank. Delete the blank rows above the headers.") from None
    except pd.errors.ParserError as exc:
        raise IntakeError(_parser_error_message(str(exc), label)) from None
    # Every cell is text already (dtype=str); the only gaps are missing trailing cells.
    # One C-level conversion instead of a Python call per cell (linear readers, issue 15).
    grid: list[list[str]] = frame.to_numpy(dtype=object, na_value="").tolist()
    return grid


def _parser_error_message(error: str, label: str) -> str:
    """pandas' complaint about a CSV, told the way the coordinator can act on it."""
    unclosed = re.search(r"EOF inside string starting at row (\d+)", error)
    if unclosed:
        # pandas counts records from 0, the header being record 0 (= spreadsheet row 1).
        return (f"{label}: a double quote (\") opens a cell on row {int(unclosed[1]) + 1} "
                "and is never closed, so everything after it would be one cell. Remove that "
                "quote, or add the closing one where the answer ends.")
    if "EOF inside string" in error:
        return (f"{label}: a double quote (\") opens a cell and is never closed. Remove that "
                "quote, or add the closing one where the answer ends.")
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", error)
    where = (f"line {found[2]} of the file has {found[3]} cells but the header row has "
             f"{found[1]}" if found else "a row has more cells than the header row")
    return (f"{label}: {where}. This usually means an answer contains the separator "
            "without quotes; put that answer in double quotes, or export the file again.")


def _table_from_grid(grid: list[list[str]], label: str, notes: list[Problem]) -> SheetText:
    """Header from the first row, blank rows dropped, every row padded to the header width."""
    if not grid or not any(cell.strip() for cell in grid[0]):
        raise IntakeError(f"{label}: the first row must hold the column headers but it is "
                          "blank (or the sheet is empty). Delete the blank rows above the "
                          "headers.")
    headers = [" ".join(cell.split()) for cell in grid[0]]
    # Excel often carries empty trailing columns; drop headerless columns with no data.
    used = [i for i, h in enumerate(headers)
            if h or any(i < len(row) and row[i].strip() for row in grid[1:])]
    width = max(used) + 1
    # A column with answers but no header still needs a name for problems and extras.
    headers = [h or f"Column {i + 1}" for i, h in enumerate(headers[:width])]
    body = [row if len(row) == width else (list(row) + [""] * width)[:width]
            for row in grid[1:]]
    # A row is blank when its cells joined are white space only (same as every cell being
    # blank); map/compress keep the per-row work in C for sheets of a million rows.
    filled = map(str.strip, map("".join, body))
    rows = list(compress(zip(count(2), body), filled))
    if not rows:
        raise IntakeError(f"{label}: the file has a header row but no rows of answers. Export "
                          "the sheet again once people have signed up.")
    return SheetText(label=label, headers=headers, rows=rows, notes=notes)
