"""The run folder: contents, byte-identical reruns, atomic writes, safe cells, privacy."""

from __future__ import annotations

import csv
import dataclasses
import gc
import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from factories import (
    SENSITIVE_BACKGROUND,
    SENSITIVE_GENDER,
    make_outcome,
    write_inputs,
)

from matcher.outputs.cell_safety import safe_cell
from matcher.outputs.plans import Labels, file_stems
from matcher.outputs.privacy import NOT_SHOWN
from matcher.outputs.sheets import Table
from matcher.pipeline import run_match
from matcher.runfolder.filesink import FileSink
from matcher.runfolder.layout import RUN_RECORD_KEYS, SNAPSHOT_PATH
from matcher.runfolder.marker import MARKER
from matcher.runfolder.snapshot import read_snapshot, snapshot_bytes
from matcher.runfolder.writer import DEFAULT_OPTIONS, SinkFactory, WriterOptions, write_run_folder
from scoring.config import load_config
from scoring.errors import InputError
from scoring.explain import ComponentPoints, explain_pairs
from scoring.intake.cohort import read_cohort


def _write(tmp_path: Path, name: str = "run", options: WriterOptions = DEFAULT_OPTIONS,
           **kwargs) -> Path:
    outcome, explanations = make_outcome(**kwargs)
    return write_run_folder(outcome, tmp_path / name, inputs=write_inputs(tmp_path / "in"),
                            explanations=explanations, quiet=True, options=options)


class _FailingSink(FileSink):
    """A file sink whose write of one file name raises ``error`` (a full disk, a bug)."""

    def __init__(self, folder: Path, helper: bool, name: str, error: BaseException) -> None:
        super().__init__(folder, helper=helper)
        self.name, self.error = name, error

    def write(self, path: Path, data: bytes) -> None:
        if path.name == self.name:
            raise self.error
        super().write(path, data)


def _failing_on(name: str, error: BaseException) -> SinkFactory:
    return lambda folder, helper: _FailingSink(folder, helper, name, error)


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """One run folder of the fixture outcome, shared by the tests that only read it."""
    return _write(tmp_path_factory.mktemp("shared"))


def _sheet(path: Path, name: str) -> list[dict[str, Any]]:  # cells of any type
    rows = list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_folder_layout(run_folder):
    out, tmp_path = run_folder, run_folder.parent
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert {"pairings.csv", "pairings.xlsx", "introductions.csv", "report.html", "run.json",
            "plans/all_plans.html", "plans/ana_uni.example__ada_uni.example.md",
            "plans/ana_uni.example__ada_uni.example.html",
            "calendar/ben_uni.example__dee_uni.example.ics"} <= set(names)
    # No temporary folder is left beside the run folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "run"]


def test_pairings_csv_has_a_row_per_pair_with_reasons(run_folder):
    rows = _csv(run_folder / "pairings.csv")
    assert [(r["mentee_id"], r["mentor_id"], r["role"]) for r in rows] == [
        ("ana@uni.example", "ada@uni.example", "primary"),
        ("ana@uni.example", "cole@uni.example", "specialist"),
        ("ben@uni.example", "dee@uni.example", "primary")]
    assert rows[1]["covers"] == "clinical_skills"
    assert rows[0]["score"] == "81.25" and rows[0]["reason_1"] == "need_coverage: research"


def test_workbook_holds_every_participant_once_in_the_right_place(run_folder):
    book = run_folder / "pairings.xlsx"
    assert openpyxl.load_workbook(book).sheetnames == [
        "Pairings", "Networks", "Explanations", "Unplaced", "Mentor load", "Intake problems"]
    networks = _sheet(book, "Networks")
    assert [r["mentee_id"] for r in networks] == ["ana@uni.example", "ben@uni.example",
                                                  "cai@uni.example"]
    ana, ben, cai = networks
    assert (ana["status"], ana["primary_id"], ana["requested"], ana["got"]) == (
        "placed", "ada@uni.example", 2, 2)
    assert "cole@uni.example" in ana["specialists"]
    assert (ben["status"], ben["primary_id"]) == ("placed", "dee@uni.example")
    assert (cai["status"], cai["got"]) == ("unplaced", 0)
    assert "capacity left in leadership" in cai["note"]

    load = {r["mentor_id"]: r for r in _sheet(book, "Mentor load")}
    assert list(load) == ["ada@uni.example", "cole@uni.example", "dee@uni.example",
                          "eve@uni.example"]
    assert (load["ada@uni.example"]["assigned"], load["ada@uni.example"]["free"]) == (1, 1)
    assert (load["eve@uni.example"]["assigned"], load["eve@uni.example"]["free"]) == (0, 3)

    unplaced = _sheet(book, "Unplaced")
    assert [(r["mentee_id"], r["outcome"]) for r in unplaced] == [
        ("cai@uni.example", "unplaced")]
    explanations = _sheet(book, "Explanations")
    assert len(explanations) == 3 * 7
    assert {r["component"] for r in explanations} >= {"need_coverage", "time_zone"}
    pairings = _sheet(book, "Pairings")
    assert [r["score"] for r in pairings] == [81.25, 64.5, 58.0]
    problems = _sheet(book, "Intake problems")
    assert [(r["file"], r["row"]) for r in problems] == [("mentees.csv", 3), ("mentors.csv", 4)]


def test_explanations_csv_holds_every_pair_and_component(run_folder):
    rows = _csv(run_folder / "explanations.csv")
    assert rows == [{k: ("" if v is None else str(v)) for k, v in row.items()}
                    for row in _sheet(run_folder / "pairings.xlsx", "Explanations")]
    assert len(rows) == 3 * 7 and list(rows[0]) == [
        "mentee_id", "mentor_id", "role", "component", "points", "value", "weight", "evidence"]


def test_a_large_run_keeps_its_explanations_in_the_csv_only(tmp_path):
    out = _write(tmp_path, options=WriterOptions(explanations_sheet_max_pairs=2))
    assert len(_csv(out / "explanations.csv")) == 3 * 7
    sheet = _sheet(out / "pairings.xlsx", "Explanations")
    assert len(sheet) == 1 and "explanations.csv" in sheet[0]["note"]
    assert "3 pairs, more than the 2 this sheet holds" in sheet[0]["note"]


def test_the_file_helper_writes_the_same_folder(tmp_path):
    direct = _write(tmp_path, "direct")
    helped = _write(tmp_path, "helped", options=WriterOptions(file_helper_from_pairs=1))
    files = sorted(p.relative_to(direct) for p in direct.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(helped) for p in helped.rglob("*") if p.is_file())
    for relative in files:
        if relative.name not in ("run.json", MARKER):  # created_at; the run's token
            assert (direct / relative).read_bytes() == (helped / relative).read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["direct", "helped", "in"]


class _LostFolderSink(FileSink):
    def write(self, path: Path, data: bytes) -> None:
        if path.name == "run.json":  # the helper cannot write into a missing folder
            path = path.parent / "missing" / path.name
        super().write(path, data)


def test_a_failure_in_the_file_helper_leaves_nothing(tmp_path):
    options = WriterOptions(file_helper_from_pairs=1,
                            open_sink=lambda folder, helper: _LostFolderSink(folder, helper=helper))
    with pytest.raises(OSError, match="Writing the run folder failed"):
        _write(tmp_path, options=options)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_the_match_features_are_reused_to_explain(tmp_path):
    config = load_config(SAMPLE / "program.toml")
    cohort = read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", config)
    outcome = run_match(cohort, config, progress=False)
    assert outcome.features is not None
    given = []

    def explain(cohort, config, pairs, features):
        given.append(features)
        return explain_pairs(cohort, config, pairs, features)

    inputs = {"mentors": SAMPLE / "mentors.csv", "mentees": SAMPLE / "mentees.csv",
              "config": SAMPLE / "program.toml"}
    out = write_run_folder(outcome, tmp_path / "run", inputs=inputs, quiet=True,
                           options=WriterOptions(explain=explain))
    assert len(given) == 1 and given[0] is outcome.features  # explained with the match's own
    assert len(_csv(out / "pairings.csv")) == sum(len(n.pairings) for n in outcome.networks)


def test_run_record(run_folder):
    record = json.loads((run_folder / "run.json").read_text())
    mentors_file = run_folder.parent / "in" / "mentors.csv"
    assert record["inputs"]["mentors"]["sha256"] == hashlib.sha256(
        mentors_file.read_bytes()).hexdigest()
    assert record["config"]["program"]["name"] == "Test Society Mentoring 2025"
    assert set(record["versions"]) == {"mentormatch", "ortools", "numpy", "scipy", "pandas"}
    assert record["versions"]["numpy"]
    assert record["seed"] == 0 and record["objective"] == "total"
    solver = record["solver"]
    assert (solver["status"], solver["objective"], solver["gap"], solver["engine"]) == (
        "optimal", 203.75, 0.0, "min_cost_flow")
    assert solver["stats"] == {"arcs": 7, "certified": True}  # timings left out
    assert record["counts"]["placed"] == 2 and record["counts"]["unplaced"] == 1
    assert record["counts"]["plans"] == 3 and record["previous_run"] is None
    assert "created_at" in record
    # the names extra run fields may not take are exactly the record's own
    assert set(record) == set(RUN_RECORD_KEYS)


def test_previous_run_is_recorded_when_given_and_quiet_writes_nothing(tmp_path, capsys):
    outcome, explanations = make_outcome()
    link = {"path": "../2024", "sha256": "ab" * 32}
    out = write_run_folder(outcome, tmp_path / "run", inputs=write_inputs(tmp_path / "in"),
                           explanations=explanations, quiet=True, previous_run=link)
    assert json.loads((out / "run.json").read_text())["previous_run"] == link
    assert capsys.readouterr().err == ""


def test_rerun_is_byte_identical_except_created_at(tmp_path):
    first, second = _write(tmp_path, "one"), _write(tmp_path, "two")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for relative in files:
        a, b = (first / relative).read_bytes(), (second / relative).read_bytes()
        if relative.name == MARKER:  # the run's own token, and run.json's hash
            continue
        if relative.name == "run.json":
            a_json, b_json = json.loads(a), json.loads(b)
            a_json.pop("created_at"), b_json.pop("created_at")
            assert a_json == b_json
            differing = [x for x, y in zip(a.splitlines(), b.splitlines(), strict=True)
                         if x != y]
            assert all(b'"created_at"' in line for line in differing)
        else:
            assert a == b, relative


def test_extra_files_and_run_fields_are_part_of_the_folder(tmp_path):
    outcome, explanations = make_outcome()
    link = {"path": "../2024", "sha256": "cd" * 32}
    out = write_run_folder(
        outcome, tmp_path / "run", inputs=write_inputs(tmp_path / "in"),
        explanations=explanations, quiet=True, previous_run=link,
        extra_files={"rematch.json": b'{"a": 1}\n', "notes/flags.csv": b"x,y\r\n"},
        extra_run_fields={"feedback": {"sha256": "ef" * 32}})
    assert (out / "rematch.json").read_bytes() == b'{"a": 1}\n'
    assert (out / "notes" / "flags.csv").read_bytes() == b"x,y\r\n"
    record = json.loads((out / "run.json").read_text())
    assert record["previous_run"] == link
    assert record["feedback"] == {"sha256": "ef" * 32}
    assert record["counts"]["plans"] == 3  # the usual record is all still there


def test_extra_files_are_written_all_or_nothing(tmp_path):
    outcome, explanations = make_outcome()
    with pytest.raises(OSError, match="disk full"):
        write_run_folder(outcome, tmp_path / "run", inputs=write_inputs(tmp_path / "in"),
                         explanations=explanations, quiet=True,
                         extra_files={"rematch.json": b"{}", "flags.csv": b"x"},
                         options=WriterOptions(open_sink=_failing_on("flags.csv",
                                                                     OSError("disk full"))))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


@pytest.mark.parametrize("name", ["/etc/passwd", "../outside.txt", "a/../../b", "pairings.csv",
                                  "run.json", "plans/extra.html", "audit/cohort.json", "",
                                  "a//b", "C:\\x"])
def test_extra_files_may_not_escape_or_replace_the_runs_own_files(tmp_path, name):
    outcome, explanations = make_outcome()
    with pytest.raises(ValueError, match="extra file"):
        write_run_folder(outcome, tmp_path / "run", inputs=write_inputs(tmp_path / "in"),
                         explanations=explanations, quiet=True, extra_files={name: b"x"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_extra_run_fields_may_not_replace_the_record(tmp_path):
    outcome, explanations = make_outcome()
    with pytest.raises(ValueError, match="counts"):
        write_run_folder(outcome, tmp_path / "run", inputs=write_inputs(tmp_path / "in"),
                         explanations=explanations, quiet=True,
                         extra_run_fields={"counts": {}})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_the_cohort_snapshot_is_written_for_audits(run_folder):
    outcome, _ = make_outcome()
    snapshot = (run_folder / SNAPSHOT_PATH).read_bytes()
    assert snapshot == snapshot_bytes(outcome.cohort, outcome.config)
    assert read_snapshot(snapshot).mentee_index() == outcome.cohort.mentee_index()
    record = json.loads((run_folder / "run.json").read_text())
    assert record["snapshot"] == {"file": "audit/cohort.json",
                                  "sha256": hashlib.sha256(snapshot).hexdigest()}


def test_report_shows_sections_a_caller_adds(tmp_path):
    outcome, explanations = make_outcome()
    flags = Table("Rematch flags", ("Mentee", "Flag"), [("<b>Ana</b>", "jumper")])
    out = write_run_folder(outcome, tmp_path / "run", inputs=write_inputs(tmp_path / "in"),
                           explanations=explanations, quiet=True, report_sections=[flags])
    report = (out / "report.html").read_text()
    section = report[report.index('<section id="rematch-flags">'):]
    assert "<h2>Rematch flags</h2>" in section and "jumper" in section
    assert "&lt;b&gt;Ana&lt;/b&gt;" in section and "<b>Ana</b>" not in section


def test_existing_folder_is_refused_without_force(tmp_path):
    out = _write(tmp_path)
    marker = out / "pairings.csv"
    before = marker.read_bytes()
    with pytest.raises(InputError, match="already exists.*--force"):
        _write(tmp_path)
    assert marker.read_bytes() == before


def test_force_replaces_a_previous_run_folder(tmp_path):
    out = _write(tmp_path)
    outcome, explanations = make_outcome(mentor_name="Dr. Renamed")
    write_run_folder(outcome, out, force=True, inputs=write_inputs(tmp_path / "in"),
                     explanations=explanations, quiet=True)
    assert "Dr. Renamed" in (out / "pairings.csv").read_text(encoding="utf-8-sig")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "run"]


def test_force_never_deletes_a_folder_that_is_not_a_run_folder(tmp_path):
    precious = tmp_path / "run"
    precious.mkdir()
    (precious / "thesis.docx").write_text("years of work")
    outcome, explanations = make_outcome()
    with pytest.raises(InputError, match="not a mentormatch run folder"):
        write_run_folder(outcome, precious, force=True, inputs=write_inputs(tmp_path / "in"),
                         explanations=explanations, quiet=True)
    assert (precious / "thesis.docx").read_text() == "years of work"


def test_failure_mid_write_leaves_nothing(tmp_path):
    broken = WriterOptions(open_sink=_failing_on("report.html", RuntimeError("disk full")))
    with pytest.raises(RuntimeError, match="disk full"):
        _write(tmp_path, options=broken)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_failure_with_force_keeps_the_previous_run(tmp_path):
    out = _write(tmp_path)
    before = (out / "pairings.csv").read_bytes()
    outcome, explanations = make_outcome(mentor_name="Someone else")
    with pytest.raises(OSError):
        write_run_folder(outcome, out, force=True, inputs=write_inputs(tmp_path / "in"),
                         explanations=explanations, quiet=True,
                         options=WriterOptions(open_sink=_failing_on("report.html", OSError())))
    assert (out / "pairings.csv").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "run"]


@pytest.mark.parametrize("value", ["=1+2", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_safe_cell_prefixes_formula_starts(value):
    # Tab and carriage return are also control characters: removed after the guard.
    assert safe_cell(value) == "'" + value.replace("\t", " ").replace("\r", "\n")


@pytest.mark.parametrize("value", ["\x01=1+2", "\x1b@SUM(A1)", "\x7f-2"])
def test_a_control_character_does_not_hide_a_formula_start(value):
    # The control character is removed: the formula start it hid is guarded all the same.
    assert safe_cell(value) == "'" + value[1:]


@pytest.mark.parametrize("value", ["Ana", "", "a=b", 3, -2.5, None])
def test_safe_cell_leaves_other_values(value):
    assert safe_cell(value) == value


def test_formula_injection_is_neutralised_in_csv_and_xlsx(tmp_path):
    attacks = {"mentee": "=HYPERLINK(\"http://evil\",\"x\")", "mentor": "@SUM(1+1)"}
    outcome, explanations = make_outcome(mentee_name=attacks["mentee"],
                                         mentor_name=attacks["mentor"])
    mentors = list(outcome.cohort.mentors)
    mentors[1] = dataclasses.replace(mentors[1], name="+CMD|' /C calc'!A0")
    mentors[2] = dataclasses.replace(mentors[2], name="-2+3")
    mentors[3] = dataclasses.replace(mentors[3], name="\tTabbed")
    outcome.cohort.mentees[1] = dataclasses.replace(outcome.cohort.mentees[1], name="\rCR")
    outcome.cohort.mentors[:] = mentors
    out = write_run_folder(outcome, tmp_path / "run", inputs=write_inputs(tmp_path / "in"),
                           explanations=explanations, quiet=True)
    dangerous = ("=", "+", "-", "@", "\t", "\r")
    cells = []
    for name in ("pairings.csv", "introductions.csv"):
        with (out / name).open(encoding="utf-8-sig", newline="") as handle:
            cells += [cell for row in csv.reader(handle) for cell in row]
    for sheet in openpyxl.load_workbook(out / "pairings.xlsx").worksheets:
        cells += [c for row in sheet.iter_rows(values_only=True) for c in row
                  if isinstance(c, str)]
    assert not [c for c in cells if c.startswith(dangerous)]
    for text in ("'" + attacks["mentee"], "'" + attacks["mentor"], "'+CMD|' /C calc'!A0",
                 "'-2+3", "' Tabbed", "'\nCR"):  # tab, CR: no control characters
        assert text in cells, text


def _all_text(folder: Path) -> str:
    """Every file of the folder as text, with the XLSX unzipped."""
    parts = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                parts += [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
        else:
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def test_sensitive_values_never_appear_in_any_file(tmp_path):
    outcome, explanations = make_outcome()
    # Even if an explanation's evidence carried a sensitive value, it is withheld.
    leaky = dataclasses.replace(
        explanations[0],
        components=(ComponentPoints("preferences", 5.0, 1.0, 5.0,
                                    f"Both {SENSITIVE_GENDER}, {SENSITIVE_BACKGROUND} roots"),
                    *explanations[0].components[1:]))
    out = write_run_folder(outcome, tmp_path / "run", inputs=write_inputs(tmp_path / "in"),
                           explanations=[leaky, *explanations[1:]], quiet=True)
    text = _all_text(out).lower()
    assert SENSITIVE_GENDER.lower() not in text
    assert SENSITIVE_BACKGROUND.lower() not in text
    # The evidence and the intake problem's value say in plain words what is left out;
    # "[withheld]" inside the sentence would let its rest tell the value.
    assert "[withheld]" not in text
    assert NOT_SHOWN.lower() in text and "(not shown: sensitive column)" in text


SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def test_end_to_end_on_the_sample_cohort(tmp_path):
    config = load_config(SAMPLE / "program.toml")
    cohort = read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", config)
    # Plant recognisable sensitive values on everyone (they only feed opt-in preferences).
    cohort.mentees[:] = [dataclasses.replace(m, gender=SENSITIVE_GENDER,
                                             background=SENSITIVE_BACKGROUND)
                         for m in cohort.mentees]
    cohort.mentors[:] = [dataclasses.replace(m, gender=SENSITIVE_GENDER,
                                             background=SENSITIVE_BACKGROUND)
                         for m in cohort.mentors]
    outcome = run_match(cohort, config, progress=False)
    inputs = {"mentors": SAMPLE / "mentors.csv", "mentees": SAMPLE / "mentees.csv",
              "config": SAMPLE / "program.toml"}
    out = write_run_folder(outcome, tmp_path / "run", inputs=inputs, quiet=True)

    book = out / "pairings.xlsx"
    networks = _sheet(book, "Networks")
    assert [r["mentee_id"] for r in networks] == [m.id for m in cohort.mentees]
    placed = {n.mentee_id for n in outcome.networks if n.primary is not None}
    assert {r["mentee_id"] for r in networks if r["status"] != "unplaced"} == placed
    assert [r["mentor_id"] for r in _sheet(book, "Mentor load")] == [m.id for m in cohort.mentors]
    pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings]
    assert len(_csv(out / "pairings.csv")) == len(pairs)
    assert len(list((out / "calendar").glob("*.ics"))) == len(pairs)

    # A primary plan names the mentee's own goals and the areas the explainer found shared.
    mentees = {m.id: m for m in cohort.mentees}
    network = next(n for n in outcome.networks
                   if n.primary is not None and mentees[n.mentee_id].goals)
    assert network.primary is not None
    pair = (network.mentee_id, network.primary.mentor_id)
    explanation = explain_pairs(cohort, config, [pair])[0]
    plan = (out / "plans" / f"{file_stems(pairs)[pair]}.md").read_text(encoding="utf-8")
    assert mentees[pair[0]].goals.splitlines()[0].strip() in plan
    assert explanation.shared_areas
    labels = Labels.of(config)
    for area in explanation.shared_areas:
        assert labels("areas", area) in plan
    text = _all_text(out).lower()
    assert SENSITIVE_GENDER.lower() not in text
    assert SENSITIVE_BACKGROUND.lower() not in text


class _CollectorWatchingSink(FileSink):
    """A file sink noting, at each write, whether the cycle collector is running."""

    seen: list[bool] = []

    def write(self, path: Path, data: bytes) -> None:
        self.seen.append(gc.isenabled())
        super().write(path, data)


@pytest.mark.parametrize("fails", [False, True])
def test_collector_paused_while_writing_and_restored_after(tmp_path, fails):
    # Paused for speed while the folder is written (writer._collector_paused), but a
    # program's process must get its collector back, also after a failed write.
    _CollectorWatchingSink.seen = []
    watching = WriterOptions(open_sink=lambda folder, helper: _CollectorWatchingSink(
        folder, helper=helper))
    broken = WriterOptions(open_sink=_failing_on("report.html", RuntimeError("disk full")))
    assert gc.isenabled()
    if fails:
        with pytest.raises(RuntimeError, match="disk full"):
            _write(tmp_path, options=broken)
    else:
        _write(tmp_path, options=watching)
        assert _CollectorWatchingSink.seen and not any(_CollectorWatchingSink.seen)
    assert gc.isenabled()
    gc.disable()  # a caller that keeps it off keeps it off
    try:
        _write(tmp_path, name="again", options=watching)
        assert not gc.isenabled()
    finally:
        gc.enable()
