"""Fuzzing the readers of coordinator files: any bytes in, a result or a clear error out.

Random bytes, random CSV-like text, random tables, random workbooks with typed cells and
byte-level mutations of valid CSV and XLSX files go to :func:`scoring.intake.cohort.read_cohort`
(as the mentors or the mentees file), to ``mentormatch validate`` through the CLI, and to
the feedback and locks readers. The only allowed outcomes are a result or an
:class:`~scoring.errors.InputError` (exit status 0 or 2 on the command line, never a traceback).

Bounded for CI (a few seconds); run longer locally with, e.g.::

    MENTORMATCH_FUZZ_EXAMPLES=3000 pytest tests/test_fuzz.py
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import openpyxl
import openpyxl.utils.exceptions
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cli.main import cli
from scoring.config import load_config
from scoring.errors import InputError
from scoring.intake.cohort import read_cohort
from scoring.intake.feedback import FeedbackSheet, read_feedback
from scoring.intake.pair_sheets import read_pair_sheet
from scoring.profiles import Cohort

CORPUS = Path(__file__).parent / "corpus"
CONFIG = load_config(CORPUS / "corpus.toml")
GOOD_MENTORS = CORPUS / "good_mentors.csv"
GOOD_MENTEES = CORPUS / "good_mentees.csv"
SEEDS = {name: (CORPUS / name).read_bytes()
         for name in ("good_mentors.csv", "good_mentees.csv", "cohort.xlsx",
                      "excel_types.xlsx", "multiline_quoted.csv", "utf16.csv")}
EXAMPLES = int(os.environ.get("MENTORMATCH_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Pieces real exports are made of, so random text often gets past the first checks.
HEADERS = ["Email", "Name", "Career stage", "Areas", "Goals", "How many mentees?",
           "How many mentors?", "Time zone", "Do not match with", "Timestamp", ""]
CELLS = ["ana@example.org", "ben@example.org", "cara@example.org", "Senior", "Resident",
         "Research/Scholarship", "Leadership, Clinical skills", "2", "2.0", "two", "2-3",
         "unlimited", "-1", "1e308", "NaN", "inf", "0", "EST", "UTC+5:30", "America/Chicago",
         "=1+1", "N/A", "", " ", "\u00a0", "\u200b", "🙂", "مريم", "\"", "\"\"", ";", ",",
         "\n", "\r\n", "\t", "\x00", "2026-09-01", "1001.0", "ANA@EXAMPLE.ORG "]

csv_ish_text = st.text(alphabet=st.sampled_from(list("ab@.,;\t\"'\r\n =+-0123456789é🙂\u00a0"))
                       | st.characters(), max_size=400)
tables = st.lists(st.lists(st.sampled_from(CELLS) | st.text(max_size=12), max_size=9),
                  min_size=0, max_size=6)
header_rows = st.lists(st.sampled_from(HEADERS), min_size=1, max_size=9)
extensions = st.sampled_from([".csv", ".xlsx", ".txt", ".tsv", ".xlsm", ".CSV"])
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])


@st.composite
def mutated(draw) -> bytes:
    """A valid file with a few bytes flipped, inserted, deleted, or the end cut off."""
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        else:
            data = data[:at]
    return bytes(data)


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


def _table_text(header: list[str], rows: list[list[str]], delimiter: str) -> str:
    def cell(value: str) -> str:
        if any(c in value for c in (delimiter, '"', "\n", "\r")) and len(value) % 3:
            return '"' + value.replace('"', '""') + '"'
        return value  # sometimes left unquoted on purpose

    return "\n".join(delimiter.join(cell(v) for v in row) for row in [header, *rows]) + "\n"


def _read(data: bytes, suffix: str, side: str) -> None:
    """read_cohort with ``data`` as one side's file: a Cohort, or an InputError."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzzed{suffix}"
        path.write_bytes(data)
        mentors, mentees = (path, GOOD_MENTEES) if side == "mentors" else (GOOD_MENTORS, path)
        try:
            assert isinstance(read_cohort(mentors, mentees, CONFIG), Cohort)
        except InputError as error:
            assert str(error).strip()


@FUZZ
@given(data=st.binary(max_size=2048), suffix=extensions, side=st.sampled_from(
    ["mentors", "mentees"]))
def test_random_bytes(data, suffix, side):
    _read(data, suffix, side)


@FUZZ
@given(text=csv_ish_text, encoding=encodings, suffix=extensions)
def test_random_csv_like_text(text, encoding, suffix):
    _read(_encode(text, encoding), suffix, "mentors")


@FUZZ
@given(header=header_rows, rows=tables, delimiter=st.sampled_from([",", ";", "\t", "|"]),
       encoding=encodings, side=st.sampled_from(["mentors", "mentees"]))
def test_random_tables_with_real_headers(header, rows, delimiter, encoding, side):
    _read(_encode(_table_text(header, rows, delimiter), encoding), ".csv", side)


@FUZZ
@given(data=mutated(), suffix=st.sampled_from([".csv", ".xlsx"]),
       side=st.sampled_from(["mentors", "mentees"]))
def test_mutated_valid_files(data, suffix, side):
    _read(data, suffix, side)


workbook_cells = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.datetimes(), st.dates(), st.times(),
    st.sampled_from([c for c in CELLS if c.isprintable() or c in "\n\t"]),
    st.sampled_from(["=1/0", "=A1", '=HYPERLINK("x")', "#N/A", "#REF!"]),
    st.text(alphabet=st.characters(exclude_categories=["Cc", "Cs"]), max_size=20))


@FUZZ
@given(header=header_rows, rows=st.lists(st.lists(workbook_cells, max_size=9), max_size=6),
       sheet=st.sampled_from(["Mentors", "Mentees", "Sheet1", "mentors ", ""]),
       hidden=st.booleans(), side=st.sampled_from(["mentors", "mentees"]))
def test_random_workbooks(header, rows, sheet, hidden, side):
    """Workbooks with typed cells (dates, floats, booleans, formulas, error values)."""
    book = openpyxl.Workbook()
    first = book.active
    first.title = sheet or "Sheet1"
    for row in [header, *rows]:
        first.append(row)
    if hidden:
        book.create_sheet("Visible").append(["Email", "Name"])
        first.sheet_state = "hidden"
    buffer = io.BytesIO()
    try:
        book.save(buffer)
    except (ValueError, TypeError, openpyxl.utils.exceptions.IllegalCharacterError):
        assume(False)  # openpyxl cannot write this cell at all; no file to read
    _read(buffer.getvalue(), ".xlsx", side)


@settings(FUZZ, max_examples=max(EXAMPLES // 3, 10),
          suppress_health_check=[*FUZZ.suppress_health_check,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.one_of(mutated(), st.binary(max_size=512),
                      st.builds(_table_text, header_rows, tables, st.just(","))
                      .map(lambda text: text.encode("utf-8"))),
       suffix=st.sampled_from([".csv", ".xlsx"]))
def test_validate_command_exits_0_or_2_without_traceback(data, suffix, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / f"mentees{suffix}"
    path.write_bytes(data)
    for as_json in ([], ["--json"]):
        result = CliRunner().invoke(cli, ["validate", str(GOOD_MENTORS), str(path), "--config",
                                          str(CORPUS / "corpus.toml"), *as_json])
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            repr(result.exception)
        assert result.exit_code in (0, 2), result.output
        assert "Traceback" not in result.output


# The previous run the fuzzed feedback sheets talk about, and the cohort locks refer to.
PAIRS = {("cara@example.org", "ana@example.org"), ("dev@example.org", "ben@example.org")}
FEEDBACK_HEADERS = ["Mentee ID", "Mentor ID", "Continue?", "Mentee rating", "Mentor rating",
                    "Notes", "New goals", "Wants a new network member in area", "mentee_id",
                    "mentor_id", ""]
FEEDBACK_CELLS = [*CELLS, "yes", "no", "unsure", "maybe", "Y", "3", "5", "6", "4,5", "nan",
                  "Research/Scholarship", "dev@example.org", "DEV@example.org "]


@FUZZ
@given(data=st.one_of(
    mutated(), st.binary(max_size=512),
    st.builds(_table_text, st.lists(st.sampled_from(FEEDBACK_HEADERS), min_size=1, max_size=8),
              st.lists(st.lists(st.sampled_from(FEEDBACK_CELLS), max_size=8), max_size=5),
              st.sampled_from([",", ";"])).map(lambda text: text.encode("utf-8"))),
    suffix=st.sampled_from([".csv", ".xlsx"]))
def test_feedback_and_pair_sheets(data, suffix):
    cohort = read_cohort(GOOD_MENTORS, GOOD_MENTEES, CONFIG)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"sheet{suffix}"
        path.write_bytes(data)
        try:
            assert isinstance(read_feedback(path, CONFIG, previous_pairs=PAIRS), FeedbackSheet)
        except InputError as error:
            assert str(error).strip()
        try:
            pairs = read_pair_sheet(path, cohort)
            assert set(pairs) <= {(a.id, b.id) for a in cohort.mentees for b in cohort.mentors}
        except InputError as error:
            assert str(error).strip()
