"""The year's meetings: which month, what for, and on which date.

The default tempo (DESIGN.md) is five meetings at months 1, 3, 6, 9 and 12 for a primary
mentor, and a short focused series for a specialist. A program changes either in its
config's ``[schedule]`` table (``meetings`` / ``specialist_sessions`` replace the default
list wholesale). Month 1 starts on ``[program] start_date``; month *m* is *m - 1* calendar
months later (the 31st becomes the month's last day when the month is shorter).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from scoring.config import ProgramConfig


@dataclass(frozen=True)
class Meeting:
    """One meeting of a pair's series; ``date`` is None when the program has no start date."""

    number: int
    month: int
    title: str
    purpose: str
    agenda: tuple[str, ...] = ()
    date: dt.date | None = None


def start_date(config: ProgramConfig) -> dt.date | None:
    """The program's ``[program] start_date`` as a date, or None when it is not set."""
    return config.program.start_date


def meeting_date(start: dt.date, month: int) -> dt.date:
    """The suggested date of a meeting in program month ``month`` (month 1 = ``start``)."""
    return start + relativedelta(months=month - 1)


def primary_schedule(config: ProgramConfig) -> tuple[Meeting, ...]:
    """The year's meetings for a primary mentor and mentee, dated when a start date is set."""
    return _meetings(config, "meetings", area=None)


def specialist_schedule(config: ProgramConfig, area_label: str) -> tuple[Meeting, ...]:
    """The shorter, focused series for a specialist covering ``area_label``."""
    return _meetings(config, "specialist_sessions", area=area_label)


def working_hours(config: ProgramConfig) -> tuple[float, float]:
    """The local working day (start hour, end hour) used to find hours both sides share."""
    return config.schedule.working_hours


def check_ins(config: ProgramConfig) -> str:
    """The sentence about optional check-ins between meetings."""
    return config.schedule.check_ins


def _meetings(config: ProgramConfig, key: str, area: str | None) -> tuple[Meeting, ...]:
    """The ``[schedule]`` list ``key`` (checked when the config was loaded) as dated meetings."""
    entries = getattr(config.schedule, key)
    start = start_date(config)
    return tuple(
        Meeting(
            number=number,
            month=entry.month,
            title=_fill(entry.title, area),
            purpose=_fill(entry.purpose, area),
            agenda=tuple(_fill(item, area) for item in entry.agenda),
            date=meeting_date(start, entry.month) if start else None,
        )
        for number, entry in enumerate(entries, start=1))


def _fill(text: str, area: str | None) -> str:
    """Put the specialist's area into ``{area}``; plain replace, so other braces stay."""
    return text.replace("{area}", area) if area is not None else text
