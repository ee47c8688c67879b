"""What a column's answers look like: e-mails, counts, time zones, yes/no, a ladder ...

:class:`ColumnProfile` reads one column of one sheet once and answers the questions field
detection asks of it (:mod:`scoring.intake.form_reading.detection`): which share of the
answers are e-mail addresses, head counts, time zones or yes/no; whether every row holds
the same text (a constant column, never a field); whether the answers are long free
text; and the column's option set (:func:`~scoring.intake.form_reading.options.learn_options`).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scoring.intake.form_reading.options import learn_options, single_answers
from scoring.intake.normalise import is_blank, looks_like_email, parse_count, parse_time_zone
from scoring.text import clean_cell, fold

#: Answers of a yes/no question (folded), in the languages of our programs' forms.
YES_NO_ANSWERS = frozenset({
    "yes", "no", "y", "n", "true", "false", "si", "oui", "non", "ja", "nein", "sim", "nao",
    "yes please", "no thanks", "no thank you", "no preference", "doesn t matter",
    "does not matter", "not important", "prefer not to say", "maybe", "not sure",
    "yes si", "no no", "yes oui", "no non",
})
#: Folded answers of a yes/no question that mean yes.
YES_ANSWERS = frozenset({"yes", "y", "true", "si", "oui", "ja", "sim", "yes please",
                         "yes si", "yes oui"})
_TIMESTAMP = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}([ t]\d{1,2}:\d{2}(:\d{2})?.*)?$")
#: What a written time zone holds: an offset, UTC/GMT, an IANA "Region/City", an
#: abbreviation in capitals ("EST") or a zone's name ("Pacific", "Central European Time").
#: The time-zone reader also finds zones in names such as "North Hospital" (a
#: hospital, not Australia's Northern Territory), so a column's answers must look like one.
_ZONE_LIKE = re.compile(r"\d|utc|gmt|/|(?-i:^\s*[A-Z]{2,5}\s*$)|\btime\b|\b(eastern|central|pacific"
                        r"|mountain|atlantic|alaska|hawaii)\b", re.IGNORECASE)
#: A column is constant when this share of its rows (at least 3) hold one same answer.
CONSTANT_SHARE = 0.95
#: Distinct answers a choice question may have however few rows there are.
MAX_CHOICES = 30
#: Mean answer length (characters) from which a column reads as free text.
FREE_TEXT_LENGTH = 45


@dataclass(frozen=True)
class ColumnProfile:
    """One column of one sheet, as detection sees it."""

    header: str
    cells: tuple[str, ...]
    separators: tuple[str, ...]

    @functools.cached_property
    def filled(self) -> tuple[str, ...]:
        return tuple(clean_cell(c) for c in self.cells if not is_blank(c))

    @functools.cached_property
    def answers(self) -> list[str]:
        """Distinct whole answers (single choice), as first written."""
        return single_answers(self.cells)

    @functools.cached_property
    def options(self) -> list[str]:
        """Distinct labels when read as a multi-select question."""
        return learn_options(self.cells, self.separators)

    @functools.cached_property
    def distinct(self) -> Counter[str]:
        """How often each filled cell's text occurs (tests run once per distinct text)."""
        return Counter(self.filled)

    def share(self, test: Callable[[str], object]) -> float:
        """Share of filled cells for which ``test(cell)`` is true (0 with none filled).
        Free text is none of e-mails, counts, zones, timestamps or yes/no: not tested."""
        if not self.filled or (test is not _all_emails and self.is_free_text):
            return 0.0
        return sum(n for text, n in self.distinct.items() if test(text)) / len(self.filled)

    @functools.cached_property
    def email_share(self) -> float:
        return self.share(_all_emails)

    @functools.cached_property
    def count_share(self) -> float:
        def readable(cell: str) -> bool:
            _, issues = parse_count(cell, default=0, maximum=99, what="count")
            return not any(i.severity == "error" for i in issues)
        return self.share(readable)

    @functools.cached_property
    def zone_share(self) -> float:
        return self.share(lambda c: _ZONE_LIKE.search(c) is not None
                          and parse_time_zone(c)[0] is not None
                          and not re.fullmatch(r"\d+", c.strip()))

    @functools.cached_property
    def timestamp_share(self) -> float:
        return self.share(lambda c: _TIMESTAMP.match(c.strip().lower()))

    @functools.cached_property
    def yes_no_share(self) -> float:
        return self.share(lambda c: fold(c) in YES_NO_ANSWERS)

    @property
    def is_constant(self) -> bool:
        """Every row (nearly) holds one same answer: a form's fixed text, not a question."""
        return (len(self.filled) >= 3 and len(self.filled) >= CONSTANT_SHARE * len(self.cells)
                and len(self.answers) == 1)

    @functools.cached_property
    def is_free_text(self) -> bool:
        if not self.filled:
            return False
        mean = sum(len(c) for c in self.filled) / len(self.filled)
        if mean < FREE_TEXT_LENGTH or len(self.distinct) < 0.5 * len(self.filled):
            return False
        # A checkbox question has long cells too, but few labels across the column.
        splitter = "|".join(re.escape(s) for s in (*self.separators, "\n"))
        pieces = {piece.strip().casefold() for text in self.distinct
                  for piece in re.split(splitter, text)}
        return len(pieces) >= 0.5 * len(self.filled)

    @functools.cached_property
    def is_list_question(self) -> bool:
        """Few distinct answers for the rows (a choice or checkbox question), unlike names,
        e-mails and free text: only such a column can hold a vocabulary or a ladder."""
        return not self.is_free_text and \
            len(self.distinct) <= max(MAX_CHOICES, 0.5 * len(self.filled))

    @property
    def is_blank(self) -> bool:
        return not self.filled


def _all_emails(cell: str) -> bool:
    """Every piece of the cell is an e-mail address (one, or a list of them)."""
    return all(looks_like_email(p) for p in re.split(r"[;,\s]+", cell) if p)


def profiles(headers: Sequence[str], rows: Sequence[Sequence[str]],
             separators: Sequence[str]) -> list[ColumnProfile]:
    """One profile per column of a sheet (``rows`` are the cells, header order)."""
    return [ColumnProfile(header, tuple(row[i] if i < len(row) else "" for row in rows),
                          tuple(separators))
            for i, header in enumerate(headers)]
