"""One int64 key per (mentee, mentor) pair, and lookups in sorted keys.

``key = mentee * n_mentors + mentor`` orders pairs by mentee, then mentor, so sorted keys
are sorted pairs; :func:`pair_keys` and :func:`split_keys` are the only places that spell it.
"""

from __future__ import annotations

import numpy as np


def pair_keys(mentee: np.ndarray | int, mentor: np.ndarray | int, n_mentors: int
              ) -> np.ndarray:
    """The key of each (mentee, mentor) pair (int64; also for ranks instead of indices)."""
    return np.asarray(mentee, np.int64) * n_mentors + np.asarray(mentor, np.int64)


def split_keys(keys: np.ndarray, n_mentors: int) -> tuple[np.ndarray, np.ndarray]:
    """(mentee, mentor) of each key: the inverse of :func:`pair_keys`."""
    return keys // n_mentors, keys % n_mentors


def mask_pairs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of each true entry of a 2-d mask in row-major order, as ``np.nonzero``
    gives them, several times faster: the flat positions, split like keys (a mask's row
    width is its ``n_mentors``)."""
    return np.divmod(np.flatnonzero(mask), mask.shape[1])


def sorted_contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For each key, whether it is in the sorted array ``sorted_keys``."""
    if not len(sorted_keys):
        return np.zeros(len(keys), bool)
    where = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[where] == keys
