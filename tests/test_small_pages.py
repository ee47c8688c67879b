"""Matrices filled once and scoring temporaries are allocated without numpy's huge-page
advice (:mod:`scoring.huge_pages`); numpy's process-wide switch is put back as it was
after the last user, however the users nest or overlap in threads."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from scoring import huge_pages

needs_switch = pytest.mark.skipif(huge_pages._SWITCH is None,
                                  reason="numpy without the huge-page switch")


def test_matrix_has_the_shape_and_dtype_asked_and_holds_what_is_written():
    total = huge_pages.small_page_matrix((600, 1100), np.float64)  # 5 MiB: advised by default
    eligible = huge_pages.small_page_matrix((600, 1100), bool)
    assert (total.shape, total.dtype, eligible.dtype) == ((600, 1100), np.float64, bool)
    total[:] = np.arange(1100)
    assert total[599, 1099] == 1099.0 and total.flags.writeable and total.flags.c_contiguous


@needs_switch
@pytest.mark.parametrize("before", [True, False])
def test_switch_is_off_inside_and_put_back_after_nested_blocks(before):
    switch = huge_pages._SWITCH
    assert switch is not None  # needs_switch skips the test otherwise
    previous = switch(before)
    try:
        with huge_pages.small_pages():
            with huge_pages.small_pages():
                assert switch(False) is False  # off while inside
            assert switch(False) is False  # still off: the outer block runs
        assert switch(before) is before  # as it was before the first
    finally:
        switch(previous)


@needs_switch
def test_threads_overlapping_leave_the_switch_as_it_was():
    switch = huge_pages._SWITCH
    assert switch is not None  # needs_switch skips the test otherwise
    previous = switch(True)
    try:
        def allocate():
            for _ in range(300):
                with huge_pages.small_pages():
                    np.empty(10)
        threads = [threading.Thread(target=allocate) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert switch(True) is True
    finally:
        switch(previous)

