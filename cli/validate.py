"""``mentormatch validate``: check both intake files and list every problem, row by row."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import click

from cli.common import EXIT_INPUT, JsonErrorsCommand, input_errors_exit_2
from matcher.jobs import validate_job
from scoring.errors import InputError
from scoring.profiles import Cohort, Problem

#: Characters JSON leaves raw when non-ASCII is kept (DEL and the C1 controls, one of
#: which starts terminal escape sequences; the line and paragraph separators).
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029]")


def counted(number: int, noun: str) -> str:
    """``1 error``, ``2 errors``, ``0 errors``."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def summary_line(cohort: Cohort) -> str:
    """``N mentors, M mentees, E errors, W warnings.`` (singular for one)."""
    return (f"{counted(len(cohort.mentors), 'mentor')}, "
            f"{counted(len(cohort.mentees), 'mentee')}, "
            f"{counted(len(cohort.errors), 'error')}, "
            f"{counted(len(cohort.warnings), 'warning')}.")


def _json_report(cohort: Cohort | None, fatal: str | None) -> str:
    """The report as JSON; values are kept whole, with every control character escaped.

    A file that cannot be read at all (``fatal``) is also given as the ``error`` object every
    command prints with --json (:func:`cli.common.error_json`).
    """
    def rows(problems: list[Problem]) -> list[dict]:
        return [dataclasses.asdict(p) for p in problems]

    error = None if fatal is None else {"kind": "input", "message": fatal, "problems": []}
    text = json.dumps({
        "ok": fatal is None and cohort is not None and not cohort.errors,
        "fatal": fatal,
        "mentors": len(cohort.mentors) if cohort else 0,
        "mentees": len(cohort.mentees) if cohort else 0,
        "errors": rows(cohort.errors) if cohort else [],
        "warnings": rows(cohort.warnings) if cohort else [],
        **({"error": error} if error else {}),
    }, indent=2, ensure_ascii=False)
    # json escapes C0 controls itself; these can only occur inside strings, where a
    # \uXXXX escape means the same character.
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


@click.command("validate", cls=JsonErrorsCommand)
@click.argument("mentors", type=click.Path(path_type=Path))
@click.argument("mentees", type=click.Path(path_type=Path))
@click.option("--config", "config_option", type=click.Path(dir_okay=False),
              help="Program config (TOML). Default: program.toml next to MENTORS.")
@click.option("--capacity", type=click.IntRange(1, 50), default=None,
              help="Check as `match --capacity N` would run: N mentees per mentor for everyone.")
@click.option("--network-size", type=click.IntRange(1, 10), default=None,
              help="Check as `match --network-size N` would run.")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@input_errors_exit_2
def validate(mentors: Path, mentees: Path, config_option: str | None, capacity: int | None,
             network_size: int | None, as_json: bool) -> None:
    """Check MENTORS and MENTEES and list every problem, errors first.

    Each problem names the file, the row as your spreadsheet shows it (header = row 1),
    the column, the value and what to do. Then it scores the cohort and reports what the
    match would be like (mentees no mentor can take, and why; rules removing most pairs;
    components that decide nothing; suspicious columns and stage orders). Exit status 0
    when there are no errors (warnings are fine), 2 when there are errors or a file cannot
    be read.
    """
    def read() -> Cohort:
        return validate_job(mentors, mentees, config=config_option, capacity=capacity,
                            network_size=network_size)

    if as_json:
        try:
            cohort = read()
        except InputError as exc:
            click.echo(_json_report(None, str(exc)))
            raise SystemExit(EXIT_INPUT) from None
        click.echo(_json_report(cohort, None))
        raise SystemExit(EXIT_INPUT if cohort.errors else 0)
    cohort = read()
    from scoring.diagnostics import group_problems

    for title, problems in (("Errors", cohort.errors), ("Warnings", cohort.warnings)):
        if problems:
            click.echo(f"{title} ({len(problems)}):")
            for problem in group_problems(problems):
                click.echo(f"  {problem}")
            click.echo("")
    click.echo(summary_line(cohort))
    if cohort.errors:
        click.echo("Fix the errors above, then run validate again; match will not run "
                   "until there are none.")
        raise SystemExit(EXIT_INPUT)
