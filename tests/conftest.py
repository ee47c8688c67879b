"""Settings and shared fixtures of the whole test run.

Bytecode is kept (``__pycache__`` folders in the checkout, ignored by git) even where the
shell sets ``PYTHONDONTWRITEBYTECODE``: without it every run compiles the project and
rewrites every test module's assertions again, 9-10 s of CPU against 5 s for collection
here. Python checks each cached file against its source's time stamp and size, so nothing
kept can be stale, and nothing is written outside the checkout. Subprocesses the tests
start keep the shell's setting (they read the cache, never write it).

This conftest is the first the run imports, so the setting holds for every module the
tests import. The service tests' own fixtures are in ``tests/service/conftest.py`` (their
modules import it as ``conftest``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

sys.dont_write_bytecode = False


@pytest.fixture(scope="session")
def dask_scheduler() -> Iterator[str]:
    """The address (``host:port``) of one local Dask cluster for the whole run: two worker
    processes of one thread each, as a small cluster of machines would be. Starting one
    costs 1.5 s of CPU and 4 s here (each worker imports the project), once instead of per
    test; each test's match sends its own data, so no test depends on another's."""
    distributed = pytest.importorskip("distributed")
    # its HTTP server on any free port (None still serves on 8787, which another run or
    # the other test worker may hold: a warning, and a port clash)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=":0") as cluster:
        yield cluster.scheduler_address.removeprefix("tcp://")
