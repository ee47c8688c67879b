"""Settings of the whole test run.

Bytecode is kept (``__pycache__`` folders in the checkout, ignored by git) even where the
shell sets ``PYTHONDONTWRITEBYTECODE``: without it every run compiles the project and
rewrites every test module's assertions again, 9-10 s of CPU against 5 s for collection
here. Python checks each cached file against its source's time stamp and size, so nothing
kept can be stale, and nothing is written outside the checkout. Subprocesses the tests
start keep the shell's setting (they read the cache, never write it).

This conftest is the first the run imports, so the setting holds for every module the
tests import. No fixtures here: the service tests' own are in ``tests/service/conftest.py``
(their modules import it as ``conftest``).
"""

from __future__ import annotations

import sys

sys.dont_write_bytecode = False
