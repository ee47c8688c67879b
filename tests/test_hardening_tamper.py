"""Tampered or damaged run folders: exit 2 naming the file and the field, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli

CORPUS = Path(__file__).parent / "corpus"


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tamper")
    for name in ("a", "b"):
        result = CliRunner().invoke(cli, ["match", str(CORPUS / "good_mentors.csv"),
                                          str(CORPUS / "good_mentees.csv"), "--config",
                                          str(CORPUS / "corpus.toml"), "--out",
                                          str(tmp / name), "--quiet"])
        assert result.exit_code == 0, result.output
    return tmp


@pytest.mark.parametrize("field, value", [
    ("format", "someone-else/9"), ("previous_run", 5), ("previous_run", {"path": 3}),
    ("counts", ["x"]), ("seed", "zero"), ("inputs", "none"),
])
def test_a_run_json_with_a_wrong_type_is_exit_2_naming_it(two_runs, tmp_path, field, value):
    import shutil
    run = tmp_path / "a"
    shutil.copytree(two_runs / "a", run)
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    record[field] = value
    (run / "run.json").write_text(json.dumps(record), encoding="utf-8")
    result = CliRunner().invoke(cli, ["diff", str(run), str(two_runs / "b")])
    assert result.exit_code == 2, result.output
    assert "run.json" in result.output and field in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("rematch", [
    {"ended": "all"}, {"ended": [{"mentee_id": 1, "mentor_id": "m"}]},
    {"ended": [], "held": [None]}, {"ended": [], "keep_bonus": [{"mentee_id": "a",
                                                                  "mentor_id": "b",
                                                                  "points": "lots"}]},
])
def test_a_rematch_json_with_a_wrong_type_is_exit_2_naming_it(two_runs, tmp_path, rematch):
    import shutil
    run = tmp_path / "a"
    shutil.copytree(two_runs / "a", run)
    (run / "rematch.json").write_text(json.dumps(rematch), encoding="utf-8")
    result = CliRunner().invoke(cli, ["diff", str(run), str(two_runs / "b")])
    assert result.exit_code == 2, result.output
    assert "rematch.json" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("side, field, value", [
    ("mentors", "capacity", "lots"), ("mentors", "time_zone", "UTC+1"),
    ("mentees", "need_areas", "research"), ("mentees", "network_size", 1.5),
    ("mentees", "name", None), ("mentors", "time_zone", True), ("mentees", "preferences", [1]),
    ("mentors", "attributes", {"site": 4}),
])
def test_a_snapshot_with_a_wrong_type_and_a_matching_hash_is_exit_2_naming_it(
        two_runs, tmp_path, side, field, value):
    """A snapshot edited consistently (its hash in run.json updated too) still holds only what
    mentormatch writes: each field's type is checked on reading, so a wrong one stops the
    audit with the file, the participant and the field, not a traceback in the scorer."""
    import hashlib
    import shutil
    run = tmp_path / "a"
    shutil.copytree(two_runs / "a", run)
    snapshot = run / "audit" / "cohort.json"
    document = json.loads(snapshot.read_text(encoding="utf-8"))
    document[side][0].setdefault(field, None)
    document[side][0][field] = value
    snapshot.write_text(json.dumps(document), encoding="utf-8")
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    record["snapshot"]["sha256"] = hashlib.sha256(snapshot.read_bytes()).hexdigest()
    (run / "run.json").write_text(json.dumps(record), encoding="utf-8")
    result = CliRunner().invoke(cli, ["explain", str(run), "--mentee", "cara@example.org"])
    assert result.exit_code == 2, result.output
    assert "cohort.json" in result.output and f"{side[:-1]} #1" in result.output
    assert repr(field) in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("column, value", [("role", "boss"), ("score", "lots"),
                                           ("score", "nan")])
def test_a_pairings_row_with_a_wrong_value_and_a_matching_hash_is_exit_2_naming_it(
        two_runs, tmp_path, column, value):
    import csv
    import hashlib
    import shutil
    run = tmp_path / "a"
    shutil.copytree(two_runs / "a", run)
    path = run / "pairings.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL).writerows(rows)
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    record["files"]["pairings.csv"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (run / "run.json").write_text(json.dumps(record), encoding="utf-8")
    result = CliRunner().invoke(cli, ["diff", str(run), str(two_runs / "b")])
    assert result.exit_code == 2, result.output
    assert "pairings.csv" in result.output and f"row 2, {column}" in result.output
    assert "Traceback" not in result.output
