"""TF-IDF vectors of the cohort's texts, computed with numpy and scipy.sparse alone.

The same numbers as scikit-learn's ``TfidfVectorizer(stop_words="english",
ngram_range=(1, 2), dtype=np.float32, norm="l2")``, bit for bit, in the same sparse layout
(tests/test_tfidf.py proves it against scikit-learn, which stays a test dependency). Importing
scikit-learn costs a coordinator about a second on every ``match`` (it loads scipy.stats, and
that loads much of scipy), for a model that is a few vectorised array operations:

* a document is lower-cased and split into words of two or more word characters
  (:data:`WORD`); English stop words (:data:`ENGLISH_STOP_WORDS`) are dropped, and each
  pair of neighbouring remaining words is a bigram term as well;
* a term's count in a document is weighted by its smoothed inverse document frequency,
  ``ln((1 + documents) / (1 + documents holding it)) + 1``;
* each row is divided by its Euclidean length, so that a dot product of two rows is their
  cosine.

The vocabulary is sorted as Python sorts strings; within a row the entries follow the
order in which the corpus first used each term (scikit-learn's layout), and each row's
length sums the float32 squares in that order in float64, as scikit-learn's compiled loop
does: the floating-point result depends on it, and the explanations quote these numbers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count, pairwise

import numpy as np
from scipy import sparse

#: A word: two or more word characters (scikit-learn's default ``token_pattern``).
WORD = re.compile(r"(?u)\b\w\w+\b")

#: scikit-learn's English stop-word list (``sklearn.feature_extraction.text.
#: ENGLISH_STOP_WORDS``, BSD-3-Clause, from the Glasgow Information Retrieval Group); a test
#: keeps it equal to scikit-learn's.
ENGLISH_STOP_WORDS: frozenset[str] = frozenset((
    'a about above across after afterwards again against all almost alone along already also '
    'although always am among amongst amoungst amount an and another any anyhow anyone '
    'anything anyway anywhere are around as at back be became because become becomes becoming '
    'been before beforehand behind being below beside besides between beyond bill both bottom '
    'but by call can cannot cant co con could couldnt cry de describe detail do done down due '
    'during each eg eight either eleven else elsewhere empty enough etc even ever every '
    'everyone everything everywhere except few fifteen fifty fill find fire first five for '
    'former formerly forty found four from front full further get give go had has hasnt have '
    'he hence her here hereafter hereby herein hereupon hers herself him himself his how '
    'however hundred i ie if in inc indeed interest into is it its itself keep last latter '
    'latterly least less ltd made many may me meanwhile might mill mine more moreover most '
    'mostly move much must my myself name namely neither never nevertheless next nine no '
    'nobody none noone nor not nothing now nowhere of off often on once one only onto or '
    'other others otherwise our ours ourselves out over own part per perhaps please put '
    'rather re same see seem seemed seeming seems serious several she should show side since '
    'sincere six sixty so some somehow someone something sometime sometimes somewhere still '
    'such system take ten than that the their them themselves then thence there thereafter '
    'thereby therefore therein thereupon these they thick thin third this those though three '
    'through throughout thru thus to together too top toward towards twelve twenty two un '
    'under until up upon us very via was we well were what whatever when whence whenever '
    'where whereafter whereas whereby wherein whereupon wherever whether which while whither '
    'who whoever whole whom whose why will with within without would yet you your yours '
    'yourself yourselves'
).split())


@dataclass(frozen=True)
class TermCounts:
    """How often each document uses each term: CSR arrays in scikit-learn's layout."""

    terms: np.ndarray  # the vocabulary, sorted (str objects); column j is terms[j]
    counts: np.ndarray  # int64, one entry per (document, term used)
    indices: np.ndarray  # int32 columns; within a row, in the order the corpus first used them
    indptr: np.ndarray  # int32 row starts, documents + 1


def analyse(document: str) -> list[str]:
    """The terms of one document in reading order: its words without stop words, then each
    pair of neighbouring words left (``"grant writing"``)."""
    words = [word for word in WORD.findall(document.lower()) if word not in ENGLISH_STOP_WORDS]
    return words + list(map(" ".join, pairwise(words)))


def count_terms(documents: Sequence[str]) -> TermCounts:
    """Count every document's terms (see :class:`TermCounts`)."""
    # A term's column in first-use order: a new term gets the next number on first sight.
    first_used: defaultdict[str, int] = defaultdict(count().__next__)
    used: list[int] = []
    terms_per_document = np.zeros(len(documents), dtype=np.int64)
    for d, text in enumerate(documents):
        terms = analyse(text)
        used.extend(map(first_used.__getitem__, terms))
        terms_per_document[d] = len(terms)
    n_terms = len(first_used)
    # One key per (document, term) in document-then-first-use order, counted.
    document_of = np.repeat(np.arange(len(documents), dtype=np.int64), terms_per_document)
    keys, counts = np.unique(document_of * n_terms + np.asarray(used, dtype=np.int64),
                             return_counts=True)
    vocabulary = sorted(first_used)
    column = np.empty(n_terms, dtype=np.int32)
    column[[first_used[term] for term in vocabulary]] = np.arange(n_terms, dtype=np.int32)
    indptr = np.zeros(len(documents) + 1, dtype=np.int32)
    if n_terms:
        np.cumsum(np.bincount(keys // n_terms, minlength=len(documents)), out=indptr[1:])
    return TermCounts(terms=np.array(vocabulary, dtype=object),
                      counts=counts.astype(np.int64),
                      indices=column[keys % n_terms] if n_terms else column,
                      indptr=indptr)


def smoothed_idf(indices: np.ndarray, n_terms: int, n_documents: int) -> np.ndarray:
    """Each term's weight ``ln((1 + documents) / (1 + documents holding it)) + 1``, float32."""
    holding = np.bincount(indices, minlength=n_terms).astype(np.float32)
    holding += 1.0
    idf = np.full_like(holding, fill_value=n_documents + 1, dtype=np.float32)
    idf /= holding
    np.log(idf, out=idf)
    idf += 1.0
    return idf


def row_lengths(data: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Each CSR row's Euclidean length (float64): float32 squares summed in float64 from
    the row's first entry to its last, as scikit-learn's normaliser does (numpy's own sums
    add in another order, which changes the last bit)."""
    per_row = np.diff(indptr)
    row = np.repeat(np.arange(len(per_row)), per_row)
    position = np.arange(len(data)) - np.repeat(indptr[:-1].astype(np.int64), per_row)
    squares = (data * data).astype(np.float64)
    order = np.argsort(position, kind="stable")
    starts = np.searchsorted(position[order], np.arange(int(per_row.max(initial=0)) + 1))
    sums = np.zeros(len(per_row), dtype=np.float64)
    for begin, end in pairwise(starts):  # the k-th entry of every row at once
        chosen = order[begin:end]
        sums[row[chosen]] += squares[chosen]
    return np.sqrt(sums)


def tfidf_vectors(documents: Sequence[str]) -> tuple[np.ndarray, sparse.csr_matrix]:
    """Fit the model on ``documents``; return (the sorted vocabulary, documents × terms
    float32 CSR rows of unit length). A corpus without a single term gives no columns."""
    counted = count_terms(documents)
    n_terms = len(counted.terms)
    data = counted.counts.astype(np.float32)
    data *= smoothed_idf(counted.indices, n_terms, len(documents))[counted.indices]
    lengths = row_lengths(data, counted.indptr)
    lengths[lengths == 0] = 1.0  # an empty row stays empty (nothing to divide)
    per_row = np.diff(counted.indptr)
    data = (data.astype(np.float64) / np.repeat(lengths, per_row)).astype(np.float32)
    rows = sparse.csr_matrix((data, counted.indices, counted.indptr),
                             shape=(len(documents), n_terms))
    return counted.terms, rows
