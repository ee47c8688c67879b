"""Checks across rows and across the two files, after each row has been normalised.

* The same id twice on one side (after normalisation, so ``"A@x.org "``, ``"a@x.org"``
  and ``"a@x.org"`` followed by a zero-width space collide) is an error on the later row,
  which names the earlier row; the later row is dropped so every id stays unique.
* An excluded id (or email) that belongs to nobody in either file is an error on the row
  that lists it (the first ten of a cell one by one, the rest counted). Exclusions given
  as emails are turned into ids.
* An exclusion written as a name ("Dr. Ana López") is matched to people's names after
  folding case, accents and punctuation and dropping titles (Dr., Prof. ...); a name
  that matches only one person's words ("Lopez") is taken with a warning; a full name
  several people share excludes them all, a word in several names ("Ana") and a name
  matching nobody exclude nobody, each with a warning naming the people meant or the
  closest ones; "Lopez, Ana" (split at its comma) is read as one name. An entry holding
  "@" or a digit is an id or e-mail, never a name.
* The same person appearing as mentor and as mentee is allowed.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from scoring.profiles import Mentee, Mentor, Person, Problem
from scoring.text import fold, quote

P = TypeVar("P", bound=Person)
#: Unknown exclusions reported one by one per person; the rest are counted in one error.
UNKNOWN_EXCLUSIONS_SHOWN = 10
#: Words dropped from names before comparing them (titles and degrees people add).
NAME_TITLES = frozenset({"dr", "prof", "professor", "mr", "mrs", "ms", "miss", "mx", "md",
                         "phd", "dra", "sr", "sra", "jr", "sir", "dame"})
#: How many close names a warning about an unknown or ambiguous name lists.
CLOSEST_NAMES_SHOWN = 3
_IDENTIFIER = re.compile(r"[@\d]")


def name_key(name: str) -> str:
    """A name as exclusions compare it: folded, titles dropped (``Dr. Ana López`` →
    ``ana lopez``)."""
    return " ".join(w for w in fold(name).split() if w not in NAME_TITLES)


@dataclass(frozen=True)
class _Named:
    """Someone a name can refer to: their id, name as written, side and row."""

    id: str
    name: str
    where: str

    def shown(self) -> str:
        return f"{self.name} ({self.where})"


class _NameIndex:
    """Everyone in the cohort by name key, for exclusions written as names."""

    def __init__(self, mentors: Sequence[Mentor], mentees: Sequence[Mentee]) -> None:
        self.by_key: dict[str, dict[str, _Named]] = {}
        for side, people in (("mentor", mentors), ("mentee", mentees)):
            for person in people:
                key = name_key(person.name)
                if key and person.name != person.id:
                    named = _Named(person.id, person.name, f"{side}, row {person.source_row}")
                    self.by_key.setdefault(key, {}).setdefault(person.id, named)

    def find(self, entry: str) -> tuple[list[_Named], bool]:
        """(people the name means, whether that is a sure reading): exact key first, else
        everyone whose name holds all the entry's words."""
        key = name_key(entry)
        if key in self.by_key:
            return list(self.by_key[key].values()), True
        words = set(key.split())
        found = {named.id: named for name, people in self.by_key.items()
                 if words and words <= set(name.split()) for named in people.values()}
        return list(found.values()), False

    def resolve(self, entry: str) -> tuple[list[str], tuple[str, str] | None]:
        """The ids a name excludes, and (message, fix) when the reading is not sure."""
        people, sure = self.find(entry)
        if len(people) == 1 and sure:
            return [people[0].id], None
        if not people:
            return [], (f"No one in either file is called {entry!r}, so no one is excluded "
                        f"for it. Closest names: {self.closest(entry)}.",
                        "Write the person's name as in the other file, or their e-mail.")
        if len(people) == 1:
            return [people[0].id], (f"{entry!r} was read as {people[0].shown()}.",
                                    "Write the full name or the e-mail if that is someone "
                                    "else.")
        shown = "; ".join(p.shown() for p in people[:CLOSEST_NAMES_SHOWN])
        if not sure:  # part of several names ("Ana"): too loose to exclude anyone
            return [], (f"{entry!r} is part of the names of {len(people)} people ({shown}); "
                        "no one is excluded for it.",
                        "Write the full name or the e-mail of the person meant.")
        return [p.id for p in people], (
            f"{entry!r} could be any of {len(people)} people ({shown}); all of them are "
            "excluded.", "Write the e-mail of the one meant to exclude only them.")

    def joins(self, first: str, second: str) -> bool:
        """Whether two entries split at a comma are one name ("Lopez, Ana" or "Ana, Lopez")."""
        return any(name_key(f"{a} {b}") in self.by_key
                   for a, b in ((second, first), (first, second)))

    def closest(self, entry: str) -> str:
        keys = difflib.get_close_matches(name_key(entry), list(self.by_key),
                                         n=CLOSEST_NAMES_SHOWN, cutoff=0.5)
        people = [named.shown() for key in keys for named in self.by_key[key].values()]
        return "; ".join(people[:CLOSEST_NAMES_SHOWN]) or "nobody with a similar name"


def _names_rejoined(entries: list[str], names: _NameIndex) -> list[str]:
    """Name entries with "Lopez, Ana" (split at its comma) joined again as "Ana Lopez"."""
    out: list[str] = []
    i = 0
    while i < len(entries):
        if i + 1 < len(entries) and names.joins(entries[i], entries[i + 1]):
            first, second = entries[i], entries[i + 1]
            out.append(f"{second} {first}" if name_key(f"{second} {first}") in names.by_key
                       else f"{first} {second}")
            i += 2
        else:
            out.append(entries[i])
            i += 1
    return out


def is_identifier(entry: str) -> bool:
    """Whether an exclusion entry is an id or e-mail (holds "@" or a digit, or no letter
    at all), not a name."""
    return bool(_IDENTIFIER.search(entry)) or not name_key(entry)


def drop_duplicate_ids(people: Sequence[P], file: str, id_column: str | None,
                       spellings: Mapping[int, str] | None = None
                       ) -> tuple[list[P], list[Problem]]:
    """Keep the first person with each id; an error for every later row reusing it, showing
    both rows' cells as written (``spellings``: row number → the id cell) when they differ."""
    first_row: dict[str, int] = {}
    kept: list[P] = []
    problems: list[Problem] = []
    written = spellings or {}
    for person in people:
        if person.id in first_row:
            row = first_row[person.id]
            here, there = written.get(person.source_row, person.id), written.get(row, person.id)
            same = f"This id is already used on row {row} of the same file"
            if here != there:
                accents = (" (the same letters, their accents encoded differently)"
                           if unicodedata.normalize("NFC", here) == there else "")
                same += (f", written {quote(there)} there and {quote(here)} here{accents}: "
                         f"both are the id {quote(person.id)}")
            same += "."
            problems.append(Problem(
                "error", file, person.source_row, id_column, here,
                f"{same} Ids are compared ignoring spaces, invisible characters, the Unicode "
                "form of accents and, for e-mails, letter case.",
                "Remove the duplicate row, or give each person their own id."))
            continue
        first_row[person.id] = person.source_row
        kept.append(person)
    return kept, problems


def resolve_exclusions(mentors: list[Mentor], mentees: list[Mentee], *,
                       files: dict[str, str], exclude_columns: dict[str, str | None]
                       ) -> tuple[list[Mentor], list[Mentee], list[Problem]]:
    """Turn each person's exclusions into ids of people in the cohort.

    An entry matches a person's id, or (when ids are not emails) a person's email. An
    entry matching nobody is an error on that row (``files`` and ``exclude_columns`` give
    the file label and the exclusion column's header per side).
    """
    known: dict[str, str] = {}
    for person in [*mentors, *mentees]:
        known.setdefault(person.id, person.id)
        if person.email:
            known.setdefault(person.email, person.id)
    # Built on the first exclusion written as a name: most cohorts exclude by e-mail or
    # not at all, and folding every name of a big cohort is the costly part.
    names = functools.cache(lambda: _NameIndex(mentors, mentees))
    problems: list[Problem] = []

    def by_name(person: P, side: str, entry: str) -> list[str]:
        ids, doubt = names().resolve(entry)
        if doubt:
            problems.append(Problem("warning", files[side], person.source_row,
                                    exclude_columns.get(side), entry, *doubt))
        return ids

    def resolved(person: P, side: str) -> P:
        if not person.exclude:
            return person
        ids = dict.fromkeys(known[entry] for entry in person.exclude if entry in known)
        written_as_names = [e for e in person.exclude
                            if e not in known and not is_identifier(e)]
        for entry in _names_rejoined(written_as_names, names()) if written_as_names else ():
            ids.update(dict.fromkeys(by_name(person, side, entry)))
        strangers = [entry for entry in person.exclude
                     if entry not in known and is_identifier(entry)]
        column = exclude_columns.get(side)
        for entry in strangers[:UNKNOWN_EXCLUSIONS_SHOWN]:
            problems.append(Problem(
                "error", files[side], person.source_row, column, entry,
                "This excluded person is in neither the mentor nor the mentee file.",
                "Correct the id or email, or remove it from the cell."))
        if len(strangers) > UNKNOWN_EXCLUSIONS_SHOWN:
            problems.append(Problem(
                "error", files[side], person.source_row, column, None,
                f"... and {len(strangers) - UNKNOWN_EXCLUSIONS_SHOWN} more excluded people "
                "in this cell who are in neither file.",
                "Check that the column holds ids or emails of people in this cohort."))
        return dataclasses.replace(person, exclude=tuple(ids))

    return ([resolved(m, "mentors") for m in mentors],
            [resolved(m, "mentees") for m in mentees], problems)
