"""The setup wizard in a real browser (Debian's chromium, as the loop's browser test): three
corpus programs, each onboarded from its two sheets to a published match without touching
a file — questions, answers (a ladder moved with the keyboard, a rung dragged, an answer
merged, a value renamed), rules and weights with the live preview, save, match, publish;
then the first one's year 2 from a month-12 feedback sheet, published, and its history.
The config the wizard saved, given to ``mentormatch match``, pairs the same people as the
service's run. Every page is checked for labelled controls, keyboard reach and CSP
violations. MENTORMATCH_SCREENSHOTS=DIR saves DIR/wizard-*.png.
"""

from __future__ import annotations

import csv
import os
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_service_browser import CHROMIUM, check_accessible, open_page

from benchmarks.service_load import serve
from cli.main import cli

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                "(apt-get install chromium); .ci/run installs it")
PROGRAMS = Path(__file__).resolve().parents[1] / "programs"


def pairs(pairings: Path) -> set[tuple[str, str]]:
    with pairings.open(encoding="utf-8-sig") as handle:
        return {(row["mentee_id"], row["mentor_id"]) for row in csv.DictReader(handle)}


@pytest.mark.slow
def test_three_programs_set_up_in_the_browser_are_published(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)
    shots = Path(os.environ.get("MENTORMATCH_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    violations: list[str] = []

    def snap(page, name: str) -> None:
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.screenshot(path=str(shots / f"wizard-{name}.png"), full_page=True)

    def upload(page, program: str, title: str) -> None:
        if program == "civil_service":  # the way in for a coordinator with no program yet
            page.get_by_role("link", name=re.compile("set up a program")).click()
        else:
            page.goto(server.base + "/wizard")
        expect(page.get_by_role("heading", name="1. Upload the sign-up sheets")).to_be_visible()
        check_accessible(page)
        page.get_by_label("Program name").fill(title)
        for side in ("Mentors", "Mentees"):
            page.get_by_label(re.compile(f"^{side} sheet")).set_input_files(
                PROGRAMS / program / f"{side.lower()}.csv")
        if program == "civil_service":
            snap(page, "upload")
        page.get_by_role("button", name="Read the sheets").click()
        expect(page.get_by_role("heading", name="2. What each column holds")).to_be_visible()
        check_accessible(page)

    def to_answers(page) -> None:
        page.get_by_role("button", name="Save and go to the answers").click()
        expect(page.get_by_role("heading", name="3. The answers people gave")).to_be_visible()
        check_accessible(page)

    def to_settings(page) -> None:
        page.get_by_role("link", name="Next: rules and weights").click()
        expect(page.get_by_role("heading", name=re.compile("^4. Rules"))).to_be_visible()
        check_accessible(page)

    def save_match_publish(page, program: str) -> Path:
        with page.expect_download() as download:
            page.get_by_role("link", name="Download program.toml").click()
        config = tmp_path / f"{program}.toml"
        download.value.save_as(config)
        tomllib.loads(config.read_text(encoding="utf-8"))
        page.get_by_role("button", name="Save the program").click()
        expect(page.get_by_role("heading", name="What validate says")).to_be_visible()
        check_accessible(page)
        expect(page.get_by_text(re.compile(r"\b0 error\(s\)"))).to_be_visible()
        page.locator("section a[href^='/programs/']").first.click()
        page.get_by_role("button", name="Start the match").click()
        page.wait_for_url(re.compile(r"/runs/\d{8}-"), timeout=180_000)
        expect(page.get_by_role("heading", name=re.compile(r"Networks \(\d+"))).to_be_visible()
        page.get_by_role("button", name="Approve and publish this draft").click()
        expect(page.get_by_text(re.compile("Published by coordinator"))).to_be_visible()
        found = re.search(r"/runs/([^/?#]+)", page.url)
        assert found is not None
        run_id = found.group(1)
        served = next((tmp_path / "workspace").glob(f"**/runs/{run_id}/pairings.csv"))
        source = PROGRAMS / program
        out = tmp_path / f"{program}-cli"
        result = CliRunner().invoke(cli, ["match", str(source / "mentors.csv"),
                                          str(source / "mentees.csv"), "--config",
                                          str(config), "--out", str(out), "--quiet"])
        assert result.exit_code == 0, result.output
        assert pairs(out / "pairings.csv") == pairs(served) != set()
        return served

    def year_two(page, served: Path) -> None:
        """The month-12 feedback of the published run: plan, rematch, publish, history."""
        year_one = sorted(pairs(served))
        sheet = tmp_path / "month12.csv"
        with sheet.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Mentee ID", "Mentor ID", "Continue?"])
            writer.writerows((*pair, "No" if i % 4 == 0 else "Yes")
                             for i, pair in enumerate(year_one))
        ended = {pair for i, pair in enumerate(year_one) if i % 4 == 0}
        page.locator("nav.crumbs a[href^='/programs/']").first.click()  # the program
        page.get_by_role("link", name="Next cycle (month-12 rematch)").click()
        expect(page.get_by_role("heading", name="1. The month-12 feedback")).to_be_visible()
        check_accessible(page)
        page.get_by_label(re.compile("^Feedback sheet")).set_input_files(sheet)
        page.get_by_role("button", name="Read the feedback").click()
        plan = page.locator("#plan")
        expect(plan).to_contain_text(f"Ended ({len(ended)})")
        expect(plan).to_contain_text(f"Kept ({len(year_one) - len(ended)})")
        check_accessible(page)
        snap(page, "year2")
        page.get_by_role("button", name="Run the year-2 rematch").click()
        page.wait_for_url(re.compile(r"/runs/\d{8}-"), timeout=180_000)
        expect(page.locator("#diff")).to_contain_text(f"{len(ended)} ended")
        page.get_by_role("button", name="Approve and publish this draft").click()
        expect(page.get_by_text(re.compile("Published by coordinator"))).to_be_visible()
        found = re.search(r"/runs/([^/?#]+)", page.url)
        assert found is not None
        run_id = found.group(1)
        after = pairs(next((tmp_path / "workspace").glob(f"**/runs/{run_id}/pairings.csv")))
        assert not ended & after and set(year_one) - ended <= after
        page.locator("nav.crumbs a[href^='/programs/']").first.click()
        page.get_by_role("link", name="History").click()
        expect(page.locator("#history tbody tr")).to_have_count(2)
        check_accessible(page)
        page.get_by_role("link", name=re.compile("^What changed from")).click()
        expect(page.locator("#diff tr.diff-ended")).to_have_count(len(ended))
        snap(page, "history")

    with serve(tmp_path / "workspace", demo=False) as server, sync_playwright() as playwright:
        page = open_page(playwright, violations)
        page.goto(server.login_url)

        # 1. Civil service: grades moved with the keyboard, a rule switched in the preview.
        upload(page, "civil_service", "Civil service")
        expect(page.get_by_label("What mentors column Grade holds")).to_have_value(
            "career_stage")
        snap(page, "questions")
        to_answers(page)
        ladder = page.locator("ol.ladder[data-vocabulary=career_stage] > li")
        first, second = ladder.first.get_attribute("data-key"), \
            ladder.nth(1).get_attribute("data-key")
        ladder.first.get_by_role("button", name=re.compile("More senior")).focus()
        page.keyboard.press("Enter")
        expect(ladder.first).to_have_attribute("data-key", second)  # moved in place
        expect(page.locator("#list-career_stage table.values tbody tr").first
               ).to_have_attribute("data-key", second)  # and its table of values
        page.reload()  # and kept on the server
        expect(ladder.nth(1)).to_have_attribute("data-key", first)
        page.locator("ol.ladder[data-vocabulary=career_stage]").get_by_role(
            "button", name=re.compile(f"More junior: {first.replace('_', ' ')}")).click()
        expect(ladder.first).to_have_attribute("data-key", first)  # and back
        snap(page, "answers")
        to_settings(page)
        preview = page.locator("#preview-body")
        expect(preview).to_contain_text("mentor more senior")
        rule = page.get_by_label("A mentor is at a more senior career stage than the mentee")
        rule.click()
        expect(preview).not_to_contain_text("mentor more senior")  # live, without a reload
        rule.click()
        expect(preview).to_contain_text("mentor more senior")
        snap(page, "settings")
        year_two(page, save_match_publish(page, "civil_service"))

        # 2. Peer program: a career-stage rung dragged, an answer merged into another.
        upload(page, "peer_program", "Peers")
        to_answers(page)
        rungs = page.locator("ol.ladder[data-vocabulary=career_stage] > li")
        if rungs.count() >= 2:
            last = rungs.last.get_attribute("data-key")
            grip = {"x": 5, "y": 5}  # the rung's left edge, not one of its buttons
            with page.expect_response(re.compile("/answers/career_stage/order")):
                rungs.last.drag_to(rungs.first, source_position=grip,
                                   target_position={"x": 8, "y": 2})
            expect(rungs.first).to_have_attribute("data-key", last)
            page.reload()
            expect(rungs.first).to_have_attribute("data-key", last)
            bottom = rungs.last.bounding_box()["height"] - 2
            with page.expect_response(re.compile("/answers/career_stage/order")):
                rungs.first.drag_to(rungs.last, source_position=grip,  # back: a right match
                                    target_position={"x": 8, "y": bottom})
            page.reload()
            expect(rungs.last).to_have_attribute("data-key", last)
        table = page.locator("section[id^=list-] table.answers").first
        row = table.locator("tbody tr").last
        answer = row.locator("td").first.text_content()
        select = row.get_by_role("combobox")
        target = select.locator("option").first.get_attribute("value")
        select.select_option(target)  # applies itself (wizard.js)
        page.wait_for_load_state()
        expect(page.locator("table.answers tbody tr").filter(
            has=page.get_by_text(answer, exact=True)).first.get_by_role("combobox")
        ).to_have_value(target)
        to_settings(page)
        save_match_publish(page, "peer_program")

        # 3. Medical society: a value renamed, a weight moved with the keyboard.
        upload(page, "medical_society", "Medical society")
        to_answers(page)
        page.get_by_label("New name for research", exact=True).fill("Scholarship")
        page.locator("#list-areas").get_by_role("button", name="Rename").first.click()
        expect(page.locator("#list-areas table.values")).to_contain_text("scholarship")
        to_settings(page)
        spread = page.locator("#preview-body p.note").first
        before = spread.text_content()
        page.get_by_label(re.compile("^the mentor can help with what the mentee")).focus()
        for _ in range(15):
            page.keyboard.press("ArrowRight")
        expect(spread).not_to_have_text(before)
        page.get_by_role("button", name="Keep these rules and weights").click()
        expect(page.get_by_role("heading", name=re.compile("^4. Rules"))).to_be_visible()
        save_match_publish(page, "medical_society")
        page.context.browser.close()
    assert violations == []
