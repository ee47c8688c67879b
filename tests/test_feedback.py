"""The month-12 feedback sheet: mapping, decisions, and errors that name file, row, column."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from scoring.config import config_from_dict
from scoring.intake.feedback import FeedbackError, read_feedback

CONFIG = config_from_dict({
    "program": {"id_field": "id"},
    "vocabularies": {"areas": {"research": ["Research/Scholarship"], "clinical": [],
                               "career": ["career planning"]}},
})
PREVIOUS = {("E1", "M1"), ("E1", "M2"), ("E2", "M1"), ("E3", "M3")}
HEADERS = ["Mentee ID", "Mentor ID", "Continue?", "Mentee rating", "Mentor rating", "Notes",
           "New goals", "Wants a new network member in area"]


def write_sheet(tmp_path: Path, rows: list[list[str]], headers: list[str] = HEADERS) -> Path:
    path = tmp_path / "feedback.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([headers, *rows])
    return path


def test_reads_decisions_ratings_goals_and_areas(tmp_path: Path) -> None:
    path = write_sheet(tmp_path, [
        ["E1", "M1", "Yes", "5", "4", "Private: going through a divorce", "", ""],
        ["E1", "M2", "no", "2", "", "", "Lead a research group", "Research/Scholarship"],
        ["E2", "M1", "", "", "", "", "", ""],
        ["E3", "M3", "Maybe", "3.5", "4", "", "", "clinical; career planning"],
    ])
    sheet = read_feedback(path, CONFIG, previous_pairs=PREVIOUS)
    assert sheet.decisions() == {("E1", "M1"): "yes", ("E1", "M2"): "no",
                                 ("E2", "M1"): "unsure", ("E3", "M3"): "unsure"}
    assert sheet.rows[0].mentee_rating == 5 and sheet.rows[0].mentor_rating == 4
    assert sheet.rows[3].mentee_rating == 3.5
    assert sheet.new_goals() == {"E1": "Lead a research group"}
    assert sheet.new_areas() == {"E1": ("research",), "E3": ("clinical", "career")}
    assert "divorce" not in repr(sheet)  # notes are dropped on reading, never carried on


def test_headers_map_through_config_columns(tmp_path: Path) -> None:
    config = config_from_dict({"program": {"id_field": "id"}, "columns": {"feedback": {
        "Trainee": "mentee_id", "Faculty": "mentor_id", "Keep going": "continue"}}})
    path = write_sheet(tmp_path, [["E3", "M3", "y"]], ["Trainee", "Faculty", "Keep going"])
    assert read_feedback(path, config, previous_pairs=PREVIOUS).decisions() == {
        ("E3", "M3"): "yes"}


def test_every_error_names_file_row_and_column(tmp_path: Path) -> None:
    path = write_sheet(tmp_path, [
        ["E1", "M1", "perhaps later", "", "", "", "", ""],   # row 2: unknown continue value
        ["E9", "M1", "yes", "", "", "", "", ""],             # row 3: mentee never in the run
        ["E2", "M3", "yes", "", "", "", "", ""],             # row 4: ids known, never a pair
        ["E3", "M3", "yes", "", "", "", "", ""],             # row 5: fine
        ["E3", "M3", "no", "", "", "", "", ""],              # row 6: duplicate of row 5
        ["E1", "M2", "no", "7", "", "", "", ""],             # row 7: rating out of range
        ["E2", "M1", "no", "", "", "", "", "astrology"],     # row 8: unknown area
    ])
    with pytest.raises(FeedbackError) as caught:
        read_feedback(path, CONFIG, previous_pairs=PREVIOUS)
    where = {(p.row, p.column) for p in caught.value.problems}
    assert where == {(2, "Continue?"), (3, "Mentee ID"), (4, "Mentor ID"), (6, "Mentor ID"),
                     (7, "Mentee rating"), (8, "Wants a new network member in area")}
    assert all(p.file == str(path) for p in caught.value.problems)
    message = str(caught.value)
    assert "row 6" in message and "already given on row 5" in message
    assert "'perhaps later'" in message and "outside the scale 1 to 5" in message


def test_missing_required_column_is_one_clear_error(tmp_path: Path) -> None:
    path = write_sheet(tmp_path, [["E1", "M1"]], ["Mentee ID", "Mentor ID"])
    with pytest.raises(FeedbackError, match=r"no column for 'continue'.*\[columns.feedback\]"):
        read_feedback(path, CONFIG, previous_pairs=PREVIOUS)
