"""The command group itself: lazy subcommands, heavy libraries only where used, --json errors.

Import checks run in a fresh interpreter (``sys.modules`` of this test process already holds
everything); output checks go through click's runner like a user at a terminal.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cli.main import COMMANDS, cli, load_command

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
SAMPLE = ROOT / "sample_data"
HEAVY = ("sklearn", "ortools", "matplotlib", "openpyxl", "pandas", "jinja2", "icalendar",
         "scipy")


def modules_after(code: str) -> set[str]:
    """Modules loaded by a fresh interpreter running ``code`` (output muted)."""
    probe = (f"import sys, io, contextlib\nwith contextlib.redirect_stdout(io.StringIO()):\n"
             f"    try:\n        {code}\n    except SystemExit:\n        pass\n"
             f"print(' '.join(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return set(done.stdout.split())


def loaded_after(code: str) -> set[str]:
    """Top-level packages loaded by a fresh interpreter running ``code`` (output muted)."""
    return {module.split(".")[0] for module in modules_after(code)}


def run(*arguments: str | Path) -> click.testing.Result:
    return CliRunner().invoke(cli, [str(a) for a in arguments])


# ----------------------------------------------------------------------- lazy subcommands

def test_help_imports_no_command_and_no_package_below_the_cli() -> None:
    loaded = loaded_after("from cli.main import cli; cli(['--help'])")
    assert not loaded & {"scoring", "matcher", "numpy", *HEAVY}, loaded


def test_validate_loads_no_solver_no_report_and_no_scoring_model() -> None:
    # validate scores the cohort to say what the match would be (issue 12), without the
    # goal texts' TF-IDF; nothing loads scikit-learn (scoring.tfidf is numpy).
    code = (f"from cli.main import cli; cli(['validate', {str(SAMPLE / 'mentors.csv')!r}, "
            f"{str(SAMPLE / 'mentees.csv')!r}])")
    modules = modules_after(code)
    loaded = {module.split(".")[0] for module in modules}
    assert "scoring" in loaded  # it did run
    # CSV sheets: no openpyxl either (it loads when a workbook is read or written).
    assert not loaded & {"sklearn", "matplotlib", "jinja2", "icalendar", "openpyxl"}, loaded
    # Of OR-Tools, only the graph module's maximum flow, which the diagnostics count the
    # placeable mentees with (cheaper to import than scipy's csgraph): no solver engine.
    assert {m for m in modules if m.startswith("ortools.")} <= {
        "ortools.graph", "ortools.graph.python", "ortools.graph.python.max_flow"}
    assert not {m for m in modules if m.startswith(("matcher.solver", "scipy.sparse.linalg"))}


def test_explain_from_the_intake_files_loads_no_solver_and_no_report() -> None:
    mentee = (SAMPLE / "mentees.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[1]
    code = (f"from cli.main import cli; cli(['explain', {str(SAMPLE / 'mentors.csv')!r}, "
            f"{str(SAMPLE / 'mentees.csv')!r}, '--mentee', {mentee!r}])")
    loaded = loaded_after(code)
    assert "scoring" in loaded  # it did run
    assert not loaded & {"sklearn", "ortools", "matplotlib", "jinja2", "icalendar"}, loaded


def test_match_loads_neither_scikit_learn_nor_matplotlib(tmp_path: Path) -> None:
    # The goal texts' TF-IDF is numpy (scoring.tfidf), the report's figures are SVG written
    # from the bars (matcher.outputs.charts): a match imports neither (about 2 s of CPU).
    code = (f"from cli.main import cli; cli(['match', {str(SAMPLE / 'mentors.csv')!r}, "
            f"{str(SAMPLE / 'mentees.csv')!r}, '--quiet', '--out', "
            f"{str(tmp_path / 'run')!r}])")
    loaded = loaded_after(code)
    assert (tmp_path / "run" / "report.html").is_file()  # it did match and write
    assert not loaded & {"sklearn", "matplotlib"}, loaded


def test_a_command_help_loads_only_its_module() -> None:
    loaded = loaded_after("from cli.main import cli; cli(['match', '--help'])")
    assert not loaded & {"sklearn", "ortools", "matplotlib"}, loaded


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_listed_summary_is_the_commands_own(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    assert command.help is not None
    first_paragraph = " ".join(command.help.split("\n\n")[0].split())
    assert COMMANDS[name][1] == first_paragraph


def test_group_help_lists_what_an_eager_group_lists() -> None:
    eager = click.Group(cli.name, help=cli.help, params=cli.params,
                        context_settings=cli.context_settings)
    for name in COMMANDS:
        eager.add_command(load_command(name))
    for width in (60, 80, 200):
        lazy_help = CliRunner().invoke(cli, ["--help"], terminal_width=width).output
        eager_help = CliRunner().invoke(eager, ["--help"], terminal_width=width).output
        assert lazy_help == eager_help
    assert "validate  Check MENTORS and MENTEES" in lazy_help


def test_an_unknown_command_is_a_usage_error() -> None:
    result = run("matsh")
    assert result.exit_code == 2
    assert "No such command 'matsh'" in result.stderr


# ---------------------------------------------------------------------------- --json errors

def _error(result: click.testing.Result) -> dict:
    assert result.exit_code == 2, result.output
    assert result.stderr == ""
    return json.loads(result.stdout)["error"]


def test_match_json_error_is_json_on_stdout_with_exit_2(tmp_path: Path) -> None:
    error = _error(run("match", tmp_path / "missing.csv", tmp_path / "missing.csv",
                       "--config", SAMPLE / "program.toml", "--json"))
    assert error["kind"] == "input" and "missing.csv" in error["message"]
    assert error["problems"] == []


def test_match_json_error_lists_the_intake_problems(tmp_path: Path) -> None:
    error = _error(run("match", CORPUS / "duplicate_ids_case.csv", CORPUS / "good_mentees.csv",
                       "--config", CORPUS / "corpus.toml", "--out", tmp_path / "run",
                       "--json"))
    assert error["kind"] == "input"
    (problem,) = error["problems"]
    assert problem["row"] == 4 and problem["column"] == "Email"
    assert problem["severity"] == "error" and problem["fix"]
    assert not (tmp_path / "run").exists()


def test_a_usage_error_with_json_is_json_too(tmp_path: Path) -> None:
    error = _error(run("match", tmp_path / "a.csv", tmp_path / "b.csv", "--objective", "best",
                       "--json"))
    assert error["kind"] == "usage" and "'best' is not one of" in error["message"]


@pytest.mark.parametrize("arguments", [
    ("rematch", "--previous", "nowhere", "--feedback", "f.csv", "a.csv", "b.csv",
     "--config", str(SAMPLE / "program.toml")),
    ("explain", "nowhere", "--mentee", "x"),
    ("diff", "nowhere", "elsewhere"),
])
def test_every_command_with_json_answers_errors_in_json(arguments: tuple[str, ...]) -> None:
    error = _error(run(*arguments, "--json"))
    assert error["kind"] == "input" and "nowhere" in error["message"]


def test_validate_json_fatal_error_carries_the_error_object() -> None:
    result = run("validate", CORPUS / "html_as_csv.csv", CORPUS / "good_mentees.csv",
                 "--config", CORPUS / "corpus.toml", "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 2 and result.stderr == ""
    assert report["ok"] is False
    assert report["error"] == {"kind": "input", "message": report["fatal"], "problems": []}


@pytest.mark.parametrize("arguments", [
    ("match", "missing.csv", "missing.csv", "--config", str(SAMPLE / "program.toml")),
    ("explain", "nowhere", "--mentee", "x"),
    ("diff", "nowhere", "elsewhere"),
    ("match", "a.csv", "b.csv", "--objective", "best"),
])
def test_without_json_an_error_is_one_paragraph_on_stderr(arguments: tuple[str, ...]) -> None:
    result = run(*arguments)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Error: " in result.stderr and "Traceback" not in result.stderr
    assert not result.stderr.lstrip().startswith("{")


def test_a_reader_that_leaves_early_gets_no_error_message() -> None:
    """`mentormatch diff A B | head -1`: the pipe closes under the command, which stops
    quietly with the shell's status for it (141), never "cannot read or write" a folder."""
    from cli.common import input_errors_exit_2

    @click.command()
    @input_errors_exit_2
    def prints_into_a_closed_pipe() -> None:
        raise BrokenPipeError(32, "Broken pipe")

    result = CliRunner().invoke(prints_into_a_closed_pipe, [])
    assert result.exit_code == 141
    assert "Error" not in result.output and "folder" not in result.output
