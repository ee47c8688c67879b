"""What every command shares: input errors exit 2, as one paragraph or, with --json, as JSON.

Without ``--json`` an error is ``Error: <paragraph>`` on stderr. With ``--json`` it is one
JSON object on stdout, ``{"error": {"kind": ..., "message": ..., "problems": [...]}}``, so a
script never parses prose; the exit status is the same either way (2). A file-system
refusal (read-only folder, full disk, permission, busy) is an input error too: the
coordinator fixes it by choosing another place. Every message has its control characters
escaped (:func:`scoring.text.escape_controls`, line breaks kept), so a name holding a
terminal escape sequence is shown, never obeyed.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import IO, Any

import click

from scoring.errors import InputError
from scoring.text import escape_controls

#: Exit status for input the coordinator must fix (bad file, bad option value).
EXIT_INPUT = 2


class InputProblem(click.ClickException):
    """A click error with exit status 2, printed as ``Error: <paragraph>`` on stderr.

    ``problems`` are the row-by-row problems behind it, if any (listed in the JSON form).
    """

    exit_code = EXIT_INPUT

    def __init__(self, message: str, problems: Sequence[object] = ()) -> None:
        super().__init__(terminal_safe(message))
        self.problems = list(problems)


def terminal_safe(message: str) -> str:
    """``message`` with every control character but the line break escaped."""
    return "\n".join(escape_controls(line) for line in message.split("\n"))


def os_error_message(error: OSError) -> str:
    """One paragraph for a file-system refusal: where, why, and what to do."""
    from matcher.runfolder.claim import os_problem

    where = error.filename or "the run folder"
    return str(os_problem(error, where, action="cannot read or write it",
                          fix="Check the path and its permissions, or choose another --out "
                              "folder; a run folder is only ever written whole."))


def error_json(kind: str, message: str, problems: Sequence[object] = ()) -> str:
    """The JSON form of an error (``problems``: dataclass records, e.g. intake problems)."""
    rows = [dataclasses.asdict(p) if dataclasses.is_dataclass(p) and not isinstance(p, type)
            else str(p) for p in problems]
    return json.dumps({"error": {"kind": kind, "message": message, "problems": rows}},
                      indent=2, ensure_ascii=False)


class JsonError(click.ClickException):
    """An error shown as JSON on stdout, with the exit status of the error it stands for."""

    def __init__(self, kind: str, error: click.ClickException) -> None:
        super().__init__(error.format_message())
        self.kind = kind
        # click declares exit_code per class; this one keeps the wrapped error's.
        self.exit_code = error.exit_code  # type: ignore[misc]
        self.problems: list[object] = getattr(error, "problems", [])

    def show(self, file: IO[Any] | None = None) -> None:  # noqa: ARG002 (always stdout)
        click.echo(error_json(self.kind, self.message, self.problems))


class JsonErrorsCommand(click.Command):
    """A command whose errors are JSON on stdout when its ``--json`` flag is given.

    Covers both the option parsing (a bad value, a missing argument: kind ``usage``) and
    the run (an :class:`InputProblem`: kind ``input``).
    """

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        # Decided on the raw arguments: a usage error stops parsing before any flag is read.
        wants_json = "--json" in args
        try:
            ctx = super().make_context(info_name, args, parent, **extra)
        except click.ClickException as exc:
            if wants_json:
                raise JsonError("usage", exc) from None
            raise
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            if ctx.params.get("as_json") and not isinstance(exc, JsonError):
                kind = "input" if isinstance(exc, InputProblem) else "usage"
                raise JsonError(kind, exc) from None
            raise


def input_errors_exit_2(command: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a command so :class:`scoring.errors.InputError` exits 2 with its message."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            raise InputProblem(str(exc), getattr(exc, "problems", ())) from None
        except BrokenPipeError:  # the reader left (`| head`): nothing to report, as cat does
            sys.stdout = open(os.devnull, "w")
            raise SystemExit(141) from None
        except OSError as exc:  # read-only, full, busy ...: a place to change, not a bug
            raise InputProblem(os_error_message(exc)) from None

    return wrapper
