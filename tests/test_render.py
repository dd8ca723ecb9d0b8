"""What the patient chat shows, as HTML: one card per article with a deep link, the emergency
and check boxes, the short announcement, feedback; everything escaped. Fast: no browser."""

from __future__ import annotations

import datetime as dt
import re

from askclinic.config import Settings
from askclinic.models import Answer, Excerpt
from askclinic.web.render import (
    announcement,
    answer_html,
    conversation_html,
    feedback_html,
    format_date,
    is_old,
    question_html,
    safe_url,
)

URL = "https://clinic.example/blog/botox"


def ex(n, article, text, highlights=(), url=URL, title="Botox for neck pain", published="2014-06-09"):
    return Excerpt(
        n,
        article,
        title,
        url,
        published,
        text,
        list(highlights),
        0.7,
        deep_url=f"{url}#:~:text=x{n}" if url else None,
    )


def test_answer_html_escapes_everything_and_marks_highlights():
    text = 'Use <b>care</b> & "caution".\nBotox <script>x()</script> helps some people.'
    e = ex(
        1,
        "a",
        text,
        ["Botox <script>x()</script> helps some people."],
        url="javascript:alert(1)",
        title="Title <img src=x onerror=alert(1)>",
        published="2013-04-24",
    )
    e.deep_url = None
    html = answer_html(
        Answer("q", "answered", "Here is what our articles say.", [e]), Settings(), today=dt.date(2026, 1, 1)
    )
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "Title &lt;img src=x onerror=alert(1)&gt;" in html and "href" not in html  # unsafe URL: no link
    assert "&lt;b&gt;care&lt;/b&gt; &amp; &quot;caution&quot;.<br>" in html
    assert "<mark>Botox &lt;script&gt;x()&lt;/script&gt; helps some people.</mark>" in html
    assert '<time datetime="2013-04-24">April 24, 2013</time>' in html and "older article" in html
    assert format_date("2014-06-09") == "June 9, 2014" and format_date("soon") is None
    assert not is_old("2024-06-01", dt.date(2026, 1, 1)) and is_old("2022-12-31", dt.date(2026, 1, 1))
    assert safe_url("https://clinic.example/a") and not safe_url("data:text/html,x") and not safe_url("//x")
    assert "&lt;img src=x&gt;<br>second" in question_html("<img src=x>\nsecond")


def test_one_card_per_article_linking_to_the_quoted_passage_with_overlap_trimmed():
    a1 = "Botox relaxes muscles. It is given as small injections into the neck muscles."
    a2 = "small injections into the neck muscles. Relief may last three months."
    other = ex(3, "b", "Stretching helps too.", title="Stretching", url="https://clinic.example/blog/stretch")
    ans = Answer(
        "q",
        "answered",
        "Here is what our articles say. General information from our articles, not medical advice for you.",
        [ex(1, "a", a1), other, ex(2, "a", a2)],
    )
    html = answer_html(ans, Settings(), today=dt.date(2026, 1, 1))
    assert html.count('<article class="ac-card">') == 2 and html.count("<h2") == 2
    assert html.count(f'href="{URL}#:~:text=x1"') == 1 and f"{URL}#:~:text=x2" not in html
    assert html.count("older article") == 2  # once per card, not per passage
    assert (
        "Relief may last three months." in html and html.count("small injections into the neck muscles") == 1
    )
    assert html.index("Botox for neck pain") < html.index("Stretching")  # article order kept
    assert '<p class="ac-lead">Here is what our articles say.</p>' in html
    assert announcement(ans) == "Answer: 3 passages from 2 articles."


def test_emergency_has_one_headline_and_self_harm_offers_call_and_text():
    s = Settings(crisis_line="988 (Suicide & Crisis Lifeline)", emergency_number="911")
    plain = answer_html(
        Answer(
            "q",
            "emergency",
            "This may be an emergency. Call 911 or go to the nearest emergency department now.",
        ),
        s,
    )
    shown = re.sub(r'<p class="ac-announce">.*?</p>', "", plain)  # the screen-reader line
    assert shown.count("This may be an emergency") == 1 and "Possible emergency" not in plain
    assert plain.index('role="alert"') < plain.index("<h2") and 'href="tel:911"' in plain
    assert "sms:" not in plain and "ac-fb" not in plain
    crisis = Answer(
        "q",
        "emergency",
        "If you are thinking about harming yourself, call or text 988 "
        "(Suicide & Crisis Lifeline) now, or call 911. You are not alone.",
    )
    crisis.kind = "self_harm"
    html = answer_html(crisis, s)
    assert 'href="tel:988"' in html and 'href="sms:988"' in html and 'href="tel:911"' in html
    assert ">Text 988<" in html and ">Call 988<" in html
    other = answer_html(crisis, Settings(crisis_line="116 123 (Samaritans)"))
    assert 'href="tel:116123"' in other and ">Text 116 123<" in other


def test_check_offers_each_red_flag_and_none_of_these():
    ans = Answer("q", "check", "Is any of this happening now?")
    ans.check = [
        {"id": "stroke", "label": "Face drooping or <weak> arm"},
        {"id": "seizure", "label": "A seizure"},
    ]
    html = answer_html(ans, Settings(), turn=3)
    assert 'id="ac-act-check-3-stroke"' in html and "Face drooping or &lt;weak&gt; arm" in html
    assert 'id="ac-act-check-3-none">None of these<' in html
    assert announcement(ans) == "Is any of this happening now?"
    done = answer_html(ans, Settings(), turn=3, chosen="none")
    assert "<button" not in done and "Is any of this happening now?" in done
    ans.language = "es"
    ans.message = "¿Le está pasando algo de esto ahora?"
    spanish = answer_html(ans, Settings(), turn=3)
    assert ">Nada de esto<" in spanish and 'lang="es"' in spanish


def test_feedback_row_stages_and_conversation():
    assert 'id="ac-act-up-4"' in feedback_html(4, None) and 'id="ac-act-down-4"' in feedback_html(4, None)
    rated = feedback_html(4, "down")
    assert (
        "What were you looking for?" in rated and 'id="ac-comment-slot-4"' in rated and "<button" not in rated
    )
    assert "your comment was saved" in feedback_html(4, "commented")
    conv = conversation_html(
        [{"q": question_html("hi")}, {"a": "<section>A</section>", "fb": "off"}], "Searching"
    )
    assert conv.index("hi") < conv.index("A") < conv.index('id="ac-pending"') and "ac-fb" not in conv


def test_not_covered_offers_the_clinic_contact_when_configured():
    s = Settings(
        clinic_name="Riverside",
        clinic_phone="(555) 010-0100",
        clinic_booking_url="https://riverside.example/book",
    )
    html = answer_html(Answer("q", "no_match", "Our articles don't cover this yet."), s)
    assert 'href="tel:5550100100"' in html and 'href="https://riverside.example/book"' in html
    assert "<a" not in answer_html(Answer("q", "no_match", "Our articles don't cover this yet."), Settings())


def test_suggested_questions_are_golden_questions_that_still_open_with_their_article(
    tmp_path, web_index_dir, embedder
):
    import json

    from askclinic.web.patient import suggestions
    from askclinic.web.runtime import Runtime

    lines = [
        {"question": "Does Botox help neck pain?", "expected": ["botox-neck-upper-back-pain"]},
        {"question": "Can oxygen stop a cluster headache attack?", "expected": ["caffeine-and-headaches"]},
        {
            "question": "Is magnesium useful for preventing migraine?",
            "expected": ["magnesium-riboflavin-migraine"],
        },
    ]
    (tmp_path / "golden.jsonl").write_text("\n".join(json.dumps(x) for x in lines))
    runtime = Runtime(Settings(index=str(web_index_dir), data=str(tmp_path)), embedder)
    try:
        assert suggestions(runtime) == [
            "Does Botox help neck pain?",
            "Is magnesium useful for preventing migraine?",
        ]
        (tmp_path / "golden.jsonl").write_text(
            "not json\n"
        )  # a broken file: the built-in ones that get answers
        runtime._suggested = None
        assert 1 <= len(suggestions(runtime)) <= 4
    finally:
        runtime.close()


def test_chat_handlers_rate_once_and_always_render_again(web):
    from askclinic.web.patient import Chat, fresh_state

    chat = Chat(web.runtime, "chat")
    box, html, state = chat.add_question("Is coffee bad for migraines?", fresh_state())
    assert box == "" and 'id="ac-pending"' in html
    html, state = chat.respond(state, None)
    turn = len(state["turns"]) - 1
    qid = state["turns"][turn]["ans"].id
    assert f'id="ac-act-up-{turn}"' in html and "ac-pending" not in html
    _, first, state = chat.action(f"up:{turn}:", state)
    _, again, state = chat.action(f"down:{turn}:", state)  # a second rating changes nothing ...
    assert (
        "Anything to add?" in first and "Anything to add?" in again and first != again
    )  # ... but is a new rendering
    _, html, state = chat.action(f"comment:{turn}:more about decaf please", state)
    assert "your comment was saved" in html
    row = web.runtime.log.get(qid)
    assert row.rating == 1 and row.comment == "more about decaf please"
    _, html, state = chat.action(f"check:{turn}:stroke", state)  # not a check answer: ignored
    assert "ac-pending" not in html and state["asking"] is None


def test_unset_clinic_contact_is_warned_about_on_healthz(web):
    import httpx

    from askclinic.web.patient import contact_warnings

    assert httpx.get(web.url + "/healthz").json()["warnings"] == []  # name and phone are set
    warned = contact_warnings(Settings())
    assert len(warned) == 2 and "ASKCLINIC_CLINIC_NAME" in warned[0] and "ASKCLINIC_CLINIC_PHONE" in warned[1]
