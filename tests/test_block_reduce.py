"""The score pass's reduce done where the blocks are scored gives the solver the very cache
it builds from the raw blocks: screening copy, counts, specialties, locks, kept scores."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

import matcher.compute as compute
import matcher.pipeline as pipeline
from matcher.solver.block_reduce import (
    BlockReduce,
    ReducedBlock,
    ReducingScores,
    reduce_block,
)
from matcher.solver.problem import BlockScores, LockedPair, MatchProblem, problem_from_arrays
from matcher.solver.score_cache import ScoreCache, build_cache
from scoring.config import load_config
from scoring.features import build_features
from scoring.intake.cohort import read_cohort

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


@pytest.fixture(scope="module")
def sample():
    config = load_config(SAMPLE / "program.toml")
    cohort = read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", config)
    return cohort, config, build_features(cohort, config)


def _same_cache(reduced: ScoreCache, raw: ScoreCache) -> None:
    assert reduced.approx.dtype == raw.approx.dtype
    assert reduced.approx.tobytes() == raw.approx.tobytes()
    assert np.array_equal(reduced.eligible_count, raw.eligible_count)
    assert np.array_equal(reduced.eligible_labels, raw.eligible_labels)
    assert reduced.multi_label == raw.multi_label
    assert np.array_equal(reduced.lock_eligible, raw.lock_eligible)
    assert reduced.kept is not None and raw.kept is not None
    assert np.array_equal(reduced.kept.keys, raw.kept.keys)
    assert reduced.kept.scores.tobytes() == raw.kept.scores.tobytes()


def _raw(problem: MatchProblem) -> MatchProblem:
    """The problem with its scores as plain blocks: reduced in the solver's process."""
    scores = problem.scores
    assert isinstance(scores, ReducingScores)
    return dataclasses.replace(problem, scores=BlockScores(scores.make_blocks,
                                                           scores.score_pairs))



def _streamed_problem(cohort, config, features, scheduler, monkeypatch):
    """The sample's problem (networks of 2) with streamed scores in blocks of 7 rows,
    scored in this process or on a pool of two workers."""
    config = dataclasses.replace(config, compute=dataclasses.replace(config.compute,
                                                                     scheduler=scheduler))
    monkeypatch.setattr(pipeline, "DENSE_SHARE", 1e-9)
    monkeypatch.setattr(compute, "rows_per_block", lambda *_: 7)
    if scheduler == "local":
        monkeypatch.setattr(compute, "POOL_PAIRS", 0)
        monkeypatch.setattr(compute.os, "cpu_count", lambda: 2)
    return config, pipeline.build_problem(cohort, config, features, network_size=2)


#: Each dtype in this process, and on the pool of two workers: float32 by default, float16
#: (the same reduction as float16 here, on the same pool: a pool's start is most of its
#: time) with the slow tests in .ci/run.
@pytest.mark.parametrize("screen_dtype,scheduler", [
    ("float32", "serial"), ("float16", "serial"), ("float32", "local"),
    pytest.param("float16", "local", marks=pytest.mark.slow)])
def test_blocks_reduced_by_the_scorer_give_the_cache_of_the_raw_blocks(
        sample, monkeypatch, scheduler, screen_dtype):
    """The sample cohort (ties in its scores, specialties, networks), in blocks of 7 rows
    on a pool of two workers or in this process, with forbidden pairs and locks."""
    cohort, config, features = sample
    config, problem = _streamed_problem(cohort, config, features, scheduler, monkeypatch)
    assert isinstance(problem.scores, ReducingScores) and len(problem.labels)
    rng = np.random.default_rng(7)
    n, m = problem.n_mentees, problem.n_mentors
    forbids = np.c_[rng.integers(0, n, 60), rng.integers(0, m, 60)]
    locks = tuple(LockedPair(int(i), int(j)) for i, j in
                  zip(rng.choice(n, 12, replace=False), rng.integers(0, m, 12), strict=True))
    problem = dataclasses.replace(problem, forbids=forbids, locks=locks)
    reduced, raw = build_cache(problem, screen_dtype), build_cache(_raw(problem), screen_dtype)
    _same_cache(reduced, raw)
    assert (reduced.approx[forbids[:, 0], forbids[:, 1]] == -np.inf).all()
    assert reduced.eligible_count.sum() < features.n_mentees * features.n_mentors


def _lagging(total: np.ndarray, eligible: np.ndarray, rows: int, lag: int
             ) -> Callable[[BlockReduce, Callable[[], np.ndarray | None]],
                           Iterator[ReducedBlock]]:
    """Reduced blocks of a matrix, each reduced against the floor as it was ``lag`` blocks
    earlier (what a pool with that many blocks in flight sends)."""
    def reduced(plan: BlockReduce, floor: Callable[[], np.ndarray | None]
                ) -> Iterator[ReducedBlock]:
        floors: list[np.ndarray | None] = []
        for start in range(0, len(total), rows):
            floors.append(floor())
            mentees = np.arange(start, min(start + rows, len(total)))
            task = plan.for_rows(mentees, floors[max(len(floors) - 1 - lag, 0)])
            yield reduce_block(mentees, total[mentees], eligible[mentees], task)
    return reduced


@pytest.mark.parametrize("seed", range(8))
def test_a_stale_floor_keeps_the_same_scores(seed):
    """Random cohorts with many ties, blocks reduced against floors several blocks old
    (a pool's blocks in flight): the same kept pairs as reducing each block here."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(150, 700)), int(rng.integers(20, 300))
    total = rng.integers(0, 8, (n, m)) * 12.5 + rng.choice([0.0, 0.25], (n, m))
    eligible = rng.random((n, m)) < rng.uniform(0.3, 1.0)
    rows, lag = int(rng.integers(1, 300)), int(rng.integers(0, 6))
    forbids = np.c_[rng.integers(0, n, 40), rng.integers(0, m, 40)]
    base = problem_from_arrays(total, eligible, forbids=forbids, block_size=rows)
    streamed = dataclasses.replace(base, scores=BlockScores(base.scores.blocks,
                                                            base.scores.pair_scores))
    reducing = dataclasses.replace(base, scores=ReducingScores(
        base.scores.blocks, base.scores.pair_scores, _lagging(total, eligible, rows, lag)))
    _same_cache(build_cache(reducing), build_cache(streamed))


@pytest.mark.parametrize("scheduler", ["serial", "local"])
def test_rows_scored_again_and_reduced_by_the_scorer_swap_in_the_same_rows(
        sample, monkeypatch, scheduler):
    """Placement stage 2's swap of the askers' rows: reduced where they are scored (the
    problem's forbidden pairs applied there) or in this process from the cache's own
    eligibility, the same screening copy and kept scores."""
    import copy

    from matcher.placement import RowScorer, differing_rows, placement_total

    cohort, config, features = sample
    config, problem = _streamed_problem(cohort, config, features, scheduler, monkeypatch)
    rng = np.random.default_rng(11)
    askers = differing_rows(features)
    assert 10 < len(askers) < problem.n_mentees
    forbids = np.c_[rng.choice(askers, 40), rng.integers(0, problem.n_mentors, 40)]
    problem = dataclasses.replace(problem, forbids=forbids)
    placement = dataclasses.replace(problem, scores=compute.streamed_scores(
        features, config, placement_total))
    cache = build_cache(problem)
    before = cache.approx.copy()
    scorer = RowScorer(features, config)
    raw = copy.deepcopy(cache).swap_rows(placement, scorer.rows(askers, placement_total))
    reduced = cache.swap_rows(placement, scorer.reduced(askers, placement_total))
    _same_cache(reduced, raw)
    assert not np.array_equal(reduced.approx[askers], before[askers])  # rows did change
    assert (reduced.approx[forbids[:, 0], forbids[:, 1]] == -np.inf).all()
