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
from matcher.outputs.sheets import WRAP_AT, Table, write_xlsx

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
_APART: st.SearchStrategy[bool | float | str] = st.sampled_from(
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
