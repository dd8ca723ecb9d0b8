"""The patient chat (/) and its compact twin for iframes (/widget): starter questions, a chat
whose answers are escaped excerpt cards, follow-ups searched with the conversation's previous
question, and thumbs up/down with an optional comment."""

from __future__ import annotations

import re
from html import escape

import gradio as gr

from ..answer import DISCLAIMER
from .render import answer_html, notice_html, question_html
from .server import Unavailable, rate_message

STARTERS = ["Does Botox help neck pain?", "What are the signs of a cluster headache?",
            "Can caffeine trigger migraines?", "What happens at my first visit?"]
UNAVAILABLE = ("Sorry, our article search is not available right now. Please try again in a few "
               "minutes, or contact the clinic.")
_CUE = re.compile(r"^(?:and|but|also|so|plus|what about|how about|what if|what else|is it|is that|"
                  r"are they|are there|does it|do they|can it|can they|will it|would it|should i|"
                  r"how long|how often|how soon|how many|how much|any other)\b", re.I)
_BACK = re.compile(r"\b(?:it|its|it's|this|that|these|those|they|them|their|the same)\b", re.I)


def is_follow_up(question: str) -> bool:
    """Does this question lean on the one before ("what about side effects?", "for children?",
    "is it safe?")? Then it is searched together with it. A longer question that names its
    own topic is searched alone."""
    q, words = question.strip(), len(question.split())
    return bool(_CUE.search(q)) or words <= 3 or (words <= 8 and bool(_BACK.search(q)))


def markup(value: str = "", **kw) -> gr.Markdown:
    """A block of HTML written by askclinic (values escaped). gr.Markdown rather than gr.HTML:
    gr.HTML evaluates templates as JavaScript, which the Content-Security-Policy forbids."""
    return gr.Markdown(value, sanitize_html=True, latex_delimiters=[], **kw)


def theme():
    """Gradio's default look with system fonts (nothing fetched) and a blue that keeps
    white button text readable."""
    system = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
    return gr.themes.Default(primary_hue="blue", neutral_hue="slate", font=system,
                             font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"])


def notes_html(settings) -> str:
    days = settings.log_days
    kept = (f"We keep your questions for {days} days, with names, phone numbers, emails and "
            f"addresses removed, to improve our articles. We never store your IP address."
            if days > 0 else "We don't keep your questions.")
    return (f'<div class="ac-notes"><p class="ac-disclaimer"><strong>{escape(DISCLAIMER)}</strong> '
            f'In an emergency, call {escape(settings.emergency_number)}.</p>'
            f'<p class="ac-privacy">{escape(kept)}</p></div>')


def header_html(settings) -> str:
    return (f'<header class="ac-header"><h1>Ask our articles</h1>'
            f'<p>Answers are passages from {escape(settings.clinic_name)}\'s own articles, each with a '
            f'link to the full post.</p></header>')


def build(runtime, compact: bool) -> gr.Blocks:
    settings = runtime.settings
    channel = "widget" if compact else "chat"
    logging = settings.log_days > 0
    title = f"Ask our articles – {settings.clinic_name}"

    def add_question(text, history, state):
        text = (text or "").strip()
        if not text:
            return gr.update(), history, state, gr.update()
        state = {**state, "asking": text}
        history = history + [{"role": "user", "content": question_html(text)}]
        return "", history, state, gr.update(visible=False)

    def respond(history, state, request: gr.Request):
        question = state.get("asking")
        if not question:
            return history, state
        state = {**state, "asking": None, "ids": dict(state["ids"])}
        host = request.client.host if request is not None and request.client else None
        wait = runtime.limiter.hit(runtime.client_key(host))
        if wait:
            reply = notice_html(rate_message(wait), "limited")
        else:
            previous = state.get("previous")
            context = previous if previous and is_follow_up(question) else None
            try:
                ans = runtime.answer(question, context, channel)
            except Unavailable:
                reply = notice_html(UNAVAILABLE, "unavailable")
            else:
                reply = answer_html(ans, settings)
                if ans.status in ("answered", "no_match"):
                    state["previous"] = (f"{context} {ans.question}" if context else ans.question)[-600:]
                if ans.id:
                    state["ids"][len(history)] = ans.id
        history = history + [{"role": "assistant", "content": reply}]
        return history, state

    def on_like(state, data: gr.LikeData):
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        qid = state["ids"].get(index)
        if qid is None or data.liked not in (True, False):
            return gr.update(visible=False), gr.update(), state
        rating = 1 if data.liked else -1
        runtime.feedback(qid, rating, None)
        label = ("Thanks! Anything to add? (optional)" if rating > 0
                 else "Sorry this didn't help. What were you looking for? (optional)")
        state = {**state, "pending": (qid, rating)}
        return gr.update(visible=True), gr.update(value="", label=label), state

    def send_comment(text, state):
        pending = state.get("pending")
        if pending and (text or "").strip():
            runtime.feedback(pending[0], pending[1], text)
            gr.Info("Thank you, your comment was saved.")
        return gr.update(visible=False), "", {**state, "pending": None}

    with gr.Blocks(title=title, analytics_enabled=False, fill_height=compact) as demo:
        if not compact:
            markup(header_html(settings))
        chat = gr.Chatbot(
            value=[], show_label=False, label="Conversation", elem_id="ac-chat",
            height=None if compact else "min(560px, 62vh)", min_height=240, scale=1 if compact else None,
            render_markdown=False, sanitize_html=True, latex_delimiters=[], buttons=[],
            feedback_options=("Like", "Dislike") if logging else None,
            group_consecutive_messages=False, layout="bubble", autoscroll=True,
            placeholder=("Ask a question about headaches, migraine or our treatments. You will "
                         "get passages from our articles, each linked to the full post."))
        with gr.Row(elem_classes=["ac-starters"]) as starters:
            buttons = [gr.Button(q, size="sm", variant="secondary", elem_classes=["ac-starter"])
                       for q in STARTERS]
        with gr.Row(elem_classes=["ac-ask"]):
            box = gr.Textbox(label="Your question", show_label=compact is False, max_length=4000,
                             placeholder="Type your question, e.g. Does Botox help neck pain?",
                             lines=1, max_lines=4, scale=5, autofocus=not compact,
                             elem_id="ac-question")
            send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ac-send")
        with gr.Row(visible=False, elem_classes=["ac-feedback"]) as fb_row:
            fb_text = gr.Textbox(label="Anything to add? (optional)", max_length=2000, lines=1,
                                 scale=5, elem_id="ac-comment")
            fb_send = gr.Button("Send comment", scale=1, min_width=80, elem_id="ac-comment-send")
        markup(notes_html(settings))
        fresh = {"previous": None, "ids": {}, "pending": None, "asking": None}
        state = gr.State(dict(fresh))

        private = dict(api_visibility="private")
        for trigger in (box.submit, send.click):
            trigger(add_question, [box, chat, state], [box, chat, state, starters],
                    queue=False, **private).then(respond, [chat, state], [chat, state], **private)
        for b, q in zip(buttons, STARTERS):
            b.click(lambda h, s, q=q: add_question(q, h, s), [chat, state], [box, chat, state, starters],
                    queue=False, **private).then(respond, [chat, state], [chat, state], **private)
        chat.like(on_like, [state], [fb_row, fb_text, state], queue=False, **private)
        chat.clear(lambda: (dict(fresh), gr.update(visible=True), gr.update(visible=False)), None,
                   [state, starters, fb_row], queue=False, **private)
        for trigger in (fb_text.submit, fb_send.click):
            trigger(send_comment, [fb_text, state], [fb_row, fb_text, state], **private)  # queued: the toast needs it
    demo.queue(default_concurrency_limit=4, max_size=256)
    return demo
