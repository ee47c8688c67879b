"""Scale curve: the whole `match` (intake → scores → solve) from 1,000 to 100,000 mentees.

    .venv/bin/python benchmarks/bench_scale.py                    # 1k, 10k, 30k (5:1 mentors)
    .venv/bin/python benchmarks/bench_scale.py --quick            # 1k and 10k
    .venv/bin/python benchmarks/bench_scale.py --sizes 100000     # 100k × 20k: ~6.5 GiB, long
    .venv/bin/python benchmarks/bench_scale.py --sizes 30000 --previous
    .venv/bin/python benchmarks/bench_scale.py --sizes 10000 --objective stable --previous

Each size runs in its own fresh process on a cohort from ``sample_data/generate.py`` (seed
1, 5 mentees per mentor, network size 1, objective total) and reports per phase — intake
(``read_cohort``), scores (features and, when they fit ``[solver] memory_gib``, the kept
matrix), solve (which reads streamed scores once) — the wall time, the CPU time (user +
system, which carries the claim when the machine is busy) and the peak memory so far.

Baselines from the same run: every size's solve is also given as a ratio to its own
scoring pass; with ``--previous`` each size is run a second time with the previous
version's score source (scores kept up to 40 M pairs, else 1,000-row blocks re-scored for
every exact-score lookup; with ``--objective stable``, the previous stable engine, which
ranked a dense matrix of every pair), so the ratio is new / previous on the same machine
and hour.
The load average is printed with each size. 100,000 × 20,000 is left out of the default
because it takes minutes and most of the machine's memory: ask for it with ``--sizes``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.report_table import ResultTable  # noqa: E402

CONFIG = ROOT / "sample_data" / "program.toml"
DEFAULT_SIZES = (1_000, 10_000, 30_000)
QUICK_SIZES = (1_000, 10_000)


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _usage() -> tuple[float, float, float]:
    """(wall, CPU seconds of this process, peak RSS in MiB so far)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


def previous_score_source(features, config):  # type: ignore[no-untyped-def]
    """The score source before issue 15: kept up to 40 M pairs, else blocks of 1,000 rows
    recomputed on every lookup (the solver's fallback reads every block for a few pairs)."""
    import numpy as np

    from matcher.solver.problem import BlockScores, DenseScores
    from scoring.scorer import iter_score_blocks

    n, m = features.n_mentees, features.n_mentors
    if n * m <= 40_000_000:
        total, eligible = np.empty((n, m)), np.empty((n, m), bool)
        for block in iter_score_blocks(features, config, 1000):
            total[block.mentee_rows] = block.total
            eligible[block.mentee_rows] = block.eligible
        return DenseScores(total, eligible)

    def blocks() -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        for block in iter_score_blocks(features, config, 1000):
            yield int(block.mentee_rows[0]), block.total, block.eligible
    return BlockScores(blocks)


def previous_stable_engine() -> None:
    """Put the stable engine before issue 15 (dense matrices, full argsort; kept as the
    tests' oracle) in the engine table of this process."""
    import dataclasses

    import matcher.solver.dispatch as dispatch
    from tests.stable_reference import solve_stable

    dispatch.ENGINES = tuple(dataclasses.replace(rule, engine=solve_stable)
                             if rule.objective == "stable" else rule
                             for rule in dispatch.ENGINES)


def child(folder: str, version: str, memory_gib: float | None, objective: str) -> None:
    """Run intake, scores and solve in this fresh process; print the figures as JSON."""
    import dataclasses

    import matcher.pipeline as pipeline
    from scoring.config import load_config
    from scoring.intake.cohort import read_cohort

    if version == "previous" and objective == "stable":
        previous_stable_engine()
    elif version == "previous":
        pipeline.score_source = previous_score_source  # type: ignore[assignment]
    config = load_config(CONFIG)
    if memory_gib is not None:
        config = dataclasses.replace(config, solver=dataclasses.replace(
            config.solver, memory_gib=memory_gib))
    phases = {}
    t0, c0, _ = _usage()
    cohort = read_cohort(Path(folder) / "mentors.csv", Path(folder) / "mentees.csv", config)
    t1, c1, r1 = _usage()
    phases["intake"] = (t1 - t0, c1 - c0, r1)
    outcome = pipeline.run_match(cohort, config, network_size=1, objective=objective,
                                 progress=False)
    t2, c2, r2 = _usage()
    stats = outcome.result.stats
    scoring, solving = stats["scoring_seconds"], stats["solver_seconds"]
    share = scoring / max(scoring + solving, 1e-9)  # CPU split in the wall-time proportion
    phases["scores"] = (scoring, (c2 - c1) * share, float("nan"))
    phases["solve"] = (solving, (c2 - c1) * (1 - share), r2)
    print(json.dumps({"phases": phases, "wall": t2 - t0, "cpu": c2 - c0, "peak": r2,
                      "status": outcome.result.status, "placed": stats.get("placed"),
                      "certified": stats.get("certified"), "rounds": stats.get("rounds"),
                      "objective": outcome.result.objective}))


def run_size(folder: Path, version: str, memory_gib: float | None, objective: str) -> dict:
    argv = [sys.executable, __file__, "--child", str(folder), version, "--objective",
            objective]
    if memory_gib is not None:
        argv += ["--memory-gib", str(memory_gib)]
    out = subprocess.run(argv, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 mentees only")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                        help="comma-separated mentee counts (mentors: a fifth), e.g. 1000,10000")
    parser.add_argument("--previous", action="store_true",
                        help="also run each size with the previous version's score source")
    parser.add_argument("--memory-gib", type=float, default=None,
                        help="[solver] memory_gib for the runs (default: the config's)")
    parser.add_argument("--objective", default="total", choices=("total", "fair", "stable"),
                        help="the solver's objective (default total); with --previous and "
                             "stable, the baseline is the previous stable engine")
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "VERSION"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], args.memory_gib, args.objective)
        return 0
    from sample_data.generate import write

    sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    table = ResultTable()
    for n in sizes:
        m = n // 5
        with tempfile.TemporaryDirectory() as tmp:
            write(tmp, n, m, seed=1)
            print(f"\n{n:,} × {m:,}: load before {load()}", file=sys.stderr, flush=True)
            versions = ["new", "previous"] if args.previous else ["new"]
            results = {v: run_size(Path(tmp), v, args.memory_gib, args.objective)
                       for v in versions}
        new = results["new"]
        size = f"{n:,} × {m:,}" + ("" if args.objective == "total" else f" {args.objective}")
        for phase, (wall, cpu, peak) in new["phases"].items():
            peak_text = "" if peak != peak else f", peak {peak:,.0f} MiB"
            table.row("scale", f"{size} {phase}", f"{wall:.2f} s wall, {cpu:.2f} s CPU"
                      f"{peak_text}", "-", "-")
        scores_wall = new["phases"]["scores"][0]
        solve_wall = new["phases"]["solve"][0]
        table.row("scale", f"{size} solve / scoring pass", f"{solve_wall:.2f} s",
                  f"{scores_wall:.2f} s", f"{solve_wall / max(scores_wall, 1e-9):.1f}x")
        baseline, ratio = "-", "-"
        if "previous" in results:
            old = results["previous"]
            baseline = f"{old['wall']:.1f} s wall, {old['cpu']:.1f} s CPU, {old['peak']:,.0f} MiB"
            ratio = f"{new['wall'] / old['wall']:.2f}x wall, {new['peak'] / old['peak']:.2f}x mem"
            if (old["objective"], old["placed"]) != (new["objective"], new["placed"]):
                print(f"  !! {size}: objective {new['objective']} vs previous "
                      f"{old['objective']}", file=sys.stderr)
        table.row("scale", f"{size} whole (status {new['status']}, certified "
                  f"{new['certified']}, {new['rounds']} rounds)",
                  f"{new['wall']:.1f} s wall, {new['cpu']:.1f} s CPU, {new['peak']:,.0f} MiB",
                  baseline, ratio)
        print(f"  load after {size}: {load()}", file=sys.stderr, flush=True)
    table.print()
    print(f"\nload average after (1/5/15 min): {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
