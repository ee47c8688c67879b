"""scoring.tfidf gives scikit-learn's TF-IDF bit for bit, without importing scikit-learn.

The model behind the goal_text score component and every explanation that quotes a shared
term used to be ``TfidfVectorizer(stop_words="english", ngram_range=(1, 2),
dtype=np.float32, norm="l2")``. The numpy version must give the same vocabulary and the
same CSR arrays byte for byte (values, column order within each row, row starts, dtypes),
so that scores, pairings and explanations do not move: on random corpora (Unicode, blank
documents, a single document, repeated terms, long rows), on the sample's texts and on
every program of tests/programs (each cohort's texts as the match reads them, and every
cell of its sheets as one more corpus).
"""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from scoring.config import load_config
from scoring.features import build_features, expertise_text, text_vectors
from scoring.intake.cohort import read_cohort
from scoring.tfidf import ENGLISH_STOP_WORDS as OWN_STOP_WORDS
from scoring.tfidf import analyse, tfidf_vectors
from tests.strategies.text import documents

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "tests" / "programs"
#: (name, folder, config) of every corpus: the sample and each program's hand-written config.
CORPORA = [("sample", ROOT / "sample_data", ROOT / "sample_data" / "program.toml")] + [
    (p.name, p, p / "expected.toml") for p in sorted(PROGRAMS.iterdir())
    if (p / "expected.toml").exists()]


def sklearn_tfidf(texts: list[str]) -> tuple[np.ndarray, sparse.csr_matrix]:
    """What the match computed before: scikit-learn's model (no columns when no term)."""
    vectorizer = TfidfVectorizer(stop_words="english", ngram_range=(1, 2), dtype=np.float32,
                                 norm="l2")
    try:
        matrix = vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # scikit-learn refuses a corpus without a term
        return (np.array([], dtype=object),
                sparse.csr_matrix((len(texts), 0), dtype=np.float32))
    return vectorizer.get_feature_names_out().astype(object), matrix


def assert_identical(own: sparse.csr_matrix, reference: sparse.csr_matrix) -> None:
    """Same shape, and the same bytes and dtypes in each of the three CSR arrays."""
    assert type(own) is type(reference)
    assert own.shape == reference.shape
    for name in ("data", "indices", "indptr"):
        mine, theirs = getattr(own, name), getattr(reference, name)
        assert mine.dtype == theirs.dtype, name
        assert mine.tobytes() == theirs.tobytes(), name


def assert_same_model(texts: list[str]) -> tuple[np.ndarray, sparse.csr_matrix]:
    terms, matrix = tfidf_vectors(texts)
    reference_terms, reference = sklearn_tfidf(texts)
    assert terms.dtype == object and terms.tolist() == reference_terms.tolist()
    assert_identical(matrix, reference)
    return terms, matrix


def test_the_stop_words_are_scikit_learns() -> None:
    assert OWN_STOP_WORDS == ENGLISH_STOP_WORDS


def test_terms_are_words_without_stop_words_then_their_neighbour_pairs() -> None:
    assert analyse("The Grant-writing of grant proposals, in 2024!") == [
        "grant", "writing", "grant", "proposals", "2024",
        "grant writing", "writing grant", "grant proposals", "proposals 2024"]
    assert analyse("") == analyse("a I of the") == []


def test_random_corpora_give_scikit_learns_arrays_byte_for_byte() -> None:
    reached: Counter[str] = Counter()

    @settings(max_examples=400, deadline=None)
    @given(documents())
    def check(texts: list[str]) -> None:
        terms, matrix = assert_same_model(texts)
        counts = [Counter(analyse(t)) for t in texts]
        reached.update({case: int(hit) for case, hit in {
            "corpus": 1,
            "no term at all": len(terms) == 0,
            "a single document": len(texts) == 1,
            "a blank document": any(not t.strip() for t in texts),
            "a non-ASCII term": any(not str(t).isascii() for t in terms),
            "a term repeated in a document": any(max(c.values(), default=0) > 1
                                                 for c in counts),
            "a row of 9+ terms (summed in order)": np.diff(matrix.indptr).max(initial=0) >= 9,
            "a row not in column order": not matrix.has_sorted_indices,
        }.items()})

    check()
    assert reached["corpus"] >= 100, reached
    for case, examples in reached.items():  # each case is drawn often enough to count
        assert examples >= 10, (case, reached)


def test_blank_and_stop_word_corpora_have_no_columns() -> None:
    terms, matrix = tfidf_vectors(["", "the of and", "  "])
    assert terms.tolist() == [] and matrix.shape == (3, 0) and matrix.dtype == np.float32


@pytest.mark.parametrize(("name", "folder", "config"), CORPORA, ids=[c[0] for c in CORPORA])
def test_every_corpus_gives_scikit_learns_model(name: str, folder: Path, config: Path) -> None:
    cohort = read_cohort(folder / "mentors.csv", folder / "mentees.csv", load_config(config))
    goals = [m.goals for m in cohort.mentees]
    expertise = [expertise_text(m) for m in cohort.mentors]
    assert any(expertise), name  # the corpus has texts to compare (some forms ask no goals)
    terms, own_goals, own_expertise = text_vectors(goals, expertise)
    reference_terms, reference = sklearn_tfidf([*goals, *expertise])
    assert terms.tolist() == reference_terms.tolist()
    assert_identical(own_goals, reference[:len(goals)])
    assert_identical(own_expertise, reference[len(goals):])
    features = build_features(cohort, load_config(config))
    assert_identical(features.goal_vectors, reference[:len(goals)])
    # Every cell of both sheets as one corpus: headers, names, ids, dates, answers.
    cells = [cell for sheet in ("mentors.csv", "mentees.csv")
             for row in csv.reader((folder / sheet).open(encoding="utf-8-sig")) for cell in row]
    assert_same_model(cells)


def test_a_match_no_longer_imports_scikit_learn() -> None:
    probe = ("import sys\nfrom scoring.features import build_features, text_vectors\n"
             "text_vectors(['grant writing'], ['writing grants'])\n"
             "print('sklearn' in sys.modules, 'scipy.stats' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
