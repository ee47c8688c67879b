"""One iCalendar file per pair holding the series of meetings from its plan.

Events are all-day suggestions on the meeting's date (the pair agrees the exact time:
their plan lists the hours their time zones share). UIDs and DTSTAMP are derived from the
pair, the meeting and the program's start date, so a rerun writes the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import icalendar

from matcher.plans import PairPlan, PersonCard

PRODID = "-//mentormatch//mentoring meetings//EN"


def pair_calendar(plan: PairPlan, start: dt.date) -> bytes:
    """The ``.ics`` bytes of one pair's meetings; every meeting must be dated."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{plan.program}: {plan.mentee.name} & {plan.mentor.name}")
    stamp = dt.datetime.combine(start, dt.time(0, 0), tzinfo=dt.UTC)
    total = len(plan.meetings)
    for meeting in plan.meetings:
        if meeting.date is None:
            raise ValueError("pair_calendar needs dated meetings (set [program] start_date)")
        event = icalendar.Event()
        event.add("uid", _uid(plan, meeting.number, start))
        event.add("dtstamp", stamp)
        event.add("dtstart", meeting.date)
        event.add("dtend", meeting.date + dt.timedelta(days=1))
        event.add("summary", f"{meeting.title} ({meeting.number}/{total}): "
                             f"{plan.mentee.name} & {plan.mentor.name}")
        event.add("description", _description(plan, meeting.purpose, meeting.agenda))
        event.add("transp", "TRANSPARENT")  # a suggestion, not a blocked day
        for person in (plan.mentee, plan.mentor):
            if person.email:
                event.add("attendee", _attendee(person))
        calendar.add_component(event)
    return calendar.to_ical()


def _uid(plan: PairPlan, number: int, start: dt.date) -> str:
    key = "\x1f".join((plan.mentee.id, plan.mentor.id, plan.role, str(number),
                       start.isoformat()))
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@mentormatch"


def _description(plan: PairPlan, purpose: str, agenda: tuple[str, ...]) -> str:
    lines = [purpose, ""]
    if agenda:
        lines += ["Agenda:", *(f"- {item}" for item in agenda), ""]
    if plan.shared_hours:
        lines.append(f"Shared working hours: {plan.mentee.name} {plan.shared_hours.mentee_local}"
                     f" ({plan.mentee.time_zone}), {plan.mentor.name} "
                     f"{plan.shared_hours.mentor_local} ({plan.mentor.time_zone}).")
    else:
        lines.append(f"Time: {plan.hours_note}")
    lines.append("Suggested date: agree the exact day and time together.")
    return "\n".join(lines)


def _attendee(person: PersonCard) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{person.email}")
    address.params["cn"] = icalendar.vText(person.name)
    address.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    return address
