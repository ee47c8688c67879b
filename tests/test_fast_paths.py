"""The run folder's fast paths write the bytes their reference paths write.

Each speed-up of the writer keeps a plain reference in the code or in tests/ (openpyxl
writing the workbook's rows, the full cell guard and escaping of every cell, the tables and
CSV cell by cell, Jinja's own printing of each value,
icalendar's Contentline per calendar line, pathlib writing each file). This test writes
the sample's run folder with the fast paths and again with every reference path, and
compares every file: only run.json's created_at and the marker's token (with its hash
of run.json) may differ.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import icalendar
import jinja2
from hypothesis import given
from hypothesis import strategies as st
from icalendar.parser import Contentline

from matcher.jobs import match_job
from matcher.outputs import calendar_files, cell_safety, sheets, template_code, templating
from matcher.runfolder import filesink, writer
from tests import tables_reference as before
from tests.test_cell_safety import INNER_FORMULA

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
_EVERYTHING = re.compile("")  # a search that always finds: the slow branch is taken


def _files(folder: Path) -> dict[str, bytes]:
    files = {p.relative_to(folder).as_posix(): p.read_bytes()
             for p in folder.rglob("*") if p.is_file()}
    record = json.loads(files["run.json"])
    assert record.pop("created_at")
    files["run.json"] = json.dumps(record, sort_keys=True).encode()
    marker = json.loads(files[".mentormatch-run"])
    assert marker.pop("token") and marker["files"].pop("run.json")
    files[".mentormatch-run"] = json.dumps(marker, sort_keys=True).encode()
    return files


def _match(out: Path) -> dict[str, bytes]:
    result = match_job(str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv"), quiet=True,
                       out=str(out))
    return _files(result.folder)


def _reference_text_line(self: calendar_files.CalendarWriter, name: str, value: str) -> bytes:
    return calendar_files.fold_line(self._event.content_line(name, icalendar.vText(value)))


class _IcalendarFoldedLine:
    """A calendar line's shared start and the pair's rest, folded whole by icalendar."""

    def __init__(self, start: str) -> None:
        self.start = start

    @classmethod
    def of(cls, start: str) -> _IcalendarFoldedLine:
        return cls(start)

    def fold(self, rest: bytes) -> bytes:
        return calendar_files.fold_line(self.start + rest.decode("utf-8"))


def test_the_fast_paths_write_the_reference_paths_folder(tmp_path, monkeypatch):
    fast = _match(tmp_path / "fast")
    monkeypatch.setattr(writer, "write_xlsx",
                        lambda path, tables, time: sheets._save(path, tables, time, fast=False))
    monkeypatch.setattr(cell_safety, "_plain_cell", lambda _text: False)
    # each cell guarded and written on its own, the tables and manifest as d5db890 built them
    monkeypatch.setattr(sheets, "converted_rows",
                        lambda rows, convert: [[convert(v) for v in row] for row in rows])
    monkeypatch.setattr(sheets, "_longest_texts", lambda rows, width: [
        max((sheets._text_length(row[k]) for row in rows), default=0) for k in range(width)])
    for name in ("csv_bytes", "pairings_table", "networks_table", "explanations_table",
                 "manifest"):
        monkeypatch.setattr(writer, name, getattr(before, name))
    monkeypatch.setattr(cell_safety, "_UNCLEAN", _EVERYTHING)
    monkeypatch.setattr(templating, "_MARKDOWN_SPECIAL", _EVERYTHING)
    monkeypatch.setattr(templating, "builtin_templates", templating.Templates)  # no cache
    # Jinja's own escape(finalize(value)) for every printed value, nothing remembered
    monkeypatch.setattr(templating, "_printing_once", lambda env, *_: env)
    monkeypatch.setattr(calendar_files.CalendarWriter, "_text", _reference_text_line)
    monkeypatch.setattr(calendar_files, "FoldedStart", _IcalendarFoldedLine)
    monkeypatch.setattr(calendar_files, "fold_content_line", lambda t: Contentline(t).to_ical())
    monkeypatch.setattr(filesink, "write_file", lambda path, data: Path(path).write_bytes(data))
    reference = _match(tmp_path / "reference")
    assert fast.keys() == reference.keys() and len(fast) > 500
    assert [name for name in fast if fast[name] != reference[name]] == []


def test_each_printed_value_reads_as_jinjas_own_printing_of_it():
    """The templates print each value once per distinct text (templating._PrintOnce); what
    they print is Jinja's escape(finalize(value)), for text, markup and other values, in
    HTML and Markdown, also where an {% autoescape %} block decides while rendering."""
    source = ("{% for v in values %}[{{ v }}]{% endfor %}"
              "{% autoescape false %}{% for v in values %}({{ v }}){% endfor %}{% endautoescape %}")
    values = ["<b>Ada</b> & [x](javascript:1)", "<b>Ada</b> & [x](javascript:1)",
              templating.markupsafe.Markup("<i>kept</i>"), 3.5, None, "tab\there\x1b[0m"]
    for finalize, autoescape in ((templating.printable, True), (templating.markdown_safe, False)):
        plain = jinja2.Environment(autoescape=autoescape, finalize=finalize)
        once = templating._printing_once(
            jinja2.Environment(autoescape=autoescape, finalize=finalize))
        compiled = once.compile(source, raw=True)
        assert "printed_" in compiled  # the fast path is the one compiled
        assert (once.from_string(source).render(values=values)
                == plain.from_string(source).render(values=values))


_CELLS = st.one_of(st.sampled_from(["=1+1", "Bob;=1", "a\tb", "", "x" * 300, "-2", "Ada"]),
                   st.text(max_size=8), st.floats(allow_nan=True, width=16),
                   st.sampled_from([0.0, -0.0, 1.0, 1, True, None, -2.5]), st.integers(-3, 3))


@given(st.lists(st.lists(_CELLS, min_size=3, max_size=3), max_size=12))
def test_a_csv_remembering_its_cells_writes_each_row_as_the_guard_does(rows):
    """csv_bytes works out each distinct short text and figure once; every row reads as the
    guard and rounding of each of its cells (0.0 and -0.0, 1 and 1.0 and True kept apart)."""
    table = sheets.Table("t", ("a", "b", "c"), rows)
    text = io.StringIO(newline="")
    writer = csv.writer(text, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(cell_safety.safe_row(table.headers))
    writer.writerows([sheets._csv_value(v) for v in cell_safety.safe_row(row)] for row in rows)
    assert sheets.csv_bytes(table) == text.getvalue().encode("utf-8-sig")


@given(st.text(alphabet=st.sampled_from("ab ,;|\n\t\r=+-@\x1b'"), max_size=30))
def test_a_cell_searched_before_its_substitution_reads_as_substituting_always(text):
    """safe_cell substitutes inner formulas only where one search finds one; the cell reads
    as the guard that always substitutes."""
    guarded = text.startswith(cell_safety.FORMULA_STARTS)
    reference = cell_safety.clean_text(text)
    if guarded or reference.startswith(cell_safety.FORMULA_STARTS):
        reference = "'" + reference
    assert cell_safety.safe_cell(text) == INNER_FORMULA.sub(" ", reference)


def test_no_participant_text_is_kept_in_memory_after_the_run_folder(tmp_path):
    """The texts printed once per distinct value (names among them) are dropped when the
    folder is written: a service keeps none of a program's participants' texts after the
    run (the built-in templates stay alive as long as the process)."""
    result = match_job(str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv"), quiet=True,
                       out=str(tmp_path / "run"))
    assert result.outcome.result.assignments
    printed = list(template_code.EVERY_PRINTED)
    assert printed  # the built-in templates' memories exist ...
    # ... and are empty after the run
    assert {type(p) for p in printed} == {template_code.Printed, template_code.LoopTexts,
                                           template_code.EncodedPrinted}
    assert all(p.kept == 0 for p in printed)
