"""The typed sections of a program config, one frozen dataclass per TOML table.

Each is built once, checked, by :mod:`scoring.config.model`; consumers read attributes
(``config.solver.time_limit_seconds``) and never the TOML tables. Numbers keep the type
the program wrote (``60`` stays an int) so the pages that show them do not change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from scoring.config.custom_rules import CustomRule


@dataclass(frozen=True)
class ProgramSection:
    """``[program]``: the program's name, start date (None = not set), id column, and the
    coordinator's e-mail (the organizer of calendar invitations; "" = not set)."""

    name: str
    start_date: dt.date | None
    id_field: str
    templates_dir: str  # "" = the built-in templates
    coordinator_email: str = ""


@dataclass(frozen=True)
class IntakeSection:
    """``[intake]``: workbook sheet names and the separators of multi-value cells."""

    mentor_sheet: str
    mentee_sheet: str
    separators: tuple[str, ...]
    guessed_order: tuple[str, ...] = ()  # vocabularies whose order a tool guessed


@dataclass(frozen=True)
class LimitsSection:
    """``[limits]``: the most an intake file may hold; far above any real program's export,
    they bound the time and memory a hostile file can cost (SECURITY.md, "Limits")."""

    max_file_mb: int  # size of a CSV or XLSX file as stored
    max_unzipped_mb: int  # all members of a workbook, decompressed
    max_rows: int  # rows of answers in one sheet
    max_columns: int  # columns of one sheet (a cell beyond it, even empty, is refused)
    max_cells: int  # non-empty cells of one sheet
    max_cell_chars: int  # characters of one cell


@dataclass(frozen=True)
class ColumnsSection:
    """``[columns.*]``: header text as exported → canonical field, per sheet."""

    mentors: Mapping[str, str]
    mentees: Mapping[str, str]
    feedback: Mapping[str, str]


@dataclass(frozen=True)
class DefaultsSection:
    """``[defaults]``: what a blank cell means, and the largest values a cell may ask for."""

    capacity: int
    max_capacity: int
    network_size: int
    max_network_size: int
    languages: tuple[str, ...]
    for_everyone: tuple[str, ...] = ()  # counts whose columns are not read


@dataclass(frozen=True)
class WeightsSection:
    """``[weights]``: one finite weight >= 0 per score component, not all zero."""

    need_coverage: float
    goal_text: float
    role_fit: float
    stage_gap: float
    communication: float
    time_zone: float
    preferences: float

    def as_dict(self) -> dict[str, float]:
        """Component name → weight as a float, in component order."""
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class ScoringSection:
    """``[scoring]``: the preferred career-stage gap and the scales of two components."""

    preferred_stage_gap: tuple[Any, Any]  # (low, high) as written, low <= high
    time_zone_limit_hours: float
    goal_text_full_at: float


@dataclass(frozen=True)
class RulesSection:
    """``[rules]``: the switches of the built-in rules and the program's own rules."""

    mentor_more_senior: bool
    max_time_zone_gap_hours: float  # 0 = no limit
    cross_institution: bool
    custom: tuple[CustomRule, ...]
    not_same_person: bool = True
    not_excluded: bool = True
    shared_language: bool = True


#: Sensitive fields the scorer compares only for equality (same value, shared item): the
#: audit snapshot keeps a keyed pseudonym of each value, so they score exactly as raw ones.
PSEUDONYMISED_SENSITIVE_FIELDS: tuple[str, ...] = (
    "gender", "background", "specialty", "institution", "modes", "languages")
#: Sensitive fields the scorer compares by rank or distance (stages, frequencies, hours
#: apart), which no pseudonym keeps: a sensitive one is withheld from scoring and rules.
UNSCORED_SENSITIVE_FIELDS: tuple[str, ...] = ("career_stage", "frequency", "time_zone")
#: What ``[sensitive] fields`` may list.
SENSITIVE_CAPABLE_FIELDS = PSEUDONYMISED_SENSITIVE_FIELDS + UNSCORED_SENSITIVE_FIELDS


@dataclass(frozen=True)
class SensitiveSection:
    """``[sensitive]``: fields used only for opt-in preferences and aggregate tables."""

    fields: tuple[str, ...]

    @property
    def unscored(self) -> tuple[str, ...]:
        """The listed fields withheld from scoring (see :data:`UNSCORED_SENSITIVE_FIELDS`)."""
        return tuple(f for f in self.fields if f in UNSCORED_SENSITIVE_FIELDS)


@dataclass(frozen=True)
class SolverSection:
    """``[solver]``: the objective, a minimum load per mentor, the time limit, the seed, and
    the memory the scores may take (``memory_gib``)."""

    objective: str
    minimum_load: int
    time_limit_seconds: float
    seed: int
    memory_gib: float = 7.0


@dataclass(frozen=True)
class RematchSection:
    """``[rematch]``: how month-12 feedback turns into the next cycle's solver inputs."""

    unsure_policy: str
    disruption_penalty: float
    jumper_cycles: int
    hold_jumpers: bool
    rating_scale: tuple[Any, Any]


@dataclass(frozen=True)
class MeetingEntry:
    """One ``[[schedule.meetings]]`` or ``[[schedule.specialist_sessions]]`` entry."""

    month: int
    title: str
    purpose: str
    agenda: tuple[str, ...]


@dataclass(frozen=True)
class ScheduleSection:
    """``[schedule]``: the year's meetings, the specialist series, check-ins, working day and
    the program's holidays (no meeting falls on one, nor on a weekend)."""

    working_hours: tuple[float, float]
    check_ins: str
    meetings: tuple[MeetingEntry, ...]
    specialist_sessions: tuple[MeetingEntry, ...]
    holidays: tuple[dt.date, ...] = ()


@dataclass(frozen=True)
class ReportSection:
    """``[report]``: which mentee fields the fairness tables audit, and the smallest group
    shown on its own (smaller groups are pooled so no one is singled out)."""

    audit_fields: tuple[str, ...]
    min_group_size: int


@dataclass(frozen=True)
class ComputeSection:
    """``[compute]``: where scoring runs: ``"local"`` (a process pool on this machine for
    large cohorts), ``"serial"`` (this process only) or ``"dask://host:port"`` (the workers of
    a Dask distributed scheduler; see :mod:`matcher.compute`)."""

    scheduler: str = "local"
