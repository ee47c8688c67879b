"""Rendering a run folder's pages and e-mails: this tree against the previous one, one command.

    .venv/bin/python benchmarks/bench_pages.py --previous-rev cda3d91            # 10,000 pairs
    .venv/bin/python benchmarks/bench_pages.py --pairs 1000 --repeats 5

What is timed is the per-pair text the templates make for a run folder, nothing else: each
plan's Markdown page, its HTML body (the ``plan_body`` macro) and standalone HTML page (and,
step "pages' bytes", those pages as the UTF-8 bytes the writer writes),
all_plans.html, each pair's introduction e-mail (subject and body) and introductions.csv
(the e-mails as mail-merge rows, each cell formula-guarded), for the synthetic
outcome of :func:`benchmarks.bench_outputs.synthetic_outcome`. Both writers run in fresh
child processes, alternately, on the same pickled outcome; each builds its own plans (not
timed) and then renders them (CPU time of the process, ``time.process_time``). The table
gives the best and median CPU seconds of each writer, their ratio, the machine's load,
and whether every rendered text is the same (a sha256 of all of them).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_outputs import synthetic_outcome  # noqa: E402
from benchmarks.previous_version import PREVIOUS_REV, previous_tree  # noqa: E402

#: What the child process runs: build the plans, then time each render step.
_CHILD = r"""
import gc, hashlib, json, pickle, sys, time
from pathlib import Path
import matcher
from matcher.outputs.plans import PlanBuilder
from matcher.outputs.templating import PlanRenderer, builtin_templates
from matcher.runfolder.writer import _introduction, _introductions_csv
from scoring.explain import explain_pairs

outcome = pickle.loads(Path(sys.argv[1]).read_bytes())
pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings]
explained = {(e.mentee_id, e.mentor_id): e
             for e in explain_pairs(outcome.cohort, outcome.config, pairs, outcome.features)}
plans = PlanBuilder(outcome).plans(outcome.networks, explained)
templates = builtin_templates()
templates.compile_all()
gc.collect()
digest = hashlib.sha256()
seconds = {}
start = time.process_time()
render = PlanRenderer(templates)
pages = [render(plan) for plan in plans]
seconds["plans"] = time.process_time() - start
start = time.process_time()
# The pages' bytes, as the writer writes them (a tree that renders bytes has them already).
encoded = [(page.markdown_bytes, page.html_bytes) if hasattr(page, "markdown_bytes")
           else (page.markdown.encode("utf-8"), page.html.encode("utf-8")) for page in pages]
seconds["pages' bytes"] = time.process_time() - start
start = time.process_time()
e_mails = [_introduction(templates, plan) for plan in plans]
seconds["e-mails"] = time.process_time() - start
start = time.process_time()
combined = render.combined(plans, [page.body for page in pages])
seconds["all_plans.html"] = time.process_time() - start
start = time.process_time()
introductions = _introductions_csv(plans, e_mails)
seconds["introductions.csv"] = time.process_time() - start
for markdown, html in encoded:
    digest.update(markdown); digest.update(html)
for subject, body in e_mails:
    digest.update(subject.encode()); digest.update(body.encode())
digest.update(combined.encode())
digest.update(introductions)
print(json.dumps({"seconds": seconds, "sha256": digest.hexdigest(), "plans": len(plans),
                  "package": matcher.__file__}))
"""


def _render_in_child(outcome: Path, tree: Path | None) -> dict[str, object]:
    path = os.pathsep.join(str(p) for p in (tree, ROOT) if p is not None)
    done = subprocess.run([sys.executable, "-c", _CHILD, str(outcome)], check=True,
                          env={**os.environ, "PYTHONPATH": path}, capture_output=True,
                          text=True, cwd=outcome.parent)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    if not Path(str(result.pop("package"))).is_relative_to(tree or ROOT):
        raise RuntimeError(f"the child did not import the templates from {tree or ROOT}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000, help="pairs of the synthetic run")
    parser.add_argument("--repeats", type=int, default=3, help="renders by each writer")
    parser.add_argument("--previous-rev", default=PREVIOUS_REV,
                        help="the previous writer: this branch's merge base with REV")
    args = parser.parse_args()
    previous, base = previous_tree(("matcher", "scoring"), args.previous_rev)
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as scratch:
        outcome, _ = synthetic_outcome(Path(scratch), args.pairs)
        given = Path(scratch) / "outcome.pkl"
        given.write_bytes(pickle.dumps(outcome))
        runs: dict[str, list[dict[str, Any]]] = {"previous": [], "this": []}  # JSON
        loads = []
        for _ in range(args.repeats):
            for writer, tree in (("previous", previous), ("this", None)):
                runs[writer].append(_render_in_child(given, tree))
                loads.append(os.getloadavg()[0])
    steps = list(runs["this"][0]["seconds"])
    print(f"Rendering the pages and e-mails of {runs['this'][0]['plans']:,} plans, CPU "
          f"seconds (best / median of {args.repeats}), previous = {base}, "
          f"load {min(loads):.2f}-{max(loads):.2f} (1-min average, cores: {os.cpu_count()})")
    totals = {}
    for step in [*steps, "total"]:
        figures = {}
        for writer, results in runs.items():
            values = [sum(r["seconds"].values()) if step == "total"
                      else r["seconds"][step] for r in results]
            figures[writer] = (min(values), statistics.median(values))
        totals[step] = figures
        old, new = figures["previous"], figures["this"]
        print(f"  {step:<16} previous {old[0]:6.2f} / {old[1]:6.2f}   this {new[0]:6.2f} / "
              f"{new[1]:6.2f}   ratio {new[0] / old[0]:.2f} / {new[1] / old[1]:.2f}")
    same = {r["sha256"] for rs in runs.values() for r in rs}
    print(f"  every rendered text the same as the previous writer's: {len(same) == 1}")


if __name__ == "__main__":
    main()
