"""Reader benchmark: locks / forbids and feedback sheets of many rows, read in linear time.

    .venv/bin/python benchmarks/bench_readers.py             # 1,000,000 rows (~1 minute)
    .venv/bin/python benchmarks/bench_readers.py --quick     # 100,000 rows
    .venv/bin/python benchmarks/bench_readers.py --rows 250000
    .venv/bin/python benchmarks/bench_readers.py --rows 200000 --previous   # + previous reader

A sheet of ``--rows`` (mentee, mentor) rows over a 10,000 × 2,000 cohort (ids only; a few
rows repeat a pair) is read by :func:`scoring.intake.pair_sheets.read_pair_sheet` (target
1 M rows ≤ 5 s) and a feedback sheet of as many rows by
:func:`scoring.intake.feedback.read_feedback`. The baseline, measured in the same run on the
same file, is the file parsed by the standard library's ``csv`` module alone (what any
reader must at least pay); the ratio shows the reader's own work. With ``--previous`` the
pair sheet is also read by the previous reader (a Python call per cell and per row), the
same-run baseline of the rewrite. The load is printed.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.report_table import ResultTable  # noqa: E402
from scoring.config import config_from_dict  # noqa: E402
from scoring.intake.feedback import read_feedback  # noqa: E402
from scoring.intake.pair_sheets import read_pair_sheet  # noqa: E402


@dataclass(frozen=True)
class _Person:
    id: str


@dataclass(frozen=True)
class _Ids:
    """Just the ids a pair sheet is checked against (a Cohort's mentees / mentors)."""

    mentees: tuple[_Person, ...]
    mentors: tuple[_Person, ...]


def write_sheets(folder: Path, rows: int, n_mentees: int, n_mentors: int, seed: int = 1
                 ) -> tuple[Path, Path, list[tuple[str, str]]]:
    """A pair sheet of ``rows`` random pairs (about 1 % repeated) and a feedback sheet with one
    row per distinct pair of a previous run; returns the paths and that run's pairs."""
    rng = np.random.default_rng(seed)
    mentee = rng.integers(0, n_mentees, rows)
    mentor = rng.integers(0, n_mentors, rows)
    pairs_path = folder / "pairs.csv"
    with pairs_path.open("w", newline="") as out:
        out.write("mentee_id,mentor_id\n")
        out.writelines(f"e{i:07d}@x.org,r{j:06d}@x.org\n" for i, j in zip(mentee, mentor,
                                                                          strict=True))
    previous = [(f"f{k:07d}@x.org", f"r{k % n_mentors:06d}@x.org") for k in range(rows)]
    feedback_path = folder / "feedback.csv"
    with feedback_path.open("w", newline="") as out:
        out.write("mentee_id,mentor_id,continue,mentee_rating,mentor_rating\n")
        out.writelines(f"{a},{b},{'yes' if k % 3 else 'no'},{k % 5 + 1},4\n"
                       for k, (a, b) in enumerate(previous))
    return pairs_path, feedback_path, previous


def previous_pair_reader(path: Path, ids: _Ids, limits: object) -> object:
    """The pair-sheet reader before issue 15's linear rewrite (tests/reader_reference.py)."""
    from tests import reader_reference as before

    return before.read_pair_sheet(before.read_table(path, limits),  # type: ignore[arg-type]
                                  ids, roles=True)  # type: ignore[arg-type]


def csv_only(path: Path) -> int:
    """Baseline: parse the file with the csv module and nothing else."""
    with path.open(newline="") as handle:
        return sum(1 for _ in csv.reader(handle))


def best_time(fn, repeats: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Best wall and best CPU seconds of ``repeats`` calls (CPU carries the claim on a
    busy machine)."""
    wall = cpu = float("inf")
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--rows", type=int, default=None, help="rows per sheet")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--previous", action="store_true",
                        help="also read the pair sheet with the previous reader (one Python "
                             "call per cell and row, kept as the tests' oracle)")
    args = parser.parse_args(argv)
    rows = args.rows or (100_000 if args.quick else 1_000_000)
    n_mentees, n_mentors = 10_000, 2_000
    ids = _Ids(tuple(_Person(f"e{i:07d}@x.org") for i in range(n_mentees)),
               tuple(_Person(f"r{j:06d}@x.org") for j in range(n_mentors)))
    # The default [limits] stop at 100,000 rows of answers; a national program raises them.
    config = config_from_dict({"limits": {"max_rows": 2 * rows, "max_cells": 10 * rows}})
    table = ResultTable()
    print(f"load before: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        pairs_path, feedback_path, previous = write_sheets(Path(tmp), rows, n_mentees,
                                                           n_mentors)
        for name, path, read in (
                ("pair sheet (locks/forbids)", pairs_path,
                 lambda: read_pair_sheet(pairs_path, ids, roles=True,  # type: ignore[arg-type]
                                         limits=config.limits)),
                ("feedback sheet", feedback_path,
                 lambda: read_feedback(feedback_path, config, previous_pairs=previous))):
            base, base_cpu = best_time(lambda p=path: csv_only(p), args.repeats)
            took, took_cpu = best_time(read, args.repeats)
            table.row("readers", f"{name}, {rows:,} rows",
                      f"{took:.2f} s wall, {took_cpu:.2f} s CPU",
                      f"{base:.2f} s wall, {base_cpu:.2f} s CPU (csv module)",
                      f"{took_cpu / base_cpu:.1f}x CPU")
            if args.previous and path == pairs_path:
                old, old_cpu = best_time(lambda: previous_pair_reader(pairs_path, ids,
                                                                      config.limits), 1)
                table.row("readers", f"{name}, {rows:,} rows",
                          f"{took:.2f} s wall, {took_cpu:.2f} s CPU",
                          f"{old:.2f} s wall, {old_cpu:.2f} s CPU (previous reader)",
                          f"{took_cpu / old_cpu:.2f}x CPU")
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    table.print()
    print(f"\nload average after (1/5/15 min): {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
