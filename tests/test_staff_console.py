"""The staff console as a staff member uses it, in headless Debian Chromium against the real
server on 127.0.0.1: readable rows, the opened question in view with what the patient read,
filters that combine, "What to write next" with a remembered dismiss, and no serious
accessibility problems (axe-core) in light and dark, on a laptop and a phone."""

from __future__ import annotations

import re

import pytest

from askclinic.models import Answer, Excerpt
from conftest import BROWSER_TESTS

pytestmark = BROWSER_TESTS
ROWS = "#ac-log [role=row].virtual-row"


def signed_in(browser, url: str, width=1280, height=900, scheme="light"):
    page = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme).new_page()
    page.set_default_timeout(30_000)
    page.goto(url + "/staff/")
    page.fill("#name", "alice")
    page.fill("#password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.locator("#ac-log").wait_for()
    return page


@pytest.fixture(scope="module")
def logged(web):
    """A log with 30 questions: the oldest answered with a known excerpt, one in French."""
    log = web.runtime.log
    excerpt = Excerpt(
        1,
        "caffeine-and-headaches",
        "Caffeine and headaches",
        None,
        "2019-03-02",
        "Caffeine can help a headache. Too much of it every day can cause rebound headaches.",
        ["Too much of it every day can cause rebound headaches."],
        0.7,
    )
    first = log.record(
        Answer("q", "answered", "m", [excerpt]),
        "Is coffee OK with migraine?",
        None,
        "chat",
        "v-20261130T101500-42-7",
    )
    refused = Answer("q", "invalid", "Our articles are in English")
    refused.kind = "language"
    log.record(refused, "Quelle est la dose maximale de sumatriptan ?", None, "chat", "v")
    for i in range(28):
        log.record(
            Answer("q", "no_match", "m"),
            f"Filler question number {i} about parking",
            None,
            "chat",
            "v-20261201T080000-42-7",
        )
    return first


def test_opened_row_shows_what_the_patient_read_in_view(web, browser, logged):
    page = signed_in(browser, web.url)
    page.locator(ROWS).first.wait_for()
    row = page.locator(ROWS, has_text="Is coffee OK with migraine?").first
    for _ in range(20):  # the table renders the rows in view only: scroll it to the oldest
        if row.count():
            break
        page.mouse.move(600, 600)
        page.mouse.wheel(0, 400)
        page.wait_for_timeout(100)
    row.scroll_into_view_if_needed()
    assert "Answered" in row.inner_text() and "answered" not in row.inner_text()  # words, not codes
    assert "Nov 30 10:15" in row.inner_text()  # a short version label
    row.locator("[role=gridcell]").nth(1).click()
    detail = page.locator("#ac-log-detail .ac-detail")
    detail.get_by_text("Too much of it every day can cause rebound headaches.").wait_for()
    assert detail.locator("mark").inner_text() == "Too much of it every day can cause rebound headaches."
    box = detail.bounding_box()
    assert 0 <= box["y"] < 900 - 60, box  # the detail's top is on screen
    page.context.close()


def total_after(page, action) -> int:
    """Do `action`, wait for the summary line to change, return TOTAL of "Showing N of TOTAL"."""
    summary = page.locator(".ac-summary[role=status]").first
    before = summary.inner_text()
    action()
    page.wait_for_function(
        "old => document.querySelector('.ac-summary[role=status]').innerText !== old", arg=before
    )
    return int(re.search(r"of ([\d,]+) questions", summary.inner_text()).group(1).replace(",", ""))


def test_filters_combine_with_or_and_say_when_nothing_matches(web, browser, logged):
    page = signed_in(browser, web.url)
    kinds = page.locator("#ac-kinds")
    page.locator(ROWS).first.wait_for()
    other = total_after(page, kinds.get_by_label("Other language").check)
    page.locator(ROWS, has_text="Quelle est la dose").first.wait_for()
    assert page.locator(ROWS, has_text="Filler question number").count() == 0
    both = total_after(page, kinds.get_by_label("No match").check)  # any of the two kinds
    page.locator(ROWS, has_text="Filler question number").first.wait_for()
    no_match = total_after(page, kinds.get_by_label("Other language").uncheck)
    assert other >= 1 and no_match >= 28 and both == other + no_match, (other, no_match, both)
    box = page.locator("#ac-log-search textarea, #ac-log-search input").first
    box.fill("no such words anywhere")
    box.press("Enter")
    page.get_by_text("No questions match.").wait_for()
    page.context.close()


def test_what_to_write_next_includes_other_languages_and_remembers_dismissals(web, browser, logged):
    page = signed_in(browser, web.url)
    page.get_by_role("tab", name="What to write next").click()
    page.get_by_role("button", name="Group unanswered questions").click()
    groups = "#ac-groups [role=row].virtual-row"
    page.locator(groups, has_text="Quelle est la dose").first.wait_for()
    parking = page.locator(groups, has_text="about parking").first
    parking.locator("[role=gridcell]").nth(1).click()
    page.get_by_role("button", name="Not relevant: hide the selected group").click()
    page.wait_for_function("() => !document.querySelector('#ac-groups').innerText.includes('about parking')")
    page.context.close()
    again = signed_in(browser, web.url)  # a new sign-in: the dismissal is remembered
    again.get_by_role("tab", name="What to write next").click()
    again.get_by_role("button", name="Group unanswered questions").click()
    again.locator(groups, has_text="Quelle est la dose").first.wait_for()
    assert again.locator(groups, has_text="about parking").count() == 0
    again.context.close()


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(web, browser, logged, width, height, scheme):
    from axe_playwright_python.sync_playwright import Axe

    page = signed_in(browser, web.url, width, height, scheme)
    page.locator(ROWS).first.wait_for()
    page.locator(ROWS).first.locator("[role=gridcell]").nth(1).click()
    page.locator("#ac-log-detail .ac-detail").wait_for()
    found = Axe().run(page).response["violations"]
    bad = [
        (v["id"], v["impact"], [(n["target"], n["html"][:200]) for n in v["nodes"]][:3])
        for v in found
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == []
    page.context.close()
