"""Output-stage benchmark: writing run folders, against the previous writer, one command.

    .venv/bin/python benchmarks/bench_outputs.py --previous-rev fea5fcd   # four cases (~5 min)
    .venv/bin/python benchmarks/bench_outputs.py --quick    # the sample and 1,000 x 300 only
    .venv/bin/python benchmarks/bench_outputs.py --cases synthetic --variants forked,thread
    .venv/bin/python benchmarks/bench_outputs.py --pairs 20000 --cases synthetic --stages

Four run folders, each written as `match` writes it (write_run_folder, one folder per fresh
process, so each pays what a command pays: compiling the templates, starting the file
helper): the sample's own match (150 mentees x 60 mentors, the real solver), a generated
1,000 x 300 cohort's match (the real solver), the match of ``bench_scale.py --sizes 10000
--run-folder`` (a generated 10,000 x 2,000 cohort, network size 1, the real solver: some
5,200 pairs, the issue's "run folder, 10,000" row) and a synthetic match of ``--pairs``
pairs (10,000 by default; see synthetic_outcome). Each is written ``--repeats`` (the large
ones ``--repeats-large``) times by this tree's writer, by the previous one
(``--previous-rev``, by default where this branch left main: its ``matcher`` and
``scoring`` packages from ``git archive``, run in a child process on the same outcome) and
by this writer with other settings (``--variants``: the forked copies, files created by a
thread, ... see VARIANTS), alternately, so all meet the same machine load. Rows give the
best and median wall-clock and CPU seconds (the helper's included) and their ratio to the
previous writer; CPU time carries the comparison on a shared machine. Every file of the
folders is compared: they must be the same bytes, except run.json's created_at and the
marker's token (and the hash of run.json it lists).

Creating files on this machine's disk costs 10-40x more for some minutes after many files
were deleted (benchmarks/scratch.py). So no folder is deleted before the process ends,
each case first waits until the probe's cost of creating a file is back to normal
(``--no-settle``: don't wait), and each case's rows give the probe's figure before and
after it: a figure taken while the probe says "slowed" measures the disk, not the writer.

``--always-fork`` makes both writers fork whatever the load (on a busy machine their
defaults write in one process); ``benchmarks/runfolder_timeline.py`` shows where the time
of one folder goes, process by process.

``--stages`` adds the older per-step rows at the synthetic size (plans, calendars, workbook
... each timed alone, with a ratio to writing pairings.csv alone).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_scale import write_config  # noqa: E402
from benchmarks.previous_version import PREVIOUS_REV, previous_tree  # noqa: E402
from benchmarks.report_table import ResultTable, timed  # noqa: E402
from benchmarks.scratch import creation_cost, describe, scratch_dir, settle  # noqa: E402
from matcher.outcome import MatchOutcome  # noqa: E402
from matcher.outputs.calendar_files import CalendarWriter  # noqa: E402
from matcher.outputs.plans import build_plans  # noqa: E402
from matcher.outputs.report import render_report  # noqa: E402
from matcher.outputs.schedule import start_date  # noqa: E402
from matcher.outputs.sheets import write_csv, write_xlsx  # noqa: E402
from matcher.outputs.tables import (  # noqa: E402
    explanations_sheet,
    explanations_table,
    mentor_load_table,
    networks_table,
    pairings_table,
    problems_table,
    unplaced_table,
)
from matcher.outputs.templating import PlanRenderer, templates_for  # noqa: E402
from matcher.pipeline import run_match  # noqa: E402
from matcher.runfolder import writer as export  # noqa: E402
from matcher.runfolder.filesink import FileSink  # noqa: E402
from matcher.solver.result import Assignment, Role, SolverResult  # noqa: E402
from sample_data.generate import write  # noqa: E402
from scoring.config import load_config  # noqa: E402
from scoring.explain import explain_pairs  # noqa: E402
from scoring.features import build_features  # noqa: E402
from scoring.intake.cohort import read_cohort  # noqa: E402

CONFIG = ROOT / "sample_data" / "program.toml"
RESULTS = ResultTable()
row = RESULTS.row


def synthetic_outcome(folder: Path, n_pairs: int) -> tuple[MatchOutcome, dict[str, Path]]:
    """A cohort from the generator and a made-up match with ``n_pairs`` pairs (see top)."""
    n_mentees, n_mentors = n_pairs, max(n_pairs // 5, 10)
    write(folder, n_mentees, n_mentors, seed=1)
    inputs = {"mentors": folder / "mentors.csv", "mentees": folder / "mentees.csv",
              "config": CONFIG}
    config = load_config(CONFIG)
    cohort = read_cohort(inputs["mentors"], inputs["mentees"], config)
    mentees, mentors = cohort.mentees, cohort.mentors
    plan: list[list[tuple[str, Role, str | None]]] = []
    for k, mentee in enumerate(mentees):
        kind = k % 10
        primary = mentors[(k * 7919) % len(mentors)].id
        if kind == 9:
            plan.append([])
        elif kind == 8 and mentee.need_areas:
            specialist = mentors[(k * 104729 + 1) % len(mentors)].id
            if specialist == primary:
                specialist = mentors[(k * 104729 + 2) % len(mentors)].id
            plan.append([(primary, "primary", None),
                         (specialist, "specialist", mentee.need_areas[0])])
        else:
            plan.append([(primary, "primary", None)])
    pairs = [(mentee.id, m) for mentee, chosen in zip(mentees, plan, strict=True)
             for m, _, _ in chosen]
    features = build_features(cohort, config)  # kept in the outcome, as `match` keeps them
    scores = {(e.mentee_id, e.mentor_id): e.score
              for e in explain_pairs(cohort, config, pairs, features)}
    column = {m.id: j for j, m in enumerate(mentors)}
    assignments = [Assignment(i, column[m], role, covers, scores[(mentee.id, m)])
                   for i, (mentee, chosen) in enumerate(zip(mentees, plan, strict=True))
                   for m, role, covers in chosen]
    result = SolverResult(assignments=assignments, status="optimal", objective=0.0, bound=0.0,
                          gap=0.0, wall_time=0.0, engine="synthetic",
                          unplaced={i: "synthetic: left out" for i, chosen in enumerate(plan)
                                    if not chosen})
    return MatchOutcome(cohort=cohort, config=config, objective="total", result=result,
                        features=features), inputs


def _cpu_seconds() -> tuple[float, float]:
    """User and system CPU seconds so far of this process and its finished children."""
    own, helpers = (resource.getrusage(who)
                    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + helpers.ru_utime, own.ru_stime + helpers.ru_stime


def _write_copies(files: dict[Path, bytes], source: Path, target: Path) -> None:
    """The I/O floor: the same files, already rendered, written to a new folder."""
    for path, data in files.items():
        copy = target / path.relative_to(source)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(data)


def _no_progress(done: int) -> None:
    """The stages show no progress bar."""


def stages(n_pairs: int, wait: bool) -> None:
    folder = scratch_dir("stages")  # kept until the process ends (benchmarks/scratch.py)
    outcome, inputs = synthetic_outcome(folder / "in", n_pairs)
    probe = settle() if wait else creation_cost()
    pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings]
    name = f"run folder, {len(pairs)} pairs"
    cohort, config = outcome.cohort, outcome.config

    explanations, t_explain = timed(explain_pairs, cohort, config, pairs)
    by_pair = {(e.mentee_id, e.mentor_id): e for e in explanations}
    pairings = pairings_table(outcome, by_pair)
    _, baseline = timed(write_csv, folder / "pairings.csv", pairings)
    base = f"pairings.csv alone {baseline:.2f} s"

    def stage(label: str, seconds: float) -> None:
        row(name, f"{label} s", f"{seconds:.2f}", base, f"{seconds / baseline:.1f}x")

    stage("explanations (explain_pairs)", t_explain)
    templates = templates_for(config)
    start = start_date(config)
    assert start is not None  # sample_data/program.toml sets [program] start_date
    plans, seconds = timed(build_plans, outcome, by_pair)
    stage("plan records (build_plans)", seconds)
    workers = max(2, export.render_workers(export.WriterOptions(render_workers=0),
                                           len(plans)))
    for helper, render in ((False, 1), (True, 1), (True, workers)):
        how = ("helper process" if helper else "in-process") + (
            f", rendered by {render} worker processes" if render > 1 else "")
        (folder / how).mkdir()

        def plan_files(out: Path = folder / how, helper: bool = helper,
                       render: int = render) -> None:
            (out / "plans").mkdir()
            with FileSink(out, helper=helper) as files:
                renderer = PlanRenderer(templates)
                bodies = export._write_plans(out / "plans", plans, renderer,
                                             _no_progress, files, render)
                files.write(out / "plans" / "all_plans.html", renderer.combined_utf8(
                    [renderer.heading(plan) for plan in plans], bodies))

        def calendar_files(out: Path = folder / how, helper: bool = helper,
                           render: int = render) -> None:
            (out / "calendar").mkdir()
            with FileSink(out, helper=helper) as files:
                export._write_calendars(out / "calendar", plans,
                                        CalendarWriter(start),
                                        _no_progress, files, render)

        _, seconds = timed(plan_files)
        stage(f"plans .md/.html + all_plans.html, files {how}", seconds)
        _, seconds = timed(calendar_files)
        stage(f"calendars .ics, files {how}", seconds)
    _, seconds = timed(lambda: (folder / "introductions.csv").write_bytes(
        export._introductions_csv(plans, [export._introduction(templates, plan)
                                          for plan in plans])))
    stage("introductions.csv", seconds)
    explained, seconds = timed(explanations_table, outcome, by_pair)
    stage("explanations table", seconds)
    _, seconds = timed(write_csv, folder / "explanations.csv", explained)
    stage("explanations.csv", seconds)
    tables, seconds = timed(lambda: [
        pairings, networks_table(outcome),
        explanations_sheet(explained, len(pairs),
                           export.DEFAULT_OPTIONS.explanations_sheet_max_pairs),
        unplaced_table(outcome), mentor_load_table(outcome), problems_table(outcome)])
    stage("other tables for the workbook", seconds)
    _, seconds = timed(write_xlsx, folder / "pairings.xlsx", tables,
                       dt.datetime(2027, 1, 1))
    cells = sum(len(t.rows) * len(t.headers) for t in tables)
    stage(f"pairings.xlsx ({cells:,} cells)", seconds)
    _, seconds = timed(render_report, outcome, by_pair, templates)
    stage("report.html", seconds)

    # the parallel variant first: whatever the first folder warms up favours it
    _, parallel = timed(export.write_run_folder, outcome, folder / "run_workers",
                        inputs=inputs, quiet=True,
                        options=export.WriterOptions(render_workers=workers))
    before = _cpu_seconds()
    _, whole = timed(export.write_run_folder, outcome, folder / "run", inputs=inputs,
                     quiet=True)
    user, system = (a - b for a, b in zip(_cpu_seconds(), before, strict=True))
    files = {p: p.read_bytes() for p in (folder / "run").rglob("*") if p.is_file()}
    _, floor = timed(_write_copies, files, folder / "run", folder / "copy")
    row(name, "file creation before the stages (probe, µs per file)", f"{probe:.0f}",
        describe(creation_cost()), f"load {os.getloadavg()[0]:.1f}")
    row(name, "whole folder s", f"{whole:.2f}", base, f"{whole / baseline:.1f}x")
    row(name, f"whole folder s, rendered by {workers} worker processes (an option)",
        f"{parallel:.2f}", f"whole folder, default: {whole:.2f} s",
        f"{parallel / whole:.2f}x")
    row(name, "whole folder CPU s, with the file helper: user / system (file creation)",
        f"{user:.2f} / {system:.2f}", base,
        f"{user / baseline:.1f}x / {system / baseline:.1f}x")
    row(name, "whole folder ms per pair", f"{1000 * whole / len(pairs):.3f}", "",
        "target: 4 s for 10,000 pairs")
    row(name, f"its {len(files):,} files written again from memory s", f"{floor:.2f}",
        "whole folder", f"{floor / whole:.2f}x")
    full = [explained if t.name == "Explanations" else t for t in tables]
    cells = sum(len(t.rows) * len(t.headers) for t in full)
    _, seconds = timed(write_xlsx, folder / "full.xlsx", full, dt.datetime(2027, 1, 1))
    stage(f"pairings.xlsx with the full Explanations sheet ({cells:,} cells)", seconds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    row(name, "peak memory GiB (whole process)", f"{peak:.2f}", "2 GiB target",
        f"{peak / 2:.2f}x of target")


#: Writes one run folder in a fresh process and prints its wall and CPU seconds (JSON).
#: BENCH_VARIANT names this tree's writer with other options (see VARIANTS).
_CHILD = """
import json, os, pickle, queue, resource, sys, threading, time
from pathlib import Path
from matcher.runfolder.writer import write_run_folder
outcome, inputs = pickle.loads(Path(sys.argv[1]).read_bytes())
variant = os.environ.get("BENCH_VARIANT", "")
options = {}
if os.environ.get("BENCH_ALWAYS_FORK") and not variant:  # both writers' defaults, but forking
    from matcher.runfolder.writer import WriterOptions
    options = {"options": WriterOptions(fork_only_when_idle=False)}
if variant:
    from matcher.runfolder.writer import WriterOptions
    from matcher.runfolder.filesink import FileSink, write_file

    class ThreadSink:  # files created by a thread of this process (GIL released in calls)
        def __init__(self, folder, helper):
            self._files = queue.SimpleQueue()
            self._error = None
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        def _run(self):
            while (item := self._files.get()) is not None:
                try:
                    write_file(*item)
                except OSError as exc:
                    self._error = exc
        def write(self, path, data):
            self._files.put((str(path), data))
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            self._files.put(None)
            self._thread.join()
            if self._error is not None and exc[0] is None:
                raise self._error

    always = dict(fork_from_pairs=500, fork_only_when_idle=False)
    settings = {"forked": always,
                "one-process": dict(fork_from_pairs=None),
                "forked-thread": dict(always, open_sink=ThreadSink),
                "forked-own": dict(always,
                                   open_sink=lambda folder, helper: FileSink(folder, helper=False)),
                "in-process": dict(file_helper_from_pairs=10**9),
                "thread": dict(open_sink=ThreadSink),
                "workers": dict(render_workers=2, render_workers_from_pairs=0)}[variant]
    options = {"options": WriterOptions(**settings)}
def cpu():
    own, helper = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return (own.ru_utime + helper.ru_utime, own.ru_stime + helper.ru_stime,
            own.ru_utime + own.ru_stime)
from matcher.runfolder import writer
forks = (writer.forks(outcome.networks, options.get("options", writer.DEFAULT_OPTIONS))
         if hasattr(writer, "forks") else  # the writers before session 9
         len(writer.split_networks(outcome.networks,
                                   options.get("options", writer.DEFAULT_OPTIONS))[1]) > 0)
wall, (user, system, own) = time.perf_counter(), cpu()
write_run_folder(outcome, Path(sys.argv[2]), inputs=inputs, quiet=True, **options)
import matcher
after = cpu()
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": after[0] + after[1] - user - system,
                  "user": after[0] - user, "system": after[1] - system, "own": after[2] - own,
                  "forked": forks,
                  "package": matcher.__file__}))
"""

#: Other ways of writing the same folder with this tree's writer (the options each sets):
#: the forked copies writing half the pages whatever the load (the default forks only while
#: a core is idle), no forked copy, the same with their
#: files created by a thread or by each process itself, every file created by this
#: process (no helper) or by a thread of it, and two forked render workers.
VARIANTS = {
    "forked": "forked copies (fork_from_pairs=500, whatever the load), files by the helper",
    "one-process": "one process (fork_from_pairs=None), files by the helper",
    "forked-thread": "forked copies, files by a thread in each",
    "forked-own": "forked copies, each creating its own files (no helper)",
    "in-process": "files created in-process (no helper)",
    "thread": "files created by a thread (no helper)",
    "workers": "2 forked render workers (render_workers=2)",
}


def _write_in_child(given: Path, out: Path, tree: Path | None, variant: str = ""
                    ) -> dict[str, float]:
    """Write one folder in a fresh process with ``tree``'s writer (None: this tree's; with
    ``variant``, one of :data:`VARIANTS`)."""
    path = os.pathsep.join(str(p) for p in (tree, ROOT) if p is not None)
    env = {**os.environ, "PYTHONPATH": path, "BENCH_VARIANT": variant}
    done = subprocess.run([sys.executable, "-c", _CHILD, str(given), str(out)], env=env,
                          cwd=given.parent,
                          capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if not Path(result.pop("package")).is_relative_to(tree or ROOT):
        raise RuntimeError(f"the child did not import the writer from {tree or ROOT}")
    return result


def _io_floor(source: Path, target: Path) -> dict[str, float]:
    """What creating ``source``'s files costs on this machine, rendering aside: the same
    bytes written by :func:`_write_copies` (the floor under any writer of this layout)."""
    files = {p: p.read_bytes() for p in source.rglob("*") if p.is_file()}
    wall, (_, system) = time.perf_counter(), _cpu_seconds()
    _write_copies(files, source, target)
    return {"wall": time.perf_counter() - wall, "system": _cpu_seconds()[1] - system}


def _comparable(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, without what differs from run to run (run.json's created_at,
    the marker's token and its hash of run.json)."""
    files = {p.relative_to(folder).as_posix(): p.read_bytes()
             for p in folder.rglob("*") if p.is_file()}
    record = json.loads(files["run.json"])
    record.pop("created_at", None)
    files["run.json"] = json.dumps(record, sort_keys=True).encode()
    marker = json.loads(files[".mentormatch-run"])
    marker.pop("token", None)
    marker.get("files", {}).pop("run.json", None)
    files[".mentormatch-run"] = json.dumps(marker, sort_keys=True).encode()
    return files


def compare_writers(name: str, outcome: MatchOutcome, inputs: dict[str, Path],
                    previous: Path, repeats: int, variants: tuple[str, ...],
                    wait: bool) -> None:
    """Rows for one case: this writer against the previous one (and this writer's
    ``variants``), the probe's cost of creating a file before and after, and the folders
    compared. Every folder stays until the process ends (deleting them would slow the next
    writes, see benchmarks/scratch.py); with ``wait``, first :func:`settle`."""
    pairs = sum(len(n.pairings) for n in outcome.networks)
    label = f"{name}, {pairs:,} pairs"
    work = scratch_dir("case")
    given = work / "outcome.pickle"
    given.write_bytes(pickle.dumps((outcome, inputs)))
    probe = [settle() if wait else creation_cost()]
    runs: dict[str, list[dict[str, float]]] = {"previous": [], "this": [],
                                               **{v: [] for v in variants}}
    folders: dict[str, Path] = {}
    load = [os.getloadavg()[0]]
    for k in range(repeats):
        for writer in runs:
            out = work / f"{writer}{k}"
            folders.setdefault(writer, out)
            runs[writer].append(_write_in_child(
                given, out, previous if writer == "previous" else None,
                "" if writer in ("previous", "this") else writer))
    load.append(os.getloadavg()[0])
    probe.append(creation_cost())
    loads = f"load {min(load):.1f}-{max(load):.1f}"
    row(label, "file creation before / after the case (probe, µs per file)",
        f"{probe[0]:.0f} / {probe[1]:.0f}", describe(max(probe)), loads)
    for run in (r for rs in runs.values() for r in rs):
        # what the wall time would be with two free cores: the run's own process cannot be
        # shorter than its CPU time, nor all of them shorter than their CPU time over two
        run["two cores"] = max(run["own"], run["cpu"] / 2)
    for figure in ("wall", "cpu", "two cores"):
        new = [r[figure] for r in runs["this"]]
        old = [r[figure] for r in runs["previous"]]
        what = ("wall estimated for 2 free cores: max(own process CPU, all CPU / 2)"
                if figure == "two cores" else figure)
        row(label, f"run folder {what} s, best / median of {repeats}",
            f"{min(new):.2f} / {statistics.median(new):.2f}",
            f"previous writer {min(old):.2f} / {statistics.median(old):.2f}",
            f"{min(new) / min(old):.2f}x best, "
            f"{statistics.median(new) / statistics.median(old):.2f}x median; {loads}")
        for variant in variants:
            other = [r[figure] for r in runs[variant]]
            row(label, f"  {VARIANTS[variant]}, {what} s",
                f"{min(other):.2f} / {statistics.median(other):.2f}",
                f"this writer {min(new):.2f} / {statistics.median(new):.2f}",
                f"{min(other) / min(new):.2f}x best")
    new_best = min(runs["this"], key=lambda r: r["cpu"])
    old_best = min(runs["previous"], key=lambda r: r["cpu"])
    forked_runs = sum(bool(r.get("forked")) for r in runs["this"])
    row(label, "runs of this writer (its default options) that forked a copy",
        f"{forked_runs} of {repeats}", "forks from 500 pairs while a core is idle", loads)
    row(label, "user / system CPU s of the best run (system: mostly creating files, in the "
        "helper above 500 pairs)",
        f"{new_best['user']:.2f} / {new_best['system']:.2f}",
        f"previous writer {old_best['user']:.2f} / {old_best['system']:.2f}",
        f"{new_best['user'] / old_best['user']:.2f}x user")
    this = _comparable(folders["this"])
    differ = {"previous writer": _differing(this, _comparable(folders["previous"]))}
    for variant in variants:
        differ[variant] = _differing(this, _comparable(folders[variant]))
    new_wall = [r["wall"] for r in runs["this"]]
    floor = _io_floor(folders["this"], work / "floor")
    row(label, "I/O floor: the same files' bytes written by a plain loop, nothing rendered "
        "(wall / system CPU s)", f"{floor['wall']:.2f} / {floor['system']:.2f}",
        f"this writer {min(new_wall):.2f} wall",
        f"{floor['wall'] / min(new_wall):.2f}x of this writer's best wall; "
        f"{len(this):,} files; {describe(creation_cost())}")
    wrong = [f"{n} ({who})" for who, names in differ.items() for n in names]
    row(label, "files the same bytes as the previous writer's"
        + (" and as each variant's" if variants else ""),
        f"{len(this) - len(differ['previous writer']):,} of {len(this):,}",
        f"{len(_comparable(folders['previous'])):,} files",
        "identical" if not wrong else f"DIFFERENT: {', '.join(wrong[:5])}")


def _differing(this: dict[str, bytes], other: dict[str, bytes]) -> list[str]:
    return sorted(n for n in this.keys() | other.keys() if this.get(n) != other.get(n))


def real_outcome(mentors: Path, mentees: Path, config_path: Path = CONFIG,
                 network_size: int | None = None) -> tuple[MatchOutcome, dict[str, Path]]:
    """The match `match` would make of two sign-up sheets (the real solver)."""
    config = load_config(config_path)
    cohort = read_cohort(mentors, mentees, config)
    inputs = {"mentors": mentors, "mentees": mentees, "config": config_path}
    return run_match(cohort, config, progress=False, network_size=network_size), inputs


@contextmanager
def _removed_after(folder: Path) -> Iterator[None]:
    try:
        yield
    finally:
        shutil.rmtree(folder, ignore_errors=True)


CASES = ("sample", "1000", "scale", "synthetic")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="the sample and the 1,000 x 300 match only")
    parser.add_argument("--cases", default=",".join(CASES),
                        help=f"which cases, comma-separated, of {', '.join(CASES)}")
    parser.add_argument("--pairs", type=int, default=10_000,
                        help="pairs of the synthetic run folder")
    parser.add_argument("--repeats", type=int, default=3,
                        help="folders each writer writes per small case")
    parser.add_argument("--repeats-large", type=int, default=1,
                        help="folders each writer writes per large case")
    parser.add_argument("--mentees", type=int, default=10_000,
                        help="mentees of the generated large match (mentors: a fifth)")
    parser.add_argument("--previous-rev", default=PREVIOUS_REV,
                        help="the previous writer: this branch's merge base with REV")
    parser.add_argument("--variants", default="one-process",
                        help="this writer's other settings to time too, comma-separated, of "
                        f"{', '.join(VARIANTS)} ('' for none)")
    parser.add_argument("--no-settle", dest="settle", action="store_false",
                        help="do not wait before each case until creating a file costs what "
                        "it costs on a settled disk (benchmarks/scratch.py)")
    parser.add_argument("--always-fork", action="store_true",
                        help="the previous writer and this one fork their copies whatever "
                        "the load (by default each forks only while a core is idle, so on a "
                        "busy machine neither does)")
    parser.add_argument("--stages", action="store_true",
                        help="also time each step of the synthetic folder alone")
    args = parser.parse_args()
    cases = set(CASES[:2] if args.quick else args.cases.split(","))
    variants = tuple(v for v in args.variants.split(",") if v)
    unknown = (cases - set(CASES)) | (set(variants) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown case or variant: {', '.join(sorted(unknown))}")
    if args.always_fork:
        os.environ["BENCH_ALWAYS_FORK"] = "1"  # read by each writing child
    # the previous explainer too (scoring/explain.py belongs to the output stage)
    previous = previous_tree(("matcher", "scoring"), args.previous_rev)[0]
    with _removed_after(previous):
        folder = scratch_dir("inputs")
        compare = partial(compare_writers, previous=previous, variants=variants,
                          wait=args.settle)
        if "sample" in cases:
            sample = ROOT / "sample_data"
            compare("sample match 150 x 60",
                    *real_outcome(sample / "mentors.csv", sample / "mentees.csv"),
                    repeats=args.repeats)
        if "1000" in cases:
            write(folder / "g1000", 1_000, 300, seed=1)
            compare("generated match 1,000 x 300",
                    *real_outcome(folder / "g1000" / "mentors.csv",
                                  folder / "g1000" / "mentees.csv"), repeats=args.repeats)
        if "scale" in cases:
            # bench_scale.py --sizes N --run-folder's cohort, config and network size
            size = args.mentees
            write(folder / "scale", size, size // 5, seed=1)
            compare(f"generated match {size:,} x {size // 5:,} (bench_scale's)",
                    *real_outcome(folder / "scale" / "mentors.csv",
                                  folder / "scale" / "mentees.csv",
                                  write_config(folder / "scale"), network_size=1),
                    repeats=args.repeats_large)
        if "synthetic" in cases:
            compare("synthetic match", *synthetic_outcome(folder / "synthetic", args.pairs),
                    repeats=args.repeats_large)
    if args.stages:
        stages(args.pairs, args.settle)
    RESULTS.print()


if __name__ == "__main__":
    main()
