"""The sample cohort generator (sample_data/generate.py) and the shipped sample files.

What users rely on: the same seed writes byte-identical files; every answer the generator
writes is understood by sample_data/program.toml; the shipped sample is exactly what the
documented command produces and validates without errors; the cohort has the structure
benchmarks need (scarcity, seniority, networks, exclusions naming real people).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sample_data import generate as gen
from scoring.config import load_config

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
CONFIG_PATH = SAMPLE / "program.toml"


@pytest.fixture(scope="module")
def config():
    return load_config(CONFIG_PATH)


@pytest.fixture(scope="module")
def cohort():
    """A mid-sized cohort for structural checks (big enough for stable proportions)."""
    return gen.generate(3000, 800, seed=11)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _split(cells: pd.Series) -> pd.Series:
    """Multi-select cells → one answer per row (the separators program.toml declares)."""
    answers = cells[cells != ""].str.split(r"\s*[;,]\s*").explode()
    return answers[answers != ""]


def test_program_config_loads_with_a_column_for_every_form_question(config):
    assert config.program.id_field == "email"
    assert list(config.columns("mentors")) == [h for h in gen.MENTOR_HEADERS
                                               if h != gen.TIMESTAMP]
    assert list(config.columns("mentees")) == [h for h in gen.MENTEE_HEADERS
                                               if h != gen.TIMESTAMP]
    assert config.vocabulary("career_stage").values[0] == "medical_student"
    assert config.vocabulary("frequency").values == ("weekly", "biweekly", "monthly",
                                                      "quarterly")


def test_no_spelling_in_program_toml_means_two_different_things(config):
    from scoring.text import fold
    for name, table in config.vocabulary_tables().items():
        owner: dict[str, str] = {}
        for canonical, synonyms in table.items():
            for spelling in (canonical, canonical.replace("_", " "), *synonyms):
                assert fold(spelling), f"[vocabularies.{name}] {spelling!r} folds to nothing"
                assert owner.setdefault(fold(spelling), canonical) == canonical, (
                    f"[vocabularies.{name}] {spelling!r} is listed under both "
                    f"{owner[fold(spelling)]} and {canonical}")
                if name != "institutions":
                    assert not re.search(r"[;,]", spelling), (
                        f"{spelling!r} contains a separator; multi-select cells would split it")


def test_same_seed_writes_identical_bytes_and_another_seed_differs(tmp_path):
    first = gen.write(tmp_path / "a", 120, 40, seed=5)
    again = gen.write(tmp_path / "b", 120, 40, seed=5)
    other = gen.write(tmp_path / "c", 120, 40, seed=6)
    for a, b, c in zip(first, again, other, strict=True):
        assert a.read_bytes() == b.read_bytes()
        assert a.read_bytes() != c.read_bytes()


@pytest.mark.parametrize(("n_mentees", "n_mentors"), [(0, 0), (1, 1), (37, 11), (20000, 5000)])
def test_sizes_and_unique_ids(n_mentees, n_mentors):
    mentors, mentees = gen.generate(n_mentees, n_mentors, seed=3)
    assert mentors.shape == (n_mentors, len(gen.MENTOR_HEADERS))
    assert mentees.shape == (n_mentees, len(gen.MENTEE_HEADERS))
    assert mentors[gen.EMAIL].is_unique and mentees[gen.EMAIL].is_unique
    assert (mentees[gen.NAME] != "").all() and (mentors[gen.NAME] != "").all()


def test_every_answer_is_in_the_program_vocabularies(config, cohort):
    mentors, mentees = cohort
    checks = [
        (mentors, gen.STAGE, "career_stage", False), (mentees, gen.STAGE, "career_stage", False),
        (mentors, gen.EXPERTISE, "areas", True), (mentees, gen.NEEDS, "areas", True),
        (mentors, gen.ROLES, "roles", True), (mentees, gen.HELP_WANTED, "roles", True),
        (mentors, gen.MODES, "modes", True), (mentees, gen.MODES, "modes", True),
        (mentors, gen.FREQUENCY, "frequency", False), (mentees, gen.FREQUENCY, "frequency", False),
        (mentors, gen.MENTOR_LANGUAGES, "languages", True),
        (mentees, gen.MENTEE_LANGUAGES, "languages", True),
        (mentees, gen.PREFERENCES, "preferences", True),
        (mentors, gen.INSTITUTION, "institutions", False),
        (mentees, gen.INSTITUTION, "institutions", False),
    ]
    for frame, column, vocabulary_name, multi in checks:
        vocabulary = config.vocabulary(vocabulary_name)
        answers = _split(frame[column]) if multi else frame[column]
        unknown = sorted({a for a in answers if vocabulary.lookup(a) is None})
        assert not unknown, f"{column}: not in [vocabularies.{vocabulary_name}]: {unknown}"
    areas = config.vocabulary("areas")
    assert [areas.lookup(a.label) for a in gen.AREAS] == [a.key for a in gen.AREAS]


def test_cohort_has_the_structure_matching_needs(config, cohort):
    mentors, mentees = cohort
    stage = config.vocabulary("career_stage")
    mentor_rank = mentors[gen.STAGE].map(lambda s: stage.rank(stage.lookup(s)))
    mentee_rank = mentees[gen.STAGE].map(lambda s: stage.rank(stage.lookup(s)))
    assert mentor_rank.mean() > mentee_rank.mean() + 1
    assert (mentee_rank >= mentor_rank.min()).any()  # senior on average, not always

    # Scarcity: some areas are asked for far more often than mentors offer them.
    areas = config.vocabulary("areas")
    demand = _split(mentees[gen.NEEDS]).map(areas.lookup).value_counts() / len(mentees)
    supply = _split(mentors[gen.EXPERTISE]).map(areas.lookup).value_counts() / len(mentors)
    pressure = (demand / supply).sort_values()
    assert pressure["ai_data_science"] > 3 * pressure["clinical_skills"]
    assert pressure.iloc[-1] > 2 * pressure.median()

    # Networks of 2-3 ask for coaches/advisors; capacities span 1-5.
    networks = mentees[mentees[gen.NETWORK_SIZE].astype(int) > 1]
    assert 0.15 < len(networks) / len(mentees) < 0.45
    assert networks[gen.HELP_WANTED].str.contains("Coach|Advisor").mean() > 0.9
    assert set(mentors[gen.CAPACITY].astype(int)) == {1, 2, 3, 4, 5}

    # Exclusions name real people on the other sheet.
    excluded_mentors = _split(mentees[gen.EXCLUDE])
    excluded_mentees = _split(mentors[gen.EXCLUDE])
    assert len(excluded_mentors) > 0 and len(excluded_mentees) > 0
    assert excluded_mentors.isin(mentors[gen.EMAIL]).all()
    assert excluded_mentees.isin(mentees[gen.EMAIL]).all()

    # Mostly North American time zones and English; both separators appear.
    offsets = mentees[gen.TIME_ZONE].str.replace("UTC", "").astype(int)
    assert 0.75 < offsets.between(-10, -3).mean() < 0.97 and (offsets > 0).any()
    assert mentees[gen.MENTEE_LANGUAGES].str.contains("English").mean() > 0.9
    assert mentees[gen.MENTEE_LANGUAGES].str.contains("Spanish|French|Mandarin").any()
    for separator in (", ", "; "):
        assert mentees[gen.NEEDS].str.contains(separator, regex=False).any()

    # Sensitive columns are optional but filled whenever a mentee opts in.
    same_gender = mentees[gen.PREFERENCES].str.contains("same gender")
    assert (mentees.loc[same_gender, gen.MENTEE_GENDER] != "").all()
    assert 0.3 < (mentees[gen.MENTEE_GENDER] == "").mean() < 0.6

    # A few people sign up on both sheets.
    assert 0 < mentees[gen.EMAIL].isin(mentors[gen.EMAIL]).sum() <= 0.03 * len(mentees)


def test_goals_and_bios_read_like_their_areas(config, cohort):
    mentors, mentees = cohort
    areas = config.vocabulary("areas")
    brachy_wanted = _split(mentees[gen.NEEDS]).map(areas.lookup) == "brachytherapy"
    asks = mentees.index.isin(brachy_wanted[brachy_wanted].index)
    mentions = mentees[gen.GOALS].str.contains("brachytherapy|seed implant", case=False)
    assert mentions[asks].mean() > 3 * mentions[~asks].mean()
    assert mentees[gen.GOALS].nunique() > 0.9 * len(mentees)
    assert mentors[gen.BIO].nunique() == len(mentors)


def test_quirks_are_planted_on_separate_rows_and_logged():
    mentors, mentees = gen.generate(gen.SAMPLE_MENTEES, gen.SAMPLE_MENTORS, gen.SAMPLE_SEED)
    q_mentors, q_mentees, log = gen.apply_quirks(mentors, mentees)
    assert len(log) == len(gen.QUIRKS) + 1
    changed = (q_mentors != mentors).to_numpy().sum() + (q_mentees != mentees).to_numpy().sum()
    assert changed == len(log)
    assert (q_mentors != mentors).any(axis=1).sum() + (q_mentees != mentees).any(axis=1).sum() \
        == len(log)
    assert any("Español" in line for line in log)
    with pytest.raises(ValueError, match="larger cohort"):
        gen.apply_quirks(*gen.generate(2, 2, seed=1))


def test_shipped_sample_is_what_the_documented_command_writes(tmp_path):
    assert gen.main(["--mentees", str(gen.SAMPLE_MENTEES), "--mentors", str(gen.SAMPLE_MENTORS),
                     "--seed", str(gen.SAMPLE_SEED), "--quirks", "--xlsx",
                     "--out", str(tmp_path)]) == 0
    for name in ("mentors.csv", "mentees.csv"):
        assert (SAMPLE / name).read_bytes() == (tmp_path / name).read_bytes(), (
            f"sample_data/{name} drifted from the generator; regenerate it with the command in "
            f"sample_data/README.md")
    for sheet, name in (("Mentors", "mentors.csv"), ("Mentees", "mentees.csv")):
        workbook = pd.read_excel(SAMPLE / "cohort.xlsx", sheet_name=sheet, dtype=str,
                                 keep_default_na=False)
        pd.testing.assert_frame_equal(workbook, _read(SAMPLE / name))


def test_shipped_sample_validates_and_reads_like_the_clean_cohort(config, tmp_path):
    intake = pytest.importorskip("scoring.intake.cohort")
    shipped = intake.read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", config)
    assert shipped.errors == []
    assert (len(shipped.mentors), len(shipped.mentees)) == (gen.SAMPLE_MENTORS,
                                                            gen.SAMPLE_MENTEES)
    workbook = intake.read_cohort(SAMPLE / "cohort.xlsx", SAMPLE / "cohort.xlsx", config)
    assert workbook.errors == []
    assert workbook.mentors == shipped.mentors and workbook.mentees == shipped.mentees

    # Every planted quirk keeps its meaning: intake reads the same people as without them.
    gen.write(tmp_path, gen.SAMPLE_MENTEES, gen.SAMPLE_MENTORS, gen.SAMPLE_SEED)
    clean = intake.read_cohort(tmp_path / "mentors.csv", tmp_path / "mentees.csv", config)
    assert shipped.mentors == clean.mentors
    assert shipped.mentees == clean.mentees
    capacities = {m.capacity for m in shipped.mentors}
    assert capacities <= set(range(1, 6))
    assert np.isfinite([m.time_zone for m in shipped.mentees]).all()
