"""The plan records and calendars are the ones d5db890 built, record for record, byte for byte.

Issue 15 (item 3) made the plan builder and the calendar writer do once what many pairs
share (per program, person, meeting or cohort). tests/records_reference holds the modules
as they were; every plan record (all its fields, nested cards and meetings) and every
calendar's bytes must equal what they build, on the sample's match, on a made-up match of
1,000 pairs and on generated cohorts that reach each branch (continuing pairs of a rematch,
specialists of each kind, no start date, time zones with and without shared hours, a
mentor a calendar day apart, sensitive fields hiding cards and hours, invitations, text
that TEXT escaping and folding change).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
from collections import Counter
from pathlib import Path

from factories import CONFIG
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from records_reference import calendar_files as reference_calendars
from records_reference import plans as reference_plans
from records_reference import privacy as reference_privacy

from benchmarks.bench_outputs import synthetic_outcome
from matcher.jobs import match_job
from matcher.outcome import MatchOutcome
from matcher.outputs import calendar_files, plans, privacy
from matcher.outputs.cycle import Closure, CycleContext
from matcher.solver.result import Assignment, SolverResult
from scoring.config import config_from_dict
from scoring.explain import PairExplanation, explain_pairs
from scoring.features import build_features
from scoring.profiles import Cohort, Mentee, Mentor

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def _explained(outcome: MatchOutcome) -> dict[tuple[str, str], PairExplanation]:
    pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings]
    return {(e.mentee_id, e.mentor_id): e
            for e in explain_pairs(outcome.cohort, outcome.config, pairs, outcome.features)}


def _same_as_before(outcome: MatchOutcome, cycle: CycleContext | None = None,
                    organizers: tuple[str, ...] = ("", "office@uni.example")) -> list:
    """Builds the plans and calendars both ways and asserts they are the same; returns the
    new plans."""
    explained = _explained(outcome)
    new = plans.PlanBuilder(outcome, cycle).plans(outcome.networks, explained)
    old = reference_plans.PlanBuilder(outcome, cycle).plans(outcome.networks, explained)
    assert [dataclasses.asdict(p) for p in new] == [dataclasses.asdict(p) for p in old]
    start = outcome.config.program.start_date
    if start is not None:
        for organizer in organizers:
            writer = calendar_files.CalendarWriter(start, organizer)
            reference = reference_calendars.CalendarWriter(start, organizer)
            for plan in new:
                assert writer.calendar(plan) == reference.calendar(plan), plan.file_stem
    return new


def test_the_samples_records_and_calendars_are_the_previous_ones(tmp_path):
    result = match_job(str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv"), quiet=True,
                       out=str(tmp_path / "run"))
    built = _same_as_before(result.outcome)
    assert len(built) > 100 and any(p.role == "specialist" for p in built)


def test_an_icalendar_escaping_otherwise_escapes_each_line_whole(tmp_path):
    """Were the installed icalendar to escape TEXT otherwise than ics_serialise, the writer
    escapes with icalendar each whole line: still the previous bytes."""
    result = match_job(str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv"), quiet=True,
                       out=str(tmp_path / "run"))
    outcome = result.outcome
    built = plans.PlanBuilder(outcome).plans(outcome.networks, _explained(outcome))
    start = outcome.config.program.start_date
    assert start is not None  # the sample program has a start date
    for organizer in ("", "office@uni.example"):
        writer = calendar_files.CalendarWriter(start, organizer)
        writer._escape = calendar_files._icalendar_text
        reference = reference_calendars.CalendarWriter(start, organizer)
        assert [writer.calendar(p) for p in built] == [reference.calendar(p) for p in built]


def test_a_thousand_pairs_records_and_calendars_are_the_previous_ones(tmp_path):
    outcome, _ = synthetic_outcome(tmp_path, 1_000)
    built = _same_as_before(outcome, organizers=("", "mentoring@meridian.example.org"))
    assert len(built) >= 1_000 and sum(p.role == "specialist" for p in built) > 50
    assert sum(bool(p.shared_terms) for p in built) > 50  # the sparse product's path
    assert len({p.shared_hours for p in built}) > 5


# Generated cohorts: names and texts that escaping, folding and word screening change.
_NAMES = ["Ana Ortiz", "Zoë, Ann-Marie", "O'Brien; Jr.", "Back\\slash Nina", "李雷",
          "Dr. Ada\tByron", "Kim", "Maximiliana Theodora Wilhelmina von und zu Liechtenstein",
          "Non-binary Fox", "Video Ray"]
_WORDS = ["grant", "writing", "stereotactic", "radiosurgery", "leadership", "research",
          "K-award", "team", "balance", "female", "non-binary", "video", "UTC-5", "Rare",
          "zygote", "contouring", "clinical", "work"]
_AREAS = ("research", "grant_writing", "clinical_skills", "leadership")
_ZONES = [None, -8.0, -5.0, 0.0, 1.0, 5.5, 9.5, 10.0, 12.0, 14.0, -11.0]
_SENSITIVE = ["modes", "career_stage", "frequency", "institution", "specialty", "languages"]
REACHED: Counter[str] = Counter()


@st.composite
def _people(draw: st.DrawFn) -> tuple[list[Mentee], list[Mentor]]:
    def person(kind: str, k: int) -> dict[str, object]:
        return dict(
            id=f"{kind}{k}@uni.example", name=draw(st.sampled_from(_NAMES)),
            email=draw(st.sampled_from([f"{kind}{k}@uni.example", ""])),
            career_stage=draw(st.sampled_from([None, "resident", "senior"])),
            specialty=draw(st.sampled_from(["", "Breast", "CNS"])),
            modes=tuple(draw(st.lists(st.sampled_from(["video", "phone", "in_person"]),
                                      unique=True, max_size=2))),
            frequency=draw(st.sampled_from([None, "monthly", "quarterly", "biweekly"])),
            time_zone=draw(st.sampled_from(_ZONES)),
            gender=draw(st.sampled_from(["", "female", "non-binary"])),
            background=draw(st.sampled_from(["", "Quuxhaven"])))

    def text() -> str:
        words = draw(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=12))
        return draw(st.sampled_from([" ", ", ", ".\n", "; "])).join(words)

    mentees = [Mentee(**person("e", k), goals=text(),  # type: ignore[arg-type]
                      need_areas=tuple(draw(st.lists(st.sampled_from(_AREAS), unique=True,
                                                     max_size=3))))
               for k in range(draw(st.integers(2, 7)))]
    mentors = [Mentor(**person("m", k), bio=text(),  # type: ignore[arg-type]
                      expertise_areas=tuple(draw(st.lists(st.sampled_from(_AREAS), unique=True,
                                                          min_size=1, max_size=3))))
               for k in range(draw(st.integers(2, 5)))]
    return mentees, mentors


@st.composite
def _outcomes(draw: st.DrawFn) -> tuple[MatchOutcome, CycleContext | None]:
    mentees, mentors = draw(_people())
    program = {**CONFIG["program"],
               "start_date": draw(st.sampled_from([None, "2025-09-01", "2026-01-31",
                                                   "2025-12-24"]))}
    if program["start_date"] is None:
        del program["start_date"]
    sensitive = draw(st.lists(st.sampled_from(_SENSITIVE), unique=True, max_size=3))
    if draw(st.integers(0, 3)) == 0:  # no shared hours shown, no time zone on a card
        sensitive.append("time_zone")
    config = config_from_dict({**CONFIG, "program": program,
                               "sensitive": {"fields": ["gender", "background", *sensitive]},
                               "schedule": {"holidays": draw(st.sampled_from(
                                   [[], ["2025-09-01", "2025-11-03", "2026-03-02"]]))}})
    assignments = []
    for i, mentee in enumerate(mentees):
        chosen = draw(st.lists(st.integers(0, len(mentors) - 1), unique=True, max_size=3))
        for k, j in enumerate(chosen):
            if k == 0:
                assignments.append(Assignment(i, j, "primary", None, 50.0 + i))
            else:
                covers = draw(st.sampled_from([*mentee.need_areas, "coach", "advisor"]))
                assignments.append(Assignment(i, j, "specialist", covers, 40.0 + k))
    result = SolverResult(assignments=assignments, status="optimal", objective=0.0, bound=0.0,
                          gap=0.0, wall_time=0.0, engine="generated")
    cohort = Cohort(mentors=mentors, mentees=mentees)
    outcome = MatchOutcome(cohort=cohort, config=config, objective="total", result=result,
                           features=build_features(cohort, config))
    cycle = None
    if draw(st.booleans()):
        pairs = [(mentees[a.mentee].id, mentors[a.mentor].id) for a in assignments]
        continuing = draw(st.lists(st.sampled_from(pairs), unique=True) if pairs
                          else st.just([]))
        cycle = CycleContext(
            year=draw(st.integers(2, 3)), continuing=frozenset(continuing),
            previous_goals={m.id: "Last year's goals, K-award" for m in mentees[::2]},
            new_goals={m.id: draw(st.sampled_from(["", "New goals; leadership"]))
                       for m in mentees[1::2]},
            closures=(Closure(mentees[0].id, mentors[0].id, "mentee", mentees[0].name,
                              mentees[0].email, mentors[0].name),))
    return outcome, cycle


@settings(max_examples=90, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_outcomes())
def test_generated_cohorts_records_and_calendars_are_the_previous_ones(case):
    outcome, cycle = case
    built = _same_as_before(outcome, cycle)
    shown = privacy.visible_fields(outcome.config.sensitive_fields)
    REACHED["no start date"] += outcome.config.program.start_date is None
    REACHED["time zone hidden"] += "time_zone" not in shown and bool(built)
    for plan in built:
        REACHED["continuing pair"] += plan.continuing
        REACHED[f"specialist {plan.covers if plan.covers in ('coach', 'advisor') else 'area'}"
                ] += plan.role == "specialist"
        hours = plan.shared_hours
        REACHED["shared hours"] += hours is not None
        REACHED["a day apart"] += hours is not None and hours.mentor_day != 0
        REACHED["no shared hours"] += "do not overlap" in plan.hours_note
        REACHED["a time zone missing"] += "did not give a time zone" in plan.hours_note
        REACHED["shared terms"] += bool(plan.shared_terms)
        REACHED["calendar invitation"] += (outcome.config.program.start_date is not None
                                           and bool(plan.mentee.email or plan.mentor.email))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab Nn-é_\\t"), max_size=12),
       st.lists(st.text(alphabet=st.sampled_from("ab Nn-é_"), min_size=0, max_size=4),
                max_size=4))
def test_one_pattern_for_many_values_finds_what_each_values_pattern_finds(text, values):
    expected = any(reference_privacy._whole_word(v).search(text) for v in values)
    assert privacy.names_any(text, values) == expected
    assert privacy.names_any(text, tuple(values)) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab \\;,\r\nNé李😀^:"), max_size=200),
       st.text(alphabet=st.sampled_from("ab \\;,\r\nNé李😀^:"), max_size=200))
def test_a_line_folded_from_its_known_start_is_the_whole_line_folded(start, rest):
    from matcher.outputs.ics_serialise import FoldedStart, fold_content_line
    assert FoldedStart.of(start).fold(rest.encode()) == fold_content_line(start + rest)


def test_the_sample_configs_sensitive_time_zone_is_screened_alike(tmp_path):
    """A program hiding time zones and modes: the cards, hours notes and calendars (all day,
    no shared hours) are the previous ones."""
    program = tomllib.loads((SAMPLE / "program.toml").read_text(encoding="utf-8"))
    program.setdefault("sensitive", {})["fields"] = [
        *program.get("sensitive", {}).get("fields", ["gender", "background"]),
        "time_zone", "modes"]
    config = config_from_dict(program)
    result = match_job(str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv"), quiet=True,
                       out=str(tmp_path / "run"))
    outcome = dataclasses.replace(result.outcome, config=config)
    built = _same_as_before(outcome)
    assert built and all(p.shared_hours is None and p.mentee.time_zone == "" for p in built)


def test_uids_are_the_pairs_and_meetings_hash(tmp_path):
    plan = _same_as_before(synthetic_outcome(tmp_path, 30)[0])[0]
    start = dt.date(2025, 9, 1)
    for number in range(4):
        assert calendar_files._uid(plan, number, start) == reference_calendars._uid(
            plan, number, start)
        assert re.fullmatch(r"[0-9a-f]{32}@mentormatch", calendar_files._uid(plan, number,
                                                                             start))




@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet=st.sampled_from("aA._-/ é"), max_size=4),
                          st.sampled_from(["x", "X", "con", "all", "plans", "a/b", ""])),
                max_size=12))
def test_file_stems_are_the_previous_ones(pairs):
    """Safe ids worked out once per id: the same stems, hashed apart where they collide."""
    stems = plans.file_stems(pairs)
    assert stems == reference_plans.file_stems(pairs)
    REACHED["stems hashed apart"] += any("-" in s[-9:] for s in stems.values())


def test_each_branch_was_reached_by_generated_cohorts():
    """Runs after the properties above (file order): every branch met many examples."""
    wanted = ["no start date", "time zone hidden", "continuing pair", "specialist coach",
              "specialist advisor", "specialist area", "shared hours", "a day apart",
              "no shared hours", "a time zone missing", "shared terms", "calendar invitation",
              "stems hashed apart"]
    assert all(REACHED[name] >= 10 for name in wanted), REACHED
