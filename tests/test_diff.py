"""`mentormatch diff`, the one run-folder reader it shares with rematch and audit, and the
run history."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.diff import diff_command
from matcher.runfolder.diff import diff_runs
from matcher.runfolder.layout import PAIRINGS, PAIRINGS_COLUMNS, REMATCH_RECORD
from matcher.runfolder.reader import (
    EndedPair,
    RematchRecord,
    RunPair,
    read_history,
    read_run,
)
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


def test_one_reader_reads_the_whole_folder_back(tmp_path: Path) -> None:
    """read_run gives rematch, audit and diff the same record: pairs with their locked flag,
    run.json, and the rematch record (ended pairs, held mentees, keep bonus)."""
    run = make_run(tmp_path / "r", [("e1", "m1", "primary")])
    with (run / PAIRINGS).open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([PAIRINGS_COLUMNS[:8],
                                      ["e1", "E1", "m1", "M1", "primary", "", "71.5", "yes"],
                                      ["e2", "E2", "m2", "M2", "specialist", "career", "", ""]])
    (run / REMATCH_RECORD).write_text(json.dumps({
        "ended": [{"mentee_id": "e3", "mentor_id": "m1", "reason": "no", "by_choice": True}],
        "held": ["e2"], "keep_bonus": [{"mentee_id": "e1", "mentor_id": "m1", "points": 5}]}),
        encoding="utf-8")
    record = read_run(run)
    assert record.pairs == (RunPair("e1", "m1", "primary", "", 71.5, locked=True),
                            RunPair("e2", "m2", "specialist", "career", None, locked=False))
    assert record.record == {"previous_run": None}
    assert record.rematch == RematchRecord(ended=(EndedPair("e3", "m1", "no"),), held=("e2",),
                                           keep_bonus=(("e1", "m1", 5.0),))
    assert record.ended == record.rematch.ended
    assert record.network("e2") == record.mentees_of("m2") == (record.pairs[1],)


def test_a_damaged_keep_bonus_is_an_input_error(tmp_path: Path) -> None:
    run = make_run(tmp_path / "r", [("e1", "m1", "primary")])
    (run / REMATCH_RECORD).write_text(json.dumps({"keep_bonus": [{"mentee_id": "e1"}]}),
                                      encoding="utf-8")
    with pytest.raises(InputError, match="keep_bonus entry"):
        read_run(run)
