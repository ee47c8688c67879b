"""Scores computed once: exact pair lookups, the streamed source, block sizes, memory_gib."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matcher.compute as compute
import matcher.pipeline as pipeline
import matcher.placement as placement
from matcher.pipeline import run_match
from matcher.solver.context import SolveOptions
from matcher.solver.dispatch import solve
from matcher.solver.pair_keys import split_keys
from matcher.solver.problem import problem_from_arrays
from scoring.config import ConfigError, config_from_dict, load_config, with_count_overrides
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


#: The dense runs the streamed ones are compared with, (pairs, status) by (network size,
#: places per mentor): the same for every dtype and memory, so each is solved once.
DENSE: dict[tuple[int, int | None], tuple[list, str]] = {}


def _dense(cohort, config, network_size: int, capacity: int | None) -> tuple[list, str]:
    if (network_size, capacity) not in DENSE:
        dense = run_match(cohort, config, network_size=network_size, progress=False)
        DENSE[network_size, capacity] = (_pairs(dense), dense.result.status)
    return DENSE[network_size, capacity]


@pytest.mark.parametrize("spare", [True, "half", False])
@pytest.mark.parametrize("capacity", [None, 1])
@pytest.mark.parametrize("network_size", [1, 2])
@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_streamed_scores_give_the_dense_run_and_are_scored_once(sample, monkeypatch,
                                                                network_size, dtype, capacity,
                                                                spare):
    cohort, config = sample
    if capacity is not None:  # 60 places for 150 mentees: the placement stages run
        config = with_count_overrides(config, capacity=capacity)
        cohort = read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", config)
    dense_pairs, dense_status = _dense(cohort, config, network_size, capacity)
    passes, solves, rows = [], [], []
    real_blocks, real_rows, real_solve = compute.score_blocks, placement.reduced_rows, \
        placement.solve

    def counted(*args, **kwargs):
        passes.append(1)
        return real_blocks(*args, **kwargs)

    def counted_rows(features, config, mentees, *args, **kwargs):
        rows.append(len(mentees))
        return real_rows(features, config, mentees, *args, **kwargs)

    def counted_solve(*args, **kwargs):
        solves.append(1)
        return real_solve(*args, **kwargs)
    monkeypatch.setattr(pipeline, "DENSE_SHARE", 1e-9)  # nothing fits: stream the scores
    monkeypatch.setattr(pipeline, "SCREEN_BYTES", {dtype: 2})
    if not spare:  # no memory to keep the askers' rows aside for stage 3
        monkeypatch.setattr(pipeline, "spare_bytes", lambda *_: 0.0)
    if spare == "half":  # memory for half of them
        half = len(placement.differing_rows(build_features(cohort, config))) // 2
        row_bytes = len(cohort.mentors) * np.dtype(dtype).itemsize
        monkeypatch.setattr(pipeline, "spare_bytes", lambda *_: half * row_bytes)
    monkeypatch.setattr(compute, "score_blocks", counted)
    monkeypatch.setattr(placement, "reduced_rows", counted_rows)
    monkeypatch.setattr(placement, "solve", counted_solve)
    streamed = run_match(cohort, config, network_size=network_size, progress=False)
    assert _pairs(streamed) == dense_pairs
    assert streamed.result.status == dense_status
    # one pass over the cohort for every stage (with one place per mentor the
    # preference-neutral placement solves three times): stage 2 scores again only the rows
    # of the mentees who asked for a preference, stage 3 only the chosen ones among them
    # (none when memory allowed keeping their rows aside); every later lookup scored its
    # pairs only
    assert len(solves) == (1 if capacity is None else 3)
    assert len(passes) == 1
    asked = len(placement.differing_rows(build_features(cohort, config)))
    assert 0 < asked < len(cohort.mentees)
    if capacity is None:
        assert rows == []
    elif spare is True:
        assert rows == [asked]
    elif spare == "half":  # only the chosen ones among the askers not kept aside
        assert rows[0] == asked and len(rows) <= 2
        assert all(0 < r <= asked - asked // 2 for r in rows[1:])
    else:
        assert len(rows) == 2 and rows[0] == asked and 0 < rows[1] < asked
    assert streamed.result.stats["certified"] is True


def test_the_screening_copy_narrows_to_float16_only_when_float32_does_not_fit():
    config = config_from_dict({"solver": {"memory_gib": 1.0}})
    assert pipeline.screen_dtype(10_000, 2_000, config) == "float32"  # every score kept
    assert pipeline.screen_dtype(10_000, 15_000, config) == "float32"  # 0.56 GiB
    assert pipeline.screen_dtype(20_000, 15_000, config) == "float16"  # 1.1 GiB in float32
    with pytest.raises(InputError, match="memory_gib"):
        pipeline.screen_dtype(100_000, 20_000, config)


def test_a_cohort_too_large_for_memory_gib_is_refused_naming_the_setting(sample, monkeypatch):
    cohort, config = sample
    monkeypatch.setattr(pipeline, "DENSE_SHARE", 1e-9)
    monkeypatch.setattr(pipeline, "SCREEN_SHARE", 1e-9)
    with pytest.raises(InputError, match=r"need \[solver\] memory_gib of at least .* gives 7"):
        run_match(cohort, config, network_size=1, progress=False)


def test_memory_gib_is_a_checked_config_key():
    assert config_from_dict({}).solver.memory_gib == 7.0
    assert config_from_dict({"solver": {"memory_gib": 2.5}}).solver.memory_gib == 2.5
    with pytest.raises(ConfigError, match="memory_gib"):
        config_from_dict({"solver": {"memory_gib": 0}})


def test_block_rows_follow_the_mentor_count_and_the_memory():
    assert block_rows(20_000) == 250
    assert block_rows(2_000) == 1_000
    assert block_rows(20_000, memory_bytes=64 * 20_000 * 100) == 100
    assert block_rows(10**9) == 1


@pytest.mark.parametrize("rows", [4, 16, 230])
def test_kept_scores_hold_every_mentees_and_mentors_best_pairs_exactly(rows):
    from matcher.solver.kept_scores import KeptScoresBuilder

    rng = np.random.default_rng(3)
    n, m = 230, 70
    total = rng.random((n, m)) * 100
    eligible = rng.random((n, m)) < 0.8
    builder = KeptScoresBuilder(m, per_mentee=5, per_mentor=9)
    for start in range(0, n, rows):  # blocks shorter and longer than a mentor's 9 best
        builder.add_block(start, total[start:start + rows], eligible[start:start + rows])
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


def _top(values: np.ndarray, k: int) -> np.ndarray:
    """The k largest finite values, largest first."""
    return np.sort(values[np.isfinite(values)])[::-1][:k]


def _reference_keys(usable: np.ndarray, per_mentee: int, per_mentor: int) -> np.ndarray:
    """The pairs the kept scores must hold, by brute force: each row's per_mentee and each
    column's per_mentor largest finite entries, ties to the lower index."""
    n, m = usable.shape
    keys = []
    for i in range(n):
        order = np.lexsort((np.arange(m), -usable[i]))[:per_mentee]
        keys += [i * m + j for j in order if np.isfinite(usable[i, j])]
    for j in range(m):
        order = np.lexsort((np.arange(n), -usable[:, j]))[:per_mentor]
        keys += [i * m + j for i in order if np.isfinite(usable[i, j])]
    return np.unique(np.array(keys, np.int64))


@pytest.mark.parametrize("rows", [3, 16, 230])
def test_deferred_merges_keep_the_same_best_scores_as_merging_every_block(rows, monkeypatch):
    """Ties everywhere and a mentor every mentee rates highest (every block's rows beat its
    worst, so its pending entries are many more than other mentors'): the kept pairs are
    each mentee's and mentor's best, ties to the lower index, exactly (a brute-force
    reference), whether merged a few blocks at a time or every block at once."""
    from matcher.solver import kept_scores
    from matcher.solver.kept_scores import KeptScoresBuilder

    rng = np.random.default_rng(5)
    n, m, per_mentee, per_mentor = 230, 60, 5, 9
    total = rng.integers(0, 6, (n, m)).astype(np.float64)  # many equal scores
    total[:, 7] += 10.0 + rng.random(n)
    eligible = rng.random((n, m)) < 0.85
    eligible[::7, 20:] = False  # rows with whole column groups ineligible: a -inf bar
    eligible[::11, :] = total[::11, :] >= 5  # rows with fewer eligible than per_mentee
    usable = np.where(eligible, total, -np.inf)
    deferred = KeptScoresBuilder(m, per_mentee=per_mentee, per_mentor=per_mentor)
    eager = KeptScoresBuilder(m, per_mentee=per_mentee, per_mentor=per_mentor)
    eager._merge_at = 1  # every block merged as it comes
    merges = {"deferred": 0}
    merge = deferred._merge_pending

    def counted() -> None:
        merges["deferred"] += bool(deferred._pending)
        merge()
    deferred._merge_pending = counted  # type: ignore[method-assign]
    blocks = range(0, n, rows)
    selected = {"fall back": 0}
    top_k_mask = kept_scores.top_k_mask

    def counted_select(values: np.ndarray, k: int) -> np.ndarray:
        if k == per_mentee:  # a mentee row ranked by selection, not from its bar
            selected["fall back"] += len(values)
        return top_k_mask(values, k)
    monkeypatch.setattr(kept_scores, "top_k_mask", counted_select)
    for start in blocks:
        for builder in (deferred, eager):
            builder.add_block(start, total[start:start + rows], eligible[start:start + rows])
    kept = deferred.build()
    eagerly = eager.build()
    if rows < per_mentor:  # small blocks: several blocks' entries are merged at once
        assert merges["deferred"] < len(blocks) / 2
    # (counted for both builders) most rows ranked from their bar on
    assert 0 < selected["fall back"] / 2 < n / 4
    assert np.array_equal(kept.keys, _reference_keys(usable, per_mentee, per_mentor))
    assert np.array_equal(kept.keys, eagerly.keys)
    mentee, mentor = split_keys(kept.keys, m)
    assert np.array_equal(kept.scores, total[mentee, mentor])
    assert eligible[mentee, mentor].all()
    for j in range(m):
        assert np.array_equal(_top(kept.scores[mentor == j], per_mentor),
                              _top(usable[:, j], per_mentor))
    for i in range(n):
        assert np.array_equal(_top(kept.scores[mentee == i], per_mentee),
                              _top(usable[i], per_mentee))


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.integers(0, 2**32 - 1), st.sampled_from(["total", "fair", "networks"]))
def test_a_float16_screening_copy_gives_the_same_certified_optimum(seed, kind):
    """The largest cohorts screen in float16: the screens' wider tolerance must keep every
    certificate exact (k = 1 keeps almost nothing, so the certificates do the work)."""
    rng = np.random.default_rng(seed)
    n, m = 40, 12
    labels = ("a", "b", "c")
    # near-ties that float16 cannot tell apart (it keeps about 3 digits)
    score = rng.choice(np.r_[rng.uniform(0, 100, 6), 50.0, 50.004, 99.99], size=(n, m))
    networks = kind == "networks"
    offers = np.zeros((m, 3), bool)
    offers[np.arange(m), rng.integers(0, 3, m)] = True
    problem = problem_from_arrays(score, rng.random((n, m)) < 0.85,
                                  capacity=rng.integers(1, 5, m),
                                  network_size=rng.integers(1, 4, n) if networks else 1,
                                  labels=labels, wants=rng.random((n, 3)) < 0.6,
                                  offers=offers)
    objective = "fair" if kind == "fair" else "total"
    pruned: dict[str, Any] = {"dense_pairs": 0, "k_mentee": 1, "k_mentor": 1,
                              "objective": objective}
    wide = solve(problem, SolveOptions(**pruned))
    half = solve(problem, SolveOptions(**pruned, screen_dtype="float16"))
    assert half.stats["certified"] is True and half.status == wide.status
    assert half.stats["placed"] == wide.stats["placed"]
    assert half.objective == pytest.approx(wide.objective, abs=1e-6)
    assert half.stats["lowest_primary_score"] == pytest.approx(
        wide.stats["lowest_primary_score"])
