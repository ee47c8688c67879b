"""Run the benchmarks in this folder, one after another, with one command.

    python benchmarks/run_all.py                    # every benchmark, default sizes
    python benchmarks/run_all.py --quick            # small sizes, a smoke test
    python benchmarks/run_all.py --only scale       # one benchmark (bench_scale.py)
    python benchmarks/run_all.py --only scale --sizes 1000,10000,30000,100000
    python benchmarks/run_all.py --list             # the benchmarks, nothing run

Each benchmark prints its own table, every figure next to a baseline measured in the same
run, and the machine's load average; this script runs them in turn, each as a module
(``python -m benchmarks.bench_NAME``) in its own process, so one's memory does not weigh
on the next, prints the load before and after each, and stops with the first failure's
status. ``--sizes`` is passed to the benchmarks that take it (the scale curve);
``--quick`` passes each benchmark its own small sizes (:data:`QUICK_ARGS`, else
``--quick``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Benchmarks that accept ``--sizes``.
TAKES_SIZES = ("scale",)
#: What ``--quick`` passes to a benchmark that has no ``--quick`` of its own.
QUICK_ARGS = {"service": ["--mentees", "1000", "--mentors", "200", "--users", "10",
                          "--requests", "200", "--limit", "60"]}


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def benchmarks() -> dict[str, Path]:
    """Name (``bench_NAME.py``) → script, in name order."""
    return {path.stem.removeprefix("bench_"): path for path in sorted(HERE.glob("bench_*.py"))}


def parse(argv: list[str]) -> argparse.Namespace:
    found = benchmarks()
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog=f"benchmarks: {', '.join(found)}")
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    parser.add_argument("--only", action="append", choices=sorted(found), metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(found)}")
    parser.add_argument("--sizes", help="mentee counts for the scale curve, e.g. 1000,10000")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Run the chosen ``bench_*.py`` in name order."""
    args = parse(argv)
    found = benchmarks()
    if args.list:
        print("\n".join(f"{name}: {path.name}" for name, path in found.items()))
        return 0
    chosen = [name for name in found if not args.only or name in args.only]
    print(f"load average before (1/5/15 min): {load()}", flush=True)
    for name in chosen:
        extra = QUICK_ARGS.get(name, ["--quick"]) if args.quick else []
        if args.sizes and name in TAKES_SIZES:
            extra += ["--sizes", args.sizes]
        print(f"\n=== {found[name].name} {' '.join(extra)} (load before {load()})", flush=True)
        status = subprocess.call([sys.executable, "-m", f"benchmarks.{found[name].stem}",
                                  *extra], cwd=HERE.parent)
        if status != 0:
            print(f"{found[name].name} failed with status {status}", file=sys.stderr)
            return status
        print(f"=== {found[name].name} done (load after {load()})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
