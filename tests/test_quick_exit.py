"""A command ends without the interpreter's final collections (``cli.main._freeze_at_exit``):
its output is complete, its run folder whole, and the objects it loaded are in the
collector's permanent generation when the process ends, so no full collection walks them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"

#: A fresh process running one command, then reporting what the exit will find (printed
#: by an exit handler registered before the command's own, so it runs after it).
PROBE = """
import atexit, gc, json, sys
def report():
    print(json.dumps({"frozen": gc.get_freeze_count(), "tracked": len(gc.get_objects())}),
          file=sys.stderr)
atexit.register(report)
from cli.main import cli
cli(sys.argv[1:])
"""


def test_a_match_ends_frozen_with_its_output_and_run_folder_whole(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-c", PROBE, "match", "--json", "--quiet",
                           "--out", str(out), str(SAMPLE / "mentors.csv"),
                           str(SAMPLE / "mentees.csv")],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    summary = json.loads(done.stdout)
    assert summary["run_folder"] == str(out)
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["counts"]["placed"] \
        == summary["placed"]
    assert (out / "report.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    at_exit = json.loads(done.stderr.strip().splitlines()[-1])
    assert at_exit["frozen"] > 10_000  # numpy, SciPy, OR-Tools and the records
    assert at_exit["tracked"] < at_exit["frozen"] / 10  # what a collection would still walk


def test_the_exit_handler_is_registered_once_per_process() -> None:
    """Several commands in one process (tests, a script calling the group) register it
    once."""
    for _ in range(3):
        result = CliRunner().invoke(main.cli, ["validate", str(SAMPLE / "mentors.csv"),
                                               str(SAMPLE / "mentees.csv")])
        assert result.exit_code == 0, result.output
    assert main._QUICK_EXIT == [main._freeze_at_exit]
