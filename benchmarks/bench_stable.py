"""Stable mode at scale: the deferred-acceptance solve of a 10,000 × 2,000 cohort.

    .venv/bin/python benchmarks/bench_stable.py                 # 10,000 × 2,000, best of 3
    .venv/bin/python benchmarks/bench_stable.py --previous      # + the previous version
    .venv/bin/python benchmarks/bench_stable.py --quick         # 2,000 × 400, once

The cohort is the one ``bench_scale.py`` uses (``sample_data/generate.py``, seed 1, 5
mentees per mentor), its scores built as ``match`` builds them; the figure is the solve
(:func:`matcher.solver.dispatch.solve` with ``objective = "stable"``: the phase
``bench_scale.py --objective stable`` reports as "solve", goal ≤ 2 s wall and ≤ 0.8 GiB),
best wall and best CPU seconds of ``--repeats``, in a fresh process. With ``--previous``
the same cohort is solved in a second fresh process by the previous version's ``matcher``
package (``git archive`` of the merge base of HEAD and ``--previous-rev``, default
``main``: benchmarks/previous_version.py), on the same machine and hour; the matchings
must be the same. The load average is printed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if "--child" not in sys.argv:  # a child imports the previous version's packages first
    sys.path.insert(0, str(ROOT))

from benchmarks.previous_version import (  # noqa: E402
    PREVIOUS_REV,
    child_result,
    previous_env,
    previous_tree,
)
from benchmarks.report_table import ResultTable  # noqa: E402

CONFIG = ROOT / "sample_data" / "program.toml"


def child(folder: Path, repeats: int) -> dict[str, object]:
    """Solve the cohort in ``folder`` with the ``matcher`` this process imports."""
    from matcher.pipeline import build_problem, screen_dtype
    from matcher.solver.dispatch import SolveOptions, solve
    from scoring.config import load_config
    from scoring.features import build_features
    from scoring.intake.cohort import read_cohort

    config = load_config(CONFIG)
    cohort = read_cohort(folder / "mentors.csv", folder / "mentees.csv", config)
    problem = build_problem(cohort, config, build_features(cohort, config), network_size=1)
    options = SolveOptions(objective="stable", time_limit=float(config.solver.time_limit_seconds),
                           screen_dtype=screen_dtype(problem.n_mentees, problem.n_mentors,
                                                     config))
    wall = cpu = float("inf")
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = solve(problem, options)
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    pairs = sorted((a.mentee, a.mentor) for a in result.assignments)
    return {"wall": wall, "cpu": cpu, "peak": resource.getrusage(resource.RUSAGE_SELF)
            .ru_maxrss / 1024, "status": result.status, "placed": len(pairs),
            "blocking": result.stats.get("blocking_pairs"),
            "matching": hashlib.sha256(repr(pairs).encode()).hexdigest()[:16]}


def run(folder: Path, repeats: int, tree: Path = ROOT) -> dict:
    """:func:`child` in a fresh process importing the packages of ``tree`` first."""
    return child_result([sys.executable, __file__, "--child", str(folder), str(repeats)],
                        previous_env(tree), tree)


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=10_000,
                        help="mentees (mentors: a fifth); default 10,000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="2,000 × 400, one repeat")
    parser.add_argument("--previous", action="store_true",
                        help="also solve with the previous version's matcher (git archive)")
    parser.add_argument("--previous-rev", default=PREVIOUS_REV,
                        help="git revision whose merge base with HEAD is the previous version")
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "REPEATS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(Path(args.child[0]), int(args.child[1]))))
        return 0
    from sample_data.generate import write

    n, repeats = (2_000, 1) if args.quick else (args.mentees, args.repeats)
    size = f"{n:,} × {n // 5:,} stable solve"
    table = ResultTable()
    with tempfile.TemporaryDirectory() as tmp:
        write(tmp, n, n // 5, seed=1)
        print(f"{size}: load before {load()}", file=sys.stderr, flush=True)
        new = run(Path(tmp), repeats)
        value = (f"{new['wall']:.2f} s wall, {new['cpu']:.2f} s CPU, process peak "
                 f"{new['peak']:,.0f} MiB; {new['status']}, {new['placed']:,} placed, "
                 f"{new['blocking']} blocking pairs")
        table.row("stable", size, value, "goal 2 s wall, 0.8 GiB",
                  f"{new['wall'] / 2:.2f}x the goal; load {load()}")
        if args.previous:
            tree, commit = previous_tree(("matcher",), args.previous_rev)
            old = run(Path(tmp), repeats, tree)
            same = "same matching" if old["matching"] == new["matching"] else "DIFFERENT"
            table.row("stable", size, value,
                      f"{old['wall']:.2f} s wall, {old['cpu']:.2f} s CPU (previous, {commit})",
                      f"{new['cpu'] / old['cpu']:.2f}x CPU, {new['wall'] / old['wall']:.2f}x "
                      f"wall; {same}; load {load()}")
    table.print()
    print(f"\nload average after (1/5/15 min): {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
