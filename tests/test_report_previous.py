"""report.html as this session writes it (issue 15: rows the built-in templates' compiled
code reads as attributes, ``who()`` once per person, primaries found once, need-area
coverage in one pass, audit groups once per value) has the bytes of the page cda3d91
wrote: tests/report_reference.py with that revision's template, rendered by Jinja's own
code, is the oracle.

Cases: a generated 1,000-pair match (specialists, unplaced mentees, the sample config's
sensitive fields, audit groups shown and suppressed), and the hand-built outcome of
tests/factories.py with generated names and config (names carried by two ids, markup,
control characters and Unicode in names, audit fields and group sizes, rematch tables),
each branch counted.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import NoReturn

import pytest
from factories import CONFIG, make_outcome
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.bench_outputs import synthetic_outcome
from matcher.outputs.report import render_report
from matcher.outputs.sheets import Table
from matcher.outputs.templating import Templates
from scoring.config import config_from_dict
from scoring.explain import explain_pairs
from tests import report_reference as before

REFERENCE_TEMPLATES = Path(__file__).parent / "report_reference_templates"


def _same(outcome, explanations, **extra) -> str:
    """The page, checked against cda3d91's; the built-in templates' compiled code renders
    it (Jinja's own code is not needed)."""
    templates = Templates()  # the built-in set, compiled afresh: patched below

    def no_fallback() -> NoReturn:
        pytest.fail("report.html fell back to Jinja's own code")

    templates._jinja_code = no_fallback  # type: ignore[method-assign]
    page = render_report(outcome, explanations, templates, **extra)
    assert page == before.render_report(outcome, explanations,
                                        Templates(REFERENCE_TEMPLATES), **extra)
    return page


def test_a_generated_matchs_report_has_the_previous_bytes(tmp_path: Path) -> None:
    outcome, _ = synthetic_outcome(tmp_path, 1000)
    pairs = [(p.mentee_id, p.mentor_id) for n in outcome.networks for p in n.pairings]
    by_pair = {(e.mentee_id, e.mentor_id): e
               for e in explain_pairs(outcome.cohort, outcome.config, pairs, outcome.features)}
    page = _same(outcome, by_pair, notes=("a note",))
    assert page.count("<tr") > 1000 and 'class="id"' in page


_NAME = (st.text(max_size=10) | st.sampled_from(["Cole Park", "Dee Singh", "<b>Ada</b> & co",
                                                  "Ana\tOrtiz\x07", "李 Ωμέγα 😀", "", " "]))


def test_generated_outcomes_reports_have_the_previous_bytes() -> None:
    reached: Counter[str] = Counter()

    @settings(max_examples=80, deadline=None)
    @given(_NAME, _NAME, st.lists(st.sampled_from(["career_stage", "institution", "gender",
                                                    "specialty", "modes", "background", "name"]),
                                  max_size=3, unique=True),
           st.integers(3, 4), st.booleans())
    def check(mentee_name: str, mentor_name: str, audit_fields: list[str], min_group: int,
              sections: bool) -> None:
        outcome, explanations = make_outcome(mentee_name=mentee_name, mentor_name=mentor_name)
        config = config_from_dict({**CONFIG, "report": {"audit_fields": audit_fields,
                                                        "min_group_size": min_group}})
        outcome = dataclasses.replace(outcome, config=config)
        by_pair = {(e.mentee_id, e.mentor_id): e for e in explanations}
        extra = ({"sections": (Table("Rematch flags", ("who", "why"), [["<x>", None]]),),
                  "opening": (Table("Changes", ("a",), []),)} if sections else {})
        page = _same(outcome, by_pair, **extra)
        reached["a name two ids carry"] += 'class="id"' in page
        reached["markup in a name"] += "&lt;b&gt;" in page
        reached["groups suppressed"] += "smaller group(s)" in page
        fairness = page[page.index('<section id="fairness"'):]
        reached["groups shown"] += "<tr><td>" in fairness.split("</section>")[0]
        reached["caller's tables"] += sections

    check()
    assert len(reached) == 5 and min(reached.values()) >= 10, reached
