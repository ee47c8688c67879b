"""The whole-matrix scans (matcher/solver/scan.py) find exactly what the previous scans found.

The scans now read only the live rows (mentees with an eligible mentor), in chunks sized by
pairs, converted to float32 once per chunk, mapped over threads, and the column cut reads
its sample in blocks of mentors. The previous scans read every row, 1,024 at a time, on one
thread, computing on the float16 copy directly. That previous behaviour is what the scan
functions do with :func:`previous_scans` applied; the whole match (three placement stages,
reasons, certificates) must give the same result both ways, bit for bit, on tight cohorts
under ``total`` and ``fair``, with networks and locks, in float16 and float32.
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
from collections import Counter
from pathlib import Path
from typing import cast

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import matcher.pipeline as pipeline
import matcher.solver.cost_screen as cost_screen
import matcher.solver.scan as scan
from matcher.pipeline import run_match
from matcher.solver.context import SolveOptions
from matcher.solver.score_cache import ScoreCache
from sample_data.generate import write
from scoring.config import load_config, with_count_overrides
from scoring.intake.cohort import read_cohort

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
REACHED: Counter[str] = Counter()


def previous_scans(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scans as they were: every row, one chunk per 1,024 rows (here: one chunk), one
    thread, the screening copy's own dtype (float16 arithmetic)."""
    monkeypatch.setattr(ScoreCache, "screen_rows", lambda self, rows: self.approx[rows])
    monkeypatch.setattr(ScoreCache, "usable_rows",
                        lambda self, rows: self.approx[rows] > -np.inf)
    monkeypatch.setattr(ScoreCache, "live_rows",
                        lambda self: np.arange(self.problem.n_mentees))
    monkeypatch.setattr(scan, "SCAN_THREADS", 1)
    monkeypatch.setattr(scan, "CHUNK_CELLS", 1 << 40)
    monkeypatch.setattr(cost_screen, "PRESCREEN", False)


def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The new scans with many small chunks on two threads (the cohorts here are small)."""
    monkeypatch.setattr(scan, "SCAN_THREADS", 2)
    monkeypatch.setattr(scan, "CHUNK_CELLS", 97)


def cohorts():
    """(name, cohort, config): the sample with one place per mentor, and generated cohorts
    short of places (5 mentees a mentor) with their own preferences."""
    config = load_config(SAMPLE / "program.toml")
    tight = with_count_overrides(config, capacity=1)
    yield "sample tight", read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv",
                                      tight), tight
    for seed in (1, 2, 3):
        with tempfile.TemporaryDirectory() as tmp:
            write(tmp, 300, 60, seed=seed)
            yield f"generated {seed}", read_cohort(Path(tmp) / "mentors.csv",
                                                   Path(tmp) / "mentees.csv", config), config


COHORTS = list(cohorts())


def outcome(result):
    """Everything a result says, but its timings."""
    stats = {key: value for key, value in result.stats.items() if "seconds" not in key}
    return ([(a.mentee, a.mentor, a.role, a.covers, a.score) for a in result.assignments],
            result.unplaced, result.partial, result.shortfall, result.status,
            result.objective, result.bound, result.gap, stats, result.messages)


#: Every cohort, network size, objective and dtype. Each case reaches every path the last
#: test counts, so the default run compares "sample tight" and "generated 3" (12 comparisons
#: of each path per dtype, against thresholds of 3 and 5); the fair networks of 2 (a third
#: of the time) and the generated cohorts 1 and 2 (the costliest) run with the slow tests
#: (.ci/run).
SLOW_COHORTS = {"generated 1", "generated 2"}
CASES = [pytest.param(name, network_size, objective, dtype,
                      id=f"{name}-{network_size}-{objective}-{dtype}",
                      marks=[pytest.mark.slow] if (network_size, objective) == (2, "fair")
                      or name in SLOW_COHORTS else [])
         for name in [c[0] for c in COHORTS] for network_size in (1, 2)
         for objective in ("total", "fair") for dtype in ("float16", "float32")]


@pytest.mark.parametrize("name,network_size,objective,dtype", CASES)
def test_the_scans_give_the_previous_result(name, network_size, objective, dtype,
                                            monkeypatch):
    _, cohort, config = next(c for c in COHORTS if c[0] == name)
    monkeypatch.setattr(pipeline, "DENSE_SHARE", 1e-9)  # streamed: the reuse path
    monkeypatch.setattr(pipeline, "screen_dtype", lambda *_: dtype)
    # pruned from a small size on, so that candidates and certificates do the work
    monkeypatch.setattr(pipeline, "SolveOptions", functools.partial(
        SolveOptions, dense_pairs=100, mip_dense_pairs=100, k_mentee=2, k_mentor=4))
    loose = run_match(cohort, config, objective=objective, progress=False)
    taken = sorted({(n.mentee_id, n.pairings[0].mentor_id) for n in loose.networks
                    if n.pairings})
    for locks in ([], taken[-2:]):
        results = []
        for setup in (small_chunks, previous_scans):
            with monkeypatch.context() as patch:
                setup(patch)
                results.append(run_match(cohort, config, objective=objective,
                                         network_size=network_size, locks=locks,
                                         progress=False).result)
        new, old = results
        assert outcome(new) == outcome(old)
        REACHED[f"{dtype} {new.stats['placement']}"] += 1
        rounds = cast(int, new.stats.get("rounds") or 0)
        REACHED[f"{dtype} certificate rounds"] += rounds > 0
        REACHED[f"{dtype} unplaced"] += bool(new.unplaced)


def test_the_comparison_reached_each_path():
    """Runs after the comparison above (file order): in both dtypes, the three-stage
    placement (stage 3 on restricted rows), certificate rounds over pruned pairs and
    unplaced mentees' reasons were compared several times."""
    if sum(REACHED.values()) < len(COHORTS) * 8:
        pytest.skip("run with the comparison test (the whole file)")
    print("comparisons per path:", dict(REACHED))
    for dtype in ("float16", "float32"):
        assert REACHED[f"{dtype} preference-neutral (placed set chosen without "
                       f"preferences)"] >= 3, dict(REACHED)
        assert REACHED[f"{dtype} certificate rounds"] >= 5, dict(REACHED)
        assert REACHED[f"{dtype} unplaced"] >= 5, dict(REACHED)


def test_chunks_cover_the_rows_in_order():
    rows = np.array([0, 2, 3, 7, 8, 9, 30])
    for width in (1, 5, 40, 10**6):
        pieces = list(scan.row_chunks(rows, width))
        assert np.array_equal(np.concatenate(pieces), rows)
        assert all(len(p) <= max(1, scan.CHUNK_CELLS // width) for p in pieces)
    assert scan.map_chunks(lambda r: int(r.sum()), rows, scan.CHUNK_CELLS // 2) == [2, 10,
                                                                                   17, 30]
    assert scan.as_slice(np.array([4, 5, 6])) == slice(4, 7)
    assert isinstance(scan.as_slice(np.array([4, 6])), np.ndarray)


@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_screen_rows_are_the_copys_values_in_float32(dtype):
    """Every float16 bit pattern (and a float32 copy) reads back as the same values, and
    usable_rows is ``> -inf`` of each."""
    bits = np.arange(65536, dtype=np.uint32).astype(np.uint16).reshape(256, 256)
    approx = bits.view(np.float16).astype(dtype)
    fake = ScoreCache.__new__(ScoreCache)
    fake.approx = approx
    rows = np.array([0, 3, 255])
    for index in (rows, slice(10, 20)):
        got = fake.screen_rows(index)
        assert got.dtype == np.float32
        assert np.array_equal(got, approx[index].astype(np.float32), equal_nan=True)
        with np.errstate(invalid="ignore"):
            assert np.array_equal(fake.usable_rows(index), approx[index] > -np.inf)


SCREENED: Counter[str] = Counter()


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 9), st.integers(1, 150),
       st.sampled_from([None, 40.0, 75.5]), st.floats(0.0, 3.0))
def test_the_float16_prescreen_finds_what_the_plain_screen_finds(seed, rows, width, floor,
                                                                 spread):
    """The reduced-cost screen on a float16 chunk: integer pre-screen then float32, against
    the float32 expression over the whole chunk; scores with ties, -inf, ±0, subnormals, and
    potentials that put many pairs near the tolerance."""
    rng = np.random.default_rng(seed)
    special = np.array([-np.inf, 0.0, -0.0, 6e-8, 1e-5, 65504.0, np.inf], np.float16)
    scores = rng.uniform(0, 100, (rows, width)).astype(np.float16)
    odd = rng.random((rows, width)) < 0.1
    scores[odd] = rng.choice(special, odd.sum())
    row = rng.uniform(0, 130, rows).astype(np.float32)
    row[rng.random(rows) < 0.15] = np.inf
    column = (rng.uniform(-spread, spread, width) * 30).astype(np.float32)
    tolerance = np.float32(0.5 + rng.random())
    floored = rng.random(rows) < 0.7
    limit = None if floor is None else np.float32(floor)
    with np.errstate(invalid="ignore"):
        with monkeypatched_prescreen(False):
            plain = cost_screen.screen_pairs(scores, row, column, tolerance, limit, floored)
        fast = cost_screen.screen_pairs(scores, row, column, tolerance, limit, floored)
    for a, b in zip(fast, plain, strict=True):
        assert np.array_equal(a, b)
    SCREENED["examples with hits"] += len(plain[0]) > 0
    SCREENED["examples with a floor's pairs"] += bool(plain[2].any())


def test_the_prescreen_comparison_had_hits():
    if sum(SCREENED.values()) == 0:
        pytest.skip("run with the comparison test (the whole file)")
    print("prescreen comparisons:", dict(SCREENED))
    assert SCREENED["examples with hits"] >= 100, dict(SCREENED)
    assert SCREENED["examples with a floor's pairs"] >= 20, dict(SCREENED)


@contextlib.contextmanager
def monkeypatched_prescreen(on: bool):
    before = cost_screen.PRESCREEN
    cost_screen.PRESCREEN = on
    try:
        yield
    finally:
        cost_screen.PRESCREEN = before


def test_order_keys_order_every_float16_as_its_value():
    values = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16)
    values = values[~np.isnan(values)]
    keys = cost_screen.order_keys(values)
    order = np.argsort(values.astype(np.float64), kind="stable")
    assert (np.diff(keys[order].astype(np.int32)) >= 0).all()
    same = np.diff(values[order].astype(np.float64)) == 0
    assert np.array_equal(np.diff(keys[order].astype(np.int32)) == 0, same)
