"""The scorer as it was at commit 6790592, before its comparisons were computed per class of
alike people (:mod:`scoring.pair_classes`): a private copy that tests/test_scorer_kernels.py
holds the current :func:`scoring.scorer.score_block` to, bit for bit.

Copied verbatim (components, total, rules); only the imports are gathered here. Do not
"improve" this file: it is the reference.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from scoring.config import PREFERENCES, MatchOn, ProgramConfig
from scoring.features import CohortFeatures
from scoring.rule_inputs import RuleInputs
from scoring.scorer import (
    NEUTRAL,
    NO_NEEDS_VALUE,
    NO_PREFERENCES_VALUE,
    STAGE_FALLOFF_STAGES,
    ScoreBlock,
    component_names,
    component_weights,
)


def _overlaps(left: sparse.csr_matrix, right_t: sparse.spmatrix) -> np.ndarray:
    """Boolean (left rows x right columns): True where the two multi-hot rows share a token."""
    product = (left @ right_t).tocoo()
    out = np.zeros(product.shape, dtype=bool)
    out[product.row, product.col] = product.data > 0
    return out


def clock_difference(a: np.ndarray | np.floating, b: np.ndarray | np.floating) -> np.ndarray:
    """Hours between UTC offsets around the clock (at most 12); NaN where either is unknown.

    Offsets lie in [-12, +14], so a raw gap is at most 26 hours and one fold suffices
    (cheaper than a float modulo over millions of pairs).
    """
    gap = np.abs(a - b)
    return np.minimum(gap, np.abs(24.0 - gap))


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
    n_mentors = features.n_mentors
    shape = (len(rows), n_mentors)
    section = config.rules
    broken: dict[str, np.ndarray] = {}
    if section.not_same_person:
        broken["not_same_person"] = _overlaps(inputs.mentee_identity[rows],
                                              inputs.mentor_identity_t)
    if section.not_excluded:
        broken["not_excluded"] = (
            _overlaps(inputs.mentee_excludes[rows], inputs.mentor_identity_t)
            | _overlaps(inputs.mentee_identity[rows], inputs.mentor_excludes_t))
    if section.shared_language:
        broken["shared_language"] = (
            features.mentee_languages[rows] @ features.mentor_languages.T) == 0
    if section.mentor_more_senior:
        mentee = features.mentee_stage[rows][:, None]
        mentor = features.mentor_stage[None, :]
        broken["mentor_more_senior"] = (mentor <= mentee) & (mentee >= 0) & (mentor >= 0)
    limit = float(section.max_time_zone_gap_hours)
    if limit > 0:
        gap = clock_difference(features.mentee_offset[rows][:, None],
                               features.mentor_offset[None, :])
        with np.errstate(invalid="ignore"):
            broken["time_zone_gap"] = gap > limit  # NaN (unknown) compares False
    if section.cross_institution:
        mentee = features.mentee_institution[rows][:, None]
        broken["cross_institution"] = (mentee == features.mentor_institution[None, :]) & (
            mentee >= 0)
    for match in config.match_rules:
        broken[match.name] = match_broken(features, match, rows)
    broken.update(_custom_broken(inputs, rows, shape))
    return broken


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
            left = left[rows]
            share = _overlaps(left, right_t)
            if rule.operator == "different":
                broken[rule.name] = share
            else:
                known = (np.diff(left.indptr) > 0)[:, None] & (np.diff(right_t.indptr) > 0)[None, :]
                broken[rule.name] = known & ~share
    return broken


def match_broken(features: CohortFeatures, match: MatchOn, rows: np.ndarray) -> np.ndarray:
    """Bool (rows x mentors), True where a ``[match_on]`` rule blocks the pair."""
    mentee = features.mentee_match[match.name][rows][:, None]
    mentor = features.mentor_match[match.name][None, :]
    if match.kind == "require_gap":
        gap = mentor - mentee
        with np.errstate(invalid="ignore"):  # NaN (unknown) compares False: not blocked
            return (gap < match.gap[0]) | (gap > match.gap[1])
    known = (mentee >= 0) & (mentor >= 0)
    same = mentee == mentor
    return known & (~same if match.kind == "require_same" else same)



def reward(features: CohortFeatures, name: str, rows: np.ndarray) -> np.ndarray:
    """A ``[match_on]`` reward: 1 same value, 0 different, 0.5 when either is blank."""
    mentee = features.mentee_match[name][rows][:, None]
    mentor = features.mentor_match[name][None, :]
    value = (mentee == mentor).astype(np.float32)
    value[np.broadcast_to((mentee < 0) | (mentor < 0), value.shape)] = NEUTRAL
    return value


def _ratio(numerator: np.ndarray, denominator: np.ndarray, fallback: float) -> np.ndarray:
    """numerator / denominator (per row), ``fallback`` where the denominator is 0."""
    safe = np.maximum(denominator, 1.0)[:, None]
    return np.where(denominator[:, None] > 0, numerator / safe, np.float32(fallback))


def need_coverage(features: CohortFeatures, rows: np.ndarray) -> np.ndarray:
    """Share of each mentee's need areas in each mentor's expertise (see module doc)."""
    needs = features.needs[rows]
    covered = needs @ features.expertise.T
    return _ratio(covered, needs.sum(axis=1), NO_NEEDS_VALUE)


def goal_text_full_at(config: ProgramConfig) -> float:
    """The cosine that earns goal_text full points (must be in (0, 1])."""
    full_at = float(config.scoring.goal_text_full_at)
    return min(max(full_at, 1e-6), 1.0)


def goal_text(features: CohortFeatures, config: ProgramConfig, rows: np.ndarray) -> np.ndarray:
    """Cosine of goal and expertise TF-IDF vectors (rows are L2-normalised), rescaled."""
    cosine = (features.goal_vectors[rows] @ features.expertise_vectors.T).toarray()
    return np.clip(cosine / np.float32(goal_text_full_at(config)), 0.0, 1.0)


def role_fit(features: CohortFeatures, rows: np.ndarray) -> np.ndarray:
    """Share of the roles a mentee wants that each mentor offers."""
    wanted = features.help_wanted[rows]
    return _ratio(wanted @ features.mentor_roles.T, wanted.sum(axis=1), NEUTRAL)


def stage_gap(features: CohortFeatures, config: ProgramConfig, rows: np.ndarray) -> np.ndarray:
    """1 inside the preferred seniority band, linear falloff outside, 0.5 when unknown."""
    low, high = (int(x) for x in config.scoring.preferred_stage_gap)
    mentee = features.mentee_stage[rows].astype(np.int32)[:, None]
    mentor = features.mentor_stage.astype(np.int32)[None, :]
    gap = mentor - mentee
    outside = np.maximum(low - gap, 0) + np.maximum(gap - high, 0)
    value = np.clip(1.0 - outside / STAGE_FALLOFF_STAGES, 0.0, 1.0).astype(np.float32)
    value[(mentee < 0) | (mentor < 0)] = NEUTRAL
    return value


def mode_overlap(features: CohortFeatures, rows: np.ndarray) -> np.ndarray:
    """Share of the mentee's modes the mentor also uses; 0.5 when either side is blank."""
    modes = features.mentee_modes[rows]
    share = _ratio(modes @ features.mentor_modes.T, modes.sum(axis=1), NEUTRAL)
    share[:, features.mentor_modes.sum(axis=1) == 0] = NEUTRAL
    return share


def frequency_closeness(features: CohortFeatures, rows: np.ndarray) -> np.ndarray:
    """1 for the same meeting frequency, falling with steps apart; 0.5 when unknown."""
    span = max(len(features.frequencies) - 1, 1)
    mentee = features.mentee_frequency[rows].astype(np.float32)[:, None]
    mentor = features.mentor_frequency.astype(np.float32)[None, :]
    value = 1.0 - np.abs(mentee - mentor) / np.float32(span)
    value[(mentee < 0) | (mentor < 0)] = NEUTRAL
    return value


def communication(features: CohortFeatures, rows: np.ndarray) -> np.ndarray:
    """Mean of mode overlap and frequency closeness."""
    return (mode_overlap(features, rows) + frequency_closeness(features, rows)) * np.float32(0.5)


def time_zone(features: CohortFeatures, config: ProgramConfig, rows: np.ndarray) -> np.ndarray:
    """1 at the same offset, linear to 0 at the config's limit; 0.5 when unknown."""
    limit = float(config.scoring.time_zone_limit_hours) or 1.0
    gap = clock_difference(features.mentee_offset[rows][:, None], features.mentor_offset[None, :])
    value = np.clip(1.0 - gap / np.float32(limit), 0.0, 1.0)
    return np.where(np.isnan(gap), np.float32(NEUTRAL), value)


def _same(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return (left[:, None] == right[None, :]) & (left >= 0)[:, None] & (right >= 0)[None, :]


def _different(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return (left[:, None] != right[None, :]) & (left >= 0)[:, None] & (right >= 0)[None, :]


def preference_honoured(features: CohortFeatures, rows: np.ndarray, preference: str
                        ) -> np.ndarray:
    """Bool (block × mentors): whether each pair honours ``preference`` (if the mentee asked)."""
    if preference == "same_gender":
        return _same(features.mentee_gender[rows], features.mentor_gender)
    if preference == "shared_background":
        shared = features.mentee_background[rows] @ features.mentor_background.T
        return shared.toarray() > 0
    if preference in ("same_specialty", "different_specialty"):
        compare = _same if preference == "same_specialty" else _different
        return compare(features.mentee_specialty[rows], features.mentor_specialty)
    if preference in ("same_institution", "other_institution"):
        compare = _same if preference == "same_institution" else _different
        return compare(features.mentee_institution[rows], features.mentor_institution)
    raise KeyError(preference)


def preferences(features: CohortFeatures, rows: np.ndarray) -> np.ndarray:
    """Share of each mentee's opt-in preferences each pair honours; 1.0 when none asked."""
    asked = features.preferences[rows]
    honoured = np.zeros((len(rows), features.n_mentors), dtype=np.float32)
    for column, name in enumerate(PREFERENCES):
        if asked[:, column].any():  # most programs have few opt-ins: skip the rest
            honoured += asked[:, column][:, None] & preference_honoured(features, rows, name)
    return _ratio(honoured, asked.sum(axis=1).astype(np.float32), NO_PREFERENCES_VALUE)


def _row_indices(features: CohortFeatures, mentee_rows: slice | np.ndarray) -> np.ndarray:
    if isinstance(mentee_rows, slice):
        return np.arange(features.n_mentees)[mentee_rows]
    return np.asarray(mentee_rows, dtype=np.intp).reshape(-1)


def score_block(features: CohortFeatures, config: ProgramConfig,
                mentee_rows: slice | np.ndarray) -> ScoreBlock:
    """Components, rule violations, eligibility and total for mentee rows × all mentors."""
    rows = _row_indices(features, mentee_rows)
    values = {
        "need_coverage": need_coverage(features, rows),
        "goal_text": goal_text(features, config, rows),
        "role_fit": role_fit(features, rows),
        "stage_gap": stage_gap(features, config, rows),
        "communication": communication(features, rows),
        "time_zone": time_zone(features, config, rows),
        "preferences": preferences(features, rows),
        **{m.name: reward(features, m.name, rows) for m in config.rewards},
    }
    names = component_names(config)
    components = {name: values[name].astype(np.float32, copy=False) for name in names}
    weights = component_weights(config)
    total = np.zeros((len(rows), features.n_mentors), dtype=np.float64)
    for weight, name in zip(weights, names, strict=True):
        if weight:
            total += weight * components[name]
    total *= 100.0 / weights.sum()
    violations = check_rules(features, config, rows)
    eligible = np.ones(total.shape, dtype=bool)
    for broken in violations.values():
        eligible &= ~broken
    return ScoreBlock(mentee_rows=rows, components=components, eligible=eligible,
                      violations=violations, total=total)
