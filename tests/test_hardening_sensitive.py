"""Sensitive means sensitive: a field listed in ``[sensitive] fields`` appears in no file of
a run but the audit snapshot (pseudonymised there), whichever fields are listed.

Each setting runs `match` on the corpus cohort and scans every file of the run folder for
every participant's value of every sensitive field (whole words, ignoring case). The
settings that still leak are marked ``xfail(strict=True)`` with where the value leaks:
those outputs belong to the plans and explanations code (issue 14, item 5, reported to the
lead); the strict mark makes the test fail, as a reminder to drop the mark, once fixed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli

CORPUS = Path(__file__).parent / "corpus"
#: The participants' values of each field in good_mentors.csv / good_mentees.csv, as the
#: outputs would print them (labels of canonical values included).
VALUES = {
    "time_zone": ["America/Chicago", "UTC+1", "America/New_York", "GMT+5:30", "UTC+5:30"],
    "career_stage": ["Mid career", "Resident", "Student"],
}
LEAKS = {
    "time_zone": "plans (person card 'time zone', shared working hours), calendars "
                 "(description), explanations.csv and pairings.csv reasons print time zones",
    "career_stage": "explanations.csv stage_gap evidence withholds one side only: "
                    "'4 stages senior to you ([withheld] → mid career)'",
}


def _scan(out: Path, values: list[str]) -> list[str]:
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(v)}(?!\w)" for v in values), re.I)
    found = []
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out).as_posix()
        if not path.is_file() or relative in {"audit/cohort.json", "run.json"} \
                or path.suffix == ".xlsx":
            continue
        match = pattern.search(path.read_text(encoding="utf-8-sig"))
        if match:
            found.append(f"{relative}: {match[0]!r}")
    return found


@pytest.mark.parametrize("field", [
    pytest.param("time_zone", marks=pytest.mark.xfail(strict=True, reason=LEAKS["time_zone"])),
    pytest.param("career_stage",
                 marks=pytest.mark.xfail(strict=True, reason=LEAKS["career_stage"])),
])
def test_a_field_listed_as_sensitive_appears_in_no_output(tmp_path, field):
    config = tmp_path / "program.toml"
    config.write_text((CORPUS / "corpus.toml").read_text(encoding="utf-8")
                      + f'\n[sensitive]\nfields = ["gender", "background", "{field}"]\n',
                      encoding="utf-8")
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["match", str(CORPUS / "good_mentors.csv"),
                                      str(CORPUS / "good_mentees.csv"), "--config",
                                      str(config), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert _scan(out, VALUES[field]) == []
