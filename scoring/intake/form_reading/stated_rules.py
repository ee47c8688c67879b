"""Rules a form states in its own words, read into ``[match_on]`` tables.

A program often says its matching rules in the question itself: "Department (you will be
matched within your own department)", "Site (mentors and mentees are paired across
different sites)", "Band (mentors are at least two bands above their mentees)". Left
unread, such a rule is silently broken by the match. :func:`stated_rules` reads the
header of every column mapped to a field a ``[match_on]`` table can compare (specialty,
institution, career stage, frequency, or a program's ``attr:`` column) and returns the
rule its words state:

* ``require_same``      "matched within your own department", "same team required",
  "must be in the same unit";
* ``require_different`` "paired across different sites", "from a different campus",
  "outside your own division", "never matched with someone from your department";
* ``reward``            "we try to match people in the same region", "ideally the same
  profession";
* ``require_gap``       on an ordered field: "at least two grades above" (``[2, top]``),
  "at most 2 levels above" (``[1, 2]``), "one to three bands senior" (``[1, 3]``),
  "exactly one stage ahead".

Each :class:`StatedRule` keeps the header and the words that stated it, so ``init`` can
write why beside the rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from scoring.config.matching import MATCHABLE_FIELDS, ORDERED_FIELDS
from scoring.config.schema import ATTRIBUTE_PREFIX
from scoring.text import fold

#: The top of a gap on a program's own numeric column ("at least 5 years above"), which
#: has no scale to bound it.
NUMBER_TOP = 99
_NUMBER = r"(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)"
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10}
_UNIT = r"(grades?|bands?|levels?|stages?|ranks?|steps?|years?|rungs?)"
_ABOVE = r"(above|senior|ahead|higher|more senior|beyond|more|further along)"
#: Gap phrases, most specific first: (pattern, how the numbers make [low, high]).
_GAPS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"\b(between )?{_NUMBER} (to|or|and) {_NUMBER} {_UNIT} {_ABOVE}"), "range"),
    (re.compile(rf"\bat least {_NUMBER} {_UNIT} {_ABOVE}"), "at_least"),
    (re.compile(rf"\b(at most|no more than|up to|within) {_NUMBER} {_UNIT} {_ABOVE}"),
     "at_most"),
    (re.compile(rf"\bexactly {_NUMBER} {_UNIT} {_ABOVE}"), "exactly"),
)
_OWN = r"(your|their|his|her|the|one s)( own| same)?"
#: Phrases requiring the same value; group "noun" names what is shared.
_SAME = (
    re.compile(rf"\b(match|matched|pair|paired|placed|mentored) (people |you |them |everyone )?"
               rf"(only )?(with(in)?|in|from|at) {_OWN} (?P<noun>[a-z]+)"),
    re.compile(r"\bsame (?P<noun>[a-z]+) (is |are )?(required|only|mandatory)"),
    re.compile(r"\bmust (be|work|come) (in|from|at|within) the same (?P<noun>[a-z]+)"),
)
#: Phrases requiring a different value.
_DIFFERENT = (
    re.compile(r"\b(across|from|in|at|with) (a |an )?(different|another|other) "
               r"(?P<noun>[a-z]+)"),
    re.compile(r"\bdifferent (?P<noun>[a-z]+) (is |are )?(required|only|mandatory)"),
    re.compile(rf"\boutside {_OWN} (?P<noun>[a-z]+)"),
    re.compile(rf"\bnever (be )?(matched|paired) (with someone )?(with(in)?|in|from|at) "
               rf"{_OWN} (?P<noun>[a-z]+)"),
)
#: Words that make a "same" phrase a wish (a reward), not a rule.
_WISH = re.compile(r"\b(ideally|preferably|where possible|if possible|we try|we will try"
                   r"|we aim|when we can|try to)\b")


@dataclass(frozen=True)
class StatedRule:
    """One rule a form's own words state, as a ``[match_on.NAME]`` table."""

    name: str
    field: str
    kind: str
    header: str
    words: str
    gap: tuple[int, int] | None = None

    def table(self) -> dict[str, object]:
        """The ``[match_on.NAME]`` table."""
        table: dict[str, object] = {"field": self.field, "kind": self.kind}
        if self.gap is not None:
            table["gap"] = list(self.gap)
        return table


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _WORDS[text]


def _gap(folded: str, top: int) -> tuple[tuple[int, int], str] | None:
    for pattern, how in _GAPS:
        found = pattern.search(folded)
        if not found:
            continue
        numbers = [_number(g) for g in found.groups() if g and (g.isdigit() or g in _WORDS)]
        low, high = {"range": (min(numbers), max(numbers)), "at_least": (numbers[0], top),
                     "at_most": (1, numbers[0]), "exactly": (numbers[0], numbers[0])}[how]
        if low <= high:
            return (low, high), found.group(0)
    return None


def _unit_name(words: str) -> str:
    unit = re.search(_UNIT, words)
    return unit.group(0).rstrip("s") if unit else "stage"


def _noun(found: re.Match[str], fallback: str) -> str:
    noun = found.group("noun")
    noun = noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun
    return noun if re.fullmatch(r"[a-z][a-z0-9_]{1,30}", noun) else fallback


def rule_in_header(header: str, target: str, top: int) -> StatedRule | None:
    """The rule ``header`` states about its field ``target``, or None. ``top`` is the
    largest gap the field's scale allows (its number of values less one)."""
    field = target.removeprefix(ATTRIBUTE_PREFIX)
    if target not in MATCHABLE_FIELDS and not target.startswith(ATTRIBUTE_PREFIX):
        return None
    folded = fold(header)
    if target in ORDERED_FIELDS or target.startswith(ATTRIBUTE_PREFIX):
        gap = _gap(folded, top)
        if gap is not None:
            return StatedRule(f"{_unit_name(gap[1])}_gap", field, "require_gap", header,
                              gap[1], gap[0])
    if target == "career_stage":
        return None  # "the same stage" is the peer-program setting, not a match_on rule
    for pattern in _DIFFERENT:
        found = pattern.search(folded)
        if found:
            noun = _noun(found, field)
            return StatedRule(f"different_{noun}", field, "require_different", header,
                              found.group(0))
    for pattern in _SAME:
        found = pattern.search(folded)
        if found:
            noun = _noun(found, field)
            kind = "reward" if _WISH.search(folded) else "require_same"
            return StatedRule(f"same_{noun}", field, kind, header, found.group(0))
    return None


def stated_rules(columns: Mapping[str, Mapping[str, str]],
                 scale_sizes: Mapping[str, int]) -> list[StatedRule]:
    """Every rule the headers of both sheets state, once per (field, kind), in form
    order; ``scale_sizes`` gives each ordered field's number of values."""
    found: dict[tuple[str, str], StatedRule] = {}
    names: set[str] = set()
    for side in ("mentees", "mentors"):
        for header, target in columns.get(side, {}).items():
            name = target.removeprefix(ATTRIBUTE_PREFIX)
            top = max(scale_sizes[name] - 1, 1) if name in scale_sizes else NUMBER_TOP
            rule = rule_in_header(header, target, top)
            if rule is None or (rule.field, rule.kind) in found:
                continue
            if rule.name in names:  # two rules of one noun: name them by their field
                rule = StatedRule(f"{rule.name}_{rule.field}", rule.field, rule.kind,
                                  rule.header, rule.words, rule.gap)
            names.add(rule.name)
            found[(rule.field, rule.kind)] = rule
    return list(found.values())
