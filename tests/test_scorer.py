"""The compatibility scorer: each component on hand-worked profiles, the weighted total,
blocks, and agreement with a slow per-pair reference implementation written here."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from scoring.config import PREFERENCES, config_from_dict
from scoring.features import build_features
from scoring.profiles import Cohort, Mentee, Mentor
from scoring.scorer import COMPONENTS, iter_score_blocks, score_block, score_cohort
from scoring.text import fold

AREAS: dict[str, list[str]] = {"research": [], "grant_writing": [], "teaching": [],
                               "leadership": []}


def config(**tables):
    return config_from_dict({"vocabularies": {"areas": AREAS}, **tables})


def mentee(id="e1", **kw):
    kw.setdefault("languages", ("english",))
    return Mentee(id=id, name=id, **kw)


def mentor(id="m1", **kw):
    kw.setdefault("languages", ("english",))
    return Mentor(id=id, name=id, **kw)


def component(name, mentees, mentors, cfg=None) -> np.ndarray:
    block = score_cohort(Cohort(mentors=list(mentors), mentees=list(mentees)), cfg or config())
    return block.components[name]


def test_component_names_and_order_are_the_published_api():
    assert COMPONENTS == ("need_coverage", "goal_text", "role_fit", "stage_gap",
                          "communication", "time_zone", "preferences")


def test_need_coverage_is_the_share_of_asked_areas_the_mentor_covers():
    asks = [mentee("e1", need_areas=("research", "grant_writing", "teaching")),
            mentee("e2", need_areas=())]
    offers = [mentor("m1", expertise_areas=("research", "teaching", "leadership")),
              mentor("m2", expertise_areas=()),
              mentor("m3", expertise_areas=("grant_writing",))]
    values = component("need_coverage", asks, offers)
    # 2 of 3 asked areas, none, 1 of 3; a mentee with no need areas gets the neutral 0.5.
    np.testing.assert_allclose(values, [[2 / 3, 0, 1 / 3], [0.5, 0.5, 0.5]], rtol=1e-6)


def test_goal_text_is_a_cosine_of_goals_and_expertise_text():
    asks = [mentee("e1", goals="Publish clinical research on brachytherapy outcomes"),
            mentee("e2", goals="")]
    offers = [mentor("m1", bio="Publish clinical research on brachytherapy outcomes"),
              mentor("m2", bio="Negotiating salaries and leading departments"),
              mentor("m3", bio="Brachytherapy outcomes", expertise_areas=("research",))]
    cosine = component("goal_text", asks, offers, config(scoring={"goal_text_full_at": 1.0}))
    assert cosine[0, 0] == pytest.approx(1.0, abs=1e-6)  # same words, same vector
    assert cosine[0, 1] == 0.0  # nothing in common
    assert 0.0 < cosine[0, 2] < 1.0  # partly shared (the area label "research" counts)
    assert (cosine[1] == 0).all()  # no goals written
    # By default a cosine of 0.2 already earns full points: cosine / 0.2, capped at 1.
    scaled = component("goal_text", asks, offers)
    np.testing.assert_allclose(scaled, np.minimum(cosine / 0.2, 1.0), rtol=1e-5)


def test_role_fit_is_the_share_of_wanted_roles_offered():
    asks = [mentee("e1", help_wanted=("coach", "advisor")), mentee("e2", help_wanted=())]
    offers = [mentor("m1", roles=("coach",)), mentor("m2", roles=("mentor", "advisor", "coach")),
              mentor("m3", roles=("mentor",))]
    values = component("role_fit", asks, offers)
    # A blank "help wanted" counts as wanting a mentor.
    np.testing.assert_allclose(values, [[0.5, 1.0, 0.0], [0.0, 1.0, 1.0]])


def test_stage_gap_is_full_inside_the_preferred_band_and_falls_off_linearly():
    # default scale: student, resident, fellow, early_career, mid_career, senior; band [1, 3]
    asks = [mentee("e1", career_stage="resident"), mentee("e2", career_stage=None)]
    stages = ["fellow", "mid_career", "senior", "resident", "student", None]
    offers = [mentor(f"m{k}", career_stage=s) for k, s in enumerate(stages)]
    values = component("stage_gap", asks, offers)
    # gaps 1, 3 -> 1; 4 -> one stage beyond the band -> 0.5; 0 -> 0.5; -1 -> 0; unknown 0.5
    np.testing.assert_allclose(values[0], [1, 1, 0.5, 0.5, 0, 0.5])
    np.testing.assert_allclose(values[1], [0.5] * 6)


def test_stage_gap_follows_the_configured_band():
    cfg = config(scoring={"preferred_stage_gap": [2, 2]})
    values = component("stage_gap", [mentee(career_stage="student")],
                       [mentor(f"m{s}", career_stage=s) for s in
                        ("resident", "fellow", "early_career", "mid_career")], cfg)
    np.testing.assert_allclose(values[0], [0.5, 1, 0.5, 0])


def test_communication_averages_mode_share_and_frequency_closeness():
    asks = [mentee("e1", modes=("video", "phone"), frequency="weekly"),
            mentee("e2", modes=(), frequency=None)]
    offers = [mentor("m1", modes=("video",), frequency="monthly"),
              mentor("m2", modes=("phone", "video", "message"), frequency="weekly"),
              mentor("m3", modes=("in_person",), frequency="quarterly")]
    values = component("communication", asks, offers)
    # weekly..quarterly is a 4-step scale (span 3): monthly is 2 steps from weekly -> 1/3.
    np.testing.assert_allclose(values[0], [(0.5 + 1 / 3) / 2, 1.0, 0.0], rtol=1e-6)
    np.testing.assert_allclose(values[1], [0.5, 0.5, 0.5])  # blanks are neutral


def test_time_zone_falls_linearly_to_the_limit_around_the_clock():
    asks = [mentee("e1", time_zone=-5.0), mentee("e2", time_zone=None)]
    offers = [mentor("m1", time_zone=-5.0), mentor("m2", time_zone=-8.0),
              mentor("m3", time_zone=7.0), mentor("m4", time_zone=None),
              mentor("m5", time_zone=5.5)]
    values = component("time_zone", asks, offers)
    # 0 h -> 1; 3 h -> 0.7; 12 h -> 0; unknown -> 0.5; 10.5 h (beyond 10) -> 0
    np.testing.assert_allclose(values[0], [1, 0.7, 0, 0.5, 0], atol=1e-6)
    np.testing.assert_allclose(values[1], [0.5] * 5)
    wrap = component("time_zone", [mentee(time_zone=12.0)], [mentor(time_zone=-11.0)])
    assert wrap[0, 0] == pytest.approx(0.9)  # UTC+12 and UTC-11 are one hour apart


def test_preferences_share_honoured_and_neutral_without_any():
    asks = [mentee("e1", specialty="Breast", institution="LUMC",
                   preferences=("same_specialty", "other_institution")),
            mentee("e2", specialty="Breast", institution="LUMC", preferences=())]
    offers = [mentor("m1", specialty="breast", institution="Lakeshore University Medical Center"),
              mentor("m2", specialty="Lung", institution="BUH"),
              mentor("m3", specialty="Breast", institution="BUH"),
              mentor("m4", specialty="", institution="")]
    cfg = config(vocabularies={"areas": AREAS, "institutions": {
        "lumc": ["Lakeshore University Medical Center", "LUMC"]}})
    values = component("preferences", asks, offers, cfg)
    # m1: same specialty yes, other institution no (a synonym of the same place) -> 1/2
    # m2: no, yes -> 1/2; m3: yes, yes -> 1; m4: blank attributes honour nothing -> 0
    np.testing.assert_allclose(values[0], [0.5, 0.5, 1, 0])
    np.testing.assert_allclose(values[1], [1, 1, 1, 1])  # asked for nothing: no penalty


def test_gender_is_compared_only_for_mentees_who_opted_in():
    asks = [mentee("e1", gender="Woman", preferences=("same_gender",)),
            mentee("e2", gender="Woman", preferences=("same_specialty",), specialty="Lung")]
    offers = [mentor("m1", gender="woman", specialty="Lung"), mentor("m2", gender="Man")]
    values = component("preferences", asks, offers)
    np.testing.assert_allclose(values, [[1, 0], [1, 0]])
    features = build_features(Cohort(mentors=offers, mentees=asks), config())
    assert features.mentee_gender[1] == -1  # not asked for: never even encoded


def test_total_is_the_weighted_mean_of_components_times_100():
    weights = {name: 0.0 for name in COMPONENTS}
    weights.update(need_coverage=3.0, role_fit=1.0)
    cohort = Cohort(mentees=[mentee(need_areas=("research", "teaching"), help_wanted=("coach",))],
                    mentors=[mentor(expertise_areas=("research",), roles=("coach",))])
    block = score_cohort(cohort, config(weights=weights))
    assert block.total[0, 0] == pytest.approx(100 * (3 * 0.5 + 1 * 1.0) / 4)


def test_blocks_cover_every_mentee_and_agree_with_one_big_block():
    cohort = random_cohort(random.Random(3), 23, 9)
    cfg = config()
    features = build_features(cohort, cfg)
    whole = score_block(features, cfg, slice(None))
    blocks = list(iter_score_blocks(features, cfg, block_size=5))
    assert [len(b.mentee_rows) for b in blocks] == [5, 5, 5, 5, 3]
    np.testing.assert_array_equal(np.vstack([b.total for b in blocks]), whole.total)
    picked = score_block(features, cfg, np.array([7, 2]))
    np.testing.assert_array_equal(picked.total, whole.total[[7, 2]])
    for name in COMPONENTS:
        assert whole.components[name].dtype == np.float32
        assert whole.components[name].shape == (23, 9)
        assert (whole.components[name] >= 0).all() and (whole.components[name] <= 1).all()


# --- a slow, obviously correct reference: one pair at a time, straight from the records ---

STAGES = ("student", "resident", "fellow", "early_career", "mid_career", "senior")
FREQUENCIES = ("weekly", "biweekly", "monthly", "quarterly")
WORDS = ("grant", "research", "clinical", "trial", "writing", "teaching", "leadership",
         "funding", "outcomes", "career", "balance", "the", "and", "publish")


def random_cohort(rng: random.Random, n_mentees: int, n_mentors: int) -> Cohort:
    def some(values, k=3):
        return tuple(rng.sample(values, rng.randint(0, k)))

    def text():
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 8)))

    def shared(k):
        return dict(career_stage=rng.choice((*STAGES, None)), specialty=rng.choice(["", "A", "b"]),
                    institution=rng.choice(["", "X", "Y"]), modes=some(["video", "phone",
                                                                        "in_person", "message"]),
                    frequency=rng.choice((*FREQUENCIES, None)),
                    time_zone=rng.choice([None, -8.0, -5.0, 0.0, 5.5, 9.0, 12.0]),
                    languages=some(["english", "spanish"], 2),
                    gender=rng.choice(["", "w", "m"]), background=rng.choice(["", "p", "q"]),
                    email=f"p{k}@x.org" if rng.random() < 0.9 else "")

    mentees = [Mentee(id=f"e{k}", name=f"e{k}", need_areas=some(list(AREAS)), goals=text(),
                      help_wanted=some(["mentor", "coach", "advisor"], 2),
                      preferences=some(list(PREFERENCES), 2), **shared(k))
               for k in range(n_mentees)]
    mentors = [Mentor(id=f"m{k}", name=f"m{k}", expertise_areas=some(list(AREAS)), bio=text(),
                      roles=some(["mentor", "coach", "advisor"]) or ("mentor",),
                      **shared(k + n_mentees // 2))  # overlapping e-mails: same people
               for k in range(n_mentors)]
    return Cohort(mentors=mentors, mentees=mentees)


def reference_scores(cohort: Cohort, weights: dict[str, float]) -> dict[str, np.ndarray]:
    """Every component for every pair, one pair at a time, plus the total."""
    labels = [m.goals for m in cohort.mentees] + [
        " ".join([m.bio, *(a.replace("_", " ") for a in m.expertise_areas)]).strip()
        for m in cohort.mentors]
    try:
        tfidf = TfidfVectorizer(stop_words="english", ngram_range=(1, 2)).fit_transform(labels)
        dense = tfidf.toarray()
    except ValueError:
        dense = np.zeros((len(labels), 1))
    n = len(cohort.mentees)
    out = {name: np.zeros((n, len(cohort.mentors))) for name in (*COMPONENTS, "total")}
    for i, e in enumerate(cohort.mentees):
        for j, m in enumerate(cohort.mentors):
            v = {}
            v["need_coverage"] = (len(set(e.need_areas) & set(m.expertise_areas))
                                  / len(e.need_areas)) if e.need_areas else 0.5
            v["goal_text"] = min(1.0, max(0.0, float(dense[i] @ dense[n + j]) / 0.2))
            wanted = e.help_wanted or ("mentor",)
            v["role_fit"] = sum(r in m.roles for r in wanted) / len(wanted)
            if e.career_stage and m.career_stage:
                gap = STAGES.index(m.career_stage) - STAGES.index(e.career_stage)
                outside = max(1 - gap, 0) + max(gap - 3, 0)
                v["stage_gap"] = max(0.0, 1 - outside / 2)
            else:
                v["stage_gap"] = 0.5
            modes = (sum(x in m.modes for x in e.modes) / len(e.modes)
                     if e.modes and m.modes else 0.5)
            freq = (1 - abs(FREQUENCIES.index(e.frequency) - FREQUENCIES.index(m.frequency)) / 3
                    if e.frequency and m.frequency else 0.5)
            v["communication"] = (modes + freq) / 2
            if e.time_zone is None or m.time_zone is None:
                v["time_zone"] = 0.5
            else:
                hours = abs(e.time_zone - m.time_zone) % 24
                v["time_zone"] = max(0.0, 1 - min(hours, 24 - hours) / 10)
            honoured = []
            for p in e.preferences:
                a, b = {"same_gender": (e.gender, m.gender),
                        "shared_background": (e.background, m.background),
                        "same_specialty": (e.specialty, m.specialty),
                        "different_specialty": (e.specialty, m.specialty),
                        "same_institution": (e.institution, m.institution),
                        "other_institution": (e.institution, m.institution)}[p]
                both = bool(a) and bool(b)
                same = fold(a) == fold(b)
                honoured.append(both and (not same if p in ("different_specialty",
                                                            "other_institution") else same))
            v["preferences"] = sum(honoured) / len(honoured) if honoured else 1.0
            for name in COMPONENTS:
                out[name][i, j] = v[name]
            out["total"][i, j] = 100 * sum(weights[k] * v[k] for k in COMPONENTS) / sum(
                weights.values())
    return out


def reference_eligible(cohort: Cohort) -> np.ndarray:
    eligible = np.zeros((len(cohort.mentees), len(cohort.mentors)), dtype=bool)
    for i, e in enumerate(cohort.mentees):
        for j, m in enumerate(cohort.mentors):
            me = {e.id.casefold(), e.email.casefold()} - {""}
            them = {m.id.casefold(), m.email.casefold()} - {""}
            same = bool(me & them)
            excluded = bool({x.casefold() for x in e.exclude} & them) or bool(
                {x.casefold() for x in m.exclude} & me)
            langs = set(e.languages or ("english",)) & set(m.languages or ("english",))
            junior = (e.career_stage and m.career_stage
                      and STAGES.index(m.career_stage) <= STAGES.index(e.career_stage))
            eligible[i, j] = not (same or excluded or not langs or junior)
    return eligible


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_scores_equal_the_per_pair_reference(seed):
    cohort = random_cohort(random.Random(seed), 40, 25)
    cohort.mentees[0] = Mentee(**{**cohort.mentees[0].__dict__, "exclude": ("M3",)})
    cfg = config(weights={"need_coverage": 5, "goal_text": 4, "role_fit": 3, "stage_gap": 2,
                          "communication": 2, "time_zone": 1, "preferences": 1})
    block = score_cohort(cohort, cfg)
    expected = reference_scores(cohort, cfg.weights.as_dict())
    for name in COMPONENTS:
        np.testing.assert_allclose(block.components[name], expected[name], atol=1e-5,
                                   err_msg=name)
    np.testing.assert_allclose(block.total, expected["total"], atol=1e-3)
    np.testing.assert_array_equal(block.eligible, reference_eligible(cohort))
    assert not block.eligible[0, 3]  # the exclusion by id took effect
    assert math.isclose(block.total.max(), expected["total"].max(), abs_tol=1e-3)
