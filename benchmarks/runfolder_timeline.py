"""A timeline of one run folder's write: each process, each step, when it ran and its CPU.

    .venv/bin/python benchmarks/runfolder_timeline.py --pairs 10000
    .venv/bin/python benchmarks/runfolder_timeline.py --pairs 10000 --one-process

The run folder of ``bench_outputs.py``'s synthetic match is written once with the default
writer options (but forking whatever the load, unless ``--one-process``), with the
writer's steps wrapped so that each records, in every process (this one, the forked
copies), its start and end on one wall clock and the CPU it took. The rows show, process by
process, what ran when and where one waited for the other (the main process's ``result``
rows are waits for a copy); the summary gives the wall time, the CPU of every process (file
helpers included, counted when they end) and the wall time two free cores would allow,
max(this process's CPU, all CPU / 2), with the load and the file-creation probe
(benchmarks/scratch.py). Steps are the writer's private functions: a renamed one is reported
as missing, not silently skipped.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_outputs import synthetic_outcome  # noqa: E402
from benchmarks.scratch import creation_cost, describe, scratch_dir, settle  # noqa: E402
from matcher.runfolder import filesink, forked, handback, writer  # noqa: E402
from scoring import explain  # noqa: E402

#: (owner, attribute, label) of each step timed.
STEPS: tuple[tuple[Any, str, str], ...] = (
    (writer, "_write_snapshot", "snapshot"),
    (writer._PlanParts, "write", "pages chunk"),
    (handback.Handback, "send", "hand back a chunk (send)"),
    (handback.Handback, "_load", "take a chunk back (load)"),
    (writer, "_pages_alongside", "stage 1 (pages) in all"),
    (writer._FolderFiles, "explanations", "explanations.csv"),
    (writer._FolderFiles, "spreadsheet", "pairings.xlsx"),
    (writer._FolderFiles, "all_plans", "all_plans.html"),
    (writer._FolderFiles, "report", "report.html"),
    (writer._FolderFiles, "introductions", "introductions.csv"),
    (writer._FolderFiles, "pairings", "pairings.csv"),
    (forked.Part, "result", "result (waits for a copy)"),
    (writer, "run_record", "run record"),
    (writer, "manifest", "manifest"),
    (writer, "write_marker", "marker"),
)


class Timeline:
    """Steps recorded by every process into one file (appends of one line each)."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_TRUNC, 0o644)
        self.path = path
        self.zero = time.perf_counter()

    def record(self, label: str, start: float, cpu: float, note: str = "") -> None:
        line = json.dumps([os.getpid(), label, start - self.zero,
                           time.perf_counter() - self.zero, cpu, note])
        os.write(self._fd, (line + "\n").encode())

    def timed(self, function: Callable[..., Any], label: str) -> Callable[..., Any]:
        @functools.wraps(function)
        def step(*args: Any, **kwargs: Any) -> Any:
            start, cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                # a chunk taken back: the bytes of its pickle (Handback._load's length)
                note = (f"{args[2]:,} bytes" if function.__name__ == "_load" else "")
                self.record(label, start, time.process_time() - cpu, note)
        return step

    def rows(self) -> list[list[Any]]:
        return [json.loads(line) for line in self.path.read_text().splitlines()]


def _children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def instrument(timeline: Timeline) -> None:
    """Wrap every step of :data:`STEPS`, the explainer, the file helpers' ends (their CPU)
    and each forked copy's work (its own CPU, without its helper's)."""
    for owner, name, label in STEPS:
        if not hasattr(owner, name):
            raise SystemExit(f"the writer has no {owner.__name__}.{name} any more: "
                             "update STEPS")
        setattr(owner, name, timeline.timed(getattr(owner, name), label))
    explain.explain_pairs = timeline.timed(explain.explain_pairs, "  explain_pairs")
    finish = filesink.FileSink._finish

    def finished(self: filesink.FileSink) -> None:
        start, before = time.perf_counter(), _children()
        finish(self)
        if _children() > before:
            timeline.record("file helper ended", start, 0.0,
                            f"its CPU {_children() - before:.2f} s")
    filesink.FileSink._finish = finished  # type: ignore[method-assign]
    start_copy = forked.start

    def start(work: Callable[[], Any]) -> forked.Part[Any]:
        def counted() -> Any:
            begun = time.perf_counter()
            try:
                return work()
            finally:
                own = resource.getrusage(resource.RUSAGE_SELF)
                timeline.record("copy's work", begun, 0.0,
                                f"its own CPU so far {own.ru_utime + own.ru_stime:.2f} s")
        return start_copy(counted)
    forked.start = start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--one-process", action="store_true",
                        help="no forked copy (fork_from_pairs=None)")
    parser.add_argument("--no-settle", dest="settle", action="store_false",
                        help="do not wait until creating a file costs what it costs on a "
                        "settled disk")
    args = parser.parse_args()
    folder = scratch_dir("timeline")
    outcome, inputs = synthetic_outcome(folder / "in", args.pairs)
    probe = settle() if args.settle else creation_cost()
    timeline = Timeline(folder / "timeline.jsonl")
    instrument(timeline)
    options = writer.WriterOptions(fork_only_when_idle=False,
                                   fork_from_pairs=None if args.one_process else 500,
                                   explain=explain.explain_pairs)  # the timed one
    load = os.getloadavg()[0]
    own, children = time.process_time(), _children()
    timeline.zero = start = time.perf_counter()
    writer.write_run_folder(outcome, folder / "run", inputs=inputs, quiet=True,
                            options=options)
    wall = time.perf_counter() - start
    own, children = time.process_time() - own, _children() - children
    rows = timeline.rows()
    main_pid = os.getpid()
    pids = sorted({row[0] for row in rows}, key=lambda p: min(r[2] for r in rows if r[0] == p))
    for pid in pids:
        print(f"process {pid}" + (" (the run's own)" if pid == main_pid else " (forked copy)"))
        for _, label, begun, ended, cpu, note in sorted((r for r in rows if r[0] == pid),
                                                        key=lambda r: (r[2], -r[3])):
            print(f"  {begun:6.2f} → {ended:6.2f} s  {label:<32} CPU {cpu:5.2f} s  {note}")
    print(f"\n{sum(len(n.pairings) for n in outcome.networks):,} pairs, "
          f"{'one process' if args.one_process else 'forked copies'}: wall {wall:.2f} s; "
          f"CPU {own:.2f} s in the run's own process, {children:.2f} s in the others "
          f"(copies and file helpers), {own + children:.2f} s in all; on 2 free cores "
          f"max(own, all / 2) = {max(own, (own + children) / 2):.2f} s")
    taken = [row for row in rows if row[1] == "take a chunk back (load)"]
    print(f"handed back by the copy: {len(taken)} chunks, "
          f"{sum(int(row[5].split()[0].replace(',', '')) for row in taken):,} bytes "
          f"pickled; CPU to send {sum(r[4] for r in rows if r[1].endswith('(send)')):.3f} s, "
          f"to take back {sum(r[4] for r in taken):.3f} s")
    print(f"load {load:.1f} → {os.getloadavg()[0]:.1f}; probe before "
          f"{describe(probe)}, after {describe(creation_cost())}")


if __name__ == "__main__":
    main()
