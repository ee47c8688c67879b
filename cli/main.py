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


# Subcommands live in their own modules, imported after the group exists.
from cli.diff import diff_command  # noqa: E402
from cli.explain import explain_command  # noqa: E402
from cli.init import init  # noqa: E402
from cli.match import match_command  # noqa: E402
from cli.rematch import rematch_command  # noqa: E402
from cli.serve import serve_command  # noqa: E402
from cli.validate import validate  # noqa: E402

for _command in (init, validate, explain_command, match_command, rematch_command, diff_command,
                 serve_command):
    cli.add_command(_command)
