"""Shared test factories: a hand-built match outcome for the output tests, and its inputs.

Plain functions, imported as ``from factories import make_outcome`` (tests vary their
arguments, so fixtures would only wrap them). The outcome is small and fully known: three
mentees (one with a primary mentor and a coach, one with a primary mentor only, one
unplaced), four mentors (one left without a mentee), explanations with known shared areas
and terms, and sensitive values that must never be printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from matcher.outcome import MatchOutcome
from matcher.solver.result import Assignment, SolverResult
from scoring.config import config_from_dict
from scoring.explain import ComponentPoints, PairExplanation
from scoring.profiles import Cohort, Mentee, Mentor, Problem

#: Values planted in sensitive fields; no file of a run folder may contain them.
SENSITIVE_GENDER = "Zorblaxian"
SENSITIVE_BACKGROUND = "Quuxhaven"

GOALS_ANA = "Submit my first K-award application by June.\nLearn to lead a small research team."

CONFIG = {
    "program": {"name": "Test Society Mentoring 2025", "start_date": "2025-09-01"},
    "columns": {"mentees": {"Gender (optional)": "gender"}},
    "vocabularies": {
        "areas": {"research": ["Research/Scholarship"], "grant_writing": ["Grant writing"],
                  "clinical_skills": ["Clinical skills & contouring"], "leadership": []},
        "career_stage": {"resident": [], "fellow": [], "early_career": [], "senior": []},
    },
}


def make_config(**program: object):
    """The fixture config; keyword arguments override ``[program]`` keys."""
    data = {**CONFIG, "program": {**cast(dict[str, object], CONFIG["program"]), **program}}
    return config_from_dict(data)


def _components(score: float, evidence_area: str) -> tuple[ComponentPoints, ...]:
    weights = {"need_coverage": 30.0, "goal_text": 20.0, "role_fit": 15.0, "stage_gap": 10.0,
               "communication": 10.0, "time_zone": 10.0, "preferences": 5.0}
    value = score / 100.0
    return tuple(ComponentPoints(name=name, weight=w, value=value, points=w * value,
                                 evidence=f"{name}: {evidence_area}")
                 for name, w in weights.items())


def make_outcome(*, mentee_name: str = "Ana Ortiz", mentor_name: str = "Dr. Ada Byron",
                 start_date: str = "2025-09-01",
                 goals: str = GOALS_ANA) -> tuple[MatchOutcome, list[PairExplanation]]:
    """The fixture outcome and one explanation per pairing."""
    config = make_config(start_date=start_date)
    mentors = [
        Mentor(id="ada@uni.example", name=mentor_name, email="ada@uni.example",
               career_stage="senior", specialty="Breast", institution="North Hospital",
               modes=("video", "in_person"), frequency="monthly", time_zone=-5.0,
               expertise_areas=("research", "grant_writing"), roles=("mentor",), capacity=2,
               gender=SENSITIVE_GENDER, background=SENSITIVE_BACKGROUND),
        Mentor(id="cole@uni.example", name="Cole Park", email="cole@uni.example",
               career_stage="early_career", specialty="CNS", modes=("video",),
               time_zone=1.0, expertise_areas=("clinical_skills",), roles=("coach",),
               capacity=1, gender=SENSITIVE_GENDER),
        Mentor(id="dee@uni.example", name="Dee Singh", email="dee@uni.example",
               career_stage="senior", modes=("phone",), frequency="quarterly", time_zone=5.5,
               expertise_areas=("leadership",), roles=("mentor",), capacity=1,
               background=SENSITIVE_BACKGROUND),
        Mentor(id="eve@uni.example", name="Eve Idle", email="eve@uni.example",
               career_stage="senior", expertise_areas=("research",), capacity=3),
    ]
    mentees = [
        Mentee(id="ana@uni.example", name=mentee_name, email="ana@uni.example",
               career_stage="resident", specialty="Breast", modes=("video",),
               frequency="biweekly", time_zone=-8.0, need_areas=("research", "grant_writing",
                                                                  "clinical_skills"),
               goals=goals, help_wanted=("mentor", "coach"), network_size=2,
               gender=SENSITIVE_GENDER, background=SENSITIVE_BACKGROUND),
        Mentee(id="ben@uni.example", name="Ben Okafor", email="ben@uni.example",
               career_stage="fellow", modes=("video",), time_zone=None,
               need_areas=("leadership",), goals="Become a division chief.",
               gender=SENSITIVE_GENDER),
        Mentee(id="cai@uni.example", name="Cai Lun", email="cai@uni.example",
               career_stage="resident", need_areas=("leadership",), goals="Find balance.",
               background=SENSITIVE_BACKGROUND),
    ]
    problems = [Problem("warning", "mentees.csv", 3, "Gender (optional)", SENSITIVE_GENDER,
                        f"{SENSITIVE_GENDER!r} is not a known value.", "Check the spelling."),
                Problem("warning", "mentors.csv", 4, "Time zone", "Mars",
                        "not a time zone.", "Write an offset such as UTC-5.")]
    cohort = Cohort(mentors=mentors, mentees=mentees, problems=problems)
    result = SolverResult(
        assignments=[Assignment(0, 0, "primary", None, 81.25),
                     Assignment(0, 1, "specialist", "clinical_skills", 64.5),
                     Assignment(1, 2, "primary", None, 58.0)],
        status="optimal", objective=203.75, bound=203.75, gap=0.0, wall_time=0.0123,
        engine="min_cost_flow",
        unplaced={2: "no eligible mentor has capacity left in leadership"},
        stats={"arcs": 7, "certified": True, "solve_seconds": 0.01})
    outcome = MatchOutcome(cohort=cohort, config=config, objective="total", result=result)
    explanations = [
        PairExplanation("ana@uni.example", "ada@uni.example", 81.25, True, (),
                        _components(81.25, "research"), shared_areas=("research",
                                                                      "grant_writing"),
                        shared_terms=("K-award", "research team"), shared_modes=("video",)),
        PairExplanation("ana@uni.example", "cole@uni.example", 64.5, True, (),
                        _components(64.5, "clinical skills"),
                        shared_areas=("clinical_skills",), shared_modes=("video",)),
        PairExplanation("ben@uni.example", "dee@uni.example", 58.0, True, (),
                        _components(58.0, "leadership"), shared_areas=("leadership",)),
    ]
    return outcome, explanations


def write_inputs(folder: Path) -> dict[str, Path]:
    """Stand-in input files for the run record's hashes."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, text in (("mentors", "id,name\n"), ("mentees", "id,name\n"),
                       ("config", "[program]\n")):
        path = folder / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        paths[name] = path
    return paths

