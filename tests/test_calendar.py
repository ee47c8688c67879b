"""Calendars: one .ics per pair with the year's meetings, parsed back with icalendar."""

from __future__ import annotations

import datetime as dt
import json

import icalendar
from conftest import make_outcome, write_inputs
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Parameters
from icalendar.parser import Contentline

from matcher.outputs.calendar_files import fold_line, pair_calendar
from matcher.outputs.plans import build_plans
from matcher.runfolder.writer import write_run_folder


def _plans(**kwargs):
    outcome, explanations = make_outcome(**kwargs)
    by_pair = {(e.mentee_id, e.mentor_id): e for e in explanations}
    return {(p.mentee.id, p.mentor.id): p for p in build_plans(outcome, by_pair)}


def _events(data: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(data).walk("VEVENT"))


def test_primary_pair_gets_five_events_at_months_1_3_6_9_12():
    plan = _plans()[("ana@uni.example", "ada@uni.example")]
    events = _events(pair_calendar(plan, dt.date(2025, 9, 1)))
    starts = [e.decoded("dtstart") for e in events]
    assert starts == [dt.date(2025, 9, 1), dt.date(2025, 11, 1), dt.date(2026, 2, 1),
                      dt.date(2026, 5, 1), dt.date(2026, 8, 1)]
    assert [str(e["summary"]).split(" (")[0] for e in events] == [
        "Initial meeting and goal setting", "Progress check-in and early adjustments",
        "Mid-year evaluation", "Career development and networking",
        "Reflection and future planning"]
    assert "Review progress, refine goals" in str(events[1]["description"])
    for event in events:
        attendees = event["attendee"]
        assert sorted(str(a) for a in attendees) == ["mailto:ada@uni.example",
                                                     "mailto:ana@uni.example"]
    assert len({str(e["uid"]) for e in events}) == 5


def test_specialist_pair_gets_its_shorter_series():
    plan = _plans()[("ana@uni.example", "cole@uni.example")]
    events = _events(pair_calendar(plan, dt.date(2025, 9, 1)))
    assert [e.decoded("dtstart") for e in events] == [
        dt.date(2025, 9, 1), dt.date(2025, 10, 1), dt.date(2025, 12, 1)]
    assert all("Clinical skills & contouring" in str(e["summary"]) for e in events)


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
