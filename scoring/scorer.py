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
import itertools
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from scipy import sparse
from threadpoolctl import ThreadpoolController

from scoring.config import PREFERENCES, ProgramConfig
from scoring.features import UNKNOWN, CohortFeatures, build_features
from scoring.goal_cosines import goal_cosines
from scoring.huge_pages import small_pages
from scoring.pair_classes import (
    AREAS,
    COMMUNICATION,
    OFFSETS,
    ROLES,
    STAGES,
    Inputs,
    PairKernel,
    Side,
    evaluate,
    match_side,
)
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


def _ratio(numerator: np.ndarray, denominator: np.ndarray, fallback: float) -> np.ndarray:
    """numerator / denominator (per row), ``fallback`` where the denominator is 0."""
    safe = np.maximum(denominator, 1.0)[:, None]
    return np.where(denominator[:, None] > 0, numerator / safe, np.float32(fallback))


# Each component but goal_text compares a few small per-person values: a PairKernel computes
# it once per class of alike mentees × alike mentors on large blocks (scoring.pair_classes).

def _need_coverage(mentee: Inputs, mentor: Inputs) -> np.ndarray:
    (needs,), (expertise,) = mentee, mentor
    return _ratio(needs @ expertise.T, needs.sum(axis=1), NO_NEEDS_VALUE)


def need_coverage(features: CohortFeatures, rows: np.ndarray) -> np.ndarray:
    """Share of each mentee's need areas in each mentor's expertise (see module doc)."""
    return evaluate(PairKernel(AREAS, _need_coverage), features, rows)


def goal_text_full_at(config: ProgramConfig) -> float:
    """The cosine that earns goal_text full points (must be in (0, 1])."""
    full_at = float(config.scoring.goal_text_full_at)
    return min(max(full_at, 1e-6), 1.0)


def goal_text(features: CohortFeatures, config: ProgramConfig, rows: np.ndarray) -> np.ndarray:
    """Cosine of goal and expertise TF-IDF vectors (rows are L2-normalised), rescaled."""
    cosine = goal_cosines(features, rows)
    cosine /= np.float32(goal_text_full_at(config))
    return np.clip(cosine, 0.0, 1.0, out=cosine)


def _role_fit(mentee: Inputs, mentor: Inputs) -> np.ndarray:
    (wanted,), (offered,) = mentee, mentor
    return _ratio(wanted @ offered.T, wanted.sum(axis=1), NEUTRAL)


def role_fit(features: CohortFeatures, rows: np.ndarray) -> np.ndarray:
    """Share of the roles a mentee wants that each mentor offers."""
    return evaluate(PairKernel(ROLES, _role_fit), features, rows)


def _stage_gap(low: int, high: int, mentee_in: Inputs, mentor_in: Inputs) -> np.ndarray:
    mentee = mentee_in[0].astype(np.int32)[:, None]
    mentor = mentor_in[0].astype(np.int32)[None, :]
    gap = mentor - mentee
    outside = np.maximum(low - gap, 0) + np.maximum(gap - high, 0)
    value = np.clip(1.0 - outside / STAGE_FALLOFF_STAGES, 0.0, 1.0).astype(np.float32)
    value[(mentee < 0) | (mentor < 0)] = NEUTRAL
    return value


def stage_gap(features: CohortFeatures, config: ProgramConfig, rows: np.ndarray) -> np.ndarray:
    """1 inside the preferred seniority band, linear falloff outside, 0.5 when unknown."""
    low, high = (int(x) for x in config.scoring.preferred_stage_gap)
    return evaluate(PairKernel(STAGES, functools.partial(_stage_gap, low, high)), features, rows)


def _mode_overlap(modes: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    share = _ratio(modes @ theirs.T, modes.sum(axis=1), NEUTRAL)
    share[:, theirs.sum(axis=1) == 0] = NEUTRAL
    return share


def _frequency_closeness(span: int, mentee_rank: np.ndarray, mentor_rank: np.ndarray
                         ) -> np.ndarray:
    mentee = mentee_rank.astype(np.float32)[:, None]
    mentor = mentor_rank.astype(np.float32)[None, :]
    value = 1.0 - np.abs(mentee - mentor) / np.float32(span)
    value[(mentee < 0) | (mentor < 0)] = NEUTRAL
    return value


def _communication(span: int, mentee: Inputs, mentor: Inputs) -> np.ndarray:
    (modes, frequency), (theirs, their_frequency) = mentee, mentor
    return (_mode_overlap(modes, theirs) + _frequency_closeness(span, frequency, their_frequency)
            ) * np.float32(0.5)


def communication(features: CohortFeatures, rows: np.ndarray) -> np.ndarray:
    """Mean of mode overlap (the share of the mentee's modes the mentor also uses; 0.5 when
    either side is blank) and frequency closeness (1 for the same meeting frequency,
    falling with steps apart; 0.5 when unknown)."""
    span = max(len(features.frequencies) - 1, 1)
    return evaluate(PairKernel(COMMUNICATION, functools.partial(_communication, span)),
                    features, rows)


def _time_zone(limit: float, mentee: Inputs, mentor: Inputs) -> np.ndarray:
    gap = clock_difference(mentee[0][:, None], mentor[0][None, :])
    value = np.clip(1.0 - gap / np.float32(limit), 0.0, 1.0)
    return np.where(np.isnan(gap), np.float32(NEUTRAL), value)


def time_zone(features: CohortFeatures, config: ProgramConfig, rows: np.ndarray) -> np.ndarray:
    """1 at the same offset, linear to 0 at the config's limit; 0.5 when unknown."""
    limit = float(config.scoring.time_zone_limit_hours) or 1.0
    return evaluate(PairKernel(OFFSETS, functools.partial(_time_zone, limit)), features, rows)


def _same(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return (left[:, None] == right[None, :]) & (left >= 0)[:, None] & (right >= 0)[None, :]


def _different(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return (left[:, None] != right[None, :]) & (left >= 0)[:, None] & (right >= 0)[None, :]


#: What each opt-in preference compares: the index of the attribute in the inputs of
#: :data:`PREFERENCE_SIDE` (gender, specialty, institution, background).
_ATTRIBUTE = {"same_gender": 0, "same_specialty": 1, "different_specialty": 1,
              "same_institution": 2, "other_institution": 2, "shared_background": 3}


def _honoured(preference: str, mentee: Inputs, mentor: Inputs) -> np.ndarray:
    """Bool (mentees × mentors): whether each pair honours ``preference``, from the
    attributes (gender, specialty, institution, background) of both sides."""
    at = _ATTRIBUTE[preference]
    if preference == "shared_background":
        return (mentee[at] @ mentor[at].T).toarray() > 0
    compare = _different if preference in ("different_specialty", "other_institution") else _same
    return compare(mentee[at], mentor[at])


_ATTRIBUTES = ("gender", "specialty", "institution", "background")


def _mentee_attributes(features: CohortFeatures, rows: np.ndarray, background: bool = True
                       ) -> Inputs:
    """The mentees' attributes :func:`_honoured` compares (the background only when asked
    for: indexing a sparse matrix costs more than a small block's whole comparison)."""
    return (*(getattr(features, f"mentee_{name}")[rows] for name in _ATTRIBUTES[:-1]),
            features.mentee_background[rows] if background else None)


def _mentor_attributes(features: CohortFeatures) -> Inputs:
    return tuple(getattr(features, f"mentor_{name}") for name in _ATTRIBUTES)


def preference_honoured(features: CohortFeatures, rows: np.ndarray, preference: str
                        ) -> np.ndarray:
    """Bool (block × mentors): whether each pair honours ``preference`` (if the mentee asked)."""
    if preference not in _ATTRIBUTE:
        raise KeyError(preference)
    return _honoured(preference, _mentee_attributes(features, rows),
                     _mentor_attributes(features))


def _only_asked(attributes: Inputs, asked: np.ndarray) -> Inputs:
    """The attributes with those no preference in ``asked`` (people × PREFERENCES) compares
    blanked (-1, or an empty background): they cannot change the preferences component, so
    people alike but for them are one class."""
    compared = [np.zeros(len(asked), dtype=bool) for _ in range(len(attributes))]
    for column, name in enumerate(PREFERENCES):
        compared[_ATTRIBUTE[name]] |= asked[:, column]
    *codes, background = attributes
    kept = [np.where(keep, values, UNKNOWN)
            for keep, values in zip(compared[:len(codes)], codes, strict=True)]
    per_row = np.diff(background.indptr)
    entries = np.repeat(compared[-1], per_row)
    indptr = np.zeros(len(per_row) + 1, dtype=background.indptr.dtype)
    np.cumsum(per_row * compared[-1], out=indptr[1:])
    return (*kept, sparse.csr_matrix((background.data[entries], background.indices[entries],
                                      indptr), shape=background.shape))


def _preference_mentee(features: CohortFeatures, rows: np.ndarray) -> Inputs:
    asked = features.preferences[rows]
    background = bool(asked[:, PREFERENCES.index("shared_background")].any())
    return (asked, *_mentee_attributes(features, rows, background))


def _preference_mentee_classes(features: CohortFeatures, rows: np.ndarray) -> Inputs:
    asked = features.preferences[rows]
    return (asked, *_only_asked(_mentee_attributes(features, rows), asked))


def _preference_mentor_classes(features: CohortFeatures) -> Inputs:
    asked = np.broadcast_to(features.preferences.any(axis=0),
                            (features.n_mentors, len(PREFERENCES)))
    return _only_asked(_mentor_attributes(features), asked)


PREFERENCE_SIDE = Side("preferences", _preference_mentee, _mentor_attributes,
                       _preference_mentee_classes, _preference_mentor_classes)


def _preferences(mentee: Inputs, mentor: Inputs) -> np.ndarray:
    asked, *attributes = mentee
    honoured = np.zeros((len(asked), mentor[0].shape[0]), dtype=np.float32)
    for column, name in enumerate(PREFERENCES):
        if asked[:, column].any():  # most programs have few opt-ins: skip the rest
            honoured += asked[:, column][:, None] & _honoured(name, tuple(attributes), mentor)
    return _ratio(honoured, asked.sum(axis=1).astype(np.float32), NO_PREFERENCES_VALUE)


def preferences(features: CohortFeatures, rows: np.ndarray) -> np.ndarray:
    """Share of each mentee's opt-in preferences each pair honours; 1.0 when none asked."""
    return evaluate(PairKernel(PREFERENCE_SIDE, _preferences), features, rows)


def _reward(mentee_in: Inputs, mentor_in: Inputs) -> np.ndarray:
    mentee, mentor = mentee_in[0][:, None], mentor_in[0][None, :]
    value = (mentee == mentor).astype(np.float32)
    value[np.broadcast_to((mentee < 0) | (mentor < 0), value.shape)] = NEUTRAL
    return value


def reward(features: CohortFeatures, name: str, rows: np.ndarray) -> np.ndarray:
    """A ``[match_on]`` reward: 1 same value, 0 different, 0.5 when either is blank."""
    return evaluate(PairKernel(match_side(name), _reward), features, rows)


def _row_indices(features: CohortFeatures, mentee_rows: slice | np.ndarray) -> np.ndarray:
    if isinstance(mentee_rows, slice):
        return np.arange(features.n_mentees)[mentee_rows]
    return np.asarray(mentee_rows, dtype=np.intp).reshape(-1)


#: Pairs per tile of :func:`weighted_total`: its float64 scratch stays in the CPU's cache.
TOTAL_TILE_PAIRS = 262_144


def weighted_total(components: Mapping[str, np.ndarray | np.floating], weights: np.ndarray
                   ) -> np.ndarray:
    """100 × Σ wₖ·cₖ / Σ wₖ in float64: from 0, term by term in component order (so every
    way of scoring rounds alike), a tile of rows at a time in a scratch array that stays in
    the cache instead of a block-sized temporary per term.

    A component may be one float32 number for every pair (e.g. ``np.float32(1.0)``: a
    component counted as fully met, as placement scores count the preferences); at least
    one must be a (mentees × mentors) array."""
    values = [c for weight, c in zip(weights, components.values(), strict=True) if weight]
    used = weights[weights != 0]
    shape = next(np.shape(c) for c in components.values() if np.ndim(c) == 2)
    total = np.empty(shape, dtype=np.float64)
    step = max(1, TOTAL_TILE_PAIRS // max(shape[1], 1))
    term = np.empty((min(step, shape[0]), shape[1]), dtype=np.float64)
    scale = 100.0 / weights.sum()
    for start in range(0, shape[0], step):
        tile, scratch = total[start:start + step], term[:min(step, shape[0] - start)]
        tile.fill(0.0)
        for weight, component in zip(used, values, strict=True):
            np.copyto(scratch, component if isinstance(component, np.floating)
                      else component[start:start + step])
            scratch *= weight
            tile += scratch
        tile *= scale
    return total


def score_block(features: CohortFeatures, config: ProgramConfig,
                mentee_rows: slice | np.ndarray) -> ScoreBlock:
    """Components, rule violations, eligibility and total for mentee rows × all mentors
    (its temporaries in 4 KiB pages: :mod:`scoring.huge_pages`)."""
    with small_pages():
        return _score_block(features, config, mentee_rows)


def _score_block(features: CohortFeatures, config: ProgramConfig,
                 mentee_rows: slice | np.ndarray) -> ScoreBlock:
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
    total = weighted_total(components, component_weights(config))
    violations = check_rules(features, config, rows)
    broken = np.zeros(total.shape, dtype=bool)
    for mask in violations.values():
        broken |= mask
    return ScoreBlock(mentee_rows=rows, components=components, eligible=~broken,
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
                      block_size: int = DEFAULT_BLOCK_SIZE, threads: int = 1
                      ) -> Iterator[ScoreBlock]:
    """Score all mentees in consecutive blocks of ``block_size`` rows (bounded memory).

    Each block is scored with one BLAS thread: its products are small (block × areas ×
    mentors), and handing them to a second thread cost 2–4× the CPU time on the shared
    2-core machine (10,000 × 2,000 in 250-row blocks: 1.0 s CPU instead of 4.1 s).

    With ``threads`` > 1 the blocks after the first are scored on that many threads, at
    most ``threads`` blocks ahead of the one yielded, in order: numpy and scipy release the
    GIL in their array loops, which are most of a block's time, so two cores score two
    blocks at once (10,000 × 2,000 on the 2-core machine: about 0.6 of the wall time). The
    first block is scored here, so what the scorer computes once per cohort (mentor
    classes, term chunks: :func:`scoring.pair_classes.per_cohort`) is there before the
    threads read it. The blocks are the same, bit for bit: a pair's score depends on its
    mentee and mentor only, never on the block it is scored in.
    """
    size = max(int(block_size), 1)
    starts = range(0, features.n_mentees, size)

    def scored(start: int) -> ScoreBlock:
        return score_block(features, config,
                           slice(start, min(start + size, features.n_mentees)))
    if threads <= 1 or len(starts) <= 2:
        for start in starts:
            with one_blas_thread():
                block = scored(start)
            yield block
        return
    with one_blas_thread():  # process-wide: it holds for the threads too
        yield scored(starts[0])
        with ThreadPoolExecutor(threads, thread_name_prefix="score-block") as pool:
            pending: deque[Future[ScoreBlock]] = deque()
            todo = iter(starts[1:])
            try:
                for start in itertools.islice(todo, threads):
                    pending.append(pool.submit(scored, start))
                while pending:
                    block = pending.popleft().result()
                    for start in itertools.islice(todo, 1):
                        pending.append(pool.submit(scored, start))
                    yield block
            finally:  # left early (an error downstream): the queued blocks are dropped
                for future in pending:
                    future.cancel()


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
            changes[item.name] = (tuple(map(value.__getitem__, columns.tolist()))
                                  if isinstance(value, tuple) else value[columns])
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
