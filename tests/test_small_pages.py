"""The kept matrices are allocated without numpy's huge-page advice
(:func:`matcher.solver.malloc.small_page_matrix`), and numpy's process-wide switch is
left as it was for every other array, even when two threads allocate at once."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from matcher.solver import malloc


def test_matrix_has_the_shape_and_dtype_asked_and_holds_what_is_written():
    total = malloc.small_page_matrix((600, 1100), np.float64)  # 5 MiB: advised by default
    eligible = malloc.small_page_matrix((600, 1100), bool)
    assert (total.shape, total.dtype, eligible.dtype) == ((600, 1100), np.float64, bool)
    total[:] = np.arange(1100)
    assert total[599, 1099] == 1099.0 and total.flags.writeable and total.flags.c_contiguous


@pytest.mark.skipif(malloc._SET_HUGEPAGE is None, reason="numpy without the switch")
@pytest.mark.parametrize("before", [True, False])
def test_numpy_switch_is_put_back(before):
    switch = malloc._SET_HUGEPAGE
    previous = switch(before)
    try:
        seen = []
        original_empty = np.empty

        def spy(*args, **kwargs):  # what the switch is while the matrix is allocated
            seen.append(switch(False))
            return original_empty(*args, **kwargs)
        np.empty = spy
        try:
            malloc.small_page_matrix((10, 10), np.float32)
        finally:
            np.empty = original_empty
        assert seen == [False]
        assert switch(before) is before  # as it was
    finally:
        switch(previous)


@pytest.mark.skipif(malloc._SET_HUGEPAGE is None, reason="numpy without the switch")
def test_threads_allocating_at_once_leave_the_switch_as_it_was():
    switch = malloc._SET_HUGEPAGE
    previous = switch(True)
    try:
        def allocate():
            for _ in range(200):
                malloc.small_page_matrix((4, 4), np.float64)
        threads = [threading.Thread(target=allocate) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert switch(True) is True
    finally:
        switch(previous)
