"""Formula-injection neutralising for every CSV and XLSX cell mentormatch writes.

Participants type their own names and goals; a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return can run as a formula when a coordinator opens the file in
a spreadsheet program. Following the OWASP "CSV Injection" guidance, such text cells get a
leading single quote, so they show as the text that was typed. Numbers are left as numbers.
"""

from __future__ import annotations

from collections.abc import Iterable

#: First characters a spreadsheet may treat as the start of a formula (OWASP).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Return ``value`` with text that could start a formula prefixed by ``'``.

    >>> safe_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> safe_cell(-3.5)
    -3.5
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    """:func:`safe_cell` applied to each value of a row."""
    return [safe_cell(value) for value in values]
