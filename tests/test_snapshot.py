"""The cohort snapshot of a run folder: same scores as the intake, no raw sensitive value."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from matcher.runfolder.snapshot import read_snapshot, snapshot_bytes
from scoring.config import ProgramConfig, config_from_dict, load_config
from scoring.errors import InputError
from scoring.explain import explain_pairs
from scoring.intake.cohort import read_cohort
from scoring.profiles import Cohort, Mentee, Mentor
from scoring.scorer import COMPONENTS, score_cohort

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
#: Planted sensitive values: none may appear in the snapshot, in any letter case.
GENDER_X, GENDER_Y = "Zorblaxian", "Quuxette"
BACKGROUNDS = ("Fenwickshire upbringing", "Glimmerdale veteran")


@pytest.fixture(scope="module")
def sample() -> tuple[Cohort, ProgramConfig]:
    config = load_config(SAMPLE / "program.toml")
    return read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", config), config


def planted_cohort() -> tuple[Cohort, ProgramConfig]:
    """Mentees opting into same gender / shared background, with honoured and unmet cases."""
    config = config_from_dict({"vocabularies": {"areas": {"research": [], "clinical": []}}})
    mentors = [
        Mentor(id="m1", name="Mo One", career_stage="senior", expertise_areas=("research",),
               gender=GENDER_X, background=f"{BACKGROUNDS[0]}; {BACKGROUNDS[1]}", capacity=2,
               extra={"Timestamp": "2025-01-01 09:00"}),
        Mentor(id="m2", name="Mo Two", career_stage="senior", expertise_areas=("clinical",),
               gender=GENDER_Y.upper(), background=BACKGROUNDS[1], capacity=2),
        Mentor(id="m3", name="Mo Three", career_stage="senior", expertise_areas=("research",),
               gender="", background="", capacity=2),
    ]
    mentees = [
        Mentee(id="e1", name="Ee One", career_stage="resident", need_areas=("research",),
               goals="research grants", preferences=("same_gender",), gender=GENDER_Y.lower()),
        Mentee(id="e2", name="Ee Two", career_stage="resident", need_areas=("clinical",),
               goals="clinical skills", preferences=("shared_background", "same_gender"),
               gender=GENDER_X, background=BACKGROUNDS[0].upper()),
        Mentee(id="e3", name="Ee Three", career_stage="resident", need_areas=("research",),
               goals="", gender=GENDER_X, background=BACKGROUNDS[1]),  # opted into nothing
    ]
    return Cohort(mentors=mentors, mentees=mentees), config


def test_scores_and_explanations_from_the_snapshot_equal_the_intake(sample) -> None:
    cohort, config = sample
    restored = read_snapshot(snapshot_bytes(cohort, config))
    before, after = score_cohort(cohort, config), score_cohort(restored, config)
    assert np.array_equal(before.total, after.total)
    assert np.array_equal(before.eligible, after.eligible)
    for name in COMPONENTS:
        assert np.array_equal(before.components[name], after.components[name]), name
    opted = [m.id for m in cohort.mentees if m.preferences][:5]
    pairs = [(e, m.id) for e in opted + [cohort.mentees[0].id] for m in cohort.mentors]
    assert explain_pairs(cohort, config, pairs) == explain_pairs(restored, config, pairs)


def test_planted_sensitive_values_never_appear_and_preferences_score_the_same() -> None:
    cohort, config = planted_cohort()
    data = snapshot_bytes(cohort, config)
    text = data.decode("utf-8").casefold()
    for value in (GENDER_X, GENDER_Y, *BACKGROUNDS, *BACKGROUNDS[0].split()):
        assert value.casefold() not in text, value
    restored = read_snapshot(data)
    before, after = score_cohort(cohort, config), score_cohort(restored, config)
    preferences = before.components["preferences"]
    assert preferences.min() < 1.0 and preferences[:2].max() == 1.0  # both outcomes occur
    assert np.array_equal(preferences, after.components["preferences"])
    assert np.array_equal(before.total, after.total)


def test_equal_values_share_a_pseudonym_and_unused_ones_are_dropped() -> None:
    cohort, config = planted_cohort()
    restored = read_snapshot(snapshot_bytes(cohort, config))
    m1, m2, m3 = restored.mentors
    e1, e2, e3 = restored.mentees
    assert e1.gender == m2.gender != m1.gender == e2.gender  # case differences do not matter
    assert m3.gender == ""  # a blank stays blank
    assert e3.gender == "" and e3.background == ""  # e3 opted into nothing: never read
    assert e1.background == ""  # e1 did not ask for a shared background
    m1_pieces = set(m1.background.split(";"))
    assert e2.background in m1_pieces and m2.background in m1_pieces and len(m1_pieces) == 2


def test_every_other_field_round_trips_and_bytes_are_deterministic() -> None:
    cohort, config = planted_cohort()
    data = snapshot_bytes(cohort, config)
    assert data == snapshot_bytes(cohort, config)
    restored = read_snapshot(data)
    people: list[Mentor | Mentee] = [*cohort.mentors, *cohort.mentees]
    restored_people: list[Mentor | Mentee] = [*restored.mentors, *restored.mentees]
    for old, new in zip(people, restored_people, strict=True):
        assert type(old) is type(new)
        assert (dataclasses.replace(old, gender="", background="")
                == dataclasses.replace(new, gender="", background=""))
        assert new.extra == {}  # unmapped columns are not kept


def test_the_key_depends_on_data_the_run_folder_does_not_hold() -> None:
    """Pseudonyms change when only an unmapped column changes, so the snapshot's own
    content is not enough to recompute the key and test a guess."""
    cohort, config = planted_cohort()
    changed = dataclasses.replace(cohort.mentors[0], extra={"Timestamp": "2025-01-02 10:00"})
    other = Cohort(mentors=[changed, *cohort.mentors[1:]], mentees=cohort.mentees)
    first, second = read_snapshot(snapshot_bytes(cohort, config)), \
        read_snapshot(snapshot_bytes(other, config))
    assert first.mentors[0].gender != second.mentors[0].gender
    assert first.mentors[1].name == second.mentors[1].name


def test_damaged_or_missing_snapshots_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="rerun"):
        read_snapshot(tmp_path / "audit" / "cohort.json")
    with pytest.raises(InputError, match="not valid JSON"):
        read_snapshot(b"{ not json")
    with pytest.raises(InputError, match="not a mentormatch cohort snapshot"):
        read_snapshot(b'{"format": "something-else"}')
    cohort, config = planted_cohort()
    broken = snapshot_bytes(cohort, config).replace(b'"capacity"', b'"kapacity"', 1)
    with pytest.raises(InputError, match="'capacity' is missing"):
        read_snapshot(broken)
