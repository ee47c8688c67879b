"""glibc's ``mallopt`` settings this project makes, in one place (Linux with glibc; a no-op
returning False elsewhere, e.g. macOS or musl).

Three uses: a scoring pool worker keeps the memory a block frees for the next block
(:func:`matcher.compute.keep_freed_memory`), the solver's scan threads and the threads of
the match's diagnostics pass share the main process's malloc arena
(:func:`one_malloc_arena`), and what those threads freed goes back to the system before the
solve (:func:`release_free_memory`).
"""

from __future__ import annotations

import ctypes
import functools

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
    instead of glibc giving each new thread an arena of its own (whether it could). Set
    before the solver's scan threads and before the threads of the match's diagnostics
    pass (:func:`matcher.pipeline.score_keeper`).

    The solver's scans map chunks over threads (:mod:`matcher.solver.scan`); each thread's
    own arena kept the chunks' freed temporaries for itself, so the process's resident
    memory grew by 60–130 MiB at 10,000 × 2,000 (``MALLOC_ARENA_MAX=1``: the same match,
    the same CPU, the resident peak of the session-6 code, which had no scan threads)."""
    return mallopt({M_ARENA_MAX: 1})


def release_free_memory() -> bool:
    """Give the memory free inside the malloc heap back to the system (glibc's
    ``malloc_trim(0)``; whether it could): what threads freed in the shared arena
    (:func:`one_malloc_arena`) lies between chunks still in use, where later large arrays
    cannot reuse it, so the process kept it on top of them."""
    try:
        return bool(ctypes.CDLL("libc.so.6").malloc_trim(0))
    except (OSError, AttributeError):
        return False
