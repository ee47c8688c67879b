"""The ``mentormatch`` command group; each subcommand lives in its own module, loaded lazily.

The group knows its commands by name from :data:`COMMANDS` and imports a command's module
only when that command runs (or shows its own ``--help``), so ``mentormatch --help`` does
not import the scoring and solver stack.
"""

from __future__ import annotations

import atexit
import gc
import importlib

import click

#: name → ("module:function", summary). The summary is the first paragraph of the
#: command's docstring, kept here so the group's --help lists commands without importing
#: them; ``tests/test_cli.py`` checks the two stay equal.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("cli.init:init",
             "Guess a config from the headers and answers of MENTORS and MENTEES."),
    "validate": ("cli.validate:validate",
                 "Check MENTORS and MENTEES and list every problem, errors first."),
    "explain": ("cli.explain:explain_command",
                "Explain compatibility scores for one mentee, from a run folder or the "
                "intake files."),
    "match": ("cli.match:match_command",
              "Match MENTEES with mentor networks from MENTORS and write a run folder."),
    "rematch": ("cli.rematch:rematch_command",
                "Rematch at month 12: keep continuing pairs, replace ended ones, place "
                "newcomers."),
    "diff": ("cli.diff:diff_command",
             "List the pairs kept, ended and new from run folder RUN_A to run folder RUN_B."),
    "end-pair": ("cli.end_pair:end_pair_command",
                 "End one pair of run folder RUN mid-cycle and re-pair just that mentee."),
    "serve": ("cli.serve:serve_command",
              "Start the matching service: pages for coordinators and a JSON API "
              "(/api/docs)."),
}


def load_command(name: str) -> click.Command:
    """Import the module of command ``name`` and return its click command."""
    module_name, _, attribute = COMMANDS[name][0].partition(":")
    command = getattr(importlib.import_module(module_name), attribute)
    assert isinstance(command, click.Command)
    return command


class LazyGroup(click.Group):
    """A group whose subcommands are imported when they run, not when the group loads."""

    def list_commands(self, ctx: click.Context) -> list[str]:  # noqa: ARG002 (click's)
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context,  # noqa: ARG002 (click's signature)
                    cmd_name: str) -> click.Command | None:
        return load_command(cmd_name) if cmd_name in COMMANDS else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # As click's own listing, but from the summaries in COMMANDS: a stand-in command
        # carrying the summary shortens it exactly as the real one would.
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, click.Command(name, help=COMMANDS[name][1]).get_short_help_str(limit))
                for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    if not _QUICK_EXIT:
        atexit.register(_freeze_at_exit)
        _QUICK_EXIT.append(_freeze_at_exit)


#: Set once the exit handler is registered (a process may run several commands: tests).
_QUICK_EXIT: list[object] = []


def _freeze_at_exit() -> None:
    """Move every object to the collector's permanent generation as the command exits.

    Tearing the interpreter down sets off full collections over everything a command
    loaded (numpy, SciPy, OR-Tools, the project's modules and records): 0.3-0.5 s after
    the last exit handler of a 1,000 x 300 ``match`` on a busy 2-core machine, 0.1 s
    frozen. The command's work is done and its files closed by then (standard output and
    error are flushed by the interpreter whatever the collector does); objects are still
    freed by their reference counts, only cycles are left for the operating system to
    reclaim with the process."""
    gc.freeze()


if __name__ == "__main__":
    cli()
