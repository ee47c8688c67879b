"""What the eligibility rules need per person, prepared once per cohort.

:func:`prepare_rule_inputs` turns a cohort into :class:`RuleInputs`: identity and exclusion
tokens as sparse multi-hot rows, and the verdict of each ``[[rules.custom]]`` side rule per
person (pair rules: each side's values as multi-hot rows). :mod:`scoring.features` keeps
them; :mod:`scoring.rules` turns them into per-pair verdicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from scoring.config import FIELD_VOCABULARY, CustomRule, ProgramConfig
from scoring.config.custom_rules import NUMERIC_FIELDS, ORDERINGS
from scoring.profiles import Cohort, Person
from scoring.text import fold


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
    return [synonyms.canonical(n) if n else "" for n in names]


def identity_key(text: str) -> str:
    """How ids and e-mails are compared: trimmed and case-folded (e-mails ignore case)."""
    return text.strip().casefold()


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

    custom = config.rules.custom
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


