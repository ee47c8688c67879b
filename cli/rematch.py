"""``mentormatch rematch``: month-12 feedback + previous run + updated intake → new run folder."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import asdict

import click

from cli.common import JsonErrorsCommand, input_errors_exit_2
from matcher.jobs import rematch_job
from scoring.profiles import Problem

#: Notes printed on the terminal before pointing to rematch.json for the rest.
SHOWN_NOTES = 10


@click.command("rematch", cls=JsonErrorsCommand)
@click.argument("mentors", type=click.Path(dir_okay=False))
@click.argument("mentees", type=click.Path(dir_okay=False))
@click.option("--previous", required=True, type=click.Path(file_okay=False),
              help="The run folder of the cycle that is ending (holds run.json).")
@click.option("--feedback", required=True, type=click.Path(dir_okay=False),
              help="The month-12 feedback sheet (CSV/XLSX): a row per pair, continue? "
                   "yes / no / unsure.")
@click.option("--config", "config_option", type=click.Path(dir_okay=False),
              help="Program config (TOML). Default: program.toml beside MENTORS.")
@click.option("--out", type=click.Path(file_okay=False), default="mentormatch-rematch",
              show_default=True, help="Run folder to write (refused if it exists, see --force).")
@click.option("--start-date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First day of the new cycle (YYYY-MM-DD); plans and calendars are dated "
                   "from it. Default: [program] start_date when later than the previous "
                   "run's, else twelve months after the previous run's start.")
@click.option("--force", is_flag=True, help="Replace an existing run folder.")
@click.option("--accept-diagnostics", is_flag=True,
              help="Rematch even when the diagnostics find the match would be wrong (they "
                   "are still printed): for a cohort where that is really so.")
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (for scripts).")
@input_errors_exit_2
def rematch_command(mentors: str, mentees: str, previous: str, feedback: str,
                    config_option: str | None, out: str, start_date: dt.datetime | None,
                    force: bool, accept_diagnostics: bool, quiet: bool,
                    as_json: bool) -> None:
    """Rematch at month 12: keep continuing pairs, replace ended ones, place newcomers.

    MENTORS and MENTEES are this cycle's updated intake files (people may have joined or
    left, capacities may have changed).

    \b
    Example (the shipped sample):
      mentormatch rematch --previous runs/sample \\
        --feedback sample_data/rematch/feedback_month12.csv \\
        sample_data/rematch/mentors.csv sample_data/rematch/mentees.csv \\
        --config sample_data/program.toml --out runs/sample-month12

    Pairs marked yes continue (locked); pairs marked no, and every pair that ended in an
    earlier cycle, are never made again; unsure pairs follow [rematch] unsure_policy.
    The run folder is the same as `match` writes, plus rematch.json (what ended and why)
    and rematch_flags.csv (mentees to talk with). Compare runs with `mentormatch diff`.
    The updated intake gets the diagnostics `match` prints, and an error among them stops
    the rematch (exit 2) unless --accept-diagnostics.
    """
    seen: list[Problem] = []

    def show(findings: list[Problem]) -> None:
        # Before solving, on stderr, as `match` prints them.
        from scoring.problem_groups import group_problems

        seen.extend(findings)
        if not as_json:
            for finding in group_problems(findings):
                click.echo(str(finding), err=True)

    job = rematch_job(mentors, mentees, previous=previous, feedback=feedback,
                      config=config_option, out=out, force=force, quiet=quiet,
                      start_date=start_date.date() if start_date else None,
                      on_diagnostics=show, accept_diagnostics=accept_diagnostics)
    result, folder, summary, changes = job.rematch, job.folder, job.summary, job.changes()
    reasons = job.reasons.rows() if job.reasons else []
    start = result.outcome.config.program.start_date
    if as_json:
        click.echo(json.dumps({**summary.to_dict(), "changes": changes,
                               "start_date": start.isoformat() if start else None,
                               "reasons": {name.lower(): text for name, _, text in reasons},
                               "flags": [asdict(f) for f in result.plan.flags],
                               "warnings": list(result.plan.warnings),
                               "diagnostics": [dataclasses.asdict(p) for p in seen],
                               "run_folder": str(folder)}, indent=2, ensure_ascii=False))
        return
    for line in summary.lines():
        click.echo(line)
    click.echo(f"Since {previous}: {changes['kept']} pairs kept, {changes['ended']} ended, "
               f"{changes['new']} new (details: mentormatch diff {previous} {folder}).")
    for name, count, text in reasons:
        if count:
            click.echo(f"  {name} {count}: {text}")
    if start:
        click.echo(f"New cycle starts {start.isoformat()}: plans and calendars are dated from "
                   "it; continuing pairs get a year-2 plan, ended pairs a thank-you note "
                   f"({folder / 'closures.csv'}).")
    for warning in result.plan.warnings[:SHOWN_NOTES]:
        click.echo(f"Note: {warning}")
    if len(result.plan.warnings) > SHOWN_NOTES:
        click.echo(f"... and {len(result.plan.warnings) - SHOWN_NOTES} more notes "
                   f"(all in {folder / 'rematch.json'}).")
    for flag in result.plan.flags:
        click.echo(f"Flag ({flag.kind}) {flag.mentee_id}: {flag.message}")
    click.echo(f"Run folder: {folder}  (open {folder / 'report.html'})")
