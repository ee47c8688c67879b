"""``mentormatch diff``: pairs kept, ended and new between two run folders."""

from __future__ import annotations

import json

import click

from cli.common import JsonErrorsCommand, input_errors_exit_2
from matcher.jobs import diff_job


@click.command("diff", cls=JsonErrorsCommand)
@click.argument("run_a", type=click.Path(file_okay=False))
@click.argument("run_b", type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@input_errors_exit_2
def diff_command(run_a: str, run_b: str, as_json: bool) -> None:
    """List the pairs kept, ended and new from run folder RUN_A to run folder RUN_B.

    \b
    Example (what a month-12 rematch changed):
      mentormatch diff runs/2027 runs/2028
    """
    result = diff_job(run_a, run_b)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    for line in result.lines():
        click.echo(line)
