"""Exceptions for input a coordinator must fix; the CLI turns them into exit status 2.

Each message is one paragraph naming the file (and row and column where there is one)
and what to do about it, so it can be shown as is, without a traceback.
"""

from __future__ import annotations


class InputError(ValueError):
    """Base for every problem with the coordinator's files or options (exit status 2)."""


class IntakeError(InputError):
    """An intake or feedback file that cannot be read at all (missing, empty, not a table)."""


class UnknownIdError(InputError):
    """An id asked about is not in the cohort; the message suggests the closest ids."""


class InvalidCohortError(InputError):
    """Intake read the files but found errors (listed in ``problems``) that block a match."""

    def __init__(self, message: str, problems: list | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []
