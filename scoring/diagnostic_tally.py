"""One score block's share of the diagnostics' tally, computable wherever the block is.

:func:`scoring.diagnostics.diagnose` needs, of every pair, only a few numbers per score
component and rule, and a bool per mentee (has an eligible mentor; with each rule switched
off, has one then). :func:`block_tally` reduces a block to those, so a scoring pass made for
the solver can tally its blocks in the pool's workers, next to its own reduce, and the
diagnostics read the tallies instead of scoring the cohort again
(:func:`matcher.compute.streamed_scores`). This module imports only numpy and what the scorer
imports, so a worker loading it loads nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.config import ProgramConfig
from scoring.features import CohortFeatures
from scoring.profiles import Cohort
from scoring.scorer import ScoreBlock, component_names

#: Up to this many pairs, placeable counts are exact maximum flows (the eligible pairs are
#: kept, once per rule switched off); above, the cheaper upper bound.
EXACT_PAIRS = 2_000_000


@dataclass(frozen=True)
class TallyPlan:
    """What a block's tally needs besides the block (:func:`block_tally`): small enough to
    send with every scoring task, so a scoring pass made for the solver can tally its
    blocks where they are scored (:func:`matcher.compute.streamed_scores`)."""

    names: tuple[str, ...]  # the weighted components, :func:`~scoring.scorer.component_names`
    open_mentor: np.ndarray  # (M,) bool: capacity > 0
    with_edges: bool  # keep the eligible pairs (cohorts up to EXACT_PAIRS pairs)


def tally_plan(cohort: Cohort, features: CohortFeatures, config: ProgramConfig) -> TallyPlan:
    """The :class:`TallyPlan` of this cohort under this config."""
    capacity = np.array([m.capacity for m in cohort.mentors], dtype=np.int64)
    return plan_of(features, config, capacity > 0)


def plan_of(features: CohortFeatures, config: ProgramConfig,
            open_mentor: np.ndarray) -> TallyPlan:
    """The :class:`TallyPlan` of these features, with these mentors open (capacity > 0)."""
    return TallyPlan(tuple(component_names(config)), open_mentor,
                     features.n_mentees * features.n_mentors <= EXACT_PAIRS)


@dataclass(frozen=True)
class BlockTally:
    """What the diagnostics keep of one score block (:func:`block_tally`): a few numbers
    per component and rule, and a bool per mentee row (the eligible pairs too when the
    plan keeps them)."""

    pairs: int
    low: dict[str, float]  # component (and "total") → min over the block's pairs
    high: dict[str, float]
    broken: dict[str, int]  # rule → pairs it blocks, in the block's rule order
    reachable: np.ndarray  # (R,) has an eligible mentor
    without: dict[str, np.ndarray]  # rule off: has an eligible mentor
    edges: tuple[np.ndarray, np.ndarray] | None
    edges_without: dict[str, tuple[np.ndarray, np.ndarray]] | None


def block_tally(block: ScoreBlock, plan: TallyPlan) -> BlockTally:
    """One block's share of the diagnostics' tally (a pure function of the block)."""
    low: dict[str, float] = {}
    high: dict[str, float] = {}
    if block.total.size:
        low["total"], high["total"] = float(block.total.min()), float(block.total.max())
    for name in plan.names:
        values = block.components[name]
        if values.size:
            low[name], high[name] = float(values.min()), float(values.max())
    count = np.zeros(block.total.shape, dtype=np.int16)
    broken: dict[str, int] = {}
    for rule, mask in block.violations.items():
        broken[rule] = int(np.count_nonzero(mask))
        count += mask
    eligible = (count == 0) & plan.open_mentor
    reachable = eligible.any(axis=1)
    # With one rule off, a pair is eligible when it breaks no rule or that rule alone.
    # Without the eligible pairs, only the rows with no eligible mentor need looking at
    # (the others keep theirs with any rule off): most rows, most of the cost, skipped.
    rows = slice(None) if plan.with_edges else np.flatnonzero(~reachable)
    only_one = (count[rows] == 1) & plan.open_mentor
    without: dict[str, np.ndarray] = {}
    edges_without: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for rule, mask in block.violations.items():
        alone = only_one & mask[rows]
        reach = reachable.copy()
        reach[rows] |= alone.any(axis=1)
        without[rule] = reach
        if plan.with_edges:
            edges_without[rule] = _pairs(eligible | alone, block.mentee_rows)
    return BlockTally(block.total.size, low, high, broken, reachable, without,
                      _pairs(eligible, block.mentee_rows) if plan.with_edges else None,
                      edges_without if plan.with_edges else None)


def _pairs(eligible: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    local, columns = np.nonzero(eligible)
    return rows[local], columns
