"""Participant ids as people type them: one resolver for every place an id is taken.

``explain`` (intake files and run folders), the locks and forbids sheets, the month-12
feedback sheet and the web service all name people by id; coordinators copy them from a
spreadsheet, an e-mail or memory. :class:`IdResolver` accepts, in this order:

1. the id exactly as the cohort holds it;
2. the id as intake would normalise it (e-mail addresses case-insensitive, ``mailto:`` and
   invisible characters dropped, Excel's ``1001.0``), Unicode NFC on both sides;
3. the id with other capitals (``m-01`` for ``M-01``), when only one id matches;
4. the person's name (accents, case and punctuation ignored), when only one person has it.

Anything else is an :class:`~scoring.errors.UnknownIdError` naming the closest ids, printed
exactly as the cohort (and so pairings.csv) spells them, so that a suggestion can be pasted
back as it is.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from scoring.errors import UnknownIdError
from scoring.intake.normalise import normalise_id
from scoring.text import fold

#: Suggestions printed for an unknown id.
SUGGESTED = 3


def nfc(text: str) -> str:
    """``text`` in Unicode normal form C (composed accents), trimmed."""
    return unicodedata.normalize("NFC", str(text)).strip()


def _grouped(keys: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for key, ident in keys:
        if key and ident not in out.setdefault(key, []):
            out[key].append(ident)
    return {key: tuple(ids) for key, ids in out.items()}


@dataclass(frozen=True)
class IdResolver:
    """Ids (and optional names) of one side of a cohort, looked up as people type them.

    Each lookup table is built on its first use: a sheet whose cells all hold ids exactly
    (the usual case, e.g. a million feedback rows naming a million previous pairs) never
    pays for normalising and folding every id of the cohort.
    """

    side: str  # "mentee" or "mentor", for messages
    ids: tuple[str, ...]
    names: tuple[str, ...] = ()  # names[k] belongs to ids[k]; empty = ids only

    @cached_property
    def _exact(self) -> frozenset[str]:
        return frozenset(self.ids)

    @cached_property
    def _normal(self) -> dict[str, tuple[str, ...]]:
        return _grouped((nfc(normalise_id(nfc(i))), i) for i in self.ids)

    @cached_property
    def _caseless(self) -> dict[str, tuple[str, ...]]:
        return _grouped((nfc(i).casefold(), i) for i in self.ids)

    @cached_property
    def _named(self) -> dict[str, tuple[str, ...]]:
        return _grouped((fold(name), i) for name, i in zip(self.names, self.ids, strict=False))

    @classmethod
    def of(cls, people: Sequence[Any], side: str) -> IdResolver:
        """The resolver of a list of participants (anything with ``id`` and ``name``)."""
        return cls(side, tuple(str(p.id) for p in people),
                   tuple(str(getattr(p, "name", "") or "") for p in people))

    def knows(self, ident: str) -> bool:
        """True when ``ident`` is one of the ids exactly."""
        return ident in self._exact

    def find(self, wanted: str) -> tuple[str, ...]:
        """The ids ``wanted`` may mean: one (found), several (ambiguous) or none."""
        if wanted in self._exact:
            return (wanted,)
        text = nfc(wanted)
        if not text:
            return ()
        for table, key in (("_normal", nfc(normalise_id(text))),
                           ("_caseless", text.casefold()), ("_named", fold(text))):
            found: tuple[str, ...] | None = getattr(self, table).get(key)
            if found is not None:
                return found
        return ()

    def resolve(self, wanted: str) -> str | None:
        """The one id ``wanted`` means, or None (unknown or ambiguous)."""
        found = self.find(wanted)
        return found[0] if len(found) == 1 else None

    def require(self, wanted: str, where: str = "") -> str:
        """The one id ``wanted`` means; UnknownIdError (closest ids, or the people it could
        mean) otherwise. ``where`` (a file or folder) starts the message."""
        found = self.find(wanted)
        if len(found) == 1:
            return found[0]
        start = f"{where}: " if where else ""
        if found:
            return _raise(f"{start}{wanted!r} could be any of {len(found)} {self.side}s "
                          f"({', '.join(found)}). Give the id of the one you mean.")
        return _raise(f"{start}no {self.side} has the id {wanted!r} (nor that name). "
                      f"{self.suggest(wanted)} Ids are the values of the {self.side}s' id "
                      "column (as in pairings.csv), in any capitals; a name works when only "
                      "one person has it.")

    def suggest(self, wanted: str) -> str:
        """ "Closest ids: a, b." (as the cohort spells them) or a hint when nothing is close."""
        by_key: dict[str, str] = {}
        for ident in self.ids:
            by_key.setdefault(nfc(ident).casefold(), ident)
        for name, ident in zip(self.names, self.ids, strict=False):
            if name:
                by_key.setdefault(fold(name), ident)
        close = difflib.get_close_matches(nfc(wanted).casefold(), list(by_key), n=SUGGESTED,
                                          cutoff=0.5)
        if not close:
            close = difflib.get_close_matches(fold(wanted), list(by_key), n=SUGGESTED,
                                              cutoff=0.5)
        ids = list(dict.fromkeys(by_key[key] for key in close))
        return f"Closest ids: {', '.join(ids)}." if ids else "No id is close to it."


def _raise(message: str) -> str:
    raise UnknownIdError(message)
