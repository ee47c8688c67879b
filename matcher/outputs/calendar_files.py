"""One iCalendar file per pair holding the series of meetings from its plan.

Events are all-day suggestions on the meeting's date (the pair agrees the exact time:
their plan lists the hours their time zones share). UIDs and DTSTAMP are derived from the
pair, the meeting and the program's start date, so a rerun writes the same bytes.

A run writes thousands of these files, and building a ``Calendar`` object per pair and
serialising it was the slowest step of a large run folder. So :class:`CalendarWriter` lets
icalendar encode each property line (value types, escaping, parameters), reuses the lines
many pairs share (the calendar header, each meeting's dates, each participant's ATTENDEE
line) and skips folding for short lines (:func:`fold_line`). The files are exactly what icalendar
writes for the same calendar: parsing one with icalendar and serialising it again gives
the same bytes (tested).
"""

from __future__ import annotations

import datetime as dt
import hashlib

import icalendar
from icalendar.parser import Contentline

from matcher.outputs.cell_safety import clean_text
from matcher.outputs.plans import PairPlan, PersonCard
from matcher.outputs.schedule import Meeting

PRODID = "-//mentormatch//mentoring meetings//EN"
#: Lines shorter than this many octets are never folded (RFC 5545 folds at 75).
FOLD_AT = 74


class CalendarWriter:
    """The ``.ics`` bytes of many pairs' meetings, for one program start date."""

    def __init__(self, start: dt.date) -> None:
        self.start = start
        self._stamp = dt.datetime.combine(start, dt.time(0, 0), tzinfo=dt.UTC)
        self._event = icalendar.Event()  # only its content_line method is used
        header = icalendar.Calendar()
        header.add("prodid", PRODID)
        header.add("version", "2.0")
        header.add("calscale", "GREGORIAN")
        header.add("method", "PUBLISH")
        self._header = [fold_line(line) for line in header.content_lines() if line][:-1]
        self._transparent = self._property("transp", "TRANSPARENT")  # a suggestion only
        self._dates: dict[dt.date, list[bytes]] = {}
        self._attendees: dict[tuple[str, str], bytes] = {}

    def calendar(self, plan: PairPlan) -> bytes:
        """The ``.ics`` bytes of one pair's meetings; every meeting must be dated."""
        lines = [*self._header, self._text("X-WR-CALNAME", f"{plan.program}: "
                                           f"{plan.mentee.name} & {plan.mentor.name}")]
        attendees = [self._attendee(p) for p in (plan.mentee, plan.mentor) if p.email]
        total = len(plan.meetings)
        for meeting in plan.meetings:
            if meeting.date is None:
                raise ValueError("pair_calendar needs dated meetings (set [program] start_date)")
            # Properties in icalendar's canonical VEVENT order, so the bytes are its own.
            lines += [b"BEGIN:VEVENT",
                      self._text("SUMMARY", f"{meeting.title} ({meeting.number}/{total}): "
                                            f"{plan.mentee.name} & {plan.mentor.name}"),
                      *self._meeting_dates(meeting.date),
                      self._text("UID", _uid(plan, meeting.number, self.start)),
                      *attendees,
                      self._text("DESCRIPTION", _description(plan, meeting)),
                      self._transparent,
                      b"END:VEVENT"]
        lines.append(b"END:VCALENDAR")
        return b"\r\n".join(lines) + b"\r\n"

    def _text(self, name: str, value: str) -> bytes:
        return fold_line(self._event.content_line(name, icalendar.vText(value)))

    def _property(self, name: str, value: object) -> bytes:
        """One property line as icalendar's ``add`` encodes the value (type, parameters)."""
        event = icalendar.Event()
        event.add(name, value)
        return fold_line(event.content_line(name.upper(), event[name]))

    def _meeting_dates(self, date: dt.date) -> list[bytes]:
        if date not in self._dates:
            self._dates[date] = [self._property("dtstart", date),
                                 self._property("dtend", date + dt.timedelta(days=1)),
                                 self._property("dtstamp", self._stamp)]
        return self._dates[date]

    def _attendee(self, person: PersonCard) -> bytes:
        key = (person.email, person.name)
        if key not in self._attendees:
            address = icalendar.vCalAddress(f"mailto:{person.email}")
            address.params["cn"] = icalendar.vText(person.name)
            address.params["role"] = icalendar.vText("REQ-PARTICIPANT")
            self._attendees[key] = fold_line(self._event.content_line("ATTENDEE", address))
        return self._attendees[key]


def pair_calendar(plan: PairPlan, start: dt.date) -> bytes:
    """The ``.ics`` bytes of one pair's meetings; every meeting must be dated."""
    return CalendarWriter(start).calendar(plan)


def fold_line(line: Contentline) -> bytes:
    """One content line, folded by icalendar itself (``Contentline.to_ical``) when long.

    Most lines need no folding, and icalendar folds character by character, which was most
    of the cost of writing thousands of calendars; so short lines skip the call.
    """
    text = clean_text(str(line))  # no control character from a participant's text
    if len(text.encode("utf-8")) < FOLD_AT:
        return text.encode("utf-8")
    return Contentline(text).to_ical()


def _uid(plan: PairPlan, number: int, start: dt.date) -> str:
    key = "\x1f".join((plan.mentee.id, plan.mentor.id, plan.role, str(number),
                       start.isoformat()))
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@mentormatch"


def _description(plan: PairPlan, meeting: Meeting) -> str:
    lines = [meeting.purpose, ""]
    if meeting.agenda:
        lines += ["Agenda:", *(f"- {item}" for item in meeting.agenda), ""]
    if plan.shared_hours:
        lines.append(f"Shared working hours: {plan.mentee.name} {plan.shared_hours.mentee_local}"
                     f" ({plan.mentee.time_zone}), {plan.mentor.name} "
                     f"{plan.shared_hours.mentor_local} ({plan.mentor.time_zone}).")
    else:
        lines.append(f"Time: {plan.hours_note}")
    lines.append("Suggested date: agree the exact day and time together.")
    return "\n".join(lines)
