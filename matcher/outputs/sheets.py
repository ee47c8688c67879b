"""Writing tables as CSV and XLSX: formula-safe cells and byte-identical reruns.

Every text cell passes :func:`matcher.outputs.cell_safety.safe_cell` and is quoted in CSV.
CSV files are UTF-8 with a byte-order mark (so Excel shows accents correctly). XLSX files
get fixed document dates and fixed zip entry times, so the same tables always give the
same bytes.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from matcher.outputs.cell_safety import safe_cell, safe_row, safe_texts
from matcher.outputs.sheet_xml import (
    FLOAT_KINDS,
    KEYED_KINDS,
    TEXT_KINDS,
    CellStyles,
    NotPlain,
    columns,
    equal_lengths,
    negative_zero,
    sheet_data,
)

Cell = str | int | float | None
#: Text longer than this wraps in its cell, and no column grows wider for it.
WRAP_AT = 60
#: A write-only sheet's rows as openpyxl writes them when it was given none.
EMPTY_SHEET_DATA = b"<sheetData></sheetData>"


@dataclass(frozen=True)
class Table:
    """One sheet: its name, header row and data rows."""

    name: str
    headers: tuple[str, ...]
    rows: Sequence[Sequence[Cell]]
    number_format: str = "0.0"  # for float cells


def write_csv(path: Path, table: Table) -> None:
    """Write ``table`` as a CSV file (header first), each text cell formula-safe."""
    path.write_bytes(csv_bytes(table))


def csv_bytes(table: Table) -> bytes:
    """The bytes :func:`write_csv` writes (for files added to a run folder by a caller)."""
    text = io.StringIO(newline="")
    # Every text cell quoted: a separator of another locale inside it cannot split it.
    writer = csv.writer(text, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(safe_row(table.headers))
    rows = table.rows
    # The guard before the rounding: a negative number stays a number, never '-2.5 text.
    if equal_lengths(rows) and len(rows[0]) >= 2:
        # Column by column, each distinct value's field worked out (and encoded) once (a
        # table repeats ids, names, component names, evidence and rounded figures on many
        # rows), then each line joined from its fields, after the header's: UTF-8 is
        # written a character at a time, so the file is the join of its encoded fields.
        field = _CsvField()
        fields = [_csv_fields(column, field) for column in columns(rows)]
        header = codecs.BOM_UTF8 + text.getvalue()[:-2].encode("utf-8")
        return b"\r\n".join(chain((header,), map(b",".join, zip(*fields, strict=True)),
                                   (b"",)))
    # a table of one column or of rows of unequal length: cell by cell
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return text.getvalue().encode("utf-8-sig")


def _csv_cell(value: object) -> object:
    """A cell as its CSV holds it: formula-safe, floats rounded as text."""
    return _csv_value(safe_cell(value))


def _csv_value(value: object) -> object:
    # The tables round their figures (scores to 2 decimals, component values to 3).
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value == value else ""
    return value


def _csv_fields(column: list[object], field: Callable[[object], str]) -> list[bytes]:
    """The CSV field of each cell of a column (``field(_csv_cell(value))``), in UTF-8: a
    column of text, or of floats without -0.0, each distinct value's field written here
    once (text and a rounded float's text quoted, their quotes doubled); other columns of
    text, whole numbers and blanks once per distinct value through ``field``; the rest cell
    by cell."""
    kinds = set(map(type, column))
    known: dict[object, str]
    if kinds <= TEXT_KINDS:
        texts: list[str] = list(set(column) - {None})  # type: ignore[arg-type]
        known = {text: '"' + guarded.replace('"', '""') + '"'
                 for text, guarded in zip(texts, safe_texts(texts), strict=True)}
    elif float in kinds and kinds <= FLOAT_KINDS and not negative_zero(column):
        known = {value: '"' + _csv_value(value) + '"'  # type: ignore[operator]
                 for value in set(column) - {None}}
    elif kinds <= KEYED_KINDS:
        known = {value: field(_csv_cell(value)) for value in set(column)}
    else:
        return [field(_csv_cell(value)).encode("utf-8") for value in column]
    known[None] = field(None)
    encoded = {value: text.encode("utf-8") for value, text in known.items()}
    return list(map(encoded.__getitem__, column))


class _CsvField:
    """A cell's text in a CSV line as :mod:`csv` writes it (quoted and escaped by the
    table's dialect). Text is always quoted, its quotes doubled (QUOTE_NONNUMERIC, the
    default dialect: tests/test_tables_speed.py checks it against the module); any other
    value the csv module itself writes, in a row of two fields, since a row's fields are
    written independently of each other (only a row of one empty field is written apart)."""

    _TAIL = ",0\r\n"

    def __init__(self) -> None:
        self._buffer = io.StringIO(newline="")
        self._writer = csv.writer(self._buffer, quoting=csv.QUOTE_NONNUMERIC)

    def __call__(self, value: object) -> str:
        if type(value) is str:
            return '"' + value.replace('"', '""') + '"'
        buffer = self._buffer
        buffer.seek(0)
        buffer.truncate()
        self._writer.writerow((value, 0))
        line = buffer.getvalue()
        assert line.endswith(self._TAIL), line  # the dialect's separator and line end
        return line[:-len(self._TAIL)]


def converted_rows(rows: Sequence[Sequence[Cell]], convert: Callable[[object], object]
                   ) -> Sequence[Sequence[object]]:
    """``[[convert(v) for v in row] for row in rows]``, for ``convert`` a pure function of
    a cell that leaves every value but text as it is.

    Worked out column by column: a column of text converts each distinct text once (a
    table repeats ids, names, roles and evidence on many rows), other columns cell by
    cell where they hold text, else are kept. Rows of unequal length, cell by cell."""
    if not rows or len({len(row) for row in rows}) != 1:
        return [[convert(value) for value in row] for row in rows]
    return list(zip(*(_converted_column(column, convert) for column in columns(rows)),
                    strict=True))


def _converted_column(column: Sequence[object], convert: Callable[[object], object]
                      ) -> Sequence[object]:
    kinds = set(map(type, column))
    if kinds == {str}:
        converted = {value: convert(value) for value in set(column)}
        return list(map(converted.__getitem__, column))
    if str in kinds:
        return [convert(value) for value in column]
    return column  # numbers, blanks ...: what convert leaves as they are


def write_xlsx(path: Path, tables: Sequence[Table], fixed_time: dt.datetime) -> None:
    """Write ``tables`` as sheets of one workbook whose bytes depend only on the content.

    openpyxl's write-only mode streams rows straight to the sheet XML (a normal workbook
    keeps a Cell object per cell and was the slowest step of a large run folder), so column
    widths are measured before the first row is written. The rows themselves are written by
    :mod:`.sheet_xml` in the bytes openpyxl writes for them (tests/test_sheet_xml.py), and by
    openpyxl whenever a table holds a value that module leaves to it.
    """
    try:
        _save(path, tables, fixed_time, fast=True)
    except NotPlain:
        _save(path, tables, fixed_time, fast=False)


def _save(path: Path, tables: Sequence[Table], fixed_time: dt.datetime, *, fast: bool
          ) -> None:
    """The workbook, its rows by :mod:`.sheet_xml` if ``fast``, else by openpyxl."""
    workbook = Workbook(write_only=True)
    sheet_rows = {f"xl/worksheets/sheet{k}.xml": _write_sheet(workbook, table, fast=fast)
                  for k, table in enumerate(tables, start=1)}
    workbook.properties.creator = "mentormatch"
    workbook.properties.created = fixed_time
    workbook.properties.modified = fixed_time
    # ExcelWriter directly: openpyxl's save() would stamp "modified" with the current time,
    # and the archive gives every entry the same fixed time.
    with _FixedTimeZipFile(path, fixed_time, sheet_rows if fast else {}) as archive:
        ExcelWriter(workbook, archive).write_data()


def _text_length(value: object) -> int:
    return 0 if value is None else len(str(value))


def _longest_texts(rows: Sequence[Sequence[object]], width: int) -> list[int]:
    """The longest text (:func:`_text_length`) of each of the first ``width`` columns; a
    column of text, whole numbers and blanks measured once per distinct value (a float
    column cell by cell: 0.0 and -0.0 are one value but two lengths)."""
    if not rows or len({len(row) for row in rows}) != 1:
        return [max(map(_text_length, (row[k] for row in rows)), default=0)
                for k in range(width)]
    lengths = []
    for column in columns(rows)[:width]:
        values = set(column) if set(map(type, column)) <= KEYED_KINDS else column
        lengths.append(max(map(_text_length, values), default=0))
    return lengths


def _write_sheet(workbook: Workbook, table: Table, *, fast: bool = False) -> bytes:
    """Add ``table``'s sheet: with its rows (openpyxl), or else (``fast``) without them,
    returning its ``<sheetData>`` for the archive to put in (:mod:`.sheet_xml`)."""
    sheet = workbook.create_sheet(table.name[:31])
    headers = safe_row(table.headers)
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F5F8B")
    top = Alignment(vertical="top")
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, header)
        cell.font, cell.fill, cell.alignment = header_font, header_fill, top
        header_cells.append(cell)
    styles = _cell_styles(sheet, table.number_format)
    if fast:
        header_style = header_cells[0]._style if header_cells else None
        data = sheet_data(headers, header_style, table.rows, styles, workbook._cell_styles.add)
        rows: Sequence[Sequence[object]] = ()
        longest = data.longest[:len(headers)]
    else:
        rows = converted_rows(table.rows, safe_cell)
        longest = _longest_texts(rows, len(headers))
    for index, (header, length) in enumerate(zip(headers, longest, strict=True), start=1):
        width = max(len(str(header)), min(length, WRAP_AT))
        sheet.column_dimensions[get_column_letter(index)].width = width + 2
    sheet.freeze_panes = "A2"
    if table.rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(table.rows) + 1}"
    if fast:
        return data.xml
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_styled(sheet, styles, value) for value in row])
    return b""


def _cell_styles(sheet: object, number_format: str) -> CellStyles:
    """A sheet's data cell styles: floats get the number format, long text wraps.

    Each kind's style is looked up in the workbook's style tables once and then shared by
    its cells (openpyxl's ``_style``; the writer only reads it): assigning a style through
    openpyxl's descriptors per cell cost more than writing the cell.
    """
    number = WriteOnlyCell(sheet)
    number.number_format = number_format
    wrapped = WriteOnlyCell(sheet)
    wrapped.alignment = Alignment(wrap_text=True, vertical="top")
    return CellStyles(number._style, wrapped._style, WRAP_AT)


def _styled(sheet: object, styles: CellStyles, value: object) -> object:
    """A cell for openpyxl's ``append``: ``value`` itself where it has no style."""
    style = styles.of(value)
    if style is None:
        return value
    cell = WriteOnlyCell(sheet, value)
    cell._style = style  # shared: the writer only reads it
    return cell


class _FixedTimeZipFile(zipfile.ZipFile):
    """A zip archive whose entries all carry one fixed time (zip stores local wall time)."""

    def __init__(self, path: Path, fixed_time: dt.datetime,
                 sheet_rows: dict[str, bytes] | None = None) -> None:
        super().__init__(path, "w", zipfile.ZIP_DEFLATED)
        self._sheet_rows = sheet_rows or {}
        self._stamp = (max(fixed_time.year, 1980), fixed_time.month, fixed_time.day,
                       fixed_time.hour, fixed_time.minute, fixed_time.second)

    # The signatures are ZipFile's; every entry is deflated with a fixed time whatever
    # the caller asks (byte-identical reruns).
    def writestr(self, zinfo_or_arcname, data, compress_type=None,  # noqa: ARG002
                 compresslevel=None):  # noqa: ARG002
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        entry = zipfile.ZipInfo(name, date_time=self._stamp)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = 0o600 << 16
        super().writestr(entry, data)

    def write(self, filename, arcname=None, compress_type=None,  # noqa: ARG002
              compresslevel=None):  # noqa: ARG002
        # openpyxl's write-only sheets arrive as temporary files with their own mtime.
        name = arcname or Path(filename).name
        data = Path(filename).read_bytes()
        rows = self._sheet_rows.get(name)
        if rows is not None:  # a sheet written without its rows: put them in
            if data.count(EMPTY_SHEET_DATA) != 1:
                raise NotPlain(f"{name}: no empty <sheetData> to fill")
            data = data.replace(EMPTY_SHEET_DATA, rows)
        self.writestr(name, data)
