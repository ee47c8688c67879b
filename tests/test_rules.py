"""Hard eligibility rules: each blocks exactly the pairs it must, and nothing else; custom
rules are validated with an error naming the bad rule."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.config import ConfigError, config_from_dict
from scoring.features import build_features
from scoring.profiles import Cohort, Mentee, Mentor
from scoring.rules import active_rules, check_rules, rule_sentence
from scoring.scorer import score_cohort


def mentee(id="e1", **kw):
    kw.setdefault("languages", ("english",))
    return Mentee(id=id, name=id, **kw)


def mentor(id="m1", **kw):
    kw.setdefault("languages", ("english",))
    return Mentor(id=id, name=id, **kw)


def broken(mentees, mentors, rule, **tables):
    """The rule's violation mask (mentees x mentors), and a check that no other rule fired."""
    cfg = config_from_dict(tables)
    block = score_cohort(Cohort(mentors=list(mentors), mentees=list(mentees)), cfg)
    for other, mask in block.violations.items():
        if other != rule:
            assert not mask.any(), f"{other} blocked a pair in a test of {rule}"
    np.testing.assert_array_equal(block.eligible, ~block.violations[rule])
    return block.violations[rule]


def test_not_same_person_by_id_or_email_on_both_sides():
    mask = broken([mentee("ana", email="Ana@Uni.edu")],
                  [mentor("ana", email="other@x.org"), mentor("a2", email="ana@uni.edu"),
                   mentor("bo", email="bo@x.org"), mentor("cy", email="")],
                  "not_same_person")
    assert mask.tolist() == [[True, True, False, False]]


def test_not_excluded_either_way_by_id_or_email():
    mask = broken([mentee("e1", email="e1@x.org", exclude=("m2@x.org",)),
                   mentee("e2", email="e2@x.org")],
                  [mentor("m1", email="m1@x.org", exclude=("E2",)),
                   mentor("m2", email="m2@x.org"), mentor("m3", email="m3@x.org")],
                  "not_excluded")
    assert mask.tolist() == [[False, True, False], [True, False, False]]


def test_shared_language_with_blank_meaning_the_default_languages():
    mask = broken([mentee("e1", languages=("spanish",)), mentee("e2", languages=())],
                  [mentor("m1", languages=("english", "spanish")),
                   mentor("m2", languages=("french",)), mentor("m3", languages=())],
                  "shared_language")
    assert mask.tolist() == [[False, True, True], [False, True, False]]


def test_mentor_more_senior_blocks_same_or_junior_but_not_unknown():
    mask = broken([mentee("e1", career_stage="fellow")],
                  [mentor("m1", career_stage="mid_career"), mentor("m2", career_stage="fellow"),
                   mentor("m3", career_stage="resident"), mentor("m4", career_stage=None)],
                  "mentor_more_senior")
    assert mask.tolist() == [[False, True, True, False]]


def test_mentor_more_senior_can_be_switched_off():
    cfg = config_from_dict({"rules": {"mentor_more_senior": False}})
    block = score_cohort(Cohort(mentors=[mentor(career_stage="student")],
                                mentees=[mentee(career_stage="senior")]), cfg)
    assert "mentor_more_senior" not in block.violations and block.eligible.all()


def test_time_zone_gap_only_when_configured():
    asks = [mentee("e1", time_zone=-5.0), mentee("e2", time_zone=None)]
    offers = [mentor("m1", time_zone=-8.0), mentor("m2", time_zone=-9.0),
              mentor("m3", time_zone=None), mentor("m4", time_zone=12.0)]
    mask = broken(asks, offers, "time_zone_gap", rules={"max_time_zone_gap_hours": 3})
    # 3 h is allowed, 4 h is not, unknown is not blocked, -5 to +12 is 7 h around the clock
    assert mask.tolist() == [[False, True, False, True], [False, False, False, False]]
    assert "time_zone_gap" not in active_rules(config_from_dict({}))


def test_cross_institution_uses_fold_and_synonyms():
    vocab = {"institutions": {"lakeshore": ["Lakeshore University Medical Center", "LUMC"]}}
    mask = broken([mentee("e1", institution="LUMC"), mentee("e2", institution="")],
                  [mentor("m1", institution="Lakeshore University Medical Center"),
                   mentor("m2", institution="lumc."), mentor("m3", institution="Bayview"),
                   mentor("m4", institution="")],
                  "cross_institution", rules={"cross_institution": True}, vocabularies=vocab)
    assert mask.tolist() == [[True, True, False, False], [False, False, False, False]]


def custom(*rules, **tables):
    return {"rules": {"custom": list(rules)}, **tables}


def test_custom_mentor_rule_on_an_ordered_scale():
    rule = {"name": "attendings_only", "side": "mentor", "field": "career_stage",
            "operator": ">=", "value": "early career"}  # a synonym of early_career
    mask = broken([mentee(career_stage="student")],
                  [mentor("m1", career_stage="fellow"), mentor("m2", career_stage="senior"),
                   mentor("m3", career_stage="early_career"), mentor("m4", career_stage=None)],
                  "attendings_only", **custom(rule))
    assert mask.tolist() == [[True, False, False, True]]  # a blank stage cannot satisfy >=


def test_custom_mentee_rule_with_in_and_numbers():
    rules = [{"name": "small_networks", "side": "mentee", "field": "network_size",
              "operator": "<=", "value": 2},
             {"name": "spanish_or_french", "side": "mentor", "field": "languages",
              "operator": "in", "value": ["spanish", "french"]}]
    cfg = config_from_dict({"rules": {"custom": rules, "mentor_more_senior": False},
                            "vocabularies": {"languages": {"english": [], "spanish": [],
                                                           "french": []}}})
    cohort = Cohort(mentees=[mentee("e1", network_size=3, languages=("english", "spanish")),
                             mentee("e2", network_size=1, languages=("english", "spanish"))],
                    mentors=[mentor("m1", languages=("spanish",)), mentor("m2")])
    block = score_cohort(cohort, cfg)
    assert block.violations["small_networks"].tolist() == [[True, True], [False, False]]
    assert block.violations["spanish_or_french"].tolist() == [[False, True], [False, True]]
    assert block.eligible.tolist() == [[False, False], [True, False]]


def test_custom_pair_rules_same_and_different():
    rules = [{"name": "same_site", "side": "pair", "field": "specialty", "operator": "same"}]
    mask = broken([mentee("e1", specialty="Breast"), mentee("e2", specialty="")],
                  [mentor("m1", specialty="breast"), mentor("m2", specialty="Lung"),
                   mentor("m3", specialty="")], "same_site", **custom(*rules))
    assert mask.tolist() == [[False, True, False], [False, False, False]]
    rules = [{"name": "new_modes", "field": "pair.modes", "operator": "different"}]
    mask = broken([mentee("e1", modes=("video", "phone"))],
                  [mentor("m1", modes=("phone",)), mentor("m2", modes=("in_person",))],
                  "new_modes", **custom(*rules))
    assert mask.tolist() == [[True, False]]


@pytest.mark.parametrize("rule, words", [
    ({"side": "mentor", "field": "career_stage", "operator": ">=", "value": "x"}, "needs a name"),
    ({"name": "r", "side": "both", "field": "career_stage", "operator": ">=", "value": "senior"},
     "side must be"),
    ({"name": "r", "side": "mentor", "field": "goals", "operator": "==", "value": "x"},
     "not a mentor field"),
    ({"name": "r", "side": "mentor", "field": "gender", "operator": "==", "value": "w"},
     "sensitive"),
    ({"name": "r", "side": "mentor", "field": "career_stage", "operator": "~", "value": "senior"},
     "operator '~'"),
    ({"name": "r", "side": "mentor", "field": "career_stage", "operator": ">=", "value": "boss"},
     "not a career_stage value"),
    ({"name": "r", "side": "mentor", "field": "specialty", "operator": ">", "value": "lung"},
     "ordered scale"),
    ({"name": "r", "side": "mentor", "field": "capacity", "operator": ">=", "value": "two"},
     "is a number"),
    ({"name": "r", "side": "mentee", "field": "languages", "operator": "in", "value": "english"},
     "list value"),
    ({"name": "r", "side": "pair", "field": "specialty", "operator": "=="}, "use one of: same"),
    ({"name": "not_excluded", "side": "pair", "field": "specialty", "operator": "same"},
     "already used"),
    ({"name": "r", "field": "mentee.career_stage", "side": "mentor", "operator": ">=",
      "value": "senior"}, "make them agree"),
])
def test_bad_custom_rules_raise_a_config_error_naming_the_rule(rule, words):
    with pytest.raises(ConfigError) as caught:
        config_from_dict(custom(rule))
    assert words in str(caught.value)
    assert "rule #1" in str(caught.value)


def test_features_built_for_other_custom_rules_are_refused():
    cohort = Cohort(mentees=[mentee()], mentors=[mentor()])
    features = build_features(cohort, config_from_dict({}))
    other = config_from_dict(custom({"name": "r", "side": "mentor", "field": "capacity",
                                     "operator": ">=", "value": 1}))
    with pytest.raises(ValueError, match="rebuild"):
        check_rules(features, other, np.array([0]))


def test_every_active_rule_has_a_sentence():
    rules = [{"name": "same_site", "side": "pair", "field": "specialty", "operator": "same"}]
    cfg = config_from_dict({"rules": {"custom": rules, "cross_institution": True,
                                      "max_time_zone_gap_hours": 4}})
    sentences = {name: rule_sentence(name, cfg) for name in active_rules(cfg)}
    assert len(sentences) == 7
    assert "4 hours" in sentences["time_zone_gap"]
    assert sentences["same_site"] == ("program rule 'same_site' is not met: mentee and mentor "
                                      "must have same specialty")
