"""report.html: sections, figures, fairness suppression, and a real headless-browser render."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from dataclasses import replace

import pytest
from factories import CONFIG, SENSITIVE_GENDER, make_outcome

from matcher.outputs.report import render_report
from matcher.outputs.templating import Templates
from scoring.config import ConfigError, config_from_dict

SECTIONS = ("summary", "score-distribution", "lowest-scores", "mentor-load", "need-coverage",
            "unplaced", "networks", "mentors", "fairness")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
EXTERNAL = re.compile(r"""(?:src|href|xlink:href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def _report(**config_extra) -> str:
    outcome, explanations = make_outcome()
    if config_extra:
        outcome = dataclasses.replace(outcome, config=config_from_dict({**CONFIG, **config_extra}))
    by_pair = {(e.mentee_id, e.mentor_id): e for e in explanations}
    return render_report(outcome, by_pair, Templates())


def _section(html: str, section_id: str) -> str:
    start = html.index(f'<section id="{section_id}"')
    return html[start:html.index("</section>", start)]


def test_report_has_every_section_and_inline_figures():
    html = _report()
    for section in SECTIONS:
        assert f'<section id="{section}"' in html
    assert html.count("<svg") == 3  # scores, load, demand
    assert not EXTERNAL.search(html)
    assert "<link" not in html and html.count("<script") == 1  # the table sorter only


def test_summary_and_tables_show_the_outcome():
    html = _report()
    summary = _section(html, "summary")
    assert "2 / 3" in summary and "proven optimal" in summary
    lowest = _section(html, "lowest-scores")
    # Lowest first: Ben & Dee (58.0), then the coach pair (64.5), then Ana & Ada (81.2).
    assert lowest.index("Dee Singh") < lowest.index("Cole Park") < lowest.index("Dr. Ada Byron")
    unplaced = _section(html, "unplaced")
    assert "Cai Lun" in unplaced and "capacity left in leadership" in unplaced
    load = _section(html, "mentor-load")
    assert "Cole Park" in load and "Dee Singh" in load  # full (1 of 1)
    assert "Eve Idle" not in load  # no mentee: not in the full-mentors table


def test_need_area_demand_against_capacity():
    demand = _section(_report(), "need-coverage")
    rows = re.findall(r'<tr( class="short")?><td>([^<]+)</td><td class="num">(\d+)</td>'
                      r'<td class="num">(\d+)</td><td class="num">(\d+)</td>', demand)
    table = {area: (bool(short), int(a), int(c), int(cov)) for short, area, a, c, cov in rows}
    # Leadership: Ben and Cai ask, only Dee offers it (capacity 1), Ben's network covers it.
    assert table["Leadership"] == (True, 2, 1, 1)
    assert table["Research/Scholarship"] == (False, 1, 5, 1)  # Ada 2 + Eve 3


def test_fairness_groups_under_five_are_suppressed():
    fairness = _section(_report(), "fairness")
    assert "Resident" not in fairness and "Fellow" not in fairness
    assert "smaller group(s) with 3 mentee(s)" in fairness
    # A program may not go below 3 ([report] min_group_size), but the renderer shows every
    # group at or above the size it is given.
    with pytest.raises(ConfigError, match=r"\[report\] min_group_size is 1"):
        config_from_dict({**CONFIG, "report": {"min_group_size": 1}})
    outcome, explanations = make_outcome()
    outcome = replace(outcome, config=replace(outcome.config, report=replace(
        outcome.config.report, min_group_size=1)))
    by_pair = {(e.mentee_id, e.mentor_id): e for e in explanations}
    shown = _section(render_report(outcome, by_pair, Templates()), "fairness")
    assert re.search(r"<td>Resident</td><td class=\"num\">2</td><td class=\"num\">1</td>",
                     shown)


def test_auditing_a_sensitive_field_shows_only_large_groups():
    fairness = _section(_report(report={"audit_fields": ["gender"]}), "fairness")
    assert "Gender" in fairness and SENSITIVE_GENDER not in fairness


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install "
                                             "chromium); .ci/run installs it")
def test_report_renders_in_headless_chromium(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(_report(), encoding="utf-8")
    assert CHROMIUM is not None  # the skipif above
    completed = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
         page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    dom = completed.stdout
    for section in SECTIONS:
        assert f'id="{section}"' in dom
    assert dom.count("<svg") == 3
    assert "Cai Lun" in dom
    assert not EXTERNAL.search(dom)


def test_networks_and_mentors_tables_show_everyone_with_ids_where_names_repeat():
    outcome, explanations = make_outcome(mentee_name="Dr. Ada Byron")  # Ana is named as Ada
    by_pair = {(e.mentee_id, e.mentor_id): e for e in explanations}
    html = render_report(outcome, by_pair, Templates())
    networks, mentors = _section(html, "networks"), _section(html, "mentors")
    for person in ("ana@uni.example", "ada@uni.example"):
        assert f'<span class="id">{person}</span>' in networks
        assert f'<span class="id">{person}</span>' in _section(html, "lowest-scores")
    assert "Ben Okafor" in networks and "ben@uni.example" not in networks  # a unique name
    assert "Cai Lun" in networks and "unplaced" in networks
    assert networks.count("<tr") == 1 + 3 and mentors.count("<tr") == 1 + 4  # everyone
    eve = next(row for row in mentors.split("<tr") if "Eve Idle" in row)
    assert "none" in eve and ">0<" in eve and "Research/Scholarship" in eve
    ada = next(row for row in mentors.split("<tr") if "ada@uni.example" in row)
    assert "(primary)" in ada and ">1<" in ada
    assert 'class="sortable"' in networks and 'class="sortable"' in mentors


def test_clicking_a_heading_sorts_the_networks_table(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    page_file = tmp_path / "report.html"
    page_file.write_text(_report(), encoding="utf-8")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(page_file.as_uri())

        def scores() -> list[str]:
            return page.eval_on_selector_all(
                "#networks tbody tr", "rows => rows.map(r => r.cells[2].textContent.trim())")

        assert scores() == ["81.2", "58.0", "–"]  # network order
        page.click("#networks th:nth-child(3)")
        assert scores() == ["–", "58.0", "81.2"]  # ascending, unplaced (no score) first
        page.click("#networks th:nth-child(3)")
        assert scores() == ["81.2", "58.0", "–"]
        page.click("#networks th:nth-child(1)")
        names = page.eval_on_selector_all("#networks tbody tr",
                                          "rows => rows.map(r => r.cells[0].textContent)")
        assert names == sorted(names)
        browser.close()
