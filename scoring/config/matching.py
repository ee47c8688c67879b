"""What a program's columns and ``[match_on]`` tables mean, checked into typed records at load.

Column targets (the right-hand side of ``[columns.mentors]`` / ``[columns.mentees]``) are a
canonical field or one of:

``"ignore"``               the column is not read, even when its header spells a field
``"pref:same_gender"``     (mentees) a yes/no question; "yes" opts the mentee into that
                           preference (one of :data:`~scoring.config.schema.PREFERENCES`)
``"attr:profession"``      a program's own categorical field, on either side, for ``[match_on]``
                           (``[vocabularies.profession]``, when given, lists its values in
                           order, with synonyms)
``"count:coach"``          (mentees) how many mentors of one kind (mentor / coach / advisor)
                           the mentee wants; the counts add up to the network size

``[match_on.NAME]`` says what a field means for a pair::

    [match_on.profession]          # NAME: cited in scores, explanations and rules
    field = "profession"           # default NAME; an attr: name or specialty, institution,
                                   # career_stage, frequency
    kind = "reward"                # reward | require_same | require_different | require_gap
    weight = 10                    # reward only: points like a [weights] entry
    gap = [1, 2]                   # require_gap only: mentor value - mentee value in [low, high]
    message = "..."                # optional sentence for explanations (rules)

Every mistake is a :class:`ConfigError` naming the key and the fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scoring.config.checks import is_number
from scoring.config.errors import ConfigError
from scoring.config.schema import (
    ATTRIBUTE_PREFIX,
    COUNT_PREFIX,
    IGNORE,
    MATCH_KINDS,
    MATCH_ON_KEYS,
    MENTEE_FIELDS,
    MENTOR_FIELDS,
    PREFERENCE_PREFIX,
    PREFERENCES,
    ROLES,
)
from scoring.config.suggest import closest, unknown_key_message

#: Built-in single-value fields a ``[match_on]`` table may name (sensitive fields may not:
#: they serve only a mentee's own opt-in preferences).
MATCHABLE_FIELDS: tuple[str, ...] = ("specialty", "institution", "career_stage", "frequency")
#: Built-in fields on an ordered scale (a ``require_gap`` compares ranks).
ORDERED_FIELDS: tuple[str, ...] = ("career_stage", "frequency")
#: Default weight of a ``reward`` (the size of the smaller built-in components).
DEFAULT_REWARD_WEIGHT = 10.0
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class ColumnTarget:
    """One parsed column target: ``kind`` is "field", "ignore", "pref", "attr" or "count"."""

    kind: str
    name: str  # the field, preference, attribute or role ("" for ignore)


@dataclass(frozen=True)
class MatchOn:
    """One checked ``[match_on.NAME]`` table."""

    name: str
    field: str
    kind: str
    weight: float = 0.0
    gap: tuple[float, float] = (0.0, 0.0)
    message: str = ""

    @property
    def is_rule(self) -> bool:
        return self.kind != "reward"

    @property
    def is_attribute(self) -> bool:
        """Whether the field is a program's own ``attr:`` column (not a built-in field)."""
        return self.field not in MATCHABLE_FIELDS

    def requirement(self) -> str:
        """The rule in words, e.g. "mentor and mentee must have different department"."""
        if self.message:
            return self.message
        label = self.field.replace("_", " ")
        if self.kind == "require_same":
            return f"mentee and mentor must have the same {label}"
        if self.kind == "require_different":
            return f"mentee and mentor must have different {label}"
        low, high = self.gap
        return f"the mentor's {label} minus the mentee's must be between {low:g} and {high:g}"


def parse_target(target: object, side: str, where: str, header: str) -> ColumnTarget:
    """Check one column target of ``[columns.<side>]``; raise the fix when it is wrong."""
    allowed = {"mentors": MENTOR_FIELDS, "mentees": MENTEE_FIELDS}[side]

    def error(problem: str) -> ConfigError:
        return ConfigError(f"{where}: [columns.{side}] maps {header!r} to {target!r}: {problem}")

    if not isinstance(target, str):
        raise error('write the field in quotes, e.g. "name".')
    if target == IGNORE:
        return ColumnTarget("ignore", "")
    prefix, colon, rest = target.partition(":")
    if not colon:
        if target in allowed:
            return ColumnTarget("field", target)
        guess = closest(target, [*allowed, IGNORE])
        hint = f" Did you mean {guess!r}?" if guess else ""
        raise ConfigError(
            f"{where}: [columns.{side}] maps {header!r} to {target!r}, which is not a "
            f"{side.removesuffix('s')} field.{hint} Use one of: {', '.join(allowed)}; or "
            '"ignore", "attr:NAME"'
            + (', "pref:PREFERENCE", "count:ROLE".' if side == "mentees" else "."))
    return _prefixed(prefix + ":", rest, side, error)


def _prefixed(prefix: str, rest: str, side: str, error: Any) -> ColumnTarget:
    """A ``pref:``, ``count:`` or ``attr:`` target (``error`` builds the ConfigError)."""
    if prefix in (PREFERENCE_PREFIX, COUNT_PREFIX) and side != "mentees":
        raise error("preferences and counts of mentors by kind are the mentees' answers; "
                    'on the mentor side map capacity as "capacity", or write "ignore".')
    if prefix == PREFERENCE_PREFIX:
        if rest not in PREFERENCES:
            raise error(f"{rest!r} is not a preference" + _did_you_mean(rest, PREFERENCES)
                        + f" Use one of: {', '.join(PREFERENCE_PREFIX + p for p in PREFERENCES)}.")
        return ColumnTarget("pref", rest)
    if prefix == COUNT_PREFIX:
        if rest not in ROLES:
            raise error(f"{rest!r} is not a kind of mentor" + _did_you_mean(rest, ROLES)
                        + f" Use one of: {', '.join(COUNT_PREFIX + r for r in ROLES)}.")
        return ColumnTarget("count", rest)
    if prefix == ATTRIBUTE_PREFIX:
        if not _NAME.match(rest):
            raise error("an attribute name is lower-case letters, digits and _ (up to 40), "
                        'starting with a letter, e.g. "attr:profession".')
        if rest in MENTOR_FIELDS or rest in MENTEE_FIELDS:
            raise error(f"{rest!r} is a built-in field; map the column to {rest!r} itself.")
        return ColumnTarget("attr", rest)
    raise error(f"{prefix!r} is not a known prefix; use attr:, pref: or count:.")


def _did_you_mean(name: str, known: tuple[str, ...]) -> str:
    guess = closest(name, known)
    return f"; did you mean {guess!r}?" if guess else "."


def parse_targets(columns: Mapping[str, object], side: str, where: str
                  ) -> dict[str, ColumnTarget]:
    """Header → :class:`ColumnTarget` for one side."""
    return {header: parse_target(target, side, where, header)
            for header, target in columns.items()}


def attributes(targets: Mapping[str, ColumnTarget]) -> frozenset[str]:
    """The ``attr:`` names one side's columns define."""
    return frozenset(t.name for t in targets.values() if t.kind == "attr")


def parse_match_on(tables: object, where: str, mentor_attributes: frozenset[str],
                   mentee_attributes: frozenset[str], taken: frozenset[str]
                   ) -> tuple[MatchOn, ...]:
    """Check every ``[match_on.NAME]`` table; ``taken`` holds names already in use
    (score components and rules), which a table may not reuse."""
    if not isinstance(tables, dict):
        raise ConfigError(f"{where}: [match_on] must hold tables, e.g. [match_on.profession] "
                          'kind = "reward".')
    return tuple(_parse_one(name, table, where, mentor_attributes, mentee_attributes, taken)
                 for name, table in tables.items())


def _parse_one(name: str, table: object, where: str, mentor_attributes: frozenset[str],
               mentee_attributes: frozenset[str], taken: frozenset[str]) -> MatchOn:
    def error(problem: str) -> ConfigError:
        return ConfigError(f"{where}: [match_on.{name}] {problem}")

    if not isinstance(table, dict):
        raise error(f'must be a table: write [match_on.{name}] on its own line, then kind = '
                    '"reward" below it.')
    if not _NAME.match(name):
        raise error("needs a name of lower-case letters, digits and _, e.g. "
                    "[match_on.same_profession].")
    if name in taken:
        raise error("reuses the name of a score component or rule; give it its own name, "
                    f"e.g. [match_on.{name}_match].")
    for key in table:
        if key not in MATCH_ON_KEYS:
            raise error(unknown_key_message(key, MATCH_ON_KEYS, "key"))
    kind = table.get("kind")
    if kind not in MATCH_KINDS:
        raise error(f"kind is {kind!r}; use " + " or ".join(f'"{k}"' for k in MATCH_KINDS)
                    + ".")
    fld = table.get("field", name)
    if not isinstance(fld, str):
        raise error(f'field must be text, e.g. field = "{name}".')
    _check_field(fld, kind, error, mentor_attributes, mentee_attributes)
    message = table.get("message", "")
    if not isinstance(message, str):
        raise error("message must be text in quotes.")
    return MatchOn(name=name, field=fld, kind=kind, weight=_weight(table, kind, error),
                   gap=_gap(table, kind, error), message=message)


def _weight(table: dict[str, Any], kind: str, error: Any) -> float:
    weight: Any = table.get("weight", DEFAULT_REWARD_WEIGHT if kind == "reward" else None)
    if kind != "reward":
        if weight is not None:
            raise error('weight is for kind = "reward"; a require_* rule has no weight (it '
                        "removes pairs). Delete the weight line.")
        return 0.0
    if not is_number(weight) or not math.isfinite(weight) or weight < 0:
        raise error(f"weight is {weight!r}; write a finite number 0 or more, e.g. weight = 10.")
    return float(weight)


def _gap(table: dict[str, Any], kind: str, error: Any) -> tuple[float, float]:
    gap: Any = table.get("gap")
    if kind != "require_gap":
        if gap is not None:
            raise error('gap is for kind = "require_gap"; delete the gap line or change the '
                        "kind.")
        return (0.0, 0.0)
    ok = (isinstance(gap, list) and len(gap) == 2 and all(is_number(v) for v in gap)
          and all(math.isfinite(v) for v in gap) and gap[0] <= gap[1])
    if not ok:
        raise error(f"gap is {gap!r}; write [low, high] (mentor value minus mentee value), "
                    "e.g. gap = [1, 2].")
    return (float(gap[0]), float(gap[1]))


def _check_field(fld: str, kind: str, error: Any, mentor_attributes: frozenset[str],
                 mentee_attributes: frozenset[str]) -> None:
    if fld in MATCHABLE_FIELDS:
        if kind == "require_gap" and fld not in ORDERED_FIELDS:
            raise error(f"a gap needs an ordered field; {fld!r} has no order. Use "
                        f"{' or '.join(ORDERED_FIELDS)}, or an attr: column holding numbers.")
        return
    if fld in mentor_attributes and fld in mentee_attributes:
        return
    known = sorted(mentor_attributes & mentee_attributes)
    if fld in mentor_attributes or fld in mentee_attributes:
        missing = "mentees" if fld in mentor_attributes else "mentors"
        raise error(f"field {fld!r} is mapped on one side only; map the matching question "
                    f'under [columns.{missing}] too (e.g. "Your profession" = "attr:{fld}"), '
                    "or the comparison would be the same for every pair.")
    guess = closest(fld, [*known, *MATCHABLE_FIELDS])
    hint = f" Did you mean {guess!r}?" if guess else ""
    raise error(f"field {fld!r} is neither a built-in field ({', '.join(MATCHABLE_FIELDS)}) nor "
                f'an "attr:{fld}" column on both sides.{hint} Map a column to "attr:{fld}" '
                "under [columns.mentors] and [columns.mentees].")
