"""CLI benchmark: how long a person waits for ``mentormatch``, one command, one table.

    .venv/bin/python benchmarks/bench_cli.py            # best of 5 runs each (~2 minutes)
    .venv/bin/python benchmarks/bench_cli.py --quick    # best of 2, a smoke test
    .venv/bin/python benchmarks/bench_cli.py --runs 9

Each figure is the best wall time of N fresh processes (the best, because the machine is
shared and a slower run measures the neighbours), next to the baseline measured in the same
run: ``python -c pass``, the interpreter starting and stopping. Beside it, the CPU time
(user + system) of that same run, its own and its children's (the run folder's file-writing
helper): on a busy machine the wall time grows with the load, the CPU time much less. The
commands:

* ``mentormatch --help`` (target ≤ 0.3 s): the command group alone, no subcommand imported;
* ``mentormatch validate`` on sample_data (target ≤ 1.5 s): intake without the solver;
* ``mentormatch match`` of sample_data, 150 × 60, into a new run folder (targets ≤ 3 s,
  issue 11, and ≤ 1.5 s, issue 15), with the solver's own time as the command prints it
  (``Objective ...; ENGINE, X s``) so the rest can be told from the solve;
* ``mentormatch match`` of a generated 1,000 × 300 cohort (``sample_data/generate.py``, seed
  2027, the sample's program.toml; target ≤ 2 s, issue 15);
* ``mentormatch explain RUN --mentee A --vs C`` on a run folder of the sample (made before
  timing, by each version itself): "why her mentor and not C", with the run solved again
  (target ≤ 1 s, issue 15). A is the first mentee with a primary mentor, C her best-scoring
  eligible mentor outside her network (:func:`matcher.audit.alternatives`);
* last, the same ``match`` with ``--force`` over the previous run's folder (deleting its
  files is part of that wait; last, because deleting files slows creating them here).

Files: every run writes a new folder under one scratch folder (``benchmarks/scratch.py``),
removed only when the benchmark ends. On this machine's disk (ext4 without a journal)
creating a file costs 10-20x more for a few minutes after many files were deleted, so a
benchmark that removed each run folder before the next run timed its own deletions. The
benchmark first waits until creating a file costs at most 60 µs (``settle()``, up to 5.5
minutes; ``--no-settle`` to skip) and prints that probe before each figure that writes
files, and at the end. Each version's modules are compiled once and their bytecode kept
(under the scratch folder), as an installed package's are: this machine's shells set
``PYTHONDONTWRITEBYTECODE``, which made every run compile the project again.

Each row also gives the load average when that figure was done. Last, ``match`` step by
step (the sample and the 1,000 × 300 cohort; with ``--scale`` also ``bench_scale.py``'s
10,000 × 2,000 cohort, seed 1, at most 2 runs), one whole match with its run folder in a
fresh process per version, the run of least total wall time: wall and CPU of importing the
command, of the job until intake (its imports, the config, claiming the run folder),
intake (``read_valid_cohort``), features (``build_features``), the diagnostics
(``check_diagnostics``, which holds the cohort's one scoring pass, kept for the solve),
the solve (``run_match``), waiting for the writer's imports, and the run folder
(``write_run_folder``, helper outputs' share: ``benchmarks/bench_outputs.py`` breaks it
down). Steps are told apart by wrapping those functions as their modules are imported.

The load average of the machine is printed before and after, so a slow figure can be read
against what else was running. ``--against DIR`` also times another checkout of the project
(say ``git archive <commit> | tar -x -C DIR``) with this interpreter and its libraries, its
runs interleaved with this version's, so that both meet the same load; its figures are
rows of their own and the ratio "this / that" says what changed:

    .venv/bin/python benchmarks/bench_cli.py --runs 3 --against /tmp/previous
    .venv/bin/python benchmarks/bench_cli.py --runs 3 --against /tmp/previous --scale
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.report_table import ResultTable  # noqa: E402
from benchmarks.scratch import (  # noqa: E402
    SETTLED_MICROSECONDS,
    creation_cost,
    describe,
    scratch_dir,
    settle,
)
from matcher.audit import alternatives, load_run  # noqa: E402
from sample_data import generate  # noqa: E402
from scoring.features import build_features  # noqa: E402

SAMPLE = ROOT / "sample_data"
#: The generated cohort of issue 15's "small cohorts feel instant" (mentees, mentors, seed).
LARGER = (1_000, 300, 2027)
#: What ``match`` prints about the solve: "...; min_cost_flow, 0.42 s."
SOLVE_LINE = re.compile(r"^Objective .*; (?P<engine>[\w-]+), (?P<seconds>[\d.]+) s\.?$", re.M)


@dataclass(frozen=True)
class Figure:
    """One command to time: arguments after ``mentormatch`` and the targets it must meet."""

    name: str
    arguments: list[str]
    targets: tuple[float, ...]
    fresh_out: bool = False  # each run writes a new run folder (else --force over the last)
    needs_run: bool = False  # reads a run folder of the sample ({run}), made before timing


@dataclass(frozen=True)
class Timing:
    """The best run: its wall time, CPU time (with children) and what it printed."""

    wall: float
    cpu: float
    stdout: str


SAMPLE_MATCH = ["match", "--quiet", "--out", "{out}",
                str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv")]


def audit_question(run: Path) -> tuple[str, str]:
    """(mentee A, mentor C) for "why her mentor and not C" on run folder ``run``."""
    record = load_run(run)
    mentee = next(p for p in record.pairs if p.role == "primary").mentee_id
    _, others = alternatives(record, build_features(record.cohort, record.config), mentee, 1)
    return mentee, others[0].explanation.mentor_id


def figures(larger: Path, question: tuple[str, str]) -> list[Figure]:
    sample = [str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv")]
    match = ["match", "--quiet", "--out", "{out}"]
    mentee, other = question
    return [
        Figure("mentormatch --help", ["--help"], (0.3,)),
        Figure("mentormatch validate (sample)", ["validate", *sample], (1.5,)),
        Figure("mentormatch match (sample, 150 x 60)", [*match, *sample], (3.0, 1.5),
               fresh_out=True),
        Figure(f"mentormatch match ({LARGER[0]:,} x {LARGER[1]})",
               [*match, str(larger / "mentors.csv"), str(larger / "mentees.csv"), "--config",
                str(SAMPLE / "program.toml")], (2.0,), fresh_out=True),
        Figure("mentormatch explain RUN --mentee A --vs C (sample)",
               ["explain", "{run}", "--mentee", mentee, "--vs", other], (1.0,),
               needs_run=True),
        # Last: it deletes the files of the run it replaces, which slows creating files
        # for a few minutes on this machine (benchmarks/scratch.py).
        Figure("mentormatch match --force over the last run (sample)",
               [*match, "--force", *sample], (3.0,)),
    ]


#: Run by each version's interpreter (argv: mentors, mentees, config, out): the wall and CPU
#: seconds of each step of one whole ``match`` with its real run folder, told apart by
#: wrapping the functions :func:`matcher.jobs.match_job` calls (:data:`STEPS`; a function a
#: version lacks is skipped). Printed as JSON: a list of [segment, wall, cpu], where a
#: segment is a step ("intake") or what ran between two steps ("after intake").
PHASES = """
import importlib.util, json, sys, threading, time
wall0, cpu0 = time.perf_counter(), time.process_time()
marks = [("start", 0.0, 0.0)]
lock = threading.Lock()

def mark(name):
    with lock:
        marks.append((name, time.perf_counter() - wall0, time.process_time() - cpu0))

steps = {where: (name, label) for where, name, label in json.loads(sys.argv[5])}

wrapped = set()

def wrap(module):
    name, label = steps[module.__name__]
    inner = getattr(module, name, None)
    if inner is None or module.__name__ in wrapped:
        return
    wrapped.add(module.__name__)
    def call(*args, **kwargs):
        mark("before " + label)
        try:
            return inner(*args, **kwargs)
        finally:
            mark(label)
    setattr(module, name, call)

class WrapOnImport:
    # Wraps a step's function as its module is first imported, so that the job still
    # imports its stack when (and in the thread where) it would.
    busy = False

    def find_spec(self, fullname, path, target=None):
        if fullname not in steps or self.busy:
            return None
        self.busy = True
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self.busy = False
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module
        def exec_module(module):
            execute(module)
            wrap(module)
        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, WrapOnImport())
import cli.match
import matcher.jobs
for loaded in [m for m in steps if m in sys.modules]:
    wrap(sys.modules[loaded])
mark("command imported")
matcher.jobs.match_job(sys.argv[1], sys.argv[2], config=sys.argv[3], out=sys.argv[4],
                       quiet=True)
mark("end")
segments = []
for (before, wall_a, cpu_a), (after, wall_b, cpu_b) in zip(marks, marks[1:]):
    if after.startswith("before ") or after == "end":
        label = ("job: until " + after[7:] if before == "command imported"
                 else "after " + before.split(" (")[0])
    else:
        label = after
    if before == "start":
        label = "import the command (cli.match)"
    segments.append([label, wall_b - wall_a, cpu_b - cpu_a])
print(json.dumps(segments))
"""
#: The functions :data:`PHASES` times (module, name, label), in the order match calls them.
#: The wrapped modules are imported before the job starts, so the job's own imports show
#: only in ``job: until ...`` where the version still imports something else first.
STEPS = (("scoring.intake.cohort", "read_valid_cohort", "intake (read_valid_cohort)"),
         ("scoring.features", "build_features", "features (build_features)"),
         ("matcher.jobs", "check_diagnostics", "diagnostics (with the one scoring pass)"),
         ("matcher.pipeline", "run_match", "solve (run_match)"),
         ("matcher.runfolder.writer", "write_run_folder", "run folder (write_run_folder)"))
#: bench_scale.py's cohort (mentees, mentors, seed): its CPU by phase, with ``--scale``.
SCALE = (10_000, 2_000, 1)


@dataclass(frozen=True)
class Version:
    """A checkout to time: its name in the table and how to start its ``mentormatch``."""

    label: str
    cli: list[str]
    folder: Path
    env: dict[str, str]


def versions(against: list[Path]) -> list[Version]:
    """This checkout (the entry point a person types, beside this interpreter), and each
    checkout of ``against`` run as ``python -m cli.main`` from its own folder."""
    script = Path(sys.executable).parent / "mentormatch"
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]
    found = [Version("", cli, ROOT, compiled_once(dict(os.environ), 0))]
    for v, folder in enumerate(against, start=1):
        env = compiled_once({**os.environ, "PYTHONPATH": str(folder)}, v)
        found.append(Version(f" [{folder.name}]", [sys.executable, "-m", "cli.main"],
                             folder, env))
    return found


def compiled_once(env: dict[str, str], version: int) -> dict[str, str]:
    """``env`` with the version's modules compiled once and their bytecode kept, as an
    installed package's are (pip compiles them at install), under the scratch folder
    (nothing written beside the sources). Without it, a shell with
    ``PYTHONDONTWRITEBYTECODE`` set (this machine's) compiles every module of the project
    in every run: about 0.14 s of CPU for ``match``, which a user does not pay."""
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return {**env, "PYTHONPYCACHEPREFIX": str(scratch_dir(f"bytecode-{version}"))}


def run_once(version: Version, argv: list[str], out: Path | None,
             run: Path | None = None) -> Timing:
    """One fresh process of ``version`` running ``argv`` (``{out}`` → ``out``, ``{run}`` →
    ``run``)."""
    command = version.cli + [part.replace("{out}", str(out)).replace("{run}", str(run))
                             for part in argv]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, check=True, cwd=version.folder, env=version.env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu, done.stdout)


def sample_runs(found: list[Version]) -> list[Path]:
    """Per version, a run folder of the sample written by that version (untimed)."""
    folders = [scratch_dir(f"sample-{v}") / "run" for v in range(len(found))]
    for version, folder in zip(found, folders, strict=True):
        run_once(version, SAMPLE_MATCH, folder)
    return folders


def best_runs(figure: Figure, found: list[Version], runs: int,
              sample_folders: list[Path]) -> list[Timing]:
    """Per version, its best of ``runs``, the versions taking turns (a new run folder per
    run if ``figure.fresh_out``, never deleted before the benchmark ends; else ``--force``
    over the same one, made before timing; ``{run}``: that version's run folder of the
    sample)."""
    best: list[Timing | None] = [None] * len(found)
    replaced = [scratch_dir(f"force-{v}") / "run" for v in range(len(found))]
    if not figure.fresh_out and any("{out}" in part for part in figure.arguments):
        for version, target in zip(found, replaced, strict=True):  # untimed: to replace
            run_once(version, figure.arguments, target)
    for _ in range(runs):
        for v, version in enumerate(found):
            target = scratch_dir(f"out-{v}") / "run" if figure.fresh_out else replaced[v]
            timing = run_once(version, figure.arguments, target, sample_folders[v])
            current = best[v]
            if current is None or timing.wall < current.wall:
                best[v] = timing
    return [timing for timing in best if timing is not None]


#: One segment of a match: (what ran, wall seconds, CPU seconds).
Segment = tuple[str, float, float]


def match_phases(version: Version, cohort: Path,
                 config: Path = SAMPLE / "program.toml") -> list[Segment]:
    """Wall and CPU seconds of each step (:data:`PHASES`) of one whole match of ``cohort``
    (a folder with mentors.csv and mentees.csv, matched with ``config``) in a fresh
    process, into a new scratch folder."""
    out = scratch_dir("phases") / "run"
    done = subprocess.run([sys.executable, "-c", PHASES, str(cohort / "mentors.csv"),
                           str(cohort / "mentees.csv"), str(config), str(out),
                           json.dumps(STEPS)], check=True,
                          cwd=version.folder, env=version.env, capture_output=True, text=True)
    return [(label, wall, cpu) for label, wall, cpu in json.loads(done.stdout.splitlines()[-1])
            if wall >= 0.0005 or cpu >= 0.0005]


def phase_rows(table: ResultTable, found: list[Version], runs: int, name: str,
               cohort: Path, config: Path = SAMPLE / "program.toml") -> None:
    """A match's wall and CPU by step, per version: of ``runs`` runs (versions alternate),
    the one with the least total wall time, each step beside the other version's."""
    best: list[list[Segment]] = [[] for _ in found]
    for _ in range(runs):
        for v, version in enumerate(found):
            segments = match_phases(version, cohort, config)
            if not best[v] or _total(segments) < _total(best[v]):
                best[v] = segments
    table.row("cli", f"match ({name}) by step, probe before: {describe(creation_cost())}",
              "wall (CPU)", "other version" if len(found) > 1 else "-", f"load {load()}")
    others = {label: (wall, cpu) for label, wall, cpu in best[1]} if len(found) > 1 else {}
    for label, wall, cpu in [*best[0], ("whole match", _total(best[0]), _total(best[0], 2))]:
        if label == "whole match" and len(found) > 1:
            others[label] = (_total(best[1]), _total(best[1], 2))
        other = others.get(label)
        table.row("cli", f"  {label}", f"{wall:.3f} s ({cpu:.3f} s)",
                  f"{other[0]:.3f} s ({other[1]:.3f} s)" if other else "-",
                  f"{wall / other[0]:.2f}x wall, {cpu / other[1]:.2f}x CPU"
                  if other and other[0] > 0 and other[1] > 0 else "-")
    for label, wall, cpu in best[1] if len(found) > 1 else []:
        if label not in {segment[0] for segment in best[0]}:
            table.row("cli", f"  {label}{found[1].label}", f"{wall:.3f} s ({cpu:.3f} s)",
                      "-", "only in the other version")


def _total(segments: list[Segment], column: int = 1) -> float:
    """Wall (``column`` 1) or CPU (2) seconds of the whole match."""
    return sum(wall if column == 1 else cpu for _, wall, cpu in segments)


def scale_config(folder: Path) -> Path:
    """bench_scale.py's config (the sample's, its sheet limit raised) written to ``folder``."""
    from benchmarks.bench_scale import write_config

    return write_config(folder)


def _interpreter_start() -> float:
    """Wall time of ``python -c pass``: the baseline of every figure."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def _rows(table: ResultTable, figure: Figure, version: Version, timing: Timing,
          baseline: float) -> None:
    """The figure's row, and the solve's share of it when the command printed one."""
    verdicts = ", ".join(f"<= {t:g} s: {'ok' if timing.wall <= t else 'OVER'}"
                         for t in figure.targets)
    table.row("cli", figure.name + version.label,
              f"{timing.wall:.3f} s (CPU {timing.cpu:.2f} s)", f"{baseline:.3f} s",
              f"{timing.wall / baseline:.1f}x; {verdicts}; load {load()}")
    solve = SOLVE_LINE.search(timing.stdout)
    if solve:
        seconds = float(solve["seconds"])
        table.row("cli", f"  of which the solve ({solve['engine']}, as printed)",
                  f"{seconds:.3f} s", f"{timing.wall:.3f} s",
                  f"{seconds / timing.wall:.0%} of the wall time; the rest "
                  f"{timing.wall - seconds:.3f} s")


def load() -> str:
    """The machine's 1-, 5- and 15-minute load averages."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="best of 2 runs")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (default 5)")
    parser.add_argument("--against", type=Path, action="append", default=[], metavar="DIR",
                        help="also time the checkout in DIR (e.g. the previous version); "
                             "may be given more than once")
    parser.add_argument("--scale", action="store_true",
                        help="also the steps of bench_scale.py's 10,000 x 2,000 cohort")
    parser.add_argument("--no-settle", action="store_true",
                        help="measure at once, without waiting until creating files costs "
                             f"at most {SETTLED_MICROSECONDS:g} µs (up to 5.5 minutes)")
    args = parser.parse_args(argv)
    runs = args.runs or (2 if args.quick else 5)
    found = versions([folder.resolve() for folder in args.against])
    print(f"load average before: {load()} on {os.cpu_count()} cores; best of {runs} runs",
          flush=True)
    larger = scratch_dir("cohort")
    generate.write(larger, *LARGER)
    scale = scratch_dir("scale") if args.scale else None
    if scale is not None:
        generate.write(scale, *SCALE)
    cost = creation_cost() if args.no_settle else settle()
    print(f"before measuring: {describe(cost)}; each version's bytecode kept after its "
          "first run (compiled_once)", flush=True)
    table = ResultTable()
    baseline = min(_interpreter_start() for _ in range(runs))
    table.row("cli", "python -c pass", f"{baseline:.3f} s", "-", "baseline")
    sample_folders = sample_runs(found)
    for figure in figures(larger, audit_question(sample_folders[0])):
        writes = any("{out}" in part for part in figure.arguments)
        if writes:
            table.row("cli", f"before: {figure.name}", describe(creation_cost()), "-",
                      f"load {load()}")
        timings = best_runs(figure, found, runs, sample_folders)
        for version, timing in zip(found, timings, strict=True):
            _rows(table, figure, version, timing, baseline)
        for other, timing in zip(found[1:], timings[1:], strict=True):
            table.row("cli", f"  this / {other.label.strip()}",
                      f"{timings[0].wall / timing.wall:.2f}x wall",
                      f"{timings[0].cpu / timing.cpu:.2f}x CPU", "same runs, same load")
    phase_rows(table, found, runs, "sample", SAMPLE)
    phase_rows(table, found, runs, f"{LARGER[0]:,} x {LARGER[1]}", larger)
    if scale is not None:
        phase_rows(table, found, min(runs, 2), f"{SCALE[0]:,} x {SCALE[1]:,}", scale,
                   scale_config(scale))
    print(f"load average after: {load()}; after measuring: {describe(creation_cost())}",
          flush=True)
    table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
