"""``mentormatch match``: intake → scores → solver → networks → run folder."""

from __future__ import annotations

import json

import click

from cli.common import JsonErrorsCommand, input_errors_exit_2
from matcher.jobs import match_job
from scoring.config import OBJECTIVES


@click.command("match", cls=JsonErrorsCommand)
@click.argument("mentors", type=click.Path(dir_okay=False))
@click.argument("mentees", type=click.Path(dir_okay=False))
@click.option("--config", "config_option", type=click.Path(dir_okay=False),
              help="Program config (TOML). Default: program.toml beside MENTORS.")
@click.option("--objective", type=click.Choice(OBJECTIVES), default=None,
              help="total: place the most mentees, then the highest total score (default). "
                   "fair: place the most, then raise the lowest primary score, then the total. "
                   "stable: mentee-proposing deferred acceptance; no pair prefers each other "
                   "to their assignment.")
@click.option("--network-size", type=click.IntRange(1, 10), default=None,
              help="Mentors per mentee (1 primary + specialists), overriding the intake answer.")
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
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (for scripts).")
@click.option("--scheduler", default=None,
              help='Where scoring runs: "local", "serial" or "dask://host:port" (overrides '
                   "[compute] scheduler).")
@input_errors_exit_2
def match_command(mentors: str, mentees: str, config_option: str | None, objective: str | None,
                  network_size: int | None, locks: str | None, forbid: str | None, out: str,
                  force: bool, templates: str | None, quiet: bool, as_json: bool,
                  scheduler: str | None) -> None:
    """Match MENTEES with mentor networks from MENTORS and write a run folder.

    \b
    Example (the shipped sample cohort):
      mentormatch match sample_data/mentors.csv sample_data/mentees.csv --out runs/sample

    The run folder holds pairings.csv and .xlsx, explanations, unplaced mentees with
    reasons, mentor loads, first-meeting plans, calendars, report.html and run.json.
    Nothing is written when the input has errors: run `mentormatch validate` to list them.
    """
    result = match_job(mentors, mentees, config=config_option, objective=objective,
                       network_size=network_size, locks=locks, forbid=forbid, out=out,
                       force=force, templates=templates, quiet=quiet, scheduler=scheduler)
    folder = result.folder
    if as_json:
        click.echo(json.dumps({**result.summary.to_dict(), "run_folder": str(folder)}, indent=2))
        return
    for line in result.summary.lines():
        click.echo(line)
    click.echo(f"Run folder: {folder}  (open {folder / 'report.html'})")
