"""Writing tables as CSV and XLSX: formula-safe cells and byte-identical reruns.

Every text cell passes :func:`matcher.safe_cells.safe_cell`. CSV files are UTF-8 with a
byte-order mark (so Excel shows accents correctly). XLSX files get fixed document dates and
fixed zip entry times, so the same tables always give the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from matcher.safe_cells import safe_row

Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    """One sheet: its name, header row and data rows."""

    name: str
    headers: tuple[str, ...]
    rows: Sequence[Sequence[Cell]]
    number_format: str = "0.0"  # for float cells


def write_csv(path: Path, table: Table) -> None:
    """Write ``table`` as a CSV file (header first), each text cell formula-safe."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(safe_row(table.headers))
        for row in table.rows:
            writer.writerow(safe_row(_csv_value(v) for v in row))


def _csv_value(value: Cell) -> Cell:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value == value else ""
    return value


def write_xlsx(path: Path, tables: Sequence[Table], fixed_time: dt.datetime) -> None:
    """Write ``tables`` as sheets of one workbook whose bytes depend only on the content."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F5F8B")
    for table in tables:
        sheet = workbook.create_sheet(table.name[:31])
        sheet.append(safe_row(table.headers))
        for row in table.rows:
            sheet.append(safe_row(row))
        for cell in sheet[1]:
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(vertical="top")
        widths = [len(h) for h in table.headers]
        for row in sheet.iter_rows(min_row=2):
            for index, cell in enumerate(row):
                if isinstance(cell.value, float):
                    cell.number_format = table.number_format
                text = "" if cell.value is None else str(cell.value)
                widths[index] = max(widths[index], min(len(text), 60))
                if len(text) > 60:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width + 2
        sheet.freeze_panes = "A2"
        if table.rows:
            sheet.auto_filter.ref = sheet.dimensions
    workbook.properties.creator = "mentormatch"
    workbook.properties.created = fixed_time
    workbook.properties.modified = fixed_time
    buffer = io.BytesIO()
    # ExcelWriter directly: openpyxl's save() would stamp "modified" with the current time.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()
    _rewrite_zip_times(buffer.getvalue(), path, fixed_time)


def _rewrite_zip_times(data: bytes, path: Path, fixed_time: dt.datetime) -> None:
    """Copy a zip, giving every entry the same fixed time (zip stores local wall time)."""
    stamp = (max(fixed_time.year, 1980), fixed_time.month, fixed_time.day,
             fixed_time.hour, fixed_time.minute, fixed_time.second)
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
