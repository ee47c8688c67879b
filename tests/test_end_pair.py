"""``end-pair``: end one pair mid-cycle, re-pair just that mentee, every other pair kept."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from matcher.jobs import end_pair_job, match_job
from matcher.runfolder.reader import read_run

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


@pytest.fixture(scope="module")
def roomy_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample matched with room to spare (every mentor takes up to 5 mentees)."""
    out = tmp_path_factory.mktemp("end_pair") / "run"
    match_job(str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv"), capacity=5,
              out=str(out), quiet=True, accept_diagnostics=True)
    return out


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample as it is: every mentor a mentee could have is full."""
    out = tmp_path_factory.mktemp("end_pair_full") / "run"
    match_job(str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv"), out=str(out),
              quiet=True, accept_diagnostics=True)
    return out


def _primary(run: Path) -> tuple[str, str, str]:
    """A mentee with only a primary mentor: (mentee id, mentee name, mentor id)."""
    pairs = read_run(run).pairs
    counts: dict[str, int] = {}
    for pair in pairs:
        counts[pair.mentee_id] = counts.get(pair.mentee_id, 0) + 1
    pair = next(p for p in pairs if p.role == "primary" and counts[p.mentee_id] == 1)
    return pair.mentee_id, pair.mentee_name, pair.mentor_id


def test_the_mentee_is_re_paired_and_every_other_pair_kept(roomy_run, tmp_path):
    mentee, name, mentor = _primary(roomy_run)
    result = end_pair_job(roomy_run, name.upper(), mentor.upper(), out=tmp_path / "new",
                          quiet=True)
    before, after = read_run(roomy_run), read_run(result.folder)
    assert (mentee, mentor) not in after.pair_keys()
    assert result.new_pairs and all(m != mentor for m in result.new_pairs)
    assert {p.mentor_id for p in after.network(mentee)} == set(result.new_pairs)
    others_before = {(p.key, p.role, p.covers) for p in before.pairs if p.mentee_id != mentee}
    others_after = {(p.key, p.role, p.covers) for p in after.pairs if p.mentee_id != mentee}
    assert others_after == others_before
    assert result.others_changed == ()
    record = json.loads((result.folder / "run.json").read_text())
    assert record["ended_pair"]["mentee_id"] == mentee
    assert [mentee, mentor] in record["solve"]["forbids"]
    assert len(record["solve"]["locks"]) == len(before.pairs) - 1
    with (result.folder / "inputs" / "locks.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.reader(handle))) == len(before.pairs)  # header + the kept pairs
    # No one else takes the ended mentor's freed place.
    assert {p.mentee_id for p in after.mentees_of(mentor)} == \
        {p.mentee_id for p in before.mentees_of(mentor)} - {mentee}


def test_with_no_mentor_free_the_output_says_why(full_run, tmp_path):
    mentee, _, mentor = _primary(full_run)
    result = end_pair_job(full_run, mentee, mentor, out=tmp_path / "new", quiet=True)
    assert result.new_pairs == ()
    assert result.unplaced_reason and "full" in result.unplaced_reason
    assert read_run(result.folder).network(mentee) == ()
    assert len(read_run(result.folder).pairs) == len(read_run(full_run).pairs) - 1


@pytest.mark.parametrize(("mentee", "mentor", "says"), [
    ("nobody@nowhere.example", None, "no mentee has the id"),
    (None, "nobody@nowhere.example", "no mentor has the id"),
    (None, "other", "not a pair of this run"),
])
def test_unknown_people_and_pairs_exit_2_naming_the_fix(full_run, tmp_path, mentee, mentor,
                                                         says):
    own_mentee, _, own_mentor = _primary(full_run)
    if mentor == "other":
        mentor = next(p.mentor_id for p in read_run(full_run).pairs
                      if p.mentor_id != own_mentor)
    out = tmp_path / "new"
    result = CliRunner().invoke(cli, ["end-pair", str(full_run), "--mentee",
                                      mentee or own_mentee, "--mentor", mentor or own_mentor,
                                      "--out", str(out)])
    assert result.exit_code == 2
    assert says in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_the_command_prints_the_new_mentor(roomy_run, tmp_path):
    mentee, _, mentor = _primary(roomy_run)
    out = tmp_path / "cli"
    result = CliRunner().invoke(cli, ["end-pair", str(roomy_run), "--mentee", mentee,
                                      "--mentor", mentor, "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    new = [p.mentor_id for p in read_run(out).network(mentee)]
    assert "New mentor(s) for" in result.output and new[0] in result.output
