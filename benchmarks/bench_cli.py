"""CLI benchmark: how long a person waits for ``mentormatch``, one command, one table.

    .venv/bin/python benchmarks/bench_cli.py            # best of 5 runs each (~1 minute)
    .venv/bin/python benchmarks/bench_cli.py --quick    # best of 2, a smoke test
    .venv/bin/python benchmarks/bench_cli.py --runs 9

Each figure is the best wall time of N fresh processes (the best, because the machine is
shared and a slower run measures the neighbours), next to the baseline measured in the same
run: ``python -c pass``, the interpreter starting and stopping. The commands:

* ``mentormatch --help`` (target ≤ 0.3 s): the command group alone, no subcommand imported;
* ``mentormatch validate`` on sample_data (target ≤ 1.5 s): intake without the solver;
* ``mentormatch match`` of sample_data, 150 × 60, run folder written (target ≤ 3 s).

The load average of the machine is printed before and after, so a slow figure can be read
against what else was running.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.report_table import ResultTable  # noqa: E402

SAMPLE = ROOT / "sample_data"

#: figure → (arguments after ``mentormatch``, target seconds).
COMMANDS: dict[str, tuple[list[str], float]] = {
    "mentormatch --help": (["--help"], 0.3),
    "mentormatch validate (sample)": (
        ["validate", str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv")], 1.5),
    "mentormatch match (sample, 150 x 60)": (
        ["match", str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv"), "--quiet",
         "--force", "--out", "{out}"], 3.0),
}


def best_wall(argv: list[str], runs: int) -> float:
    """The best wall time, in seconds, of ``runs`` fresh processes running ``argv``."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def load() -> str:
    """The machine's 1-, 5- and 15-minute load averages."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="best of 2 runs")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (default 5)")
    args = parser.parse_args(argv)
    runs = args.runs or (2 if args.quick else 5)
    # The entry point a person types, beside this interpreter; else the same code as a module.
    script = Path(sys.executable).parent / "mentormatch"
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]
    print(f"load average before: {load()} on {os.cpu_count()} cores; best of {runs} runs",
          flush=True)
    table = ResultTable()
    baseline = best_wall([sys.executable, "-c", "pass"], runs)
    table.row("cli", "python -c pass", f"{baseline:.3f} s", "-", "baseline")
    with tempfile.TemporaryDirectory() as tmp:
        for figure, (command, target) in COMMANDS.items():
            command = [part.replace("{out}", str(Path(tmp) / "run")) for part in command]
            seconds = best_wall(cli + command, runs)
            verdict = "ok" if seconds <= target else "OVER"
            table.row("cli", figure, f"{seconds:.3f} s", f"{baseline:.3f} s",
                      f"{seconds / baseline:.1f}x; target <= {target:g} s: {verdict}")
    print(f"load average after: {load()}", flush=True)
    table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
