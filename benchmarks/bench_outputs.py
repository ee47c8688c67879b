"""Output-stage benchmark: writing the run folder of a large match, one command, one table.

    .venv/bin/python benchmarks/bench_outputs.py            # 10,000 pairs (~1 minute)
    .venv/bin/python benchmarks/bench_outputs.py --quick    # 1,000 pairs, a smoke test
    .venv/bin/python benchmarks/bench_outputs.py --pairs 20000

The cohort is the sample generator's (10,000 mentees x 2,000 mentors for 10,000 pairs, read
through the real intake); the match is synthetic so that the output stage is timed alone,
without waiting for the solver: 80% of mentees get a primary mentor only, 10% a primary and
a specialist for one of their need areas, 10% stay unplaced. Scores are the scorer's.

Every figure is also given as a ratio to a baseline measured in the same run on the same
pairs: writing pairings.csv alone (one row per pair through the csv module). Stage rows time
each step of the folder separately (plans and calendars three times: their files created
in-process, by the helper process of matcher.runfolder.filesink as `match` does, and also
rendered by worker processes, the WriterOptions.render_workers option); "whole folder"
is one call of write_run_folder (explanations and the audit snapshot included), as `match`
makes it, in wall-clock and CPU seconds (the helper's included; the machine may be shared),
and the I/O floor is the same files written again from memory. The last row prices one
option: the workbook with its full Explanations sheet (it holds a note pointing to
explanations.csv above WriterOptions.explanations_sheet_max_pairs pairs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.report_table import ResultTable, timed  # noqa: E402
from matcher.outcome import MatchOutcome  # noqa: E402
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
from matcher.outputs.templating import templates_for  # noqa: E402
from matcher.runfolder import writer as export  # noqa: E402
from matcher.runfolder.filesink import FileSink  # noqa: E402
from matcher.solver.result import Assignment, SolverResult  # noqa: E402
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
    plan: list[list[tuple[str, str, str | None]]] = []
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
    scores = {(e.mentee_id, e.mentor_id): e.score
              for e in explain_pairs(cohort, config, pairs, build_features(cohort, config))}
    column = {m.id: j for j, m in enumerate(mentors)}
    assignments = [Assignment(i, column[m], role, covers, scores[(mentee.id, m)])
                   for i, (mentee, chosen) in enumerate(zip(mentees, plan, strict=True))
                   for m, role, covers in chosen]
    result = SolverResult(assignments=assignments, status="optimal", objective=0.0, bound=0.0,
                          gap=0.0, wall_time=0.0, engine="synthetic",
                          unplaced={i: "synthetic: left out" for i, chosen in enumerate(plan)
                                    if not chosen})
    return MatchOutcome(cohort=cohort, config=config, objective="total", result=result), inputs


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


def bench(n_pairs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        outcome, inputs = synthetic_outcome(folder / "in", n_pairs)
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
        plans, seconds = timed(build_plans, outcome, by_pair)
        stage("plan records (build_plans)", seconds)
        with export._progress(quiet=True) as progress:
            workers = max(2, export.render_workers(export.WriterOptions(render_workers=0),
                                                   len(plans)))
            for helper, render in ((False, 1), (True, 1), (True, workers)):
                how = ("helper process" if helper else "in-process") + (
                    f", rendered by {render} worker processes" if render > 1 else "")
                (folder / how).mkdir()

                def plan_files(out: Path = folder / how, helper: bool = helper,
                               render: int = render) -> None:
                    with FileSink(out, helper=helper) as files:
                        export._write_plans(out / "plans", plans, templates, progress, files,
                                            render)

                def calendar_files(out: Path = folder / how, helper: bool = helper,
                                   render: int = render) -> None:
                    with FileSink(out, helper=helper) as files:
                        export._write_calendars(out / "calendar", plans, start_date(config),
                                                progress, files, "", render)

                _, seconds = timed(plan_files)
                stage(f"plans .md/.html + all_plans.html, files {how}", seconds)
                _, seconds = timed(calendar_files)
                stage(f"calendars .ics, files {how}", seconds)
        _, seconds = timed(lambda: (folder / "introductions.csv").write_bytes(
            export._introductions_csv(plans, templates)))
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
        row(name, "whole folder s", f"{whole:.2f}", base, f"{whole / baseline:.1f}x")
        row(name, f"whole folder s, rendered by {workers} worker processes (an option)",
            f"{parallel:.2f}", f"whole folder, default: {whole:.2f} s",
            f"{parallel / whole:.2f}x")
        row(name, "whole folder CPU s, with the file helper: user / system (file creation)",
            f"{user:.2f} / {system:.2f}", base,
            f"{user / baseline:.1f}x / {system / baseline:.1f}x")
        row(name, "whole folder ms per pair", f"{1000 * whole / len(pairs):.3f}", "",
            "target: 10 s for 10,000 pairs")
        row(name, f"its {len(files):,} files written again from memory s", f"{floor:.2f}",
            "whole folder", f"{floor / whole:.2f}x")
        full = [explained if t.name == "Explanations" else t for t in tables]
        cells = sum(len(t.rows) * len(t.headers) for t in full)
        _, seconds = timed(write_xlsx, folder / "full.xlsx", full, dt.datetime(2027, 1, 1))
        stage(f"pairings.xlsx with the full Explanations sheet ({cells:,} cells)", seconds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    row(name, "peak memory GiB (whole process)", f"{peak:.2f}", "2 GiB target",
        f"{peak / 2:.2f}x of target")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 pairs (smoke test)")
    parser.add_argument("--pairs", type=int, default=10_000, help="pairs in the run folder")
    args = parser.parse_args()
    bench(1_000 if args.quick else args.pairs)
    RESULTS.print()


if __name__ == "__main__":
    main()
