"""What a patient and a staff member see, in headless Debian Chromium driven by Playwright,
against the real server on 127.0.0.1. ASKCLINIC_SCREENSHOTS=docs saves the README's
screenshots there."""

from __future__ import annotations

import contextlib
import http.server
import os
import re
import threading
from pathlib import Path

import pytest

from conftest import BROWSER_TESTS, ROOT

pytestmark = BROWSER_TESTS
QUESTION = "#ac-question textarea"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def ask(page, question: str, answers_before: int | None = None):
    """Type a question, press Enter, wait for its answer; return the answer's element."""
    n = page.locator(".ac-answer").count() if answers_before is None else answers_before
    box = page.locator(QUESTION)
    box.fill(question)
    box.press("Enter")
    page.locator(".ac-answer").nth(n).wait_for()
    return page.locator(".ac-answer").nth(n)


def open_chat(page, url: str):
    page.goto(url)
    page.locator(QUESTION).wait_for()


def screenshot_path(tmp_path, name: str) -> Path:
    where = os.environ.get("ASKCLINIC_SCREENSHOTS")
    return (ROOT / where if where else tmp_path) / name


def staff_login(page, url: str):
    page.goto(url + "/staff/")
    page.fill("#name", "alice")
    page.fill("#password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.locator("#ac-log").wait_for()


def test_botox_question_shows_a_linked_dated_highlighted_card(web, page, tmp_path):
    seen = []
    page.on("request", lambda r: seen.append(r.url))
    open_chat(page, web.url + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_text("General information from our articles, not medical advice for you.").is_visible()
    assert page.get_by_text("We keep your questions for 90 days").is_visible()
    answer = ask(page, "Does Botox help neck pain?")
    card = answer.locator(".ac-card").first
    link = card.locator("h2.ac-title a")
    post = "https://riverside-headache.example/blog/botox-neck-upper-back-pain"
    assert link.get_attribute("href").startswith(post + "#:~:text=")  # opens at the quoted passage
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    assert card.locator("time").inner_text() == "June 9, 2014"
    assert card.locator(".ac-old").inner_text().startswith("older article")
    marks = card.locator("mark")
    assert marks.count() >= 1 and "neck" in " ".join(marks.all_inner_texts()).lower()
    # one card and one link per article, however many of its passages are quoted
    hrefs = [a.get_attribute("href").split("#")[0] for a in answer.locator("a").all()]
    assert len(hrefs) == len(set(hrefs)) == answer.locator(".ac-card").count()
    page.screenshot(path=str(screenshot_path(tmp_path, "screenshot-patient.png")))
    # no request leaves the app's own origin: no fonts, CDNs or analytics
    outside = [u for u in seen if not u.startswith(web.url + "/") and not u.startswith("data:")]
    assert outside == []


def test_follow_up_question_is_searched_with_the_conversation(web, page):
    open_chat(page, web.url + "/")
    first = ask(page, "Does Botox help with chronic migraine?")
    assert first.locator(".ac-card").count() >= 1
    follow = ask(page, "what about side effects?")
    href = follow.locator(".ac-card .ac-title a").first.get_attribute("href")
    assert "/blog/botox" in href
    # passages already shown are not repeated
    assert not set(follow.locator(".ac-excerpt").all_inner_texts()) & set(
        first.locator(".ac-excerpt").all_inner_texts()
    )


def test_thumbs_down_with_comment_appears_in_the_staff_console(web, page, browser, tmp_path):
    open_chat(page, web.url + "/")
    answer = ask(page, "Is coffee bad for migraines?")
    turn = answer.locator("xpath=..")  # the feedback row sits right under the rated answer
    turn.get_by_role("button", name="No").click()
    comment = turn.locator("textarea.ac-comment")
    comment.wait_for()
    assert "What were you looking for?" in turn.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('ac-comment')")  # focus moved there
    comment.fill("I wanted to know about decaf, write me at ann@example.com")
    turn.get_by_role("button", name="Send comment").click()
    turn.get_by_text("Thank you, your comment was saved.").wait_for()
    assert turn.get_by_role("button", name="No").count() == 0

    from askclinic.models import Answer

    hostile = '<img src=x onerror="window.__pwned = 5"> is this <b>bold</b>?'
    web.runtime.log.record(Answer("q", "no_match", "m"), hostile, None, "chat", "v")
    staff = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    staff.add_init_script("window.__pwned = 0")
    staff_login(staff, web.url)
    staff.locator("#ac-log [role=row].virtual-row", has_text=hostile).first.wait_for()  # as text
    staff.get_by_label("Thumbs down").check()
    row = staff.locator("#ac-log [role=row].virtual-row", has_text="Is coffee bad for migraines?").first
    row.wait_for()
    assert "not helpful" in row.inner_text()
    assert "I wanted to know about decaf, write me at [EMAIL]" in row.inner_text()
    row.locator("[role=gridcell]").nth(1).click()
    detail = staff.locator("#ac-log-detail")
    detail.get_by_text("not helpful").wait_for()
    staff.fill("#ac-note textarea", "add a decaf section")
    staff.click("#ac-mark")
    detail.get_by_text("by alice").wait_for()
    assert "add a decaf section" in detail.inner_text()
    assert staff.evaluate("window.__pwned") == 0 and staff.locator("#ac-log img[src=x]").count() == 0
    staff.get_by_label("Thumbs down").uncheck()
    staff.screenshot(path=str(screenshot_path(tmp_path, "screenshot-staff.png")), full_page=True)
    staff.get_by_role("tab", name="What to write next").click()
    staff.get_by_role("button", name="Group unanswered questions").click()
    staff.locator("#ac-groups [role=row].virtual-row", has_text=hostile).first.wait_for()
    staff.get_by_role("tab", name="Index").click()
    staff.locator("#ac-index").get_by_text("all-MiniLM-L6-v2").wait_for()
    staff.context.close()


def test_staff_without_sign_in_shows_no_log_and_its_api_is_closed(web, page):
    web.runtime.log.record(
        __import__("askclinic.models", fromlist=["Answer"]).Answer("q", "no_match", "m"),
        "private question about my neighbour",
        None,
        "chat",
        "v",
    )
    page.goto(web.url + "/staff/")
    assert page.url == web.url + "/staff/login"
    assert page.locator("#ac-log").count() == 0
    assert "private question" not in page.content()
    for path in ("/staff/config", "/staff/gradio_api/info", "/staff/export.csv"):
        r = page.request.get(web.url + path)
        assert r.status in (401, 403) and "private question" not in r.text()
    r = page.request.post(web.url + "/staff/gradio_api/queue/join", data={"fn_index": 0, "data": []})
    assert r.status in (401, 403)


def test_html_in_a_question_or_an_article_runs_nothing(web, page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script("window.__pwned = 0")
    open_chat(page, web.url + "/")
    q = '<img src=x onerror="window.__pwned = 9"><script>window.__pwned = 8</script>'
    ask(page, q)
    bubble = page.locator(".ac-question").last
    assert bubble.inner_text().endswith(q)  # shown as typed, as text
    assert page.locator("#ac-conv img[src=x]").count() == 0

    answer = ask(page, "What is a zebra-stripe aura?")
    card = answer.locator(".ac-card").filter(has_text="Zebra-stripe aura")
    assert card.count() >= 1  # the hostile article is among the excerpts shown
    card = card.first
    assert (
        card.locator(".ac-title").inner_text()
        == 'Zebra-stripe aura <script>window.__pwned = 1</script> & "quotes"'
    )
    assert '<img src=x onerror="window.__pwned = 2">' in card.locator(".ac-excerpt").inner_text()
    assert card.locator("a").count() == 0  # its javascript: URL is not turned into a link
    assert page.locator("#ac-conv script").count() == 0
    assert page.evaluate("window.__pwned") == 0 and dialogs == []


@contextlib.contextmanager
def host_page(web):
    """The clinic's own page with the widget embedded (examples/embed.html), served on
    127.0.0.1:web.host_port, an origin allowed to frame the chat."""
    html = (ROOT / "examples" / "embed.html").read_text().replace("http://127.0.0.1:7860", web.url)

    class Host(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    host = http.server.ThreadingHTTPServer(("127.0.0.1", web.host_port), Host)
    threading.Thread(target=host.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{web.host_port}/"
    finally:
        host.shutdown()
        host.server_close()


def test_widget_in_an_iframe_on_a_host_page(web, page, browser):
    with host_page(web) as url:
        page.goto(url)
        inline = page.frame_locator("iframe.ask")
        inline.locator(QUESTION).fill("Does Botox help neck pain?")
        inline.locator(QUESTION).press("Enter")
        inline.locator(".ac-card").first.wait_for()
        assert "Botox" in inline.locator(".ac-card .ac-title").first.inner_text()

        button = page.get_by_role("button", name="Ask our articles")
        button.click()
        assert button.get_attribute("aria-expanded") == "true"
        panel = page.frame_locator("#askclinic-panel iframe")
        panel.locator(QUESTION).wait_for()
        frame = page.locator("#askclinic-panel iframe").element_handle().content_frame()
        in_box = "document.activeElement && document.activeElement.closest('#ac-question') !== null"
        for _ in range(50):  # opened with the cursor in the question box
            if frame.evaluate(in_box):
                break
            page.wait_for_timeout(100)
        assert frame.evaluate(in_box)
        page.keyboard.type("What is a cluster headache?")
        page.keyboard.press("Enter")
        panel.locator(".ac-card").first.wait_for()
        titles = [f.get_attribute("title") for f in page.locator("iframe").all()]
        assert len(titles) == len(set(titles)) == 2 and all(titles)
        page.get_by_role("button", name="Close").click()
        assert page.locator("#askclinic-panel").is_hidden()
        button.click()
        panel.locator(QUESTION).press("Escape")  # Escape inside the chat closes the panel
        page.locator("#askclinic-panel").wait_for(state="hidden")
        assert button.get_attribute("aria-expanded") == "false"

        # the same page from an origin not in ASKCLINIC_FRAME_ANCESTORS: the browser refuses the frame
        other = page.context.new_page()
        other.goto(f"http://localhost:{web.host_port}/")
        other.wait_for_timeout(3000)
        frame = other.frame_locator("iframe.ask")
        assert frame.locator(QUESTION).count() == 0


def test_phone_width_and_keyboard(web, browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    open_chat(page, web.url + "/")
    page.locator(QUESTION).wait_for()
    page.keyboard.press("Tab")
    for _ in range(30):  # Tab reaches the question box, typing and Enter ask
        if page.evaluate("document.activeElement && document.activeElement.closest('#ac-question') !== null"):
            break
        page.keyboard.press("Tab")
    page.keyboard.type("Can caffeine trigger migraines?")
    page.keyboard.press("Enter")
    page.locator(".ac-card").first.wait_for(timeout=30_000)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 376, f"page is {width}px wide on a 375px screen"
    context.close()


def test_chat_rate_limit_message(tmp_path_factory, web_index_dir, embedder, page):
    import webserver
    from askclinic.config import Settings

    settings = Settings(
        index=str(web_index_dir), data=str(tmp_path_factory.mktemp("chat-limit")), rate_limit=2
    )
    running = webserver.start(settings, embedder)
    try:
        open_chat(page, running.url + "/widget/")
        for n, q in enumerate(
            ["Is coffee bad for migraines?", "What is a cluster headache?", "Does Botox help neck pain?"]
        ):
            answer = ask(page, q, n)
        assert re.match(
            r"You have asked many questions in a short time\. Please wait about \d+ seconds",
            answer.inner_text(),
        )
        assert answer.locator(".ac-card").count() == 0
    finally:
        running.stop()


def test_emergency_first_as_an_alert_and_no_match_with_contacts(web, page):
    open_chat(page, web.url + "/")
    em = ask(page, "I have the worst headache of my life, it came on suddenly like a thunderclap")
    alert = em.locator(".ac-alert[role=alert]")
    assert alert.is_visible() and "911" in alert.inner_text()
    assert em.locator(".ac-card").count() == 0
    assert alert.get_by_role("link", name="Call 911").get_attribute("href") == "tel:911"
    assert em.locator("xpath=..").get_by_role("button").count() == 0  # no feedback buttons under an emergency
    assert page.locator(".ac-notes a").get_attribute("href") == "tel:911"  # the footer's number too
    nm = ask(page, "How do I file my taxes?")
    assert nm.inner_text().startswith("Our articles don't cover this yet.")
    assert nm.locator("a[href='tel:5550100100']").is_visible()
    assert (
        nm.get_by_role("link", name="Book a visit").get_attribute("href")
        == "https://riverside-headache.example/book"
    )
