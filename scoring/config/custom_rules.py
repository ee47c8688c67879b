"""``[[rules.custom]]``: a program's own eligibility rules, checked into typed records at load.

Each entry becomes a :class:`CustomRule` whose value is already canonical (a vocabulary's
canonical value, a folded word or a number), so :mod:`scoring.rules` only compares. A bad
entry is a :class:`~scoring.config.errors.ConfigError` naming the rule (``rule #2
('senior_only')``) and the fix. See :mod:`scoring.rules` for what each operator means.
"""

from __future__ import annotations

import math
import operator as op
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scoring.config.errors import ConfigError
from scoring.config.schema import (
    CUSTOM_RULE_KEYS,
    FIELD_VOCABULARY,
    MENTEE_FIELDS,
    MENTOR_FIELDS,
    MULTI_VALUE_FIELDS,
)
from scoring.config.suggest import unknown_key_message
from scoring.config.vocabulary import Vocabulary
from scoring.text import fold

#: Built-in rules, in the order explanations list them.
BUILTIN_RULES: tuple[str, ...] = (
    "not_same_person", "not_excluded", "shared_language", "mentor_more_senior",
    "time_zone_gap", "cross_institution",
)
SIDES = ("mentor", "mentee", "pair")
ORDERINGS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": op.ge, "<=": op.le, ">": op.gt, "<": op.lt}
SIDE_OPERATORS = ("==", "!=", "in", "not_in", *ORDERINGS)
PAIR_OPERATORS = ("same", "different")
NUMERIC_FIELDS = frozenset({"capacity", "network_size", "time_zone"})
ORDERED_VOCABULARIES = frozenset({"career_stage", "frequency"})
#: Fields that describe who a person is, not what they offer or need: no rule on these.
_IDENTITY_FIELDS = frozenset({"id", "name", "email", "exclude"})
_OPERATOR_WORDS = {
    "==": "be", "!=": "not be", "in": "be one of", "not_in": "not be one of",
    ">=": "be at least", "<=": "be at most", ">": "be above", "<": "be below",
}


@dataclass(frozen=True)
class CustomRule:
    """One validated ``[[rules.custom]]`` entry."""

    name: str
    side: str
    field: str
    operator: str
    value: Any = None
    message: str = ""

    def requirement(self) -> str:
        """The rule as a requirement in words, e.g. "the mentor's career stage must be ..."."""
        if self.message:
            return self.message
        label = self.field.replace("_", " ")
        if self.side == "pair":
            return f"mentee and mentor must have {self.operator} {label}"
        words = _OPERATOR_WORDS[self.operator]
        if self.field in MULTI_VALUE_FIELDS and self.operator in ("==", "!="):
            words = "include" if self.operator == "==" else "not include"
        value = (", ".join(str(v) for v in self.value) if isinstance(self.value, list)
                 else str(self.value))
        return f"the {self.side}'s {label} must {words} {value}"


@dataclass(frozen=True)
class _Context:
    """What checking one entry needs: where it is, the vocabularies, the sensitive fields."""

    where: str
    vocabularies: Mapping[str, Vocabulary]
    sensitive: frozenset[str]
    index: int = 0
    name: object = None

    def error(self, problem: str) -> ConfigError:
        return ConfigError(f"{self.where}: [[rules.custom]] rule #{self.index + 1} "
                           f"({self.name!r}): {problem}")


def parse_custom_rules(entries: object, where: str, vocabularies: Mapping[str, Vocabulary],
                       sensitive: Sequence[str]) -> tuple[CustomRule, ...]:
    """Check ``[[rules.custom]]`` entries; raise :class:`ConfigError` naming the bad rule."""
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: [rules] custom must be a list of [[rules.custom]] tables, "
                          'e.g. [[rules.custom]] name = "senior_only" side = "mentor" ...')
    rules: list[CustomRule] = []
    for index, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, dict) else None
        context = _Context(where, vocabularies, frozenset(sensitive), index, name)
        rules.append(_parse_entry(entry, context, {r.name for r in rules}))
    return tuple(rules)


def _parse_entry(entry: object, context: _Context, taken: set[str]) -> CustomRule:
    if not isinstance(entry, dict):
        raise context.error("must be a table with name, side, field, operator and value.")
    for key in entry:
        if key not in CUSTOM_RULE_KEYS:
            raise context.error(unknown_key_message(key, CUSTOM_RULE_KEYS, "key") + " Use "
                                "name, side, field, operator, value and (optional) message.")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise context.error('needs a name, e.g. name = "same_track".')
    if name in BUILTIN_RULES or name in taken:
        raise context.error("this name is already used by another rule; give each rule its "
                            "own name.")
    side, fld = _side_and_field(entry, context)
    operator = entry.get("operator")
    operators = PAIR_OPERATORS if side == "pair" else SIDE_OPERATORS
    if operator not in operators:
        raise context.error(f"operator {operator!r} is not allowed for a {side} rule; use one "
                            f"of: {', '.join(operators)}.")
    value = entry.get("value")
    if side != "pair":
        value = _check_value(context, fld, operator, value)
    message = entry.get("message", "")
    if not isinstance(message, str):
        raise context.error("message must be text.")
    return CustomRule(name, side, fld, operator, value, message)


def _side_and_field(entry: dict[str, Any], context: _Context) -> tuple[str, str]:
    """The rule's side and field; ``field = "mentor.career_stage"`` names the side too."""
    side, fld = entry.get("side"), entry.get("field")
    if isinstance(fld, str) and fld.partition(".")[0] in SIDES and "." in fld:
        prefix, _, fld = fld.partition(".")
        side = side or prefix
        if side != prefix:
            raise context.error(f"field says {prefix!r} but side says {side!r}; make them "
                                "agree.")
    if side not in SIDES:
        raise context.error(f'side must be "mentor", "mentee" or "pair", not {side!r}.')
    allowed = {"mentor": set(MENTOR_FIELDS), "mentee": set(MENTEE_FIELDS),
               "pair": set(MENTOR_FIELDS) & set(MENTEE_FIELDS)}[side] - _IDENTITY_FIELDS
    if fld in context.sensitive:
        raise context.error(f"{fld!r} is a sensitive field; it is used only for a mentee's own "
                            "opt-in preferences, never in rules.")
    if fld not in allowed - context.sensitive:
        raise context.error(f"field {fld!r} is not a {side} field; use one of: "
                            f"{', '.join(sorted(allowed - context.sensitive))}.")
    return str(side), str(fld)


def _check_value(context: _Context, fld: str, operator: str, value: Any) -> Any:
    """Check a side rule's value against its field and operator; return it canonicalised."""
    if value is None:
        raise context.error("needs a value.")
    if operator in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise context.error(f"operator {operator} needs a list value, "
                                'e.g. value = ["a", "b"].')
        return [_check_scalar(context, fld, v) for v in value]
    if isinstance(value, list):
        raise context.error(f"operator {operator} needs one value, not a list (use in / "
                            "not_in for several).")
    if operator in ORDERINGS:
        vocabulary = FIELD_VOCABULARY.get(fld)
        if fld in MULTI_VALUE_FIELDS or (fld not in NUMERIC_FIELDS
                                         and vocabulary not in ORDERED_VOCABULARIES):
            raise context.error(f"{operator} needs a number field or an ordered scale "
                                "(capacity, network_size, time_zone, career_stage, frequency); "
                                f"{fld!r} is neither.")
    return _check_scalar(context, fld, value)


def _check_scalar(context: _Context, fld: str, value: Any) -> Any:
    if fld in NUMERIC_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise context.error(f"{fld} is a number; write value = 2, not {value!r}.")
        if not math.isfinite(value):
            raise context.error(f"value {value!r} must be a finite number.")
        return float(value)
    if not isinstance(value, str):
        raise context.error(f"value {value!r} must be text for {fld}.")
    vocabulary_name = FIELD_VOCABULARY.get(fld)
    if vocabulary_name:
        vocabulary = context.vocabularies.get(vocabulary_name, Vocabulary.empty(vocabulary_name))
        canonical = vocabulary.lookup(value)
        if canonical is None and vocabulary.values:
            raise context.error(f"{value!r} is not a {vocabulary_name} value; use one of: "
                                f"{', '.join(vocabulary.values)}.")
        return canonical or fold(value)
    if fld == "institution":
        institutions = context.vocabularies.get("institutions", Vocabulary.empty("institutions"))
        return institutions.canonical(value) if value else ""
    return fold(value)
