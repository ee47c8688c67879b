"""Calendars: one .ics per pair with the year's meetings, parsed back with icalendar."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import cast

import icalendar
import pytest
from factories import CONFIG, make_outcome, write_inputs
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Parameters
from icalendar.parser import Contentline

from matcher.outputs.calendar_files import fold_line, pair_calendar
from matcher.outputs.plans import build_plans
from matcher.outputs.schedule import working_day
from matcher.runfolder.writer import write_run_folder
from scoring.config import ConfigError, config_from_dict


def _plans(**kwargs):
    outcome, explanations = make_outcome(**kwargs)
    by_pair = {(e.mentee_id, e.mentor_id): e for e in explanations}
    return {(p.mentee.id, p.mentor.id): p for p in build_plans(outcome, by_pair)}


def _events(data: bytes) -> list[icalendar.Event]:
    return cast(list[icalendar.Event], icalendar.Calendar.from_ical(data).walk("VEVENT"))


def _local_day(event: icalendar.Event, offset_hours: float) -> dt.date:
    start = event.decoded("dtstart")
    if not isinstance(start, dt.datetime):
        return start
    return (start + dt.timedelta(hours=offset_hours)).date()


def test_primary_pair_gets_five_events_on_working_days_in_shared_hours():
    plan = _plans()[("ana@uni.example", "ada@uni.example")]
    events = _events(pair_calendar(plan, dt.date(2025, 9, 1), "office@uni.example"))
    # Month anchors 1 Nov 2025 (Saturday), 1 Feb 2026 (Sunday) and 1 Aug 2026 (Saturday)
    # move to the nearest working day of the same month; 1 Sep 2025 and 1 May 2026 are
    # weekdays and stay.
    assert [_local_day(e, -8.0) for e in events] == [
        dt.date(2025, 9, 1), dt.date(2025, 11, 3), dt.date(2026, 2, 2),
        dt.date(2026, 5, 1), dt.date(2026, 8, 3)]
    # Ana (UTC-8) and Ada (UTC-5) share 09:00-14:00 Ana's time = 17:00-22:00 UTC: a
    # one-hour meeting at the start of it, 09:00 for Ana and 12:00 for Ada.
    for event in events:
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert (start.hour, start.minute, end - start) == (17, 0, dt.timedelta(hours=1))
        assert start.utcoffset() == dt.timedelta(0)
    assert [str(e["summary"]).split(" (")[0] for e in events] == [
        "Initial meeting and goal setting", "Progress check-in and early adjustments",
        "Mid-year evaluation", "Career development and networking",
        "Reflection and future planning"]
    assert "Review progress, refine goals" in str(events[1]["description"])
    for event in events:
        attendees = cast(list[icalendar.vCalAddress], event["attendee"])  # two: a list
        assert sorted(str(a) for a in attendees) == ["mailto:ada@uni.example",
                                                     "mailto:ana@uni.example"]
        assert str(event["organizer"]) == "mailto:office@uni.example"
    # One invitation, one component: the series' UID on the master and its overrides.
    assert len({str(e["uid"]) for e in events}) == 1
    assert [("RECURRENCE-ID" in e) for e in events] == [False, True, True, True, True]


def test_specialist_pair_gets_its_shorter_series():
    plan = _plans()[("ana@uni.example", "cole@uni.example")]
    events = _events(pair_calendar(plan, dt.date(2025, 9, 1)))
    # Ana (UTC-8) and Cole (UTC+1) share no working hour: all-day suggestions.
    assert [e.decoded("dtstart") for e in events] == [
        dt.date(2025, 9, 1), dt.date(2025, 10, 1), dt.date(2025, 12, 1)]
    assert all("Clinical skills & contouring" in str(e["summary"]) for e in events)


def test_holidays_from_the_config_are_skipped_like_weekends():
    outcome, explanations = make_outcome()
    config = config_from_dict({**CONFIG, "schedule": {"holidays": ["2025-09-01",
                                                                    "2025-09-02"]}})
    outcome = dataclasses.replace(outcome, config=config)
    by_pair = {(e.mentee_id, e.mentor_id): e for e in explanations}
    plan = build_plans(outcome, by_pair)[0]
    assert plan.meetings[0].date == dt.date(2025, 9, 3)


@pytest.mark.parametrize("holidays", ["2025-12-25", ["Christmas"], [12]])
def test_bad_holidays_are_a_config_error_naming_the_key(holidays):
    with pytest.raises(ConfigError, match=r"\[schedule\] holidays"):
        config_from_dict({**CONFIG, "schedule": {"holidays": holidays}})


def test_bad_coordinator_email_is_a_config_error_naming_the_key():
    with pytest.raises(ConfigError, match=r"\[program\] coordinator_email"):
        config_from_dict({**CONFIG, "program": {"coordinator_email": "the office"}})


def test_working_day_stays_in_the_month_and_checks_the_other_side():
    saturday, sunday = dt.date(2027, 1, 30), dt.date(2027, 1, 31)
    assert working_day(saturday) == dt.date(2027, 1, 29)  # Friday before
    assert working_day(sunday) == dt.date(2027, 1, 29)  # Monday 1 Feb is another month
    assert working_day(dt.date(2027, 5, 1)) == dt.date(2027, 5, 3)  # Saturday the 1st
    # Monday for the mentee but Sunday for a mentor a day behind: Tuesday suits both.
    assert working_day(dt.date(2027, 3, 1), also=(-1,)) == dt.date(2027, 3, 2)


# ------------------------------------------------------------------ RFC 5545 / 5546 rules

def rfc_problems(data: bytes) -> list[str]:
    """What breaks RFC 5545 (content lines, required properties) or, for an iTIP message,
    RFC 5546's restriction table of its METHOD (3.2.1 PUBLISH, 3.2.2 REQUEST)."""
    problems = []
    if not data.endswith(b"\r\n") or b"\n" in data.replace(b"\r\n", b""):
        problems.append("lines must end with CRLF")
    problems += [f"line over 75 octets: {line[:30]!r}" for line in data.split(b"\r\n")
                 if len(line) > 75]
    calendar = icalendar.Calendar.from_ical(data)
    if calendar.to_ical() != data:
        problems.append("icalendar does not write the same bytes back")
    for name in ("PRODID", "VERSION"):
        if name not in calendar:
            problems.append(f"VCALENDAR without {name}")
    method = str(calendar.get("METHOD", ""))
    events = cast(list[icalendar.Event], calendar.walk("VEVENT"))
    if not events:
        problems.append("no VEVENT")
    uids = [str(e.get("UID")) for e in events]
    if method:
        problems += _itip_component_problems(events)
    elif len(set(uids)) != len(uids):
        problems.append("UIDs repeat")
    for event in events:
        problems += _event_problems(event, method)
    return problems


def _starts(event: icalendar.Event, name: str) -> list:
    """The decoded values of a date property that may repeat or hold a list (RDATE)."""
    values = event.get(name, [])
    values = values if isinstance(values, list) else [values]
    return [period.dt for value in values for period in getattr(value, "dts", [value])]


def _itip_component_problems(events: list[icalendar.Event]) -> list[str]:
    """RFC 5546: an iTIP message is about one calendar component, so every VEVENT carries
    the same UID; besides the master, only overrides of its instances (RECURRENCE-ID equal
    to the master's DTSTART or one of its RDATEs), each instance at most once."""
    problems = []
    if len({str(e.get("UID")) for e in events}) > 1:
        problems.append("an iTIP message with more than one UID")
    masters = [e for e in events if "RECURRENCE-ID" not in e]
    if len(masters) != 1:
        return problems + [f"{len(masters)} VEVENTs without RECURRENCE-ID (one master)"]
    instances = [masters[0].decoded("DTSTART"), *_starts(masters[0], "RDATE")]
    overridden = [e.decoded("RECURRENCE-ID") for e in events if "RECURRENCE-ID" in e]
    if any(when not in instances for when in overridden):
        problems.append("RECURRENCE-ID of no instance of the series")
    if len(set(overridden)) != len(overridden):
        problems.append("an instance overridden twice")
    return problems


def _event_problems(event: icalendar.Event, method: str) -> list[str]:
    """One VEVENT against RFC 5545's required properties and the METHOD's restrictions."""
    problems = [f"VEVENT without {name}" for name in ("UID", "DTSTAMP", "DTSTART", "SUMMARY")
                if name not in event]
    if "DTEND" in event and event.decoded("DTEND") <= event.decoded("DTSTART"):
        problems.append("DTEND not after DTSTART")
    attendees = event.get("ATTENDEE", [])
    attendees = attendees if isinstance(attendees, list) else [attendees]
    if method in ("PUBLISH", "REQUEST") and "ORGANIZER" not in event:
        problems.append(f"METHOD:{method} without ORGANIZER")
    if method == "PUBLISH" and attendees:
        problems.append("METHOD:PUBLISH with ATTENDEE")
    if method == "REQUEST" and not attendees:
        problems.append("METHOD:REQUEST without ATTENDEE")
    if method == "REQUEST" and "SEQUENCE" not in event:
        problems.append("METHOD:REQUEST without SEQUENCE")
    if not method and (attendees or "ORGANIZER" in event):
        problems.append("attendees or organizer without an iTIP METHOD")
    return problems


@pytest.mark.parametrize("organizer", ["", "office@uni.example"])
def test_calendars_follow_rfc_5545_and_5546(organizer):
    for plan in _plans().values():
        data = pair_calendar(plan, dt.date(2025, 9, 1), organizer)
        assert rfc_problems(data) == []
        assert (b"METHOD:REQUEST" in data) == bool(organizer)
        assert (b"ATTENDEE" in data) == bool(organizer)


def test_an_invitation_is_one_component_and_a_plain_calendar_one_uid_per_meeting():
    plan = _plans()[("ana@uni.example", "ada@uni.example")]
    invitation = pair_calendar(plan, dt.date(2025, 9, 1), "office@uni.example")
    calendar = icalendar.Calendar.from_ical(invitation)
    master, *overrides = cast(list[icalendar.Event], calendar.walk("VEVENT"))
    # every later meeting is an instance of the series (RDATE) overridden with its own text
    assert _starts(master, "RDATE") == [e.decoded("DTSTART") for e in overrides]
    assert [e.decoded("RECURRENCE-ID") for e in overrides] == _starts(master, "RDATE")
    assert len({str(e["summary"]) for e in (master, *overrides)}) == 5
    plain = _events(pair_calendar(plan, dt.date(2025, 9, 1)))
    assert len({str(e["uid"]) for e in plain}) == 5
    assert not any("RDATE" in e or "RECURRENCE-ID" in e for e in plain)
    # the checker refuses the session-3 invitation: five components in one REQUEST
    parsed = icalendar.Calendar.from_ical(invitation)
    for k, event in enumerate(parsed.walk("VEVENT")):
        event["UID"] = icalendar.vText(f"meeting-{k}@example")
    assert "an iTIP message with more than one UID" in rfc_problems(parsed.to_ical())


@pytest.mark.parametrize("shared", [True, False])
def test_an_all_day_series_is_one_component_too(shared):
    pair = ("ana@uni.example", "ada@uni.example") if shared else ("ana@uni.example",
                                                                   "cole@uni.example")
    plan = _plans()[pair]
    assert plan.mentee.email and plan.mentor.email and (plan.shared_hours is not None) == shared
    data = pair_calendar(plan, dt.date(2025, 9, 1), "office@uni.example")
    assert rfc_problems(data) == []
    master = _events(data)[0]
    assert all(isinstance(d, dt.datetime) == shared for d in _starts(master, "RDATE"))


def test_rfc_checker_catches_the_old_publish_with_attendees():
    data = pair_calendar(_plans()[("ana@uni.example", "ada@uni.example")],
                         dt.date(2025, 9, 1), "office@uni.example")
    broken = data.replace(b"METHOD:REQUEST", b"METHOD:PUBLISH")
    assert "METHOD:PUBLISH with ATTENDEE" in rfc_problems(broken)


def test_a_pair_across_the_date_line_meets_on_a_working_day_for_both():
    # Auckland (UTC+12) and New York (UTC-5): Auckland's 09:00-10:00 is New York's
    # 16:00-17:00 of the day before, so a Monday in Auckland is a Sunday in New York.
    outcome, explanations = make_outcome()
    mentees = [dataclasses.replace(outcome.cohort.mentees[0], time_zone=12.0),
               *outcome.cohort.mentees[1:]]
    outcome = dataclasses.replace(outcome, cohort=dataclasses.replace(outcome.cohort,
                                                                      mentees=mentees))
    by_pair = {(e.mentee_id, e.mentor_id): e for e in explanations}
    ada = next(p for p in build_plans(outcome, by_pair) if p.mentor.id == "ada@uni.example")
    assert ada.shared_hours is not None and ada.shared_hours.mentor_day == -1
    for event in _events(pair_calendar(ada, dt.date(2025, 9, 1))):
        assert _local_day(event, 12.0).weekday() < 5
        assert _local_day(event, -5.0).weekday() < 5


def test_calendar_bytes_depend_only_on_the_inputs():
    first = pair_calendar(_plans()[("ana@uni.example", "ada@uni.example")], dt.date(2025, 9, 1))
    again = pair_calendar(_plans()[("ana@uni.example", "ada@uni.example")], dt.date(2025, 9, 1))
    assert first == again
    assert b"DTSTAMP:20250901T000000Z" in first


def test_run_folder_has_a_calendar_per_pair(tmp_path):
    outcome, explanations = make_outcome()
    out = write_run_folder(outcome, tmp_path / "run", inputs=write_inputs(tmp_path / "in"),
                           explanations=explanations, quiet=True)
    files = sorted(p.name for p in (out / "calendar").iterdir())
    assert files == ["ana_uni.example__ada_uni.example.ics",
                     "ana_uni.example__cole_uni.example.ics",
                     "ben_uni.example__dee_uni.example.ics"]
    ben = _events((out / "calendar" / files[2]).read_bytes())
    assert len(ben) == 5


def test_no_start_date_means_no_calendar_folder_and_the_run_says_so(tmp_path):
    outcome, explanations = make_outcome(start_date="")
    out = write_run_folder(outcome, tmp_path / "run", inputs=write_inputs(tmp_path / "in"),
                           explanations=explanations, quiet=True)
    assert not (out / "calendar").exists()
    record = json.loads((out / "run.json").read_text())
    assert record["counts"]["calendars"] == 0
    assert any("start_date" in note for note in record["notes"])
    assert "No calendar files" in (out / "report.html").read_text()
    # Plans still list the meetings by month, without dates.
    plan = (out / "plans" / "ana_uni.example__ada_uni.example.md").read_text()
    assert "| 2 | month 3 |" in plan


def test_calendar_bytes_are_exactly_what_icalendar_writes():
    # Names with accents, an em dash, and the characters iCalendar escapes (, ; \) in
    # lines long enough to fold: icalendar must read the file and write the same bytes.
    outcome, explanations = make_outcome(mentee_name="Zoë Ñúñez-O'Brien, Jr.; MD \\ PhD",
                                         mentor_name="Dr. 李 Ada — Byron")
    by_pair = {(e.mentee_id, e.mentor_id): e for e in explanations}
    for plan in build_plans(outcome, by_pair):
        data = pair_calendar(plan, dt.date(2025, 9, 1))
        assert icalendar.Calendar.from_ical(data).to_ical() == data
        assert max(len(line) for line in data.split(b"\r\n")) <= 75


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab ,;:\\^\"é—李😀"), max_size=400))
def test_folding_matches_icalendar_for_any_text(text):
    line = Contentline.from_parts("DESCRIPTION", Parameters(), icalendar.vText(text))
    assert fold_line(line) == line.to_ical()
