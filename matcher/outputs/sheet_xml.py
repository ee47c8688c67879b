"""A sheet's rows as the bytes openpyxl's write-only mode writes, without a cell object each.

openpyxl streams a write-only sheet cell by cell: each value becomes a ``WriteOnlyCell``,
is type-checked, and is serialised through lxml's ``xmlfile``; for a workbook of 80,000
cells that was most of a run folder's workbook time. A run's tables hold only plain text,
whole numbers and finite floats, whose XML is simple: this module writes the
``<sheetData>`` of such a sheet as one string, in exactly the bytes openpyxl writes for it
(inline strings, ``"%.16g"`` numbers, ``xml:space="preserve"`` around text with outer
spaces, every character outside ASCII as a decimal character reference, the cell's style
index registered in the workbook's style table in the same order).

Anything else (a bool, a date, a numpy number, NaN, text openpyxl would read as a formula
or an error code, or refuse) raises :class:`NotPlain`, and the caller writes the workbook
through openpyxl itself. tests/test_sheet_xml.py checks the bytes against openpyxl's on the
run folders' tables and on generated ones.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

#: The longest text a cell holds; openpyxl cuts longer text (kept for openpyxl to do).
MAX_TEXT = 32_767
_ERRORS = frozenset(ERROR_CODES)
#: What XML text content escapes (lxml writes a carriage return as a reference).
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_NEEDS_ESCAPE = re.compile("[&<>\r]")


class NotPlain(ValueError):
    """A value this module does not write as openpyxl would: let openpyxl write the sheet."""


def sheet_data(header: Sequence[object], header_style: object,
               rows: Sequence[Sequence[object]],
               style_of: Callable[[object], object | None],
               style_id: Callable[[object], int]) -> bytes:
    """The ``<sheetData>`` of a header row in ``header_style`` and ``rows``, as openpyxl
    writes it.

    ``style_of(value)`` gives the style of a data cell (an opaque key) or None for a plain
    cell; ``style_id(style)`` registers a style in the workbook and returns its index,
    called for every styled cell in row order, as openpyxl does. Raises :class:`NotPlain`.
    """
    width = max(len(header), *map(len, rows)) if rows else len(header)
    letters = [get_column_letter(k) for k in range(1, width + 1)]
    parts = ["<sheetData>"]
    append = parts.append
    append('<row r="1">')
    for letter, value in zip(letters, header, strict=False):
        if value is None:
            raise NotPlain(f"header cell {letter}1 is empty")
        append(_cell(letter + "1", f' s="{style_id(header_style)}"', value))
    append("</row>")
    for number, row in enumerate(rows, start=2):
        suffix = str(number)
        append(f'<row r="{suffix}">')
        for letter, value in zip(letters, row, strict=False):
            if value is None:
                continue
            style = style_of(value)
            styled = "" if style is None else f' s="{style_id(style)}"'
            append(_cell(letter + suffix, styled, value))
        append("</row>")
    append("</sheetData>")
    return "".join(parts).encode("ascii", "xmlcharrefreplace")


def _cell(reference: str, styled: str, value: object) -> str:
    kind = type(value)
    if kind is str:
        text: str = value  # type: ignore[assignment]
        if not text:
            return f'<c r="{reference}"{styled} t="inlineStr"></c>'
        if (len(text) > MAX_TEXT or (len(text) > 1 and text[0] == "=") or text in _ERRORS
                or ILLEGAL_CHARACTERS_RE.search(text)):
            raise NotPlain(f"cell {reference}: text openpyxl treats apart")
        space = ' xml:space="preserve"' if text != text.strip() else ""
        if _NEEDS_ESCAPE.search(text):
            text = text.translate(_TEXT_ESCAPES)
        return f'<c r="{reference}"{styled} t="inlineStr"><is><t{space}>{text}</t></is></c>'
    if kind is int or (kind is float and math.isfinite(value)):  # type: ignore[arg-type]
        number = "%.16g" % value  # type: ignore[str-format]  # noqa: UP031 (openpyxl's)
        return f'<c r="{reference}"{styled} t="n"><v>{number}</v></c>'
    raise NotPlain(f"cell {reference}: {kind.__name__} {value!r}")
