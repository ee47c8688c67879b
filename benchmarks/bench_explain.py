"""The run folder's explanations, their tables and report.html, step by step, against the
previous code in the same run (issue 15: "at half the CPU").

    .venv/bin/python benchmarks/bench_explain.py --previous-rev cda3d91 --pairs 10000

One synthetic outcome (benchmarks/bench_outputs.synthetic_outcome, ``--pairs`` pairs) is
pickled once; then a fresh child process per tree (this one, and ``--previous-rev``'s
``matcher`` and ``scoring`` packages from ``git archive``) times each step in CPU seconds of
that process (``time.process_time``), ``--repeats`` times, alternating trees so both meet the
same load. The built-in templates are compiled first, as ``match`` compiles them while the
solver works (matcher.runfolder.prepared). The cycle collector is as the run-folder writer
has it (everything alive before frozen, the collector off:
matcher.runfolder.writer._collector_paused); ``--collector on`` leaves it on. Steps:
explain_pairs of every pair, the pairings, explanations and networks tables, report.html,
and ``mentormatch explain --mentee A --vs C``'s computation (compare of one mentee's two
mentors, 50 times, from the kept features). Every step's output is hashed and must be the
same in both trees. Rows: each step's best CPU seconds in both trees and their ratio, the
sum of the run folder's steps, the machine load and the file-creation probe (no file is
written here).
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
import gc, hashlib, json, pickle, sys, time
from pathlib import Path
from matcher.outputs.report import render_report
from matcher.outputs.tables import explanations_table, networks_table, pairings_table
from matcher.outputs.templating import templates_for
from scoring.explain import compare, explain_pairs

outcome, _inputs = pickle.loads(Path(sys.argv[1]).read_bytes())
collector = sys.argv[2]
cohort, config = outcome.cohort, outcome.config
pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings]
templates = templates_for(config)
templates.compile_all()  # as `match` has it (matcher.runfolder.prepared, during the solve)
results = {}
if collector == "off":  # as the run-folder writer has it
    gc.freeze()
    gc.disable()

def step(name, f, *args):
    start = time.process_time()
    value = f(*args)
    results[name] = [time.process_time() - start, hashlib.sha256(repr(value).encode()
                                                                 ).hexdigest()]
    return value

explained = step("explain_pairs", explain_pairs, cohort, config, pairs, outcome.features)
results["explain_pairs"][1] = hashlib.sha256(
    repr([e.to_dict() for e in explained]).encode()).hexdigest()
by_pair = {(e.mentee_id, e.mentor_id): e for e in explained}
step("pairings_table", pairings_table, outcome, by_pair)
step("explanations_table", explanations_table, outcome, by_pair)
step("networks_table", networks_table, outcome)
step("report.html (render_report)", render_report, outcome, by_pair, templates)
mentee = outcome.networks[0].mentee_id
b, c = cohort.mentors[0].id, cohort.mentors[1].id
step("explain --vs, 50 times (compare)", lambda: [
    compare(cohort, config, mentee, b, c, outcome.features).to_dict() for _ in range(50)])
print(json.dumps(results))
"""

#: The steps of the run folder (the last step is the explain command's).
FOLDER_STEPS = 5


def _fixture(folder: Path, n_pairs: int) -> Path:
    """The pickled synthetic outcome of ``n_pairs`` pairs."""
    from benchmarks.bench_outputs import synthetic_outcome
    outcome, inputs = synthetic_outcome(folder / "in", n_pairs)
    pickled = folder / "outcome.pkl"
    pickled.write_bytes(pickle.dumps((outcome, inputs)))
    return pickled


def _run(pickled: Path, collector: str, env: dict[str, str]) -> dict[str, list]:
    result: dict[str, list] = child_result([sys.executable, "-c", _CHILD, str(pickled),
                                            collector], env, tempfile.gettempdir())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000,
                        help="pairs of the synthetic outcome (default 10,000; ~10 %% of its "
                             "mentees are left unplaced)")
    parser.add_argument("--previous-rev", default="main")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--collector", choices=("off", "on"), default="off",
                        help="the cycle collector: off and everything alive before frozen, "
                             "as the run-folder writer has it (default), or on")
    args = parser.parse_args()
    tree, short = previous_tree(("matcher", "scoring"), args.previous_rev)
    this = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = previous_env(tree)
    loads = [os.getloadavg()[0]]
    probe = creation_cost()
    with tempfile.TemporaryDirectory(prefix="bench-explain-in-") as folder:
        pickled = _fixture(Path(folder), args.pairs)
        runs: dict[str, list[dict[str, list]]] = {"this": [], "previous": []}
        for _ in range(args.repeats):
            runs["previous"].append(_run(pickled, args.collector, before))
            runs["this"].append(_run(pickled, args.collector, this))
            loads.append(os.getloadavg()[0])
    steps = list(runs["this"][0])
    print(f"Explanations, tables and report at {args.pairs:,} synthetic pairs: best CPU s of "
          f"{args.repeats} fresh processes each, this tree against {short} (same run); "
          f"collector {args.collector}; load {min(loads):.1f}-{max(loads):.1f}; "
          f"{describe(probe)} (no file is written)")
    print(f"{'step':<36} {short:>10} {'this':>8} {'ratio':>6}  same output")
    totals = [0.0, 0.0]
    different = []
    for number, name in enumerate(steps):
        old = min(r[name][0] for r in runs["previous"])
        new = min(r[name][0] for r in runs["this"])
        same = all(r[name][1] == runs["previous"][0][name][1]
                   for r in runs["this"] + runs["previous"])
        different += [] if same else [name]
        if number < FOLDER_STEPS:
            totals[0] += old
            totals[1] += new
        print(f"{name:<36} {old:>10.3f} {new:>8.3f} {new / old:>6.2f}  {'yes' if same else 'NO'}")
        if number == FOLDER_STEPS - 1:
            print(f"{'the run folder steps above':<36} {totals[0]:>10.3f} {totals[1]:>8.3f} "
                  f"{totals[1] / totals[0]:>6.2f}")
    if different:
        raise SystemExit(f"different output: {', '.join(different)}")


if __name__ == "__main__":
    main()
