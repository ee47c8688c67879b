"""The fair floor's screen never drops a pair whose exact value reaches the floor.

In fair mode the certificates screen pairs on the rounded screening copy (float32, or
float16 for the largest cohorts) and screen a pair out as "below the floor" before its exact
value is read. Session 7 found the bound rounded the wrong way (a pair just above the floor,
within the copy's rounding, was never checked exactly); these tests reach that window: pairs
whose exact value is the floor itself, or a few units above it, stored in each copy's dtype.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.solver.certificates import screen_floor
from matcher.solver.context import SolveOptions
from matcher.solver.score_cache import SCREEN_ROUNDING

SCALE = SolveOptions().scale


def test_a_pair_at_or_above_the_floor_passes_the_screen() -> None:
    reached: Counter[str] = Counter()

    @settings(max_examples=400, deadline=None)
    @given(st.floats(0.0, 100.0, allow_nan=False), st.sampled_from(["float32", "float16"]),
           st.sampled_from([0.0, 0.5, 2.0]), st.integers(0, 3))
    def check(score: float, dtype: str, bonus: float, below: int) -> None:
        # the copy holds the score in its dtype with a keep bonus added in that dtype (as
        # ScoreCache does); the exact value is the float64 score and bonus in integer units
        approx = np.float32(np.asarray(np.float32(score)).astype(dtype)
                            + np.asarray(bonus).astype(dtype))
        value = int(np.rint((score + bonus) * SCALE))
        threshold = value - below  # the floor at the pair's value, or a few units under it
        assert approx >= screen_floor(threshold, SCALE, SCREEN_ROUNDING[dtype])
        # the window: the copy reads below the floor though the exact value reaches it
        reached[dtype] += bool(approx < np.float32(threshold / SCALE))

    check()
    assert reached["float32"] >= 10 and reached["float16"] >= 10, reached


def test_the_bound_rounded_up_would_drop_a_pair_at_the_floor() -> None:
    # a float16 copy stores 37.355 as 37.34375 (steps of 1/32 between 32 and 64)
    score = 37.355
    approx = np.float32(np.float16(score))
    assert approx == np.float32(37.34375)
    value = int(np.rint(score * SCALE))
    eps = SCREEN_ROUNDING["float16"]
    rounded_up = np.float32(value / SCALE * (1 + eps) + 1e-4)  # session 7's bound
    assert approx < rounded_up
    assert approx >= screen_floor(value, SCALE, eps)
