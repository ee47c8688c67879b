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
from operator import itemgetter

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
    if rows and len({len(row) for row in rows}) == 1:
        parts += _rows_by_column(rows, letters, style_of, style_id)
    else:
        parts += _rows_one_by_one(rows, letters, style_of, style_id)
    append("</sheetData>")
    return "".join(parts).encode("ascii", "xmlcharrefreplace")


def _rows_one_by_one(rows: Sequence[Sequence[object]], letters: Sequence[str],
                     style_of: Callable[[object], object | None],
                     style_id: Callable[[object], int]) -> list[str]:
    """The ``<row>`` elements of ``rows``, cell after cell."""
    parts: list[str] = []
    append = parts.append
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
    return parts


#: Kinds of cell whose equal values always give the same cell or CSV field (unlike 1, 1.0
#: and True, or 0.0 and -0.0): a column of these is worked out once per distinct value.
KEYED_KINDS = frozenset({str, int, type(None)})


def columns(rows: Sequence[Sequence[object]]) -> list[list[object]]:
    """The columns of rows of equal length (``zip(*rows)`` would take a row per argument)."""
    return [list(map(itemgetter(k), rows)) for k in range(len(rows[0]))]
_OPENING = '<c r=""'  # what _cell writes before the rest of a cell whose reference is ""


def _rows_by_column(rows: Sequence[Sequence[object]], letters: Sequence[str],
                    style_of: Callable[[object], object | None],
                    style_id: Callable[[object], int]) -> list[str]:
    """The ``<row>`` elements of rows of equal length, the same text as
    :func:`_rows_one_by_one`: each column's cells worked out once per distinct value (a
    table repeats ids, names, roles and figures), each style registered where it first
    appears in row order (as openpyxl registers it), each line joined from its cells."""
    by_column = columns(rows)
    styles = [_column_styles(column, style_of) for column in by_column]
    first: dict[object, tuple[int, int]] = {}
    for k, column_styles in enumerate(styles):
        for style in set(column_styles) - {None}:
            at = (column_styles.index(style), k)
            first[style] = min(first.get(style, at), at)
    ids = {style: f' s="{style_id(style)}"' for style in sorted(first, key=first.__getitem__)}
    ids[None] = ""
    numbers = [str(n) for n in range(2, len(rows) + 2)]
    cells = [_column_cells(column, column_styles, ids, letter, numbers)
             for column, column_styles, letter in zip(by_column, styles, letters, strict=False)]
    return [f'<row r="{number}">{"".join(row)}</row>'
            for number, row in zip(numbers, zip(*cells, strict=True), strict=True)]


def _column_styles(column: list[object], style_of: Callable[[object], object | None]
                   ) -> list[object | None]:
    kinds = set(map(type, column))
    if kinds <= KEYED_KINDS:
        known = {value: None if value is None else style_of(value) for value in set(column)}
        return list(map(known.__getitem__, column))
    return [None if value is None else style_of(value) for value in column]


def _column_cells(column: list[object], styles: list[object | None], ids: dict[object, str],
                  letter: str, numbers: list[str]) -> list[str]:
    """Each cell of a column as written in its row ("" for an empty cell)."""
    kinds = set(map(type, column))
    if kinds <= KEYED_KINDS:
        known = {value: "" if value is None else _rest(ids[style], value)
                 for value, style in dict(zip(column, styles, strict=True)).items()}
        rests = list(map(known.__getitem__, column))
    else:
        rests = ["" if value is None else _rest(ids[style], value)
                 for value, style in zip(column, styles, strict=True)]
    opening = '<c r="' + letter
    return [opening + number + rest if rest else ""
            for number, rest in zip(numbers, rests, strict=True)]


def _rest(styled: str, value: object) -> str:
    """A cell's text after its reference (``"`` included)."""
    return _cell("", styled, value)[len(_OPENING) - 1:]


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
