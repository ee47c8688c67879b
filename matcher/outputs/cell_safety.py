"""Injection-safe cells for every CSV and XLSX cell mentormatch writes.

Participants type their own names and goals; a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return can run as a formula when a coordinator opens the file in
a spreadsheet program. Following the OWASP "CSV Injection" guidance, such text cells get a
leading single quote, so they show as the text that was typed. Numbers (int and float
values) are left as numbers, never turned into text.

A CSV written with commas is often opened with another separator (Excel in German, French
or Dutch uses ``;``), and then a comma-file's quoting no longer protects what follows a
``;`` or a line break inside a cell: that text starts a cell of its own. So a formula
character right after ``,``, ``;``, a tab or a line break inside a text cell gets a space
before it (``Bob;=1+1`` → ``Bob; =1+1``): whatever the separator, no cell starts a formula.
Control characters (backspace, escape sequences, NUL ...) are removed from every text
cell, tabs become spaces and line breaks are kept as ``\\n``; Excel refuses the former and
they can move a terminal's cursor.

:func:`unguard_cell` undoes the leading quote when a run folder is read back, so an id
such as ``+tag@example.org`` round-trips unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: First characters a spreadsheet may treat as the start of a formula (OWASP).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
#: C0 and C1 control characters except the line break (tab and CR are handled apart).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: A separator of some locale or a line break followed by a formula character, inside a
#: cell: the separator is matched (one character, found by a scan for the first character
#: that no look-behind allows) and a space put after it. Separators and formula characters
#: are distinct, so matches never overlap: each place a separator precedes a formula
#: character gets its space, as a look-behind substitution would insert it.
_BEFORE_INNER_FORMULA = re.compile(r"[,;\n|](?=[=+\-@])")


#: A formula character right after a separator or a line break.
_SEPARATED_FORMULA = re.compile(r"[,;\n|][=+\-@]")


def _plain_cell(text: str) -> bool:
    """True when :func:`safe_cell` leaves ``text`` as it is (quick checks, in C, first):
    printable (no control character, no line break), no formula start, and no formula
    character after a separator."""
    return (text.isprintable() and not text.startswith(FORMULA_STARTS)
            and not (("=" in text or "+" in text or "-" in text or "@" in text)
                     and _SEPARATED_FORMULA.search(text)))


#: Any character :func:`clean_text` changes (one search lets most text through as is).
_UNCLEAN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """``text`` without control characters: CR LF and CR become LF, tabs a space, the rest
    removed (for every output, not only spreadsheets)."""
    if text.isprintable() or _UNCLEAN.search(text) is None:  # nearly every value printed
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROLS.sub("", text)


def safe_cell(value: object) -> object:
    """Return ``value`` safe for any spreadsheet separator (see the module docstring).

    >>> safe_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> safe_cell("Bob;=1+1")
    'Bob; =1+1'
    >>> safe_cell(-3.5)
    -3.5
    """
    if not isinstance(value, str):
        return value
    if _plain_cell(value):  # nearly every cell: nothing to guard or clean
        return value
    # Checked before the cleaning (tab and CR are formula starts too) and after it (a
    # control character removed from before "=" must not uncover a formula).
    guarded = value.startswith(FORMULA_STARTS)
    value = clean_text(value)
    if guarded or value.startswith(FORMULA_STARTS):
        value = "'" + value
    return _BEFORE_INNER_FORMULA.sub(_spaced, value)


def _spaced(separator: re.Match[str]) -> str:
    return separator[0] + " "


def safe_texts(texts: list[str]) -> list[str]:
    """``[safe_cell(t) for t in texts]``, all the texts looked at as one first (a column of a
    run's table: nearly always none of them needs a change).

    Joined by commas, the texts hold a control character, a formula start after a
    separator or a line break, or start with a formula character exactly where one of them
    holds such a character, starts with a formula character (after the comma before it),
    or, the first one, starts with one: then each is guarded on its own."""
    joined = ",".join(texts)
    if _plain_cell(joined) or not (joined.startswith(FORMULA_STARTS)
                                   or _UNCLEAN.search(joined)
                                   or _SEPARATED_FORMULA.search(joined)):
        return texts
    return [safe_cell(text) for text in texts]  # type: ignore[misc]


def safe_row(values: Iterable[object]) -> list[object]:
    """:func:`safe_cell` applied to each value of a row."""
    return [safe_cell(value) for value in values]


def unguard_cell(text: str) -> str:
    """A cell read back from a run folder's CSV without the formula guard's leading quote
    (``'+tag@example.org`` → ``+tag@example.org``); other text unchanged."""
    if text.startswith("'") and text[1:2] in {"=", "+", "-", "@"}:
        return text[1:]
    return text
