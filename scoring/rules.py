"""Hard eligibility rules: pairs that must never be matched, whatever their score.

Each rule has a stable name (explanations, the run folder and the solver cite it) and a
sentence saying in words what a broken pair is like. Rules are separate from the score:
:func:`check_rules` returns, for a block of mentees against all mentors, one boolean
array per active rule, True where the pair breaks it.

Built-in rules (``[rules]`` in the program config):

``not_same_person``     never pair someone with themselves: same id, or same e-mail,
                        on both sides (one person may be in both files). Always on.
``not_excluded``        neither side listed the other (by id or e-mail) under "exclude".
                        Always on.
``shared_language``     at least one language in common (a blank language cell counts as
                        the config's ``[defaults] languages``). Always on.
``mentor_more_senior``  the mentor's career stage ranks above the mentee's; on unless
                        ``mentor_more_senior = false``. A pair where either stage is
                        unknown is not blocked (intake flags the blank cell instead).
``time_zone_gap``       offsets at most ``max_time_zone_gap_hours`` apart (on when > 0),
                        measured around the clock (UTC+12 and UTC-11 are 1 hour apart);
                        unknown offsets are not blocked.
``cross_institution``   when ``cross_institution = true``: no pair at the same institution,
                        names compared after fold() and ``[vocabularies.institutions]``.

Custom rules, ``[[rules.custom]]``, each a requirement every eligible pair must meet::

    [[rules.custom]]
    name = "senior_mentors_only"   # cited in explanations
    side = "mentor"                # "mentor", "mentee" or "pair"
    field = "career_stage"         # a canonical field of that side ("mentor.career_stage"
                                   # also works and then names the side)
    operator = ">="                # ==, !=, in, not_in, >=, <=, >, <  (pair: same, different)
    value = "mid_career"           # a list for in / not_in; none for pair rules
    message = "..."                # optional: the sentence shown instead of the generated one

A blank cell never satisfies ``==``, ``in`` or an ordering, and always satisfies ``!=`` and
``not_in``; a pair rule does not block a pair where either side is blank. Multi-value fields
(languages, modes, areas, roles ...) satisfy ``==`` when they include the value and ``in``
when they include any listed value. Sensitive fields (``[sensitive] fields``) cannot be used
in rules: they serve only a participant's own opt-in preferences.
"""

from __future__ import annotations

import operator as op
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from scoring.config import (
    FIELD_VOCABULARY,
    MENTEE_FIELDS,
    MENTOR_FIELDS,
    MULTI_VALUE_FIELDS,
    ConfigError,
    ProgramConfig,
)
from scoring.profiles import Cohort, Person
from scoring.text import fold

if TYPE_CHECKING:
    from scoring.features import CohortFeatures

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
class RuleInputs:
    """Per-person inputs of the rules, prepared once per cohort (see :func:`prepare_rule_inputs`).

    Identity and exclusion rows are multi-hot over one token space of ids and e-mails, so
    "same person" and "excluded" become sparse products.
    """

    mentee_identity: sparse.csr_matrix
    mentor_identity_t: sparse.csc_matrix  # tokens x mentors
    mentee_excludes: sparse.csr_matrix
    mentor_excludes_t: sparse.csc_matrix
    custom: tuple[CustomRule, ...] = ()
    mentee_ok: dict[str, np.ndarray] = field(default_factory=dict)  # side rules: True = holds
    mentor_ok: dict[str, np.ndarray] = field(default_factory=dict)
    pair_values: dict[str, tuple[sparse.csr_matrix, sparse.csc_matrix]] = field(
        default_factory=dict)  # pair rules: mentee values, mentor values (transposed)


def institution_keys(names: Sequence[str], config: ProgramConfig) -> list[str]:
    """Canonical institutions: the [vocabularies.institutions] entry, else the folded name."""
    synonyms = config.vocabulary("institutions")
    return [(synonyms.lookup(n) or fold(n)) if n else "" for n in names]


def identity_key(text: str) -> str:
    """How ids and e-mails are compared: trimmed and case-folded (e-mails ignore case)."""
    return text.strip().casefold()


def _rule_error(config: ProgramConfig, index: int, name: object, problem: str) -> ConfigError:
    where = str(config.path) if config.path else "the config"
    return ConfigError(f"{where}: [[rules.custom]] rule #{index + 1} ({name!r}): {problem}")


def parse_custom_rules(config: ProgramConfig) -> tuple[CustomRule, ...]:
    """Validate ``[[rules.custom]]``; raise :class:`ConfigError` naming the bad rule and the fix."""
    rules: list[CustomRule] = []
    sensitive = set(config.sensitive_fields)
    for index, entry in enumerate(config.section("rules").get("custom", [])):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(entry, dict):
            raise _rule_error(config, index, name, "must be a table with name, side, field, "
                              "operator and value.")
        unknown = set(entry) - {"name", "side", "field", "operator", "value", "message"}
        if unknown:
            raise _rule_error(config, index, name, f"unknown key(s) {sorted(unknown)}; use name, "
                              "side, field, operator, value and (optional) message.")
        if not isinstance(name, str) or not name.strip():
            raise _rule_error(config, index, name, 'needs a name, e.g. name = "same_track".')
        if name in BUILTIN_RULES or name in {r.name for r in rules}:
            raise _rule_error(config, index, name, "this name is already used by another rule; "
                              "give each rule its own name.")
        side, fld = entry.get("side"), entry.get("field")
        if isinstance(fld, str) and fld.partition(".")[0] in SIDES and "." in fld:
            prefix, _, fld = fld.partition(".")  # "mentor.career_stage" names the side too
            side = side or prefix
            if side != prefix:
                raise _rule_error(config, index, name, f"field says {prefix!r} but side says "
                                  f"{side!r}; make them agree.")
        if side not in SIDES:
            raise _rule_error(config, index, name, f'side must be "mentor", "mentee" or "pair", '
                              f"not {side!r}.")
        allowed = {"mentor": set(MENTOR_FIELDS), "mentee": set(MENTEE_FIELDS),
                   "pair": set(MENTOR_FIELDS) & set(MENTEE_FIELDS)}[side] - _IDENTITY_FIELDS
        if fld in sensitive:
            raise _rule_error(config, index, name, f"{fld!r} is a sensitive field; it is used "
                              "only for a mentee's own opt-in preferences, never in rules.")
        if fld not in allowed - sensitive:
            raise _rule_error(config, index, name, f"field {fld!r} is not a {side} field; use "
                              f"one of: {', '.join(sorted(allowed - sensitive))}.")
        operator = entry.get("operator")
        operators = PAIR_OPERATORS if side == "pair" else SIDE_OPERATORS
        if operator not in operators:
            raise _rule_error(config, index, name, f"operator {operator!r} is not allowed for a "
                              f"{side} rule; use one of: {', '.join(operators)}.")
        value = entry.get("value")
        if side != "pair":
            value = _check_value(config, index, name, fld, operator, value)
        message = entry.get("message", "")
        if not isinstance(message, str):
            raise _rule_error(config, index, name, "message must be text.")
        rules.append(CustomRule(name, side, fld, operator, value, message))
    return tuple(rules)


def _check_value(config: ProgramConfig, index: int, name: str, fld: str, operator: str,
                 value: Any) -> Any:
    """Check a side rule's value against its field and operator; return it canonicalised."""
    if value is None:
        raise _rule_error(config, index, name, "needs a value.")
    if operator in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise _rule_error(config, index, name, f"operator {operator} needs a list value, "
                              'e.g. value = ["a", "b"].')
        return [_check_scalar(config, index, name, fld, v) for v in value]
    if isinstance(value, list):
        raise _rule_error(config, index, name, f"operator {operator} needs one value, not a "
                          "list (use in / not_in for several).")
    if operator in ORDERINGS:
        vocabulary = FIELD_VOCABULARY.get(fld)
        if fld in MULTI_VALUE_FIELDS or (fld not in NUMERIC_FIELDS
                                         and vocabulary not in ORDERED_VOCABULARIES):
            raise _rule_error(config, index, name, f"{operator} needs a number field or an "
                              f"ordered scale (capacity, network_size, time_zone, career_stage, "
                              f"frequency); {fld!r} is neither.")
    return _check_scalar(config, index, name, fld, value)


def _check_scalar(config: ProgramConfig, index: int, name: str, fld: str, value: Any) -> Any:
    if fld in NUMERIC_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _rule_error(config, index, name, f"{fld} is a number; write value = 2, not "
                              f"{value!r}.")
        return float(value)
    if not isinstance(value, str):
        raise _rule_error(config, index, name, f"value {value!r} must be text for {fld}.")
    vocabulary_name = FIELD_VOCABULARY.get(fld)
    if vocabulary_name:
        vocabulary = config.vocabulary(vocabulary_name)
        canonical = vocabulary.lookup(value)
        if canonical is None and vocabulary.values:
            raise _rule_error(config, index, name, f"{value!r} is not a {vocabulary_name} value; "
                              f"use one of: {', '.join(vocabulary.values)}.")
        return canonical or fold(value)
    if fld == "institution":
        return institution_keys([value], config)[0]
    return fold(value)


def _person_keys(people: Sequence[Person], fld: str, config: ProgramConfig) -> list[tuple]:
    """Each person's values of ``fld`` in the form rules compare (canonical, folded, numbers)."""
    keys: list[tuple] = []
    vocabulary_name = FIELD_VOCABULARY.get(fld)
    vocabulary = config.vocabulary(vocabulary_name) if vocabulary_name else None
    for person in people:
        raw = getattr(person, fld, None)
        values = raw if isinstance(raw, tuple | list) else (() if raw in (None, "") else (raw,))
        if fld in NUMERIC_FIELDS:
            keys.append(tuple(float(v) for v in values))
        elif vocabulary is not None:
            keys.append(tuple((vocabulary.lookup(str(v)) or fold(v)) for v in values))
        elif fld == "institution":
            keys.append(tuple(institution_keys([str(v) for v in values], config)))
        else:
            keys.append(tuple(fold(v) for v in values))
    return keys


def _holds(rule: CustomRule, values: tuple, config: ProgramConfig) -> bool:
    """Whether one person's values meet a side rule (blank: see the module docstring)."""
    if rule.operator == "==":
        return rule.value in values
    if rule.operator == "!=":
        return rule.value not in values
    if rule.operator == "in":
        return any(v in rule.value for v in values)
    if rule.operator == "not_in":
        return not any(v in rule.value for v in values)
    if not values:
        return False
    compare = ORDERINGS[rule.operator]
    if rule.field in NUMERIC_FIELDS:
        return compare(values[0], rule.value)
    scale = config.vocabulary(FIELD_VOCABULARY[rule.field]).values
    if values[0] not in scale or rule.value not in scale:
        return False
    return compare(scale.index(values[0]), scale.index(rule.value))


def _token_matrix(rows: Sequence[Sequence[str]], tokens: dict[str, int]) -> sparse.csr_matrix:
    """Multi-hot rows over ``tokens`` (tokens not yet known are added)."""
    indptr, indices = [0], []
    for row in rows:
        indices.extend(sorted({tokens.setdefault(t, len(tokens)) for t in row if t}))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), max(len(tokens), 1)))


def _aligned(matrices: list[sparse.csr_matrix], width: int) -> list[sparse.csr_matrix]:
    """Pad matrices built while the token space grew to the final width."""
    return [sparse.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], width))
            for m in matrices]


def prepare_rule_inputs(cohort: Cohort, config: ProgramConfig) -> RuleInputs:
    """Prepare what the rules need per person: identity/exclusion tokens, custom-rule verdicts."""
    tokens: dict[str, int] = {}

    def identity(p: Person) -> list[str]:
        return [identity_key(p.id), identity_key(p.email)]

    def excluded(p: Person) -> list[str]:
        return [identity_key(x) for x in p.exclude]

    built = [_token_matrix([identity(p) for p in cohort.mentees], tokens),
             _token_matrix([identity(p) for p in cohort.mentors], tokens),
             _token_matrix([excluded(p) for p in cohort.mentees], tokens),
             _token_matrix([excluded(p) for p in cohort.mentors], tokens)]
    mentee_id, mentor_id, mentee_ex, mentor_ex = _aligned(built, max(len(tokens), 1))

    custom = parse_custom_rules(config)
    mentee_ok: dict[str, np.ndarray] = {}
    mentor_ok: dict[str, np.ndarray] = {}
    pair_values: dict[str, tuple[sparse.csr_matrix, sparse.csc_matrix]] = {}
    for rule in custom:
        if rule.side == "pair":
            values: dict[str, int] = {}
            left = _token_matrix([[str(v) for v in k] for k in
                                  _person_keys(cohort.mentees, rule.field, config)], values)
            right = _token_matrix([[str(v) for v in k] for k in
                                   _person_keys(cohort.mentors, rule.field, config)], values)
            left, right = _aligned([left, right], max(len(values), 1))
            pair_values[rule.name] = (left, right.T.tocsc())
        else:
            people = cohort.mentors if rule.side == "mentor" else cohort.mentees
            verdict = np.array([_holds(rule, k, config)
                                for k in _person_keys(people, rule.field, config)], dtype=bool)
            (mentor_ok if rule.side == "mentor" else mentee_ok)[rule.name] = verdict
    return RuleInputs(mentee_identity=mentee_id, mentor_identity_t=mentor_id.T.tocsc(),
                      mentee_excludes=mentee_ex, mentor_excludes_t=mentor_ex.T.tocsc(),
                      custom=custom, mentee_ok=mentee_ok, mentor_ok=mentor_ok,
                      pair_values=pair_values)


def _overlaps(left: sparse.csr_matrix, right_t: sparse.spmatrix) -> np.ndarray:
    """Boolean (left rows x right columns): True where the two multi-hot rows share a token."""
    product = (left @ right_t).tocoo()
    out = np.zeros(product.shape, dtype=bool)
    out[product.row, product.col] = product.data > 0
    return out


def clock_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hours between UTC offsets around the clock (at most 12); NaN where either is unknown.

    Offsets lie in [-12, +14], so a raw gap is at most 26 hours and one fold suffices
    (cheaper than a float modulo over millions of pairs).
    """
    gap = np.abs(a - b)
    return np.minimum(gap, np.abs(24.0 - gap))


def active_rules(config: ProgramConfig) -> tuple[str, ...]:
    """Names of the rules the config switches on, built-in first, in a stable order."""
    section = config.section("rules")
    names = ["not_same_person", "not_excluded", "shared_language"]
    if section.get("mentor_more_senior", True):
        names.append("mentor_more_senior")
    if float(section.get("max_time_zone_gap_hours", 0) or 0) > 0:
        names.append("time_zone_gap")
    if section.get("cross_institution", False):
        names.append("cross_institution")
    return tuple(names) + tuple(r.name for r in parse_custom_rules(config))


def check_rules(features: CohortFeatures, config: ProgramConfig, rows: np.ndarray
                ) -> dict[str, np.ndarray]:
    """For mentee ``rows`` x all mentors: rule name → bool array, True where the pair breaks it.

    Only the rules the config switches on appear (see :func:`active_rules`).
    """
    inputs = features.rule_inputs
    if tuple(parse_custom_rules(config)) != inputs.custom:
        raise ValueError("the features were built with other [[rules.custom]]; rebuild them "
                         "with build_features(cohort, config) for this config")
    n_mentors = features.n_mentors
    shape = (len(rows), n_mentors)
    section = config.section("rules")
    broken: dict[str, np.ndarray] = {
        "not_same_person": _overlaps(inputs.mentee_identity[rows], inputs.mentor_identity_t),
        "not_excluded": (_overlaps(inputs.mentee_excludes[rows], inputs.mentor_identity_t)
                         | _overlaps(inputs.mentee_identity[rows], inputs.mentor_excludes_t)),
        "shared_language": (features.mentee_languages[rows] @ features.mentor_languages.T) == 0,
    }
    if section.get("mentor_more_senior", True):
        mentee = features.mentee_stage[rows][:, None]
        mentor = features.mentor_stage[None, :]
        broken["mentor_more_senior"] = (mentor <= mentee) & (mentee >= 0) & (mentor >= 0)
    limit = float(section.get("max_time_zone_gap_hours", 0) or 0)
    if limit > 0:
        gap = clock_difference(features.mentee_offset[rows][:, None],
                               features.mentor_offset[None, :])
        with np.errstate(invalid="ignore"):
            broken["time_zone_gap"] = gap > limit  # NaN (unknown) compares False
    if section.get("cross_institution", False):
        mentee = features.mentee_institution[rows][:, None]
        broken["cross_institution"] = (mentee == features.mentor_institution[None, :]) & (
            mentee >= 0)
    for rule in inputs.custom:
        if rule.side == "mentor":
            broken[rule.name] = np.broadcast_to(~inputs.mentor_ok[rule.name][None, :],
                                                shape).copy()
        elif rule.side == "mentee":
            broken[rule.name] = np.broadcast_to(~inputs.mentee_ok[rule.name][rows][:, None],
                                                shape).copy()
        else:
            left, right_t = inputs.pair_values[rule.name]
            left = left[rows]
            share = _overlaps(left, right_t)
            if rule.operator == "different":
                broken[rule.name] = share
            else:
                known = (np.diff(left.indptr) > 0)[:, None] & (np.diff(right_t.indptr) > 0)[None, :]
                broken[rule.name] = known & ~share
    return broken


def rule_sentence(name: str, config: ProgramConfig) -> str:
    """What breaking rule ``name`` means, in words, for explanations."""
    section = config.section("rules")
    sentences = {
        "not_same_person": "mentee and mentor are the same person (same id or e-mail)",
        "not_excluded": "one of them asked not to be matched with the other",
        "shared_language": "they have no language in common",
        "mentor_more_senior": "the mentor is not at a later career stage than the mentee",
        "time_zone_gap": ("their time zones are more than "
                          f"{float(section.get('max_time_zone_gap_hours', 0)):g} hours apart"),
        "cross_institution": ("they are at the same institution, and this program matches "
                              "across institutions only"),
    }
    if name in sentences:
        return sentences[name]
    for rule in parse_custom_rules(config):
        if rule.name == name:
            return f"program rule {name!r} is not met: {rule.requirement()}"
    raise KeyError(name)
