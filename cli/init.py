"""``mentormatch init``: write a starter program config from two intake files."""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import input_errors_exit_2
from matcher.jobs import init_job


@click.command("init")
@click.argument("mentors", type=click.Path(path_type=Path))
@click.argument("mentees", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path),
              help="Where to write the config. Default: program.toml next to MENTORS "
                   "(where validate and match look for it).")
@click.option("--force", is_flag=True, help="Overwrite the --out file if it exists.")
@input_errors_exit_2
def init(mentors: Path, mentees: Path, out: Path | None, force: bool) -> None:
    """Guess a config from the headers and answers of MENTORS and MENTEES.

    Each question is matched to a field from its header and its answers, on both sheets
    alike (yes/no preference questions, first and last name, "how many coaches" ...);
    answers are mapped onto the built-in values with your form's labels kept; career
    stages are put in seniority order on a known ladder, or ordered by who holds them
    and marked as guessed. Read the notes it prints (also at the top of the file), then
    run `mentormatch validate`.

    \b
    Example (the shipped sample cohort):
      mentormatch init sample_data/mentors.csv sample_data/mentees.csv --out my.toml
    """
    written = init_job(mentors, mentees, out=out, force=force)
    result = written.starter
    click.echo(f"Wrote {written.path}.")
    for side in ("mentors", "mentees"):
        mapped = result.tables["columns"][side]
        click.echo(f"{side.capitalize()}: {len(mapped)} columns mapped.")
        for header in result.unmapped_headers[side]:
            click.echo(f"  not mapped (kept as extra): {header}")
        if result.unmapped_fields[side]:
            click.echo("  fields with no column: " + ", ".join(result.unmapped_fields[side]))
    for note in result.notes:
        click.echo(f"Note: {note}")
    click.echo("Check the mapping and vocabularies in the file, then run "
               f"`mentormatch validate {mentors} {mentees}`.")
