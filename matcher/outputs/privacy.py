"""Keeping sensitive attributes out of every artefact a run writes.

The config's ``[sensitive] fields`` (gender and background by default; specialty,
institution, modes, languages, career stage, meeting frequency and time zone may be
listed) are used only for a mentee's explicit opt-in preferences, for the scores that
compare them for equality, and for aggregate fairness tables. Plans, calendars,
spreadsheets and e-mails show a participant only through :func:`visible_fields`.

Generated text is screened by the reader it is for, never by putting ``[withheld]`` where a
value stood (the rest of the sentence would give it away):

* participant files (plans, e-mails, calendars) leave out, silently, any reason that rests
  on a sensitive field (:func:`reads_sensitive`) and any sentence or term that names a
  sensitive value of the pair (:func:`names_any`);
* coordinator files (pairings, explanations, the report) keep the sentence when it names
  no value, and otherwise show :data:`NOT_SHOWN`, which says in plain words what is left
  out and why.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scoring.config import ProgramConfig
from scoring.diagnostics import COMPONENT_FIELDS, PREFERENCE_FIELDS
from scoring.explain import ComponentPoints
from scoring.profiles import Mentee, Person

#: What a coordinator file shows instead of a sentence that names a sensitive value.
NOT_SHOWN = "(not shown: it names a value of a field listed under [sensitive] fields)"

#: Fields a plan or spreadsheet may show about a participant, when not marked sensitive.
SHOWN_FIELDS: tuple[str, ...] = ("name", "email", "career_stage", "specialty", "institution",
                                 "time_zone", "modes", "frequency")

#: The vocabulary that spells each field's canonical values for people.
_VOCABULARY_OF = {"career_stage": "career_stage", "modes": "modes", "frequency": "frequency",
                  "languages": "languages", "institution": "institutions"}


def visible_fields(sensitive: Iterable[str]) -> tuple[str, ...]:
    """The fields of :data:`SHOWN_FIELDS` that the program has not marked sensitive."""
    hidden = set(sensitive)
    return tuple(name for name in SHOWN_FIELDS if name not in hidden)


def time_zone_label(offset: float | None) -> str:
    """A UTC offset in hours as ``UTC+5:30`` / ``UTC-3`` / ``UTC``, or ``not given``."""
    if offset is None:
        return "not given"
    if offset == 0:
        return "UTC"
    sign = "+" if offset > 0 else "-"
    minutes = round(abs(offset) * 60)
    hours, rest = divmod(minutes, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


@dataclass(frozen=True)
class SensitiveValues:
    """The sensitive fields of a run and every spelling the config gives their values, worked
    out once per run (a run screens every pair's sentences with it)."""

    fields: tuple[str, ...]
    spellings: Mapping[str, Mapping[str, tuple[str, ...]]]  # field → canonical → labels

    @classmethod
    def of(cls, config: ProgramConfig) -> SensitiveValues:
        fields = tuple(config.sensitive_fields)
        wanted = {_VOCABULARY_OF[f] for f in fields if f in _VOCABULARY_OF}
        tables = config.vocabulary_tables() if wanted else {}
        spellings = {field: {value: tuple(str(s).strip() for s in synonyms)
                             for value, synonyms in tables.get(_VOCABULARY_OF[field], {}).items()}
                     for field in fields if field in _VOCABULARY_OF}
        return cls(fields, spellings)

    def held_by(self, people: Iterable[Person]) -> tuple[str, ...]:
        """Every spelling of the values ``people`` hold in the sensitive fields: the value
        itself and, for a vocabulary field, each label the config gives it (a time zone as
        outputs print it, ``UTC-5``); longest first."""
        values: set[str] = set()
        for person in people:
            for name in self.fields:
                value = getattr(person, name, None)
                for item in value if isinstance(value, (tuple, list)) else (value,):
                    if item is None or item == "":
                        continue
                    if name == "time_zone":
                        values.add(time_zone_label(float(item)))
                        continue
                    values.add(str(item).strip())
                    values.add(str(item).replace("_", " ").strip())
                    values.update(self.spellings.get(name, {}).get(str(item), ()))
        values.discard("")
        # Longest first, so "non-binary" is found whole before "binary" is considered.
        return tuple(sorted(values, key=lambda v: (-len(v), v)))

    def values_of(self, person: Person) -> tuple[object, ...]:
        """What :meth:`held_by` reads of ``person``: its values in the sensitive fields (a
        run building thousands of plans screens the same few values over and over)."""
        return tuple(getattr(person, name, None) for name in self.fields)


class PairScreen:
    """:meth:`SensitiveValues.held_by` and :func:`names_any` for a run's pairs, each answer
    worked out once: the withheld spellings per pair of sensitive values (a run's pairs
    share a few value sets), and whether a text names one of them per text and set of
    spellings (thousands of pairs share a few thousand reasons and evidence sentences)."""

    def __init__(self, values: SensitiveValues) -> None:
        self.values = values
        self._withheld: dict[tuple[object, ...], tuple[str, ...]] = {}
        self._naming: dict[tuple[str, ...], dict[str, bool]] = {}

    def withheld(self, mentee: Person, mentor: Person) -> tuple[str, ...]:
        """``values.held_by((mentee, mentor))``."""
        key = (*self.values.values_of(mentee), *self.values.values_of(mentor))
        known = self._withheld.get(key)
        if known is None:
            known = self._withheld[key] = self.values.held_by((mentee, mentor))
        return known

    def named(self, text: str, withheld: tuple[str, ...]) -> bool:
        """``names_any(text, withheld)``."""
        known = self._naming.get(withheld)
        if known is None:
            known = self._naming[withheld] = {}
        found = known.get(text)
        if found is None:
            found = known[text] = names_any(text, withheld)
        return found

    def for_coordinator(self, text: str, withheld: tuple[str, ...]) -> str:
        """:func:`for_coordinator` of ``text`` and ``withheld``."""
        return NOT_SHOWN if withheld and self.named(text, withheld) else text


def names_any(text: str, values: Iterable[str]) -> bool:
    """Whether ``text`` holds one of ``values`` as a whole word, in any letter case."""
    pattern = _any_whole_word(values if isinstance(values, tuple) else tuple(values))
    return pattern is not None and pattern.search(text) is not None


def for_coordinator(text: str, values: Iterable[str]) -> str:
    """``text``, or :data:`NOT_SHOWN` when it names one of the sensitive ``values``."""
    return NOT_SHOWN if names_any(text, values) else text


def reads_sensitive(component: ComponentPoints, mentee: Mentee,
                    config: ProgramConfig) -> bool:
    """Whether a component's reason rests on a sensitive field: it compares one, or (the
    preferences) it honours an opt-in of this mentee that compares one — "honours your
    preference for same gender" tells each side the other's gender."""
    sensitive = set(config.sensitive_fields)
    if component.name == "preferences":
        return any(PREFERENCE_FIELDS.get(p) in sensitive for p in mentee.preferences)
    mentee_fields, mentor_fields = COMPONENT_FIELDS.get(component.name, ((), ()))
    return bool(sensitive & {*mentee_fields, *mentor_fields})


@functools.lru_cache(maxsize=4096)
def _any_whole_word(values: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern finding any of ``values`` as a whole word, any case, or None for no
    values (compiled once per set of values: a large run screens every pair's reasons and
    terms with the few sets its pairs hold). The regular expression engine tries each
    alternative at each position, so it finds a value exactly where that value's own
    ``(?<!\\w)value(?!\\w)`` would."""
    if not values:
        return None
    alternatives = "|".join(re.escape(value) for value in values)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
