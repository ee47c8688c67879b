"""The reduced-cost screen of the flow certificate on a chunk of rows of the screening copy.

:func:`~matcher.solver.certificates.reduced_cost_widen` looks for the pairs whose reduced
cost under the flow's potentials, ``(row[i] - score[i, j]) - column[j]`` in float32, is below
a tolerance (and, in ``fair`` mode, whose score reaches the floor). :func:`screen_pairs`
answers exactly that, in row-major order, two ways with the same answer:

- on a float32 copy, the expression over the whole chunk (a few float32 operations a pair);
- on a float16 copy, where each float32 operation on a float16 operand costs ~25× as much
  (numpy converts element by element), first a pre-screen in the copy's own bits: a pair
  can only pass when ``score >= row[i] - max(column over its group of mentors) - tolerance``
  less a margin for float32 rounding, a bound per (row, group of mentors with close
  ``column`` values, :data:`GROUPS` groups) compared as integers (the float16 bit
  patterns ordered as the values, :func:`order_keys`);
  then the very same float32 expression on the pairs that pass only.
"""

from __future__ import annotations

import numpy as np

from matcher.solver.pair_keys import mask_pairs

#: Groups of mentors (by their potential) of the float16 pre-screen's bound.
GROUPS = 64
#: Relative margin of the pre-screen's bound for float32 rounding: two roundings of at most
#: 2**-24 each, on at most the sum of the three magnitudes (eight times that, for safety).
MARGIN = 2.0**-21
#: Use the float16 pre-screen (tests compare it with the plain screen by turning it off).
PRESCREEN = True


def order_keys(half: np.ndarray) -> np.ndarray:
    """int16 keys of float16 values ordered as the values: ``a <= b`` exactly when
    ``key(a) <= key(b)`` for any two values that are not NaN (-0 and +0 share the key 0)."""
    bits = half.view(np.int16)
    sign = bits >> 15  # 0, or -1 for a negative value
    return ((bits & 0x7FFF) ^ sign) - sign


def _floor_half(bound: np.ndarray) -> np.ndarray:
    """The largest float16 at or below each float64 ``bound`` (-inf below the range)."""
    with np.errstate(over="ignore"):
        half = bound.astype(np.float16)
    above = half.astype(np.float64) > bound
    half[above] = np.nextafter(half[above], np.float16(-np.inf))
    return half


def column_groups(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each mentor's group (:data:`GROUPS` groups of mentors with close ``column`` values)
    and each group's largest value: the pre-screen's bound is per row and group."""
    count = min(GROUPS, len(column))
    group = np.empty(len(column), np.int64)
    group[np.argsort(column, kind="stable")] = np.arange(len(column)) * count // \
        max(len(column), 1)
    top = np.full(count, -np.inf)
    np.maximum.at(top, group, column.astype(np.float64))
    return group, top


def screen_pairs(scores: np.ndarray, row: np.ndarray, column: np.ndarray,
                 tolerance: np.float32, floor: np.float32 | None, floored: np.ndarray,
                 groups: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, below) of the pairs of ``scores`` (rows × mentors, float16 or float32) whose
    ``(row[i] - score) - column[j] < tolerance`` in float32, where ``below`` marks the pairs
    whose score is under ``floor`` (None: no floor); in the ``floored`` rows (bool per row)
    a pair below the floor has no arc and never passes. ``groups``: :func:`column_groups`
    of ``column``, when the caller screens several chunks with it."""
    if scores.dtype == np.float16 and PRESCREEN:
        return _prescreened(scores, row, column, tolerance, floor, floored,
                            groups or column_groups(column))
    reduced = np.subtract(row[:, None], scores)  # float32 (a float16 operand is widened)
    reduced -= column[None, :]
    below = None
    if floor is not None:
        below = scores < floor
        reduced[floored] = np.where(below[floored], np.float32(np.inf), reduced[floored])
    bi, bj = mask_pairs(reduced < tolerance)
    return bi, bj, below[bi, bj] if below is not None else np.zeros(len(bi), bool)


def _prescreened(scores: np.ndarray, row: np.ndarray, column: np.ndarray,
                 tolerance: np.float32, floor: np.float32 | None, floored: np.ndarray,
                 groups: tuple[np.ndarray, np.ndarray]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`screen_pairs` on a float16 chunk: integer pre-screen, then the float32 check."""
    live = np.isfinite(row)  # a row at +inf reduces every pair to +inf or NaN: no pair
    group, group_top = groups
    size = np.abs(row[live].astype(np.float64)).max(initial=0.0) + \
        np.abs(column.astype(np.float64)).max(initial=0.0) + 65504.0
    bound = row.astype(np.float64)[:, None] - group_top[None, :] - float(tolerance) - \
        MARGIN * size
    bound[~live] = np.inf
    keys = np.take(order_keys(_floor_half(bound)), group, axis=1)  # C order: fast compare
    bi, bj = mask_pairs(order_keys(scores) >= keys)
    score = scores[bi, bj].astype(np.float32)
    reduced = np.subtract(row[bi], score)
    reduced -= column[bj]
    below = np.zeros(len(bi), bool)
    if floor is not None:
        below = score < floor
        reduced = np.where(below & floored[bi], np.float32(np.inf), reduced)
    hit = reduced < tolerance
    return bi[hit], bj[hit], below[hit]
