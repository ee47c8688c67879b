"""The fast scorer gives the very same numbers as the scorer it replaced, bit for bit.

:func:`scoring.scorer.score_block` computes its categorical components and rules once per
class of alike mentees × alike mentors (:mod:`scoring.pair_classes`) and goal_text by the
cheaper of two sparse products (:mod:`scoring.goal_cosines`). Every component (float32),
the float64 total, the eligibility and every rule's mask must equal, byte for byte, those of
the scorer at commit 6790592 (``tests/scorer_reference.py``, a verbatim copy), on random
cohorts and configs (rewards, ``[match_on]`` rules, custom rules, opt-in preferences, blank
and unknown values) and on every program of ``tests/programs``, in every way of computing:
pair by pair, by classes, sparse and dense text products. The random cohorts are small, so
the thresholds that pick a way are patched to force each one; a last test checks the
default choices on a cohort large enough to take the fast ways by themselves.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import scorer_reference
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import goal_cosines, pair_classes
from scoring.config import PREFERENCES, config_from_dict, load_config
from scoring.features import build_features
from scoring.intake.cohort import read_valid_cohort
from scoring.profiles import Cohort, Mentee, Mentor
from scoring.scorer import component_weights, score_block, score_pairs, weighted_total

PROGRAMS = Path(__file__).parent / "programs"
STAGES = ("student", "resident", "fellow", "early_career", "mid_career", "senior")
FREQUENCIES = ("weekly", "biweekly", "monthly", "quarterly")
AREAS = ("research", "grant_writing", "teaching", "leadership", "clinical_skills")
WORDS = ("grant", "research", "clinical", "trial", "writing", "teaching", "leadership",
         "funding", "outcomes", "career", "balance", "the", "and", "publish", "radiation",
         "oncology", "physics", "dosimetry", "wellbeing", "negotiation")
#: The ways of computing a block: (pair classes on, dense text product on).
WAYS = {"pair by pair, sparse": (False, False), "classes, sparse": (True, False),
        "pair by pair, dense": (False, True), "classes, dense": (True, True)}


def assert_same_block(new, old) -> None:
    """Every array of two score blocks equal byte for byte (dtype and shape included)."""
    assert list(new.components) == list(old.components)
    assert list(new.violations) == list(old.violations)
    pairs = [(f"component {n}", new.components[n], old.components[n]) for n in old.components]
    pairs += [(f"rule {n}", new.violations[n], old.violations[n]) for n in old.violations]
    pairs += [("total", new.total, old.total), ("eligible", new.eligible, old.eligible)]
    for what, a, b in pairs:
        assert a.dtype == b.dtype and a.shape == b.shape, what
        assert a.tobytes() == b.tobytes(), f"{what} differs at {np.argwhere(a != b)[:3]}"


def force(monkeypatch, classes: bool, dense: bool) -> None:
    """Make score_block take the given ways whatever the block's size."""
    monkeypatch.setattr(pair_classes, "CLASS_MIN_PAIRS", 0 if classes else 2**62)
    monkeypatch.setattr(pair_classes, "CLASS_MAX_SHARE", float("inf") if classes else 0.0)
    monkeypatch.setattr(goal_cosines, "DENSE_MIN_PAIRS", 0 if dense else 2**62)
    monkeypatch.setattr(goal_cosines, "SPARSE_NS_PER_PRODUCT", 1e9 if dense else 0.0)
    monkeypatch.setattr(goal_cosines, "SPARSE_NS_PER_ENTRY", 1e9 if dense else 0.0)


def random_cohort(rng: random.Random, n_mentees: int, n_mentors: int) -> Cohort:
    """People drawn from small value sets (so classes repeat), with blanks everywhere."""
    def some(values, k=3):
        return tuple(rng.sample(values, rng.randint(0, k)))

    def text():
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12)))

    def person(k: int) -> dict:
        return dict(
            career_stage=rng.choice((*STAGES, None)), specialty=rng.choice(["", "A", "b", "C"]),
            institution=rng.choice(["", "X", "Y", "Z"]),
            modes=some(["video", "phone", "in_person", "message"]),
            frequency=rng.choice((*FREQUENCIES, None)),
            time_zone=rng.choice([None, -8.0, -5.0, 0.0, 5.5, 9.0, 12.0, -11.0]),
            languages=some(["english", "spanish", "french"], 2),
            gender=rng.choice(["", "w", "m", "x"]),
            background=rng.choice(["", "p", "q", "p; q", "r"]),
            email=f"p{k}@x.org" if rng.random() < 0.9 else "",
            exclude=(f"p{rng.randrange(n_mentees + n_mentors)}@x.org",) if rng.random() < 0.1
            else (),
            attributes={"dept": rng.choice(["", "surgery", "medicine", "labs"]),
                        "grade": rng.choice(["", "G5", "G7", "Grade 9", "none"])})

    mentees = [Mentee(id=f"e{k}", name=f"e{k}", need_areas=some(list(AREAS)), goals=text(),
                      help_wanted=some(["mentor", "coach", "advisor"], 2),
                      preferences=some(list(PREFERENCES), 3), network_size=rng.randint(1, 3),
                      **person(k)) for k in range(n_mentees)]
    mentors = [Mentor(id=f"m{k}", name=f"m{k}", expertise_areas=some(list(AREAS)), bio=text(),
                      roles=some(["mentor", "coach", "advisor"]) or ("mentor",),
                      capacity=rng.randint(0, 3), **person(k + n_mentees // 2))
               for k in range(n_mentors)]
    return Cohort(mentors=mentors, mentees=mentees)


#: Optional parts of a random config, each switched on or off by the test's draw.
MATCH_ON = {
    "dept_bonus": {"field": "dept", "kind": "reward", "weight": 7},
    "same_site_bonus": {"field": "institution", "kind": "reward", "weight": 3},
    "same_dept": {"field": "dept", "kind": "require_same"},
    "other_specialty": {"field": "specialty", "kind": "require_different"},
    "grade_gap": {"field": "grade", "kind": "require_gap", "gap": [0, 3]},
    "stage_gap_rule": {"field": "career_stage", "kind": "require_gap", "gap": [1, 4]},
}
CUSTOM = [
    {"name": "seniors", "side": "mentor", "field": "career_stage", "operator": ">=",
     "value": "fellow"},
    {"name": "small_networks", "side": "mentee", "field": "network_size", "operator": "<=",
     "value": 2},
    {"name": "shared_modes", "side": "pair", "field": "modes", "operator": "same"},
    {"name": "other_site", "side": "pair", "field": "institution", "operator": "different"},
]


def random_config(draw_bits: list[bool], weights: list[float]):
    match_on = {name: table for (name, table), on in zip(MATCH_ON.items(), draw_bits[:6],
                                                          strict=True) if on}
    custom = [rule for rule, on in zip(CUSTOM, draw_bits[6:10], strict=True) if on]
    rules = {"custom": custom, "mentor_more_senior": draw_bits[10],
             "cross_institution": draw_bits[11], "shared_language": draw_bits[12],
             "max_time_zone_gap_hours": 6.0 if draw_bits[13] else 0.0}
    names = ("need_coverage", "goal_text", "role_fit", "stage_gap", "communication",
             "time_zone", "preferences")
    return config_from_dict({
        "vocabularies": {"areas": {a: [] for a in AREAS}},
        "weights": dict(zip(names, weights, strict=True)),
        "scoring": {"preferred_stage_gap": [1, 2 + int(draw_bits[14])],
                    "time_zone_limit_hours": 6.0 if draw_bits[15] else 10.0,
                    "goal_text_full_at": 0.3 if draw_bits[16] else 0.2},
        "columns": {side: {"Department": "attr:dept", "Grade": "attr:grade"}
                    for side in ("mentors", "mentees")},
        "match_on": match_on, "rules": rules})


REACHED: Counter[str] = Counter()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), size=st.tuples(st.integers(1, 30), st.integers(1, 30)),
       bits=st.lists(st.booleans(), min_size=17, max_size=17),
       weights=st.lists(st.sampled_from([0.0, 1.0, 2.5, 0.1, 30.0, 7.3]), min_size=7,
                        max_size=7).filter(any))
def test_random_cohorts_score_bit_for_bit_as_before(seed, size, bits, weights):
    rng = random.Random(seed)
    cohort = random_cohort(rng, *size)
    config = random_config(bits, weights)
    features = build_features(cohort, config)
    start = rng.randrange(features.n_mentees)
    rows = np.arange(start, min(features.n_mentees, start + rng.randint(1, 30)))
    old = scorer_reference.score_block(features, config, rows)
    for way, (classes, dense) in WAYS.items():
        with pytest.MonkeyPatch.context() as monkeypatch:
            force(monkeypatch, classes, dense)
            assert_same_block(score_block(features, config, rows), old)
        REACHED[way] += 1
    REACHED["reward"] += bool(config.rewards)
    REACHED["[match_on] rule"] += bool(config.match_rules)
    REACHED["custom rule"] += bool(config.rules.custom)
    REACHED["preference asked"] += bool(features.preferences[rows].any())
    REACHED["unknown time zone"] += bool(np.isnan(features.mentor_offset).any())
    REACHED["goal text shared"] += bool((old.components["goal_text"] > 0).any())
    REACHED["ineligible pair"] += bool((~old.eligible).any())
    for rule in ("not_same_person", "not_excluded", "shared_modes", "other_site"):
        REACHED[f"{rule} broken"] += bool(old.violations.get(rule, np.zeros(1, bool)).any())
    goals = features.goal_vectors[rows]
    held = np.bincount(features.expertise_vectors.indices, minlength=goals.shape[1])
    REACHED["goal term no mentor holds"] += bool((held[goals.indices] == 0).any())
    REACHED["blank goals"] += bool((np.diff(goals.indptr) == 0).any())
    REACHED["mentors alike"] += len(pair_classes.mentor_classes(
        features, pair_classes.COMMUNICATION)[0].first) < features.n_mentors


def test_each_path_was_reached_often():
    """The property test above reached every way and every kind of config part."""
    if not REACHED:
        pytest.skip("run with the property test")
    assert all(REACHED[way] >= 50 for way in WAYS), REACHED
    for path in ("reward", "[match_on] rule", "custom rule", "preference asked",
                 "unknown time zone", "goal text shared", "ineligible pair", "mentors alike",
                 "goal term no mentor holds", "blank goals", "not_same_person broken",
                 "not_excluded broken", "shared_modes broken", "other_site broken"):
        assert REACHED[path] >= 10, (path, REACHED)


@pytest.fixture(scope="module", params=sorted(p.name for p in PROGRAMS.iterdir()
                                              if (p / "expected.toml").exists()))
def program(request):
    folder = PROGRAMS / request.param
    config = load_config(folder / "expected.toml")
    cohort = read_valid_cohort(folder / "mentors.csv", folder / "mentees.csv", config,
                               action="matched")
    return build_features(cohort, config), config


@pytest.mark.parametrize("way", sorted(WAYS))
def test_every_program_scores_bit_for_bit_as_before(program, way, monkeypatch):
    features, config = program
    force(monkeypatch, *WAYS[way])
    rows = np.arange(features.n_mentees)
    assert_same_block(score_block(features, config, rows),
                      scorer_reference.score_block(features, config, rows))


def test_exact_pair_scores_equal_the_blocks_in_every_way(program, monkeypatch):
    """score_pairs (a few mentors per small group) gives the block's totals, whichever way
    the block and the groups are computed."""
    features, config = program
    rng = np.random.default_rng(5)
    mentee = rng.integers(0, features.n_mentees, 300)
    mentor = rng.integers(0, features.n_mentors, 300)
    expected = scorer_reference.score_block(features, config,
                                            np.arange(features.n_mentees)).total
    for classes, dense in WAYS.values():
        force(monkeypatch, classes, dense)
        got = score_pairs(features, config, mentee, mentor)
        assert got.tobytes() == expected[mentee, mentor].tobytes()


def test_a_large_block_takes_the_fast_ways_by_itself_and_scores_as_before(monkeypatch):
    """At the default thresholds a block of 400 × 300 people is computed by classes (its
    mentors fall into far fewer classes than there are mentors) and its text product densely
    (their texts share common words), and still equals the reference."""
    cohort = random_cohort(random.Random(7), 400, 300)
    config = random_config([True] * 17, [30, 20, 10, 10, 10, 10, 10])
    features = build_features(cohort, config)
    rows = np.arange(features.n_mentees)
    taken: Counter[str] = Counter()

    def counted(name, function):
        def wrapper(*args):
            taken[name] += 1
            return function(*args)
        return wrapper
    monkeypatch.setattr(pair_classes, "by_classes", counted("classes", pair_classes.by_classes))
    monkeypatch.setattr(goal_cosines, "dense_product",
                        counted("dense", goal_cosines.dense_product))
    new = score_block(features, config, rows)
    assert_same_block(new, scorer_reference.score_block(features, config, rows))
    # 7 components (goal_text aside) + 2 rewards, 6 rules of small values, 4 [match_on] rules
    assert taken["classes"] >= 14 and taken["dense"] == 1, taken


def test_weighted_total_with_a_component_counted_as_met_equals_the_term_by_term_sum(program):
    """weighted_total with one component replaced by a number (as placement scores count the
    preferences fully met) equals the scorer's old term-by-term loop, rewards included."""
    features, config = program
    block = score_block(features, config, np.arange(features.n_mentees))
    weights = component_weights(config)
    met: dict[str, np.ndarray | np.floating] = {**block.components,
                                                "preferences": np.float32(1.0)}
    expected = np.zeros(block.total.shape)
    for weight, value in zip(weights, met.values(), strict=True):
        if weight:
            expected += weight * value
    expected *= 100.0 / weights.sum()
    assert weighted_total(met, weights).tobytes() == expected.tobytes()
    assert weighted_total(block.components, weights).tobytes() == block.total.tobytes()
