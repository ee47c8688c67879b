"""The file helper's CPU per file created, against a plain loop creating the same files.

    .venv/bin/python benchmarks/bench_filesink.py --previous-rev 0fbbe21   # 10,000 pairs
    mkdir -p /dev/shm/filesink    # then, the code's cost with the disk aside:
    .venv/bin/python benchmarks/bench_filesink.py --previous-rev 0fbbe21 --memory /dev/shm/filesink
    .venv/bin/python benchmarks/bench_filesink.py --pairs 2000 --rounds 3 --no-settle

A 10,000-pair run folder's files as :class:`~matcher.runfolder.filesink.FileSink` is sent
them (synthetic, the folder's sizes: per pair a ~9.4 KB ``.html`` page, a ~4 KB ``.md`` page
and a ~3.5 KB ``.ics`` calendar; nine folder-wide files of 0.01–61 MB; 30,009 files, some
300 MB) are written, round after round, in turns, by:

- ``plain``: this process, a loop of ``os.open`` / ``os.write`` / ``os.close`` per file (the
  floor: what the kernel charges for creating them, with as little Python as possible);
- ``helper``: this tree's ``FileSink`` with its helper process;
- ``previous``: the previous ``FileSink`` (``--previous-rev``, by default where this branch
  left main) with its own helper;
- ``in-process``: this tree's ``FileSink(helper=False)`` (the small folders' way).

The helpers are sent the files at the writer's pace (``--rate``, files a second: the
writer renders between files, so a helper rarely has a backlog). Rows give each one's CPU
per file (best and median of the rounds, and the medians' user and system parts; the
helpers' CPU counted when they end, the sender's apart), their ratio to the plain loop of
the same rounds, and the load and the file-creation probe of ``benchmarks/scratch.py``
before and after (creating files costs 10x more for minutes after anyone here deleted
many: a figure taken while the probe says "slowed" measures the disk; the user CPU is the
code's either way). Every folder is checked to hold the files sent (every 97th file's
bytes, and the count). On the disk the folders stay until the process ends (deleting them
between rounds would slow the next ones); with ``--memory`` (a tmpfs such as /dev/shm)
each is removed after its round, which slows nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.previous_version import PREVIOUS_REV, previous_tree  # noqa: E402
from benchmarks.report_table import ResultTable  # noqa: E402
from benchmarks.scratch import creation_cost, describe, scratch_dir, settle  # noqa: E402
from matcher.runfolder import filesink  # noqa: E402

RESULTS = ResultTable()
#: Bytes of the folder-wide files of a 10,000-pair folder (scaled with the pairs).
FOLDER_WIDE = {"plans/all_plans.html": 61_000_000, "explanations.csv": 34_000_000,
               "introductions.csv": 21_000_000, "audit/cohort.json": 9_000_000,
               "pairings.xlsx": 5_200_000, "pairings.csv": 1_600_000,
               "report.html": 900_000, "run.json": 40_000, ".mentormatch-run": 10_000}
#: Per pair: (folder, suffix, mean bytes).
PER_PAIR = (("plans", "html", 9_400), ("plans", "md", 4_000), ("calendar", "ics", 3_500))
FOLDERS = ("plans", "calendar", "audit")
#: Files sent between two pauses of a paced sender.
PACED_FILES = 50


def synthetic_files(pairs: int, seed: int = 1) -> list[tuple[str, bytes]]:
    """The folder's files in the order the writer sends them: (relative name, bytes)."""
    rng = random.Random(seed)
    text = bytes(rng.randrange(32, 127) for _ in range(1 << 16)) * 8  # 512 KiB to cut from
    files: list[tuple[str, bytes]] = []
    for k in range(pairs):
        person = f"mentee-{k:05d}__mentor-{rng.randrange(pairs // 5 + 1):05d}"
        for folder, suffix, mean in PER_PAIR:
            size = int(mean * rng.uniform(0.7, 1.3))
            start = rng.randrange(len(text) - size)
            files.append((f"{folder}/{person}.{suffix}", text[start:start + size]))
    scale = pairs / 10_000
    for name, size in FOLDER_WIDE.items():
        files.append((name, (text * (int(size * scale) // len(text) + 1))[:int(size * scale)]))
    return files


def _cpu(who: int) -> tuple[float, float]:
    """User and system CPU seconds of this process (or of its finished children)."""
    usage = resource.getrusage(who)
    return usage.ru_utime, usage.ru_stime


def _fresh_folder(name: str, memory: Path | None) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=memory)) if memory else scratch_dir(
        name)
    for sub in FOLDERS:
        (folder / sub).mkdir()
    return folder


def plain_loop(folder: Path, files: list[tuple[str, bytes]]) -> None:
    """The floor: open, write, close, nothing else."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    base = str(folder) + os.sep
    for name, data in files:
        handle = os.open(base + name, flags, 0o644)
        os.write(handle, data)
        os.close(handle)


def through(module: ModuleType, helper: bool, rate: float
            ) -> Callable[[Path, list[tuple[str, bytes]]], None]:
    """Send the files to ``module``'s FileSink, as the writer does (paths built from the
    folder), at most ``rate`` files a second (0: as fast as it can)."""
    def send(folder: Path, files: list[tuple[str, bytes]]) -> None:
        started = time.perf_counter()
        with module.FileSink(folder, helper=helper) as sink:
            for k, (name, data) in enumerate(files):
                sink.write(folder / name, data)
                if rate and k % PACED_FILES == 0:  # the writer renders between files
                    time.sleep(max(0.0, started + k / rate - time.perf_counter()))
    return send


def measure(write: Callable[[Path, list[tuple[str, bytes]]], None],
            files: list[tuple[str, bytes]], label: str, memory: Path | None
            ) -> dict[str, float]:
    """One round: wall, this process's CPU and the helpers' (children's) CPU, in seconds,
    each also split into user and system CPU."""
    folder = _fresh_folder(label, memory)
    wall, own, children = time.perf_counter(), _cpu(resource.RUSAGE_SELF), _cpu(
        resource.RUSAGE_CHILDREN)
    write(folder, files)
    wall = time.perf_counter() - wall
    (own_user, own_system), (user, system) = (
        (a - b for a, b in zip(_cpu(who), before, strict=True))
        for who, before in ((resource.RUSAGE_SELF, own), (resource.RUSAGE_CHILDREN, children)))
    result = {"wall": wall, "sender": own_user + own_system, "sender user": own_user,
              "sender system": own_system, "helper": user + system, "helper user": user,
              "helper system": system}
    _check(folder, files)
    if memory:  # a file system in memory: removing files there slows no later creation
        shutil.rmtree(folder)
    return result


def _check(folder: Path, files: list[tuple[str, bytes]]) -> None:
    for name, data in files[::97]:  # a sample: reading all back would double the round
        if (folder / name).read_bytes() != data:
            raise RuntimeError(f"{folder / name} does not hold the bytes sent")
    written = sum(len(os.listdir(folder / sub)) for sub in FOLDERS) + sum(
        1 for entry in os.scandir(folder) if entry.is_file())
    if written != len(files):
        raise RuntimeError(f"{folder}: {written} files written, {len(files)} sent")


def _load_previous(rev: str) -> tuple[ModuleType, str]:
    tree, commit = previous_tree(("matcher/runfolder/filesink.py",), rev)
    spec = importlib.util.spec_from_file_location(
        "previous_filesink", tree / "matcher" / "runfolder" / "filesink.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, commit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--previous-rev", default=PREVIOUS_REV)
    parser.add_argument("--rate", type=float, default=7_500.0,
                        help="files a second the helpers are sent at the most (the writer's "
                        "pace: 30,009 files in 4 s; 0: as fast as the sender can)")
    parser.add_argument("--no-settle", dest="settle", action="store_false",
                        help="do not wait until creating a file costs what it costs on a "
                        "settled disk (benchmarks/scratch.py)")
    parser.add_argument("--memory", type=Path, default=None, metavar="TMPFS",
                        help="write the folders into this folder of a file system in memory "
                        "(/dev/shm): the per-file cost of the code, the disk's state aside")
    args = parser.parse_args()
    previous, commit = _load_previous(args.previous_rev)
    files = synthetic_files(args.pairs)
    total = sum(len(data) for _, data in files)
    ways: dict[str, Callable[[Path, list[tuple[str, bytes]]], None]] = {
        "plain": plain_loop, "helper": through(filesink, True, args.rate),
        f"previous ({commit})": through(previous, True, args.rate),
        "in-process": through(filesink, False, 0)}
    probe = [settle() if args.settle else creation_cost()]
    load = [os.getloadavg()[0]]
    runs: dict[str, list[dict[str, float]]] = {way: [] for way in ways}
    for k in range(args.rounds):
        for way, write in (ways.items() if k % 2 == 0 else reversed(ways.items())):
            runs[way].append(measure(write, files, way.split()[0], args.memory))
    probe.append(creation_cost())
    load.append(os.getloadavg()[0])
    bench = f"{len(files):,} files, {total / 1e6:.0f} MB" + (
        f" in {args.memory}" if args.memory else "")
    state = (f"load {min(load):.1f}-{max(load):.1f}; probe before / after "
             f"{probe[0]:.0f} / {probe[1]:.0f} µs/file, {describe(max(probe))}")
    per_file = 1e6 / len(files)

    def figures(way: str, part: str) -> tuple[list[float], str]:
        """µs per file of ``part`` (sender, helper or both) in each round, and the medians
        of its user and system parts in words."""
        parts = ("sender", "helper") if part == "both" else (part,)
        total = [sum(r[p] for p in parts) * per_file for r in runs[way]]
        split = [statistics.median(sum(r[f"{p} {kind}"] for p in parts) * per_file
                                   for r in runs[way]) for kind in ("user", "system")]
        return total, f"median user {split[0]:.1f} + system {split[1]:.1f}"

    plain, plain_split = figures("plain", "sender")
    RESULTS.row(bench, f"plain loop: CPU µs/file, best / median of {args.rounds}",
                f"{min(plain):.1f} / {statistics.median(plain):.1f}", plain_split, state)
    for way in list(ways)[1:]:
        for part in ("helper", "sender", "both"):
            if part != "sender" and way == "in-process":
                continue
            values, split = figures(way, part)
            RESULTS.row(bench, f"{way}: {part} CPU µs/file, best / median",
                        f"{min(values):.1f} / {statistics.median(values):.1f} ({split})",
                        f"plain loop {min(plain):.1f} / {statistics.median(plain):.1f}",
                        f"{min(values) / min(plain):.2f}x best, "
                        f"{statistics.median(values) / statistics.median(plain):.2f}x median")
        walls = [r["wall"] for r in runs[way]]
        plain_walls = [r["wall"] for r in runs["plain"]]
        RESULTS.row(bench, f"{way}: wall s, best / median",
                    f"{min(walls):.2f} / {statistics.median(walls):.2f}",
                    f"plain loop {min(plain_walls):.2f} / {statistics.median(plain_walls):.2f}",
                    f"{statistics.median(walls) / statistics.median(plain_walls):.2f}x median")
    RESULTS.print()


if __name__ == "__main__":
    main()
