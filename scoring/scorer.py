"""Compatibility scores of mentee × mentor pairs: seven components in [0, 1] and their sum.

Every component is computed for a block of mentees against all mentors at once, with
numpy and sparse products (no Python loop over pairs). The score is

    score = 100 × Σ wₖ·cₖ / Σ wₖ        (weights from the config's [weights])

Components (names and order are part of the API, see :data:`COMPONENTS`):

``need_coverage``  share of the mentee's need areas that are among the mentor's expertise
                   areas. A mentee who listed no need areas gets 0.5 for every mentor:
                   the blank neither helps nor hurts them against other mentees.
``goal_text``      cosine of the TF-IDF vectors of the mentee's goals and the mentor's
                   bio + expertise labels, divided by ``[scoring] goal_text_full_at``
                   (default 0.2) and capped at 1: short free texts written separately
                   rarely reach a cosine of 0.3 even when they are about the same thing
                   (in the sample cohort the best mentor's cosine is 0.1 for the median
                   mentee), so the raw cosine would leave this component's points unused.
                   Set ``goal_text_full_at = 1.0`` for the raw cosine. 0 when a text is blank.
``role_fit``       share of the kinds of help the mentee wants (mentor / coach / advisor)
                   that the mentor offers; a blank "help wanted" counts as "mentor".
``stage_gap``      1 when the mentor is senior by a number of stages within
                   ``[scoring] preferred_stage_gap = [lo, hi]``; 0.5 less for each stage
                   outside that band (0 from two stages outside); 0.5 when a stage is unknown.
``communication``  mean of (a) the share of the mentee's modes the mentor also uses and
                   (b) frequency closeness, 1 − steps apart / (steps on the scale − 1);
                   each half is 0.5 when either side left it blank.
``time_zone``      1 at the same offset, falling linearly to 0 at
                   ``[scoring] time_zone_limit_hours`` apart (measured around the clock);
                   0.5 when either offset is unknown.
``preferences``    share of the mentee's explicit opt-in preferences the pair honours
                   (same_gender, shared_background, same_specialty, different_specialty,
                   same_institution, other_institution). A mentee who asked for none gets
                   1.0 — nothing asked, nothing unmet — so not asking is never a penalty.
                   An attribute blank on either side does not count as honoured.

A program adds its own components with ``[match_on.NAME] kind = "reward"`` (weight
``weight``): 1 for the same value on both sides, 0 for different values, 0.5 when either
side is blank. They follow the seven in config order (:func:`component_names`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from scoring.config import PREFERENCES, ProgramConfig
from scoring.features import CohortFeatures, build_features
from scoring.profiles import Cohort
from scoring.rule_inputs import RuleInputs
from scoring.rules import check_rules, clock_difference

COMPONENTS: tuple[str, ...] = (
    "need_coverage", "goal_text", "role_fit", "stage_gap", "communication", "time_zone",
    "preferences",
)
#: Value of a component that has nothing to compare (blank on either side).
NEUTRAL = 0.5
#: need_coverage for a mentee who listed no need areas.
NO_NEEDS_VALUE = NEUTRAL
#: preferences for a mentee who asked for none.
NO_PREFERENCES_VALUE = 1.0
#: stage_gap falls to 0 this many stages outside the preferred band.
STAGE_FALLOFF_STAGES = 2
DEFAULT_BLOCK_SIZE = 1000


@dataclass
class ScoreBlock:
    """Scores of a block of mentees (rows) against every mentor (columns).

    ``components``: name → float32 (block × mentors) in [0, 1]; ``violations``: rule name →
    bool (True where the pair breaks the rule); ``eligible``: no rule broken; ``total``:
    float64 score 0–100 (ineligible pairs keep their score; the solver skips them).
    """

    mentee_rows: np.ndarray
    components: dict[str, np.ndarray]
    eligible: np.ndarray
    violations: dict[str, np.ndarray]
    total: np.ndarray


def component_names(config: ProgramConfig) -> tuple[str, ...]:
    """:data:`COMPONENTS` followed by the program's ``[match_on]`` rewards, in config order."""
    return COMPONENTS + tuple(m.name for m in config.rewards)


def component_weights(config: ProgramConfig) -> np.ndarray:
    """The weights in :func:`component_names` order (a component missing weighs 0)."""
    weights = {**config.weights.as_dict(), **{m.name: m.weight for m in config.rewards}}
    return np.array([weights.get(name, 0.0) for name in component_names(config)],
                    dtype=np.float64)


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


#: What a score source reads from a block: its totals (:func:`block_total`), or e.g. the
#: placement scores of :mod:`matcher.placement` (a module-level function, so that it can be
#: sent to the scoring processes by name).
BlockValue = Callable[[ScoreBlock, ProgramConfig], np.ndarray]


def block_total(block: ScoreBlock, config: ProgramConfig) -> np.ndarray:  # noqa: ARG001
    """The block's float64 totals (the default :data:`BlockValue`)."""
    return block.total


@functools.cache
def _blas_controller() -> ThreadpoolController:
    """The process's thread pools, inspected once (inspecting costs ~20 ms a time)."""
    return ThreadpoolController()


def one_blas_thread() -> Any:
    """A context in which BLAS products run on one thread (see :func:`iter_score_blocks`)."""
    return _blas_controller().limit(limits=1, user_api="blas")


def iter_score_blocks(features: CohortFeatures, config: ProgramConfig,
                      block_size: int = DEFAULT_BLOCK_SIZE) -> Iterator[ScoreBlock]:
    """Score all mentees in consecutive blocks of ``block_size`` rows (bounded memory).

    Each block is scored with one BLAS thread: its products are small (block × areas ×
    mentors), and handing them to a second thread cost 2–4× the CPU time on the shared
    2-core machine (10,000 × 2,000 in 250-row blocks: 1.0 s CPU instead of 4.1 s).
    """
    for start in range(0, features.n_mentees, max(int(block_size), 1)):
        with one_blas_thread():
            block = score_block(features, config,
                                slice(start, min(start + block_size, features.n_mentees)))
        yield block


#: Pairs per scoring block: wide rows make 1,000-row blocks 2× slower than 250-row ones at
#: 20,000 mentors (large temporaries cost page faults), so blocks hold about this many pairs.
BLOCK_PAIRS = 5_000_000
#: Bytes a block of scores takes per pair while being computed (seven float32 components,
#: their float64 total and sum, rule masks): the memory budget bounds the block with it.
BLOCK_BYTES_PER_PAIR = 64
#: Scoring a group of pairs costs about this many pair-scores of overhead per group (numpy
#: and sparse calls), so the groups of :func:`score_pairs` balance it against wasted pairs.
GROUP_OVERHEAD_PAIRS = 50_000


def block_rows(n_mentors: int, memory_bytes: float = float("inf")) -> int:
    """Mentee rows per scoring block: about :data:`BLOCK_PAIRS` pairs, at most
    :data:`DEFAULT_BLOCK_SIZE` rows, and within ``memory_bytes`` of temporaries."""
    by_pairs = BLOCK_PAIRS // max(n_mentors, 1)
    by_memory = memory_bytes / (BLOCK_BYTES_PER_PAIR * max(n_mentors, 1))
    return int(max(1, min(DEFAULT_BLOCK_SIZE, by_pairs, by_memory)))


def score_pairs(features: CohortFeatures, config: ProgramConfig, mentee: np.ndarray,
                mentor: np.ndarray, value: BlockValue = block_total) -> np.ndarray:
    """The float64 totals of the pairs (mentee[k], mentor[k]), equal to :func:`score_block`'s
    (``value``: what to read from the block instead of its totals, e.g. placement scores).

    Mentees are scored in small groups, each against only the mentors its pairs name
    (:func:`mentor_columns`), so the cost follows the number of pairs, not the cohort: the
    group size balances per-call overhead against pairs computed and not asked for.
    """
    mentee, mentor = np.asarray(mentee, np.intp), np.asarray(mentor, np.intp)
    out = np.zeros(len(mentee))
    if not len(mentee):
        return out
    order = np.lexsort((mentor, mentee))
    rows, first = np.unique(mentee[order], return_index=True)
    per_row = len(mentee) / len(rows)
    group = int(np.clip(np.sqrt(GROUP_OVERHEAD_PAIRS / per_row), 1, 256))
    bounds = np.append(first, len(order))
    with one_blas_thread():  # small products (see iter_score_blocks)
        _score_groups(features, config, mentee, mentor, out, order, rows, bounds, group,
                      value)
    return out


def _score_groups(features: CohortFeatures, config: ProgramConfig, mentee: np.ndarray,
                  mentor: np.ndarray, out: np.ndarray, order: np.ndarray, rows: np.ndarray,
                  bounds: np.ndarray, group: int, value: BlockValue) -> None:
    """Fill ``out`` for the pairs of :func:`score_pairs`, ``group`` mentees at a time."""
    for lo in range(0, len(rows), group):
        hi = min(lo + group, len(rows))
        picked = order[bounds[lo]:bounds[hi]]
        columns = np.unique(mentor[picked])
        local = mentor_columns(features, columns)
        if local is None:  # features the narrowing does not know: score every mentor
            local, columns = features, np.arange(features.n_mentors)
        block = score_block(local, config, rows[lo:hi])
        at_row = np.searchsorted(rows[lo:hi], mentee[picked])
        out[picked] = value(block, config)[at_row, np.searchsorted(columns, mentor[picked])]


def score_cohort(cohort: Cohort, config: ProgramConfig) -> ScoreBlock:
    """Every mentee × every mentor in one block (for small cohorts, tests and explanations)."""
    return score_block(build_features(cohort, config), config, slice(None))


# CohortFeatures fields indexed by mentor (rows), and those that do not depend on mentors.
_MENTOR_ROWS = ("mentor_ids", "expertise", "expertise_vectors")
_NOT_MENTOR = ("mentee_ids", "areas", "needs", "terms", "goal_vectors", "stages", "roles",
               "help_wanted", "modes", "frequencies", "languages", "preferences")


def mentor_columns(features: CohortFeatures, columns: np.ndarray) -> CohortFeatures | None:
    """The features with only the mentors at ``columns`` (None when a field is unknown here).

    Every scorer component and rule compares one mentee with one mentor at a time, so scoring
    against this narrower set gives the same values for those mentors. A field this function
    does not know (added to the features later) makes it decline rather than guess.
    """
    changes: dict[str, Any] = {}
    for item in fields(features):
        value = getattr(features, item.name)
        if item.name == "mentor_match":  # a dict of per-mentor arrays
            changes[item.name] = {k: v[columns] for k, v in value.items()}
        elif item.name in _MENTOR_ROWS or item.name.startswith("mentor_"):
            changes[item.name] = (tuple(value[c] for c in columns) if isinstance(value, tuple)
                                  else value[columns])
        elif item.name == "rule_inputs":
            narrowed = _rule_columns(value, columns)
            if narrowed is None:
                return None
            changes[item.name] = narrowed
        elif not (item.name in _NOT_MENTOR or item.name.startswith("mentee_")):
            return None
    return replace(features, **changes)


def _rule_columns(inputs: RuleInputs, columns: np.ndarray) -> RuleInputs | None:
    known = {"mentee_identity", "mentor_identity_t", "mentee_excludes", "mentor_excludes_t",
             "custom", "mentee_ok", "mentor_ok", "pair_values"}
    if {item.name for item in fields(inputs)} - known:
        return None
    return replace(
        inputs,
        mentor_identity_t=inputs.mentor_identity_t[:, columns],
        mentor_excludes_t=inputs.mentor_excludes_t[:, columns],
        mentor_ok={name: ok[columns] for name, ok in inputs.mentor_ok.items()},
        pair_values={name: (left, right_t[:, columns])
                     for name, (left, right_t) in inputs.pair_values.items()})
