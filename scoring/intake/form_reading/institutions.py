"""Group the spellings of one institution: "BUH" and "Peachtree Cancer" are names people
typed for "Bayview University Hospital" and "Peachtree Cancer Specialists".

An answer is a short form of a longer answer of the same column when it is its initials
("BUH", "USL" for "Université du Saint-Laurent", with or without the small words) or its
words in order with some left out ("Gulf Coast Cancer Center"), and it fits exactly one
longer answer. :func:`institution_vocabulary` returns ``[vocabularies.institutions]``:
the full name's folded text → [full name, short forms]; the institution rule and the
same/other-institution preferences then see one place.
"""

from __future__ import annotations

from collections.abc import Sequence

from scoring.text import fold

#: Words left out of initials ("Instituto de Oncología del Pacífico" → IOP).
SMALL_WORDS = frozenset({"de", "del", "du", "des", "la", "le", "of", "the", "and", "for",
                         "y", "et", "da", "do", "di", "der", "und", "at"})


def _initials(words: Sequence[str], *, skip_small: bool) -> str:
    return "".join(w[0] for w in words if not (skip_small and w in SMALL_WORDS))


def _in_order(short: Sequence[str], long: Sequence[str]) -> bool:
    """``short``'s words appear in ``long`` in the same order (some left out)."""
    rest = iter(long)
    return all(word in rest for word in short)


def is_short_form(short: str, long: str) -> bool:
    """Whether ``short`` is the initials or a shortened form of ``long``."""
    short_words, long_words = fold(short).split(), fold(long).split()
    if not short_words or len(short_words) >= len(long_words):
        return False
    if len(short_words) == 1 and 2 <= len(short_words[0]) <= 8:
        letters = short_words[0]
        return letters in (_initials(long_words, skip_small=True),
                           _initials(long_words, skip_small=False))
    return len(short_words) >= 2 and _in_order(short_words, long_words)


def institution_vocabulary(answers: Sequence[str]) -> dict[str, list[str]]:
    """Full names with the short forms people typed; only names that have one."""
    distinct = list(dict.fromkeys(answers))
    table: dict[str, list[str]] = {}
    for short in distinct:
        longer = {fold(a): a for a in distinct if is_short_form(short, a)}
        if len(longer) != 1:
            continue
        full = next(iter(longer.values()))
        entry = table.setdefault(fold(full), [full])
        if fold(short) not in {fold(s) for s in entry}:
            entry.append(short)
    return table
