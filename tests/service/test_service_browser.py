"""The whole loop in a real browser (Playwright driving Debian's chromium; no browser is
ever downloaded): log in with the printed URL, open the demo program, match, open a
mentee, ask why-not, lock the pair, re-solve, see the diff, publish, download the zip and
open it. Every page visited is checked for labelled controls, keyboard reach and CSP
violations. With MENTORMATCH_SCREENSHOTS=DIR the pages are saved as DIR/service-*.png (the
README's pictures: ``MENTORMATCH_SCREENSHOTS=docs pytest tests/service -k browser``).
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from benchmarks.service_load import serve

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                "(apt-get install chromium); .ci/run installs it")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]

#: Controls without an accessible name, and focusable things taken out of the tab order.
A11Y_SCRIPT = """() => {
  const problems = [];
  const controls = document.querySelectorAll(
      'input:not([type=hidden]), select, textarea, button, a[href]');
  for (const el of controls) {
    let name = (el.getAttribute('aria-label') || '').trim();
    if (!name && el.getAttribute('aria-labelledby')) {
      name = el.getAttribute('aria-labelledby').split(' ')
        .map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
    }
    if (!name && el.labels && el.labels.length) {
      name = Array.from(el.labels).map(l => l.textContent).join(' ').trim();
    }
    if (!name && (el.tagName === 'BUTTON' || el.tagName === 'A')) {
      name = el.textContent.trim();
    }
    if (!name) { problems.push('no accessible name: ' + el.outerHTML.slice(0, 120)); }
    const tabindex = el.getAttribute('tabindex');
    if (tabindex !== null && Number(tabindex) !== 0) {
      problems.push('tabindex ' + tabindex + ': ' + el.outerHTML.slice(0, 120));
    }
  }
  if (!document.documentElement.lang) { problems.push('no lang on <html>'); }
  if (!document.querySelector('main')) { problems.push('no <main> landmark'); }
  return problems;
}"""


def open_page(playwright, violations: list[str]):
    """A page of Debian's chromium as a coordinator sees it (1280 × 860, downloads on);
    every Content-Security-Policy complaint of the console is appended to ``violations``."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    context = browser.new_context(viewport={"width": 1280, "height": 860},
                                  accept_downloads=True)
    page = context.new_page()
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text else None)
    page.set_default_timeout(30_000)
    return page


def check_accessible(page) -> None:
    """Every control is labelled and the first Tab stop is the skip link to the content
    (a URL with #fragment starts the tab order at its target instead, as it should)."""
    assert page.evaluate(A11Y_SCRIPT) == [], page.url
    if "#" in page.url:
        return
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to content"


def tab_to(page, name: str, limit: int = 80) -> None:
    """Press Tab until the focused control's text is ``name`` (keyboard reachability)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == name:
            return
    raise AssertionError(f"{name!r} not reachable with Tab on {page.url}")


@pytest.mark.slow
def test_the_whole_loop_in_chromium(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # the machine may be busy with other tests
    shots = Path(os.environ.get("MENTORMATCH_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    violations: list[str] = []

    def snap(page, name: str, full: bool = True) -> None:
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.screenshot(path=str(shots / f"service-{name}.png"), full_page=full)

    with serve(tmp_path / "workspace") as server, sync_playwright() as playwright:
        page = open_page(playwright, violations)

        page.goto(server.login_url)
        expect(page.get_by_role("heading", name="Your programs")).to_be_visible()
        check_accessible(page)
        snap(page, "programs")

        page.get_by_role("link", name=re.compile("Meridian")).click()
        expect(page.get_by_role("heading", name="Problems in the files")).to_be_visible()
        check_accessible(page)
        snap(page, "program")
        tab_to(page, "Start the match")

        page.keyboard.press("Enter")  # start the match from the keyboard
        page.wait_for_url(re.compile(r"/jobs/\d+"))
        expect(page.get_by_text("Status:")).to_be_visible()
        snap(page, "job")
        page.wait_for_url(re.compile(r"/runs/\d{8}-"), timeout=180_000)
        first_run = page.url
        expect(page.get_by_role("heading", name=re.compile(r"Networks \(150"))).to_be_visible()
        check_accessible(page)
        snap(page, "run", full=False)

        page.get_by_label("Status").select_option("partial")  # submits itself (app.js)
        page.wait_for_url(re.compile("status=partial"))
        expect(page.get_by_role("heading", name=re.compile(r"Networks \(\d+ matching"))
               ).to_be_visible()
        page.goto(first_run)

        page.locator("#networks tbody tr td a").first.click()
        expect(page.get_by_role("heading", name="Network in this run")).to_be_visible()
        check_accessible(page)
        snap(page, "mentee")

        page.locator("#alternatives").get_by_role("link", name="Why not?").first.click()
        expect(page.locator("[data-why-not] li").first).to_be_visible(timeout=60_000)
        check_accessible(page)
        page.locator("#why-not").screenshot(path=str(shots / "service-why-not.png"))
        lock = page.locator("#why-not").get_by_role("button", name=re.compile("^Lock "))
        lock_name = lock.get_attribute("aria-label")
        lock.click()
        expect(page.locator("#profile .badge.lock")).to_be_visible()

        page.get_by_role("link", name=re.compile(r"^run \d{8}")).click()
        page.get_by_role("button", name=re.compile("^Re-solve")).click()
        page.wait_for_url(lambda url: "/runs/" in url and url != first_run, timeout=180_000)
        diff = page.locator("#diff")
        expect(diff).to_contain_text("What changed from")
        chosen = lock_name.split(" with ", 1)[1]
        expect(diff.locator("tr.diff-new").filter(has_text=chosen)).to_have_count(1)
        check_accessible(page)
        diff.screenshot(path=str(shots / "service-diff.png"))

        page.locator("#networks tbody tr td:nth-child(5) a").first.click()
        expect(page.get_by_text("mentees / capacity")).to_be_visible()
        check_accessible(page)
        snap(page, "mentor")
        page.go_back()

        page.get_by_role("button", name="Approve and publish this draft").click()
        expect(page.get_by_text(re.compile("Published by coordinator"))).to_be_visible()

        with page.expect_download() as download_info:
            page.get_by_role("link", name="Run folder (zip)").click()
        archive = tmp_path / "run.zip"
        download_info.value.save_as(archive)
        with zipfile.ZipFile(archive) as opened:
            names = opened.namelist()
            assert any(n.endswith("/run.json") for n in names)
            assert any(n.endswith("/pairings.xlsx") for n in names)
            pairings = next(n for n in names if n.endswith("/pairings.csv"))
            assert chosen.split(" ")[0] in opened.read(pairings).decode("utf-8-sig")

        page.get_by_role("link", name=re.compile("Meridian")).first.click()
        expect(page.locator("#published")).to_contain_text("published")
        page.goto(server.base + "/api/docs")
        check_accessible(page)
        page.context.browser.close()
    assert violations == []
