"""First-meeting plans: content from the explanation and profiles, escaping, schedule, overrides."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from factories import CONFIG, GOALS_ANA, make_outcome

from matcher.outputs.plans import (
    build_plans,
    file_stems,
    readable,
    shared_working_hours,
    time_zone_label,
)
from matcher.outputs.schedule import primary_schedule, specialist_schedule
from matcher.outputs.talking_terms import DistinctiveTerms
from matcher.outputs.templating import PlanRenderer, Templates, templates_for
from scoring.config import ConfigError, config_from_dict
from scoring.profiles import Cohort, Mentee, Mentor


def _plans(**kwargs):
    outcome, explanations = make_outcome(**kwargs)
    by_pair = {(e.mentee_id, e.mentor_id): e for e in explanations}
    return {(p.mentee.id, p.mentor.id): p for p in build_plans(outcome, by_pair)}


def test_plan_names_shared_areas_terms_goals_and_reasons():
    plan = _plans()[("ana@uni.example", "ada@uni.example")]
    pages = PlanRenderer(Templates())(plan)
    markdown, html = pages.markdown, pages.html
    for text in (markdown, html):
        # Shared areas with the vocabulary's labels, shared terms, goals as written.
        assert "Research/Scholarship" in text and "Grant writing" in text
        assert "K-award" in text and "research team" in text
        assert "Submit my first K-award application by June." in text
        assert "Learn to lead a small research team." in text
        assert "need_coverage: research" in text  # the explanation's top reason
        assert "Boundaries and time commitment" in text
        assert "Reflection and future planning" in text
    # Markdown keeps the goals' own line breaks as a quote.
    assert "> " + GOALS_ANA.splitlines()[1] in markdown


def test_primary_plan_has_the_five_meetings_of_the_year_in_order():
    plan = _plans()[("ana@uni.example", "ada@uni.example")]
    assert [m.month for m in plan.meetings] == [1, 3, 6, 9, 12]
    assert [m.date.isoformat() for m in plan.meetings] == [
        "2025-09-01", "2025-11-03", "2026-02-02", "2026-05-01", "2026-08-03"]  # working days
    assert plan.first_meeting.title == "Initial meeting and goal setting"
    assert plan.check_ins.startswith("Between meetings")


def test_specialist_plan_is_short_and_focused_on_the_area():
    plan = _plans()[("ana@uni.example", "cole@uni.example")]
    assert plan.role == "specialist"
    assert 2 <= len(plan.meetings) <= 3 and plan.meetings[-1].month <= 6
    assert all("Clinical skills & contouring" in m.title for m in plan.meetings)
    assert plan.mentor.role == "Specialist mentor for Clinical skills & contouring"
    markdown = Templates().render("plan.md.j2", plan=plan)
    assert "Clinical skills & contouring sessions" in markdown
    assert "Mid-year evaluation" not in markdown
    assert "Dr. Ada Byron (primary mentor)" in markdown  # the rest of the network


def test_logistics_modes_hours_and_frequency():
    plans = _plans()
    ana = plans[("ana@uni.example", "ada@uni.example")]
    assert ana.modes == ("Video",)
    assert (ana.shared_hours.mentee_local, ana.shared_hours.mentor_local) == (
        "09:00-14:00", "12:00-17:00")
    assert ana.frequency.startswith("Monthly")  # biweekly vs monthly: the less frequent
    ben = plans[("ben@uni.example", "dee@uni.example")]
    assert ben.shared_hours is None and "Ben Okafor did not give a time zone" in ben.hours_note
    assert "agree one together" in ben.modes_note  # video vs phone


@pytest.mark.parametrize(("mentee", "mentor", "expected"), [
    (-8.0, -5.0, (5.0, "09:00-14:00", "12:00-17:00")),
    (10.0, -7.0, (1.0, "09:00-10:00", "16:00-17:00")),  # Sydney morning, LA afternoon before
    (5.5, 0.0, (2.5, "14:30-17:00", "09:00-11:30")),
    (0.0, 0.0, (8.0, "09:00-17:00", "09:00-17:00")),
])
def test_shared_working_hours(mentee, mentor, expected):
    hours = shared_working_hours(mentee, mentor)
    assert hours is not None  # every case here has shared hours
    assert (hours.hours, hours.mentee_local, hours.mentor_local) == expected


def test_no_shared_working_hours_twelve_hours_apart():
    assert shared_working_hours(0.0, 12.0) is None


def test_time_zone_labels():
    assert [time_zone_label(x) for x in (5.5, -3.0, 0.0, None)] == [
        "UTC+5:30", "UTC-3", "UTC", "not given"]


def test_participant_text_is_escaped_in_html_and_markdown():
    name = "<script>alert(1)</script>"
    plans = _plans(mentee_name=name, goals="<img src=x onerror=alert(2)> my goals")
    plan = plans[("ana@uni.example", "ada@uni.example")]
    render = PlanRenderer(Templates())
    pages = render(plan)
    html, markdown = pages.html, pages.markdown
    combined = render.combined(list(plans.values()),
                               [render(p).body for p in plans.values()])
    for text in (html, combined):
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>" not in markdown and "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown


def test_sensitive_fields_are_not_shown_even_when_the_program_adds_one():
    data = {**CONFIG, "sensitive": {"fields": ["gender", "background", "institution"]}}
    outcome, explanations = make_outcome()
    outcome = dataclasses.replace(outcome, config=config_from_dict(data))
    by_pair = {(e.mentee_id, e.mentor_id): e for e in explanations}
    plan = build_plans(outcome, by_pair)[0]
    text = Templates().render("plan.md.j2", plan=plan)
    assert "North Hospital" not in text  # institution, now sensitive
    assert "Specialty" in dict(plan.mentor.details) or "specialty" in text


def _iso(day: dt.date | None) -> str:
    assert day is not None  # these configs have a start date
    return day.isoformat()


def test_schedule_from_config_replaces_the_default():
    meetings = [{"month": 1, "title": "Kick-off", "purpose": "Meet."},
                {"month": 4, "title": "Review", "purpose": "Look back."}]
    config = config_from_dict({**CONFIG, "schedule": {"meetings": meetings}})
    schedule = primary_schedule(config)
    assert [(m.month, m.title, _iso(m.date)) for m in schedule] == [
        (1, "Kick-off", "2025-09-01"), (4, "Review", "2025-12-01")]
    # The specialist series still comes from the defaults.
    assert len(specialist_schedule(config, "Research")) == 3


@pytest.mark.parametrize("meetings", [[], [{"month": 0, "title": "x"}], [{"month": 3}],
                                      [{"month": 6, "title": "a"}, {"month": 2, "title": "b"}]])
def test_bad_schedule_is_a_config_error_at_load(meetings):
    with pytest.raises(ConfigError, match=r"\[schedule\] meetings"):
        config_from_dict({**CONFIG, "schedule": {"meetings": meetings}})


def test_end_of_month_start_date_clamps_to_the_last_day():
    config = config_from_dict({**CONFIG, "program": {"start_date": "2025-01-31"}})
    assert [_iso(m.date) for m in primary_schedule(config)] == [
        "2025-01-31", "2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31"]


def test_bad_start_date_is_a_config_error_at_load():
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        config_from_dict({**CONFIG, "program": {"start_date": "next autumn"}})


def test_program_templates_override_the_built_in_ones(tmp_path):
    (tmp_path / "plan.md.j2").write_text("Custom plan for {{ plan.mentee.name }}\n")
    config = config_from_dict({**CONFIG, "program": {"templates_dir": str(tmp_path)}})
    plan = _plans()[("ana@uni.example", "ada@uni.example")]
    templates = templates_for(config)
    assert templates.render("plan.md.j2", plan=plan) == "Custom plan for Ana Ortiz\n"
    # Templates the folder does not hold fall back to the built-in ones.
    assert "First-meeting plan" in PlanRenderer(templates)(plan).html


def test_built_in_templates_are_compiled_once_and_a_programs_are_read_each_run(tmp_path):
    """A process shares one compiled built-in set between its runs; a program's folder is
    read again for each run, so an edit between two runs shows in the second."""
    import matcher.outputs
    import matcher.runfolder.prepared
    from matcher.outputs.templating import builtin_templates

    built_in = builtin_templates()
    assert templates_for(config_from_dict(CONFIG)) is built_in
    compiled = {name for env in (built_in._html, built_in._markdown, built_in._text,
                                 *built_in._encoded_envs.values())  # the pages: as bytes
                for _, name in (env.cache or {})}
    shipped = {p.name for p in (Path(matcher.outputs.__file__).parent / "templates").glob("*.j2")}
    assert shipped and shipped <= compiled
    plan = _plans()[("ana@uni.example", "ada@uni.example")]
    config = config_from_dict({**CONFIG, "program": {"templates_dir": str(tmp_path)}})
    for text in ("First {{ plan.mentee.name }}\n", "Second {{ plan.mentee.name }}\n"):
        (tmp_path / "plan.md.j2").write_text(text)
        assert templates_for(config).render("plan.md.j2", plan=plan) == text.replace(
            "{{ plan.mentee.name }}", "Ana Ortiz")


def test_missing_templates_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        Templates(tmp_path / "nope")


def test_file_stems_are_safe_and_unique():
    stems = file_stems([("a/b@x.org", "m 1"), ("a_b@x.org", "m_1"), ("../../etc", "p")])
    assert all("/" not in s and " " not in s and not s.startswith(".") for s in stems.values())
    assert len(set(stems.values())) == 3
    assert stems[("../../etc", "p")] == "etc__p"


# ------------------------------------------------------------- wording, terms, printing

def test_coach_and_advisor_plans_speak_of_the_skill_and_the_question():
    outcome, explanations = make_outcome()
    by_pair = {(e.mentee_id, e.mentor_id): e for e in explanations}
    assignments = list(outcome.result.assignments)
    for role in ("coach", "advisor"):
        assignments[1] = dataclasses.replace(assignments[1], covers=role)
        changed = dataclasses.replace(outcome, result=dataclasses.replace(
            outcome.result, assignments=assignments))
        plan = next(p for p in build_plans(changed, by_pair) if p.role == "specialist")
        text = Templates().render("plan.md.j2", plan=plan)
        assert "centred on Coach" not in text and "centred on Advisor" not in text
        assert f"on {readable(role)}" not in text and "sessions on Advisor" not in text
        # The skill / question area is the area the two share (clinical skills).
        assert plan.focus == "Clinical skills & contouring"
        heading = "Coaching on" if role == "coach" else "Advice on"
        assert text.startswith(f"# {heading} Clinical skills & contouring")
        assert ("exercise" in text) if role == "coach" else ("question" in text)


def test_goals_are_above_the_preparation_that_refers_to_them():
    plan = _plans()[("ana@uni.example", "ada@uni.example")]
    text = Templates().render("plan.md.j2", plan=plan)
    assert "goals below" not in text and "goals above" in text
    assert text.index("goals, as written at sign-up") < text.index("goals above")


def test_talking_terms_are_distinctive_never_words_most_participants_wrote():
    common = "clinical work early career"
    mentees = [Mentee(id=f"e{i}", name=f"E{i}", goals=f"{common} topic{i}") for i in range(9)]
    mentees.append(Mentee(id="e9", name="E9",
                          goals=f"{common} stereotactic radiosurgery outcomes"))
    mentors = [Mentor(id=f"m{i}", name=f"M{i}", bio=f"{common} expertise{i}") for i in range(9)]
    mentors.append(Mentor(id="m9", name="M9", bio=f"{common} stereotactic radiosurgery"))
    cohort = Cohort(mentors=mentors, mentees=mentees)
    terms = DistinctiveTerms.of(cohort)
    shared = terms.shared(9, 9, mentees[9].goals)
    assert set(shared) == {"stereotactic radiosurgery"}  # the phrase, not its words again
    assert terms.shared(0, 0, mentees[0].goals) == ()  # only common words in common
    for word in common.split():
        assert not terms.distinctive[list(terms.terms).index(word)]


def test_reasons_that_would_reveal_a_sensitive_attribute_are_left_out():
    outcome, explanations = make_outcome()
    mentees = [dataclasses.replace(outcome.cohort.mentees[0], preferences=("same_gender",)),
               *outcome.cohort.mentees[1:]]
    outcome = dataclasses.replace(outcome, cohort=dataclasses.replace(outcome.cohort,
                                                                      mentees=mentees))
    first = explanations[0]
    components = tuple(dataclasses.replace(c, points=99.0, evidence="Honours your preference "
                                           "for same gender") if c.name == "preferences" else c
                       for c in first.components)
    explanations[0] = dataclasses.replace(first, components=components)
    by_pair = {(e.mentee_id, e.mentor_id): e for e in explanations}
    plan = build_plans(outcome, by_pair)[0]
    text = Templates().render("plan.md.j2", plan=plan)
    assert "same gender" not in text and "[withheld]" not in text
    assert len(plan.reasons) == 3


def test_all_plans_table_of_contents_is_sorted_by_mentee_then_primary_first():
    plans = list(_plans().values())
    renderer = PlanRenderer(Templates())
    page = renderer.combined(plans, [renderer(p).body for p in plans])
    toc = page[page.index('<table class="toc">'):page.index("</table>")]
    order = re.findall(r'href="#plan-([^"]+)"', toc)
    assert order == ["ana_uni.example__ada_uni.example", "ana_uni.example__cole_uni.example",
                     "ben_uni.example__dee_uni.example"]
    bodies = re.findall(r'<article class="plan" id="plan-([^"]+)"', page)
    assert bodies == order


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


def pdf_pages(chromium: str, page: Path, folder: Path) -> int:
    """Pages of ``page`` printed to PDF by headless Chromium (its print stylesheet, A4)."""
    pdf = folder / f"{page.stem}.pdf"
    completed = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--no-pdf-header-footer",
         f"--user-data-dir={folder / 'profile'}", f"--print-to-pdf={pdf}", page.as_uri()],
        capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Cohort]:
    """The run folder of the shipped sample (150 mentees, 60 mentors), matched in-process,
    and its cohort."""
    from matcher.pipeline import run_match
    from matcher.runfolder.writer import write_run_folder
    from scoring.config import load_config
    from scoring.intake.cohort import read_valid_cohort

    config = load_config(SAMPLE / "program.toml")
    cohort = read_valid_cohort(str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv"),
                               config, action="matched")
    inputs = {"mentors": SAMPLE / "mentors.csv", "mentees": SAMPLE / "mentees.csv"}
    folder = write_run_folder(run_match(cohort, config, progress=False),
                              tmp_path_factory.mktemp("sample") / "run", inputs=inputs,
                              quiet=True)
    return folder, cohort


#: The longest plans printed (by their HTML body): printing all 166 takes a minute.
PRINTED_PLANS = 30


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install "
                                             "chromium)")
def test_the_longest_plans_of_the_sample_print_on_one_page_each(sample_run, tmp_path):
    sample_folder = sample_run[0]
    combined = (sample_folder / "plans" / "all_plans.html").read_text(encoding="utf-8")
    head = combined[:combined.index('<nav class="toc">')]
    bodies = re.findall(r'<article class="plan".*?</article>', combined, re.DOTALL)
    assert len(bodies) == len(list((sample_folder / "plans").glob("*.md"))) > 100
    longest = sorted(bodies, key=lambda body: len(re.sub(r"<[^>]+>", "", body)))[-PRINTED_PLANS:]
    only_plans = tmp_path / "longest_plans.html"
    only_plans.write_text(head + "\n".join(longest) + "</body></html>", encoding="utf-8")
    assert CHROMIUM is not None  # the skipif above
    # One page per plan exactly: a plan that spilled over would add a page.
    assert pdf_pages(CHROMIUM, only_plans, tmp_path) == PRINTED_PLANS
    # A pair's own page prints on one page too (the largest file).
    largest = max((sample_folder / "plans").glob("*__*.html"), key=lambda p: p.stat().st_size)
    assert pdf_pages(CHROMIUM, largest, tmp_path) == 1


def test_no_meeting_of_the_sample_falls_on_a_weekend_for_either_side(sample_run):
    import datetime as dt

    import icalendar

    from matcher.runfolder.reader import read_pairings

    folder, cohort = sample_run
    offsets = {p.id: p.time_zone for p in (*cohort.mentees, *cohort.mentors)}
    pairs = [p.key for p in read_pairings(folder / "pairings.csv")]
    meetings = 0
    for pair, stem in file_stems(pairs).items():
        data = (folder / "calendar" / f"{stem}.ics").read_bytes()
        for event in icalendar.Calendar.from_ical(data).walk("VEVENT"):
            start = event.decoded("dtstart")
            for person in pair:
                # A timed meeting (UTC) on each side's own calendar day; an all-day one as is.
                day = (start + dt.timedelta(hours=offsets[person] or 0)).date() \
                    if isinstance(start, dt.datetime) else start
                assert day.weekday() < 5, (stem, person, start)
            meetings += 1
    assert meetings >= 3 * len(pairs) > 300
