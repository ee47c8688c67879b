"""Cohort features: multi-hot areas, TF-IDF text vectors, ordinals, offsets, languages,
and the privacy rule that sensitive attributes enter only for mentees who opted in."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from scoring.config import PREFERENCES, config_from_dict
from scoring.features import build_features
from scoring.profiles import Cohort, Mentee, Mentor

CONFIG = config_from_dict({"vocabularies": {
    "areas": {"research": [], "grant_writing": [], "teaching": []},
    "languages": {"english": [], "spanish": []}}})


def cohort():
    mentees = [
        Mentee(id="e1", name="Ana", career_stage="resident", need_areas=("teaching", "research"),
               goals="The grant writing workshop and the research plan", modes=("video",),
               frequency="monthly", time_zone=-5.0, languages=("spanish",), gender="W",
               background="first-gen; rural", preferences=("same_gender", "shared_background")),
        Mentee(id="e2", name="Bo", career_stage=None, goals="", help_wanted=(), time_zone=None,
               languages=(), gender="M", background="rural"),
    ]
    mentors = [
        Mentor(id="m1", name="Cy", career_stage="senior",
               expertise_areas=("grant_writing", "teaching"),
               bio="I review grant writing for the research council", roles=("coach",),
               modes=("video", "phone"), frequency="weekly", time_zone=1.0,
               background="Rural", gender="w"),
    ]
    return Cohort(mentors=mentors, mentees=mentees)


def test_areas_are_multi_hot_over_the_config_vocabulary_in_its_order():
    features = build_features(cohort(), CONFIG)
    assert features.areas == ("research", "grant_writing", "teaching")
    np.testing.assert_array_equal(features.needs, [[1, 0, 1], [0, 0, 0]])
    np.testing.assert_array_equal(features.expertise, [[0, 1, 1]])


def test_text_vectors_are_sparse_l2_normalised_tfidf_with_bigrams_and_no_stop_words():
    features = build_features(cohort(), CONFIG)
    assert sparse.issparse(features.goal_vectors) and sparse.issparse(features.expertise_vectors)
    terms = set(features.terms)
    assert {"grant writing", "research plan", "grant"} <= terms
    assert "the" not in terms and "for" not in terms
    norms = sparse.linalg.norm(features.goal_vectors, axis=1)
    np.testing.assert_allclose(norms, [1.0, 0.0], rtol=1e-6)  # a blank goal is all zeros
    # The mentor's expertise text is the bio plus the labels of their expertise areas.
    row = features.expertise_vectors[0].toarray()[0]
    assert row[list(features.terms).index("teaching")] > 0  # only in the area labels


def test_blank_texts_everywhere_give_an_empty_vocabulary_not_an_error():
    blank = Cohort(mentees=[Mentee(id="e", name="e")], mentors=[Mentor(id="m", name="m")])
    features = build_features(blank, CONFIG)
    assert features.terms.size == 0
    assert features.goal_vectors.shape == (1, 0) and features.expertise_vectors.shape == (1, 0)


def test_ordinals_offsets_roles_and_languages():
    features = build_features(cohort(), CONFIG)
    assert features.mentee_stage.tolist() == [1, -1]  # resident is rank 1; unknown is -1
    assert features.mentor_stage.tolist() == [5]
    assert features.mentee_frequency.tolist() == [2, -1]
    assert features.mentor_frequency.tolist() == [0]
    assert features.mentee_offset[0] == -5.0 and np.isnan(features.mentee_offset[1])
    assert features.roles == ("mentor", "coach", "advisor")
    # a blank "help wanted" means a mentor
    np.testing.assert_array_equal(features.help_wanted, [[1, 0, 0], [1, 0, 0]])
    np.testing.assert_array_equal(features.mentor_roles, [[0, 1, 0]])
    # a blank language cell means the config's default languages (english)
    np.testing.assert_array_equal(features.mentee_languages, [[0, 1], [1, 0]])
    np.testing.assert_array_equal(features.mentee_modes[0, :2], [0, 1])  # in_person, video


def test_sensitive_attributes_are_encoded_only_for_mentees_who_opted_in():
    features = build_features(cohort(), CONFIG)
    assert features.preferences[0].tolist() == [p in ("same_gender", "shared_background")
                                                for p in PREFERENCES]
    # Ana opted in: her gender matches the mentor's after folding; Bo did not opt in.
    assert features.mentee_gender[0] == features.mentor_gender[0]
    assert features.mentee_gender[1] == -1
    # Background values are split on the separators and folded; only Ana's are kept.
    shared = (features.mentee_background @ features.mentor_background.T).toarray()
    assert shared.tolist() == [[1.0], [0.0]]
