"""Output safety, whatever the participants typed and whichever separator opens the file.

One `match` run of a cohort built to attack the outputs: separators of other locales
followed by formulas (``Bob;=1+1;``), a backspace (which Excel refuses), terminal escape
sequences, Markdown images and ``javascript:`` links in goals, and ids that start with
``+`` and ``-``. Then: every CSV re-read with ``,``, ``;`` and tab has no cell that starts a
formula (numbers aside); no file holds a control character; the Markdown plans hold no
link or image syntax; the ids read back unchanged; the terminal shows no escape sequence.
Also: a program's template cannot reach Python, and `init` cannot be made to write TOML
through a file name.
"""

from __future__ import annotations

import csv
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_hardening import write_hostile_files

from cli.main import cli
from matcher.outputs.cell_safety import FORMULA_STARTS, safe_cell, unguard_cell
from matcher.runfolder.reader import read_pairings
from scoring.config import load_config

SEPARATORS = (",", ";", "\t")
ESC = "\x1b[31mRED\x1b[0m"
IMAGE = "![pixel](https://evil.example/p.png)"
LINK = "[click me](javascript:alert(1))"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _invoke(arguments: list[str]):
    result = CliRunner().invoke(cli, arguments)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return result


def _cohort(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    mentors = [["Email", "Name", "Career stage", "Areas", "Bio", "Institution", "Specialty",
                "How many mentees?"],
               ["m1@example.org", "Bob;=1+1;", "Senior", "Research/Scholarship",
                f"Bio with {IMAGE}", "Uni\tTab;@SUM(1)", "x,=2+2", "3"],
               ["m2@example.org", f"Eve{ESC}", "Senior", "Research/Scholarship",
                "Back\x08space", "Inst", "Spec", "3"]]
    mentees = [["Email", "Name", "Career stage", "Areas", "Goals", "Institution", "Specialty"],
               ["+tag@example.org", "Back\x08space Ann", "Resident", "Research/Scholarship",
                f"Goals {IMAGE} and {LINK}\n-cmd|' /C calc'!A0;=3+3", "Uni", "Spec"],
               ["-dash@example.org", f"Dan{ESC}", "Resident", "Research/Scholarship",
                "Goals;-1+1\n@x", "Uni", "Spec"],
               ["plain@example.org", "Pat", "Resident", "Research/Scholarship", "Publish",
                "Uni", "Spec"]]
    return write_hostile_files(folder, mentors, mentees)


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("attacked")
    paths = _cohort(tmp / "in")
    out = tmp / "run"
    result = _invoke(["match", str(paths["mentors"]), str(paths["mentees"]), "--config",
                      str(paths["config"]), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Placed 3 of 3 mentees" in result.output
    return out, paths, result.output


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("separator", SEPARATORS, ids=["comma", "semicolon", "tab"])
def test_no_csv_cell_starts_a_formula_whatever_the_separator(attacked, separator):
    out, _paths, _output = attacked
    files = sorted(out.rglob("*.csv"))
    assert len(files) >= 3
    checked = 0
    for path in files:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle, delimiter=separator):
                for cell in row:
                    checked += 1
                    assert not (cell.startswith(FORMULA_STARTS) and not _is_number(cell)), \
                        (path.name, separator, cell)
    assert checked > 30


def test_no_file_of_the_run_holds_a_control_character(attacked):
    out, _paths, _output = attacked
    texts = [p for p in out.rglob("*") if p.is_file() and p.suffix != ".xlsx"]
    assert len(texts) > 10
    for path in texts:
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        found = CONTROL.search(text)
        assert found is None, (path.name, repr(text[max(0, found.start() - 20):found.end()]))


def test_the_workbook_opened_and_its_cells_hold_no_control_character(attacked):
    import openpyxl
    out, _paths, _output = attacked
    book = openpyxl.load_workbook(out / "pairings.xlsx", read_only=True)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
             for c in row if isinstance(c, str)]
    assert any("Bob" in c for c in cells)
    assert not [c for c in cells if CONTROL.search(c.replace("\n", ""))]
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]


def test_markdown_plans_hold_no_link_or_image_from_participants(attacked):
    out, _paths, _output = attacked
    plans = sorted((out / "plans").glob("*.md"))
    assert plans
    text = "\n".join(p.read_text(encoding="utf-8") for p in plans)
    assert "pixel" in text and "click me" in text  # the words are kept, as text
    assert "![pixel](" not in text and "[click me](" not in text
    assert not re.search(r"(?<!\\)\[[^\]\n]*(?<!\\)\]\(", text)


def test_ids_starting_with_formula_characters_read_back_unchanged(attacked):
    out, _paths, _output = attacked
    ids = {pair.mentee_id for pair in read_pairings(out / "pairings.csv")}
    assert {"+tag@example.org", "-dash@example.org"} <= ids
    assert unguard_cell(str(safe_cell("+tag@example.org"))) == "+tag@example.org"


def test_numbers_are_never_made_text(tmp_path):
    assert safe_cell(-2.5) == -2.5 and safe_cell(-3) == -3
    from matcher.outputs.sheets import Table, csv_bytes
    data = csv_bytes(Table("t", ("a", "b"), [(-2.5, "-x")])).decode("utf-8-sig")
    assert data.splitlines()[1] == '"-2.5","\'-x"'


def test_terminal_output_escapes_control_characters(attacked):
    out, _paths, output = attacked
    assert "\x1b" not in output
    result = _invoke(["explain", str(out), "-dash@example.org"])
    assert result.exit_code in (0, 2) and "\x1b" not in result.output, result.output
    result = _invoke(["explain", str(out), "no\x1b[2Jsuch@example.org"])
    assert result.exit_code == 2 and "\x1b" not in result.output


# ------------------------------------------------------------------ templates and init

@pytest.mark.parametrize("attack", [
    "{{ plan.__class__.__init__.__globals__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('echo pwned').read() }}",
])
def test_a_programs_templates_cannot_run_python(attacked, tmp_path, attack):
    _out, paths, _output = attacked
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "plan.md.j2").write_text(attack + "\n", encoding="utf-8")
    result = _invoke(["match", str(paths["mentors"]), str(paths["mentees"]), "--config",
                      str(paths["config"]), "--out", str(tmp_path / "run"), "--quiet",
                      "--templates", str(templates)])
    assert result.exit_code == 2, result.output
    assert "plan.md.j2" in result.output and "pwned" not in result.output
    assert not (tmp_path / "run").exists()


def test_a_programs_harmless_template_still_renders_sandboxed(attacked, tmp_path):
    _out, paths, _output = attacked
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "plan.md.j2").write_text("# {{ plan.mentee.name }} and {{ plan.mentor.name }}\n",
                                          encoding="utf-8")
    result = _invoke(["match", str(paths["mentors"]), str(paths["mentees"]), "--config",
                      str(paths["config"]), "--out", str(tmp_path / "run"), "--quiet",
                      "--templates", str(templates)])
    assert result.exit_code == 0, result.output
    assert any("Pat" in p.read_text() for p in (tmp_path / "run" / "plans").glob("*.md"))


def test_init_cannot_be_made_to_write_toml_through_a_file_name(tmp_path):
    corpus = Path(__file__).parent / "corpus"
    hostile = tmp_path / 'x\n[weights]\ngoal_text = 99\n"\x08.csv'
    hostile.write_bytes((corpus / "good_mentors.csv").read_bytes())
    out = tmp_path / "program.toml"
    result = _invoke(["init", str(hostile), str(corpus / "good_mentees.csv"), "--out",
                      str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    # init may write [weights] itself (components no question feeds weigh 0); the file
    # name must not: its line breaks stay inside the comment, escaped.
    tables = [line for line in text.splitlines() if line.strip() == "[weights]"]
    assert len(tables) == (1 if "weights" in data else 0)
    assert all(line.startswith("#") for line in text.splitlines() if "goal_text = 99" in line)
    assert data.get("weights", {}).get("goal_text") != 99
    assert load_config(out).weights.goal_text != 99
