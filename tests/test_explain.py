"""Explanations: points read from the scorer's own arrays and summing exactly to the
printed score, evidence in words, reasons, comparisons and top candidates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sample_data import generate
from scoring.config import ProgramConfig, config_from_dict, load_config
from scoring.explain import (
    UnknownIdError,
    compare,
    explain_pairs,
    rounded_points,
    top_candidates,
)
from scoring.features import build_features
from scoring.profiles import Cohort, Mentee, Mentor
from scoring.scorer import COMPONENTS, score_block

ROOT = Path(__file__).resolve().parents[1]
AREAS: dict[str, list[str]] = {"research": [], "grant_writing": [], "teaching": [],
                               "leadership": []}
CONFIG = config_from_dict({"vocabularies": {"areas": AREAS}})


def tenths(value: float) -> int:
    return round(value * 10)


@given(st.lists(st.floats(0, 30, allow_nan=False), min_size=1, max_size=9))
def test_rounded_points_add_up_to_the_rounded_total(raw):
    score = round(sum(raw), 1)
    points = rounded_points(raw, score)
    assert sum(tenths(p) for p in points) == tenths(score)
    assert all(abs(p - r) < 0.1 + 1e-9 for p, r in zip(points, raw, strict=True))


def test_largest_remainder_gives_the_missing_tenth_to_the_biggest_loss():
    # 3 x 33.333... = 100.0: floors give 99.9, the first of the tied remainders gets 0.1
    assert rounded_points([100 / 3] * 3, 100.0) == [33.4, 33.3, 33.3]
    assert rounded_points([10.04, 10.06, 0.0], 20.1) == [10.0, 10.1, 0.0]


def sample_cohort(tmp_path_factory) -> tuple[Cohort, ProgramConfig]:
    """The shipped sample cohort, or the same one generated (seed 2027) until it is shipped."""
    from scoring.intake.cohort import read_cohort

    folder = ROOT / "sample_data"
    if not (folder / "mentors.csv").is_file():
        folder = tmp_path_factory.mktemp("sample")
        generate.write(folder, 150, 60, 2027, quirks=True)
    config = load_config(ROOT / "sample_data" / "program.toml")
    return read_cohort(folder / "mentors.csv", folder / "mentees.csv", config), config


def test_points_sum_to_the_printed_score_for_every_pair_of_the_sample_cohort(
        tmp_path_factory):
    cohort, config = sample_cohort(tmp_path_factory)
    assert not cohort.errors
    features = build_features(cohort, config)
    pairs = [(e.id, m.id) for e in cohort.mentees for m in cohort.mentors]
    explanations = explain_pairs(cohort, config, pairs, features)
    block = score_block(features, config, slice(None))
    assert len(explanations) == len(cohort.mentees) * len(cohort.mentors)
    for k, pair in enumerate(explanations):
        i, j = divmod(k, len(cohort.mentors))
        assert pair.score == round(float(block.total[i, j]), 1)
        assert sum(tenths(c.points) for c in pair.components) == tenths(pair.score)
        assert f"{sum(c.points for c in pair.components):.1f}" == f"{pair.score:.1f}"
        assert pair.eligible == bool(block.eligible[i, j])
        # the values are the scorer's own arrays, not a recomputation
        assert [c.value for c in pair.components] == [
            float(block.components[name][i, j]) for name in COMPONENTS]
    assert {p.eligible for p in explanations} == {True, False}


def hand_cohort() -> Cohort:
    mentees = [Mentee(
        id="ana", name="Ana", career_stage="resident",
        need_areas=("research", "grant_writing", "teaching"),
        goals="Win my first grant; research on sarcoma outcomes",
        help_wanted=("mentor", "coach"), modes=("video", "phone"), frequency="monthly",
        time_zone=-5.0, languages=("english",), specialty="Sarcoma", gender="Woman",
        preferences=("same_specialty", "same_gender"))]
    mentors = [
        Mentor(id="bo", name="Bo", career_stage="mid_career",
               expertise_areas=("grant_writing", "research"),
               bio="Sarcoma outcomes research and grant review", roles=("mentor",),
               modes=("video",), frequency="monthly", time_zone=-8.0, languages=("english",),
               specialty="sarcoma", gender="Man"),
        Mentor(id="cy", name="Cy", career_stage="student", expertise_areas=("teaching",),
               bio="Teaching", roles=("coach",), languages=("english",)),
        Mentor(id="ana", name="Ana", career_stage="senior", languages=("english",)),
    ]
    return Cohort(mentors=mentors, mentees=mentees)


def test_evidence_names_areas_terms_modes_hours_and_preferences():
    pair = explain_pairs(hand_cohort(), CONFIG, [("ana", "bo")])[0]
    evidence = {c.name: c.evidence for c in pair.components}
    assert evidence["need_coverage"] == ("Covers 2 of 3 areas you asked for: research, "
                                         "grant writing")
    assert pair.shared_areas == ("research", "grant writing")
    assert "sarcoma outcomes" in pair.shared_terms and "grant" in pair.shared_terms
    assert evidence["role_fit"] == ("Offers 1 of 2 kinds of help you want: mentor (not coach)")
    assert evidence["stage_gap"].startswith("Mentor is 3 stages senior to you")
    assert evidence["communication"] == "Both use video; both want to meet monthly"
    assert pair.shared_modes == ("video",)
    assert evidence["time_zone"] == "3 hours apart (UTC-5 vs UTC-8)"
    assert evidence["preferences"] == ("Honours your preference for same specialty; "
                                       "not same gender")
    text = " ".join(evidence.values())
    assert "Woman" not in text and "Man" not in text  # sensitive values are never printed


def test_reasons_are_the_top_components_by_points():
    pair = explain_pairs(hand_cohort(), CONFIG, [("ana", "bo")])[0]
    by_points = sorted(pair.components, key=lambda c: -c.points)
    assert pair.reasons(2) == [by_points[0].evidence, by_points[1].evidence]
    assert pair.reasons(2)[0].startswith("Covers 2 of 3 areas you asked for")


def test_neutral_components_are_not_offered_as_reasons():
    cohort = Cohort(mentees=[Mentee(id="e", name="e", help_wanted=("coach",))],
                    mentors=[Mentor(id="m", name="m", roles=("coach",))])
    pair = explain_pairs(cohort, CONFIG, [("e", "m")])[0]
    assert pair.reasons(7) == ["Offers the help you want: coach"]


def test_an_ineligible_pair_names_the_rules_it_breaks():
    pairs = explain_pairs(hand_cohort(), CONFIG, [("ana", "cy"), ("ana", "ana")])
    assert not pairs[0].eligible and pairs[0].broken_rules == ("mentor_more_senior",)
    assert pairs[0].reasons(1) == ["Not eligible: the mentor is not at a later career stage "
                                   "than the mentee"]
    assert pairs[1].broken_rules == ("not_same_person",)


def test_compare_explains_b_against_c_component_by_component():
    result = compare(hand_cohort(), CONFIG, "ana", "bo", "cy")
    assert [d.name for d in result.differences] == list(COMPONENTS)
    assert sum(tenths(d.difference) for d in result.differences) == tenths(
        result.b.score - result.c.score)
    summary = result.summary()
    assert summary[0].startswith("C is not eligible: the mentor is not at a later")
    assert f"B is ahead by {result.score_difference:.1f} points" in summary[1]
    biggest = max(result.differences, key=lambda d: abs(d.difference))
    assert summary[2].startswith(biggest.name.replace("_", " "))


def test_top_candidates_are_the_best_eligible_mentors_with_rule_counts():
    cohort = hand_cohort()
    cohort.mentors.extend(Mentor(id=f"x{k}", name=f"x{k}", career_stage="senior",
                                 expertise_areas=tuple(list(AREAS)[:k]), languages=("english",))
                          for k in range(4))
    top = top_candidates(cohort, CONFIG, "ana", n=3)
    ids = [c.mentor_id for c in top.candidates]
    assert len(ids) == 3 and "cy" not in ids and "ana" not in ids
    scores = [c.score for c in top.candidates]
    assert scores == sorted(scores, reverse=True)
    assert top.n_mentors == 7 and top.n_eligible == 5
    assert top.ineligible_by_rule == {"not_same_person": 1, "mentor_more_senior": 1}
    everyone = explain_pairs(cohort, CONFIG, [("ana", m.id) for m in cohort.mentors])
    best_eligible = max(p.score for p in everyone if p.eligible)
    assert scores[0] == best_eligible


def test_unknown_ids_suggest_the_closest():
    with pytest.raises(UnknownIdError, match="Closest ids: bo"):
        explain_pairs(hand_cohort(), CONFIG, [("ana", "boo")])
    with pytest.raises(UnknownIdError, match="No mentee has the id 'zed'"):
        top_candidates(hand_cohort(), CONFIG, "zed")


def test_explanations_reuse_given_features_and_match_a_fresh_build():
    cohort = hand_cohort()
    features = build_features(cohort, CONFIG)
    again = explain_pairs(cohort, CONFIG, [("ana", "bo")], features)[0]
    fresh = explain_pairs(cohort, CONFIG, [("ana", "bo")])[0]
    assert again == fresh
    assert np.isclose(sum(c.points for c in fresh.components), fresh.score)


def test_explaining_some_pairs_gives_what_explaining_every_pair_gives(tmp_path_factory):
    # explain_pairs scores each block of mentees against only the mentors they are paired
    # with; every rule kind (built-in and custom: mentor, mentee and pair side) must read
    # the same values there as against the whole cohort.
    cohort, config = sample_cohort(tmp_path_factory)
    raw = {**config.record(), "rules": {
        **config.record()["rules"], "cross_institution": True, "max_time_zone_gap_hours": 6,
        "custom": [
            {"name": "faculty_only", "side": "mentor", "field": "career_stage",
             "operator": ">=", "value": "early_career_faculty"},
            {"name": "small_networks", "side": "mentee", "field": "network_size",
             "operator": "<=", "value": 2},
            {"name": "other_specialty", "field": "pair.specialty", "operator": "different"},
        ]}}
    config = config_from_dict(raw)
    features = build_features(cohort, config)
    every = explain_pairs(cohort, config,
                          [(e.id, m.id) for e in cohort.mentees for m in cohort.mentors],
                          features)
    by_pair = {(x.mentee_id, x.mentor_id): x for x in every}
    rng = np.random.default_rng(7)
    some = [(e.id, cohort.mentors[j].id) for e in cohort.mentees
            for j in rng.choice(len(cohort.mentors), 2, replace=False)]
    rng.shuffle(some)
    assert explain_pairs(cohort, config, some, features) == [by_pair[p] for p in some]
    assert {by_pair[p].eligible for p in some} == {True, False}
    broken = {rule for p in some for rule in by_pair[p].broken_rules}
    assert {"faculty_only", "small_networks", "other_specialty", "cross_institution"} <= broken
