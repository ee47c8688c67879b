"""One iCalendar file per pair holding the series of meetings from its plan.

Each meeting is on its working day (:mod:`.schedule`) at the start of the hours both time
zones share, for :data:`MEETING_HOURS` (or the shared hours, when fewer), written in UTC;
when a time zone is missing or the working days do not overlap, it is an all-day
suggestion the pair turns into a time. UIDs and DTSTAMP are derived from the pair, the
meeting and the program's start date, so a rerun writes the same bytes.

The files follow RFC 5545, and RFC 5546 (iTIP) when they are invitations: with
``[program] coordinator_email`` set, each file is a ``METHOD:REQUEST`` from that
``ORGANIZER`` to both participants (``ATTENDEE``, ``RSVP=TRUE``), with ``SEQUENCE:0``, about
one component (one UID): the pair's meetings as one recurring event, its first meeting
with the others' starts in ``RDATE``, and an override (``RECURRENCE-ID``) per later meeting
with its own title and agenda. Without it (or when the program hides e-mails) the file is a
plain calendar to import, one event per meeting, with no METHOD, organizer or attendees:
RFC 5545 (3.7.2) says an object without METHOD carries no scheduling semantics, only a
snapshot of calendar information, which is what an import is; and RFC 5546 requires an
ORGANIZER in every iTIP method, ``PUBLISH`` included, so a file without one claims none.

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
import functools
import hashlib
import re

import icalendar
from icalendar.parser import Contentline

from matcher.outputs.cell_safety import clean_text
from matcher.outputs.schedule import Meeting
from records_reference.ics_serialise import escape_text, escapes_as_icalendar, fold_content_line
from records_reference.plans import PairPlan, PersonCard

PRODID = "-//mentormatch//mentoring meetings//EN"
#: Length of a meeting in the calendar, in hours (shorter when the shared hours are fewer).
MEETING_HOURS = 1.0
#: Lines shorter than this many octets are never folded (RFC 5545 folds at 75).
FOLD_AT = 74
#: Names and addresses that icalendar writes into an ATTENDEE line as they are (no RFC 6868
#: escape; a name is quoted when it holds a space): letters, digits and ``. _ - + @``, and
#: spaces in names.
_PLAIN_NAME = re.compile(r"[\w .@+-]+")
_PLAIN_ADDRESS = re.compile(r"[\w.@+-]+")
#: Per kind of plain name (with a space or not), two attendees whose ATTENDEE lines check
#: :meth:`CalendarWriter._attendee`'s shortcut.
_PROBES = {True: (("probe.one@example.org", "Probe One"),
                  ("zoë-ann_2+x@ex-ample.org", "Zoë Ann-Marie St. Clair_2")),
           False: (("probe.one@example.org", "ProbeOne"),
                   ("zoë-ann_2+x@ex-ample.org", "Zoë-Ann_2.x+y@z"))}


class CalendarWriter:
    """The ``.ics`` bytes of many pairs' meetings, for one program start date; invitations
    from ``organizer`` (an e-mail address) when one is given."""

    def __init__(self, start: dt.date, organizer: str = "") -> None:
        self.start = start
        self.organizer = organizer
        self._stamp = dt.datetime.combine(start, dt.time(0, 0), tzinfo=dt.UTC)
        self._event = icalendar.Event()  # only its content_line method is used
        self._headers = {method: _header(method) for method in ("", "REQUEST")}
        self._transparent = self._property("transp", "TRANSPARENT")  # a suggestion only
        self._sequence = self._property("sequence", 0)
        self._organizer = b""
        if organizer:
            address = icalendar.vCalAddress(f"mailto:{organizer}")
            self._organizer = fold_line(self._event.content_line("ORGANIZER", address))
        self._dates: dict[tuple[dt.date | dt.datetime, float], list[bytes]] = {}
        self._attendees: dict[tuple[str, str], bytes] = {}
        self._escape = escape_text if escapes_as_icalendar() else _icalendar_text
        self._attendee_lines = {spaced: _attendee_template(spaced) for spaced in _PROBES}

    def calendar(self, plan: PairPlan) -> bytes:
        """The ``.ics`` bytes of one pair's meetings; every meeting must be dated.

        A plain calendar (no METHOD) holds one event per meeting, each with its own UID. An
        invitation (``METHOD:REQUEST``) is one iTIP message about one component, so it holds
        one UID: the series as a recurring event (the first meeting, with the others as
        ``RDATE``), and each later meeting as an override of its instance
        (``RECURRENCE-ID``) carrying that meeting's own title and agenda.
        """
        attendees = [self._attendee(p) for p in (plan.mentee, plan.mentor) if p.email]
        invitation = bool(self.organizer and attendees)
        lines = [*self._headers["REQUEST" if invitation else ""],
                 self._text("X-WR-CALNAME", f"{plan.program}: "
                                            f"{plan.mentee.name} & {plan.mentor.name}")]
        times = [meeting_time(plan, _dated(meeting)) for meeting in plan.meetings]
        series = _uid(plan, 0, self.start)  # the invitation's one UID
        for k, (meeting, (start, hours)) in enumerate(zip(plan.meetings, times, strict=True)):
            # Properties in icalendar's canonical VEVENT order, so the bytes are its own:
            # SUMMARY, DTSTART, DTEND, DTSTAMP, UID, RECURRENCE-ID, SEQUENCE, RDATE, then
            # the rest alphabetically.
            if invitation:
                identity = [self._text("UID", series),
                            *((self._property("recurrence-id", start),) if k else ()),
                            self._sequence,
                            *((self._property("rdate", [t for t, _ in times[1:]]),)
                              if k == 0 and len(times) > 1 else ()),
                            *attendees]
            else:
                identity = [self._text("UID", _uid(plan, meeting.number, self.start))]
            lines += [b"BEGIN:VEVENT",
                      self._text("SUMMARY", f"{meeting.title} ({meeting.number}/"
                                            f"{len(times)}): {plan.mentee.name} & "
                                            f"{plan.mentor.name}"),
                      *self._meeting_dates(start, hours),
                      *identity,
                      self._text("DESCRIPTION", _description(plan, meeting)),
                      *((self._organizer,) if invitation else ()),
                      *(() if hours else (self._transparent,)),
                      b"END:VEVENT"]
        lines.append(b"END:VCALENDAR")
        return b"\r\n".join(lines) + b"\r\n"

    def _text(self, name: str, value: str) -> bytes:
        # The line icalendar's content_line makes of a TEXT value without parameters
        # (``NAME:`` and the escaped value), without building a Contentline per line.
        return fold_line(f"{name}:{self._escape(value)}")

    def _property(self, name: str, value: object) -> bytes:
        """One property line as icalendar's ``add`` encodes the value (type, parameters)."""
        event = icalendar.Event()
        event.add(name, value)
        return fold_line(event.content_line(name.upper(), event[name]))

    def _meeting_dates(self, start: dt.date | dt.datetime, hours: float) -> list[bytes]:
        """DTSTART, DTEND and DTSTAMP of a meeting: ``hours`` long from ``start`` (a UTC
        time), or the whole day ``start`` when ``hours`` is 0."""
        key = (start, hours)
        if key not in self._dates:
            end = start + (dt.timedelta(hours=hours) if hours else dt.timedelta(days=1))
            self._dates[key] = [self._property("dtstart", start), self._property("dtend", end),
                                self._property("dtstamp", self._stamp)]
        return self._dates[key]

    def _attendee(self, person: PersonCard) -> bytes:
        """A participant's ATTENDEE line. Most names and addresses are plain text, which
        icalendar writes as they are: their line is the one icalendar writes for a probe
        attendee with the probe's name and address replaced (checked once, for two probes,
        by :func:`_attendee_template`); any other is written by icalendar itself."""
        key = (person.email, person.name)
        if key not in self._attendees:
            template = self._attendee_lines[" " in person.name]
            if (template and _PLAIN_ADDRESS.fullmatch(person.email)
                    and _PLAIN_NAME.fullmatch(person.name)):
                line = template.format(email=person.email, name=person.name)
            else:
                line = _attendee_line(person.email, person.name)
            self._attendees[key] = fold_line(line)
        return self._attendees[key]


def _icalendar_text(value: str) -> str:
    return icalendar.vText(value).to_ical().decode("utf-8")


def _attendee_line(email: str, name: str) -> str:
    """The unfolded ATTENDEE line icalendar writes for a participant."""
    address = icalendar.vCalAddress(f"mailto:{email}")
    address.params["cn"] = icalendar.vText(name)
    address.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    address.params["partstat"] = icalendar.vText("NEEDS-ACTION")
    address.params["rsvp"] = icalendar.vText("TRUE")
    return str(icalendar.Event().content_line("ATTENDEE", address))


@functools.cache
def _attendee_template(spaced: bool) -> str:
    """icalendar's ATTENDEE line with ``{email}`` and ``{name}`` for a plain address and a
    plain name with (``spaced``) or without a space; "" when the installed icalendar does
    not write both probe attendees of that kind that way (then icalendar writes each)."""
    (email, name), (other_email, other_name) = _PROBES[spaced]
    line = _attendee_line(email, name)
    if line.count(email) != 1 or line.count(name) != 1 or "{" in line or "}" in line:
        return ""
    template = line.replace(email, "{email}").replace(name, "{name}")
    if template.format(email=other_email, name=other_name) != _attendee_line(other_email,
                                                                            other_name):
        return ""
    return template


def pair_calendar(plan: PairPlan, start: dt.date, organizer: str = "") -> bytes:
    """The ``.ics`` bytes of one pair's meetings; every meeting must be dated."""
    return CalendarWriter(start, organizer).calendar(plan)


def meeting_time(plan: PairPlan, day: dt.date) -> tuple[dt.date | dt.datetime, float]:
    """When a meeting on the mentee's local ``day`` starts (UTC) and how many hours it
    lasts; ``(day, 0)`` (all day) when the pair has no shared working hours."""
    shared = plan.shared_hours
    if shared is None:
        return day, 0.0
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC) \
        + dt.timedelta(minutes=round(shared.utc_start * 60))
    return start, min(MEETING_HOURS, shared.hours)


def _header(method: str) -> list[bytes]:
    """The VCALENDAR lines before the first event, with ``METHOD`` when ``method`` is set."""
    header = icalendar.Calendar()
    header.add("prodid", PRODID)
    header.add("version", "2.0")
    header.add("calscale", "GREGORIAN")
    if method:
        header.add("method", method)
    return [fold_line(line) for line in header.content_lines() if line][:-1]


def fold_line(line: Contentline | str) -> bytes:
    """One content line, folded by icalendar itself (``Contentline.to_ical``) when long.

    Most lines need no folding, and icalendar folds character by character, which was most
    of the cost of writing thousands of calendars; so short lines skip the call.
    """
    text = clean_text(str(line))  # no control character from a participant's text
    if len(text.encode("utf-8")) < FOLD_AT:
        return text.encode("utf-8")
    return fold_content_line(text)  # icalendar's folding, computed without its char loop


def _dated(meeting: Meeting) -> dt.date:
    if meeting.date is None:
        raise ValueError("pair_calendar needs dated meetings (set [program] start_date)")
    return meeting.date


def _uid(plan: PairPlan, number: int, start: dt.date) -> str:
    """A meeting's UID (``number`` 0: the pair's series, the invitation's one UID)."""
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
    lines.append("Suggested date and time: move it together if it does not suit you both.")
    return "\n".join(lines)
