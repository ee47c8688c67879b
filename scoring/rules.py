"""Hard eligibility rules: pairs that must never be matched, whatever their score.

Each rule has a stable name (explanations, the run folder and the solver cite it) and a
sentence saying in words what a broken pair is like. Rules are separate from the score:
:func:`check_rules` returns, for a block of mentees against all mentors, one boolean
array per active rule, True where the pair breaks it.

Built-in rules (``[rules]`` in the program config):

``not_same_person``     never pair someone with themselves: same id, or same e-mail,
                        on both sides (one person may be in both files). On unless
                        ``not_same_person = false``.
``not_excluded``        neither side listed the other (by id, e-mail or name) under
                        "exclude". On unless ``not_excluded = false``.
``shared_language``     at least one language in common (a blank language cell counts as
                        the config's ``[defaults] languages``). On unless
                        ``shared_language = false``.
``mentor_more_senior``  the mentor's career stage ranks above the mentee's; on unless
                        ``mentor_more_senior = false``. A pair where either stage is
                        unknown is not blocked (intake flags the blank cell instead).
``time_zone_gap``       offsets at most ``max_time_zone_gap_hours`` apart (on when > 0),
                        measured around the clock (UTC+12 and UTC-11 are 1 hour apart);
                        unknown offsets are not blocked.
``cross_institution``   when ``cross_institution = true``: no pair at the same institution,
                        names compared after fold() and ``[vocabularies.institutions]``.

``[match_on.NAME]`` tables of kind ``require_same`` / ``require_different`` / ``require_gap``
are rules named NAME: the same (different) value on both sides, or ``mentor value - mentee
value`` within ``gap``; a pair where either value is blank is not blocked.

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

import functools

import numpy as np
from scipy import sparse

from scoring.config import MatchOn, ProgramConfig
from scoring.config.custom_rules import BUILTIN_RULES, CustomRule
from scoring.features import CohortFeatures
from scoring.pair_classes import (
    INSTITUTIONS,
    LANGUAGES,
    OFFSETS,
    STAGES,
    Inputs,
    PairKernel,
    evaluate,
    match_side,
)
from scoring.rule_inputs import RuleInputs, identity_key, institution_keys, prepare_rule_inputs

__all__ = [
    "BUILTIN_RULES", "CustomRule", "RuleInputs", "active_rules", "check_rules",
    "clock_difference", "identity_key", "institution_keys", "prepare_rule_inputs",
    "rule_sentence",
]


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The ranges ``[start, start + count)`` one after another, as one index array."""
    ends = np.cumsum(counts)
    return np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(ends - counts - starts, counts)


def _overlaps(left: sparse.csr_matrix, rows: np.ndarray, right_t: sparse.spmatrix
              ) -> np.ndarray:
    """Boolean (``rows`` of left x right columns): True where the two share a token.

    Both sides are multi-hot over one token space (:mod:`scoring.rule_inputs` stores 1 for
    every token a person holds), so a shared token is a True: each left row's tokens are
    looked up in the right side's lists of holders, with no sparse product to build."""
    holders = sparse.csr_matrix(right_t)  # tokens x right columns
    out = np.zeros((len(rows), right_t.shape[1]), dtype=bool)
    starts = left.indptr[rows]
    counts = left.indptr[rows + 1] - starts
    tokens = left.indices[_ranges(starts, counts)]
    first = holders.indptr[tokens]
    held = holders.indptr[tokens + 1] - first
    row_of = np.repeat(np.arange(len(rows)), counts)
    out[np.repeat(row_of, held), holders.indices[_ranges(first, held)]] = True
    return out


def clock_difference(a: np.ndarray | np.floating, b: np.ndarray | np.floating) -> np.ndarray:
    """Hours between UTC offsets around the clock (at most 12); NaN where either is unknown.

    Offsets lie in [-12, +14], so a raw gap is at most 26 hours and one fold suffices
    (cheaper than a float modulo over millions of pairs).
    """
    gap = np.abs(a - b)
    return np.minimum(gap, np.abs(24.0 - gap))


def active_rules(config: ProgramConfig) -> tuple[str, ...]:
    """Names of the rules the config switches on, built-in first, in a stable order."""
    section = config.rules
    switches = {"not_same_person": section.not_same_person,
                "not_excluded": section.not_excluded,
                "shared_language": section.shared_language}
    names = [name for name, on in switches.items() if on]
    if section.mentor_more_senior:
        names.append("mentor_more_senior")
    if section.max_time_zone_gap_hours > 0:
        names.append("time_zone_gap")
    if section.cross_institution:
        names.append("cross_institution")
    return (tuple(names) + tuple(m.name for m in config.match_rules)
            + tuple(r.name for r in section.custom))


def check_rules(features: CohortFeatures, config: ProgramConfig, rows: np.ndarray
                ) -> dict[str, np.ndarray]:
    """For mentee ``rows`` x all mentors: rule name → bool array, True where the pair breaks it.

    Only the rules the config switches on appear (see :func:`active_rules`).
    """
    inputs = features.rule_inputs
    if config.rules.custom != inputs.custom:
        raise ValueError("the features were built with other [[rules.custom]]; rebuild them "
                         "with build_features(cohort, config) for this config")
    if any(m.name not in features.mentee_match for m in config.match_on):
        raise ValueError("the features were built without this config's [match_on] tables; "
                         "rebuild them with build_features(cohort, config)")
    shape = (len(rows), features.n_mentors)
    section = config.rules
    broken: dict[str, np.ndarray] = {}
    if section.not_same_person:
        broken["not_same_person"] = _overlaps(inputs.mentee_identity, rows,
                                              inputs.mentor_identity_t)
    if section.not_excluded:
        broken["not_excluded"] = (
            _overlaps(inputs.mentee_excludes, rows, inputs.mentor_identity_t)
            | _overlaps(inputs.mentee_identity, rows, inputs.mentor_excludes_t))
    if section.shared_language:
        broken["shared_language"] = evaluate(PairKernel(LANGUAGES, _no_shared_language),
                                             features, rows)
    if section.mentor_more_senior:
        broken["mentor_more_senior"] = evaluate(PairKernel(STAGES, _not_more_senior),
                                                features, rows)
    limit = float(section.max_time_zone_gap_hours)
    if limit > 0:
        broken["time_zone_gap"] = evaluate(
            PairKernel(OFFSETS, functools.partial(_too_far, limit)), features, rows)
    if section.cross_institution:
        broken["cross_institution"] = evaluate(PairKernel(INSTITUTIONS, _same_institution),
                                               features, rows)
    for match in config.match_rules:
        broken[match.name] = match_broken(features, match, rows)
    broken.update(_custom_broken(inputs, rows, shape))
    return broken


# The rules that compare small per-person values, as comparisons of each side's inputs
# (scoring.pair_classes computes them once per class of alike people on large blocks).

def _no_shared_language(mentee: Inputs, mentor: Inputs) -> np.ndarray:
    return (mentee[0] @ mentor[0].T) == 0


def _not_more_senior(mentee_in: Inputs, mentor_in: Inputs) -> np.ndarray:
    mentee, mentor = mentee_in[0][:, None], mentor_in[0][None, :]
    return (mentor <= mentee) & (mentee >= 0) & (mentor >= 0)


def _too_far(limit: float, mentee: Inputs, mentor: Inputs) -> np.ndarray:
    gap = clock_difference(mentee[0][:, None], mentor[0][None, :])
    with np.errstate(invalid="ignore"):
        return gap > limit  # NaN (unknown) compares False


def _same_institution(mentee_in: Inputs, mentor_in: Inputs) -> np.ndarray:
    mentee = mentee_in[0][:, None]
    return (mentee == mentor_in[0][None, :]) & (mentee >= 0)


def _custom_broken(inputs: RuleInputs, rows: np.ndarray, shape: tuple[int, int]
                   ) -> dict[str, np.ndarray]:
    """The ``[[rules.custom]]`` verdicts for mentee ``rows`` x all mentors."""
    broken: dict[str, np.ndarray] = {}
    for rule in inputs.custom:
        if rule.side == "mentor":
            broken[rule.name] = np.broadcast_to(~inputs.mentor_ok[rule.name][None, :],
                                                shape).copy()
        elif rule.side == "mentee":
            broken[rule.name] = np.broadcast_to(~inputs.mentee_ok[rule.name][rows][:, None],
                                                shape).copy()
        else:
            left, right_t = inputs.pair_values[rule.name]
            share = _overlaps(left, rows, right_t)
            if rule.operator == "different":
                broken[rule.name] = share
            else:
                known = ((np.diff(left.indptr)[rows] > 0)[:, None]
                         & (np.diff(right_t.indptr) > 0)[None, :])
                broken[rule.name] = known & ~share
    return broken


def _match_broken(match: MatchOn, mentee_in: Inputs, mentor_in: Inputs) -> np.ndarray:
    mentee, mentor = mentee_in[0][:, None], mentor_in[0][None, :]
    if match.kind == "require_gap":
        gap = mentor - mentee
        with np.errstate(invalid="ignore"):  # NaN (unknown) compares False: not blocked
            return (gap < match.gap[0]) | (gap > match.gap[1])
    known = (mentee >= 0) & (mentor >= 0)
    same = mentee == mentor
    return known & (~same if match.kind == "require_same" else same)


def match_broken(features: CohortFeatures, match: MatchOn, rows: np.ndarray) -> np.ndarray:
    """Bool (rows x mentors), True where a ``[match_on]`` rule blocks the pair."""
    return evaluate(PairKernel(match_side(match.name), functools.partial(_match_broken, match)),
                    features, rows)


def rule_sentence(name: str, config: ProgramConfig) -> str:
    """What breaking rule ``name`` means, in words, for explanations."""
    section = config.rules
    sentences = {
        "not_same_person": "mentee and mentor are the same person (same id or e-mail)",
        "not_excluded": "one of them asked not to be matched with the other",
        "shared_language": "they have no language in common",
        "mentor_more_senior": "the mentor is not at a later career stage than the mentee",
        "time_zone_gap": ("their time zones are more than "
                          f"{float(section.max_time_zone_gap_hours):g} hours apart"),
        "cross_institution": ("they are at the same institution, and this program matches "
                              "across institutions only"),
    }
    if name in sentences:
        return sentences[name]
    for match in config.match_rules:
        if match.name == name:
            return f"program rule {name!r} is not met: {match.requirement()}"
    for rule in section.custom:
        if rule.name == name:
            return f"program rule {name!r} is not met: {rule.requirement()}"
    raise KeyError(name)
