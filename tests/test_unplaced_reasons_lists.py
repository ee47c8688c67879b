"""The reasons of unplaced mentees whose eligible mentors are all full are built from
Python lists (:func:`matcher.solver.reasons.unplaced_reasons`), not by indexing numpy
arrays per name: the same words, compared with the previous loop on a tight cohort where
thousands of mentees wait (counts of 1, of a few and of many eligible mentors)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from matcher.pipeline import build_problem
from matcher.solver.candidates import row_floor
from matcher.solver.dispatch import SolveOptions, solve
from matcher.solver.pair_keys import mask_pairs
from matcher.solver.reasons import NAMED, _list, unplaced_reasons
from matcher.solver.score_cache import build_cache, chunks
from sample_data.generate import write
from scoring.config import load_config, with_count_overrides
from scoring.features import build_features
from scoring.intake.cohort import read_cohort

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def previous_full_reasons(problem, cache, unplaced, load):  # type: ignore[no-untyped-def]
    """The loop before (session 8), for the mentees with an eligible mentor."""
    reasons = {}
    full = unplaced[cache.eligible_count[unplaced] > 0]
    for rows in chunks(full):
        scores = cache.screen_rows(rows)
        row, col = mask_pairs(scores >= row_floor(scores, NAMED)[:, None])
        order = np.lexsort((col, -scores[row, col], row))
        row, col = row[order], col[order]
        first = np.searchsorted(row, np.arange(len(rows)))
        for k, i in enumerate(rows):
            count = int(cache.eligible_count[i])
            named = [f"{problem.mentor_ids[j]} ({load[j]}/{problem.capacity[j]})"
                     for j in col[first[k]:first[k] + min(NAMED, count)]]
            reasons[int(i)] = (f"all {count} eligible mentor{'s are' if count > 1 else ' is'} "
                               f"full: {_list(named, count)}")
    return reasons


def test_full_mentors_reasons_are_the_previous_words():
    config = with_count_overrides(load_config(SAMPLE / "program.toml"), capacity=1)
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, 1500, 100, seed=7)
        cohort = read_cohort(Path(tmp) / "mentors.csv", Path(tmp) / "mentees.csv", config)
    features = build_features(cohort, config)
    problem = build_problem(cohort, config, features)
    result = solve(problem, SolveOptions(objective="total"))
    cache = build_cache(problem)
    load = np.bincount([a.mentor for a in result.assignments], minlength=problem.n_mentors)
    placed = np.zeros(problem.n_mentees, bool)
    placed[[a.mentee for a in result.assignments]] = True
    unplaced = np.flatnonzero(~placed)
    new = unplaced_reasons(problem, cache, unplaced, load)
    old = previous_full_reasons(problem, cache, unplaced, load)
    waiting = {i: r for i, r in new.items() if not r.startswith("no eligible")}
    assert waiting == old
    counts = cache.eligible_count[list(old)]
    assert len(old) > 1000 and (counts == 1).any() and (counts > NAMED).any()
    assert all(type(i) is int for i in new)
