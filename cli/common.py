"""What every command shares: input errors become one paragraph and exit status 2."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from scoring.errors import InputError

#: Exit status for input the coordinator must fix (bad file, bad option value).
EXIT_INPUT = 2


class InputProblem(click.ClickException):
    """A click error with exit status 2, printed as ``Error: <paragraph>`` on stderr."""

    exit_code = EXIT_INPUT


def input_errors_exit_2(command: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a command so :class:`scoring.errors.InputError` exits 2 with its message."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            raise InputProblem(str(exc)) from None

    return wrapper


def config_path_for(mentors_path: str, config_option: str | None) -> str:
    """The config to use: ``--config`` if given, else ``program.toml`` beside MENTORS.

    Raises :class:`scoring.errors.InputError` with the fix when neither exists.
    """
    from pathlib import Path

    if config_option:
        return config_option
    beside = Path(mentors_path).resolve().parent / "program.toml"
    if beside.is_file():
        return str(beside)
    raise InputError(
        f"No program config given and no program.toml beside {mentors_path}. Pass "
        f"--config FILE, or write a starter config with `mentormatch init MENTORS MENTEES`.")
