"""``mentormatch match``: intake → scores → solver → networks → run folder."""

from __future__ import annotations

import dataclasses
import json

import click

from cli.common import JsonErrorsCommand, input_errors_exit_2
from matcher.jobs import match_job
from scoring.config import OBJECTIVES
from scoring.profiles import Problem


@click.command("match", cls=JsonErrorsCommand)
@click.argument("mentors", type=click.Path(dir_okay=False))
@click.argument("mentees", type=click.Path(dir_okay=False))
@click.option("--config", "config_option", type=click.Path(dir_okay=False),
              help="Program config (TOML). Default: program.toml beside MENTORS.")
@click.option("--objective", type=click.Choice(OBJECTIVES), default=None,
              help="total: place the most mentees, then the highest total score (default). "
                   "fair: place the most, then raise the lowest primary score, then the total. "
                   "stable: mentee-proposing deferred acceptance; no pair prefers each other "
                   "to their assignment; assigns primary mentors only (no networks).")
@click.option("--network-size", type=click.IntRange(1, 10), default=None,
              help="Mentors per mentee (1 primary + specialists) for everyone, replacing the "
                   "intake column's answers.")
@click.option("--capacity", type=click.IntRange(1, 50), default=None,
              help="Mentees per mentor for everyone, replacing the intake column's answers "
                   "(for forms without a capacity question; or set [defaults] capacity).")
@click.option("--locks", type=click.Path(dir_okay=False),
              help="CSV/XLSX of mentee id, mentor id pairs that must be kept.")
@click.option("--forbid", type=click.Path(dir_okay=False),
              help="CSV/XLSX of mentee id, mentor id pairs that must never be made.")
@click.option("--out", type=click.Path(file_okay=False), default="mentormatch-run",
              show_default=True, help="Run folder to write (refused if it exists, see --force).")
@click.option("--force", is_flag=True, help="Replace an existing run folder.")
@click.option("--templates", type=click.Path(file_okay=False, exists=True),
              help="Folder of Jinja2 templates overriding the built-in plans, e-mails and "
                   "report (same file names; see README).")
@click.option("--accept-diagnostics", is_flag=True,
              help="Match even when the diagnostics find the match would be wrong (they "
                   "are still printed): for a cohort where that is really so.")
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (for scripts).")
@click.option("--scheduler", default=None,
              help='Where scoring runs: "local", "serial" or "dask://host:port" (overrides '
                   "[compute] scheduler).")
@input_errors_exit_2
def match_command(mentors: str, mentees: str, config_option: str | None, objective: str | None,
                  network_size: int | None, capacity: int | None, locks: str | None,
                  forbid: str | None, out: str, force: bool, templates: str | None,
                  accept_diagnostics: bool, quiet: bool, as_json: bool,
                  scheduler: str | None) -> None:
    """Match MENTEES with mentor networks from MENTORS and write a run folder.

    \b
    Example (the shipped sample cohort):
      mentormatch match sample_data/mentors.csv sample_data/mentees.csv --out runs/sample

    The run folder holds pairings.csv and .xlsx, explanations, unplaced mentees with
    reasons, mentor loads, first-meeting plans, calendars, report.html and run.json.
    Nothing is written when the input has errors: run `mentormatch validate` to list them.
    """
    seen: list[Problem] = []

    def show(findings: list[Problem]) -> None:
        # Before solving, on stderr: stdout stays the summary (or the JSON) alone.
        from scoring.problem_groups import group_problems

        seen.extend(findings)
        if as_json:
            return
        for finding in group_problems(findings):
            click.echo(str(finding), err=True)

    result = match_job(mentors, mentees, config=config_option, objective=objective,
                       network_size=network_size, capacity=capacity, locks=locks,
                       forbid=forbid, out=out, force=force, templates=templates, quiet=quiet,
                       on_diagnostics=show,
                       accept_diagnostics=accept_diagnostics, scheduler=scheduler)
    folder = result.folder
    if as_json:
        click.echo(json.dumps({**result.summary.to_dict(), "run_folder": str(folder),
                               "diagnostics": [dataclasses.asdict(p) for p in seen]},
                              indent=2, ensure_ascii=False))
        return
    for line in result.summary.lines():
        click.echo(line)
    click.echo(f"Run folder: {folder}  (open {folder / 'report.html'})")
