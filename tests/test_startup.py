"""Small cohorts feel instant (issue 15, part 5): what ``match`` no longer does twice or loads
without need, checked so that the gain cannot silently go, and with the same results."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.sparse.csgraph import maximum_flow

from scoring.diagnostics import _placeable

PLACEABLE_EXAMPLES = 200


def reference_placeable(rows: np.ndarray, columns: np.ndarray, mentees: int,
                        capacity: np.ndarray) -> int:
    """The placeable count as the diagnostics computed it before (scipy's csgraph)."""
    mentors = len(capacity)
    source, sink = 0, mentees + mentors + 1
    tails = np.concatenate([np.zeros(mentees, np.int64), 1 + rows,
                            1 + mentees + np.arange(mentors)])
    heads = np.concatenate([1 + np.arange(mentees), 1 + mentees + columns,
                            np.full(mentors, sink)])
    capacities = np.concatenate([np.ones(mentees + len(rows), np.int32),
                                 np.minimum(capacity, mentees).astype(np.int32)])
    graph = sparse.csr_array((capacities, (tails, heads)), shape=(sink + 1, sink + 1))
    return int(maximum_flow(graph, source, sink).flow_value)


@st.composite
def eligible_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    mentees = draw(st.integers(1, 14))
    mentors = draw(st.integers(1, 8))
    density = draw(st.sampled_from([0.1, 0.3, 0.6]))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    rows, columns = np.nonzero(rng.random((mentees, mentors)) < density)
    capacity = rng.integers(0, 4, mentors)
    return rows.astype(np.int64), columns.astype(np.int64), mentees, capacity


def test_placeable_mentees_are_the_maximum_flow_scipy_computed() -> None:
    """OR-Tools' max flow (no scipy.sparse.linalg import) gives csgraph's count; the
    examples include cohorts where the flow is below both simple bounds (a real matching
    question, not a count of mentees with a mentor or of seats)."""
    reached: Counter[str] = Counter()

    @settings(max_examples=PLACEABLE_EXAMPLES, deadline=None)
    @given(eligible_pairs())
    def check(case: tuple[np.ndarray, np.ndarray, int, np.ndarray]) -> None:
        rows, columns, mentees, capacity = case
        reachable = np.zeros(mentees, bool)
        reachable[rows] = True
        expected = reference_placeable(rows, columns, mentees, capacity)
        assert _placeable([(rows, columns)], reachable, capacity) == expected
        simple = min(int(reachable.sum()), int(np.minimum(capacity, mentees).sum()))
        reached["below the simple bound" if expected < simple else "at the simple bound"] += 1

    check()
    assert reached["below the simple bound"] >= PLACEABLE_EXAMPLES // 10, reached
