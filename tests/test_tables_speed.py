"""The run folder's tables, CSV files, report rows and marker manifest, worked out column by
column and once per distinct value (issue 15), are those d5db890 worked out cell by cell
(tests/tables_reference.py): on a generated 1,000-pair match, on generated tables and on
generated folders. The sample's whole folder is compared in tests/test_fast_paths.py, the
workbook's rows in tests/test_sheet_xml.py, the explanations in tests/test_explain_blocks.py
and the snapshot's JSON in tests/test_indented_json.py."""

from __future__ import annotations

import csv
import io
import math
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.bench_outputs import synthetic_outcome
from matcher.outputs import report, sheets, tables
from matcher.outputs.plans import Labels
from matcher.outputs.sheets import Table, csv_bytes
from matcher.runfolder.marker import MARKER, manifest
from scoring.explain import explain_pairs
from tests import tables_reference as before


def test_a_generated_matchs_tables_and_csv_files_are_the_cell_by_cell_ones(tmp_path):
    """1,000 pairs (specialists, unplaced mentees, the sample config's sensitive fields):
    the same rows and the same CSV bytes."""
    outcome, _ = synthetic_outcome(tmp_path, 1000)
    pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings]
    by_pair = {(e.mentee_id, e.mentor_id): e
               for e in explain_pairs(outcome.cohort, outcome.config, pairs, outcome.features)}
    assert outcome.config.sensitive_fields and len(pairs) >= 1000
    assert any(n.primary is None for n in outcome.networks)
    assert any(n.specialists for n in outcome.networks)
    for new, old in ((tables.pairings_table(outcome, by_pair),
                      before.pairings_table(outcome, by_pair)),
                     (tables.networks_table(outcome), before.networks_table(outcome)),
                     (tables.explanations_table(outcome, by_pair),
                      before.explanations_table(outcome, by_pair))):
        assert new == old and len(new.rows) >= 1000
        assert csv_bytes(new) == before.csv_bytes(old)
    # the report's rows: need areas counted in one pass, people's rows cut where shown
    labels = Labels.of(outcome.config)
    demand = report._area_demand(outcome, labels)
    assert demand == before.area_demand(outcome, labels) and len(demand) >= 5
    assert any(row["short"] for row in demand) and any(row["covered"] for row in demand)
    networks = report._network_rows(outcome, labels, 10**9)
    assert len(networks) == len(outcome.networks) > 300
    assert report._network_rows(outcome, labels, 300) == networks[:300]
    mentors = report._mentor_rows(outcome, labels, 10**9)
    assert report._mentor_rows(outcome, labels, 150) == mentors[:150] and len(mentors) > 150


_TEXT = (st.text(max_size=12) | st.text(alphabet='a"; =,+\n\r', max_size=6)
         | st.sampled_from(["=1+1", "Bob;=1", "a\tb", "", "x" * 300, "-2", "Ada", '"q" "',
                            "<b>&</b>", "line\nbreak", "café — 李 😀", "\x1b[0m", "@SUM(A1)"]))
_FLOATS = st.floats(allow_nan=True, width=16) | st.sampled_from([0.0, -0.0, 1.0, -2.5, 0.125,
                                                                       math.nan])
_CELL = st.one_of(_TEXT, _FLOATS, st.sampled_from([1, True, False, None, 0]),
                  st.integers(-3, 3))
#: A column of one kind (as a run's tables hold), or of any values.
_COLUMN_KINDS = st.sampled_from(["text", "floats", "non-zero floats", "ints", "blanks and text",
                                 "blanks and floats", "any"])


@st.composite
def _tables(draw: st.DrawFn) -> Table:
    width = draw(st.integers(1, 4))
    kinds = [draw(_COLUMN_KINDS) for _ in range(width)]
    strategy: dict[str, st.SearchStrategy[str | int | float | None]] = {
        "text": _TEXT, "floats": _FLOATS, "ints": st.integers(-3, 3),
        "non-zero floats": st.floats(-1e6, 1e6).filter(bool) | st.just(math.nan),
        "blanks and text": st.none() | _TEXT,
        "blanks and floats": (st.none() | st.floats(-1e6, 1e6).filter(bool)
                              | st.sampled_from([0.0, math.nan, 2.5])),
        "any": _CELL}
    rows = [[draw(strategy[kind]) for kind in kinds] for _ in range(draw(st.integers(0, 8)))]
    if rows and draw(st.integers(0, 5)) == 0:  # a row of another length
        rows[draw(st.integers(0, len(rows) - 1))].append(draw(_CELL))
    headers = tuple(draw(_TEXT) for _ in range(width))
    return Table("t", headers, rows)


def _kind(column: list[object]) -> str:
    """The path csv_bytes writes a column's fields by."""
    found = set(map(type, column))
    if found <= {str, type(None)}:
        return "text"
    if float in found and found <= {float, type(None)}:
        if any(isinstance(v, float) and not v and math.copysign(1, v) < 0 for v in column):
            return "floats with -0.0"
        return "floats with blanks" if type(None) in found else "floats"
    if found <= sheets.KEYED_KINDS:
        return "keyed"
    return "cell by cell"


def test_generated_tables_give_the_cell_by_cell_csv():
    """Whatever a table holds (formula-like text, quotes, line breaks, Unicode, control
    characters, NaN, 0.0 and -0.0, 1 and 1.0 and True), its CSV has the bytes of each cell
    guarded, rounded and written by the csv module row by row; each path is reached."""
    reached: Counter[str] = Counter()

    @settings(max_examples=500, deadline=None)
    @given(_tables())
    def check(table: Table) -> None:
        assert csv_bytes(table) == before.csv_bytes(table)
        rows = table.rows
        if not rows:
            reached["empty"] += 1
        elif len({len(row) for row in rows}) > 1 or len(rows[0]) < 2:
            reached["row by row"] += 1
        else:
            for column in zip(*rows, strict=True):
                reached[_kind(list(column))] += 1
            reached["quotes"] += any(isinstance(v, str) and '"' in v for r in rows for v in r)
            reached["formula"] += any(isinstance(v, str) and v[:1] in "=+-@"
                                      for r in rows for v in r)
            reached["nan"] += any(isinstance(v, float) and math.isnan(v)
                                  for r in rows for v in r)

    check()
    assert min(reached.values()) >= 15 and len(reached) == 11, reached


@given(st.one_of(_CELL, st.sampled_from([1.5e300, -1e-300, float("inf")])))
def test_a_fields_text_is_the_csv_modules(value):
    """A cell's field as the csv module writes it in a row (text quoted, quotes doubled)."""
    text = io.StringIO(newline="")
    csv.writer(text, quoting=csv.QUOTE_NONNUMERIC).writerow(["x", value, "y"])
    assert text.getvalue() == f'"x",{sheets._CsvField()(value)},"y"\r\n'


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "plans", "calendar", "a/b", "a/b/c"]),
                          st.sampled_from(["x.md", "y.ics", "z", "é.html", MARKER])),
                max_size=12, unique=True),
       st.data())
def test_a_folders_manifest_is_the_path_by_path_one(tmp_path_factory, files, data):
    """Nested folders, the marker left out, hashes known for some files and read for the
    others: the same manifest, in path order (the marker's)."""
    folder = tmp_path_factory.mktemp("manifest")
    for sub, name in files:
        (folder / sub).mkdir(parents=True, exist_ok=True)
        (folder / sub / name).write_bytes(f"{sub}/{name}".encode())
    listed = before.manifest(folder)
    known = {path: "known" for path in data.draw(st.lists(st.sampled_from(sorted(listed)),
                                                          unique=True))} if listed else {}
    assert list(manifest(folder, known).items()) == sorted(before.manifest(folder, known).items())


def test_a_workbooks_column_widths_are_the_cell_by_cell_ones():
    """The longest text of each column, measured once per distinct value where the column
    holds only text, whole numbers and blanks, is the longest measured cell by cell (0.0 and
    -0.0, 1 and 1.0 and True kept apart); each path is reached."""
    reached: Counter[str] = Counter()

    @settings(max_examples=400, deadline=None)
    @given(_tables())
    def check(table: Table) -> None:
        width = len(table.headers)
        cell_by_cell = [max((sheets._text_length(row[k]) for row in table.rows), default=0)
                        for k in range(width)]
        assert sheets._longest_texts(table.rows, width) == cell_by_cell
        rows = table.rows
        if not rows or len({len(row) for row in rows}) > 1:
            reached["row by row"] += 1
        else:
            for column in zip(*rows, strict=True):
                keyed = set(map(type, column)) <= sheets.KEYED_KINDS
                reached["distinct values" if keyed else "each cell"] += 1

    check()
    assert min(reached.values()) >= 15 and len(reached) == 3, reached
