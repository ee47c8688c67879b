"""Pairwise comparisons of small per-person values, computed once per class of alike people.

Most score components and eligibility rules compare a few small values of each side: a
career stage, a UTC offset, a set of modes and a meeting frequency, a ``[match_on]`` code.
Two mentors with the same values get the same result against any mentee, and 20,000
mentors hold only a few distinct career stages (or a few hundred distinct sets of expertise
areas). A :class:`PairKernel` names the per-person inputs of one comparison (its
:class:`Side`) and the function that compares them; :func:`evaluate` computes it for a block
of mentees against every mentor, either for every pair (small blocks) or once per distinct
mentee inputs × distinct mentor inputs, gathering that small table out to the pairs.

Both ways call the same comparison function on the same per-person values, elementwise, so
the result is the same bit for bit: the table is only a cache of the function's values. A
comparison must therefore depend on nothing but the mentee's and the mentor's own inputs
(each row and each column alone), which is what every kernel of :mod:`scoring.scorer` and
:mod:`scoring.rules` does. The mentors' classes are computed once per cohort (per
:class:`~scoring.features.CohortFeatures` object) and kept while that object lives.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from scoring.features import CohortFeatures

#: One side's inputs: arrays (or sparse CSR matrices) with one row per person, or None for
#: an input the comparison will not read in this block.
Inputs = tuple[Any, ...]

#: Blocks with fewer pairs are compared pair by pair: the classes would not pay for
#: themselves (explanations and exact look-ups of a few pairs score small blocks).
CLASS_MIN_PAIRS = 65_536
#: The table is used only while it has at most this share of the block's pairs.
CLASS_MAX_SHARE = 0.25


@dataclass(frozen=True)
class Side:
    """Which per-person values a comparison reads: ``mentee(features, rows)`` and
    ``mentor(features)``, each a tuple of row-aligned arrays. ``key`` names the mentor
    inputs (the cache of mentor classes is keyed by it: equal keys, equal inputs).

    People are grouped by equal inputs, or by ``mentee_classes`` / ``mentor_classes`` when
    given: coarser values that still decide the comparison (e.g. a preference's attribute
    only where someone asked for that preference), so that more people share a class."""

    key: str
    mentee: Callable[[CohortFeatures, np.ndarray], Inputs]
    mentor: Callable[[CohortFeatures], Inputs]
    mentee_classes: Callable[[CohortFeatures, np.ndarray], Inputs] | None = None
    mentor_classes: Callable[[CohortFeatures], Inputs] | None = None


@dataclass(frozen=True)
class PairKernel:
    """A comparison of :class:`Side` inputs: ``compare(mentee inputs, mentor inputs)`` gives
    one value per (mentee row, mentor row), from that mentee's and that mentor's rows only."""

    side: Side
    compare: Callable[[Inputs, Inputs], np.ndarray]


@dataclass(frozen=True)
class Classes:
    """People grouped by equal inputs: ``codes[p]`` is person p's class, ``first[c]`` one
    person of class c (its first)."""

    codes: np.ndarray
    first: np.ndarray


def _sorted_codes(keys: np.ndarray) -> np.ndarray:
    """Per row of the unsigned-integer matrix ``keys``, a code equal for equal rows."""
    n = keys.shape[0]
    if keys.shape[1] == 1:
        return np.unique(keys[:, 0], return_inverse=True)[1].reshape(-1)
    order = np.lexsort(keys.T[::-1])
    ordered = keys[order]
    starts = np.ones(n, dtype=np.intp)
    starts[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    codes = np.empty(n, dtype=np.intp)
    codes[order] = np.cumsum(starts) - 1
    return codes


def _row_codes(values: Any) -> np.ndarray:
    """Per row, a code equal for equal rows (bits compared: NaN payloads and -0.0 apart)."""
    n = values.shape[0]
    if sparse.issparse(values):
        matrix = sparse.csr_matrix(values, copy=True)
        matrix.sort_indices()
        seen: dict[bytes, int] = {}
        indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
        return np.array([seen.setdefault(indices[a:b].tobytes() + data[a:b].tobytes(), len(seen))
                         for a, b in zip(indptr[:-1], indptr[1:], strict=True)],
                        dtype=np.intp)
    rows = np.ascontiguousarray(values).reshape(n, -1)
    if rows.shape[1] == 0 or n == 0:
        return np.zeros(n, dtype=np.intp)
    return _sorted_codes(rows.view(f"u{rows.dtype.itemsize}"))


def classes_of(inputs: Inputs) -> Classes:
    """Group the rows of ``inputs`` (all of them row-aligned) by equal values."""
    codes = _sorted_codes(np.column_stack([_row_codes(values) for values in inputs]))
    first = np.full(int(codes.max(initial=-1)) + 1, len(codes), dtype=np.intp)
    np.minimum.at(first, codes, np.arange(len(codes), dtype=np.intp))
    return Classes(codes=codes, first=first)


def take(inputs: Inputs, index: np.ndarray) -> Inputs:
    """The rows ``index`` of every array of ``inputs`` (None, an input the comparison will
    not read, stays None)."""
    return tuple(None if values is None else values[index] for values in inputs)


# Values derived from one features object (mentor classes, transposed matrices), kept while
# that object lives: id(features) → name → value.
_PER_COHORT: dict[int, dict[str, Any]] = {}


def _forget(identity: int) -> None:
    _PER_COHORT.pop(identity, None)


def per_cohort(features: CohortFeatures, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, once per features object and ``name`` (the object is immutable, so
    what is derived from it stays true while it lives)."""
    identity = id(features)
    cached = _PER_COHORT.get(identity)
    if cached is None:
        cached = _PER_COHORT[identity] = {}
        weakref.finalize(features, _forget, identity)
    if name not in cached:
        cached[name] = compute()
    return cached[name]


def mentor_classes(features: CohortFeatures, side: Side) -> tuple[Classes, Inputs]:
    """The mentors grouped by ``side``'s inputs, and the inputs of one mentor per class
    (computed once per features object)."""
    def compute() -> tuple[Classes, Inputs]:
        inputs = side.mentor(features)
        classes = classes_of(side.mentor_classes(features) if side.mentor_classes else inputs)
        return classes, take(inputs, classes.first)
    return per_cohort(features, f"classes:{side.key}", compute)


def evaluate(kernel: PairKernel, features: CohortFeatures, rows: np.ndarray) -> np.ndarray:
    """``kernel`` for mentee ``rows`` × every mentor (see the module docstring)."""
    mentee = kernel.side.mentee(features, rows)
    pairs = len(rows) * features.n_mentors
    if pairs >= CLASS_MIN_PAIRS:
        mentors, mentor_inputs = mentor_classes(features, kernel.side)
        side = kernel.side
        mentees = classes_of(side.mentee_classes(features, rows) if side.mentee_classes
                             else mentee)
        if len(mentees.first) * len(mentors.first) <= CLASS_MAX_SHARE * pairs:
            return by_classes(kernel, take(mentee, mentees.first), mentees, mentor_inputs,
                              mentors)
    return kernel.compare(mentee, kernel.side.mentor(features))


def by_classes(kernel: PairKernel, mentee_inputs: Inputs, mentees: Classes,
               mentor_inputs: Inputs, mentors: Classes) -> np.ndarray:
    """``kernel`` once per mentee class × mentor class (the inputs of one person of each),
    gathered out to every mentee × mentor."""
    table = kernel.compare(mentee_inputs, mentor_inputs)
    return np.take(table[mentees.codes], mentors.codes, axis=1)


# The per-person values the scorer's and the rules' comparisons read.

def _rows(name: str) -> Callable[[CohortFeatures, np.ndarray], Inputs]:
    return lambda features, rows: (getattr(features, name)[rows],)


def _all(name: str) -> Callable[[CohortFeatures], Inputs]:
    return lambda features: (getattr(features, name),)


AREAS = Side("areas", _rows("needs"), _all("expertise"))
ROLES = Side("roles", _rows("help_wanted"), _all("mentor_roles"))
STAGES = Side("stages", _rows("mentee_stage"), _all("mentor_stage"))
OFFSETS = Side("offsets", _rows("mentee_offset"), _all("mentor_offset"))
LANGUAGES = Side("languages", _rows("mentee_languages"), _all("mentor_languages"))
INSTITUTIONS = Side("institutions", _rows("mentee_institution"), _all("mentor_institution"))
COMMUNICATION = Side(
    "communication",
    lambda f, rows: (f.mentee_modes[rows], f.mentee_frequency[rows]),
    lambda f: (f.mentor_modes, f.mentor_frequency))


def match_side(name: str) -> Side:
    """Each side's value of ``[match_on.NAME]`` (a code, or a number for ``require_gap``)."""
    return Side(f"match_on.{name}", lambda f, rows: (f.mentee_match[name][rows],),
                lambda f: (f.mentor_match[name],))
