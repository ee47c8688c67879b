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
* the same ``match`` with ``--force`` over the previous run's folder (deleting its files is
  part of that wait);
* ``mentormatch match`` of a generated 1,000 × 300 cohort (``sample_data/generate.py``, seed
  2027, the sample's program.toml; target ≤ 2 s, issue 15);
* ``mentormatch explain RUN --mentee A --vs C`` on a run folder of the sample (made before
  timing, by each version itself): "why her mentor and not C", with the run solved again
  (target ≤ 1 s, issue 15). A is the first mentee with a primary mentor, C her best-scoring
  eligible mentor outside her network (:func:`matcher.audit.alternatives`).

Each row also gives the load average when that figure was done. Last, the CPU time of
``match`` by phase (the sample and the 1,000 × 300 cohort; with ``--scale`` also
``bench_scale.py``'s 10,000 × 2,000 cohort, seed 1), in one process per version, best of
the runs: importing what the command needs before the run folder (the writer's stack is
imported in a thread while the solver works); the work from reading the sheets to the
solved networks (read, diagnose, score, solve), and of it intake (``read_cohort``) and the
diagnostics (``check_diagnostics``, which holds the cohort's one scoring pass, kept for the
solve); and the explanations of the run's pairs (``explain_pairs``, the run folder writer's
first step). The rest of the run folder is the outputs benchmark's
(``benchmarks/bench_outputs.py``).

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
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.report_table import ResultTable  # noqa: E402
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
        Figure("mentormatch match --force over the last run (sample)",
               [*match, "--force", *sample], (3.0,)),
        Figure(f"mentormatch match ({LARGER[0]:,} x {LARGER[1]})",
               [*match, str(larger / "mentors.csv"), str(larger / "mentees.csv"), "--config",
                str(SAMPLE / "program.toml")], (2.0,), fresh_out=True),
        Figure("mentormatch explain RUN --mentee A --vs C (sample)",
               ["explain", "{run}", "--mentee", mentee, "--vs", other], (1.0,),
               needs_run=True),
    ]


#: Run by each version's interpreter (argv: mentors, mentees, config, out): CPU seconds of a
#: match's imports, of its work up to the run folder (the writer is imported first and
#: replaced by one that only explains the run's pairs, as the real writer does first) and
#: of three parts of it: intake (``read_cohort``), the diagnostics (``check_diagnostics``:
#: the cohort's one scoring pass, kept for the solve, and the findings) and the
#: explanations of the run's pairs (``explain_pairs``, which the run folder's writer calls).
PHASES = """
import json, sys, time
from pathlib import Path
start = time.process_time()
import cli.match, matcher.jobs, matcher.pipeline, matcher.outputs.summary
import matcher.runfolder.claim, scoring.config, scoring.diagnostics, scoring.features
import scoring.intake.cohort, scoring.intake.pair_sheets, scoring.problem_groups
imports = time.process_time() - start
import matcher.runfolder.writer as writer
from scoring.explain import explain_pairs
spent = {"intake": 0.0, "diagnostics": 0.0, "explanations": 0.0}

def timed(module, name, phase):
    inner = getattr(module, name)
    def call(*args, **kwargs):
        begin = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[phase] += time.process_time() - begin
    setattr(module, name, call)

def explain_only(outcome, out, **_):
    pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings]
    explain_pairs(outcome.cohort, outcome.config, pairs, outcome.features)
    return Path(out)

timed(scoring.intake.cohort, "read_cohort", "intake")
timed(matcher.jobs, "check_diagnostics", "diagnostics")
writer.write_run_folder = explain_only
timed(writer, "write_run_folder", "explanations")
start = time.process_time()
matcher.jobs.match_job(sys.argv[1], sys.argv[2], config=sys.argv[3], out=sys.argv[4],
                       quiet=True)
work = time.process_time() - start - spent["explanations"]
print(json.dumps({"imports": imports, "work": work, **spent}))
"""
#: The phases :data:`PHASES` reports, with their labels.
PHASE_LABELS = (("imports", "imports before the run folder"),
                ("work", "read, diagnose, score and solve"),
                ("intake", "  of which intake (read_cohort)"),
                ("diagnostics", "  of which diagnostics (with the one scoring pass)"),
                ("explanations", "explanations of the run's pairs (run folder's first step)"))
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
    found = [Version("", cli, ROOT, dict(os.environ))]
    for folder in against:
        env = {**os.environ, "PYTHONPATH": str(folder), "PYTHONDONTWRITEBYTECODE": "1"}
        found.append(Version(f" [{folder.name}]", [sys.executable, "-m", "cli.main"],
                             folder, env))
    return found


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


def sample_runs(found: list[Version], out: Path) -> list[Path]:
    """Per version, a run folder of the sample written by that version (untimed)."""
    folders = [out.with_name(f"{out.name}-sample-{v}") for v in range(len(found))]
    for version, folder in zip(found, folders, strict=True):
        run_once(version, SAMPLE_MATCH, folder)
    return folders


def best_runs(figure: Figure, found: list[Version], runs: int, out: Path,
              sample_folders: list[Path]) -> list[Timing]:
    """Per version, its best of ``runs``, the versions taking turns (a new run folder per
    run if ``figure.fresh_out``, else ``--force`` over the same one, made before timing;
    ``{run}``: that version's run folder of the sample)."""
    best: list[Timing | None] = [None] * len(found)
    if not figure.fresh_out and any("{out}" in part for part in figure.arguments):
        for v, version in enumerate(found):  # untimed: a folder for each to replace
            run_once(version, figure.arguments, out.with_name(f"{out.name}-{v}"))
    for k in range(runs):
        for v, version in enumerate(found):
            target = out.with_name(f"{out.name}-{v}-{k}" if figure.fresh_out
                                   else f"{out.name}-{v}")
            timing = run_once(version, figure.arguments, target, sample_folders[v])
            if figure.fresh_out:
                shutil.rmtree(target, ignore_errors=True)  # outside the timed part
            current = best[v]
            if current is None or timing.wall < current.wall:
                best[v] = timing
    return [timing for timing in best if timing is not None]


def phase_cpu(version: Version, cohort: Path, out: Path,
              config: Path = SAMPLE / "program.toml") -> dict[str, float]:
    """CPU seconds of the phases (:data:`PHASES`) of a match of ``cohort`` (a folder with
    mentors.csv and mentees.csv, matched with ``config``) in a fresh process."""
    done = subprocess.run([sys.executable, "-c", PHASES, str(cohort / "mentors.csv"),
                           str(cohort / "mentees.csv"), str(config),
                           str(out)], check=True,
                          cwd=version.folder, env=version.env, capture_output=True, text=True)
    return json.loads(done.stdout.splitlines()[-1])


def phase_rows(table: ResultTable, found: list[Version], runs: int, out: Path, name: str,
               cohort: Path, config: Path = SAMPLE / "program.toml") -> None:
    """A match's CPU by phase, per version, best of ``runs`` (versions alternate)."""
    best: list[dict[str, float]] = [{} for _ in found]
    for k in range(runs):
        for v, version in enumerate(found):
            folder = out.with_name(f"{out.name}-phases-{v}-{k}")
            for phase, seconds in phase_cpu(version, cohort, folder, config).items():
                best[v][phase] = min(best[v].get(phase, seconds), seconds)
            shutil.rmtree(folder, ignore_errors=True)
    for phase, label in PHASE_LABELS:
        if not all(phase in figures for figures in best):
            continue
        for version, figures in zip(found, best, strict=True):
            table.row("cli", f"match ({name}) CPU: {label}{version.label}",
                      f"{figures[phase]:.3f} s", "-", f"load {load()}")
        for other, figures in zip(found[1:], best[1:], strict=True):
            table.row("cli", f"  this / {other.label.strip()}",
                      f"{best[0][phase] / figures[phase]:.2f}x CPU", "-", "same runs")


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
                        help="also the CPU by phase of bench_scale.py's 10,000 x 2,000 cohort")
    args = parser.parse_args(argv)
    runs = args.runs or (2 if args.quick else 5)
    found = versions([folder.resolve() for folder in args.against])
    print(f"load average before: {load()} on {os.cpu_count()} cores; best of {runs} runs",
          flush=True)
    table = ResultTable()
    baseline = min(_interpreter_start() for _ in range(runs))
    table.row("cli", "python -c pass", f"{baseline:.3f} s", "-", "baseline")
    with tempfile.TemporaryDirectory() as tmp:
        larger = Path(tmp) / "cohort"
        generate.write(larger, *LARGER)
        out = Path(tmp) / "run"
        sample_folders = sample_runs(found, out)
        for figure in figures(larger, audit_question(sample_folders[0])):
            timings = best_runs(figure, found, runs, out, sample_folders)
            for version, timing in zip(found, timings, strict=True):
                _rows(table, figure, version, timing, baseline)
            for other, timing in zip(found[1:], timings[1:], strict=True):
                table.row("cli", f"  this / {other.label.strip()}",
                          f"{timings[0].wall / timing.wall:.2f}x wall",
                          f"{timings[0].cpu / timing.cpu:.2f}x CPU", "same runs, same load")
        phase_rows(table, found, runs, out, "sample", SAMPLE)
        phase_rows(table, found, runs, out, f"{LARGER[0]:,} x {LARGER[1]}", larger)
        if args.scale:
            scale = Path(tmp) / "scale"
            generate.write(scale, *SCALE)
            phase_rows(table, found, runs, out, f"{SCALE[0]:,} x {SCALE[1]}", scale,
                       scale_config(scale))
    print(f"load average after: {load()}", flush=True)
    table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
