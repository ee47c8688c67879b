"""Run every benchmark in this folder, one after another, with one command.

    python benchmarks/run_all.py            # full sizes (several minutes on 2 cores)
    python benchmarks/run_all.py --quick    # small sizes, a smoke test

Each benchmark prints its own table, every figure next to a baseline measured in the
same run; this script only runs them in turn and stops with the first failure's status.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    """Run ``bench_*.py`` in name order, passing ``--quick`` through when given."""
    quick = ["--quick"] if "--quick" in argv else []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {script.name} {' '.join(quick)}", flush=True)
        status = subprocess.call([sys.executable, str(script), *quick], cwd=HERE.parent)
        if status != 0:
            print(f"{script.name} failed with status {status}", file=sys.stderr)
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
