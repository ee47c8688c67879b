"""Normalisation of real answers: counts, time zones, ids, blanks, multi-select cells."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest

from scoring.config import Vocabulary
from scoring.intake.normalise import (
    DEFAULT_REFERENCE_DATE,
    cell_text,
    clean_text,
    is_blank,
    lookup_values,
    normalise_email,
    normalise_id,
    parse_count,
    parse_time_zone,
    reference_date,
    split_values,
    unknown_value_issue,
)
from scoring.text import clean_cell, escape_controls, quote, shorten

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
    assert reference_date(None) == DEFAULT_REFERENCE_DATE == dt.date(2026, 1, 15)
    assert reference_date(dt.date(2027, 1, 11)) == dt.date(2027, 1, 11)


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


# --- hostile cells: many answers, invisible characters ------------------------------------


class CountingAreas:
    """AREAS, counting lookups and refusing more than ``budget`` (a quadratic split of a
    cell with many answers would need hundreds of thousands)."""

    def __init__(self, budget: int) -> None:
        self.name, self.values, self.synonyms = AREAS.name, AREAS.values, AREAS.synonyms
        self.longest_spelling = AREAS.longest_spelling
        self.budget, self.calls = budget, 0

    def lookup(self, text: str) -> str | None:
        self.calls += 1
        assert self.calls <= self.budget, "split_values tried too many joins"
        return AREAS.lookup(text)


def test_split_values_of_a_cell_with_many_answers_tries_few_joins_per_answer():
    answers = 1000
    cell = ", ".join(["Leadership", "Cooking", "Research", "scholarship"] * (answers // 4))
    areas = CountingAreas(budget=3 * answers)
    values = split_values(cell, (";", ","), cast(Vocabulary, areas))
    # The longest synonym has two words, so at most two pieces are tried together.
    assert values == ["Leadership", "Cooking", "Research, scholarship"] * (answers // 4)


def test_lookup_values_reports_an_unknown_answer_once_per_cell():
    canonical, unknown = lookup_values("Cooking; cooking;COOKING ; Leadership; Baking; Cooking",
                                       AREAS, (";", ","))
    assert canonical == ("leadership",)
    assert unknown == ["Cooking", "Baking"]


def test_unknown_value_issue_shortens_a_long_answer():
    issue = unknown_value_issue("x" * 5000, AREAS)
    assert "'" + "x" * 80 + "…'" in issue.message
    assert len(issue.message) < 300


@pytest.mark.parametrize("raw", [
    "ana@example.org\u200b",  # zero-width space
    "\ufeffana@example.org",  # byte-order mark
    "an\u00ada@example.org",  # soft hyphen
    "ana@\u2060example.org",  # word joiner
    "\u200eana@example.org\u200f",  # direction marks
    "ANA@example.org\u00a0",  # no-break space
])
def test_ids_and_emails_ignore_invisible_characters(raw):
    assert normalise_email(raw) == "ana@example.org"
    assert normalise_id(raw) == "ana@example.org"


def test_program_ids_ignore_invisible_characters_but_keep_their_case():
    assert normalise_id("\u200bM-01\ufeff") == "M-01"
    assert normalise_id("10\u200b01.0") == "1001"


def test_clean_cell_drops_zero_width_spaces_but_keeps_emoji_joiners():
    assert clean_cell("Ana\u200b Ruiz\ufeff") == "Ana Ruiz"
    scientist = "\U0001F469\u200d\U0001F52C"  # woman + zero-width joiner + microscope
    assert clean_cell(f" {scientist} Sam ") == f"{scientist} Sam"


def test_escape_controls_makes_terminal_sequences_visible():
    assert escape_controls("a\x1b[31mb\x9b2J\tc\nd\x07") == "a\\x1b[31mb\\x9b2J\\tc\\nd\\x07"
    assert escape_controls("Zoë 🙂 مريم") == "Zoë 🙂 مريم"


def test_quote_shortens_and_escapes():
    assert quote("EST") == "'EST'"
    assert quote("a" * 81) == "'" + "a" * 80 + "…'"
    assert quote("Ma\x1b[0mrs") == "'Ma\\x1b[0mrs'"
    assert shorten("abc", limit=2) == "ab…" and shorten("ab", limit=2) == "ab"


@pytest.mark.parametrize("text", ["North Hospital", "East campus", "South wing", "Victoria"])
def test_ordinary_words_are_not_read_as_legacy_zone_names(text: str) -> None:
    # "north" is the last part of Australia/North: a site name must not become UTC+9.5.
    offset, issues = parse_time_zone(text)
    assert offset is None
    assert "not recognised" in issues[0].message


def test_full_legacy_zone_names_still_resolve() -> None:
    assert parse_time_zone("Australia/North")[0] == 9.5
    assert parse_time_zone("Perth")[0] == 8.0
