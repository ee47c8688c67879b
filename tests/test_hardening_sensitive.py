"""Sensitive means sensitive: a field listed in ``[sensitive] fields`` appears in no file of
a run, whichever field it is, and the audit still reproduces the run exactly.

For EVERY field ``[sensitive] fields`` may list (the config's own list, so a field added
there is tried here too), `match` runs on a cohort built for the purpose: each field holds
distinctive values (words that occur nowhere else: in no goal, bio, label or template),
shared among some participants so that "both use", "same", "hours apart" and the talking
points have something to give away. Every file of the run folder (inside the .xlsx too;
not run.json, which records the config's vocabularies, not participants' values) is then
searched for every spelling of those values — the value as written, its canonical key
and the labels its vocabulary gives it, a time zone as outputs print it — with participant
files (plans, calendars, e-mails) and coordinator files (tables, report, snapshot) apart:
neither may hold a value, participant files never say that something was withheld, and no
file puts ``[withheld]`` where the rest of a sentence would tell the value. A control run
with no field sensitive shows the search finds these values when they are printed. (The
report's fairness tables, which may count a sensitive field in aggregate when it is listed
under ``[report] audit_fields``, are switched off here; tests/test_report.py covers them.)
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from matcher.audit import load_run, resolve_run
from matcher.runfolder.reader import read_pairings
from scoring.config.sections import SENSITIVE_CAPABLE_FIELDS, UNSCORED_SENSITIVE_FIELDS

#: The distinctive values of each field: (as written in the sheets, other spellings).
STAGES = {"stagezqa": "Stagezqa Trainee", "stagezqb": "Stagezqb Junior",
          "stagezqc": "Stagezqc Middle", "stagezqd": "Stagezqd Senior"}
MODES = {"modezqa": "Modezqa Call", "modezqb": "Modezqb Visit"}
FREQUENCIES = {"freqzqa": "Freqzqa Often", "freqzqb": "Freqzqb Seldom"}
LANGUAGES = {"langzqa": "Langzqa", "langzqb": "Langzqb"}
INSTITUTIONS = {"instzqa": "Instzqa Hospital", "instzqb": "Instzqb Clinic"}
ZONES = {"UTC+5:45": (), "UTC-9:30": (), "UTC+8:45": ()}
SPECIALTIES = ("Specialtyzqa", "Specialtyzqb")
GENDERS = ("Genderzqa", "Genderzqb")
BACKGROUNDS = ("Backgroundzqa", "Backgroundzqb")


def _spellings(table: dict[str, str]) -> list[str]:
    return [*table, *(k.replace("_", " ") for k in table), *table.values()]


#: Every spelling of every field's values that an output might print.
VALUES = {
    "career_stage": _spellings(STAGES), "modes": _spellings(MODES),
    "frequency": _spellings(FREQUENCIES), "languages": _spellings(LANGUAGES),
    "institution": _spellings(INSTITUTIONS), "time_zone": [*ZONES, "+5:45", "-9:30", "+8:45"],
    "specialty": list(SPECIALTIES), "gender": list(GENDERS), "background": list(BACKGROUNDS),
}

CONFIG = f"""
[program]
name = "Privacy check program"
start_date = "2026-09-07"
id_field = "email"

[columns.mentors]
"Email" = "email"
"Name" = "name"
"Stage" = "career_stage"
"Specialty" = "specialty"
"Institution" = "institution"
"Areas" = "expertise_areas"
"Bio" = "bio"
"Capacity" = "capacity"
"Modes" = "modes"
"Frequency" = "frequency"
"Time zone" = "time_zone"
"Languages" = "languages"
"Gender" = "gender"
"Background" = "background"

[columns.mentees]
"Email" = "email"
"Name" = "name"
"Stage" = "career_stage"
"Specialty" = "specialty"
"Institution" = "institution"
"Areas" = "need_areas"
"Goals" = "goals"
"Mentors" = "network_size"
"Modes" = "modes"
"Frequency" = "frequency"
"Time zone" = "time_zone"
"Languages" = "languages"
"Preferences" = "preferences"
"Gender" = "gender"
"Background" = "background"

[vocabularies.career_stage]
{chr(10).join(f'{k} = ["{v}"]' for k, v in STAGES.items())}

[vocabularies.modes]
{chr(10).join(f'{k} = ["{v}"]' for k, v in MODES.items())}

[vocabularies.frequency]
{chr(10).join(f'{k} = ["{v}"]' for k, v in FREQUENCIES.items())}

[vocabularies.languages]
{chr(10).join(f'{k} = ["{v}"]' for k, v in LANGUAGES.items())}

[vocabularies.institutions]
{chr(10).join(f'{k} = ["{v}"]' for k, v in INSTITUTIONS.items())}

[vocabularies.areas]
research = ["Research"]
teaching = ["Teaching"]
leadership = ["Leadership"]

[vocabularies.preferences]
same_gender = ["Same gender"]
shared_background = ["Shared background"]
same_specialty = ["Same specialty"]
same_institution = ["Same institution"]
other_institution = ["Other institution"]

[defaults]
languages = ["langzqa"]

[report]
# The fairness tables may count a sensitive field in aggregate (README "Fairness and
# privacy in the report", tests/test_report.py); here none is audited, so no file may
# hold a value at all.
audit_fields = []
"""

GOALS = ["Publish a first paper on outcomes research and learn to review grants.",
         "Build a teaching portfolio and run a journal club for students.",
         "Lead a small quality improvement team and present it at a meeting.",
         "Write a review article and plan a research fellowship application."]
BIOS = ["I run an outcomes research group and review grants for a national agency.",
        "I direct the teaching program and mentor students in journal clubs.",
        "I lead quality improvement teams and chair the department meeting.",
        "I write review articles and supervise research fellowship applications."]
PREFERENCES = ["Same gender", "Shared background", "Same specialty", "Same institution",
               "Other institution", ""]
AREAS = ["Research", "Teaching", "Leadership", "Research, Teaching", "Leadership, Research"]


def _write(folder: Path) -> tuple[Path, Path, Path]:
    """A cohort of 6 mentors and 9 mentees whose sensitive-capable fields hold only the
    distinctive values above, each shared by several people."""
    folder.mkdir(parents=True, exist_ok=True)
    stages, modes = list(STAGES.values()), list(MODES.values())
    frequencies, languages = list(FREQUENCIES.values()), list(LANGUAGES.values())
    institutions, zones = list(INSTITUTIONS.values()), list(ZONES)
    mentors: list[list[str | int]] = [[
        "Email", "Name", "Stage", "Specialty", "Institution", "Areas", "Bio", "Capacity",
        "Modes", "Frequency", "Time zone", "Languages", "Gender", "Background"]]
    for k in range(6):
        mentors.append([f"mentor{k}@example.org", f"Mentor Person{k}", stages[2 + k % 2],
                        SPECIALTIES[k % 2], institutions[k % 2], AREAS[k % 5], BIOS[k % 4], 2,
                        modes[k % 2], frequencies[k % 2], zones[k % 3],
                        "" if k == 5 else languages[k % 2], GENDERS[k % 2],
                        f"{BACKGROUNDS[k % 2]}; {BACKGROUNDS[(k + 1) % 2]}" if k % 3 == 0
                        else BACKGROUNDS[k % 2]])
    mentees: list[list[str | int]] = [[
        "Email", "Name", "Stage", "Specialty", "Institution", "Areas", "Goals", "Mentors",
        "Modes", "Frequency", "Time zone", "Languages", "Preferences", "Gender", "Background"]]
    for k in range(9):
        mentees.append([f"mentee{k}@example.org", f"Mentee Person{k}", stages[k % 2],
                        SPECIALTIES[k % 2], institutions[(k + 1) % 2], AREAS[k % 5],
                        GOALS[k % 4], 1 + k % 2, f"{modes[k % 2]}, {modes[(k + 1) % 2]}"
                        if k % 4 == 0 else modes[k % 2], frequencies[k % 2], zones[k % 3],
                        "" if k == 8 else languages[k % 2], PREFERENCES[k % 6], GENDERS[k % 2],
                        BACKGROUNDS[k % 2]])
    paths = folder / "mentors.csv", folder / "mentees.csv", folder / "program.toml"
    for path, rows in zip(paths, (mentors, mentees), strict=False):
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    paths[2].write_text(CONFIG, encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return _write(tmp_path_factory.mktemp("sensitive"))


def _match(cohort: tuple[Path, Path, Path], fields: list[str], out: Path) -> Path:
    mentors, mentees, config = cohort
    program = out.parent / f"{out.name}.toml"
    listed = ", ".join(f'"{f}"' for f in fields)
    program.write_text(config.read_text(encoding="utf-8")
                       + f"\n[sensitive]\nfields = [{listed}]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["match", str(mentors), str(mentees), "--config",
                                      str(program), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return out


#: Files participants receive: plans, calendars, and the e-mails of the mail merge.
PARTICIPANT = re.compile(r"^(plans/|calendar/|introductions\.csv$|closures\.csv$)")


def _texts(out: Path) -> dict[str, str]:
    """Every file of the run folder as text (each part of an .xlsx), by relative path; the
    run record holds the config (the vocabularies' labels), not participants' values."""
    texts = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        relative = path.relative_to(out).as_posix()
        if relative == "run.json":
            continue
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                for part in book.namelist():
                    texts[f"{relative}:{part}"] = book.read(part).decode("utf-8", "replace")
        else:
            texts[relative] = path.read_bytes().decode("utf-8-sig", "replace")
    return texts


def _found(texts: dict[str, str], values: list[str]) -> list[str]:
    pattern = re.compile("|".join(rf"(?<![\w+-]){re.escape(v)}(?!\w)" for v in values), re.I)
    return [f"{name}: {hit[0]!r}" for name, text in texts.items()
            if (hit := pattern.search(text))]


def test_the_search_finds_the_values_that_outputs_print_when_no_field_is_sensitive(
        cohort, tmp_path):
    texts = _texts(_match(cohort, [], tmp_path / "control"))
    printed = {field for field, values in VALUES.items() if _found(texts, values)}
    assert printed >= {"career_stage", "specialty", "institution", "modes", "frequency",
                       "time_zone"}


@pytest.mark.parametrize("field", SENSITIVE_CAPABLE_FIELDS)
def test_a_field_listed_as_sensitive_appears_in_no_file_and_the_audit_reproduces_the_run(
        cohort, tmp_path, field):
    out = _match(cohort, [field], tmp_path / "run")
    texts = _texts(out)
    participant = {n: t for n, t in texts.items() if PARTICIPANT.match(n)}
    coordinator = {n: t for n, t in texts.items() if n not in participant}
    assert participant and "pairings.csv" in coordinator and "audit/cohort.json" in coordinator
    assert _found(participant, VALUES[field]) == []
    assert _found(coordinator, VALUES[field]) == []
    # Participants are never told that something about the other was left out.
    assert _found(participant, ["[withheld]", "sensitive", "not shown"]) == []
    assert not any("[withheld]" in text for text in coordinator.values())

    # The snapshot keeps what the audit needs: the run's own problem, solved again from the
    # folder, gives the same objective to the last digit, the same pairs and scores.
    run = load_run(out)
    again = resolve_run(run)
    assert again.result.objective == run.run.record["solver"]["objective"]
    recorded = {p.key: p.score for p in read_pairings(out / "pairings.csv")}
    assert {(p.mentee_id, p.mentor_id): round(float(p.score), 2)
            for n in again.networks for p in n.pairings} == recorded


@pytest.mark.parametrize("field", UNSCORED_SENSITIVE_FIELDS)
def test_a_field_withheld_from_scoring_is_said_so_in_the_explanations_and_the_warnings(
        cohort, tmp_path, field):
    mentors, mentees, _ = cohort
    out = _match(cohort, [field], tmp_path / "run")
    with (out / "explanations.csv").open(encoding="utf-8-sig", newline="") as handle:
        evidence = [row["evidence"] for row in csv.DictReader(handle)]
    words = field.replace("_", " ").replace("frequency", "meeting frequency")
    assert any("not scored" in e.lower() and words in e for e in evidence)
    result = CliRunner().invoke(cli, ["validate", str(mentors), str(mentees), "--config",
                                      str(out.parent / "run.toml")])
    assert f"[sensitive] fields lists '{field}'" in result.output
    assert "withheld from scoring" in result.output


def test_a_field_name_sensitive_cannot_hold_is_an_error_naming_the_key(cohort, tmp_path):
    mentors, mentees, config = cohort
    program = tmp_path / "typo.toml"
    program.write_text(config.read_text(encoding="utf-8")
                       + '\n[sensitive]\nfields = ["gendr"]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(mentors), str(mentees), "--config",
                                      str(program)])
    assert result.exit_code == 2
    assert "[sensitive] fields" in result.output and "gendr" in result.output
    assert "Traceback" not in result.output


def test_a_rematch_with_every_field_sensitive_leaks_nothing_and_reproduces(cohort, tmp_path):
    """Year 2 with every field the config accepts listed at once: continuing pairs' year-2
    plans, new pairs' introductions, ended pairs' closure notes and the rematch report hold
    no value either, and the audit reproduces the rematch."""
    mentors, mentees, _ = cohort
    first = _match(cohort, list(SENSITIVE_CAPABLE_FIELDS), tmp_path / "year1")
    pairs = sorted(p.key for p in read_pairings(first / "pairings.csv"))
    decisions = ("yes", "no", "unsure")
    feedback = tmp_path / "feedback.csv"
    with feedback.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(
            [("Mentee ID", "Mentor ID", "Continue?", "New goals",
              "Wants a new network member in area"),
             *((e, m, decisions[k % 3], "Lead a teaching program next year.", "")
               for k, (e, m) in enumerate(pairs))])
    out = tmp_path / "year2"
    result = CliRunner().invoke(cli, [
        "rematch", str(mentors), str(mentees), "--previous", str(first), "--feedback",
        str(feedback), "--config", str(tmp_path / "year1.toml"), "--out", str(out),
        "--quiet"])
    assert result.exit_code == 0, result.output
    texts = _texts(out)
    assert "closures.csv" in texts and any("Year-2 plan" in t for t in texts.values())
    every_value = [v for values in VALUES.values() for v in values]
    assert _found(texts, every_value) == []
    assert _found({n: t for n, t in texts.items() if PARTICIPANT.match(n)},
                  ["[withheld]", "sensitive", "not shown"]) == []
    diff = CliRunner().invoke(cli, ["diff", str(first), str(out)])
    assert diff.exit_code == 0 and _found({"diff": diff.output}, every_value) == []
    run = load_run(out)
    assert resolve_run(run).result.objective == run.run.record["solver"]["objective"]


@pytest.mark.parametrize("field", ["career_stage", "specialty", "institution", "frequency"])
def test_a_match_on_table_reading_a_sensitive_field_is_an_error_naming_both_keys(
        cohort, tmp_path, field):
    """A [match_on] reward or rule on a sensitive field would tell the pair its value
    ("Same specialty"), like a custom rule would: refused, as custom rules are."""
    mentors, mentees, config = cohort
    table = f'\n[match_on.same_thing]\nfield = "{field}"\nkind = "reward"\n'
    program = tmp_path / "match_on.toml"
    program.write_text(config.read_text(encoding="utf-8") + table, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(mentors), str(mentees), "--config",
                                      str(program)])
    assert result.exit_code == 0, result.output  # the same table, the field not sensitive
    program.write_text(config.read_text(encoding="utf-8") + table
                       + f'\n[sensitive]\nfields = ["{field}"]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(mentors), str(mentees), "--config",
                                      str(program)])
    assert result.exit_code == 2, result.output
    assert "[match_on.same_thing]" in result.output and "[sensitive] fields" in result.output
    assert "Traceback" not in result.output
