"""Cosines of a block of mentees' goal vectors against every mentor's expertise vector.

The TF-IDF rows are sparse, yet a block's goals share common words with most mentors' texts:
at 100,000 × 20,000 from ``sample_data/generate.py`` 81 % of the products are non-zero.
scipy's sparse × sparse product then spends its time building a sparse result entry by
entry (about 15 ns a pair for 2 multiply-adds a pair), where a sparse × dense product over
the block's own terms does every mentee term × every mentor at about 0.2 ns each (about 12
multiply-adds a pair: of a goal's 39 terms, two thirds are in no mentor's text at all and
add an exact 0 to every cosine, so they are left out). :func:`goal_cosines` estimates both
costs from the block's terms and takes the cheaper one.

Both are scipy's compiled loops that add, for each pair, the products of the mentee's terms
in the order of the goal row, in float32, starting from 0 (``csr_matmat`` for sparse ×
sparse, ``csr_matvecs`` for sparse × dense; a term the mentor lacks adds an exact 0): the
same additions in the same order, so the same float32 cosine bit for bit.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from scoring.features import CohortFeatures
from scoring.pair_classes import per_cohort

#: Measured on the 2-core development machine (ns; generated cohorts and random Zipf-worded
#: texts): sparse × sparse per multiply-add and per non-zero cosine it stores (pairs that
#: share a term: estimated as if the products fell on pairs at random), sparse × dense per
#: multiply-add and per cell of the dense expertise rows it builds. Near the crossing the
#: estimate leans to the dense product, which costs the same whatever the words.
SPARSE_NS_PER_PRODUCT = 2.0
SPARSE_NS_PER_ENTRY = 12.0
DENSE_NS_PER_PRODUCT = 0.2
DENSE_NS_PER_CELL = 0.4
#: Blocks with fewer pairs take the sparse product without weighing the two (the dense one
#: pays only on large blocks; explanations and exact look-ups score small ones).
DENSE_MIN_PAIRS = 65_536
#: Bytes of dense expertise rows (block terms × mentors) built at a time.
DENSE_CHUNK_BYTES = 16 * 2**20


def _by_term(features: CohortFeatures) -> tuple[np.ndarray, list[sparse.csr_matrix], int]:
    """The expertise vectors transposed (terms × mentors): mentors per term, and CSR
    column chunks of the transpose whose dense form for every term fits the chunk budget."""
    transposed = features.expertise_vectors.T.tocsr()
    n_terms, n_mentors = transposed.shape
    width = int(np.clip(DENSE_CHUNK_BYTES // (4 * max(n_terms, 1)), 256, 4096))
    chunks = [transposed[:, start:start + width] for start in range(0, n_mentors, width)]
    return np.diff(transposed.indptr), chunks, width


def goal_cosines(features: CohortFeatures, rows: np.ndarray) -> np.ndarray:
    """float32 (rows × mentors): the cosine of each mentee's goals and each mentor's
    expertise text (both L2-normalised), by the cheaper product (see the module docstring)."""
    goals = features.goal_vectors[rows]
    n_mentors = features.n_mentors
    if goals.nnz and goals.shape[0] * n_mentors >= DENSE_MIN_PAIRS:
        mentors_per_term, chunks, width = per_cohort(features, "goal_cosines",
                                                     lambda: _by_term(features))
        per_entry = mentors_per_term[goals.indices]
        products = float(per_entry.sum())
        pairs = goals.shape[0] * n_mentors
        sparse_ns = (SPARSE_NS_PER_PRODUCT * products
                     + SPARSE_NS_PER_ENTRY * pairs * -np.expm1(-products / pairs))
        # A goal term no mentor's text holds adds an exact 0 to every cosine: left out.
        shared = per_entry > 0
        used, local = np.unique(goals.indices[shared], return_inverse=True)
        dense_ns = (DENSE_NS_PER_PRODUCT * shared.sum() + DENSE_NS_PER_CELL * len(used)
                    ) * n_mentors
        if dense_ns < sparse_ns:
            row = np.repeat(np.arange(goals.shape[0]), np.diff(goals.indptr))
            indptr = np.zeros_like(goals.indptr)
            np.cumsum(np.bincount(row[shared], minlength=goals.shape[0]), out=indptr[1:])
            compact = sparse.csr_matrix(  # the same rows in the same order, over used terms
                (goals.data[shared], local.reshape(-1).astype(goals.indices.dtype), indptr),
                shape=(goals.shape[0], len(used)))
            return dense_product(compact, used, chunks, width, n_mentors)
    return (goals @ features.expertise_vectors.T).toarray()


def dense_product(goals: sparse.csr_matrix, used: np.ndarray, chunks: list[sparse.csr_matrix],
                  width: int, n_mentors: int) -> np.ndarray:
    """``goals`` (over the terms ``used``) × the expertise rows of those terms made dense,
    ``width`` mentors at a time (the column ``chunks`` of :func:`_by_term`)."""
    out = np.empty((goals.shape[0], n_mentors), dtype=np.float32)
    for start, chunk in zip(range(0, n_mentors, width), chunks, strict=True):
        out[:, start:start + width] = goals @ chunk[used].toarray()
    return out
