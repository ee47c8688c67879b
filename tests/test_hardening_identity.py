"""Identity: one person is one id and one set of files, on every common file system."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli
from matcher.outputs.plans import file_stems
from scoring.intake.normalise import normalise_email, normalise_id

CORPUS = Path(__file__).parent / "corpus"


def test_ids_in_two_unicode_forms_are_one_id():
    composed, decomposed = "jos\u00e9@example.org", "jose\u0301@example.org"
    assert unicodedata.normalize("NFC", decomposed) == composed != decomposed
    assert normalise_id(decomposed) == normalise_id(composed) == composed
    assert normalise_email("Jose\u0301@Example.org") == composed
    assert normalise_id("R\u00e9my-01") == normalise_id("Re\u0301my-01") == "R\u00e9my-01"


def test_two_spellings_of_one_email_are_a_duplicate(tmp_path):
    header, ana, ben = (CORPUS / "good_mentors.csv").read_text(encoding="utf-8").splitlines()
    twin = ana.replace("ana@example.org", "ANA@Example.org")
    mentors = tmp_path / "mentors.csv"
    mentors.write_text("\n".join([header, ana, ben, twin]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(mentors), str(CORPUS / "good_mentees.csv"),
                                      "--config", str(CORPUS / "corpus.toml")])
    assert result.exit_code == 2 and "already used on row 2" in result.output, result.output


def test_plan_file_names_differ_ignoring_case():
    stems = file_stems([("Ann", "M1"), ("ann", "M1"), ("ANN", "m1")])
    assert len({stem.casefold() for stem in stems.values()}) == 3


def test_plan_file_names_are_never_windows_device_names():
    stems = file_stems([("aux", "m"), ("com1.example.org", "m"), ("NUL", "lpt9"),
                        ("auxiliary", "m")])
    for stem in stems.values():
        base = stem.split(".")[0].casefold()
        assert base not in {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} \
            | {f"lpt{i}" for i in range(10)}, stem
    assert stems[("auxiliary", "m")] == "auxiliary__m"


def test_a_duplicate_id_names_both_rows_and_both_spellings(tmp_path):
    header, ana, ben = (CORPUS / "good_mentors.csv").read_text(encoding="utf-8").splitlines()
    decomposed = ana.replace("ana@example.org", "Ana\u0301@Example.org")
    composed = ben.replace("ben@example.org", "AN\u00c1@example.ORG")
    mentors = tmp_path / "mentors.csv"
    mentors.write_text("\n".join([header, decomposed, ben, composed]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(mentors), str(CORPUS / "good_mentees.csv"),
                                      "--config", str(CORPUS / "corpus.toml")])
    assert result.exit_code == 2, result.output
    line = next(x for x in result.output.splitlines() if "already" in x or "one id" in x)
    # Row 4 against row 2, each cell as written (the decomposed accent shown as an escape,
    # so the two spellings are told apart), and the id they both are.
    assert "row 4" in line and "already used on row 2" in line, line
    assert "written 'Ana\u0301@Example.org' there and 'AN\u00c1@example.ORG' here" in line, line
    assert "both are the id 'an\u00e1@example.org'" in line, line


def test_a_duplicate_id_differing_only_in_accent_encoding_says_so(tmp_path):
    header, ana, ben = (CORPUS / "good_mentors.csv").read_text(encoding="utf-8").splitlines()
    first = ana.replace("ana@example.org", "an\u00e1@example.org")
    second = ben.replace("ben@example.org", "ana\u0301@example.org")
    mentors = tmp_path / "mentors.csv"
    mentors.write_text("\n".join([header, first, second]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(mentors), str(CORPUS / "good_mentees.csv"),
                                      "--config", str(CORPUS / "corpus.toml")])
    assert result.exit_code == 2, result.output
    assert "their accents encoded differently" in result.output, result.output
