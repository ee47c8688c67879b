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
many pairs share (the calendar header, each participant's ATTENDEE line, and for each series
of meetings and shared hours the meetings' dates and their SUMMARY and DESCRIPTION lines up
to the pair's own text, folded once: :class:`~.ics_serialise.FoldedStart`) and skips
folding for short lines (:func:`fold_line`). The files are exactly what icalendar
writes for the same calendar: parsing one with icalendar and serialising it again gives
the same bytes (tested).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass

import icalendar
from icalendar.parser import Contentline

from matcher.outputs.cell_safety import clean_text
from matcher.outputs.ics_serialise import (
    FoldedStart,
    escape_text,
    escapes_as_icalendar,
    fold_content_line,
)
from matcher.outputs.plans import PairPlan, PersonCard, SharedHours
from matcher.outputs.schedule import Meeting

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


@dataclass(frozen=True)
class _Event:
    """What every pair with the same meetings and shared hours writes of one meeting: its
    number, start (UTC, or the day when all day), its SUMMARY and DESCRIPTION lines up to
    the pair's own text, and its DTSTART, DTEND and DTSTAMP lines."""

    number: int
    start: dt.date | dt.datetime
    all_day: bool
    summary: FoldedStart
    dates: bytes
    description: FoldedStart
    summary_text: str  # the SUMMARY and DESCRIPTION values' starts, as text
    description_text: str


class CalendarWriter:
    """The ``.ics`` bytes of many pairs' meetings, for one program start date; invitations
    from ``organizer`` (an e-mail address) when one is given."""

    def __init__(self, start: dt.date, organizer: str = "") -> None:
        self.start = start
        self.organizer = organizer
        self._stamp = dt.datetime.combine(start, dt.time(0, 0), tzinfo=dt.UTC)
        self._event = icalendar.Event()  # only its content_line method is used
        self._headers = {method: b"\r\n".join(_header(method)) for method in ("", "REQUEST")}
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
        # Line starts, meeting times and property lines many pairs share, made once.
        self._starts: dict[tuple[object, ...], FoldedStart] = {}
        self._events: dict[tuple[tuple[Meeting, ...], SharedHours | None],
                           tuple[_Event, ...]] = {}
        self._properties: dict[tuple[str, object], bytes] = {}

    def calendar(self, plan: PairPlan) -> bytes:
        """The ``.ics`` bytes of one pair's meetings; every meeting must be dated.

        A plain calendar (no METHOD) holds one event per meeting, each with its own UID. An
        invitation (``METHOD:REQUEST``) is one iTIP message about one component, so it holds
        one UID: the series as a recurring event (the first meeting, with the others as
        ``RDATE``), and each later meeting as an override of its instance
        (``RECURRENCE-ID``) carrying that meeting's own title and agenda.
        """
        attendees = [self._attendee(p) for p in (plan.mentee, plan.mentor) if p.email] \
            if self.organizer else []
        invitation = bool(attendees)
        pair = f"{plan.mentee.name} & {plan.mentor.name}"
        lines = [self._headers["REQUEST" if invitation else ""],
                 self._text("X-WR-CALNAME", f"{plan.program}: {pair}")]
        events = self._series(plan.meetings, plan.shared_hours)
        # The pair's own text, escaped once: the summaries and descriptions end with it. A
        # TEXT value's escaping is its parts' escapings joined when the first part ends with
        # neither a backslash nor a CR (only the two-character escapes, "\\N" and CR LF,
        # could straddle the join): the starts end with ": " and with a line break.
        summary_end = self._value(pair)
        description_end = self._value(_pair_description(plan))
        uids = _Uids(plan, self.start)
        for k, event in enumerate(events):
            # Properties in icalendar's canonical VEVENT order, so the bytes are its own:
            # SUMMARY, DTSTART, DTEND, DTSTAMP, UID, RECURRENCE-ID, SEQUENCE, RDATE, then
            # the rest alphabetically.
            if self._escape is escape_text:
                summary = event.summary.fold(summary_end)
                description = event.description.fold(description_end)
            else:  # icalendar escapes otherwise: nothing known of its escaping of parts
                summary = self._text("SUMMARY", event.summary_text + pair)
                description = self._text("DESCRIPTION", event.description_text
                                         + _pair_description(plan))
            lines += [b"BEGIN:VEVENT", summary, event.dates]
            if invitation:
                lines.append(uids.line(0))
                if k:
                    lines.append(self._known_property("recurrence-id", event.start))
                lines.append(self._sequence)
                if k == 0 and len(events) > 1:
                    lines.append(self._known_property("rdate",
                                                      tuple(e.start for e in events[1:])))
                lines += attendees
            else:
                lines.append(uids.line(event.number))
            lines.append(description)
            if invitation:
                lines.append(self._organizer)
            if event.all_day:
                lines.append(self._transparent)
            lines.append(b"END:VEVENT")
        lines.append(b"END:VCALENDAR\r\n")
        return b"\r\n".join(lines)

    def _series(self, meetings: tuple[Meeting, ...],
                shared: SharedHours | None) -> tuple[_Event, ...]:
        """What every pair with these meetings and shared hours writes of each meeting."""
        key = (meetings, shared)
        if key not in self._events:
            events = []
            for meeting in meetings:
                start, hours = _meeting_time(shared, _dated(meeting))
                events.append(_Event(
                    number=meeting.number, start=start, all_day=not hours,
                    summary=self._summary_start(meeting, len(meetings)),
                    dates=b"\r\n".join(self._meeting_dates(start, hours)),
                    description=self._description_start(meeting),
                    summary_text=_summary_start(meeting, len(meetings)),
                    description_text=_meeting_description(meeting)))
            self._events[key] = tuple(events)
        return self._events[key]

    def _value(self, text: str) -> bytes:
        """``text`` as the end of a TEXT value: escaped, cleaned, UTF-8."""
        return clean_text(self._escape(text)).encode("utf-8")

    def _summary_start(self, meeting: Meeting, count: int) -> FoldedStart:
        """The SUMMARY line of a meeting up to the pair's names (``SUMMARY:Title (1/5): ``)."""
        key = ("SUMMARY", meeting.title, meeting.number, count)
        if key not in self._starts:
            self._starts[key] = FoldedStart.of(clean_text(
                f"SUMMARY:{self._escape(_summary_start(meeting, count))}"))
        return self._starts[key]

    def _description_start(self, meeting: Meeting) -> FoldedStart:
        """The DESCRIPTION line of a meeting up to the pair's own sentences."""
        key = ("DESCRIPTION", meeting.purpose, meeting.agenda)
        if key not in self._starts:
            self._starts[key] = FoldedStart.of(clean_text(
                f"DESCRIPTION:{self._escape(_meeting_description(meeting))}"))
        return self._starts[key]

    def _known_property(self, name: str, value: object) -> bytes:
        """:meth:`_property`, encoded once per name and value."""
        key = (name, value)
        if key not in self._properties:
            self._properties[key] = self._property(
                name, list(value) if isinstance(value, tuple) else value)
        return self._properties[key]

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
    return _meeting_time(plan.shared_hours, day)


def _meeting_time(shared: SharedHours | None,
                  day: dt.date) -> tuple[dt.date | dt.datetime, float]:
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
    return _Uids(plan, start).uid(number)


class _Uids:
    """The UIDs of one pair's meetings: the hash of the pair's part of the key is taken
    once, and copied for each meeting's number."""

    def __init__(self, plan: PairPlan, start: dt.date) -> None:
        self._pair = hashlib.sha256(f"{plan.mentee.id}\x1f{plan.mentor.id}\x1f{plan.role}"
                                    f"\x1f".encode())
        self._start = f"\x1f{start.isoformat()}"

    def uid(self, number: int) -> str:
        key = self._pair.copy()
        key.update(f"{number}{self._start}".encode())
        return f"{key.hexdigest()[:32]}@mentormatch"

    def line(self, number: int) -> bytes:
        # 32 hex digits and "@mentormatch": nothing to escape, clean or fold.
        return f"UID:{self.uid(number)}".encode()


def _summary_start(meeting: Meeting, count: int) -> str:
    """A meeting's title before the pair's names (``Title (1/5): ``)."""
    return f"{meeting.title} ({meeting.number}/{count}): "


def _meeting_description(meeting: Meeting) -> str:
    """The start of a meeting's description that every pair's shares (it ends with a line
    break, after which TEXT escaping of the pair's part starts afresh)."""
    lines = [meeting.purpose, ""]
    if meeting.agenda:
        lines += ["Agenda:", *(f"- {item}" for item in meeting.agenda), ""]
    return "\n".join(lines) + "\n"


def _pair_description(plan: PairPlan) -> str:
    """The end of each of a pair's meeting descriptions: when, and that it may move."""
    if plan.shared_hours:
        when = (f"Shared working hours: {plan.mentee.name} {plan.shared_hours.mentee_local}"
                f" ({plan.mentee.time_zone}), {plan.mentor.name} "
                f"{plan.shared_hours.mentor_local} ({plan.mentor.time_zone}).")
    else:
        when = f"Time: {plan.hours_note}"
    return f"{when}\nSuggested date and time: move it together if it does not suit you both."
