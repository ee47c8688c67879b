"""`mentormatch diff` and the run-folder history it shares with rematch."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.diff import diff_command
from matcher.runfolder.diff import diff_runs
from matcher.runfolder.reader import read_history
from scoring.errors import InputError


def make_run(folder: Path, pairs: list[tuple[str, str, str]], previous: Path | None = None,
             ) -> Path:
    """A minimal run folder: pairings.csv (as export writes it) and run.json."""
    folder.mkdir(parents=True)
    with (folder / "pairings.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["mentee_id", "mentee_name", "mentor_id", "mentor_name", "role",
                         "covers", "score"])
        for mentee, mentor, role in pairs:
            writer.writerow([mentee, mentee.title(), mentor, mentor.title(), role, "", "71.5"])
    link = None
    if previous is not None:
        sha = hashlib.sha256((previous / "run.json").read_bytes()).hexdigest()
        link = {"path": str(Path("..") / previous.name), "sha256": sha}
    (folder / "run.json").write_text(json.dumps({"previous_run": link}), encoding="utf-8")
    return folder


def test_diff_lists_kept_ended_and_new_with_role_changes(tmp_path: Path) -> None:
    a = make_run(tmp_path / "a", [("e1", "m1", "primary"), ("e1", "m2", "specialist"),
                                  ("e2", "m3", "primary")])
    b = make_run(tmp_path / "b", [("e1", "m2", "primary"), ("e2", "m1", "primary"),
                                  ("e3", "m3", "primary")])
    result = diff_runs(a, b)
    assert [(c.mentee_id, c.mentor_id) for c in result.kept] == [("e1", "m2")]
    assert (result.kept[0].role_before, result.kept[0].role_after) == ("specialist", "primary")
    assert [(c.mentee_id, c.mentor_id) for c in result.ended] == [("e1", "m1"), ("e2", "m3")]
    assert [(c.mentee_id, c.mentor_id) for c in result.new] == [("e2", "m1"), ("e3", "m3")]

    out = CliRunner().invoke(diff_command, [str(a), str(b), "--json"])
    assert out.exit_code == 0
    assert json.loads(out.output)["counts"] == {"kept": 1, "ended": 2, "new": 2}
    text = CliRunner().invoke(diff_command, [str(a), str(b)]).output
    assert "1 kept, 2 ended, 2 new" in text and "specialist → primary" in text


def test_diff_of_a_folder_that_is_not_a_run_exits_2(tmp_path: Path) -> None:
    a = make_run(tmp_path / "a", [("e1", "m1", "primary")])
    (tmp_path / "empty").mkdir()
    out = CliRunner().invoke(diff_command, [str(a), str(tmp_path / "empty")])
    assert out.exit_code == 2 and "no run.json" in out.output and "Traceback" not in out.output


def test_history_follows_previous_run_and_accumulates_endings(tmp_path: Path) -> None:
    first = make_run(tmp_path / "2027", [("e1", "m1", "primary"), ("e2", "m2", "primary")])
    second = make_run(tmp_path / "2028", [("e1", "m2", "primary"), ("e2", "m2", "primary")],
                      previous=first)
    third = make_run(tmp_path / "2029", [("e1", "m3", "primary"), ("e2", "m2", "primary")],
                     previous=second)
    history = read_history(third)
    assert [run.folder.name for run in history.runs] == ["2029", "2028", "2027"]
    assert history.ended_pairs() == {("e1", "m1"), ("e1", "m2")}
    assert history.warnings == ()
    (first / "run.json").write_text("{}", encoding="utf-8")  # edited after the fact
    assert "changed since" in read_history(third).warnings[0]


def test_history_with_a_missing_previous_run_is_an_input_error(tmp_path: Path) -> None:
    first = make_run(tmp_path / "2027", [("e1", "m1", "primary")])
    second = make_run(tmp_path / "2028", [("e1", "m1", "primary")], previous=first)
    (first / "run.json").unlink()
    with pytest.raises(InputError, match="previous run .*2027 is missing"):
        read_history(second)
