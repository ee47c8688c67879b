"""Shared test helper: whether a process another process started has gone (Linux /proc).

Imported as ``from processes import gone_within`` by the tests that kill a run and check
that its helpers (the file helper, a forked copy) die with it.
"""

from __future__ import annotations

import time


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def gone_within(pid: int, seconds: float = 10) -> bool:
    """Wait up to ``seconds`` for ``pid`` to end; True once it has."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and alive(pid):
        time.sleep(0.05)
    return not alive(pid)
