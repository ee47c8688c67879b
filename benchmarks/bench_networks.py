"""Networks with specialists benchmark: mentors have the capacity for every network, so the
engine must actually choose specialists (issue 15, part 2's case).

    .venv/bin/python benchmarks/bench_networks.py             # 5,000 × 4,000 (minutes)
    .venv/bin/python benchmarks/bench_networks.py --quick     # 1,000 × 800
    .venv/bin/python benchmarks/bench_networks.py --mentees 2000 --mentors 1600

Scores are bench_solver's clustered synthetic ones (popular topics, 10 % of pairs
ineligible). Each mentee wants 2–3 of 8 areas and a network of 2 or 3 (a primary and
specialists for areas the primary does not bring); each mentor brings 1–2 areas and has
3–5 places, so the places exceed the network slots and specialists can be given: the
question is which. Reported: the status, the proven gap and whether the result is
certified, the time (goal: optimal or gap ≤ 0.5 % in ≤ 60 s), the pairs made; baselines
from the same run on the same problem: the previous engine (this branch's merge base with
main, run from ``git archive`` in a child process; see bench_solver's ``previous_solve``)
and greedy best-pair-first for primaries only (what a coordinator's script does). The load
average is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_solver import clustered, greedy, previous_solve  # noqa: E402
from benchmarks.report_table import ResultTable  # noqa: E402
from matcher.solver.dispatch import SolveOptions, solve  # noqa: E402
from matcher.solver.problem import MatchProblem, problem_from_arrays  # noqa: E402

AREAS = 8


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def networks_problem(n: int, m: int, seed: int = 5) -> tuple[MatchProblem, np.ndarray,
                                                              np.ndarray, np.ndarray]:
    """The problem, its scores, eligibility and capacities (see the module docstring)."""
    rng = np.random.default_rng(seed)
    score, eligible = clustered(n, m, seed=seed)
    wants = np.zeros((n, AREAS), bool)
    for i in range(n):
        wants[i, rng.choice(AREAS, rng.integers(2, 4), replace=False)] = True
    offers = np.zeros((m, AREAS), bool)
    for j in range(m):
        offers[j, rng.choice(AREAS, rng.integers(1, 3), replace=False)] = True
    capacity = rng.integers(3, 6, m)
    size = rng.integers(2, 4, n)
    problem = problem_from_arrays(score, eligible, capacity=capacity, network_size=size,
                                  labels=tuple(f"area{k}" for k in range(AREAS)),
                                  wants=wants, offers=offers)
    return problem, score, eligible, capacity


def cpu_timed(fn, *args, **kwargs):
    """(result, wall seconds, CPU seconds): CPU carries the claim on a busy machine."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 × 800")
    parser.add_argument("--mentees", type=int, default=None)
    parser.add_argument("--mentors", type=int, default=None)
    parser.add_argument("--time-limit", type=float, default=60.0,
                        help="[solver] time_limit_seconds (default 60, the issue's goal)")
    args = parser.parse_args(argv)
    n = args.mentees or (1_000 if args.quick else 5_000)
    m = args.mentors or (n * 4 // 5)
    table = ResultTable()
    name = f"networks with specialists {n:,} × {m:,}"
    print(f"load before: {load()}", file=sys.stderr, flush=True)
    problem, score, eligible, capacity = networks_problem(n, m)
    slots = int(problem.network_size.sum())
    table.row(name, "places / network slots", f"{int(capacity.sum()):,}", f"{slots:,} slots",
              f"{capacity.sum() / slots:.2f}x")
    result, wall, cpu = cpu_timed(solve, problem, SolveOptions(time_limit=args.time_limit))
    stats = result.stats
    table.row(name, "status / gap / certified", f"{result.status} / {result.gap:.2%} / "
              f"{stats.get('certified')}", result.engine, f"bound {result.bound:.2f}")
    table.row(name, "time", f"{wall:.1f} s wall, {cpu:.1f} s CPU", "60 s goal",
              f"{wall / 60:.2f}x of goal (wall)")
    specialists = sum(a.role == "specialist" for a in result.assignments)
    table.row(name, "pairs (primaries + specialists)",
              f"{len(result.assignments):,} ({specialists:,} specialists)",
              f"{slots:,} slots", f"{len(result.assignments) / slots:.2f}x of slots")
    previous = previous_solve(problem, time_limit=args.time_limit)
    table.row(name, "objective vs the previous engine (same run, same problem)",
              f"{result.objective:,.2f}", f"{previous['objective']:,.2f} previous "
              f"({previous['engine']}, {previous['status']}, reported gap "
              f"{previous['gap']:.2%}, {previous['wall']:.1f} s wall, "
              f"{previous['cpu']:.1f} s CPU)",
              f"{result.objective / max(previous['objective'], 1e-9):.4f}x total, "
              f"{cpu / max(previous['cpu'], 1e-9):.2f}x CPU")
    base = greedy(score.astype(np.float64), eligible, capacity)
    table.row(name, "mentees placed", f"{stats.get('placed')}",
              f"greedy, primaries only: {len(base):,}", f"{len(base):,} of {n:,} by greedy")
    table.print()
    print(f"\nload average after (1/5/15 min): {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
