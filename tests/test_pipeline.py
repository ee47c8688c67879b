"""run_match on the shipped sample cohort, and the locks / forbids sheet reader."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import numpy as np
import pytest

from matcher.pipeline import Lock, run_match, specialties
from scoring.config import load_config
from scoring.errors import InputError, IntakeError, InvalidCohortError
from scoring.features import build_features
from scoring.intake.cohort import read_cohort
from scoring.intake.pair_sheets import read_pair_sheet
from scoring.scorer import score_cohort

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


@pytest.fixture(scope="module")
def sample():
    config = load_config(SAMPLE / "program.toml")
    return read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", config), config


def test_run_match_gives_one_network_per_mentee_within_capacity(sample):
    cohort, config = sample
    outcome = run_match(cohort, config, network_size=1, progress=False)
    assert [n.mentee_id for n in outcome.networks] == [m.id for m in cohort.mentees]
    loads: dict[str, int] = {}
    for network in outcome.networks:
        assert len(network.pairings) <= 1
        assert (network.unplaced_reason is None) == bool(network.pairings)
        for pairing in network.pairings:
            loads[pairing.mentor_id] = loads.get(pairing.mentor_id, 0) + 1
    capacity = {m.id: m.capacity for m in cohort.mentors}
    assert all(loads[j] <= capacity[j] for j in loads)
    assert outcome.result.status == "optimal" and outcome.objective == "total"


def test_locks_and_forbids_from_sheets_are_honoured(sample, tmp_path):
    cohort, config = sample
    first = run_match(cohort, config, network_size=1, progress=False)
    placed = [n for n in first.networks if n.pairings]
    keep, ban = placed[0].pairings[0], placed[1].pairings[0]
    locks = tmp_path / "locks.csv"
    locks.write_text(f"Mentee ID,Mentor ID,note\n{keep.mentee_id},{keep.mentor_id},x\n")
    forbid = tmp_path / "forbid.csv"
    forbid.write_text(f"mentee_id,mentor_id\n{ban.mentee_id.upper()},{ban.mentor_id}\n")
    lock_pairs = cast(tuple[Lock, ...], read_pair_sheet(locks, cohort))  # two ids a row
    forbid_pairs = read_pair_sheet(forbid, cohort)
    assert forbid_pairs == ((ban.mentee_id, ban.mentor_id),)
    outcome = run_match(cohort, config, network_size=1, locks=lock_pairs,
                        forbids=forbid_pairs, progress=False)
    pairs = {(p.mentee_id, p.mentor_id): p for n in outcome.networks for p in n.pairings}
    assert pairs[(keep.mentee_id, keep.mentor_id)].locked
    assert (ban.mentee_id, ban.mentor_id) not in pairs


def test_pair_sheet_problems_name_file_row_and_column(sample, tmp_path):
    cohort, _ = sample
    sheet = tmp_path / "locks.csv"
    sheet.write_text(f"mentee_id,mentor_id\n{cohort.mentees[0].id},nobody@example.com\n,x\n")
    with pytest.raises(InvalidCohortError) as caught:
        read_pair_sheet(sheet, cohort)
    rows = {(p.row, p.column) for p in caught.value.problems}
    assert (2, "mentor_id") in rows and (3, "mentee_id") in rows
    assert "row 2" in str(caught.value)
    bad = tmp_path / "bad.csv"
    bad.write_text("who,whom\na,b\n")
    with pytest.raises(IntakeError, match="no mentee and mentor id column"):
        read_pair_sheet(bad, cohort)


def test_lock_over_capacity_is_an_input_error_naming_the_mentor(sample):
    cohort, config = sample
    mentor = cohort.mentors[0]
    locks = [(m.id, mentor.id) for m in cohort.mentees[:mentor.capacity + 1]]
    with pytest.raises(InputError, match=mentor.id):
        run_match(cohort, config, network_size=1, locks=locks, progress=False)


def test_networks_cover_distinct_areas_in_every_objective(sample):
    cohort, config = sample
    for objective in ("total", "fair"):
        outcome = run_match(cohort, config, objective=objective, network_size=2,
                            progress=False)
        assert outcome.result.status == "optimal"
        for network in outcome.networks:
            covers = [p.covers for p in network.specialists]
            assert None not in covers and len(set(covers)) == len(covers)
            assert len({p.mentor_id for p in network.pairings}) == len(network.pairings)


def test_keep_bonus_changes_the_choice_but_never_the_reported_scores(sample):
    cohort, config = sample
    plain = run_match(cohort, config, network_size=1, progress=False)
    made = {(p.mentee_id, p.mentor_id): p.score for n in plain.networks for p in n.pairings}
    scores = score_cohort(cohort, config)
    # an eligible pair the plain run did not make, for a mentee it placed
    i, j = next((i, j) for i, j in zip(*np.nonzero(scores.eligible), strict=True)
                if (cohort.mentees[i].id, cohort.mentors[j].id) not in made
                and any(key[0] == cohort.mentees[i].id for key in made))
    key = (cohort.mentees[i].id, cohort.mentors[j].id)
    outcome = run_match(cohort, config, network_size=1, keep_bonus={key: 100.0},
                        progress=False)
    pairs = {(p.mentee_id, p.mentor_id): p.score for n in outcome.networks for p in n.pairings}
    assert key in pairs  # 100 points outweigh any score difference
    assert pairs[key] == pytest.approx(scores.total[i, j])  # reported: the scorer's score
    assert outcome.result.stats["keep_bonus_points"] == 100.0
    assert outcome.result.objective == pytest.approx(sum(pairs.values()))
    assert outcome.result.objective < plain.result.objective  # the bonus bought the change
    assert all(made[k] == v for k, v in pairs.items() if k in made)


def test_locks_may_name_the_role(sample):
    cohort, config = sample
    features = build_features(cohort, config)
    labels, wants, offers = specialties(features)
    first = run_match(cohort, config, network_size=2, progress=False)
    index = cohort.mentor_index()

    def swappable(network) -> bool:  # the primary brings a wanted area the specialist lacks
        if len(network.pairings) != 2:
            return False
        i = cohort.mentee_index()[network.mentee_id]
        p, s = index[network.primary.mentor_id], index[network.specialists[0].mentor_id]
        return bool((wants[i] & offers[p] & ~offers[s]).any())

    network = next(n for n in first.networks if swappable(n))
    primary, specialist = network.primary, network.specialists[0]
    assert primary is not None  # swappable read it
    swapped = run_match(cohort, config, network_size=2, progress=False, locks=[
        (network.mentee_id, specialist.mentor_id, "primary"),
        (network.mentee_id, primary.mentor_id, "specialist")])
    got = next(n for n in swapped.networks if n.mentee_id == network.mentee_id)
    assert {p.mentor_id: (p.role, p.locked) for p in got.pairings} == {
        specialist.mentor_id: ("primary", True), primary.mentor_id: ("specialist", True)}
    assert got.specialists[0].covers in labels
    with pytest.raises(InputError, match="role 'boss'"):
        run_match(cohort, config, network_size=2, progress=False,
                  locks=[(network.mentee_id, primary.mentor_id, "boss")])


def test_locks_sheet_may_give_role_and_covered_area(sample, tmp_path):
    cohort, _ = sample
    mentee, mentors = cohort.mentees[0].id, [m.id for m in cohort.mentors[:3]]
    sheet = tmp_path / "locks.csv"
    sheet.write_text("mentee_id,mentor_id,Role,Covers\n"
                     f"{mentee},{mentors[0]},,\n{mentee},{mentors[1]},Specialist,Research\n"
                     f"{mentee},{mentors[2]},boss,\n")
    with pytest.raises(InvalidCohortError) as caught:
        read_pair_sheet(sheet, cohort, roles=True)
    assert [(p.row, p.column) for p in caught.value.problems] == [(4, "Role")]
    sheet.write_text("\n".join(sheet.read_text().splitlines()[:3]) + "\n")
    assert read_pair_sheet(sheet, cohort, roles=True) == (
        (mentee, mentors[0]), (mentee, mentors[1], "specialist", "Research"))
    assert read_pair_sheet(sheet, cohort) == ((mentee, mentors[0]), (mentee, mentors[1]))
