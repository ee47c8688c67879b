"""The run folder's tables, report, snapshot, manifest and explanations, step by step, against
the previous code in the same run (issue 15: "at half the CPU"), with the cycle collector
paused as the writer pauses it (so each figure is the writer's).

    .venv/bin/python benchmarks/bench_tables.py --previous-rev cda3d91 --pairs 10000

One synthetic outcome (benchmarks/bench_outputs.synthetic_outcome, ``--pairs`` pairs) is
pickled once; then a fresh child process per tree (this one, and ``--previous-rev``'s
``matcher`` and ``scoring`` packages from ``git archive``) times each step alone, in CPU
seconds of that process (``time.process_time``), ``--repeats`` times, alternating trees so
both meet the same load. Every step's output is hashed and must be the same in both trees
(the manifest's input is a folder of three files a pair, written once and kept in the
temporary folder for later runs: deleting so many files would slow file creation on this
disk for minutes). Rows: each
step's best CPU seconds in both trees and their ratio, the sum, and the machine load.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.previous_version import child_result, previous_env, previous_tree  # noqa: E402
from benchmarks.scratch import creation_cost, describe  # noqa: E402

#: Times each step in the tree this process imports, prints {step: [cpu s, sha256]} (JSON).
_CHILD = r"""
import datetime as dt, hashlib, json, pickle, sys, time
from pathlib import Path
from matcher.outputs.report import render_report
from matcher.outputs.sheets import csv_bytes, write_xlsx
from matcher.outputs.tables import (explanations_sheet, explanations_table, mentor_load_table,
    networks_table, pairings_table, problems_table, unplaced_table)
from matcher.outputs.templating import templates_for
from matcher.runfolder.marker import MARKER, manifest, write_marker
from matcher.runfolder.snapshot import snapshot_bytes
from scoring.explain import explain_pairs

outcome, _inputs = pickle.loads(Path(sys.argv[1]).read_bytes())
# As the writer runs its steps (runfolder.writer._collector_paused): what exists before the
# folder is written kept out of the collector's passes, and the collector off meanwhile.
import gc
gc.freeze()
gc.disable()
files, out = Path(sys.argv[2]), Path(sys.argv[3])
cohort, config = outcome.cohort, outcome.config
pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings]
results = {}

def step(name, f, *args):
    start = time.process_time()
    value = f(*args)
    results[name] = [time.process_time() - start, None]
    return value

def digest(name, data):
    results[name][1] = hashlib.sha256(data).hexdigest()

explained = step("explain_pairs", explain_pairs, cohort, config, pairs, outcome.features)
digest("explain_pairs", repr([e.to_dict() for e in explained]).encode())
by_pair = {(e.mentee_id, e.mentor_id): e for e in explained}
pairings = step("pairings_table", pairings_table, outcome, by_pair)
digest("pairings_table", repr(pairings).encode())
table = step("explanations_table", explanations_table, outcome, by_pair)
digest("explanations_table", repr(table).encode())
networks = step("networks_table", networks_table, outcome)
digest("networks_table", repr(networks).encode())
others = step("unplaced, load, problems tables", lambda: [
    unplaced_table(outcome), mentor_load_table(outcome), problems_table(outcome)])
digest("unplaced, load, problems tables", repr(others).encode())
data = step("pairings.csv (csv_bytes)", csv_bytes, pairings)
digest("pairings.csv (csv_bytes)", data)
data = step("explanations.csv (csv_bytes)", csv_bytes, table)
digest("explanations.csv (csv_bytes)", data)
tables = [pairings, networks, explanations_sheet(table, len(by_pair), 2000), *others]
step("pairings.xlsx (write_xlsx)", write_xlsx, out / "pairings.xlsx", tables,
     dt.datetime(2027, 1, 1))
digest("pairings.xlsx (write_xlsx)", (out / "pairings.xlsx").read_bytes())
templates = templates_for(config)
text = step("report.html (render_report)", render_report, outcome, by_pair, templates)
digest("report.html (render_report)", text.encode())
data = step("audit/cohort.json (snapshot_bytes)", snapshot_bytes, cohort, config)
digest("audit/cohort.json (snapshot_bytes)", data)
# as the writer calls it: the hashes of every file written are known, the folder is listed
n_pairs = len(list((files / "plans").iterdir())) // 2  # the folder's files, all known
known = {f"{sub}/pair-{k:05d}{suffix}": f"{k}{suffix}" for k in range(n_pairs)
         for sub, suffix in (("plans", ".md"), ("plans", ".html"), ("calendar", ".ics"))}
found = step("marker manifest", manifest, files, known)
digest("marker manifest", json.dumps(found, sort_keys=True).encode())
step("marker (write_marker)", write_marker, out, "token", "complete", found)
digest("marker (write_marker)", (out / MARKER).read_bytes())
print(json.dumps(results))
"""


def _fixture(folder: Path, n_pairs: int) -> Path:
    """The pickled synthetic outcome of ``n_pairs`` pairs."""
    from benchmarks.bench_outputs import synthetic_outcome
    outcome, inputs = synthetic_outcome(folder / "in", n_pairs)
    pickled = folder / "outcome.pkl"
    pickled.write_bytes(pickle.dumps((outcome, inputs)))
    return pickled


def _files(n_pairs: int) -> Path:
    """A folder of three files a pair, as a run folder's plans and calendars, for the
    manifest to list: kept in the temporary folder and reused by later runs, because
    deleting tens of thousands of files slows every file creation on this disk for
    minutes (benchmarks/scratch.py), other benchmarks' included."""
    files = Path(tempfile.gettempdir()) / f"mentormatch-bench-tables-files-{n_pairs}"
    done = files / "complete"
    if not done.exists():
        for sub in ("plans", "calendar"):
            (files / sub).mkdir(parents=True, exist_ok=True)
        for k in range(n_pairs):
            for sub, suffix in (("plans", ".md"), ("plans", ".html"), ("calendar", ".ics")):
                (files / sub / f"pair-{k:05d}{suffix}").write_bytes(f"{k}{suffix}".encode())
        done.write_bytes(b"")
    return files


def _run(pickled: Path, files: Path, env: dict[str, str]) -> dict[str, list]:
    with tempfile.TemporaryDirectory(prefix="bench-tables-") as out:
        result: dict[str, list] = child_result(
            [sys.executable, "-c", _CHILD, str(pickled), str(files), out], env,
            tempfile.gettempdir())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000,
                        help="pairs of the synthetic outcome (default 10,000; ~10 %% of its "
                             "mentees are left unplaced)")
    parser.add_argument("--previous-rev", default="main")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    tree, short = previous_tree(("matcher", "scoring"), args.previous_rev)
    this = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = previous_env(tree)
    loads = [os.getloadavg()[0]]
    probe = creation_cost()
    files = _files(args.pairs)
    with tempfile.TemporaryDirectory(prefix="bench-tables-in-") as folder:
        pickled = _fixture(Path(folder), args.pairs)
        runs: dict[str, list[dict[str, list]]] = {"this": [], "previous": []}
        for _ in range(args.repeats):
            runs["previous"].append(_run(pickled, files, before))
            runs["this"].append(_run(pickled, files, this))
            loads.append(os.getloadavg()[0])
    steps = list(runs["this"][0])
    print(f"Steps of the run folder at {args.pairs:,} synthetic pairs: best CPU s of "
          f"{args.repeats} fresh processes each, this tree against {short} (same run); "
          f"load {min(loads):.1f}-{max(loads):.1f}; before: {describe(probe)} (only "
          f"pairings.xlsx is a file written)")
    print(f"{'step':<40} {short:>10} {'this':>8} {'ratio':>6}  same output")
    totals = [0.0, 0.0]
    different = []
    for name in steps:
        old = min(r[name][0] for r in runs["previous"])
        new = min(r[name][0] for r in runs["this"])
        same = all(r[name][1] == runs["previous"][0][name][1]
                   for r in runs["this"] + runs["previous"])
        different += [] if same else [name]
        totals[0] += old
        totals[1] += new
        print(f"{name:<40} {old:>10.3f} {new:>8.3f} {new / old:>6.2f}  {'yes' if same else 'NO'}")
    print(f"{'all these steps':<40} {totals[0]:>10.3f} {totals[1]:>8.3f} "
          f"{totals[1] / totals[0]:>6.2f}")
    if different:
        raise SystemExit(f"different output: {', '.join(different)}")


if __name__ == "__main__":
    main()
