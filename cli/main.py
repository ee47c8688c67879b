"""The ``mentormatch`` command group; each subcommand lives in its own module."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="mentormatch")
def cli() -> None:
    """Match mentees with mentor networks from your program's sign-up spreadsheets.

    \b
    Typical cycle:
      mentormatch init MENTORS MENTEES      write a starter program config
      mentormatch validate MENTORS MENTEES  check the files, row by row
      mentormatch explain MENTORS MENTEES --mentee ID   audit scores
      mentormatch match MENTORS MENTEES --out run1      match and write the run folder

    MENTORS and MENTEES are CSV or XLSX files; pass the same workbook twice when it
    holds one sheet per side. Run any command with --help for its options.
    """


# Subcommands register below (one import and one add_command per command module).
