"""Plan records and calendars benchmark: this tree against a previous revision, one command.

    .venv/bin/python benchmarks/bench_records.py --previous-rev cda3d91            # 10,000 pairs
    .venv/bin/python benchmarks/bench_records.py --previous-rev cda3d91 --pairs 1000 --repeats 1

The made-up match of ``bench_outputs.py`` (a generated cohort, one primary per mentee, a
specialist for every tenth) and its explanations are made once and pickled; then, in fresh
processes taking turns (previous, this, previous, this ...), each tree's code builds the
plan records of every pair (``PlanBuilder(outcome).plans``, the builder's set-up included)
and serialises every pair's calendar (``CalendarWriter.calendar``; ``--organizer`` makes
them invitations). No file is written. Each figure is the best CPU time (``process_time``)
of ``--repeats`` runs, with the median beside it; the ratio is this tree's to the previous
tree's. The records (their ``repr``) and every calendar's bytes must be the same in both
trees: the table says whether they are.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.previous_version import previous_env, previous_tree  # noqa: E402
from benchmarks.report_table import ResultTable  # noqa: E402

#: Builds the records and calendars in a fresh process and prints CPU / wall seconds and
#: the digests of what it built (JSON).
_CHILD = """
import hashlib, json, pickle, sys, time
from pathlib import Path
from matcher.outputs.calendar_files import CalendarWriter
from matcher.outputs.plans import PlanBuilder
outcome, explanations = pickle.loads(Path(sys.argv[1]).read_bytes())
organizer = sys.argv[2]
cpu, wall = time.process_time(), time.perf_counter()
plans = PlanBuilder(outcome).plans(outcome.networks, explanations)
plan_cpu, plan_wall = time.process_time() - cpu, time.perf_counter() - wall
cpu, wall = time.process_time(), time.perf_counter()
writer = CalendarWriter(outcome.config.program.start_date, organizer)
calendars = [writer.calendar(plan) for plan in plans]
calendar_cpu, calendar_wall = time.process_time() - cpu, time.perf_counter() - wall
records, files = hashlib.sha256(), hashlib.sha256()
for plan, data in zip(plans, calendars):
    records.update(repr(plan).encode())
    files.update(len(data).to_bytes(8, "big") + data)
import matcher
print(json.dumps({"package": matcher.__file__, "plans": plan_cpu, "calendars": calendar_cpu,
                  "plans_wall": plan_wall, "calendars_wall": calendar_wall,
                  "records": records.hexdigest(), "files": files.hexdigest(), "count": len(plans)}))
"""


def _made_up(folder: Path, n_pairs: int) -> Path:
    """The pickled (outcome, explanations by pair) of the made-up match."""
    from benchmarks.bench_outputs import synthetic_outcome
    from scoring.explain import explain_pairs

    outcome, _ = synthetic_outcome(folder / "in", n_pairs)
    pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings]
    explained = explain_pairs(outcome.cohort, outcome.config, pairs, outcome.features)
    path = folder / "outcome.pkl"
    path.write_bytes(pickle.dumps((outcome, {(e.mentee_id, e.mentor_id): e
                                             for e in explained})))
    return path


def _run(given: Path, organizer: str, tree: Path | None) -> dict[str, object]:
    env = previous_env(tree) if tree is not None else {**os.environ, "PYTHONPATH": str(ROOT)}
    # run from the pickle's folder: ``python -c`` puts the working folder first on sys.path
    done = subprocess.run([sys.executable, "-c", _CHILD, str(given), organizer], env=env,
                          capture_output=True, text=True, check=True, cwd=given.parent)
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--previous-rev", default="d5db890")
    parser.add_argument("--organizer", default="",
                        help="a coordinator e-mail: the calendars are invitations")
    args = parser.parse_args(argv)
    table = ResultTable()
    previous, commit = previous_tree(("matcher", "scoring"), args.previous_rev)
    load = os.getloadavg()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            given = _made_up(Path(tmp), args.pairs)
            runs: dict[str, list[dict[str, object]]] = {"previous": [], "this": []}
            for _ in range(args.repeats):
                runs["previous"].append(_run(given, args.organizer, previous))
                runs["this"].append(_run(given, args.organizer, None))
    finally:
        shutil.rmtree(previous, ignore_errors=True)
    name = f"{runs['this'][0]['count']:,} pairs" + (", invitations" if args.organizer else "")
    for figure, label in (("plans", "plan records (PlanBuilder.plans) CPU s"),
                          ("calendars", "calendars (CalendarWriter.calendar) CPU s"),
                          ("both", "records + calendars CPU s")):
        def seconds(run: dict[str, object], figure: str = figure) -> float:
            if figure == "both":
                return float(run["plans"]) + float(run["calendars"])  # type: ignore[arg-type]
            return float(run[figure])  # type: ignore[arg-type]
        old = [seconds(r) for r in runs["previous"]]
        new = [seconds(r) for r in runs["this"]]
        table.row(name, label, f"{min(new):.2f} / {statistics.median(new):.2f}",
                  f"{commit} {min(old):.2f} / {statistics.median(old):.2f}",
                  f"{min(new) / min(old):.2f}x best, "
                  f"{statistics.median(new) / statistics.median(old):.2f}x median")
    # each tree's runs imported its own package
    old_trees = {str(r["package"]) for r in runs["previous"]}
    assert all(t.startswith(str(previous)) for t in old_trees), old_trees
    assert all(str(r["package"]).startswith(str(ROOT)) for r in runs["this"])
    same = {key: all(r[key] == runs["previous"][0][key] for r in runs["this"] + runs["previous"])
            for key in ("records", "files")}
    table.row(name, "records and calendar bytes the same as the previous tree's",
              "yes" if all(same.values()) else f"NO: {same}", commit, "")
    after = os.getloadavg()
    table.row(name, "load (1 min) before / after", f"{load[0]:.1f} / {after[0]:.1f}",
              f"{os.cpu_count()} cores", "")
    table.print()
    return 0 if all(same.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
