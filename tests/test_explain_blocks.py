"""Explanations worked out a block of pairs at once (issue 15) are the ones worked out pair
by pair: the same sentences, points, shared areas, terms and modes, bit for bit.

The previous explainer is kept verbatim in tests/explain_reference.py. Each test explains
many pairs with both, on the sample cohort (every mentee with every mentor), on each
program of tests/programs, on a generated cohort of 600 × 150 whose mentees opt in to
preferences, and with the TF-IDF rows in each layout the scipy product distinguishes:
the vectoriser's own (terms in first-use order), sorted, half sorted, and with a term
repeated in a row.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from sample_data import generate
from scoring.config import load_config
from scoring.explain import explain_pairs
from scoring.features import CohortFeatures, build_features
from scoring.intake.cohort import read_cohort
from tests import explain_reference as before

ROOT = Path(__file__).parent.parent
PROGRAMS = sorted(p for p in (Path(__file__).parent / "programs").iterdir()
                  if (p / "expected.toml").exists())


def _every_pair(cohort, limit: int | None = None) -> list[tuple[str, str]]:
    pairs = [(e.id, m.id) for e in cohort.mentees for m in cohort.mentors]
    return pairs[:limit] if limit else pairs


def _same(cohort, config, pairs, features: CohortFeatures | None = None) -> list:
    features = features if features is not None else build_features(cohort, config)
    new = explain_pairs(cohort, config, pairs, features)
    # The reference defines its own record classes: compare what they hold.
    assert [e.to_dict() for e in new] == [
        e.to_dict() for e in before.explain_pairs(cohort, config, pairs, features)]
    return new


def _sample():
    folder = ROOT / "sample_data"
    config = load_config(folder / "program.toml")
    return read_cohort(folder / "mentors.csv", folder / "mentees.csv", config), config


def test_every_pair_of_the_sample_is_explained_as_before() -> None:
    cohort, config = _sample()
    explained = _same(cohort, config, _every_pair(cohort))
    assert len(explained) == 150 * 60
    assert sum(bool(e.shared_terms) for e in explained) > 1000  # the term path is reached
    assert sum(e.component("preferences").evidence.startswith("Honours")
               for e in explained) > 50
    assert sum(not e.eligible for e in explained) > 100


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.name for p in PROGRAMS])
def test_program_pairs_are_explained_as_before(program: Path) -> None:
    config = load_config(program / "expected.toml")
    cohort = read_cohort(program / "mentors.csv", program / "mentees.csv", config)
    _same(cohort, config, _every_pair(cohort, 3000))


def test_generated_cohort_with_preferences_is_explained_as_before(tmp_path: Path) -> None:
    generate.write(tmp_path, 600, 150, seed=5, quirks=True)
    config = load_config(ROOT / "sample_data" / "program.toml")
    cohort = read_cohort(tmp_path / "mentors.csv", tmp_path / "mentees.csv", config)
    rng = np.random.default_rng(5)
    pairs = [(cohort.mentees[i].id, cohort.mentors[j].id)
             for i, j in zip(rng.integers(0, 600, 4000), rng.integers(0, 150, 4000),
                             strict=True)]
    explained = _same(cohort, config, pairs)
    asked = sum(e.component("preferences").evidence != "You asked for no preferences "
                "(no penalty)" for e in explained)
    assert asked > 100


def _sorted(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    out = matrix.copy()
    out.sort_indices()
    return out


def _repeated_term(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Each non-empty row with its first entry stored twice, at half the weight each."""
    rows = []
    for r in range(matrix.shape[0]):
        lo, hi = matrix.indptr[r], matrix.indptr[r + 1]
        columns, weights = matrix.indices[lo:hi].tolist(), matrix.data[lo:hi].tolist()
        if columns:
            columns, weights = [columns[0], *columns], [weights[0] / 2, *weights]
            weights[1] /= 2
        rows.append((columns, weights))
    indptr = np.cumsum([0, *(len(c) for c, _ in rows)])
    indices = np.array([c for cs, _ in rows for c in cs], dtype=matrix.indices.dtype)
    data = np.array([w for _, ws in rows for w in ws], dtype=matrix.dtype)
    return sparse.csr_matrix((data, indices, indptr), shape=matrix.shape)


@pytest.mark.parametrize("layout", ["sorted", "goals sorted", "expertise sorted",
                                    "repeated term"])
def test_every_tfidf_layout_is_explained_as_before(layout: str) -> None:
    cohort, config = _sample()
    features = build_features(cohort, config)
    goals, expertise = features.goal_vectors, features.expertise_vectors
    changed = {"sorted": (_sorted(goals), _sorted(expertise)),
               "goals sorted": (_sorted(goals), expertise),
               "expertise sorted": (goals, _sorted(expertise)),
               "repeated term": (_repeated_term(goals), _repeated_term(expertise))}[layout]
    features = dataclasses.replace(features, goal_vectors=changed[0],
                                   expertise_vectors=changed[1])
    # the first 50 mentees with every mentor, in one explainer block as the whole sample
    # is (every pair of the sample, in the vectoriser's own layout, is the first test's)
    explained = _same(cohort, config, _every_pair(cohort, 3000), features)
    assert sum(bool(e.shared_terms) for e in explained) > 1000


def test_a_cohort_without_texts_is_explained_as_before() -> None:
    cohort, config = _sample()
    _same(cohort, config, _every_pair(cohort, 2000),
          build_features(cohort, config, texts=False))
