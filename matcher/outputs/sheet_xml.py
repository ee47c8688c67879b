"""A sheet's rows as the bytes openpyxl's write-only mode writes, without a cell object each.

openpyxl streams a write-only sheet cell by cell: each value becomes a ``WriteOnlyCell``,
is type-checked, and is serialised through lxml's ``xmlfile``; for a workbook of 80,000
cells that was most of a run folder's workbook time. A run's tables hold only plain text,
whole numbers and finite floats, whose XML is simple: this module writes the
``<sheetData>`` of such a sheet as one string, in exactly the bytes openpyxl writes for it
(inline strings, ``"%.16g"`` numbers, ``xml:space="preserve"`` around text with outer
spaces, every character outside ASCII as a decimal character reference, the cell's style
index registered in the workbook's style table in the same order).

Rows of equal length are written a column at a time: a column of text is formula-guarded
(:func:`~matcher.outputs.cell_safety.safe_texts`), checked and written once per distinct
value, with the checks made on the whole column at once (a run's tables repeat ids, names,
roles and reasons, and nearly no text needs escaping); a column of floats is written once
per distinct value too; each line is then one ``%`` of a template of the row.

Anything else (a bool, a date, a numpy number, NaN, text openpyxl would read as a formula
or an error code, or refuse) raises :class:`NotPlain`, and the caller writes the workbook
through openpyxl itself. tests/test_sheet_xml.py checks the bytes against openpyxl's on the
run folders' tables and on generated ones.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress, count, repeat
from operator import is_not, itemgetter, ne
from typing import Any

import numpy as np
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from matcher.outputs.cell_safety import safe_cell, safe_texts

#: The longest text a cell holds; openpyxl cuts longer text (kept for openpyxl to do).
MAX_TEXT = 32_767
_ERRORS = frozenset(ERROR_CODES)
_ERROR_STARTS = frozenset(code[0] for code in ERROR_CODES)  # "#" alone
#: What XML text content escapes (lxml writes a carriage return as a reference).
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_NEEDS_ESCAPE = re.compile("[&<>\r]")
#: Kinds of cell whose equal values always give the same cell or CSV field (unlike 1, 1.0
#: and True, or 0.0 and -0.0): a column of these is worked out once per distinct value.
KEYED_KINDS = frozenset({str, int, type(None)})
#: A column of text and blanks, or of floats and blanks.
TEXT_KINDS = frozenset({str, type(None)})
FLOAT_KINDS = frozenset({float, type(None)})


class NotPlain(ValueError):
    """A value this module does not write as openpyxl would: let openpyxl write the sheet."""


@dataclass(frozen=True)
class CellStyles:
    """The styles of a sheet's data cells (keys of the workbook's style table): floats get
    ``number``, text longer than ``wrap_at`` gets ``wrapped``, the rest none."""

    number: Hashable
    wrapped: Hashable
    wrap_at: int

    def of(self, value: object) -> Hashable | None:
        """The style of a cell holding ``value``; None for a plain cell."""
        if isinstance(value, float):
            return self.number
        if isinstance(value, str) and len(value) > self.wrap_at:
            return self.wrapped
        return None


@dataclass(frozen=True)
class SheetData:
    """A sheet's ``<sheetData>`` and the longest text (``len(str(cell))`` of each cell,
    formula-guarded; 0 for none) of each data column, for its width."""

    xml: bytes
    longest: list[int]


class RowsOfColumns(Sequence[list[Any]]):
    """Rows of equal length held as their columns (a table built a column at a time, read
    back a column at a time): they read as the list of rows would, while :func:`columns`
    hands back the columns themselves, without taking rows apart."""

    __hash__ = None  # type: ignore[assignment]  # equal to a list, as a list is

    def __init__(self, columns: list[list[Any]]) -> None:
        if not columns or len({len(column) for column in columns}) != 1:
            raise ValueError("rows held as columns need columns, all of one length")
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns[0])

    def __getitem__(self, k):
        if isinstance(k, slice):
            return list(map(list, zip(*(column[k] for column in self.columns), strict=True)))
        return [column[k] for column in self.columns]

    def __iter__(self) -> Iterator[list[Any]]:
        return map(list, zip(*self.columns, strict=True))

    def __eq__(self, other: object) -> bool:
        return list(self) == other if isinstance(other, Sequence) else NotImplemented

    def __repr__(self) -> str:
        return repr(list(self))


def columns(rows: Sequence[Sequence[object]]) -> list[list[object]]:
    """The columns of rows of equal length (``zip(*rows)`` would take a row per argument)."""
    if isinstance(rows, RowsOfColumns):
        return rows.columns
    return [list(map(itemgetter(k), rows)) for k in range(len(rows[0]))]


def equal_lengths(rows: Sequence[Sequence[object]]) -> bool:
    """Whether ``rows`` is not empty and its rows are all of one length."""
    return bool(rows) and (isinstance(rows, RowsOfColumns)
                           or len({len(row) for row in rows}) == 1)


def sheet_data(header: Sequence[object], header_style: Hashable,
               rows: Sequence[Sequence[object]], styles: CellStyles,
               style_id: Callable[[Hashable], int]) -> SheetData:
    """The ``<sheetData>`` of a header row in ``header_style`` and ``rows``, each text cell
    of ``rows`` formula-guarded (:func:`~matcher.outputs.cell_safety.safe_cell`), as openpyxl
    writes it; the header is written as given.

    ``style_id(style)`` registers a style in the workbook and returns its index: styles are
    registered in the order their first cell comes in, row after row, as openpyxl registers
    them. Raises :class:`NotPlain`.
    """
    equal = equal_lengths(rows)
    width = max(len(header), len(rows[0]) if equal else max(map(len, rows), default=0))
    letters = [get_column_letter(k) for k in range(1, width + 1)]
    parts = ['<sheetData><row r="1">']
    for letter, value in zip(letters, header, strict=False):
        if value is None:
            raise NotPlain(f"header cell {letter}1 is empty")
        parts.append(_ascii(_cell(letter + "1", f' s="{style_id(header_style)}"', value)))
    parts.append("</row>")
    if equal:
        cells = [_Column.of(column, styles) for column in columns(rows)]
        longest = [column.longest for column in cells]
        parts += _rows_by_column(cells, letters, style_id)
    else:
        guarded = [[safe_cell(value) for value in row] for row in rows]
        longest = [max((len(str(row[k])) for row in guarded
                        if k < len(row) and row[k] is not None), default=0)
                   for k in range(width)]
        parts += _rows_one_by_one(guarded, letters, styles, style_id)
    parts.append("</sheetData>")
    return SheetData("".join(parts).encode("ascii", "xmlcharrefreplace"), longest)


def _rows_one_by_one(rows: Sequence[Sequence[object]], letters: Sequence[str],
                     styles: CellStyles, style_id: Callable[[Hashable], int]) -> list[str]:
    """The ``<row>`` elements of ``rows`` (formula-guarded), cell after cell."""
    parts: list[str] = []
    append = parts.append
    for number, row in enumerate(rows, start=2):
        suffix = str(number)
        append(f'<row r="{suffix}">')
        for letter, value in zip(letters, row, strict=False):
            if value is None:
                continue
            style = styles.of(value)
            styled = "" if style is None else f' s="{style_id(style)}"'
            append(_cell(letter + suffix, styled, value))
        append("</row>")
    return parts


@dataclass(frozen=True)
class _Column:
    """One column of rows of equal length, read for writing: its values once guarded
    (``values``: one per distinct cell value where ``keyed``, found through ``index``;
    else one per cell), each value's style, the first row of each style, the longest text
    and the kind of its values."""

    cells: list[object]
    values: Sequence[object]
    keyed: bool
    index: dict[object, int]  # a distinct cell value -> its place in ``values`` (if keyed)
    value_styles: list[Hashable | None]
    first: dict[Hashable, int]
    longest: int
    kind: str  # "texts" (guarded text), "floats" (finite, no -0.0) or "any"

    @classmethod
    def of(cls, column: list[object], styles: CellStyles) -> _Column:
        kinds = set(map(type, column))
        if kinds <= TEXT_KINDS:
            return cls._of_texts(column, styles)
        if float in kinds and kinds <= FLOAT_KINDS and _plain_floats(column):
            distinct = list(set(column) - {None})
            start = next(compress(count(), map(is_not, column, repeat(None))))
            return cls(column, distinct, True, {v: k for k, v in enumerate(distinct)},
                       [styles.number] * len(distinct), {styles.number: start},
                       max(map(len, map(str, distinct))), "floats")
        keyed = kinds <= KEYED_KINDS
        cells = list(set(column)) if keyed else column
        guarded = [safe_cell(value) for value in cells]
        value_styles = [None if value is None else styles.of(value) for value in guarded]
        longest = max((len(str(v)) for v in guarded if v is not None), default=0)
        index = {v: k for k, v in enumerate(cells)} if keyed else {}
        in_rows = (map(value_styles.__getitem__, map(index.__getitem__, column)) if keyed
                   else value_styles)
        first: dict[Hashable, int] = {}
        for row, style in enumerate(in_rows):
            if style is not None and style not in first:
                first[style] = row
        return cls(column, guarded, keyed, index, value_styles, first, longest, "any")

    @classmethod
    def _of_texts(cls, column: list[object], styles: CellStyles) -> _Column:
        """A column of text and empty cells: each distinct text guarded and measured once."""
        texts: list[str] = list(set(column) - {None})  # type: ignore[arg-type]
        guarded = safe_texts(texts)
        lengths = list(map(len, guarded))
        wrap_at = styles.wrap_at
        value_styles: list[Hashable | None] = [styles.wrapped if n > wrap_at else None
                                               for n in lengths]
        first: dict[Hashable, int] = {}
        if styles.wrapped in value_styles:
            wrapped = set(compress(texts, (n > wrap_at for n in lengths)))
            first[styles.wrapped] = next(compress(count(), map(wrapped.__contains__, column)))
        return cls(column, guarded, True, {v: k for k, v in enumerate(texts)}, value_styles,
                   first, max(lengths, default=0), "texts")

    def rests(self, ids: dict[Hashable | None, str]) -> list[str]:
        """Each cell's text after its reference (``"`` included), "" for an empty cell."""
        styled = [ids[style] for style in self.value_styles]
        if self.kind == "texts":
            distinct = _text_rests(self.values, styled)  # type: ignore[arg-type]
        elif self.kind == "floats":  # as _cell writes a finite float
            distinct = ['"%s t="n"><v>%.16g</v></c>' % pair  # type: ignore[str-format]  # noqa: UP031
                        for pair in zip(styled, self.values, strict=True)]
        else:
            distinct = ["" if value is None else _ascii(_rest(s, value))
                        for value, s in zip(self.values, styled, strict=True)]
        if not self.keyed:
            return distinct
        known = dict(zip(self.index, distinct, strict=True))
        known[None] = known.get(None, "")  # an empty cell of a column of text or floats
        return list(map(known.__getitem__, self.cells))


def _plain_floats(column: list[object]) -> bool:
    """Whether a column of floats and empty cells holds no NaN, no infinity and no -0.0
    (each of its distinct values is then written once: equal floats give one text, but 0.0
    and -0.0 are equal and print apart, and NaN is left to openpyxl)."""
    values = np.array(column, dtype=float)  # an empty cell: NaN
    return (int(np.count_nonzero(~np.isfinite(values))) == column.count(None)
            and not bool(np.signbit(values[values == 0]).any()))


def negative_zero(column: list[object]) -> bool:
    """Whether a column of floats and empty cells holds -0.0 (equal to 0.0, one key of a
    dict, but printed apart)."""
    values = np.array(column, dtype=float)  # an empty cell: NaN
    return bool(np.signbit(values[values == 0]).any())


def _text_rests(texts: list[str], styled: list[str]) -> list[str]:
    """``_rest(styled[k], texts[k])`` for guarded texts, in ASCII, the checks of
    :func:`_cell` made on all of them joined first (nearly no cell of a run's tables holds
    anything to escape or to refuse)."""
    joined = ",".join(texts)
    if ((not joined.isprintable() and ILLEGAL_CHARACTERS_RE.search(joined))
            or (any(start in joined for start in _ERROR_STARTS)
                and not _ERRORS.isdisjoint(texts))
            or ("=" in joined and any(len(t) > 1 and t[0] == "=" for t in texts))
            or max(map(len, texts), default=0) > MAX_TEXT):
        raise NotPlain("a text cell openpyxl treats apart")
    spaced = [' xml:space="preserve"' if outer else ""
              for outer in map(ne, texts, map(str.strip, texts))]
    escaped = ([t.translate(_TEXT_ESCAPES) for t in texts]
               if "&" in joined or "<" in joined or ">" in joined or "\r" in joined
               else texts)
    if not joined.isascii():
        escaped = list(map(_ascii, escaped))
    return [f'"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>' if text
            else f'"{s} t="inlineStr"></c>'
            for text, s, space in zip(escaped, styled, spaced, strict=True)]


def _rows_by_column(cells: list[_Column], letters: Sequence[str],
                    style_id: Callable[[Hashable], int]) -> list[str]:
    """The ``<row>`` elements of rows of equal length, the same text as
    :func:`_rows_one_by_one`: each style registered where it first comes in row order (as
    openpyxl registers it), each line one ``%`` of a template of the row."""
    first: dict[Hashable, tuple[int, int]] = {}
    for k, column in enumerate(cells):
        for style, row in column.first.items():
            first[style] = min(first.get(style, (row, k)), (row, k))
    ids: dict[Hashable | None, str] = {
        style: f' s="{style_id(style)}"' for style in sorted(first, key=first.__getitem__)}
    ids[None] = ""
    numbers = [str(n) for n in range(2, len(cells[0].cells) + 2)]
    template = ['<row r="%s">']
    arguments: list[list[str]] = [numbers]
    for column, letter in zip(cells, letters, strict=False):
        rests = column.rests(ids)
        opening = '<c r="' + letter
        if "" in rests:  # an empty cell writes nothing, not even its reference
            template.append("%s")
            arguments.append([opening + number + rest if rest else ""
                              for number, rest in zip(numbers, rests, strict=True)])
        else:
            template.append(opening + "%s%s")
            arguments += [numbers, rests]
    template.append("</row>")
    return list(map("".join(template).__mod__, zip(*arguments, strict=True)))


def _ascii(text: str) -> str:
    """``text`` with each character beyond ASCII as a decimal character reference, as the
    sheet's bytes hold it (per distinct text: the sheet's text is then ASCII alone, joined
    and encoded a byte a character)."""
    return text if text.isascii() else text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _rest(styled: str, value: object) -> str:
    """A cell's text after its reference (``"`` included)."""
    return _cell("", styled, value)[len('<c r="'):]


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
