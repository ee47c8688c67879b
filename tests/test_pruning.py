"""The pruning helpers keep what the certificates rely on: every row's top entries, and
every True entry of a sparse mask."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.solver.candidates import best_per_row, row_floor
from matcher.solver.pair_keys import mask_pairs, sorted_contains


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.integers(1, 400), st.integers(1, 9))
def test_row_floor_keeps_at_least_each_rows_top_k(seed, rows, width, k):
    rng = np.random.default_rng(seed)
    values = rng.choice(np.r_[rng.uniform(0, 100, 20), -np.inf], size=(rows, width))
    floor = row_floor(values.astype(np.float32), k)
    for row, cut in zip(values.astype(np.float32), floor, strict=True):
        top = np.sort(row)[::-1][:k]
        assert (top >= cut).all()  # the top k (ties included) are kept


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 30), st.integers(1, 70),
       st.floats(0.0, 1.0))
def test_mask_pairs_equals_numpy_nonzero(seed, rows, width, density):
    mask = np.random.default_rng(seed).random((rows, width)) < density
    got, expected = mask_pairs(mask), np.nonzero(mask)
    assert all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))


def test_best_per_row_returns_each_rows_best_positive_entries():
    amount = np.array([[5.0, 0.0, 3.0, 9.0, 1.0], [0.0, 0.0, 0.0, 0.0, 2.0]], np.float32)
    mentee, mentor = best_per_row(np.array([10, 11]), amount, 2)
    pairs = set(zip(mentee.tolist(), mentor.tolist(), strict=True))
    assert {(10, 3), (10, 0), (11, 4)} <= pairs
    assert all(amount[i - 10, j] > 0 for i, j in pairs)


def test_sorted_contains():
    assert sorted_contains(np.array([2, 5, 9]), np.array([1, 2, 9, 10])).tolist() == [
        False, True, True, False]
    assert not sorted_contains(np.zeros(0, np.int64), np.array([1])).any()
