"""glibc's ``mallopt`` settings this project makes, in one place (Linux with glibc; a no-op
returning False elsewhere, e.g. macOS or musl).

Two uses: a scoring pool worker keeps the memory a block frees for the next block
(:func:`matcher.compute.keep_freed_memory`), and the solver's scan threads share the main
process's malloc arena (:func:`one_malloc_arena`). With them, numpy's own allocator
setting: a matrix filled once is allocated without huge-page advice
(:func:`small_page_matrix`).
"""

from __future__ import annotations

import ctypes
import functools
import importlib
import threading
from collections.abc import Callable

import numpy as np

#: ``mallopt`` parameter numbers (glibc's malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8


def mallopt(settings: dict[int, int]) -> bool:
    """Set these glibc ``mallopt`` parameters (whether every one could be set)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return all(libc.mallopt(param, value) == 1 for param, value in settings.items())
    except (OSError, AttributeError):
        return False


@functools.cache
def one_malloc_arena() -> bool:
    """Let the threads this process starts from now on share the malloc arenas it has,
    instead of glibc giving each new thread an arena of its own (whether it could).

    The solver's scans map chunks over threads (:mod:`matcher.solver.scan`); each thread's
    own arena kept the chunks' freed temporaries for itself, so the process's resident
    memory grew by 60–130 MiB at 10,000 × 2,000 (``MALLOC_ARENA_MAX=1``: the same match,
    the same CPU, the resident peak of the session-6 code, which had no scan threads)."""
    return mallopt({M_ARENA_MAX: 1})


def _hugepage_switch() -> Callable[[bool], bool] | None:
    """numpy's switch of the ``madvise(MADV_HUGEPAGE)`` it gives arrays of 4 MiB and more
    (the runtime form of ``NUMPY_MADVISE_HUGEPAGE``; it returns the previous setting), or
    None in a numpy without it."""
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):  # numpy 2, then 1
        try:
            return getattr(importlib.import_module(module), "_set_madvise_hugepage", None)
        except ImportError:
            continue
    return None


_SET_HUGEPAGE = _hugepage_switch()
_HUGEPAGE_LOCK = threading.Lock()


def small_page_matrix(shape: tuple[int, ...], dtype: np.dtype | type | str) -> np.ndarray:
    """``np.empty(shape, dtype)`` without numpy's huge-page advice to the kernel.

    Under ``/sys/kernel/mm/transparent_hugepage/defrag = madvise`` (Debian's default) a
    first write to an advised page makes the kernel find a free 2 MiB block at once,
    compacting memory if none is free. On a machine whose memory is held by the page cache
    (and in a virtual machine, whose 2 MiB block may be memory the host never backed) that
    cost 0.3-1.2 s of CPU for the kept 10,000 × 2,000 float64 matrix on the project's
    machine (varying with what its memory held), against a steady 0.08 s in 4 KiB pages. A matrix filled once and then read row by row gains nothing
    from huge pages that is worth that."""
    if _SET_HUGEPAGE is None:
        return np.empty(shape, dtype)
    with _HUGEPAGE_LOCK:  # the switch is numpy's, process-wide: set and put back as one
        before = _SET_HUGEPAGE(False)
        try:
            return np.empty(shape, dtype)
        finally:
            _SET_HUGEPAGE(before)
