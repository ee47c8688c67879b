"""Text normalisation shared by intake, vocabularies and eligibility rules.

One function decides when two spellings are "the same" (case, accents, punctuation and
white space folded), so the config's synonyms, the institution rule and the id matching
all agree on it. The display helpers (:func:`shorten`, :func:`quote`,
:func:`escape_controls`) decide how a cell's text is shown back to the coordinator: short,
and never able to drive the terminal (colours, cursor moves, window titles).
"""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")
#: Characters that take no space on screen and separate nothing: zero-width space, word
#: joiner, byte-order mark (zero-width no-break space). Copy-paste from web pages and
#: Excel leaves them in cells, where they would make two equal-looking answers differ.
#: Joiners that shape scripts and emoji (U+200C, U+200D) are kept.
_INVISIBLE = re.compile("[\u200b\u2060\ufeff]")
#: C0 and C1 control characters (ESC starts ANSI sequences; U+009B is a one-byte CSI).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_NAMED_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def fold(text: object) -> str:
    """Return ``text`` lower-cased, without accents, punctuation collapsed to single spaces.

    >>> fold("  Université de Montréal — Radiation/Oncology ")
    'universite de montreal radiation oncology'
    """
    if text is None:
        return ""
    plain = str(text)
    if not plain.isascii():  # most answers are ASCII: skip the per-character pass
        decomposed = unicodedata.normalize("NFKD", plain)
        plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", plain.lower()).strip()


def clean_cell(text: object) -> str:
    """Return a cell as trimmed text with inner runs of white space collapsed (case kept)
    and invisible zero-width characters removed."""
    if text is None:
        return ""
    plain = str(text)
    if not plain.isascii():
        plain = _INVISIBLE.sub("", plain)
    return " ".join(plain.split())


def without_format_characters(text: str) -> str:
    """``text`` without any Unicode format character (category Cf: zero-width spaces and
    joiners, byte-order marks, soft hyphens, direction marks). For identifiers only: in
    names and free text some of them shape the script."""
    if text.isascii():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def escape_controls(text: str) -> str:
    """``text`` with every C0/C1 control character written as an escape (``\\t``, ``\\n``,
    ``\\x1b``), so printing it cannot colour, clear or retitle the terminal."""
    return _CONTROL.sub(lambda m: _NAMED_ESCAPES.get(m[0], f"\\x{ord(m[0]):02x}"), text)


def shorten(text: str, limit: int = 80) -> str:
    """``text`` cut to its first ``limit`` characters plus ``…`` when it is longer."""
    return text if len(text) <= limit else text[:limit] + "…"


def quote(text: str, limit: int = 80) -> str:
    """A cell's text as shown in a message: shortened, quoted, control and other
    unprintable characters escaped (``'Ana\\x1b[31m'``)."""
    return repr(shorten(str(text), limit))
