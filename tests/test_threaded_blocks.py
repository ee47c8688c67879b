"""The match's diagnostics pass scores its blocks on two threads
(:func:`scoring.scorer.iter_score_blocks` with ``threads``): the blocks are the ones the
serial pass yields, bit for bit and in mentee order, whatever the block size; the
findings and the kept scores are those of the serial pass; a consumer that stops early
leaves no thread scoring."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Generator
from pathlib import Path
from typing import cast

import numpy as np
import pytest

from matcher.pipeline import score_keeper, score_source
from matcher.solver.problem import DenseScores
from sample_data.generate import write
from scoring.config import load_config
from scoring.diagnostics import diagnose
from scoring.features import build_features
from scoring.intake.cohort import read_cohort
from scoring.scorer import ScoreBlock, iter_score_blocks

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


@pytest.fixture(scope="module")
def cohort_and_config():
    config = load_config(SAMPLE / "program.toml")
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, 300, 60, seed=5)
        cohort = read_cohort(Path(tmp) / "mentors.csv", Path(tmp) / "mentees.csv", config)
    return cohort, config


def _same(a: ScoreBlock, b: ScoreBlock) -> None:
    assert np.array_equal(a.mentee_rows, b.mentee_rows)
    assert a.total.tobytes() == b.total.tobytes()
    assert np.array_equal(a.eligible, b.eligible)
    assert list(a.components) == list(b.components)
    for name, values in a.components.items():
        assert values.tobytes() == b.components[name].tobytes()
    assert list(a.violations) == list(b.violations)
    for rule, mask in a.violations.items():
        assert np.array_equal(mask, b.violations[rule])


@pytest.mark.parametrize("block_size,threads", [(7, 2), (64, 2), (50, 3), (1000, 2)])
def test_threaded_blocks_are_the_serial_blocks(cohort_and_config, block_size, threads):
    cohort, config = cohort_and_config
    features = build_features(cohort, config)
    serial = list(iter_score_blocks(features, config, block_size))
    threaded = list(iter_score_blocks(features, config, block_size, threads))
    assert len(threaded) == len(serial) == -(-features.n_mentees // block_size)
    for a, b in zip(serial, threaded, strict=True):
        _same(a, b)


def test_a_consumer_stopping_early_leaves_no_scoring_thread(cohort_and_config):
    cohort, config = cohort_and_config
    features = build_features(cohort, config)
    # iter_score_blocks is a generator function; the test closes it as a for loop would.
    blocks = cast(Generator[ScoreBlock, None, None], iter_score_blocks(features, config, 10, 2))
    first = [next(blocks) for _ in range(4)]
    assert [int(b.mentee_rows[0]) for b in first] == [0, 10, 20, 30]
    blocks.close()  # what a for loop left by an exception does
    assert not [t for t in threading.enumerate() if t.name.startswith("score-block")]


def test_diagnostics_and_kept_scores_of_the_threaded_pass_are_the_serial_ones(
        cohort_and_config):
    cohort, config = cohort_and_config
    features = build_features(cohort, config)
    keeper = score_keeper(features, config)
    assert keeper is not None
    threaded = diagnose(cohort, features, config, on_block=keeper, block_size=40)
    serial = diagnose(cohort, features, config, block_size=40)  # validate's: one thread
    assert threaded == serial and serial  # the generated cohort has findings
    kept, scored = keeper.scores(), score_source(features, config)
    assert kept is not None
    assert isinstance(scored, DenseScores)  # a cohort this small is scored in memory
    assert kept.total.tobytes() == scored.total.tobytes()
    assert np.array_equal(kept.eligible, scored.eligible)
