"""The year's meetings: which month, what for, and on which date.

The default tempo (DESIGN.md) is five meetings at months 1, 3, 6, 9 and 12 for a primary
mentor, and a short focused series for a specialist. A program changes either in its
config's ``[schedule]`` table (``meetings`` / ``specialist_sessions`` replace the default
list wholesale). Month 1 starts on ``[program] start_date``; month *m* is *m - 1* calendar
months later (the 31st becomes the month's last day when the month is shorter).

Meetings fall on working days: a date on a Saturday, a Sunday or one of the program's
``[schedule] holidays`` moves to the nearest working day of the same month (a Saturday to
the Friday before, a Sunday to the Monday after). When a pair's shared hours fall on
different calendar days for the two sides (Sydney's Tuesday morning is Los Angeles's
Monday afternoon), both days must be working days (:func:`working_day`'s ``also``).
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
    """The month's anchor date of a meeting in program month ``month`` (month 1 = ``start``);
    :func:`working_day` moves it off weekends and holidays."""
    return start + relativedelta(months=month - 1)


def is_working_day(day: dt.date, holidays: frozenset[dt.date] | tuple[dt.date, ...]) -> bool:
    """Monday to Friday and not one of the program's holidays."""
    return day.weekday() < 5 and day not in holidays


def working_day(day: dt.date, holidays: frozenset[dt.date] | tuple[dt.date, ...] = (),
                also: tuple[int, ...] = ()) -> dt.date:
    """The working day nearest ``day`` within its month (``day`` itself when it is one).

    Each offset in ``also`` (in days) names the other side's calendar day, which must be a
    working day too. Of two candidates equally near, the later one wins (a Saturday goes to
    Friday, one day back; a Sunday to Monday). Only when the month has no such day at all
    (every day a holiday) is the search widened beyond it.
    """
    def ok(candidate: dt.date) -> bool:
        return all(is_working_day(candidate + dt.timedelta(days=shift), holidays)
                   for shift in (0, *also))

    for distance in range(62):
        for step in (distance, -distance) if distance else (0,):
            candidate = day + dt.timedelta(days=step)
            if distance > 31 or candidate.month == day.month:
                if ok(candidate):
                    return candidate
    return day  # unreachable for real calendars: two months hold working days


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
    holidays = frozenset(config.schedule.holidays)
    return tuple(
        Meeting(
            number=number,
            month=entry.month,
            title=_fill(entry.title, area),
            purpose=_fill(entry.purpose, area),
            agenda=tuple(_fill(item, area) for item in entry.agenda),
            date=working_day(meeting_date(start, entry.month), holidays) if start else None,
        )
        for number, entry in enumerate(entries, start=1))


def _fill(text: str, area: str | None) -> str:
    """Put the specialist's area into ``{area}``; plain replace, so other braces stay."""
    return text.replace("{area}", area) if area is not None else text
