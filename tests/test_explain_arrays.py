"""Explanations worked out for all the pairs at once (issue 15, session 9: points rounded by
array operations, each sentence written once per group of pairs alike in what it reads,
one ComponentPoints record shared by the pairs alike in it) are the ones the previous
explainer worked out pair by pair (tests/explain_reference.py): the same points, values,
sentences, shared areas, terms and modes, bit for bit.

Besides tests/test_explain_blocks.py (the sample, each program, the TF-IDF layouts): the
rounding against one pair's Python arithmetic on generated points and scores (every branch
counted), a generated 1,000-pair match, generated lists of pairs under three configs (the
sample's; one that also marks modes, career stage, time zone and frequency sensitive; a
program with its own rules and two [match_on] rewards) with features changed to reach each
sentence's unusual branches (unknown time zones and stages, no modes, TF-IDF weights all
equal so shared terms tie), and ``compare`` and ``top_candidates`` (the ``explain``
command's records).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import tomllib
from collections import Counter
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.bench_outputs import synthetic_outcome
from scoring.config import config_from_dict, load_config
from scoring.explain import compare, explain_pairs, rounded_points, rounded_tenths, top_candidates
from scoring.features import CohortFeatures, build_features
from scoring.intake.cohort import read_cohort
from tests import explain_reference as before

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "sample_data"
HOSPITAL = Path(__file__).parent / "programs" / "hospital_trust"

_RAW = st.lists(st.floats(0, 100, allow_nan=False) | st.sampled_from([0.0, 0.05, 0.15, 33.35,
                                                                      100 / 3, 12.25]),
                max_size=9)


def test_rounded_points_are_one_pairs_python_arithmetic() -> None:
    """Any points and any score (the rounded total, or tenths away from it, so that tenths
    are given, taken, or more than there are components): the previous per-pair rounding's
    floats, for one pair and for many rows at once."""
    reached: Counter[str] = Counter()

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.tuples(_RAW, st.integers(-12, 12)), min_size=1, max_size=4),
           st.integers(0, 9))
    def check(rows: list[tuple[list[float], int]], width: int) -> None:
        rows = [(raw[:width] + [0.0] * (width - len(raw[:width])), shift)
                for raw, shift in rows]  # one width for the array
        scores = [round(round(sum(raw), 1) + shift / 10, 1) for raw, shift in rows]
        expected = [before.rounded_points(raw, score)
                    for (raw, _), score in zip(rows, scores, strict=True)]
        for (raw, _), score, points in zip(rows, scores, expected, strict=True):
            assert rounded_points(raw, score) == points
            tenths = [math.floor(v * 10.0 + 1e-9) for v in raw]
            missing = round(score * 10) - sum(tenths)
            reached["given" if missing > 0 else "taken" if missing < 0 else "exact"] += 1
            reached["more than the components"] += abs(missing) > max(width, 1)
        array = rounded_tenths(np.array([raw for raw, _ in rows], dtype=np.float64),
                               np.array(scores)) / 10.0
        assert array.tolist() == expected

    check()
    assert min(reached.values()) >= 20 and len(reached) == 4, reached


def _same(cohort, config, pairs, features: CohortFeatures | None) -> list:
    new = explain_pairs(cohort, config, pairs, features)
    assert [e.to_dict() for e in new] == [
        e.to_dict() for e in before.explain_pairs(cohort, config, pairs, features)]
    return new


def test_a_generated_matchs_pairs_are_explained_as_before(tmp_path: Path) -> None:
    outcome, _ = synthetic_outcome(tmp_path, 1000)
    pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings]
    explained = _same(outcome.cohort, outcome.config, pairs, outcome.features)
    assert len(explained) >= 1000
    # records are shared by the pairs alike in them (what each pair holds is checked above)
    records = [c for e in explained for c in e.components]
    assert len({id(c) for c in records}) < len(records) / 2


@functools.cache
def _variant(name: str):
    """(cohort, config, features) of a config variant."""
    if name == "hospital":  # its own rules, and two rewards
        data = tomllib.loads((HOSPITAL / "expected.toml").read_text(encoding="utf-8"))
        data["match_on"] = {**data.get("match_on", {}),
                            "same_specialty": {"field": "specialty", "kind": "reward"},
                            "same_site": {"field": "institution", "kind": "reward",
                                          "weight": 5}}
        config = config_from_dict(data, HOSPITAL / "expected.toml")
        cohort = read_cohort(HOSPITAL / "mentors.csv", HOSPITAL / "mentees.csv", config)
    else:
        config = load_config(SAMPLE / "program.toml")
        if name == "sensitive":
            sensitive = dataclasses.replace(config.sensitive, fields=(
                *config.sensitive.fields, "modes", "career_stage", "time_zone", "frequency"))
            config = dataclasses.replace(config, sensitive=sensitive)
        cohort = read_cohort(SAMPLE / "mentors.csv", SAMPLE / "mentees.csv", config)
    return cohort, config, build_features(cohort, config)


def _changed(features: CohortFeatures, change: str, seed: int) -> CohortFeatures:
    """The features with a third of the people's inputs of one kind made unusual."""
    rng = np.random.default_rng(seed)

    def some(array: np.ndarray, value: object) -> np.ndarray:
        out = array.copy()
        out[rng.random(len(out)) < 0.33] = value
        return out

    if change == "unknown zones":
        return dataclasses.replace(features, mentee_offset=some(features.mentee_offset, np.nan),
                                   mentor_offset=some(features.mentor_offset, np.nan))
    if change == "unknown stages":
        return dataclasses.replace(features, mentee_stage=some(features.mentee_stage, -1),
                                   mentor_stage=some(features.mentor_stage, -1))
    if change == "no modes":
        return dataclasses.replace(features, mentee_modes=some(features.mentee_modes, 0),
                                   mentor_modes=some(features.mentor_modes, 0),
                                   mentee_frequency=some(features.mentee_frequency, -1))
    if change == "tied terms":  # every TF-IDF weight alike: shared terms tie on products
        goals, expertise = features.goal_vectors.copy(), features.expertise_vectors.copy()
        goals.data[:] = 0.25
        expertise.data[:] = 0.5
        return dataclasses.replace(features, goal_vectors=goals, expertise_vectors=expertise)
    return features


def test_generated_pairs_are_explained_as_before() -> None:
    """Random pairs (repeated ones included, in any order) of three configs, with features
    changed: the previous explainer's records; each unusual sentence is reached."""
    reached: Counter[str] = Counter()

    @settings(max_examples=60, deadline=None)
    @given(st.sampled_from(["sample", "sensitive", "hospital"]),
           st.sampled_from(["none", "unknown zones", "unknown stages", "no modes",
                            "tied terms"]),
           st.integers(0, 2**16), st.integers(1, 400))
    def check(variant: str, change: str, seed: int, count: int) -> None:
        cohort, config, features = _variant(variant)
        features = _changed(features, change, seed)
        rng = np.random.default_rng(seed)
        pairs = [(cohort.mentees[i].id, cohort.mentors[j].id)
                 for i, j in zip(rng.integers(0, len(cohort.mentees), count),
                                 rng.integers(0, len(cohort.mentors), count), strict=True)]
        pairs += pairs[:count // 10]  # a pair asked for twice
        for e in _same(cohort, config, pairs, features):
            evidence = " ".join(c.evidence for c in e.components)
            reached["ineligible"] += not e.eligible
            reached["neutral"] += any(c.neutral for c in e.components)
            reached["unknown on one side"] += "unknown on one side" in evidence
            reached["not scored (sensitive)"] += "every pair gets the neutral value" in evidence
            reached["modes not named"] += "not named: sensitive" in evidence
            reached["preference honoured"] += "Honours your preference" in evidence
            reached["preference not honoured"] += ("Does not honour" in evidence
                                                   or "; not " in evidence)
            reached["reward"] += any(c.name not in before.COMPONENTS for c in e.components)
            reached["tied terms"] += change == "tied terms" and len(e.shared_terms) >= 2
            reached["no shared words"] += "share no words" in evidence

    check()
    assert len(reached) == 10 and min(reached.values()) >= 30, reached


def test_the_explain_commands_records_are_as_before() -> None:
    """``explain --mentee A --vs C`` and ``explain --mentee A``: compare and top candidates."""
    cohort, config, features = _variant("sensitive")
    for k in range(0, len(cohort.mentees), 7):
        mentee = cohort.mentees[k].id
        b, c = cohort.mentors[k % 60].id, cohort.mentors[(3 * k + 1) % 60].id
        assert (compare(cohort, config, mentee, b, c, features).to_dict()
                == before.compare(cohort, config, mentee, b, c, features).to_dict())
        assert (top_candidates(cohort, config, mentee, 5, features).to_dict()
                == before.top_candidates(cohort, config, mentee, 5, features).to_dict())
