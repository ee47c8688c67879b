"""The setup wizard in a real browser (Debian's chromium, as the loop's browser test):
upload a corpus program's two sheets, check the questions, move a career stage with the
ladder's buttons (fetch, no reload), save, read validate's findings, download the
config, and match the new program. Every page is checked for labelled controls, keyboard
reach and CSP violations. MENTORMATCH_SCREENSHOTS=DIR saves DIR/wizard-*.png.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest
from test_service_browser import CHROMIUM, check_accessible, open_page

from benchmarks.service_load import serve

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                "(apt-get install chromium); .ci/run installs it")
CIVIL = Path(__file__).resolve().parents[1] / "programs" / "civil_service"


@pytest.mark.slow
def test_a_program_set_up_in_the_browser_matches(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)
    shots = Path(os.environ.get("MENTORMATCH_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    violations: list[str] = []

    def snap(page, name: str) -> None:
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.screenshot(path=str(shots / f"wizard-{name}.png"), full_page=True)

    with serve(tmp_path / "workspace", demo=False) as server, sync_playwright() as playwright:
        page = open_page(playwright, violations)

        page.goto(server.login_url)
        page.get_by_role("link", name=re.compile("set up a program")).click()
        expect(page.get_by_role("heading", name="1. Upload the sign-up sheets")).to_be_visible()
        check_accessible(page)
        page.get_by_label("Program name").fill("Civil service")
        page.get_by_label(re.compile("^Mentors sheet")).set_input_files(CIVIL / "mentors.csv")
        page.get_by_label(re.compile("^Mentees sheet")).set_input_files(CIVIL / "mentees.csv")
        snap(page, "upload")
        page.get_by_role("button", name="Read the sheets").click()

        expect(page.get_by_role("heading", name="2. What each column holds")).to_be_visible()
        check_accessible(page)
        grade = page.get_by_label("What mentors column Grade holds")
        expect(grade).to_have_value("career_stage")
        expect(page.get_by_text("how many mentees the mentor can take").first).to_be_attached()
        snap(page, "questions")
        page.get_by_role("button", name="Save and go to the answers").click()

        expect(page.get_by_role("heading", name=re.compile("3. Career stages"))).to_be_visible()
        check_accessible(page)
        rungs = page.locator("ol.ladder > li")
        snap(page, "answers")
        first = rungs.first.get_attribute("data-key")
        second = rungs.nth(1).get_attribute("data-key")
        rungs.first.get_by_role("button", name=re.compile("More senior")).click()
        expect(rungs.first).to_have_attribute("data-key", second)  # moved in place
        page.reload()  # and kept on the server
        expect(rungs.nth(1)).to_have_attribute("data-key", first)

        with page.expect_download() as download:
            page.get_by_role("link", name="Download program.toml").click()
        saved_config = tomllib.loads(Path(download.value.path()).read_text(encoding="utf-8"))
        assert list(saved_config["vocabularies"]["career_stage"])[:2] == [second, first]

        page.get_by_role("button", name="Save the program").click()
        expect(page.get_by_role("heading", name="What validate says")).to_be_visible()
        check_accessible(page)
        snap(page, "saved")
        page.get_by_role("link", name=re.compile("^civil-service")).click()
        page.get_by_role("button", name="Start the match").click()
        page.wait_for_url(re.compile(r"/runs/\d{8}-"), timeout=180_000)
        expect(page.get_by_role("heading", name=re.compile(r"Networks \(\d+"))).to_be_visible()
        page.context.browser.close()
    assert violations == []
