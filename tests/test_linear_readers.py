"""The linear readers (issue 15) return exactly what the per-cell readers returned.

A locks, forbids or feedback sheet of a million rows is read column by column (pandas' C
parser, C-level maps over rows, each distinct id looked up once). The coordinator relies on
the same table, the same pairs and the same problems (file, row, column, message) as
before, so each test compares the new reader with the previous code, kept verbatim in
tests/reader_reference.py: on every sheet of the malformed-file corpus and on generated
sheets (quotes, byte-order marks, separators, Excel's ``sep=`` line, blank and short rows,
Unicode), counting the examples that reach the path each claims.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.config import config_from_dict
from scoring.errors import InputError, IntakeError, InvalidCohortError
from scoring.intake.pair_sheets import read_pair_sheet
from scoring.intake.spreadsheet import read_table
from scoring.profiles import Cohort
from tests import reader_reference as before

CORPUS = Path(__file__).parent / "corpus"
SHEETS = sorted(p for p in CORPUS.iterdir() if p.suffix.lower() in {".csv", ".tsv", ".txt",
                                                                     ".xlsx", ".xlsm"})


def _outcome(read, path: Path) -> tuple:
    """What a reader gives a coordinator: the table, or the error message."""
    try:
        table = read(path)
    except InputError as error:
        return ("error", str(error))
    return ("table", table.label, table.headers, table.rows, table.notes)


@pytest.mark.parametrize("path", SHEETS, ids=[p.name for p in SHEETS])
def test_corpus_sheet_reads_as_before(path: Path) -> None:
    assert _outcome(read_table, path) == _outcome(before.read_table, path)


# Characters that stress a CSV: quotes, every separator, line breaks, white space of
# several kinds, a byte-order mark inside a cell, accents, CJK and an emoji.
CELL_CHARACTERS = 'ab,;\t"\n\r é中😀\u00a0\ufeff'
cells = st.text(alphabet=CELL_CHARACTERS, max_size=6)


@st.composite
def csv_files(draw) -> tuple[bytes, str]:
    """A CSV as a spreadsheet program might export it, and which feature it exercises."""
    width = draw(st.integers(1, 4))
    header = draw(st.lists(cells, min_size=width, max_size=width))
    if draw(st.integers(0, 3)):  # mostly a real header (a blank one is an error case)
        header = [f"h{cell}" for cell in header]
    rows = draw(st.lists(st.one_of(st.lists(cells, min_size=0, max_size=width),
                                   st.just([]), st.just([" ", ""])), max_size=8))
    if draw(st.integers(0, 3)):  # mostly at least one row of answers
        rows.append(["x"] * draw(st.integers(1, width)))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    excel_sep = draw(st.booleans())
    out = io.StringIO()
    if excel_sep:
        out.write(f"sep={delimiter}\r\n")
    writer = csv.writer(out, delimiter=delimiter,
                        lineterminator=draw(st.sampled_from(["\r\n", "\n"])))
    writer.writerows([header, *rows])
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    short = any(0 < len(row) < width for row in rows)
    blank = any(not "".join(row).strip() for row in rows)
    return data, " ".join(["short"] * short + ["blank"] * blank) or "plain"


def test_generated_sheets_read_as_before(tmp_path: Path) -> None:
    reached: Counter[str] = Counter()

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(csv_files())
    def check(case: tuple[bytes, str]) -> None:
        data, feature = case
        path = tmp_path / "sheet.csv"
        path.write_bytes(data)
        new = _outcome(read_table, path)
        assert new == _outcome(before.read_table, path)
        reached[new[0]] += 1
        for kind in feature.split():
            reached[f"{new[0]} {kind}"] += 1

    check()
    # Both outcomes, and tables with short and blank rows, were compared.
    assert reached["table short"] >= 10 and reached["table blank"] >= 10, reached
    assert reached["error"] >= 10 and reached["table"] >= 40, reached


def test_cell_limit_names_the_same_cell(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("mentee_id,mentor_id\na,b\nc," + "x" * 50 + "\n", encoding="utf-8")
    limits = config_from_dict({"limits": {"max_cell_chars": 40}}).limits
    with pytest.raises(IntakeError) as new:
        read_table(path, limits=limits)
    with pytest.raises(IntakeError) as old:
        before.read_table(path, limits=limits)
    assert str(new.value) == str(old.value)
    assert "row 3, column 2 holds 50 characters" in str(new.value)


@dataclass(frozen=True)
class _Person:
    id: str
    name: str


@dataclass(frozen=True)
class _Cohort:
    mentees: tuple[_Person, ...]
    mentors: tuple[_Person, ...]


# The readers only look at ids and names: a small stand-in for a Cohort.
COHORT = cast(Cohort, _Cohort(
    (_Person("E-1", "Ana Ortiz"), _Person("e-2@x.org", "Bo Li"), _Person("E-3", "Bo Li"),
     _Person("E-4", "Zoë Kay")),
    (_Person("M-1", "Ada Byron"), _Person("m-2", "Alan Kay"), _Person("M-2", "Grace H"))))
# How people write ids: exact, other capitals, names (accents folded), padded with spaces;
# and cells that are problems: a name two mentees share, blank, unknown.
MENTEE_CELLS = ["E-1", "e-1", " E-3 ", "E-2@X.org", "Ana Ortiz", "zoe kay", "Zoë Kay"]
MENTOR_CELLS = ["M-1", "m-1", "m-2", "M-2", "Ada Byron", "alan kay", " M-1"]
ROLE_CELLS = ["", "primary", "Specialist", " SPECIALIST ", "-"]
BAD_MENTEE, BAD_MENTOR, BAD_ROLE = ["Bo Li", "", "E-9"], ["", "X"], ["mentor"]


@st.composite
def pair_sheets(draw) -> str:
    # One sheet in three carries problem cells, so that enough valid sheets with roles remain.
    roles, bad = draw(st.booleans()), draw(st.integers(0, 2)) == 0
    lines = ["mentee_id,mentor_id" + (",role,covers" if roles else "")]
    for _ in range(draw(st.integers(1, 12))):
        cells = [draw(st.sampled_from(MENTEE_CELLS + BAD_MENTEE * bad)),
                 draw(st.sampled_from(MENTOR_CELLS + BAD_MENTOR * bad))]
        if roles:
            cells += [draw(st.sampled_from(ROLE_CELLS + BAD_ROLE * bad)),
                      draw(st.sampled_from(["", "Data", " x"]))]
        lines.append(",".join(f'"{cell}"' for cell in cells))
    return "\n".join(lines) + "\n"


def _pairs_outcome(read) -> tuple:
    try:
        return ("pairs", read())
    except InvalidCohortError as error:
        return ("problems", error.problems)


def test_generated_pair_sheets_give_the_same_pairs_and_problems(tmp_path: Path) -> None:
    reached: Counter[str] = Counter()

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(pair_sheets(), st.booleans())
    def check(text: str, roles: bool) -> None:
        path = tmp_path / "locks.csv"
        path.write_text(text, encoding="utf-8")
        new = _pairs_outcome(lambda: read_pair_sheet(path, COHORT, roles=roles))
        old = _pairs_outcome(lambda: before.read_pair_sheet(
            read_table(path), COHORT, roles=roles))
        assert new == old
        repeated = new[0] == "pairs" and len(text.splitlines()) - 1 > len(new[1])
        reached[new[0] + (" repeated" if repeated else "")] += 1
        if new[0] == "pairs" and any(len(pair) > 2 for pair in new[1]):
            reached["roles"] += 1

    check()
    assert reached["problems"] >= 20 and reached["roles"] >= 5, reached
    assert reached["pairs"] + reached["pairs repeated"] >= 10, reached
    assert reached["pairs repeated"] >= 3, reached


def test_pair_sheet_obeys_the_programs_limits(tmp_path: Path) -> None:
    """`match --locks` passes the config's [limits]: a program that raises max_rows can read
    a longer sheet, and one past its limit stops with the limit named."""
    path = tmp_path / "forbid.csv"
    path.write_text("mentee_id,mentor_id\nE-1,M-1\nE-3,M-2\n", encoding="utf-8")
    tight = config_from_dict({"limits": {"max_rows": 1}}).limits
    with pytest.raises(IntakeError, match="max_rows"):
        read_pair_sheet(path, COHORT, limits=tight)
    assert read_pair_sheet(path, COHORT) == (("E-1", "M-1"), ("E-3", "M-2"))


def test_the_cycle_collector_is_back_on_after_a_read_and_after_a_failed_one(
        tmp_path: Path) -> None:
    import gc

    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text("mentee_id,mentor_id\nE-1,M-1\n", encoding="utf-8")
    bad.write_text("mentee_id,mentor_id\n", encoding="utf-8")  # a header and no rows
    assert gc.isenabled()
    read_table(good)
    assert gc.isenabled()
    with pytest.raises(IntakeError, match="no rows of answers"):
        read_table(bad)
    assert gc.isenabled()
