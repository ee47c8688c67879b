"""``mentormatch end-pair``: end one pair mid-cycle and re-pair just that mentee."""

from __future__ import annotations

import click

from cli.common import JsonErrorsCommand, input_errors_exit_2
from matcher.jobs import end_pair_job


@click.command("end-pair", cls=JsonErrorsCommand)
@click.argument("run", type=click.Path(file_okay=False))
@click.option("--mentee", required=True, help="The mentee's id or name (any capitals).")
@click.option("--mentor", required=True, help="The mentor's id or name (any capitals).")
@click.option("--out", default="mentormatch-end-pair", show_default=True,
              help="The new run folder to write.")
@click.option("--force", is_flag=True, help="Replace --out if it holds an earlier run.")
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
@input_errors_exit_2
def end_pair_command(run: str, mentee: str, mentor: str, out: str, force: bool,
                     quiet: bool) -> None:
    """End one pair of run folder RUN mid-cycle and re-pair just that mentee.

    Every other pair of RUN is kept as it is (locked, same role), the ended pair is
    forbidden and the ended mentor's freed place goes to no one else; the mentee gets
    another mentor with room if one is eligible, otherwise the output says why. Writes an
    ordinary new run folder (its run.json records the locks and forbids).

    \b
    Example (a pair that did not work out, ended in month 4):
      mentormatch end-pair runs/2027 --mentee sanjay.joshi@example.org \\
          --mentor "Elena López" --out runs/2027-04
    """
    result = end_pair_job(run, mentee, mentor, out=out, force=force, quiet=quiet)
    click.echo(f"Ended {result.mentee_name} ({result.mentee_id}) – "
               f"{result.ended_mentor_id}; {result.kept_pairs} other pairs kept.")
    if result.new_pairs:
        click.echo(f"New mentor(s) for {result.mentee_name}: {', '.join(result.new_pairs)}.")
    elif result.unplaced_reason:
        click.echo(f"{result.mentee_name} has no mentor now: {result.unplaced_reason}.")
    else:
        click.echo(f"{result.mentee_name} keeps their other mentor(s) and gets no new one: "
                   f"{result.partial_reason or 'no eligible mentor has room'}.")
    if result.others_changed:
        click.echo(f"Note: {len(result.others_changed)} other mentee(s) changed too (the "
                   f"run had left room unused): {', '.join(result.others_changed)}.")
    click.echo(f"Run folder: {result.folder}  (open {result.folder / 'report.html'}; "
               f"`mentormatch diff {result.base_run} {result.folder}` lists the change)")
