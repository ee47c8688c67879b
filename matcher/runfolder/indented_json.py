"""The text ``json.dumps`` writes for the run folder's JSON files, written faster.

The cohort snapshot (:mod:`.snapshot`, 11 MB at 10,000 mentees) and the marker
(:mod:`.marker`, a manifest of 30,000 files) are written indented, one value a line, so
that two runs' files compare line by line. With ``indent``, the standard library encodes
in pure Python, a generator per nested value. :func:`dumps_indented` lays out the same
lines and leaves the work to the standard library's own encoders:

* a container holding only scalars (text, numbers, booleans, null) is written by the C
  encoder in one call, with the line break and indentation as its item separator; only the
  brackets' own lines are added around it (the marker's manifest is one such call);
* :class:`Records`, a list of records held column by column, is written a column at a
  time: a column of text through the C string encoder, a column of other scalars by one
  C-encoder call with ``\x00`` between the items, then split on it (inside a JSON string
  every control character is escaped, so a raw ``\x00`` can only be that separator), a
  column of lists of text by one join per distinct list; each record is then its constant
  key pieces joined with its values' texts. :func:`dumps_lines` writes the same records as
  compact lines (the snapshot's key);
* anything else goes value by value, each scalar through the same encoders
  (``json.encoder``'s string encoders, ``float.__repr__``, ``int.__repr__``).

So the text is the same character for character, for every argument these functions take
(tests/test_indented_json.py compares them with ``json.dumps`` on generated documents and
records, counting the paths each example reached).
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any

#: The types the C encoder writes exactly as the indented (pure-Python) encoder does.
#: Exact types: a subclass (an enum, a str subclass) takes the general path.
SCALARS = frozenset({str, int, float, bool, type(None)})
#: The standard library's C encoder, as ``json.dumps`` makes it (None on an interpreter
#: without the C accelerator: the general path then does everything).
c_make_encoder: Callable[..., Callable[[Any, int], Sequence[str]]] | None = getattr(
    json.encoder, "c_make_encoder", None)
#: The separator the C encoder writes between the items of a column (see module doc).
_CUT = "\x00"


@dataclass(frozen=True)
class Records:
    """A list of records that all have the same keys, held column by column: its JSON text
    is the list ``[{name: column[k] for name, column in columns.items()} for k ...]``.

    A table built column by column (the cohort snapshot) is encoded a column at a time
    instead of a value at a time. At least one column; all of equal length.
    """

    columns: Mapping[str, Sequence[Any]]
    #: The text of columns of scalars encoded so far, by (column identity, ensure_ascii,
    #: allow_nan), each beside its column (which keeps the identity from being reused):
    #: shared with the Records :meth:`derived` from this one.
    encoded: dict[tuple[int, bool, bool], tuple[Sequence[Any], list[str]]] = field(
        default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        lengths = {len(column) for column in self.columns.values()}
        if len(lengths) != 1:
            raise ValueError("Records needs at least one column, all of the same length; "
                             f"got lengths {sorted(lengths)}")

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))

    def derived(self, columns: Mapping[str, Sequence[Any]]) -> Records:
        """Records of ``columns`` that reuse this one's encoded text for the column objects
        they share with it (the cohort snapshot encodes most columns twice: for its key,
        then for the document)."""
        return Records(columns, self.encoded)

    def rows(self) -> list[dict[str, Any]]:
        """The records as dicts (what the JSON text stands for)."""
        names = list(self.columns)
        return [dict(zip(names, row, strict=True))
                for row in zip(*self.columns.values(), strict=True)]


@dataclass(frozen=True)
class _Style:
    """The arguments of ``json.dumps`` that change the text (``indent`` None: compact)."""

    indent: str | None
    sort_keys: bool
    ensure_ascii: bool
    allow_nan: bool
    default: Callable[[Any], Any] | None = None

    @property
    def step(self) -> str:
        """One level of indentation (what the indented paths add at each level)."""
        if self.indent is None:
            raise ValueError("the indented paths need an indented style")
        return self.indent

    @property
    def string(self) -> Callable[[str], str]:
        return encode_basestring_ascii if self.ensure_ascii else encode_basestring

    def item_separator(self, newline: str) -> str:
        """Between two items of a container whose items sit at ``newline``."""
        return ", " if self.indent is None else "," + newline

    @functools.cached_property
    def dumps(self) -> Callable[[Any], str]:
        """``json.dumps`` with these arguments, compact (the general path of
        :func:`dumps_lines`): the C encoder made once, as ``json.dumps`` makes it anew on
        each call (its cycle check included)."""
        if c_make_encoder is None:
            return functools.partial(json.dumps, sort_keys=self.sort_keys,
                                     ensure_ascii=self.ensure_ascii,
                                     allow_nan=self.allow_nan, default=self.default)
        encode = c_make_encoder({}, self.default, self.string, None, ": ", ", ",
                                self.sort_keys, False, self.allow_nan)
        return lambda value: "".join(encode(value, 0))

    def c_encoder(self, item_separator: str) -> Callable[[Any], Sequence[str]] | None:
        """The C encoder writing ``item_separator`` between items (None without one)."""
        return _c_encoder(item_separator, self.sort_keys, self.ensure_ascii, self.allow_nan)


@functools.lru_cache(maxsize=64)
def _c_encoder(item_separator: str, sort_keys: bool, ensure_ascii: bool,
               allow_nan: bool) -> Callable[[Any], Sequence[str]] | None:
    """The standard library's C encoder (as ``json.dumps`` makes it) for containers of
    scalars only: no cycle check (a container of scalars holds none) and no ``default``
    (never called for scalars). It returns the text in a few chunks, left unjoined: a
    marker's text is 4.6 MB, and each copy of it costs fresh memory pages."""
    if c_make_encoder is None:
        return None
    string = encode_basestring_ascii if ensure_ascii else encode_basestring
    encode = c_make_encoder(None, None, string, None, ": ", item_separator, sort_keys, False,
                            allow_nan)
    return lambda value: encode(value, 0)


def dumps_indented(value: Any, *, indent: int = 1, sort_keys: bool = True,
                   ensure_ascii: bool = False, allow_nan: bool = False,
                   default: Callable[[Any], Any] | None = None) -> str:
    """``json.dumps(value, indent=indent, sort_keys=sort_keys, ensure_ascii=ensure_ascii,
    allow_nan=allow_nan, default=default)``, for dicts (keys as json takes them: text,
    numbers, booleans, None), lists, tuples, :class:`Records`, text, numbers, booleans and
    None (``default`` turns anything else into those)."""
    style = _Style(" " * indent, sort_keys, ensure_ascii, allow_nan, default)
    parts: list[str] = []
    _encode(value, "\n", parts, style)
    return "".join(parts)


def dumps_lines(records: Records, *, sort_keys: bool = True, ensure_ascii: bool = False,
                allow_nan: bool = True, default: Callable[[Any], Any] | None = None) -> str:
    """Each record as ``json.dumps(record, sort_keys=sort_keys, ensure_ascii=ensure_ascii,
    allow_nan=allow_nan, default=default)`` followed by a line break."""
    style = _Style(None, sort_keys, ensure_ascii, allow_nan, default)
    rows = _records(records, "\n", style)
    return "\n".join(rows) + "\n" if rows else ""


def _encode(value: Any, newline: str, parts: list[str], style: _Style) -> None:
    """Append ``value``'s indented text; ``newline`` is a line break and the indent of its
    level."""
    kind = type(value)
    if kind is dict:
        _encode_dict(value, newline, parts, style)
    elif kind is list or kind is tuple:
        _encode_list(value, newline, parts, style)
    elif kind is Records:
        rows = _records(value, newline, style)
        inner = newline + style.step
        parts.append("[" + inner + ("," + inner).join(rows) + newline + "]" if rows else "[]")
    elif isinstance(value, dict):
        _encode_dict(value, newline, parts, style)
    elif isinstance(value, (list, tuple)):
        _encode_list(value, newline, parts, style)
    elif isinstance(value, (str, int, float)) or value is None:
        parts.append(_scalar(value, style))
    elif style.default is not None:
        _encode(style.default(value), newline, parts, style)
    else:
        raise TypeError(f"Object of type {kind.__name__} is not JSON serializable")


def _scalar(value: Any, style: _Style) -> str:
    """A scalar's text, as the indented encoder writes it (subclasses included)."""
    if isinstance(value, str):
        return style.string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if math.isfinite(value):
        return float.__repr__(value)
    if not style.allow_nan:
        raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
    return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")


def _flat(value: dict[Any, Any] | list[Any] | tuple[Any, ...], newline: str,
          parts: list[str], style: _Style) -> bool:
    """Append a container of scalars in one C call (its items at ``newline`` + indent,
    closing at ``newline``); False, appending nothing, for any other container."""
    items = value.values() if isinstance(value, dict) else value
    if not set(map(type, items)) <= SCALARS:
        return False
    inner = newline + style.step
    encode = style.c_encoder("," + inner)
    if encode is None:
        return False
    chunks = encode(value)  # "[a,<inner>b]": the brackets' own lines go around it
    first, last = chunks[0], chunks[-1]
    parts.append(first[0] + inner)
    if len(chunks) == 1:
        parts.append(first[1:-1])
    else:
        parts += [first[1:], *chunks[1:-1], last[:-1]]
    parts.append(newline + last[-1])
    return True


def _cut(scalars: Sequence[Any], style: _Style) -> list[str] | None:
    """Each scalar's text, from one C call that writes ``\x00`` between them (see module
    doc); None without the C encoder."""
    if not scalars:
        return []
    encode = style.c_encoder(_CUT)
    if encode is None:
        return None
    texts = "".join(encode(scalars)).split(_CUT)  # the first and last with a bracket
    texts[0] = texts[0][1:]
    texts[-1] = texts[-1][:-1]
    return texts


def _key(key: Any, style: _Style) -> str:
    """A dict key's text: json turns a number, a boolean or None into text first."""
    if isinstance(key, str):
        return style.string(key)
    if isinstance(key, (int, float)) or key is None:
        return style.string(_scalar(key, style))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _encode_dict(value: dict[Any, Any], newline: str, parts: list[str], style: _Style) -> None:
    if not value:
        parts.append("{}")
        return
    if _flat(value, newline, parts, style):
        return
    inner = newline + style.step
    separator = "{"
    items = sorted(value.items()) if style.sort_keys else value.items()
    for key, item in items:
        parts.append(separator + inner + _key(key, style) + ": ")
        separator = ","
        _encode(item, inner, parts, style)
    parts.append(newline + "}")


def _encode_list(value: list[Any] | tuple[Any, ...], newline: str, parts: list[str],
                 style: _Style) -> None:
    if not value:
        parts.append("[]")
        return
    if _flat(value, newline, parts, style):
        return
    inner = newline + style.step
    separator = "["
    for item in value:
        parts.append(separator + inner)
        separator = ","
        _encode(item, inner, parts, style)
    parts.append(newline + "]")


def _records(records: Records, newline: str, style: _Style) -> list[str]:
    """Each record's text, for a list whose line break is ``newline`` (its records sit one
    level deeper, their fields two)."""
    names = sorted(records.columns) if style.sort_keys else list(records.columns)
    if not all(type(name) is str for name in names):
        raise TypeError("the column names of Records must be str")
    if style.indent is None:
        fields, opening, closing = "", "{", "}"
    else:
        fields = newline + style.indent * 2
        opening, closing = "{" + fields, newline + style.indent + "}"
    between = style.item_separator(fields)
    # Each record is its key-and-value pieces joined: the constant pieces repeated beside
    # the columns' texts (a template's str.format measured slower).
    pieces: list[Iterable[str]] = []
    for k, name in enumerate(names):
        head = (opening if k == 0 else between) + style.string(name) + ": "
        pieces += [itertools.repeat(head), _column(records, name, fields, style)]
    pieces.append(itertools.repeat(closing))
    return list(map("".join, zip(*pieces, strict=False)))  # the repeats never end


def _column(records: Records, name: str, newline: str, style: _Style) -> list[str]:
    """The text of each value of the column ``name``, as a field on the line ``newline``."""
    column = records.columns[name]
    known = records.encoded.get((id(column), style.ensure_ascii, style.allow_nan))
    if known is not None and known[0] is column:
        return known[1]
    texts: list[str] | None = None
    try:  # a column of text, the most common, needs no look at its types
        texts = list(map(style.string, column))
    except TypeError:
        kinds = set(map(type, column))
        if kinds == {int}:
            texts = list(map(int.__repr__, column))
        elif kinds <= SCALARS:
            texts = _cut(column, style)  # one C call for the column
        elif kinds <= {list, tuple}:
            return _text_lists(column, newline, style) or _values(column, newline, style)
        elif kinds == {dict} and not any(column):
            return ["{}"] * len(column)
    if texts is None:
        return _values(column, newline, style)
    # A column of scalars reads the same at any depth: kept for Records derived from these.
    records.encoded[(id(column), style.ensure_ascii, style.allow_nan)] = (column, texts)
    return texts


def _text_lists(column: Sequence[list[Any] | tuple[Any, ...]], newline: str,
                style: _Style) -> list[str] | None:
    """The texts of a column of lists of text (None if any item is not text): a join per
    distinct list, each item through the C string encoder. (The C encoder, with the
    indentation put in afterwards, measured twice as slow; a column repeats a few lists:
    areas, modes, languages.)"""
    if style.indent is None:
        opening, between, closing = "[", ", ", "]"
    else:
        inner = newline + style.indent
        opening, between, closing = "[" + inner, "," + inner, newline + "]"
    string = style.string

    def text(items: list[Any] | tuple[Any, ...]) -> str:
        return opening + between.join(map(string, items)) + closing if items else "[]"

    try:
        distinct = set(column)
    except TypeError:  # lists, unhashable
        distinct = None
    try:
        if distinct is None:
            return [text(items) for items in column]
        known = {items: text(items) for items in distinct}
    except TypeError:  # an item that is not text
        return None
    return list(map(known.__getitem__, column))


def _values(column: Sequence[Any], newline: str, style: _Style) -> list[str]:
    """Each value's text on the line ``newline``, one at a time (the general path)."""
    if style.indent is None:
        return list(map(style.dumps, column))
    texts = []
    for value in column:
        parts: list[str] = []
        _encode(value, newline, parts, style)
        texts.append("".join(parts))
    return texts
