"""pairings.xlsx written by matcher.outputs.sheet_xml is openpyxl's own workbook, byte for byte.

The fast path writes a sheet's rows itself; openpyxl (the reference, and the fallback for
any value the fast path leaves to it) writes the same tables through a cell object each.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ERROR_CODES

from matcher.outputs import sheets
from matcher.outputs.cell_safety import safe_cell
from matcher.outputs.sheet_xml import NotPlain
from matcher.outputs.sheets import WRAP_AT, Cell, Table, write_xlsx

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
TIME = dt.datetime(2027, 1, 4)


def _both(tmp_path: Path, tables: list[Table]) -> tuple[bytes | None, bytes]:
    """(the fast path's bytes, or None where it leaves the workbook to openpyxl; openpyxl's)."""
    fast, reference = tmp_path / "fast.xlsx", tmp_path / "openpyxl.xlsx"
    sheets._save(reference, tables, TIME, fast=False)
    try:
        sheets._save(fast, tables, TIME, fast=True)
    except NotPlain:
        return None, reference.read_bytes()
    return fast.read_bytes(), reference.read_bytes()


def test_a_run_folders_workbook_is_openpyxls_own(tmp_path):
    """Every sheet of the sample's run (names with accents, long wrapped reasons, scores,
    empty cells) through the fast path: the bytes openpyxl writes."""
    from matcher.jobs import match_job
    from matcher.outputs import tables as t
    from scoring.explain import explain_pairs

    result = match_job(str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv"), quiet=True,
                       out=str(tmp_path / "run"))
    outcome = result.outcome
    pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings]
    by_pair = {(e.mentee_id, e.mentor_id): e
               for e in explain_pairs(outcome.cohort, outcome.config, pairs, outcome.features)}
    explained = t.explanations_table(outcome, by_pair)
    tables = [t.pairings_table(outcome, by_pair), t.networks_table(outcome), explained,
              t.unplaced_table(outcome), t.mentor_load_table(outcome), t.problems_table(outcome)]
    fast, reference = _both(tmp_path, tables)
    assert fast is not None and fast == reference


# Text that XML escapes, that strip() sees as space, accents, a character beyond the BMP,
# formula starts the cell guard quotes, and characters openpyxl refuses or treats apart.
_CHARACTERS = st.sampled_from(list("ab Z0&<>\"'\n\t\r\x0b\x1c\x85\xa0é—李😀=+-@#;,") + [
    "#N/A", "=SUM(A1)", "\x01"])
_TEXT = st.lists(_CHARACTERS, max_size=30).map("".join) | st.text(max_size=80)
_NUMBERS = (st.integers(min_value=-(10**20), max_value=10**20)
            | st.floats(allow_nan=False, allow_infinity=False)
            | st.sampled_from([0.1 + 0.2, 72.32, -0.0, 1e16, 123456789.123456789]))
_LONG_TEXT = st.lists(_CHARACTERS, min_size=61, max_size=90).map("".join)
_VALUES = st.one_of(st.none(), _TEXT, _LONG_TEXT, _NUMBERS)
#: Values openpyxl writes apart (a bool, NaN, infinity, an error code): one in some tables.
_APART: st.SearchStrategy[Cell] = st.sampled_from(
    [True, False, float("nan"), float("inf"), "#N/A", "#REF!"])


@st.composite
def _tables(draw: st.DrawFn) -> list[Table]:
    tables = []
    for k in range(draw(st.integers(1, 3))):
        width = draw(st.integers(1, 5))
        headers = tuple(draw(st.lists(_TEXT.filter(bool), min_size=width, max_size=width)))
        rows = draw(st.lists(st.lists(_VALUES, min_size=width, max_size=width), max_size=6))
        if rows and draw(st.integers(0, 3)) == 0:
            rows[draw(st.integers(0, len(rows) - 1))][draw(st.integers(0, width - 1))] = \
                draw(_APART)
        tables.append(Table(f"Sheet {k}", headers, rows,
                            number_format=draw(st.sampled_from(["0.0", "0.00", "0"]))))
    return tables


def _left_to_openpyxl(value: object) -> bool:
    """A (formula-guarded) cell value the fast path does not write itself."""
    return (isinstance(value, bool) or value in ERROR_CODES
            or (isinstance(value, float) and not math.isfinite(value)))


def test_generated_tables_give_openpyxls_bytes(tmp_path_factory):
    """Whatever the tables hold, write_xlsx gives openpyxl's bytes: through the fast path
    when every value is one it writes, else (and only then) through openpyxl itself."""
    reached: Counter[str] = Counter()

    @settings(max_examples=300, deadline=None)
    @given(_tables())
    def check(tables: list[Table]) -> None:
        folder = tmp_path_factory.mktemp("xlsx")
        fast, reference = _both(folder, tables)
        write_xlsx(folder / "public.xlsx", tables, TIME)
        assert (folder / "public.xlsx").read_bytes() == reference
        cells = [safe_cell(v) for t in tables for row in (t.headers, *t.rows) for v in row]
        assert (fast is None) == any(map(_left_to_openpyxl, cells))
        if fast is not None:
            assert fast == reference
            reached["fast"] += 1
            reached["wrapped text"] += any(isinstance(v, str) and len(v) > WRAP_AT
                                           for v in cells)
            reached["escaped text"] += any(isinstance(v, str) and (set(v) & set("&<>"))
                                           for v in cells)
            reached["beyond ASCII"] += any(isinstance(v, str) and not v.isascii()
                                           for v in cells)
            reached["outer space"] += any(isinstance(v, str) and v and v != v.strip()
                                          for v in cells)
        else:
            reached["openpyxl"] += 1

    check()
    assert min(reached.values()) >= 25 and reached["fast"] >= 100, reached


@pytest.mark.parametrize("value", [True, dt.date(2027, 1, 1), float("nan"), "#N/A"])
def test_a_value_the_fast_path_leaves_to_openpyxl_is_written_by_openpyxl(tmp_path, value):
    tables = [Table("Pairings", ("a", "b"), [["x", 1.5], ["y", value]])]
    fast, reference = _both(tmp_path, tables)
    assert fast is None
    write_xlsx(tmp_path / "public.xlsx", tables, TIME)
    assert (tmp_path / "public.xlsx").read_bytes() == reference


# Columns of one kind, as a run's tables hold them (the fast path writes a column of text,
# or of floats, once per distinct value, checked as a whole first), each value drawn from a
# small pool so that values repeat down a column.
_FLOATS = (st.sampled_from([0.0, -0.0, 72.32, 0.1 + 0.2, 1e16, -1e-300])
           | st.floats(allow_nan=False, allow_infinity=False) | st.just(-0.0))
_APART_TOO: st.SearchStrategy[Cell] = st.sampled_from(
    [True, False, math.nan, math.inf, -math.inf, "#N/A", "#DIV/0!", "=1+1"])
_COLUMN_POOLS: dict[str, st.SearchStrategy[Cell]] = {
    "text": _TEXT | _LONG_TEXT,
    "text and blanks": st.none() | _TEXT | _LONG_TEXT,
    "floats": _FLOATS,
    "floats and blanks": st.none() | _FLOATS,
    "whole numbers": st.integers(-5, 10**17),
    "any": _VALUES,
}


@st.composite
def _column_tables(draw: st.DrawFn) -> tuple[list[Table], list[str]]:
    tables, kinds = [], []
    for k in range(draw(st.integers(1, 2))):
        width = draw(st.integers(1, 4))
        columns: list[list[Cell]] = []
        for _ in range(width):
            kind = draw(st.sampled_from(sorted(_COLUMN_POOLS)))
            pool = draw(st.lists(_COLUMN_POOLS[kind], min_size=1, max_size=4))
            columns.append(pool)
            kinds.append(kind)
        rows: list[list[Cell]] = [[draw(st.sampled_from(pool)) for pool in columns]
                                  for _ in range(draw(st.integers(1, 12)))]
        if draw(st.integers(0, 4)) == 0:  # a value openpyxl writes apart
            apart: Cell = draw(_APART_TOO)
            rows[draw(st.integers(0, len(rows) - 1))][draw(st.integers(0, width - 1))] = apart
        headers = tuple(draw(st.lists(_TEXT.filter(bool), min_size=width, max_size=width)))
        tables.append(Table(f"Sheet {k}", headers, rows,
                            number_format=draw(st.sampled_from(["0.0", "0.00"]))))
    return tables, kinds


def test_generated_columns_give_openpyxls_bytes(tmp_path_factory):
    """Columns of text (formula starts, control characters, characters XML escapes, outer
    spaces, beyond ASCII, empty text, long wrapped text), of floats (0.0 and -0.0, NaN and
    infinity left to openpyxl), of whole numbers, with and without empty cells, values
    repeated down the column: the bytes openpyxl writes, through the fast path exactly
    where every value is one it writes; each kind of column and of text counted."""
    reached: Counter[str] = Counter()

    @settings(max_examples=400, deadline=None)
    @given(_column_tables())
    def check(drawn: tuple[list[Table], list[str]]) -> None:
        tables, kinds = drawn
        folder = tmp_path_factory.mktemp("xlsx")
        fast, reference = _both(folder, tables)
        write_xlsx(folder / "public.xlsx", tables, TIME)
        assert (folder / "public.xlsx").read_bytes() == reference
        cells = [safe_cell(v) for t in tables for row in (t.headers, *t.rows) for v in row]
        assert (fast is None) == any(map(_left_to_openpyxl, cells))
        if fast is None:
            reached["openpyxl"] += 1
            return
        assert fast == reference
        reached.update(f"fast: {kind}" for kind in set(kinds))
        raw = [v for t in tables for row in t.rows for v in row]
        texts = [v for v in cells if isinstance(v, str)]
        reached["guarded text"] += any(isinstance(v, str) and safe_cell(v) != v for v in raw)
        reached["escaped text"] += any(set(v) & set("&<>\r") for v in texts)
        reached["beyond ASCII"] += any(not v.isascii() for v in texts)
        reached["outer space"] += any(v and v != v.strip() for v in texts)
        reached["wrapped text"] += any(len(v) > WRAP_AT for v in texts)
        reached["-0.0"] += any(isinstance(v, float) and not v and math.copysign(1, v) < 0
                               for v in raw)

    check()
    assert reached["openpyxl"] >= 25 and min(reached.values()) >= 25, reached
    assert len(reached) == 13, reached
