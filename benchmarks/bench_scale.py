"""Scale curve: the whole `match` (intake → scores → solve → run folder) from 1,000 to
100,000 mentees.

    .venv/bin/python benchmarks/bench_scale.py                    # 1k, 10k, 30k (5:1 mentors)
    .venv/bin/python benchmarks/bench_scale.py --quick            # 1k and 10k
    .venv/bin/python benchmarks/bench_scale.py --sizes 1000,10000,30000,100000 # the curve
    .venv/bin/python benchmarks/bench_scale.py --sizes 10000,30000 --run-folder
    .venv/bin/python benchmarks/bench_scale.py --sizes 30000 --previous
    .venv/bin/python benchmarks/bench_scale.py --sizes 10000,30000 --previous-rev 6790592
    .venv/bin/python benchmarks/bench_scale.py --sizes 10000 --objective stable --previous

Each size runs in its own fresh process on a cohort from ``sample_data/generate.py`` (seed
1, 5 mentees per mentor, network size 1, objective total). Without ``--run-folder`` the
child reads the cohort and calls :func:`matcher.pipeline.run_match`; with it, the child
runs the command's own function (:func:`matcher.jobs.match_job`: intake, diagnostics,
solve and the run folder). Either way it reports per phase (exclusive: a phase inside
another is not counted twice):

* intake (``read_cohort``), diagnostics (run folder only; on a streamed cohort they read
  the score pass's tallies when it ends, so their phase is only the findings and their
  share of the scoring is in the score pass: ``matcher.compute.TallySink``), features,
* scores kept (the float64 matrix of a cohort that fits ``[solver] memory_gib``),
* score pass (the solver's one read of the scores into its screening copy; for a streamed
  cohort this is the scoring itself, on the local process pool from 50 M pairs),
* solve (candidates, flows, certificates, result; every stage of the preference-neutral
  placement), placement scores (kept placement matrix, when that stage runs on a kept
  cohort: the pair scores with the rows of the mentees who opted into a preference scored
  again), rows swapped in (the rows of the screening copy a placement stage replaces:
  scored again for a streamed cohort, read from the kept matrix for a kept one; and the
  chosen ones' pair scores for the last stage when memory did not allow keeping their rows
  aside; "rows scored again" before session 9), run folder, other (imports, the rest);

each with its wall time, its CPU time (user + system of the child *and* of its finished
children, i.e. the scoring pool's workers: CPU carries the claim when the machine is busy)
and the peak memory of the whole process tree (the child and its pool workers, sampled
every 0.1 s) while it ran. The whole run's row also gives how many score passes the solver
made, the number of solves, the status, whether the result is certified and the load
(with ``--run-folder``, also the file-creation probe of ``benchmarks/scratch.py``; each
version writes its own run folder).

Baselines from the same run: every phase is also given as a ratio to the size's first
score pass; with ``--previous`` each size is run a second time with the previous version's
score source (scores kept up to 40 M pairs, else 1,000-row blocks re-scored for every
exact-score lookup; with ``--objective stable``, the previous stable engine, which ranked a
dense matrix of every pair), so the ratio is new / previous on the same machine and hour;
with ``--previous-rev REV`` each size is run again with the ``matcher``, ``scoring`` and
``cli`` packages of that revision (``git archive`` of its merge base with HEAD), its phases
printed too, and the objective and placed count compared.
The load average is printed with each size. 100,000 × 20,000 is left out of the default
because it takes minutes and most of the machine's memory: ask for it with ``--sizes``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # after PYTHONPATH: a --previous-rev child imports its tree
    sys.path.append(str(ROOT))

from benchmarks.previous_version import previous_env, previous_tree  # noqa: E402
from benchmarks.report_table import ResultTable  # noqa: E402

CONFIG = ROOT / "sample_data" / "program.toml"
#: ``[limits] max_cells`` of the benchmark's config: the sample config's limit (2 M cells
#: a sheet) refuses the 100,000-mentee sheet, as it should for an unexpected file; a
#: coordinator with that many sign-ups raises it the same way.
MAX_CELLS = 50_000_000
DEFAULT_SIZES = (1_000, 10_000, 30_000)
QUICK_SIZES = (1_000, 10_000)
#: Seconds between two samples of the process tree's memory.
SAMPLE_SECONDS = 0.1
#: (module, function, phase) timed in the child, outermost first. A call inside another
#: timed call is charged to the inner phase only.
PHASES = (
    ("scoring.intake.cohort", "read_cohort", "intake"),
    ("matcher.jobs", "check_diagnostics", "diagnostics"),
    ("matcher.pipeline", "build_features", "features"),
    ("scoring.features", "build_features", "features"),  # match_job's, imported when called
    ("matcher.pipeline", "score_source", "scores kept"),
    ("matcher.placement", "solve", "solve"),
    ("matcher.solver.dispatch", "build_cache", "score pass"),
    ("matcher.placement", "build_cache", "score pass"),
    ("matcher.solver.score_cache.ScoreCache", "swap_rows", "rows swapped in"),
    ("matcher.pipeline", "placement_scores", "placement scores"),
    ("matcher.runfolder.writer", "write_run_folder", "run folder"),
)


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


class PhaseClock:
    """Exclusive wall time, CPU time (this process and its reaped children) and peak
    memory of the process tree, per phase; the phase is the innermost timed call running."""

    def __init__(self) -> None:
        import psutil

        self._process = psutil.Process()
        self._stack = ["other"]
        self.figures: dict[str, list[float]] = {}  # phase -> [wall, CPU, peak MiB, calls]
        self._lock = threading.Lock()
        self._mark = self._now()
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    @staticmethod
    def _now() -> tuple[float, float]:
        mine = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.perf_counter(), (mine.ru_utime + mine.ru_stime + children.ru_utime +
                                     children.ru_stime)

    def _row(self, phase: str) -> list[float]:
        return self.figures.setdefault(phase, [0.0, 0.0, 0.0, 0])

    def _charge(self) -> None:
        """Charge the time since the last mark to the running phase."""
        now = self._now()
        row = self._row(self._stack[-1])
        row[0] += now[0] - self._mark[0]
        row[1] += now[1] - self._mark[1]
        self._mark = now

    def _tree_mib(self) -> float:
        import psutil

        total = 0
        for proc in [self._process, *self._process.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.Error:  # a worker that just ended
                pass
        return total / 2**20

    def _sample(self) -> None:
        while not self._done.wait(SAMPLE_SECONDS):
            mib = self._tree_mib()
            with self._lock:
                row = self._row(self._stack[-1])
                row[2] = max(row[2], mib)

    def enter(self, phase: str) -> None:
        with self._lock:
            self._charge()
            self._stack.append(phase)
            self._row(phase)[3] += 1

    def leave(self) -> None:
        with self._lock:
            self._charge()
            self._stack.pop()

    def wrap(self, module_name: str, name: str, phase: str) -> None:
        """Time every call of ``module.name`` as ``phase`` (the attribute is replaced, so
        callers that look it up in the module at call time see the timed one)."""
        try:
            owner: Any = importlib.import_module(module_name)
        except ModuleNotFoundError:  # "package.module.Class": a method
            module_name, class_name = module_name.rsplit(".", 1)
            owner = getattr(importlib.import_module(module_name), class_name)
        inner = getattr(owner, name, None)
        if inner is None:  # not in this version of the code (--previous-rev)
            return

        def timed(*args: Any, **kwargs: Any) -> Any:
            self.enter(phase)
            try:
                return inner(*args, **kwargs)
            finally:
                self.leave()
        setattr(owner, name, timed)

    def stop(self) -> dict[str, list[float]]:
        self._done.set()
        self._sampler.join()
        with self._lock:
            self._charge()
            row = self._row("other")
            row[2] = max(row[2], self._tree_mib())
        return self.figures


def previous_score_source(features, config, sink=None):  # noqa: ARG001 (passed by the pipeline)
    """The score source before issue 15: kept up to 40 M pairs, else blocks of 1,000 rows
    recomputed on every lookup (the solver's fallback reads every block for a few pairs).
    ``sink`` is not filled (that source tallied nothing): the diagnostics score the cohort
    on their own, as they did then."""
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


def write_config(folder: Path) -> Path:
    """The sample config with ``[limits] max_cells`` raised to :data:`MAX_CELLS`."""
    path = folder / "program.toml"
    path.write_text(CONFIG.read_text(encoding="utf-8") +
                    f"\n[limits]\nmax_cells = {MAX_CELLS}\n", encoding="utf-8")
    return path


def with_memory(load_config: Callable[..., Any], memory_gib: float | None
                ) -> Callable[..., Any]:
    """``load_config`` with ``[solver] memory_gib`` replaced (when given)."""
    import dataclasses

    def loaded(*args: Any, **kwargs: Any) -> Any:
        config = load_config(*args, **kwargs)
        if memory_gib is None:
            return config
        return dataclasses.replace(config, solver=dataclasses.replace(
            config.solver, memory_gib=memory_gib))
    return loaded


def child(folder: str, version: str, memory_gib: float | None, objective: str,
          run_folder: bool) -> None:
    """Run the match in this fresh process; print the figures as JSON."""
    import matcher.pipeline as pipeline
    import scoring.config

    if version == "previous" and objective == "stable":
        previous_stable_engine()
    elif version == "previous":
        # (with --run-folder, `match` keeps the scores of a cohort that fits memory from
        # the diagnostics' pass and never calls a score source: only streamed sizes differ)
        pipeline.score_source = previous_score_source
    scoring.config.load_config = with_memory(scoring.config.load_config, memory_gib)
    clock = PhaseClock()
    for module, name, phase in PHASES:
        clock.wrap(module, name, phase)
    mentors, mentees = Path(folder) / "mentors.csv", Path(folder) / "mentees.csv"
    config_path = write_config(Path(folder))
    started = time.perf_counter()
    if run_folder:
        from matcher.jobs import match_job

        result = match_job(str(mentors), str(mentees), config=str(config_path),
                           objective=objective, network_size=1,
                           out=str(Path(folder) / f"run-{version}"), quiet=True)
        outcome = result.outcome
    else:
        import scoring.intake.cohort as intake

        config = scoring.config.load_config(config_path)
        cohort = intake.read_cohort(mentors, mentees, config)
        outcome = pipeline.run_match(cohort, config, network_size=1, objective=objective,
                                     progress=False)
    wall = time.perf_counter() - started
    phases = clock.stop()
    stats = outcome.result.stats
    print(json.dumps({
        "phases": phases, "wall": wall, "cpu": sum(p[1] for p in phases.values()),
        "peak": max(p[2] for p in phases.values()),  # sampled: may miss a short peak
        "self_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # exact
        "status": outcome.result.status, "placed": stats.get("placed"),
        "certified": stats.get("certified"), "rounds": stats.get("rounds"),
        "placement": stats.get("placement"), "objective": outcome.result.objective,
        "passes": phases.get("score pass", [0, 0, 0, 0])[3],
        "tree": str(Path(pipeline.__file__).resolve().parent.parent)}))


def run_size(folder: Path, version: str, args: argparse.Namespace) -> dict:
    """Run one size in a fresh process: ``version`` "new" (this tree), "previous" (this
    tree with the previous score source) or "rev" (the packages of ``--previous-rev``)."""
    env = None
    if version == "rev":
        tree, _commit = previous_tree(("matcher", "scoring", "cli"), args.previous_rev)
        env = previous_env(tree)
    argv = [sys.executable, __file__, "--child", str(folder), version, "--objective",
            args.objective]
    if args.memory_gib is not None:
        argv += ["--memory-gib", str(args.memory_gib)]
    if args.run_folder:
        argv.append("--run-folder")
    out = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env)
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"the {version} run on {folder} failed (status {out.returncode})")
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(table: ResultTable, size: str, new: dict, old: dict | None, loads: str,
           label: str = "previous") -> None:
    """One row per phase (ratio to the first score pass), one for the whole run; the
    baseline's phases too when it is another revision."""
    if label != "previous" and old is not None:
        for phase, (wall, cpu, peak, calls) in old["phases"].items():
            times = f" ({calls:.0f} calls)" if calls > 1 else ""
            table.row("scale", f"{size} {label} {phase}{times}",
                      f"{wall:.2f} s wall, {cpu:.2f} s CPU, peak {peak:,.0f} MiB", "-", "-")
        phases = {}
    else:
        phases = new["phases"]
    passes = new["phases"].get("score pass", [0.0, 0.0, 0.0, 0])
    per_pass = passes[1] / max(passes[3], 1)
    for phase, (wall, cpu, peak, calls) in phases.items():
        times = f" ({calls:.0f} calls)" if calls > 1 else ""
        table.row("scale", f"{size} {phase}{times}",
                  f"{wall:.2f} s wall, {cpu:.2f} s CPU, peak {peak:,.0f} MiB",
                  f"one score pass {per_pass:.2f} s CPU",
                  f"{cpu / max(per_pass, 1e-9):.2f}x CPU")
    if phases and "run folder" in new["phases"]:
        folder = new["phases"]["run folder"]
        table.row("scale", f"{size} whole without run folder",
                  f"{new['wall'] - folder[0]:.1f} s wall, {new['cpu'] - folder[1]:.1f} s CPU",
                  "-", "-")
    baseline, ratio = "-", "-"
    if old is not None:
        baseline = (f"{label}: {old['wall']:.1f} s wall, {old['cpu']:.1f} s CPU, "
                    f"{old['peak']:,.0f} MiB, {old['passes']:.0f} score passes")
        ratio = (f"{new['cpu'] / old['cpu']:.2f}x CPU, {new['wall'] / old['wall']:.2f}x wall, "
                 f"{new['peak'] / old['peak']:.2f}x mem")
        if (old["objective"], old["placed"]) != (new["objective"], new["placed"]):
            print(f"  !! {size}: objective {new['objective']} vs {label} "
                  f"{old['objective']}", file=sys.stderr)
        else:
            table.row("scale", f"{size} same objective and placed count as {label}",
                      f"{new['objective']:,.2f}, {new['placed']:,} placed", "-", "-")
    table.row("scale", f"{size} load (1/5/15 min)", loads, "-", "-")
    table.row("scale", f"{size} whole (status {new['status']}, certified {new['certified']}, "
              f"{new['rounds']} rounds, {passes[3]:.0f} score passes; {new['placement']})",
              f"{new['wall']:.1f} s wall, {new['cpu']:.1f} s CPU, {new['peak']:,.0f} MiB tree "
              f"({new['self_peak']:,.0f} MiB main)", baseline, ratio)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 mentees only")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                        help="comma-separated mentee counts (mentors: a fifth), e.g. 1000,10000")
    parser.add_argument("--run-folder", action="store_true",
                        help="run the whole command (match_job), run folder included")
    parser.add_argument("--previous", action="store_true",
                        help="also run each size with the previous version's score source")
    parser.add_argument("--memory-gib", type=float, default=None,
                        help="[solver] memory_gib for the runs (default: the config's)")
    parser.add_argument("--objective", default="total", choices=("total", "fair", "stable"),
                        help="the solver's objective (default total); with --previous and "
                             "stable, the baseline is the previous stable engine")
    parser.add_argument("--previous-rev", metavar="REV",
                        help="also run each size with the matcher, scoring and cli packages "
                             "of this git revision (its merge base with HEAD), e.g. 6790592")
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "VERSION"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], args.memory_gib, args.objective, args.run_folder)
        return 0
    from sample_data.generate import write

    sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    table = ResultTable()
    for n in sizes:
        m = n // 5
        with tempfile.TemporaryDirectory() as tmp:
            write(tmp, n, m, seed=1)
            before = load()
            probe = ""
            if args.run_folder:  # what creating a file costs now (README, "What creating ...")
                from benchmarks.scratch import creation_cost, describe
                probe = f"; file-creation probe {describe(creation_cost())}"
            print(f"\n{n:,} × {m:,}: load before {before}{probe}", file=sys.stderr, flush=True)
            new = run_size(Path(tmp), "new", args)
            old = run_size(Path(tmp), "previous", args) if args.previous else None
            rev = run_size(Path(tmp), "rev", args) if args.previous_rev else None
        size = f"{n:,} × {m:,}" + ("" if args.objective == "total" else f" {args.objective}")
        loads = f"{before} before, {load()} after{probe}"
        report(table, size, new, old, loads)
        if rev is not None:
            assert rev["tree"] != new["tree"], "the baseline must import the revision's code"
            report(table, size, new, rev, loads, f"rev {args.previous_rev}")
    table.print()
    print(f"\nload average after (1/5/15 min): {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
