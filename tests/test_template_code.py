"""The built-in templates, compiled by our code generator (template_code.TrustedCode), print
exactly what Jinja's own code prints for them.

The reference is plain Jinja: a ``jinja2.Environment`` per kind of output with the same
loader, options, filters, finalize and autoescaping as :class:`~matcher.outputs.templating.
Templates`, and Jinja's own code generator. Every page and e-mail of the sample's match, of a
generated 1,000-pair match and of property-generated plans and closures (markup characters,
Unicode, control characters, empty lists, continuing pairs, specialists, networks, no start
date) is rendered both ways and compared. A render the fast code cannot finish is done again
by Jinja's code (same text, same error); a program's own templates keep Jinja's code.
"""

from __future__ import annotations

import dataclasses
import functools
import pickle
import tempfile
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any, cast

import jinja2
import jinja2.sandbox
import markupsafe
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.bench_outputs import synthetic_outcome
from matcher.jobs import match_job
from matcher.outcome import MatchOutcome
from matcher.outputs import templating
from matcher.outputs.cycle import Closure
from matcher.outputs.plans import PairPlan, PersonCard, SharedHours, build_plans
from matcher.outputs.template_code import (
    EncodedCode,
    EncodedMarkup,
    NotEncodable,
    Printed,
    PrintOnce,
    TrustedCode,
)
from matcher.runfolder.writer import _introduction
from scoring.config import ConfigError
from scoring.explain import explain_pairs

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


class _PlainJinja:
    """The built-in templates rendered by Jinja alone (what Templates did before its code
    generators): the ``render``/``macro`` calls PlanRenderer and the writer make."""

    def __init__(self) -> None:
        def environment(autoescape: bool, finalize: Any) -> jinja2.Environment:
            env = jinja2.Environment(
                loader=jinja2.FileSystemLoader(str(templating._PACKAGE_TEMPLATES)),
                undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                keep_trailing_newline=True, autoescape=autoescape, finalize=finalize)
            env.filters.update(long_date=templating._long_date,
                               lowerfirst=templating._lower_first,
                               markdown_safe=templating.markdown_safe)
            return env
        self._html = environment(True, templating.printable)
        self._markdown = environment(False, templating.markdown_safe)
        self._text = environment(False, templating.printable)

    def _environment(self, name: str) -> jinja2.Environment:
        if name.endswith(".html.j2"):
            return self._html
        return self._markdown if name.endswith(".md.j2") else self._text

    def render(self, name: str, **context: Any) -> str:
        return self._environment(name).get_template(name).render(**context)

    def macro(self, name: str, macro: str) -> Any:
        return getattr(self._environment(name).get_template(name).module, macro)


def _texts(templates: Any, plans: list[PairPlan], closures: tuple[Closure, ...] = ()
           ) -> list[str]:
    """Every text a run folder's templates make for ``plans`` (and ``closures``)."""
    render = templating.PlanRenderer(templates)
    pages = [render(plan) for plan in plans]
    texts = [text for page in pages for text in (page.markdown, page.html, page.body)]
    texts += [text for plan in plans for text in _introduction(templates, plan)]
    texts += [_as_bytes(templates, f"introduction_{part}.txt.j2", plan=plan)
              for plan in plans for part in ("subject", "email")]
    texts.append(render.combined(plans, [page.body for page in pages]))
    for note in closures:
        texts += [render_as(f"closure_{part}.txt.j2", note=note, program="P <&>")
                  for part in ("subject", "email")
                  for render_as in (templates.render, partial(_as_bytes, templates))]
    return texts


def _as_bytes(templates: Any, name: str, **context: Any) -> str:
    """The template rendered to UTF-8 bytes (Templates.render_bytes; plain Jinja: its text
    encoded), decoded again to compare."""
    render = getattr(templates, "render_bytes", None)
    data = render(name, **context) if render else \
        templates.render(name, **context).encode("utf-8")
    assert type(data) is bytes
    return data.decode("utf-8")


@functools.cache
def _renderers() -> tuple[templating.Templates, _PlainJinja]:
    """Both renderers, made once: compiling the templates is most of a small render's cost
    (0.1 s against 2 ms), and a run's one Templates renders every plan of the run."""
    return templating.Templates(), _PlainJinja()


def _assert_same(plans: list[PairPlan], closures: tuple[Closure, ...] = ()) -> None:
    fast, plain = _renderers()
    assert fast.trusted and fast._html.code_generator_class is TrustedCode
    assert _texts(fast, plans, closures) == _texts(plain, plans, closures)


def _plans(outcome: MatchOutcome) -> list[PairPlan]:
    pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings]
    explained = explain_pairs(outcome.cohort, outcome.config, pairs, outcome.features)
    return build_plans(outcome, {(e.mentee_id, e.mentor_id): e for e in explained})


@functools.cache
def _sample_plans() -> tuple[PairPlan, ...]:
    with tempfile.TemporaryDirectory() as folder:
        result = match_job(str(SAMPLE / "mentors.csv"), str(SAMPLE / "mentees.csv"),
                           quiet=True, out=str(Path(folder) / "run"))
    return tuple(_plans(result.outcome))


def test_the_samples_pages_and_e_mails_are_jinjas_own():
    plans = list(_sample_plans())
    assert len(plans) > 20 and any(p.role == "specialist" for p in plans)
    _assert_same(plans)


def test_a_generated_1000_pair_match_renders_as_jinja_renders_it(tmp_path):
    outcome, _ = synthetic_outcome(tmp_path, 1000)
    plans = _plans(outcome)
    assert len(plans) >= 900
    assert {p.role for p in plans} == {"primary", "specialist"}
    _assert_same(plans)


# -- property-generated plans -------------------------------------------------------------

#: Texts with what escaping, cleaning and Markdown treat specially, Unicode and blanks.
_SPECIAL = st.sampled_from(["", " ", "Ada", "<script>alert(1)</script>", "O'Brien & Co",
                              "[x](javascript:1)", "![i](https://e.x/i.png)", "a\\b",
                              "Zoë 李 👩‍🔬",
                              "tab\there\x1b[0m", "line one\nline two\n\n  \nline four",
                              "{{ x }}"])
_TEXT = st.one_of(_SPECIAL, _SPECIAL, st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12))
_TEXTS = st.lists(_TEXT, max_size=3).map(tuple)
_MARKUP = st.sampled_from(["<b>Ada</b> & Bo", "<i>[Bo](javascript:1)</i>", "Ann <ann@x.org>"])


@st.composite
def _person(draw: st.DrawFn, base: PersonCard) -> PersonCard:
    return dataclasses.replace(
        base, name=draw(st.one_of(_MARKUP, _TEXT)), email=draw(_TEXT), role=draw(_TEXT),
        details=tuple(draw(st.lists(st.tuples(_TEXT, _TEXT), max_size=2))),
        time_zone=draw(st.sampled_from(["", "UTC+5:30", "not given", "<b>"])))


@st.composite
def _plan(draw: st.DrawFn) -> PairPlan:
    base = draw(st.sampled_from(_sample_plans()))
    meetings = base.meetings
    if draw(st.booleans()):  # no start date
        meetings = tuple(dataclasses.replace(m, date=None) for m in meetings)
    meetings = tuple(dataclasses.replace(m, title=draw(_TEXT)) if draw(st.booleans()) else m
                     for m in meetings[:draw(st.integers(1, len(meetings)))])
    hours = draw(st.one_of(st.none(), st.builds(SharedHours, st.just(2.0), _TEXT, _TEXT)))
    return dataclasses.replace(
        base, program=draw(_TEXT), file_stem=draw(_TEXT),
        role=draw(st.sampled_from(["primary", "specialist"])),
        mentee=draw(_person(base.mentee)), mentor=draw(_person(base.mentor)),
        reasons=draw(_TEXTS), goals=draw(_TEXT), need_areas=draw(_TEXTS),
        agenda=draw(_TEXTS), talking_points=draw(_TEXTS), mentee_preparation=draw(_TEXTS),
        mentor_preparation=draw(_TEXTS), modes=draw(_TEXTS), modes_note=draw(_TEXT),
        shared_hours=hours, hours_note=draw(_TEXT), frequency=draw(_TEXT),
        meetings=meetings, check_ins=draw(_TEXT), network=draw(_TEXTS),
        focus=draw(st.one_of(st.none(), _TEXT)), title=draw(_TEXT),
        year=draw(st.integers(1, 3)), continuing=draw(st.booleans()),
        previous_goals=draw(_TEXT), new_goals=draw(_TEXT))


_CLOSURE = st.builds(Closure, mentee_id=_TEXT, mentor_id=_TEXT,
                     side=st.sampled_from(["mentee", "mentor"]), name=_TEXT, email=_TEXT,
                     other_name=_TEXT, because=_TEXT)


def test_generated_plans_and_closures_render_as_jinja_renders_them():
    reached: Counter[str] = Counter()

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(_plan(), min_size=1, max_size=3), st.lists(_CLOSURE, max_size=2))
    def check(plans: list[PairPlan], closures: list[Closure]) -> None:
        _assert_same(plans, tuple(closures))
        for plan in plans:
            reached["continuing"] += plan.continuing
            reached["specialist"] += plan.role == "specialist"
            reached["year 2+, new"] += plan.year > 1 and not plan.continuing
            reached["no start date"] += plan.first_meeting.date is None
            reached["no reasons"] += not plan.reasons and not plan.continuing
            reached["no goals"] += not plan.goals.strip() and not plan.continuing
            reached["new goals"] += bool(plan.new_goals) and plan.continuing
            reached["network"] += bool(plan.network)
            reached["no modes"] += not plan.modes
            reached["shared hours"] += plan.shared_hours is not None
            reached["markup in a name"] += "<" in plan.mentee.name + plan.mentor.name
        for note in closures:
            reached[f"closure to the {note.side}"] += 1
            reached["closure with a reason"] += bool(note.because)

    check()
    for path in ("continuing", "specialist", "year 2+, new", "no start date", "no reasons",
                 "no goals", "new goals", "network", "no modes", "shared hours",
                 "markup in a name", "closure to the mentee", "closure to the mentor",
                 "closure with a reason"):
        assert reached[path] >= 15, (path, reached)


# -- where the fast code cannot finish, and a program's own templates --------------------

def test_a_render_the_fast_code_cannot_finish_is_jinjas_own():
    """Jinja reads ``plan.mentee.name`` of a dict as its item; the fast code's attribute
    access fails, and Jinja's code renders it: the same text. A missing value raises the
    error Jinja's code raises."""
    plan = _sample_plans()[0]
    as_dict = dataclasses.replace(plan, mentee=dataclasses.asdict(plan.mentee))  # type: ignore[arg-type]
    fast = templating.Templates()
    plain = _PlainJinja()
    as_templates = cast(templating.Templates, plain)  # renders what Templates renders
    assert templating.PlanRenderer(fast)(as_dict) == templating.PlanRenderer(as_templates)(as_dict)
    assert _introduction(fast, as_dict) == _introduction(as_templates, as_dict)
    with pytest.raises(ConfigError, match="introduction_email.txt.j2: 'dict object' has no "
                                          "attribute 'name'"):
        fast.render("introduction_email.txt.j2", plan=dataclasses.replace(
            plan, mentee={"nickname": "x"}))  # type: ignore[arg-type]


def test_a_programs_own_templates_keep_jinjas_sandboxed_code(tmp_path):
    (tmp_path / "plan.md.j2").write_text("{{ plan.mentee.name }}|{{ plan.__class__ }}\n")
    own = templating.Templates(tmp_path)
    assert not own.trusted
    assert isinstance(own._markdown, jinja2.sandbox.SandboxedEnvironment)
    assert own._markdown.code_generator_class is PrintOnce
    with pytest.raises(ConfigError, match="plan.md.j2: access to attribute '__class__'"):
        own.render("plan.md.j2", plan=_sample_plans()[0])
    (tmp_path / "plan.md.j2").write_text("{{ plan.mentee.name }} <{{ plan.year }}>\n")
    plan = _sample_plans()[0]
    assert (templating.Templates(tmp_path).render("plan.md.j2", plan=plan)
            == f"{templating.markdown_safe(plan.mentee.name)} <{plan.year}>\n")


# -- loops whose text is kept ------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _Frozen:
    label: str
    parts: tuple[str, ...]


@dataclasses.dataclass
class _Open:
    label: str
    parts: tuple[str, ...] = ()


_LOOPS = {
    "items only": "{% for a in items %}{{ loop.index }}.{{ a.label }}|{% else %}none{% endfor %}",
    "an outer name": "{% for a in items %}{{ a.label }}{{ x }}|{% endfor %}",
    "an inner loop's name outside it": "{% for a in items %}{{ x }}{% for x in a.parts %}"
                                       "{{ x }}{% endfor %}|{% endfor %}",
    "an outer loop in else": "{% for x in [1] %}{% for a in items %}{{ a.label }}{% else %}"
                             "{{ loop.index }}{% endfor %}{% endfor %}",
    "an assignment": "{% for a in items %}{% set x = a.label %}{{ x }}{% endfor %}",
}


def test_a_loop_keeps_its_text_only_where_nothing_but_its_unchanging_items_can_change_it():
    """The fast code keeps a loop's text per sequence of items when the loop reads nothing
    else and the sequence cannot change; rendered again with a changed list, a changed
    item, a changed outer value, it prints what Jinja prints each time."""
    fast = templating._printing_once(jinja2.Environment(finalize=templating.printable), True)
    plain = jinja2.Environment(finalize=templating.printable)
    frozen = (_Frozen("a<", ("1", "2")), _Frozen("b", ()))
    listed = [_Frozen("c", ("3",))]
    opened = (_Open("d"),)
    for name, source in _LOOPS.items():
        compiled, reference = fast.from_string(source), plain.from_string(source)
        for _ in range(3):
            for items in (frozen, listed, opened, ()):
                for x in ("x1", "x2"):
                    assert (compiled.render(items=items, x=x)
                            == reference.render(items=items, x=x)), name
            listed.append(_Frozen("e", ("4",)))
            opened[0].label += "!"
    kept = [items for items, _ in fast.loop_texts.known.values()]  # type: ignore[attr-defined]
    assert any(items is frozen for items in kept)  # the loop that reads only its items
    assert not any(items is listed or items is opened for items in kept)


# -- printed values ----------------------------------------------------------------------

_PRINTED_TEXT = st.one_of(_SPECIAL, st.text(max_size=20), st.text(
    alphabet=st.sampled_from("aZ é—&<>'\"[]\\\n\t\x1b\xa0\u200b"), max_size=8))


def test_a_printed_text_is_what_finalize_and_escape_make_of_it():
    """Printed prints a text that neither its finalize function nor escaping would change
    as the text itself, without calling them; every other text as finalize and escape make
    it. Both ways are reached for each of the environments' finalize functions."""
    reached: Counter[str] = Counter()

    @settings(max_examples=300, deadline=None)
    @given(_PRINTED_TEXT)
    def check(text: str) -> None:
        for finalize in (templating.printable, templating.markdown_safe):
            changes = templating._FINALIZE_CHANGES[finalize]
            for escaped in (True, False):
                printed = Printed(finalize, escaped, changes)(text)
                expected = markupsafe.escape(finalize(text)) if escaped \
                    else str(finalize(text))
                assert printed == expected and type(printed) in (str, markupsafe.Markup)
                reached["as it is" if printed is text else "changed"] += 1

    check()
    assert reached["as it is"] >= 200 and reached["changed"] >= 200, reached



# -- pages rendered to bytes ---------------------------------------------------------------

def test_the_built_in_pages_are_rendered_to_bytes_and_others_are_encoded_text(tmp_path):
    """The built-in plan templates, e-mails and closures compile to bytes (EncodedCode); a
    template holding what cannot be bytes (rendered text kept as a value: the report's
    macros and blocks) does not, and is rendered as text and encoded: the same bytes."""
    fast = templating.Templates()
    fast.compile_all()
    assert set(fast._encoded) == set(templating.PAGES_AS_BYTES)  # compiled up front
    names = [name for name in templating._PACKAGE_TEMPLATES.iterdir()
             if name.suffix == ".j2"]
    assert {name.name for name in names if fast._load_encoded(name.name) is None} \
        == {"report.html.j2"}
    env = templating._printing_once(jinja2.Environment(finalize=templating.printable), False,
                                    True)
    assert env.code_generator_class is EncodedCode
    for source in ("{% set x %}<{{ a }}>{% endset %}{{ x }}", "{% macro m() %}1{% endmacro %}"
                   "{{ m() }}", "{% filter upper %}{{ a }}{% endfilter %}"):
        with pytest.raises(NotEncodable):
            env.from_string(source)
    plan = _sample_plans()[0]
    pages = templating.PlanRenderer(fast)(plan)
    assert isinstance(pages.body, EncodedMarkup)
    assert pages.body.utf8 == str(pages.body).encode("utf-8")
    # printed as it is into all_plans.html's text, not copied
    assert fast._html.printed_escaped(pages.body) is pages.body  # type: ignore[attr-defined]
    # a body sent to another process is sent as its bytes, and is the same markup there
    data = pickle.dumps(pages.body)
    sent = pickle.loads(data)
    assert type(sent) is EncodedMarkup and sent == pages.body and sent.utf8 == pages.body.utf8
    assert len(data) < len(pages.body.utf8) + 200


def test_a_programs_own_plan_page_gets_the_body_as_text(tmp_path):
    """A program's plan.html.j2 may print the body twice, or read it: its page is its own
    template rendered with the body's text, as before pages were written as bytes."""
    (tmp_path / "plan.html.j2").write_text(
        "{{ body | length }}|{{ body }}|{{ body }}|{{ plan.mentee.name }}\n")
    own = templating.Templates(tmp_path)
    plan = _sample_plans()[0]
    pages = templating.PlanRenderer(own)(plan)
    body = templating.Templates().macro("_plan_body.html.j2", "plan_body")(plan)
    assert pages.body == body
    assert pages.html == (f"{len(body)}|{body}|{body}|"
                          f"{templating.markupsafe.escape(plan.mentee.name)}\n")
    assert pages.html_bytes == pages.html.encode("utf-8")
    plain = cast(templating.Templates, _PlainJinja())
    assert pages.markdown == templating.PlanRenderer(plain)(plan).markdown
