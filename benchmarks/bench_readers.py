"""Reader benchmark: locks / forbids and feedback sheets of many rows, read in linear time.

    .venv/bin/python benchmarks/bench_readers.py             # 1,000,000 rows (~1 minute)
    .venv/bin/python benchmarks/bench_readers.py --quick     # 100,000 rows
    .venv/bin/python benchmarks/bench_readers.py --rows 250000
    .venv/bin/python benchmarks/bench_readers.py --previous  # + the previous version's readers

A sheet of ``--rows`` (mentee, mentor) rows over a 10,000 × 2,000 cohort (ids only; a few
rows repeat a pair) is read by :func:`scoring.intake.pair_sheets.read_pair_sheet` (target
1 M rows ≤ 5 s), and a feedback sheet of as many rows, one per pair of a previous run of
as many pairs, by :func:`scoring.intake.feedback.read_feedback` (target 1 M rows ≤ 5 s).
Baselines measured in the same run on the same files: the file parsed by the standard
library's ``csv`` module alone (what any reader must at least pay), and with
``--previous`` the readers of the previous version (the ``scoring`` package at the merge
base of HEAD and ``--previous-rev``, default ``main``, extracted by ``git archive``; see
benchmarks/previous_version.py), run in a child process on the same files, whose results
must be the same. Wall and CPU seconds (best of ``--repeats``; CPU carries the claim on
a busy machine) and the load average are printed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if "--child" not in sys.argv:  # a child imports the previous version's packages first
    sys.path.insert(0, str(ROOT))

from benchmarks.previous_version import PREVIOUS_REV, previous_env, previous_tree  # noqa: E402
from benchmarks.report_table import ResultTable  # noqa: E402

N_MENTEES, N_MENTORS = 10_000, 2_000


@dataclass(frozen=True)
class _Person:
    id: str


@dataclass(frozen=True)
class _Ids:
    """Just the ids a pair sheet is checked against (a Cohort's mentees / mentors)."""

    mentees: tuple[_Person, ...]
    mentors: tuple[_Person, ...]


def previous_pairs(rows: int) -> list[tuple[str, str]]:
    """The pairs of the previous run the feedback sheet reports on: one per row."""
    return [(f"f{k:07d}@x.org", f"r{k % N_MENTORS:06d}@x.org") for k in range(rows)]


def write_sheets(folder: Path, rows: int, seed: int = 1) -> tuple[Path, Path]:
    """A pair sheet of ``rows`` random pairs (about 1 % repeated) and a feedback sheet with
    one row per pair of :func:`previous_pairs`."""
    rng = np.random.default_rng(seed)
    mentee = rng.integers(0, N_MENTEES, rows)
    mentor = rng.integers(0, N_MENTORS, rows)
    pairs_path = folder / "pairs.csv"
    with pairs_path.open("w", newline="") as out:
        out.write("mentee_id,mentor_id\n")
        out.writelines(f"e{i:07d}@x.org,r{j:06d}@x.org\n" for i, j in zip(mentee, mentor,
                                                                          strict=True))
    feedback_path = folder / "feedback.csv"
    with feedback_path.open("w", newline="") as out:
        out.write("mentee_id,mentor_id,continue,mentee_rating,mentor_rating\n")
        out.writelines(f"{a},{b},{'yes' if k % 3 else 'no'},{k % 5 + 1},4\n"
                       for k, (a, b) in enumerate(previous_pairs(rows)))
    return pairs_path, feedback_path


def csv_only(path: Path) -> int:
    """Baseline: parse the file with the csv module and nothing else."""
    with path.open(newline="") as handle:
        return sum(1 for _ in csv.reader(handle))


def best_time(fn: Callable[[], object], repeats: int) -> tuple[float, float, object]:
    """Best wall and best CPU seconds of ``repeats`` calls (CPU carries the claim on a busy
    machine), and the last call's result."""
    wall = cpu = float("inf")
    out: object = None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = fn()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu, out


def read_both(pairs_path: Path, feedback_path: Path, rows: int, repeats: int
              ) -> dict[str, tuple[float, float, str]]:
    """Read both sheets with the ``scoring`` package this process imports: per sheet,
    (best wall s, best CPU s, a digest of the result to compare versions by)."""
    from scoring.config import config_from_dict
    from scoring.intake.feedback import read_feedback
    from scoring.intake.pair_sheets import read_pair_sheet

    ids = _Ids(tuple(_Person(f"e{i:07d}@x.org") for i in range(N_MENTEES)),
               tuple(_Person(f"r{j:06d}@x.org") for j in range(N_MENTORS)))
    # The default [limits] stop at 100,000 rows of answers; a national program raises them.
    config = config_from_dict({"limits": {"max_rows": 2 * rows, "max_cells": 10 * rows}})
    previous = previous_pairs(rows)
    wall, cpu, pairs = best_time(lambda: read_pair_sheet(
        pairs_path, ids, roles=True, limits=config.limits), repeats)  # type: ignore[arg-type]
    out = {"pair sheet (locks/forbids)": (wall, cpu, f"{len(pairs)} pairs, "  # type: ignore[arg-type]
                                          f"last {pairs[-1]}")}  # type: ignore[index]
    wall, cpu, sheet = best_time(lambda: read_feedback(feedback_path, config,
                                                       previous_pairs=previous), repeats)
    rows_read = sheet.rows  # type: ignore[attr-defined]
    out["feedback sheet"] = (wall, cpu, f"{len(rows_read)} records, last {rows_read[-1]}")
    return out


def read_previous(pairs_path: Path, feedback_path: Path, rows: int, repeats: int, rev: str
                  ) -> tuple[dict[str, tuple[float, float, str]], str]:
    """:func:`read_both` in a child process importing the previous version's ``scoring``."""
    tree, commit = previous_tree(("scoring",), rev)
    out = subprocess.run([sys.executable, __file__, "--child", str(pairs_path),
                          str(feedback_path), str(rows), str(repeats)],
                         env=previous_env(tree), capture_output=True, text=True, check=True,
                         cwd=tree).stdout
    return {name: tuple(value) for name, value in
            json.loads(out.strip().splitlines()[-1]).items()}, commit


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--rows", type=int, default=None, help="rows per sheet")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--previous", action="store_true",
                        help="also read both sheets with the previous version's readers "
                             "(git archive of --previous-rev's merge base with HEAD)")
    parser.add_argument("--previous-rev", default=PREVIOUS_REV,
                        help="git revision whose merge base with HEAD is the previous version")
    parser.add_argument("--child", nargs=4, metavar=("PAIRS", "FEEDBACK", "ROWS", "REPEATS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        pairs_path, feedback_path, rows_text, repeats_text = args.child
        print(json.dumps(read_both(Path(pairs_path), Path(feedback_path), int(rows_text),
                                   int(repeats_text))))
        return 0
    rows = args.rows or (100_000 if args.quick else 1_000_000)
    table = ResultTable()
    print(f"load before: {load()}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        pairs_path, feedback_path = write_sheets(Path(tmp), rows)
        new = read_both(pairs_path, feedback_path, rows, args.repeats)
        old, commit = (read_previous(pairs_path, feedback_path, rows, args.repeats,
                                     args.previous_rev) if args.previous else ({}, ""))
        for name, path in (("pair sheet (locks/forbids)", pairs_path),
                           ("feedback sheet", feedback_path)):
            took, took_cpu, result = new[name]
            base, base_cpu, _ = best_time(partial(csv_only, path), args.repeats)
            figure = f"{name}, {rows:,} rows"
            value = f"{took:.2f} s wall, {took_cpu:.2f} s CPU"
            table.row("readers", figure, value,
                      f"{base:.2f} s wall, {base_cpu:.2f} s CPU (csv module)",
                      f"{took_cpu / base_cpu:.1f}x CPU")
            if name in old:
                was, was_cpu, was_result = old[name]
                same = "same result" if was_result == result else "DIFFERENT RESULT"
                table.row("readers", figure, value,
                          f"{was:.2f} s wall, {was_cpu:.2f} s CPU (previous, {commit})",
                          f"{took_cpu / was_cpu:.2f}x CPU, {took / was:.2f}x wall; {same}")
    table.print()
    print(f"\nload average after (1/5/15 min): {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
