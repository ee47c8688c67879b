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
from typing import Any

from dateutil.relativedelta import relativedelta

from scoring.config import ConfigError, ProgramConfig


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
    raw = config.section("program").get("start_date") or ""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"{_where(config)}: [program] start_date {text!r} is not a date. Write it as "
            f"YYYY-MM-DD, e.g. start_date = 2025-09-01.") from None


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
    hours = config.section("schedule").get("working_hours", [9, 17])
    try:
        begin, end = (float(h) for h in hours)
    except (TypeError, ValueError):
        begin, end = -1.0, -1.0
    if not 0 <= begin < end <= 24:
        raise ConfigError(f"{_where(config)}: [schedule] working_hours must be two hours "
                          f"[start, end] with 0 <= start < end <= 24, e.g. [9, 17].")
    return begin, end


def check_ins(config: ProgramConfig) -> str:
    """The sentence about optional check-ins between meetings."""
    return str(config.section("schedule").get("check_ins", ""))


def _meetings(config: ProgramConfig, key: str, area: str | None) -> tuple[Meeting, ...]:
    """Validate the ``[schedule]`` list ``key`` and turn it into dated meetings."""
    entries: Any = config.section("schedule").get(key)
    example = f'[[schedule.{key}]] month = 1, title = "...", purpose = "..."'
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{_where(config)}: [schedule] {key} must be a non-empty list of "
                          f"meetings, e.g. {example}.")
    start = start_date(config)
    meetings: list[Meeting] = []
    for number, entry in enumerate(entries, start=1):
        month = entry.get("month") if isinstance(entry, dict) else None
        if not isinstance(month, int) or not 1 <= month <= 24 or not entry.get("title"):
            raise ConfigError(
                f"{_where(config)}: [schedule] {key} entry {number} needs a month (1-24) and "
                f"a title, e.g. {example}.")
        if meetings and month < meetings[-1].month:
            raise ConfigError(f"{_where(config)}: [schedule] {key} must be in month order; "
                              f"entry {number} (month {month}) comes after month "
                              f"{meetings[-1].month}.")
        meetings.append(Meeting(
            number=number,
            month=month,
            title=_fill(str(entry["title"]), area),
            purpose=_fill(str(entry.get("purpose", "")), area),
            agenda=tuple(_fill(str(item), area) for item in entry.get("agenda", ())),
            date=meeting_date(start, month) if start else None,
        ))
    return tuple(meetings)


def _fill(text: str, area: str | None) -> str:
    """Put the specialist's area into ``{area}``; plain replace, so other braces stay."""
    return text.replace("{area}", area) if area is not None else text


def _where(config: ProgramConfig) -> str:
    return str(config.path) if config.path else "the config"
