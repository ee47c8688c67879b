"""Placement that does not punish asking: who is placed never depends on stated preferences.

When capacity cannot place every mentee, the ``total`` and ``fair`` objectives would pick,
among the matchings that place the most mentees, the one with the highest scores, and a
mentee who states an opt-in preference (same gender, other institution ...) scores lower
with every mentor who does not meet it. So asking would cost a place. The solve is
therefore lexicographic in three exact stages, each solved by the same engines:

1. the most mentees placed (as before);
2. *which* mentees are placed: the set with the highest total **placement score**, the pair
   score with the preferences component counted as fully met for everyone (the scorer's
   own sum, in its order, so a mentee's row does not change when they add a preference);
3. the highest real score (preferences included) placing exactly that set.

Stage 2 reads nothing a preference changes, so adding one never changes who is placed; the
preferences then decide who gets whom (stage 3). When every mentee who has an eligible
mentor is placed by the ordinary solve, the placed set is forced and that solve is the
answer (no extra stage runs). The stable objective is left as it is: there both sides rank
by score and stability, not placement, is the guarantee.

The stages score the cohort once. A mentee who opted into no preference has a placement
row equal to their pair-score row, bit for bit (the preferences component is 1.0 for them,
and the placement sum is the scorer's own); so the placement scores are the pair scores
with the rows of the mentees who asked for something scored again (:func:`differing_rows`),
and the third stage reads the pair scores of the chosen set. For kept (dense) scores those
rows are written into the matrix while stage 2 runs (:func:`placement_in_place`); for
streamed scores they are scored again. Either way the solver's screening copy of stage 1 is
changed in place (:meth:`~matcher.solver.score_cache.ScoreCache.swap_rows`,
:meth:`~matcher.solver.score_cache.ScoreCache.restrict`): stage 2 reads the askers' rows,
stage 3 the chosen askers' rows again, instead of two more passes over the cohort (for kept
scores, two more reductions of the whole matrix into a fresh screening copy).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass

import numpy as np

from matcher.compute import reduced_rows, score_rows, streamed_scores
from matcher.solver.dispatch import SolveOptions, solve
from matcher.solver.problem import BlockScores, DenseScores, MatchProblem, ScoreSource
from matcher.solver.reasons import NO_ELIGIBLE
from matcher.solver.result import SolverResult
from matcher.solver.score_cache import ReducedRows, build_cache, chunks
from scoring.config import ProgramConfig
from scoring.features import CohortFeatures
from scoring.huge_pages import small_page_matrix
from scoring.scorer import (
    BlockValue,
    ScoreBlock,
    block_total,
    component_weights,
    iter_score_blocks,
    weighted_total,
)

#: The component a mentee's own opt-in preferences feed (the one placement ignores).
PREFERENCE_COMPONENT = "preferences"
#: Objectives whose placement is made preference-neutral.
NEUTRAL_OBJECTIVES = ("total", "fair")
#: Mentee rows per scoring block while computing placement scores.
BLOCK_ROWS = 1000

Explainer = Callable[[np.ndarray], dict[int, str]] | None


def placement_total(block: ScoreBlock, config: ProgramConfig,
                    rows: np.ndarray | None = None) -> np.ndarray:
    """The block's scores with the preferences component counted as fully met: the
    scorer's own weighted sum (:func:`scoring.scorer.weighted_total`), term by term in its
    order, ``[match_on]`` rewards included, so nothing else differs (``rows``: only these
    rows of the block, by position; a pair's sum does not depend on the rows beside it)."""
    components = block.components if rows is None else {
        name: values[rows] for name, values in block.components.items()}
    return weighted_total({**components, PREFERENCE_COMPONENT: np.float32(1.0)},
                          component_weights(config))


@dataclass(frozen=True)
class KeptWithPlacement(DenseScores):
    """Kept pair scores with the placement rows of the :func:`differing_rows` kept beside
    them, from the same scoring pass (:class:`matcher.pipeline.ScoreKeeper`), so stage 2
    does not score those rows again (:func:`placement_in_place`)."""

    askers: np.ndarray | None = None  # differing_rows, sorted
    placement: np.ndarray | None = None  # (len(askers), M) float64 placement totals


def differing_rows(features: CohortFeatures) -> np.ndarray:
    """The mentees whose placement scores may differ from their pair scores: those who
    opted into a preference (for everyone else the preferences component is already 1.0,
    so :func:`placement_total` gives their block totals bit for bit)."""
    return np.flatnonzero(features.preferences.any(axis=1))


@dataclass(frozen=True)
class RowScorer:
    """Pair scores or placement scores of some mentees' rows, scored where
    ``[compute] scheduler`` says (:func:`matcher.compute.score_rows`)."""

    features: CohortFeatures
    config: ProgramConfig

    def rows(self, mentees: np.ndarray, value: BlockValue = block_total
             ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(mentees, values) blocks for these sorted mentee indices."""
        for rows, values, _ in score_rows(self.features, self.config, mentees, value):
            yield rows, values

    def reduced(self, mentees: np.ndarray, value: BlockValue = block_total) -> ReducedRows:
        """These rows reduced where they are scored (:func:`matcher.compute.reduced_rows`)."""
        return reduced_rows(self.features, self.config, mentees, value)


def placement_scores(features: CohortFeatures, config: ProgramConfig,
                     dense: bool, scores: DenseScores | None = None) -> DenseScores | BlockScores:
    """Placement scores for the whole cohort: a matrix, or blocks recomputed on demand by
    the same map as the pair scores (:func:`matcher.compute.streamed_scores`), with exact
    placement scores of given pairs computed for those pairs only. ``scores``: the kept
    pair scores, whose matrix is copied with only the :func:`differing_rows` scored again
    (:func:`placement_in_place` writes them into that matrix instead, for a while)."""
    if scores is not None:
        total = scores.total.copy()
        for rows, values in RowScorer(features, config).rows(differing_rows(features),
                                                             placement_total):
            total[rows] = values
        return DenseScores(total, scores.eligible)
    if dense:
        n, m = features.n_mentees, features.n_mentors
        total, eligible = np.empty((n, m)), np.empty((n, m), bool)
        for block in iter_score_blocks(features, config, BLOCK_ROWS):
            total[block.mentee_rows] = placement_total(block, config)
            eligible[block.mentee_rows] = block.eligible
        return DenseScores(total, eligible)
    return streamed_scores(features, config, placement_total)


@contextmanager
def placement_in_place(features: CohortFeatures, config: ProgramConfig,
                       scores: DenseScores) -> Iterator[DenseScores]:
    """:func:`placement_scores` of kept pair scores, written into their own matrix while the
    block runs and put back on leaving (whatever happens inside): only the
    :func:`differing_rows` change, so a copy of those rows is kept aside instead of a copy
    of the matrix (at 10,000 × 2,000 with 36 % askers: 57 MB instead of 160 MB, and as many
    fewer pages for the kernel to hand out). The same values as :func:`placement_scores`,
    bit for bit; a matrix that cannot be written is copied as there."""
    if not scores.total.flags.writeable:
        yield placement_scores(features, config, True, scores)  # type: ignore[misc]
        return
    differ = differing_rows(features)
    if isinstance(scores, KeptWithPlacement) and scores.placement is not None and \
            scores.askers is not None and \
            np.array_equal(scores.askers, differ):
        # kept from the scoring pass: swapped with the pair rows, and back on leaving (no
        # third copy of those rows)
        _swap_rows(scores.total, differ, scores.placement)
        try:
            yield DenseScores(scores.total, scores.eligible)
        finally:
            _swap_rows(scores.total, differ, scores.placement)
        return
    saved = scores.total[differ]  # the pair scores of those rows, to put back
    try:
        for rows, values in RowScorer(features, config).rows(differ, placement_total):
            scores.total[rows] = values
        yield DenseScores(scores.total, scores.eligible)
    finally:
        scores.total[differ] = saved


def _swap_rows(matrix: np.ndarray, rows: np.ndarray, other: np.ndarray) -> None:
    """Exchange ``matrix[rows]`` and ``other`` (one row each), a chunk at a time."""
    for lo in range(0, len(rows), BLOCK_ROWS):
        at = rows[lo:lo + BLOCK_ROWS]
        mine = matrix[at]
        matrix[at] = other[lo:lo + BLOCK_ROWS]
        other[lo:lo + BLOCK_ROWS] = mine


def both_scores(features: CohortFeatures, config: ProgramConfig
                ) -> tuple[DenseScores, DenseScores]:
    """The pair scores and the placement scores from one scoring pass (dense cohorts; an
    audit that solves the same cohort several times computes both once)."""
    n, m = features.n_mentees, features.n_mentors
    total, placement = np.empty((n, m)), np.empty((n, m))
    eligible = np.empty((n, m), bool)
    for block in iter_score_blocks(features, config, BLOCK_ROWS):
        total[block.mentee_rows] = block.total
        placement[block.mentee_rows] = placement_total(block, config)
        eligible[block.mentee_rows] = block.eligible
    return DenseScores(total, eligible), DenseScores(placement, eligible)


def matrix_rows(scores: ScoreSource, mentees: np.ndarray
                ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(mentees, values) blocks of these sorted mentee indices read from a kept matrix, as
    :meth:`~matcher.solver.score_cache.ScoreCache.swap_rows` takes them."""
    assert isinstance(scores, DenseScores)
    for rows in chunks(np.asarray(mentees, np.int64)):
        yield rows, scores.total[rows]


def only_rows(scores: ScoreSource, keep: np.ndarray) -> DenseScores | BlockScores:
    """``scores`` with every pair of a mentee outside ``keep`` (bool per mentee) ineligible."""
    if isinstance(scores, DenseScores):
        return DenseScores(scores.total, scores.eligible & keep[:, None])

    def blocks() -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        for start, total, eligible in scores.blocks():
            yield start, total, eligible & keep[start:start + len(total), None]
    return BlockScores(blocks, scores.pair_scores)  # exact lookups: those pairs only


def _placed(problem: MatchProblem, result: SolverResult) -> np.ndarray:
    placed = np.zeros(problem.n_mentees, bool)
    placed[[a.mentee for a in result.assignments]] = True
    return placed


def _someone_waits(result: SolverResult) -> bool:
    """True when a mentee who has an eligible mentor is left unplaced. Read from the
    solver's reasons (they tell "no eligible mentor" from "all eligible mentors full"), so
    streamed scores are not computed a second time to find out."""
    return any(not reason.startswith(NO_ELIGIBLE) for reason in result.unplaced.values())


def _remembered(explain: Explainer) -> Explainer:
    """``explain`` computing each mentee's reason once (the stages ask for the same
    mentees without an eligible mentor: eligibility is the same in every stage)."""
    if explain is None:
        return None
    known: dict[int, str] = {}
    inner = explain

    def remembered(mentees: np.ndarray) -> dict[int, str]:
        todo = np.array([i for i in np.asarray(mentees).tolist() if i not in known], np.int64)
        if len(todo):
            known.update(inner(todo))
        return {i: known[i] for i in np.asarray(mentees).tolist() if i in known}
    return remembered


def _only_for(explain: Explainer, keep: np.ndarray) -> Explainer:
    """``explain`` for the mentees in ``keep`` (bool per mentee) only."""
    if explain is None:
        return None
    inner = explain
    return lambda mentees: inner(np.asarray(mentees)[keep[np.asarray(mentees)]])


def solve_neutral(problem: MatchProblem, options: SolveOptions, explain: Explainer,
                  placement: Callable[[], DenseScores | BlockScores |
                                      AbstractContextManager[DenseScores | BlockScores]],
                  rows: RowScorer | None = None,
                  scores_read: Callable[[], None] | None = None) -> SolverResult:
    """Solve ``problem`` with preference-neutral placement (see the module docstring);
    ``placement()`` gives the placement scores when stage 2 is needed (or a context
    holding them for stage 2 only: :func:`placement_in_place`). ``rows``: with
    streamed scores, the scorer of single rows through which stages 2 and 3 reuse stage
    1's screening copy (the module docstring); without it each stage reads its scores.
    ``scores_read()`` is called before anything is solved, after that first read of the
    streamed scores when there is one (the diagnostics read the same pass; an error
    there stops the match before the solve)."""
    reuse = rows is not None and options.objective in NEUTRAL_OBJECTIVES
    kept = isinstance(problem.scores, DenseScores)
    explain = _remembered(explain)
    started = time.perf_counter()
    # a kept cohort's copy in 4 KiB pages (scoring.huge_pages); a streamed cohort's, of
    # gigabytes and scanned many times, as numpy allocates it
    cache = build_cache(problem, options.screen_dtype,
                        small_page_matrix if kept else np.empty) if reuse else None
    reading = time.perf_counter() - started
    if scores_read is not None:
        scores_read()
    result = solve(problem, options, explain, cache)
    result.wall_time += reading  # the solve's own read of its scores, as without ``rows``
    if options.objective not in NEUTRAL_OBJECTIVES:
        return result
    placed = _placed(problem, result)
    if not _someone_waits(result):
        result.stats["placement"] = "every placeable mentee placed"
        return result
    made = placement()  # the scores, or a context that holds them only while it runs
    with made if isinstance(made, AbstractContextManager) else nullcontext(made) as scores:
        by_problem = dataclasses.replace(problem, scores=scores)
        saved = None
        if cache is not None and rows is not None:
            differ = differing_rows(rows.features)
            if kept:  # the askers' placement rows are in the matrix now
                cache = cache.swap_rows(by_problem, matrix_rows(scores, differ))
            else:
                # stage 3 needs the chosen ones' rows back: as many kept aside as memory allows
                saved = cache.save_rows(differ[:int(options.spare_bytes //
                                                    max(cache.approx[:1].nbytes, 1))])
                cache = cache.swap_rows(by_problem, rows.reduced(differ, placement_total))
        by_placement = solve(by_problem, options, explain, cache)
    chosen = _placed(problem, by_placement)
    seconds = result.wall_time + by_placement.wall_time
    if np.array_equal(chosen, placed):
        result.stats["placement"] = "preference-neutral (same placed set)"
        result.stats["placement_stage_seconds"] = [round(result.wall_time, 3),
                                                   round(by_placement.wall_time, 3)]
        result.wall_time = seconds
        return result
    final_problem = dataclasses.replace(problem, scores=only_rows(problem.scores, chosen))
    if cache is not None and rows is not None:
        back = chosen[differ]  # the chosen askers' rows: pair scores again
        if kept:  # the matrix holds the pair scores again (placement_in_place put them back)
            cache = cache.swap_rows(final_problem, matrix_rows(final_problem.scores,
                                                               differ[back]))
        else:
            assert saved is not None
            cache = cache.restore_rows(final_problem, saved, chosen[saved.rows])
            at = np.flatnonzero(back)
            again = differ[at[at >= len(saved.rows)]]  # the chosen ones not kept aside
            if len(again):
                cache = cache.swap_rows(final_problem, rows.reduced(again))
        cache = cache.restrict(final_problem, chosen)
    # the mentees left out have no eligible mentor here; their reasons are stage 2's
    final = solve(final_problem, options, _only_for(explain, chosen), cache)
    reasons = {i: by_placement.unplaced.get(i, "capacity ran out") for i in
               np.flatnonzero(~chosen).tolist()}
    final.unplaced = {i: reasons.get(i, reason) for i, reason in final.unplaced.items()}
    final.stats["placement"] = "preference-neutral (placed set chosen without preferences)"
    final.stats["placement_stage_seconds"] = [round(result.wall_time, 3),
                                              round(by_placement.wall_time, 3),
                                              round(final.wall_time, 3)]
    final.wall_time += seconds
    return final
