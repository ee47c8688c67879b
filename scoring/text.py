"""Text normalisation shared by intake, vocabularies and eligibility rules.

One function decides when two spellings are "the same" (case, accents, punctuation and
white space folded), so the config's synonyms, the institution rule and the id matching
all agree on it.
"""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: object) -> str:
    """Return ``text`` lower-cased, without accents, punctuation collapsed to single spaces.

    >>> fold("  Université de Montréal — Radiation/Oncology ")
    'universite de montreal radiation oncology'
    """
    if text is None:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", ascii_only.lower()).strip()


def clean_cell(text: object) -> str:
    """Return a cell as trimmed text with inner runs of white space collapsed (case kept)."""
    if text is None:
        return ""
    return " ".join(str(text).split())
