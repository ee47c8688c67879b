"""Whole-matrix scans of the score cache: which rows, in what chunks, on how many threads.

A national cohort's screening copy holds 2 × 10⁹ pairs, so every scan over it (candidates,
reduced costs, reasons) is planned the same way:

- only the *live* rows are read: a mentee without any eligible mentor has a row of
  ``-inf`` that no scan can pick a pair from (stage 3 of the preference-neutral placement
  makes every mentee outside the chosen set such a row: about half the cohort);
- rows go in chunks of about :data:`CHUNK_CELLS` pairs, read as float32
  (:meth:`~matcher.solver.score_cache.ScoreCache.screen_rows`: numpy computes every
  operation with a float16 operand in float32, one element at a time, ~25× the cost of a
  float32 operation; converting a chunk once makes the operations after it fast) and
  small enough that their temporaries are reused rather than paged in;
- chunks are mapped over :data:`SCAN_THREADS` threads (numpy releases the GIL in the
  element-wise work and reductions), results kept in row order, so a scan's answer does not
  depend on the number of threads.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np

from matcher.solver.malloc import one_malloc_arena

#: Pairs per chunk of a scan (8 MB of float32 temporaries).
CHUNK_CELLS = 1 << 21
#: Threads a scan's chunks are mapped over (the machine's cores, at most 4).
SCAN_THREADS = max(1, min(4, os.cpu_count() or 1))

T = TypeVar("T")


def row_chunks(rows: np.ndarray, width: int) -> Iterator[np.ndarray]:
    """``rows`` (sorted mentee indices) in consecutive pieces of about CHUNK_CELLS pairs."""
    step = max(1, CHUNK_CELLS // max(width, 1))
    for lo in range(0, len(rows), step):
        yield rows[lo:lo + step]


def map_chunks(work: Callable[[np.ndarray], T], rows: np.ndarray, width: int) -> list[T]:
    """``work(chunk)`` for each chunk of ``rows`` (see :func:`row_chunks`), on up to
    SCAN_THREADS threads, results in row order. ``work`` must only read shared state."""
    pieces = list(row_chunks(rows, width))
    if SCAN_THREADS == 1 or len(pieces) < 2:
        return [work(piece) for piece in pieces]
    one_malloc_arena()  # the threads' freed chunks are reused, not kept per thread
    with ThreadPoolExecutor(max_workers=min(SCAN_THREADS, len(pieces))) as pool:
        return list(pool.map(work, pieces))


def as_slice(rows: np.ndarray) -> slice | np.ndarray:
    """``rows`` as a slice when they are consecutive (a view instead of a copy)."""
    if len(rows) and int(rows[-1]) - int(rows[0]) + 1 == len(rows):
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows
