"""numpy's huge-page advice, switched off where fresh memory is written once.

numpy advises the kernel to back every array of 4 MiB and more with 2 MiB pages
(``madvise(MADV_HUGEPAGE)``; ``NUMPY_MADVISE_HUGEPAGE`` at import, a switch at run time).
Under ``/sys/kernel/mm/transparent_hugepage/defrag = madvise`` (Debian's default), the
first write to such a page makes the kernel find a free 2 MiB block at once, compacting
memory when none is free; on a machine whose memory is held by the page cache, and in a
virtual machine whose 2 MiB block may be memory the host never backed, that costs far more
than the 4 KiB pages it saves: on the project's machine the kept 10,000 × 2,000 float64
matrix took 0.3–1.2 s of CPU to fill (varying with what the memory held), against a
steady 0.08 s in 4 KiB pages, and a scoring pass's block temporaries as much again.
The matrices and temporaries written here are filled once and read row by row, which huge
pages do not speed up enough to pay that.

:func:`small_pages` switches the advice off while a block of code runs (numpy's switch is
process-wide: nested and concurrent users share one count, and the setting before the
first is put back after the last); :func:`small_page_matrix` is ``np.empty`` under it.
Nothing here changes a value: only how the kernel backs the memory.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np


def _hugepage_switch() -> Callable[[bool], bool] | None:
    """numpy's switch (it returns the setting it replaced), or None in a numpy without
    it."""
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):  # numpy 2, then 1
        try:
            return getattr(importlib.import_module(module), "_set_madvise_hugepage", None)
        except ImportError:
            continue
    return None


_SWITCH = _hugepage_switch()
_LOCK = threading.Lock()
_users = 0  # blocks inside small_pages now, in every thread
_before = True  # the setting before the first of them


@contextmanager
def small_pages() -> Iterator[None]:
    """Within this block (and while any other thread is in one), numpy's new arrays get no
    huge-page advice."""
    global _users, _before
    if _SWITCH is None:
        yield
        return
    with _LOCK:
        if _users == 0:
            _before = _SWITCH(False)
        _users += 1
    try:
        yield
    finally:
        with _LOCK:
            _users -= 1
            if _users == 0:
                _SWITCH(_before)


def small_page_matrix(shape: tuple[int, ...], dtype: np.dtype | type | str) -> np.ndarray:
    """``np.empty(shape, dtype)`` without huge-page advice (a matrix filled once)."""
    with small_pages():
        return np.empty(shape, dtype)
