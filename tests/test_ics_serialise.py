"""The fast .ics line folding: the same bytes as icalendar's own serialisation."""

from __future__ import annotations

import datetime as dt
import shutil
import tomllib
from pathlib import Path

import icalendar
import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Parameters
from icalendar.parser import Contentline

from matcher.jobs import match_job
from matcher.outputs import calendar_files
from matcher.outputs.ics_serialise import escape_text, escapes_as_icalendar, fold_content_line
from sample_data.generate import write

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
ESCAPES = "\\^,;"


def _icalendar_fold(text: str) -> tuple[bytes, str]:
    line = Contentline.from_parts("DESCRIPTION", Parameters(), icalendar.vText(text))
    return line.to_ical(), str(line)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab :" + ESCAPES), min_size=80, max_size=600))
def test_ascii_lines_fold_as_icalendar_folds_them(text):
    expected, line = _icalendar_fold(text)
    assert line.isascii() and len(line) >= 75  # every example takes the folding path
    assert fold_content_line(line) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab " + ESCAPES + "é—李😀"), min_size=40,
               max_size=600))
def test_lines_with_multibyte_characters_fold_as_icalendar_folds_them(text):
    expected, line = _icalendar_fold("é" + text)
    assert not line.isascii() and len(line.encode()) >= 75
    assert fold_content_line(line) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab N\\;,\r\n:\"^é—😀"), max_size=60))
def test_text_escapes_as_icalendar_escapes_it(text):
    assert escape_text(text) == icalendar.vText(text).to_ical().decode()


def test_the_installed_icalendar_escapes_text_that_way():
    # the writer checks it once per process, and falls back to vText when it differs
    assert escapes_as_icalendar()


def test_attendee_lines_are_icalendars_own():
    """Plain names and addresses take the template; the others icalendar writes. Both
    give icalendar's own line; the examples reaching each path are counted here, in the
    test itself (not by a later test that relies on the file's order)."""
    # the installed icalendar allows the template for both kinds of names
    assert calendar_files._attendee_template(True) and calendar_files._attendee_template(False)
    writer = calendar_files.CalendarWriter(dt.date(2025, 9, 1), "office@example.org")
    reached = {"template": 0, "icalendar": 0}
    # a name and an address each drawn from the characters a plain one may hold, or from
    # all of these, so that both paths meet many examples
    names = st.text(alphabet=st.sampled_from("aZ9 ._-+@é李"), min_size=1, max_size=30)
    addresses = st.text(alphabet=st.sampled_from("az9._-+@ü"), min_size=1, max_size=30)

    @settings(max_examples=300, deadline=None)
    @given(names | st.text(alphabet=st.sampled_from("aZ9 ._-+@é李'\",;:^{}\n"), min_size=1,
                           max_size=30),
           addresses | st.text(alphabet=st.sampled_from("az9._-+@ü;:\",{}"), min_size=1,
                               max_size=30))
    def check(name: str, email: str) -> None:
        person = calendar_files.PersonCard(id="x", name=name, email=email, role="Mentee",
                                           details=(), time_zone="")
        expected = calendar_files.fold_line(calendar_files._attendee_line(email, name))
        assert writer._attendee(person) == expected
        plain = bool(calendar_files._PLAIN_NAME.fullmatch(name)
                     and calendar_files._PLAIN_ADDRESS.fullmatch(email))
        reached["template" if plain else "icalendar"] += 1

    check()
    assert reached["template"] >= 60 and reached["icalendar"] >= 60, reached


def test_short_and_empty_lines_are_left_alone():
    assert fold_content_line("") == b""
    assert fold_content_line("a" * 74) == b"a" * 74
    assert fold_content_line("a" * 75) == b"a" * 74 + b"\r\n a"


def _calendars_round_trip(folder: Path) -> int:
    files = sorted((folder / "calendar").glob("*.ics"))
    for path in files:
        data = path.read_bytes()
        assert icalendar.Calendar.from_ical(data).to_ical() == data, path.name
    return len(files)


def test_every_invitation_of_a_run_is_icalendars_own_and_one_component(tmp_path):
    """With [program] coordinator_email every file is a METHOD:REQUEST: byte for byte what
    icalendar writes, and one UID per file (one iTIP message, one component)."""
    config = tmp_path / "program.toml"
    program = tomllib.loads((SAMPLE / "program.toml").read_text(encoding="utf-8"))
    program["program"]["coordinator_email"] = "mentoring@meridian.example.org"
    config.write_text(tomli_w.dumps(program), encoding="utf-8")
    result = match_job(str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv"),
                       config=str(config), quiet=True, out=str(tmp_path / "run"),
                       network_size=1)
    assert _calendars_round_trip(result.folder) == result.summary.pairs > 100
    for path in (result.folder / "calendar").glob("*.ics"):
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        assert str(calendar["METHOD"]) == "REQUEST"
        assert len({str(e["UID"]) for e in calendar.walk("VEVENT")}) == 1, path.name


@pytest.mark.parametrize("size", ["sample", pytest.param(1_200, marks=pytest.mark.slow)])
def test_every_calendar_of_a_run_is_icalendars_own_serialisation(tmp_path, size):
    if size == "sample":
        mentors, mentees = SAMPLE / "mentors.csv", SAMPLE / "mentees.csv"
    else:
        mentors, mentees = write(tmp_path / "in", size, size // 2, seed=3)
    config = tmp_path / "program.toml"
    shutil.copy(SAMPLE / "program.toml", config)
    result = match_job(str(mentors), str(mentees), config=str(config), quiet=True,
                       out=str(tmp_path / "run"))
    pairs = sum(len(n.pairings) for n in result.outcome.networks)
    assert _calendars_round_trip(result.folder) == pairs
    if size != "sample":
        assert pairs >= 1_000
