"""Participant records: the validated, canonical form of one intake row.

Intake (:mod:`scoring.intake.cohort`) turns spreadsheet rows into these records; everything
downstream (features, scorer, solver, plans) reads only these. Values are already
normalised: vocabulary fields hold canonical values from the program config, time zones
are UTC offsets in hours, ids are stable strings (never row numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from scoring.text import escape_controls, quote

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """Something wrong (error) or worth a look (warning) in an input file.

    ``row`` is the row number as the spreadsheet shows it (header = row 1), or None for a
    problem with the whole file; ``column`` is the header text as the coordinator wrote it;
    ``key`` the config key a finding of :mod:`scoring.diagnostics` is about, and ``code``
    its kind.
    """

    severity: Severity
    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    fix: str
    key: str | None = None  # the config key it is about ("[rules] shared_language")
    code: str = ""  # what kind of finding (diagnostics: "no_eligible_mentor" ...)

    def __str__(self) -> str:
        """One line for a terminal: long values shortened, control characters escaped
        (cells are written by anyone who fills in the form)."""
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {quote(self.column, 200)}"
        if self.key:
            where += f", {self.key}"
        value = f" (value {quote(self.value)})" if self.value not in (None, "") else ""
        line = f"{self.severity.upper()}: {where}{value}: {self.message} {self.fix}".strip()
        return escape_controls(line)


@dataclass(frozen=True)
class Person:
    """Fields both sides share. ``gender`` and ``background`` are sensitive: used only for
    the mentee's explicit opt-in preferences and aggregate fairness tables."""

    id: str
    name: str
    email: str = ""
    career_stage: str | None = None
    specialty: str = ""
    institution: str = ""
    modes: tuple[str, ...] = ()
    frequency: str | None = None
    time_zone: float | None = None
    languages: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    gender: str = ""
    background: str = ""
    source_row: int = 0
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # The program's own categorical fields (``attr:NAME`` columns), as written (trimmed).
    attributes: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Mentee(Person):
    """A participant asking for a mentor network."""

    need_areas: tuple[str, ...] = ()
    goals: str = ""
    help_wanted: tuple[str, ...] = ("mentor",)
    network_size: int = 1
    preferences: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mentor(Person):
    """A volunteer offering one or more roles (mentor / coach / advisor)."""

    expertise_areas: tuple[str, ...] = ()
    bio: str = ""
    roles: tuple[str, ...] = ("mentor",)
    capacity: int = 1


@dataclass
class Cohort:
    """Everyone in one matching run, in input order, plus the problems intake found."""

    mentors: list[Mentor]
    mentees: list[Mentee]
    problems: list[Problem] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    # side ("mentors"/"mentees") → header → what it was mapped to (field, pref:, attr:, ...)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def mentor_index(self) -> dict[str, int]:
        """Mentor id → position in :attr:`mentors`."""
        return {m.id: i for i, m in enumerate(self.mentors)}

    def mentee_index(self) -> dict[str, int]:
        """Mentee id → position in :attr:`mentees`."""
        return {m.id: i for i, m in enumerate(self.mentees)}
