"""The patient chat and widget as a patient meets them, in headless Debian Chromium against the
real server: axe-core (no serious or critical violations, light and dark, phone and desktop),
the layout on a phone (question box and emergency button in view, lines long enough to read,
44 px targets), the newest answer opening at its first line, no lost questions, Clear asking
first, suggested questions, the spoken announcement. ASKCLINIC_SCREENSHOTS=docs saves the
README's screenshots of each state there."""

from __future__ import annotations

import json

import pytest

from conftest import BROWSER_TESTS, ROOT
from test_browser import QUESTION, ask, host_page, open_chat, screenshot_path

pytestmark = BROWSER_TESTS
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
EMERGENCY = "I have the worst headache of my life, it came on suddenly like a thunderclap"
IN_VIEW = """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
  return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; }"""
FIRST_LINE = """(sel) => { const root = document.querySelector(sel);
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT); let top = null, n = 0, node;
  while ((node = walk.nextNode())) { for (let i = 0; i < node.length; i++) {
    const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
    const box = r.getBoundingClientRect(); if (!box.height) continue;
    if (top === null) top = box.top; else if (box.top > top + 2) return n; n++; } } return n; }"""


def new_page(browser, viewport, scheme="light", **kw):
    context = browser.new_context(viewport=viewport, color_scheme=scheme, **kw)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1280x900"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_problem_on_the_chat_and_the_widget(web, browser, viewport, scheme):
    page = new_page(browser, viewport, scheme)
    try:
        open_chat(page, web.url + "/")
        problems = serious(page)
        ask(page, "Does Botox help neck pain?")
        ask(page, "How do I file my taxes?")
        problems += serious(page)
        open_chat(page, web.url + "/widget/")
        ask(page, "Is coffee bad for migraines?")
        page.get_by_role("button", name="Yes").last.click()
        page.locator("textarea.ac-comment").wait_for()
        ask(page, EMERGENCY)
        problems += serious(page)
        assert problems == []
        assert page.locator("h1").count() == 1
    finally:
        page.context.close()


def test_widget_on_a_phone_keeps_question_box_and_emergency_button_in_view(web, browser, tmp_path):
    page = new_page(browser, PHONE, is_mobile=True, has_touch=True)
    try:
        open_chat(page, web.url + "/widget/")
        ask(page, "Does Botox help neck pain?")
        ask(page, "what about side effects?")
        ask(page, EMERGENCY)
        assert page.evaluate(IN_VIEW, QUESTION) and page.evaluate(IN_VIEW, "#ac-send")
        assert page.evaluate(IN_VIEW, ".ac-answer:last-of-type .ac-alert, .ac-turn:last-child .ac-alert")
        assert page.evaluate(IN_VIEW, ".ac-turn:last-child .ac-urgent")
        # one scroll area: the page itself does not scroll, the conversation does
        assert page.evaluate("document.scrollingElement.scrollHeight <= innerHeight + 1")
        assert page.evaluate(
            "(() => { const c = document.querySelector('#ac-conv'); return c.scrollHeight > c.clientHeight; })()"
        )
        page.screenshot(path=str(screenshot_path(tmp_path, "screenshot-emergency-phone.png")))
    finally:
        page.context.close()


def test_phone_lines_targets_and_font_size(web, browser, tmp_path):
    page = new_page(browser, PHONE, is_mobile=True, has_touch=True)
    try:
        open_chat(page, web.url + "/")
        answer = ask(page, "Can caffeine trigger migraines?")
        assert page.evaluate(FIRST_LINE, ".ac-excerpt") >= 35  # characters on the excerpt's first line
        page.screenshot(path=str(screenshot_path(tmp_path, "screenshot-phone.png")))
        small = page.evaluate("""() => [...document.querySelectorAll('button, a.ac-action')]
          .filter(b => b.offsetParent !== null && !b.closest('.ac-hidden'))
          .map(b => [b.textContent.trim(), b.getBoundingClientRect()])
          .filter(([t, r]) => r.width > 0 && (r.width < 43.5 || r.height < 43.5))
          .map(([t, r]) => `${t}: ${Math.round(r.width)}x${Math.round(r.height)}`)""")
        assert small == []
        before = answer.locator(".ac-excerpt").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        page.evaluate("document.documentElement.style.fontSize = '20px'")  # the browser's font-size setting
        after = answer.locator(".ac-excerpt").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert after == pytest.approx(before * 20 / 16, abs=0.6)
        page.emulate_media(reduced_motion="reduce")
        still = page.evaluate("""() => { const p = document.createElement('p'); p.className = 'ac-pending';
          document.querySelector('#ac-conv').appendChild(p); const a = getComputedStyle(p).animationName;
          p.remove(); return a; }""")
        assert still == "none"
    finally:
        page.context.close()


def test_newest_answer_opens_at_its_first_line_and_is_announced(web, browser):
    page = new_page(browser, DESKTOP)
    try:
        open_chat(page, web.url + "/")
        ask(page, "Does Botox help with chronic migraine?")
        answer = ask(page, "What are the signs of a cluster headache?")
        page.wait_for_timeout(300)
        top = answer.evaluate("""a => { const c = document.querySelector('#ac-conv').getBoundingClientRect();
          const r = a.getBoundingClientRect(); return [r.top - c.top, c.height]; }""")
        assert 0 <= top[0] < top[1] - 40, top  # its first line is inside the scroll area
        cards, passages = answer.locator(".ac-card").count(), answer.locator(".ac-excerpt").count()
        said = page.locator("#ac-live").inner_text()
        assert said.startswith(f"Answer: {passages} passage") and f"from {cards} article" in said
        assert len(said) < 60  # no passages read out
    finally:
        page.context.close()


SNAPSHOT = """() => {
  const note = document.querySelector("#ac-wait");
  return {
    queued: window.askclinicChat.queue.length,
    note: note && !note.hidden ? note.textContent : "",
    busy: document.querySelector("#ac-conv").getAttribute("aria-busy"),
    send: document.querySelector("#ac-send").getAttribute("aria-disabled"),
  };
}"""


def test_two_questions_30_ms_apart_are_both_answered(web, browser):
    page = new_page(browser, DESKTOP)
    try:
        open_chat(page, web.url + "/")
        box = page.locator(QUESTION)
        first = "Is acupuncture useful for chronic tension headaches?"  # not asked before: not cached
        box.fill(first)
        box.press("Enter")
        page.wait_for_timeout(30)
        box.fill("Can oxygen stop a cluster headache attack?")
        box.press("Enter")
        note = page.locator("#ac-wait")
        # one look at the page, so the first answer cannot arrive between the checks (it takes
        # tens of milliseconds now that sentence vectors come from the index)
        state = page.evaluate(SNAPSHOT)
        if state["queued"]:  # the second question waits: the note says so until it is sent
            assert "as soon as the current answer is ready" in state["note"]
            assert state["send"] == state["busy"]  # Ask is disabled exactly while an answer loads
        page.locator(".ac-answer").nth(1).wait_for()
        asked = [q.inner_text() for q in page.locator(".ac-question").all()]
        assert [a.replace("You asked:", "").strip() for a in asked] == [
            first,
            "Can oxygen stop a cluster headache attack?",
        ]
        second = page.locator(".ac-answer").nth(1)
        assert "cluster" in second.locator(".ac-card .ac-title").first.inner_text().lower()
        page.wait_for_timeout(300)
        assert page.locator(".ac-answer").count() == 2 and note.is_hidden()
    finally:
        page.context.close()


def test_clear_asks_first(web, browser):
    page = new_page(browser, DESKTOP)
    try:
        open_chat(page, web.url + "/")
        ask(page, "Is coffee bad for migraines?")
        page.locator("#ac-clear").click()
        page.get_by_text("Clear this conversation?").wait_for()
        page.get_by_role("button", name="Keep it").click()
        page.get_by_text("Clear this conversation?").wait_for(state="hidden")
        assert page.locator(".ac-answer").count() == 1
        page.locator("#ac-clear").click()
        page.get_by_role("button", name="Yes, clear it").click()
        page.locator(".ac-answer").wait_for(state="detached")
        assert page.locator(".ac-intro").count() >= 1
        page.wait_for_timeout(500)
        assert page.evaluate(
            "document.activeElement.closest('#ac-question') !== null"
        )  # ready for a question
    finally:
        page.context.close()


def test_suggested_questions_are_golden_questions_that_open_with_their_article(web, browser, tmp_path):
    from askclinic.web.patient import suggestions

    golden = {
        json.loads(line)["question"]: json.loads(line)["expected"]
        for line in (ROOT / "examples" / "golden.jsonl").read_text().splitlines()
        if line.strip()
    }
    offered = suggestions(web.runtime)
    assert 1 <= len(offered) <= 4 and set(offered) <= set(golden)
    page = new_page(browser, DESKTOP)
    try:
        open_chat(page, web.url + "/")
        buttons = page.locator(".ac-starter")
        buttons.first.wait_for()
        labels = [b.inner_text() for b in buttons.all() if b.is_visible()]
        assert labels == offered
        buttons.first.click()
        answer = page.locator(".ac-answer").first
        answer.wait_for()
        href = answer.locator(".ac-card .ac-title a").first.get_attribute("href")
        assert any(f"/{a}" in href for a in golden[labels[0]])
        assert buttons.first.is_visible()  # still offered after the first question
        ask(page, "How do I file my taxes?", 1)
        page.screenshot(path=str(screenshot_path(tmp_path, "screenshot-not-covered.png")))
    finally:
        page.context.close()


def test_widget_panel_is_full_screen_on_a_phone(web, browser, tmp_path):
    page = new_page(browser, PHONE, is_mobile=True, has_touch=True)
    with host_page(web) as url:
        page.goto(url)
        page.get_by_role("button", name="Ask our articles").click()
        panel = page.locator("#askclinic-panel")
        box = panel.bounding_box()
        assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, PHONE["width"], PHONE["height"])
        chat = page.frame_locator("#askclinic-panel iframe")
        chat.locator(QUESTION).fill("Does Botox help neck pain?")
        chat.locator(QUESTION).press("Enter")
        chat.locator(".ac-card").first.wait_for()
        page.screenshot(path=str(screenshot_path(tmp_path, "screenshot-widget.png")))
    page.context.close()


def test_check_buttons_ask_again_with_the_chosen_red_flag(web, browser, tmp_path):
    from askclinic.answer import ask as answer

    grey = [
        "headache and blurry vision",
        "I am pregnant and have a headache",
        "headache with fever",
        "My head hurts after I bumped it",
    ]
    retriever = web.runtime.retriever()
    question = next(
        (
            q
            for q in grey
            if answer(q, retriever, web.runtime.settings, with_highlights=False).status == "check"
        ),
        None,
    )
    assert question, "none of these grey-zone messages gets the check step any more: pick others"
    page = new_page(browser, PHONE, is_mobile=True, has_touch=True)
    try:
        open_chat(page, web.url + "/widget/")
        check = ask(page, question)
        assert "ac-check" in check.get_attribute("class")
        assert check.get_by_role("heading").inner_text() == "Is any of this happening now?"
        items = check.locator("button.ac-check-item")
        assert items.count() >= 1 and check.get_by_role("button", name="None of these").is_visible()
        page.screenshot(path=str(screenshot_path(tmp_path, "screenshot-check.png")))
        check.get_by_role("button", name="None of these").click()
        normal = page.locator(".ac-answer").nth(1)
        normal.wait_for()
        assert "ac-check" not in normal.get_attribute("class") and "ac-emergency" not in normal.get_attribute(
            "class"
        )
        assert check.locator("button").count() == 0  # answered: the choice replaces the buttons
        again = ask(page, question, 2)
        label = again.locator("button.ac-check-item").first.inner_text()
        again.locator("button.ac-check-item").first.click()
        emergency = page.locator(".ac-answer").nth(3)
        emergency.wait_for()
        assert emergency.locator(".ac-alert[role=alert]").is_visible()
        page.wait_for_timeout(200)
        assert page.evaluate("document.activeElement.classList.contains('ac-answer')")  # not lost to the page
        assert page.locator(".ac-question").last.inner_text().endswith(label)
        assert page.evaluate(IN_VIEW, ".ac-turn:last-child .ac-urgent")
        spanish = ask(page, "Tengo el peor dolor de cabeza de mi vida, empezó de repente", 4)
        assert "ac-emergency" in spanish.get_attribute("class")
        assert spanish.get_by_role("link", name="Llamar al 911").get_attribute("href") == "tel:911"
        assert spanish.get_attribute("lang") == "es"  # a screen reader reads it in Spanish
    finally:
        page.context.close()


CONTRAST = """([sel, prop, pseudo]) => {
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= .03928 ? v / 12.92 : ((v + .055) / 1.055) ** 2.4; };
    return .2126 * f(r) + .7152 * f(g) + .0722 * f(b); };
  const el = document.querySelector(sel); const fg = rgb(getComputedStyle(el, pseudo)[prop]);
  let bgEl = prop === 'outlineColor' ? el.parentElement : el, bg = [255, 255, 255, 0];
  while (bgEl) { const c = rgb(getComputedStyle(bgEl).backgroundColor); if (c.length === 3 || c[3] > 0) { bg = c; break; } bgEl = bgEl.parentElement; }
  if (!bgEl) bg = document.documentElement.classList.contains('dark') ? [11, 15, 25] : [255, 255, 255];
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return Math.round((a + .05) / (b + .05) * 100) / 100; }"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_placeholder_focus_rings_and_control_borders_have_contrast(web, browser, scheme):
    page = new_page(browser, DESKTOP, scheme)
    try:
        open_chat(page, web.url + "/")
        assert page.evaluate(CONTRAST, [QUESTION, "color", "::placeholder"]) >= 4.5
        ask(page, "Is coffee bad for migraines?")
        assert page.evaluate(CONTRAST, ["#ac-conv button.ac-act", "borderTopColor", None]) >= 3
        for sel in (QUESTION, "#ac-send", "#ac-conv button.ac-act"):
            page.locator(sel).first.focus()
            page.keyboard.press("Shift+Tab")
            page.keyboard.press("Tab")  # focused from the keyboard: :focus-visible
            page.wait_for_timeout(400)  # Gradio's buttons fade their outline in
            width = page.locator(sel).first.evaluate("e => parseFloat(getComputedStyle(e).outlineWidth)")
            assert width >= 2, sel
            assert page.evaluate(CONTRAST, [sel, "outlineColor", None]) >= 3, sel
    finally:
        page.context.close()
