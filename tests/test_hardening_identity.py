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
