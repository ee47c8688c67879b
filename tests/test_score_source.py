"""Scores computed once: exact pair lookups, the streamed source, block sizes, memory_gib."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import matcher.pipeline as pipeline
from matcher.pipeline import run_match
from scoring.config import ConfigError, config_from_dict, load_config
from scoring.errors import InputError
from scoring.features import build_features
from scoring.intake.cohort import read_cohort
from scoring.scorer import block_rows, score_block, score_pairs

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


@pytest.fixture(scope="module")
def sample():
    config = load_config(SAMPLE / "program.toml")
    return read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", config), config


def test_pair_scores_equal_the_block_scores_bit_for_bit(sample):
    cohort, config = sample
    features = build_features(cohort, config)
    full = score_block(features, config, slice(None)).total
    rng = np.random.default_rng(7)
    for count in (1, 7, 300, 5_000):  # from one pair to more pairs than the cohort has
        mentee = rng.integers(0, features.n_mentees, count)
        mentor = rng.integers(0, features.n_mentors, count)
        got = score_pairs(features, config, mentee, mentor)
        assert np.array_equal(got, full[mentee, mentor])
    assert score_pairs(features, config, np.zeros(0, int), np.zeros(0, int)).shape == (0,)


def _pairs(outcome) -> list[tuple[str, str, str, float]]:
    return [(p.mentee_id, p.mentor_id, p.role, p.score)
            for n in outcome.networks for p in n.pairings]


@pytest.mark.parametrize("network_size", [1, 2])
def test_streamed_scores_give_the_dense_run_and_are_scored_once(sample, monkeypatch,
                                                                network_size):
    cohort, config = sample
    dense = run_match(cohort, config, network_size=network_size, progress=False)
    passes = []
    real_blocks = pipeline.iter_score_blocks

    def counted(*args, **kwargs):
        passes.append(1)
        return real_blocks(*args, **kwargs)
    monkeypatch.setattr(pipeline, "SCORES_SHARE", 1e-9)  # nothing fits: stream the scores
    monkeypatch.setattr(pipeline, "STREAMED_BYTES_PER_PAIR", 1e-9)
    monkeypatch.setattr(pipeline, "iter_score_blocks", counted)
    streamed = run_match(cohort, config, network_size=network_size, progress=False)
    assert _pairs(streamed) == _pairs(dense)
    assert streamed.result.status == dense.result.status
    assert len(passes) == 1  # every later lookup scored only its pairs


def test_a_cohort_too_large_for_memory_gib_is_refused_naming_the_setting(sample, monkeypatch):
    cohort, config = sample
    monkeypatch.setattr(pipeline, "SCORES_SHARE", 1e-9)
    monkeypatch.setattr(pipeline, "STREAMED_BYTES_PER_PAIR", 2**30)
    with pytest.raises(InputError, match=r"\[solver\] memory_gib = 6"):
        run_match(cohort, config, network_size=1, progress=False)


def test_memory_gib_is_a_checked_config_key():
    assert config_from_dict({}).solver.memory_gib == 6.0
    assert config_from_dict({"solver": {"memory_gib": 2.5}}).solver.memory_gib == 2.5
    with pytest.raises(ConfigError, match="memory_gib"):
        config_from_dict({"solver": {"memory_gib": 0}})


def test_block_rows_follow_the_mentor_count_and_the_memory():
    assert block_rows(20_000) == 250
    assert block_rows(2_000) == 1_000
    assert block_rows(20_000, memory_bytes=64 * 20_000 * 100) == 100
    assert block_rows(10**9) == 1


def test_kept_scores_hold_every_mentees_and_mentors_best_pairs_exactly():
    from matcher.solver.kept_scores import KeptScoresBuilder

    rng = np.random.default_rng(3)
    n, m = 230, 70
    total = rng.random((n, m)) * 100
    eligible = rng.random((n, m)) < 0.8
    builder = KeptScoresBuilder(m, per_mentee=5, per_mentor=9)
    for start in range(0, n, 16):  # many blocks, so the per-mentor cut runs several times
        builder.add_block(start, total[start:start + 16], eligible[start:start + 16])
    kept = builder.build()
    usable = np.where(eligible, total, -np.inf)
    best_mentors = np.argsort(-usable, axis=1)[:, :5]
    best_mentees = np.argsort(-usable, axis=0)[:9, :]
    rows = np.repeat(np.arange(n), 5)
    found, scores = kept.lookup(rows, best_mentors.ravel())
    assert found.all() and np.array_equal(scores, total[rows, best_mentors.ravel()])
    cols = np.tile(np.arange(m), 9)
    found, scores = kept.lookup(best_mentees.ravel(), cols)
    assert found.all() and np.array_equal(scores, total[best_mentees.ravel(), cols])
    all_i, all_j = np.nonzero(np.ones((n, m), bool))
    found, scores = kept.lookup(all_i, all_j)
    assert eligible[all_i[found], all_j[found]].all()  # nothing ineligible is kept
    assert np.array_equal(scores[found], total[all_i[found], all_j[found]])
    assert found.sum() <= n * 5 + m * 9
