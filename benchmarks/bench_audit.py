"""Audit benchmark: "why B and not C" from a run folder, against the match's own solve.

    .venv/bin/python benchmarks/bench_audit.py            # the sample and 10,000 x 2,000
    .venv/bin/python benchmarks/bench_audit.py --quick    # the sample only

For each cohort: ``mentormatch match`` writes a run folder; then the audit answers "why
not C" for a placed mentee (C: their best-scoring mentor outside the network) and for an
unplaced one, timed in process (the CLI's import time is the CLI benchmark's). Baselines,
measured in the same run: the match's own solver seconds, and the work the previous
session's audit did for the same question (:func:`session_3_answer`). The audit's own work
is its time minus its solver seconds. The 10,000 x 2,000 cohort is generated
(sample_data/generate.py) and matched one mentor each (the flow).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.report_table import ResultTable  # noqa: E402
from matcher.audit import (  # noqa: E402
    KEEP_UNIT,
    alternatives,
    explain_from_run,
    load_run,
    resolve_run,
)
from matcher.jobs import match_job  # noqa: E402
from matcher.placement import both_scores  # noqa: E402
from scoring.features import build_features  # noqa: E402

RESULTS = ResultTable()
SAMPLE = ROOT / "sample_data"


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def session_3_answer(out: Path, mentee_id: str, mentor_c: str) -> None:
    """The work of session 3's "why not C" (the baseline): read the run, build the
    features, score once, then the forced solve and the closest solve, each with every
    placement stage."""
    run = load_run(out)
    features = build_features(run.cohort, run.config)
    scores, placement = both_scores(features, run.config)
    lock = ((mentee_id, mentor_c),)
    keep = {p.key: KEEP_UNIT for p in run.pairs}
    for bonus in (None, keep):
        resolve_run(run, locks=lock, keep_bonus=bonus, features=features, scores=scores,
                    placement=placement)


def bench(name: str, mentors: Path, mentees: Path, out: Path, **extra: object) -> None:
    print(f"[{name}] matching ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    result = match_job(str(mentors), str(mentees), config=str(SAMPLE / "program.toml"),
                       out=str(out), quiet=True, **extra)  # type: ignore[arg-type]
    match_seconds = time.perf_counter() - started
    solver = float(result.outcome.result.stats["solver_seconds"])  # type: ignore[arg-type]
    RESULTS.row(name, "match (whole command in process) s", f"{match_seconds:.2f}", "-",
                f"solver {solver:.2f} s; load {load()}")
    stages = result.outcome.result.stats.get("placement_stage_seconds")
    if stages:  # capacity bound: the preference-neutral placement ran its extra stages
        RESULTS.row(name, "solver s by placement stage", f"{stages}", f"{stages[0]:.2f}",  # type: ignore[index]
                    f"{solver / max(float(stages[0]), 1e-9):.2f}x the ordinary solve")  # type: ignore[index]
    run = load_run(out)
    placed = next(p for p in run.pairs if p.role == "primary")
    features = build_features(run.cohort, run.config)
    _, others = alternatives(run, features, placed.mentee_id, 1)
    if not others:
        return
    c = others[0].explanation.mentor_id
    started = time.perf_counter()
    audit = explain_from_run(out, placed.mentee_id, vs=c,
                             say=lambda line: print(f"  {line}", file=sys.stderr, flush=True))
    seconds = time.perf_counter() - started
    forced = audit.why_not.forced if audit.why_not else None
    changes = len(forced.changes) if forced else 0
    solves = forced.solves if forced else 0
    inside = forced.solver_seconds if forced else 0.0
    RESULTS.row(name, "why B and not C s (placed mentee)", f"{seconds:.2f}", f"{solver:.2f}",
                f"{seconds / max(solver, 1e-9):.2f}x the match's solve; {solves} re-solves "
                f"({inside:.2f} s in the solver); {changes} pair changes listed; "
                f"load {load()}")
    RESULTS.row(name, "  of which the audit's own work s", f"{seconds - inside:.2f}", "-",
                "reading, ids, features, scores, comparison: the audit minus its solves")
    started = time.perf_counter()
    session_3_answer(out, placed.mentee_id, c)
    old = time.perf_counter() - started
    RESULTS.row(name, "baseline: session 3's two solves (forced, then closest) s",
                f"{old:.2f}", "-", f"{seconds / max(old, 1e-9):.2f}x for the audit above "
                f"(whole question); load {load()}")
    unplaced = next((e for e, reason in (run.run.record.get("unplaced") or {}).items()
                     if "full" in str(reason)), None)
    if unplaced is not None:
        _, others = alternatives(run, features, unplaced, 1)
        started = time.perf_counter()
        explain_from_run(out, unplaced, vs=others[0].explanation.mentor_id)
        seconds = time.perf_counter() - started
        RESULTS.row(name, "why not C s (unplaced mentee)", f"{seconds:.2f}", f"{solver:.2f}",
                    f"{seconds / max(solver, 1e-9):.2f}x the match's solve; load {load()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the sample only")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench("sample 150x60", SAMPLE / "mentors.csv", SAMPLE / "mentees.csv",
              folder / "sample")
        bench("sample 150x60, one mentor each", SAMPLE / "mentors.csv",
              SAMPLE / "mentees.csv", folder / "sample1", network_size=1)
        if not args.quick:
            from sample_data.generate import write

            print("[10000x2000] generating ...", file=sys.stderr, flush=True)
            mentors, mentees = write(folder / "big", 10_000, 2_000, seed=1)[:2]
            bench("10000x2000, one mentor each", mentors, mentees, folder / "big_run",
                  network_size=1)
    RESULTS.print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
