"""Scratch folders for benchmarks that write files, and a probe of what creating one costs.

Why this exists: this machine's disk is ext4 without a journal. There the kernel's inode
allocator passes over every inode deleted in the last one to five minutes, reading each
one (``recently_deleted()`` in ``fs/ext4/ialloc.c``, checked only without a journal), so
creating files right after tens of thousands were deleted costs 10-20x more: 20,000 files
took 0.45 s normally and 6.7 s right after 80,000 were deleted (session 7, ``perf``: the
time is in ``recently_deleted`` and ``find_inode_bit``). A benchmark that removes each
run folder before writing the next one slows its own next run, and the figure then
measures the deletions, not the writer.

So benchmarks that write files take their folders from :func:`scratch_dir` (removed when
the process ends, not between runs), print :func:`creation_cost` next to their figures,
and may :func:`settle` first: wait until the cost is back to normal.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
import time
from pathlib import Path

#: Files the probe creates (about 50 ms on a settled disk here).
PROBE_FILES = 2_000
#: Microseconds per file under which creating files counts as normal on this machine.
SETTLED_MICROSECONDS = 60.0

_root: Path | None = None
_names = itertools.count()


def scratch_root() -> Path:
    """This process's scratch folder, removed (with everything in it) when it exits."""
    global _root
    if _root is None:
        _root = Path(tempfile.mkdtemp(prefix="mentormatch-bench-"))
        atexit.register(shutil.rmtree, _root, True)
    return _root


def scratch_dir(name: str = "run") -> Path:
    """A new, empty folder under :func:`scratch_root` (never reused, never removed early)."""
    folder = scratch_root() / f"{name}-{next(_names)}"
    folder.mkdir()
    return folder


def creation_cost(files: int = PROBE_FILES) -> float:
    """Microseconds of wall time to create one small file now (a fresh folder of ``files``
    files of 3 KB each, opened, written and closed, as a run folder's files are)."""
    folder = scratch_dir("probe")
    data = b"x" * 3_000
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    started = time.perf_counter()
    for k in range(files):
        handle = os.open(folder / f"probe-{k:06d}.md", flags, 0o644)
        os.write(handle, data)
        os.close(handle)
    return (time.perf_counter() - started) / files * 1e6


def settle(max_seconds: float = 330.0, target: float = SETTLED_MICROSECONDS) -> float:
    """Wait (up to ``max_seconds``) until creating a file costs at most ``target`` µs,
    probing every 15 s; return the last cost measured."""
    deadline = time.monotonic() + max_seconds
    cost = creation_cost()
    while cost > target and time.monotonic() < deadline:
        time.sleep(15)
        cost = creation_cost()
    return cost


def describe(cost: float) -> str:
    """The probe's figure in words, for a benchmark row."""
    state = "settled" if cost <= SETTLED_MICROSECONDS else "slowed by recent deletions"
    return f"file creation {cost:.0f} µs/file ({state})"
