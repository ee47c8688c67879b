"""Words two people share that say something about *them*: weighted against the whole cohort.

A plan's talking points quote words the mentee's goals and the mentor's expertise share.
Words that most participants wrote ("clinical", "work", "radiation oncology" in an oncology
program) say nothing about the pair, so a term is quoted only when few participants used it:
at most :data:`MOST_SHARE` of everyone's texts (goals and expertise alike), and never fewer
than the two people themselves. Of the terms left, the rarest across the cohort come first
(inverse document frequency), then phrases made of rare words only ("stereotactic
radiosurgery" before "career stereotactic"), then the longer, then the heavier in both
texts; a term sharing a word with one already quoted ("radiosurgery") is not quoted again,
and a phrase is quoted only as the mentee wrote it (TF-IDF joins "writing and publishing"
into "writing publishing").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from scoring.features import CohortFeatures, expertise_text, text_vectors
from scoring.profiles import Cohort

#: A term written by more than this share of all participants is not distinctive.
MOST_SHARE = 0.1
#: Terms a talking point quotes at most.
TERMS_SHOWN = 3
#: Words as scikit-learn's default token pattern reads them.
_WORD = re.compile(r"(?u)\b\w\w+\b")


@dataclass(frozen=True)
class DistinctiveTerms:
    """The cohort's TF-IDF rows and, per term, whether it is rare enough to quote."""

    terms: np.ndarray  # term text by column
    goals: sparse.csr_matrix  # mentees x terms
    expertise: sparse.csr_matrix  # mentors x terms
    people: np.ndarray  # per term: how many participants' texts hold it
    distinctive: np.ndarray  # per term: bool
    common_words: frozenset[str] = frozenset()  # single words that are not distinctive

    @classmethod
    def of(cls, cohort: Cohort, features: CohortFeatures | None = None) -> DistinctiveTerms:
        """From the match's features (the same TF-IDF model), or fitted on ``cohort``."""
        if features is not None:
            terms, goals, expertise = (features.terms, features.goal_vectors,
                                       features.expertise_vectors)
        else:
            terms, goals, expertise = text_vectors([m.goals for m in cohort.mentees],
                                                   [expertise_text(m) for m in cohort.mentors])
        # Copies: counting a term's people (``!= 0``) puts a CSR matrix's rows in column
        # order in place, and the explainer names tied terms in the order the match's
        # features hold them (whenever plans are built, before or after the explanations).
        goals, expertise = (sparse.csr_matrix(goals, copy=True),
                            sparse.csr_matrix(expertise, copy=True))
        people = (np.asarray((goals != 0).sum(axis=0)).ravel()
                  + np.asarray((expertise != 0).sum(axis=0)).ravel())
        total = goals.shape[0] + expertise.shape[0]
        limit = max(2.0, MOST_SHARE * total)
        terms = np.asarray(terms, dtype=object)
        distinctive = people <= limit
        common = frozenset(str(t) for t, rare in zip(terms, distinctive, strict=True)
                           if not rare and " " not in str(t))
        return cls(terms=terms, goals=goals, expertise=expertise, people=people,
                   distinctive=distinctive, common_words=common)

    def shared(self, mentee: int, mentor: int, goals: str,
               limit: int = TERMS_SHOWN) -> tuple[str, ...]:
        """Up to ``limit`` distinctive terms of mentee row ``mentee`` (whose goals text is
        ``goals``) and mentor row ``mentor``, rarest first."""
        written = " ".join(_WORD.findall(goals.lower()))
        goal_columns, goal_weights = _row(self.goals, mentee)
        weight = dict(zip(*_row(self.expertise, mentor), strict=True))
        candidates = []
        for column, goal_weight in zip(goal_columns, goal_weights, strict=True):
            term = str(self.terms[column])
            if column in weight and self.distinctive[column] and f" {term} " in f" {written} ":
                words = term.split()
                candidates.append((int(self.people[column]),
                                   any(w in self.common_words for w in words), -len(words),
                                   -goal_weight * weight[column], term))
        chosen: list[str] = []
        for *_, term in sorted(candidates):
            if any(set(term.split()) & set(kept.split()) for kept in chosen):
                continue
            chosen.append(term)
            if len(chosen) == limit:
                break
        return tuple(chosen)


def _row(matrix: sparse.csr_matrix, row: int) -> tuple[list[int], list[float]]:
    """Columns and values of one CSR row, read from its arrays (``getrow`` builds a matrix
    per call, which a run with thousands of pairs would pay for twice per pair)."""
    begin, end = matrix.indptr[row], matrix.indptr[row + 1]
    return matrix.indices[begin:end].tolist(), matrix.data[begin:end].tolist()
