"""Keeping sensitive attributes out of every artefact a run writes.

The config's ``[sensitive] fields`` (gender and background by default) are used only for a
mentee's explicit opt-in preferences and for aggregate fairness tables. Plans, calendars,
spreadsheets and e-mails show a participant only through :func:`visible_fields`, and text the
program generates (reasons, evidence, intake messages) passes :func:`redact` first, so a
sensitive value that slipped into a sentence is withheld rather than printed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from scoring.profiles import Person

#: What replaces a sensitive value found in generated text.
WITHHELD = "[withheld]"

#: Fields a plan or spreadsheet may show about a participant, when not marked sensitive.
SHOWN_FIELDS: tuple[str, ...] = ("name", "email", "career_stage", "specialty", "institution")


def visible_fields(sensitive: Iterable[str]) -> tuple[str, ...]:
    """The fields of :data:`SHOWN_FIELDS` that the program has not marked sensitive."""
    hidden = set(sensitive)
    return tuple(name for name in SHOWN_FIELDS if name not in hidden)


def sensitive_values(people: Iterable[Person], fields: Iterable[str]) -> tuple[str, ...]:
    """The non-empty values the given people hold in the sensitive ``fields``."""
    values: set[str] = set()
    fields = tuple(fields)
    for person in people:
        for name in fields:
            value = getattr(person, name, None)
            if value is None:
                value = person.extra.get(name)
            if isinstance(value, (tuple, list)):
                values.update(str(v).strip() for v in value)
            elif value not in (None, ""):
                values.add(str(value).strip())
    values.discard("")
    # Longest first, so "non-binary" is withheld whole before "binary" is considered.
    return tuple(sorted(values, key=lambda v: (-len(v), v)))


def redact(text: str, values: Iterable[str]) -> str:
    """Replace whole-word, case-insensitive occurrences of ``values`` in ``text``."""
    for value in values:
        text = _whole_word(value).sub(WITHHELD, text)
    return text


@functools.lru_cache(maxsize=4096)
def _whole_word(value: str) -> re.Pattern[str]:
    """The pattern of ``value`` as a whole word, any case (compiled once: a large run redacts
    every pair's reasons and evidence with the same few values)."""
    return re.compile(rf"(?<!\w){re.escape(value)}(?!\w)", re.IGNORECASE)
