"""Normalisation of real answers: counts, time zones, ids, blanks, multi-select cells."""

from __future__ import annotations

import datetime as dt

import pytest

from scoring.config import Vocabulary
from scoring.normalise import (
    DEFAULT_REFERENCE_DATE,
    cell_text,
    clean_text,
    is_blank,
    lookup_values,
    normalise_email,
    normalise_id,
    parse_count,
    parse_time_zone,
    parse_yes_no,
    reference_date,
    split_values,
    unknown_value_issue,
)

AREAS = Vocabulary.from_table("areas", {
    "research": ["Research, scholarship"],
    "clinical_skills": ["Clinical skills"],
    "leadership": [],
})
WINTER = dt.date(2026, 1, 15)
SUMMER = dt.date(2026, 7, 1)


@pytest.mark.parametrize(("value", "text"), [
    (1001.0, "1001"),
    (2.5, "2.5"),
    (0.1 + 0.2, "0.3"),
    (7, "7"),
    (None, ""),
    (float("nan"), ""),
    (True, "TRUE"),
    (dt.datetime(2026, 8, 3, 14, 5, 59), "2026-08-03 14:05"),
    (dt.datetime(2026, 8, 3), "2026-08-03"),
    (dt.date(2026, 8, 3), "2026-08-03"),
    ("  kept as is ", "  kept as is "),
])
def test_cell_text_shows_excel_values_as_a_person_reads_them(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize("text", ["", "  ", "N/A", "n/a", "NA", "none", "None ", "-", "—"])
def test_blank_markers(text):
    assert is_blank(text)


@pytest.mark.parametrize("text", ["0", "no", "🙂", "Nancy"])
def test_real_answers_are_not_blank(text):
    assert not is_blank(text)


def test_clean_text_keeps_line_breaks_but_trims_each_line():
    assert clean_text("  First,  publish.\r\n\r\n Second ") == "First, publish.\nSecond"
    assert clean_text("N/A") == ""


@pytest.mark.parametrize(("raw", "ident"), [
    ("1001.0", "1001"),
    (" 1001 ", "1001"),
    ("-12.00", "-12"),
    ("1001.5", "1001.5"),
    (" A@Example.ORG ", "a@example.org"),
    ("M-01", "M-01"),
    ("n/a", ""),
])
def test_normalise_id(raw, ident):
    assert normalise_id(raw) == ident


def test_normalise_email_drops_mailto_and_inner_spaces():
    assert normalise_email("mailto:Ana.Ruiz @Example.org") == "ana.ruiz@example.org"


@pytest.mark.parametrize(("text", "count"), [
    ("2", 2), ("2.0", 2), ("two", 2), ("Three", 3), ("0", 0),
    ("2-3", 2), ("2 - 3", 2), ("2–3", 2), ("2 to 3", 2), ("3 or 4", 3),
    ("up to 3", 3), ("3 mentees", 3), ("1-2 per year", 1),
    ("as many as needed", 5), ("Unlimited", 5), ("any", 5), ("As many as you like!", 5),
])
def test_capacity_from_free_text(text, count):
    value, issues = parse_count(text, default=2, maximum=5, what="capacity")
    assert value == count
    # A plain number is silent; any interpretation is reported so the coordinator sees it.
    plain = text.replace(".0", "").isdigit()
    assert [i.severity for i in issues] == ([] if plain else ["warning"])
    if not plain:
        assert repr(text.strip()) in issues[0].message and "read as" in issues[0].message


@pytest.mark.parametrize(("text", "count"), [(" 2 ", 2), ("2.0 ", 2), ("  12", 12)])
def test_plain_capacity_with_stray_spaces_is_read_silently(text, count):
    # Nothing was interpreted, so there is nothing to tell the coordinator.
    assert parse_count(text, default=2, maximum=20, what="capacity") == (count, [])


@pytest.mark.parametrize("text", ["", "N/A", "none", "-"])
def test_blank_capacity_takes_the_default_with_a_warning(text):
    value, issues = parse_count(text, default=2, maximum=5, what="capacity")
    assert value == 2
    assert [i.severity for i in issues] == ["warning"]
    assert "default, 2" in issues[0].message


@pytest.mark.parametrize("text", ["9", "twelve", "10-12"])
def test_capacity_above_the_maximum_is_capped_with_a_warning(text):
    value, issues = parse_count(text, default=2, maximum=5, what="capacity")
    assert value == 5
    assert [i.severity for i in issues] == ["warning"]
    assert "capped at 5" in issues[0].message


@pytest.mark.parametrize("text", ["lots", "2.5", "a few", "two-ish", "2-many"])
def test_unreadable_capacity_is_an_error(text):
    value, issues = parse_count(text, default=2, maximum=5, what="capacity")
    assert value == 2
    assert [i.severity for i in issues] == ["error"]
    assert "lower bound" in issues[0].fix


def test_network_size_blank_is_silent_and_zero_is_an_error():
    assert parse_count("", default=1, maximum=3, what="network size", warn_blank=False,
                       minimum=1) == (1, [])
    value, issues = parse_count("0", default=1, maximum=3, what="network size",
                                warn_blank=False, minimum=1)
    assert value == 1 and issues[0].severity == "error"


# (answer, date, hours, zone named in the "was read as" warning, or None: silent).
# Offsets (however spaced or wrapped) and exact zone names say exactly what they mean, so
# they are silent; an abbreviation or a city is a guess at a region, which the coordinator
# is told about, with the zone that was taken.
@pytest.mark.parametrize(("text", "on", "hours", "read_as"), [
    ("UTC-5", WINTER, -5.0, None),
    ("utc -5", WINTER, -5.0, None),
    ("UTC - 5 ", WINTER, -5.0, None),
    ("GMT+5:30", WINTER, 5.5, None),
    ("-05:00", WINTER, -5.0, None),
    ("+0530", WINTER, 5.5, None),
    ("UTC", WINTER, 0.0, None),
    ("(GMT-05:00) Eastern Time (US & Canada)", SUMMER, -5.0, None),
    ("America/Chicago", WINTER, -6.0, None),
    ("America/Chicago", SUMMER, -5.0, None),  # daylight saving on the program's date
    (" america/chicago ", WINTER, -6.0, None),  # case and spaces change nothing
    ("america/new york", WINTER, -5.0, None),
    ("Asia/Kolkata", SUMMER, 5.5, None),
    ("EST", WINTER, -5.0, "America/New_York"),
    ("EST", SUMMER, -4.0, "America/New_York"),  # an abbreviation names the region
    ("PST", WINTER, -8.0, "America/Los_Angeles"),
    ("Pacific Standard Time", SUMMER, -7.0, "America/Los_Angeles"),
    ("Eastern", WINTER, -5.0, "America/New_York"),
    ("CET", WINTER, 1.0, "Europe/Paris"),
    ("CET", SUMMER, 2.0, "Europe/Paris"),
    ("IST", WINTER, 5.5, "Asia/Kolkata"),
    ("AEST", WINTER, 11.0, "Australia/Sydney"),  # Sydney is on daylight time in January
    ("New York", WINTER, -5.0, "America/New_York"),
    ("London", SUMMER, 1.0, "Europe/London"),
])
def test_time_zones_become_utc_offsets(text, on, hours, read_as):
    offset, issues = parse_time_zone(text, on)
    assert offset == hours
    if read_as is None:
        assert issues == []
    else:
        (issue,) = issues
        assert issue.severity == "warning"
        assert issue.message == (f"Time zone {text.strip()!r} was read as {read_as} "
                                 f"(UTC{hours:+g} on {on.isoformat()}).")


@pytest.mark.parametrize("text", ["Mars", "UTC+15", "somewhere warm"])
def test_unknown_time_zone_is_a_warning_and_blank(text):
    hours, issues = parse_time_zone(text, WINTER)
    assert hours is None
    assert [i.severity for i in issues] == ["warning"]


def test_blank_time_zone_is_silent():
    assert parse_time_zone("N/A") == (None, [])


def test_reference_date_defaults_to_a_fixed_day_not_today():
    assert reference_date("") == DEFAULT_REFERENCE_DATE == dt.date(2026, 1, 15)
    assert reference_date(dt.date(2027, 1, 11)) == dt.date(2027, 1, 11)
    assert reference_date(" 2027-01-11 ") == dt.date(2027, 1, 11)
    with pytest.raises(ValueError):
        reference_date("next autumn")


def test_split_values_rejoins_an_option_that_contains_a_separator():
    text = "Research, scholarship, Clinical skills;Leadership"
    assert split_values(text, (";", ","), AREAS) == [
        "Research, scholarship", "Clinical skills", "Leadership"]
    assert split_values(text, (";", ",")) == [
        "Research", "scholarship", "Clinical skills", "Leadership"]


def test_split_values_splits_lines_and_drops_blanks():
    assert split_values("a@x.org\nb@x.org, ,N/A", (";", ",")) == ["a@x.org", "b@x.org"]


def test_lookup_values_folds_case_and_accents_and_drops_repeats():
    canonical, unknown = lookup_values("CLINICAL SKILLS; leadérship; Leadership; Cooking",
                                       AREAS, (";", ","))
    assert canonical == ("clinical_skills", "leadership")
    assert unknown == ["Cooking"]


def test_unknown_value_issue_names_the_vocabulary_and_the_closest_value():
    issue = unknown_value_issue("Leadershp", AREAS)
    assert issue.severity == "error"
    assert "closest: 'leadership'" in issue.message
    assert "[vocabularies.areas]" in issue.fix


def test_yes_no_answers():
    yes_no = Vocabulary.from_table("yes_no", {"yes": ["y", "sure"], "no": ["n"]})
    assert parse_yes_no("Sure", yes_no) == (True, [])
    assert parse_yes_no("N", yes_no) == (False, [])
    assert parse_yes_no("", yes_no) == (None, [])
    assert parse_yes_no("maybe", yes_no)[1][0].severity == "error"
