"""Learn a question's option set from the whole column, so labels with commas survive.

A checkbox question's cell joins the ticked labels with ", " (Google Forms), ";"
(Microsoft Forms) or line breaks, and a label may itself hold a comma ("Chat (e.g.,
Slack, WhatsApp)", "Research, scholarship and writing"). Reading one cell cannot tell the
two apart; reading the column can: a label is a piece that people ticked on its own, and
pieces that only ever appear together inside brackets or continue in lower case belong to
one label. :func:`learn_options` returns the labels in first-seen order, as written.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from scoring.intake.normalise import is_blank
from scoring.text import clean_cell, fold


def _split_keeping(text: str, separators: Sequence[str]) -> tuple[list[str], list[str]]:
    """Pieces of ``text`` and the separators between them (line breaks always split)."""
    splitters = sorted({*separators, "\n"}, key=len, reverse=True)
    parts = re.split("(" + "|".join(re.escape(s) for s in splitters) + ")", text)
    return parts[0::2], parts[1::2]


def _open_brackets(text: str) -> int:
    return sum(text.count(o) - text.count(c) for o, c in ("()", "[]", "{}"))


def _bracket_pieces(text: str, separators: Sequence[str]) -> list[str]:
    """Split a cell, rejoining pieces while a bracket is open or a piece continues the
    previous one in lower case (", and more" / ", scholarship")."""
    pieces, seps = _split_keeping(text, separators)
    joined: list[str] = []
    for k, piece in enumerate(pieces):
        stripped = piece.strip()
        continues = joined and seps[k - 1] != "\n" and (
            _open_brackets(joined[-1]) > 0
            or (stripped[:1].islower() and not stripped.startswith(("e-", "i")))
        )
        if continues:
            joined[-1] += seps[k - 1] + piece
        else:
            joined.append(piece)
    return [clean_cell(p) for p in joined if not is_blank(p)]


def _clean_lines(cell: str) -> str:
    """A cell cleaned line by line: line breaks separate ticked labels, so they stay."""
    return "\n".join(line for line in map(clean_cell, str(cell).splitlines()) if line)


def learn_options(cells: Iterable[str], separators: Sequence[str]) -> list[str]:
    """The distinct labels of a multi-select column, in first-seen order.

    Cells are split on the separators, keeping bracketed and lower-case continuations with
    their label ("Chat (e.g., Slack, WhatsApp)", "Research, scholarship"); a cell given
    by several people whose pieces appear in no other answer is one label.
    """
    given = Counter(_clean_lines(c) for c in cells if not is_blank(c))
    cells = list(given)  # distinct texts, first seen first: each is split once
    split = [_bracket_pieces(c, separators) for c in cells]
    # A whole cell made of several pieces is one label when none of its pieces appears in
    # any other answer: "Slack" ticked elsewhere, alone or with others, makes it a label.
    appears_in: dict[str, set[str]] = {}
    for cell, pieces in zip(cells, split, strict=True):
        for piece in pieces:
            appears_in.setdefault(fold(piece), set()).add(fold(cell))
    labels_with_separators = {
        fold(cell) for cell, pieces in zip(cells, split, strict=True)
        if len(pieces) > 1 and given[cell] >= 2
        and all(appears_in[fold(p)] == {fold(cell)} for p in pieces)
    }
    seen: dict[str, str] = {}
    for cell, pieces in zip(cells, split, strict=True):
        if fold(cell) in labels_with_separators:
            seen.setdefault(fold(cell), cell)
            continue
        for piece in pieces:
            seen.setdefault(fold(piece), piece)
    return list(seen.values())


def single_answers(cells: Iterable[str]) -> list[str]:
    """The distinct answers of a single-choice column, in first-seen order, as written."""
    seen: dict[str, str] = {}
    for cell in cells:
        text = clean_cell(cell)
        if not is_blank(text):
            seen.setdefault(fold(text), text)
    return list(seen.values())
