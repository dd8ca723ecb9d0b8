"""The patient chat (/) and its compact twin for iframes (/widget): one scroll area holding the
conversation (answers as one card per article), the question box pinned below it, suggested
questions taken from the golden questions, feedback under each answer, and the "is any of this
happening now?" buttons. The conversation is HTML written by render.py; chat.js does what
Gradio's defaults do not (one question at a time, scrolling, announcements, in-answer buttons)."""

from __future__ import annotations

import re
import threading
from html import escape

import gradio as gr

from ..answer import DISCLAIMER
from ..errors import AskclinicError
from ..log import RATINGS
from ..models import Status
from .render import answer_html, conversation_html, notice_html, question_html, tel_url
from .render import labels as render_labels
from .runtime import Unavailable, rate_message
from .theme import markup

UNAVAILABLE = (
    "Sorry, our article search is not available right now. Please try again in a few "
    "minutes, or contact the clinic."
)
WAITING = "Searching our articles…"
_CUE = re.compile(
    r"^(?:and|but|also|so|plus|what about|how about|what if|what else|is it|is that|"
    r"are they|are there|does it|do they|can it|can they|will it|would it|should i|"
    r"how long|how often|how soon|how many|how much|any other)\b",
    re.I,
)
_BACK = re.compile(r"\b(?:it|its|it's|this|that|these|those|they|them|their|the same)\b", re.I)


def is_follow_up(question: str) -> bool:
    """Does this question lean on the one before ("what about side effects?", "for children?",
    "is it safe?")? Then it is searched together with it. A longer question that names its
    own topic is searched alone."""
    q, words = question.strip(), len(question.split())
    return bool(_CUE.search(q)) or words <= 3 or (words <= 8 and bool(_BACK.search(q)))


def privacy_text(settings) -> str:
    days = settings.log_days
    return (
        f"We keep your questions for {days} days to improve our articles, with the names, "
        f"numbers, emails and addresses we recognise removed (most, not all: please leave them "
        f"out). We never store your IP address."
        if days > 0
        else "We don't keep your questions."
    )


def notes_html(settings) -> str:
    number = settings.emergency_number
    return (
        f'<div class="ac-notes"><p class="ac-disclaimer"><strong>{escape(DISCLAIMER)}</strong> '
        f'In an emergency, call <a href="{escape(tel_url(number), quote=True)}">{escape(number)}</a>.</p></div>'
    )


def contact_warnings(settings) -> list[str]:
    """What a clinic should set so "not covered" answers can point patients somewhere."""
    out = []
    if settings.clinic_name in ("", "our clinic"):
        out.append(
            'ASKCLINIC_CLINIC_NAME is not set: patients see "our clinic"; set it to the clinic\'s name'
        )
    if not settings.clinic_phone:
        out.append(
            'ASKCLINIC_CLINIC_PHONE is not set: "not covered" answers offer no number to call; '
            "set it (and ASKCLINIC_CLINIC_BOOKING_URL if patients book online)"
        )
    return out


def header_html(settings, compact: bool) -> str:
    if compact:
        return f'<header class="ac-header ac-compact"><h1>Ask {escape(settings.clinic_name)}\'s articles</h1></header>'
    return (
        f'<header class="ac-header"><h1>Ask our articles</h1>'
        f"<p>Answers are passages from {escape(settings.clinic_name)}'s own articles, each with a "
        f"link to the full post.</p></header>"
    )


def intro_text(settings) -> str:
    return (
        f"Ask a question about {settings.topic}. You will get passages from our articles, "
        "each linked to the place in the full post."
    )


def intro_html(settings) -> str:
    return (
        f'<div class="ac-conv"><p class="ac-intro">{escape(intro_text(settings))}</p>'
        f'<p class="ac-intro ac-privacy">{escape(privacy_text(settings))}</p></div>'
    )


_suggest_lock = threading.Lock()


def _golden(runtime) -> tuple[str, list[tuple[str, list[str]]]]:
    """(where, [(question, expected articles)]): the clinic's golden questions, or the starter
    questions of the settings (any article will do) when there is no golden.jsonl or it cannot
    be read."""
    from ..golden import find_golden, read_golden

    settings = runtime.settings
    path = find_golden(settings, runtime.rebuild.sources)
    starters = [(q, []) for q in settings.starters]
    try:
        return (str(path), read_golden(path)) if path else ("", starters)
    except AskclinicError as e:
        print(f"askclinic: suggested questions: {e}", flush=True)
        return ("", starters)


def suggestions(runtime, limit: int = 4) -> list[str]:
    """Up to `limit` golden questions that still open with one of their expected articles on
    the current index (starter questions that get an answer, without a golden.jsonl); checked once per
    index version, so each rebuild re-checks them."""
    from ..answer import ask

    try:
        retriever = runtime.retriever()
    except Unavailable:
        return []
    index = retriever.index
    with _suggest_lock:
        where, questions = _golden(runtime)
        cache = getattr(runtime, "_suggested", None)
        if cache and cache[0] == (where, index.version):
            return cache[1]
        picked = []
        for question, expected in questions:
            ans = ask(question, retriever, runtime.settings, with_highlights=False)
            if (
                ans.status == Status.ANSWERED
                and ans.excerpts
                and (not expected or ans.excerpts[0].article_id in expected)
            ):
                picked.append(question)
            if len(picked) == limit:
                break
        runtime._suggested = ((where, index.version), picked)
        return picked


def fresh_state() -> dict:
    """A conversation: its turns ({"q": html} or {"ans": Answer | None, "notice": ...}), the
    question being answered, the previous question (for follow-ups) and the passages shown."""
    return {"turns": [], "asking": None, "previous": None, "shown": []}


class Chat:
    """The event handlers of one page (chat or widget)."""

    def __init__(self, runtime, channel: str):
        self.runtime, self.channel = runtime, channel
        self.logging = runtime.settings.log_days > 0
        self.renders = 0  # numbers each rendering (any counter that changes will do)

    def html(self, state: dict, waiting: bool = False) -> str:
        turns = []
        for n, t in enumerate(state["turns"]):
            if "q" in t:
                turns.append(t)
            elif t.get("ans") is not None:
                ans = t["ans"]
                rateable = self.logging and ans.id and ans.status in (Status.ANSWERED, Status.NO_MATCH)
                turns.append(
                    {
                        "a": answer_html(ans, self.runtime.settings, turn=n, chosen=t.get("chosen")),
                        "fb": t.get("fb") if rateable else "off",
                        "lang": getattr(ans, "language", None) or "en",
                    }
                )
            else:
                turns.append({"a": notice_html(t["notice"][0], t["notice"][1], turn=n), "fb": "off"})
        if not turns and not waiting:
            return intro_html(self.runtime.settings)
        self.renders += 1
        return conversation_html(turns, WAITING if waiting else None, self.renders)

    def add_question(self, text, state):
        text = (text or "").strip()
        if not text or state.get("asking"):
            return gr.update(), gr.update(), state
        state = {
            **state,
            "asking": {"question": text},
            "turns": state["turns"] + [{"q": question_html(text)}],
        }
        return "", self.html(state, waiting=True), state

    def respond(self, state, request: gr.Request):
        asking = state.get("asking")
        if not asking:
            return gr.update(), state
        state = {**state, "asking": None, "turns": list(state["turns"]), "shown": list(state["shown"])}
        host = request.client.host if request is not None and request.client else None
        wait = self.runtime.limiter.hit(self.runtime.client_key(host))
        if wait:
            state["turns"].append({"notice": (rate_message(wait), "limited")})
            return self.html(state), state
        question, check = asking["question"], asking.get("check")
        previous = state.get("previous")
        context = (
            asking.get("context") if check else (previous if previous and is_follow_up(question) else None)
        )
        options = {"exclude": state["shown"]} if context else {}
        if check:
            options["check"] = check
        try:
            ans = self.runtime.answer(question, context, self.channel, **options)
        except Unavailable:
            state["turns"].append({"notice": (UNAVAILABLE, "unavailable")})
            return self.html(state), state
        if ans.status in (Status.ANSWERED, Status.NO_MATCH):
            state["previous"] = (f"{context} {ans.question}" if context else ans.question)[-600:]
        state["shown"] += [(e.article_id, e.text) for e in ans.excerpts]
        state["turns"].append(
            {"ans": ans, "fb": None, "chosen": None, "question": question, "context": context}
        )
        return self.html(state), state

    def _unchanged(self, state):
        """Rendered again all the same: chat.js waits for a new rendering before it goes on."""
        return "", self.html(state, waiting=bool(state.get("asking"))), state

    def action(self, value, state):
        """A button inside the conversation: `up|down|comment|check:<turn>:<value>`."""
        kind, _, rest = (value or "").partition(":")
        turn, _, arg = rest.partition(":")
        turns = list(state["turns"])
        if (
            not turn.isdigit()
            or int(turn) >= len(turns)
            or "ans" not in turns[int(turn)]
            or state.get("asking")
        ):
            return self._unchanged(state)
        n, t = int(turn), dict(turns[int(turn)])
        ans = t["ans"]
        if kind in RATINGS and t.get("fb") is None and ans.id:
            self.runtime.feedback(ans.id, RATINGS[kind], None)
            t["fb"] = kind
        elif kind == "comment" and t.get("fb") in RATINGS and arg.strip():
            self.runtime.feedback(ans.id, RATINGS[t["fb"]], arg)
            t["fb"] = "commented"
        elif kind == "check" and ans.status == Status.CHECK and t.get("chosen") is None:
            labels = {str(c["id"]): str(c["label"]) for c in (getattr(ans, "check", None) or [])}
            lang = getattr(ans, "language", None) or "en"
            label = labels.get(arg) or (render_labels(lang)["none"] if arg == "none" else None)
            if label is None:
                return self._unchanged(state)
            t["chosen"] = arg
            turns[n] = t
            turns.append({"q": question_html(label, lang, "chose")})
            state = {
                **state,
                "turns": turns,
                "asking": {"question": t["question"], "check": arg, "context": t.get("context")},
            }
            return "", self.html(state, waiting=True), state
        turns[n] = t
        state = {**state, "turns": turns}
        return "", self.html(state), state


PRIVATE = dict(api_visibility="private", show_progress="hidden")  # no public API, no spinners


def _bottom(settings, compact: bool) -> tuple:
    """Pinned below the conversation: the suggested-question buttons, the question box with Ask
    and Clear, the "Clear this conversation?" confirmation, the disclaimer."""
    with gr.Column(elem_id="ac-bottom", scale=0):
        with gr.Row(elem_classes=["ac-starters"]):
            starters = [
                gr.Button(q, size="sm", variant="secondary", elem_classes=["ac-starter"], visible=bool(q))
                for q in ([*settings.starters] + [""] * 6)[:6]
            ]
        with gr.Row(elem_classes=["ac-ask"], equal_height=True):
            box = gr.Textbox(
                label="Your question",
                show_label=False,
                container=False,
                max_length=4000,
                placeholder="Type your question",
                lines=1,
                max_lines=4,
                scale=5,
                autofocus=not compact,
                elem_id="ac-question",
            )
            send = gr.Button("Ask", variant="primary", scale=0, min_width=72, elem_id="ac-send")
            clear = gr.Button("Clear", variant="secondary", scale=0, min_width=72, elem_id="ac-clear")
        with gr.Row(visible=False, elem_id="ac-confirm") as confirm:
            markup('<p class="ac-confirm-q">Clear this conversation?</p>')
            yes = gr.Button("Yes, clear it", variant="stop", scale=0, min_width=120, elem_id="ac-clear-yes")
            keep = gr.Button("Keep it", variant="secondary", scale=0, min_width=96, elem_id="ac-clear-no")
        markup(notes_html(settings))
    return starters, box, send, clear, confirm, yes, keep


def _ask_events(chat: Chat, conv, state, box, send, starters, action, go) -> None:
    """Asking: the question box, the suggested questions and the buttons inside the
    conversation (through the hidden action box) each show the question, then answer it."""
    for trigger in (box.submit, send.click):
        trigger(chat.add_question, [box, state], [box, conv, state], queue=False, **PRIVATE).then(
            chat.respond, [state], [conv, state], **PRIVATE
        )
    for b in starters:
        b.click(chat.add_question, [b, state], [box, conv, state], queue=False, **PRIVATE).then(
            chat.respond, [state], [conv, state], **PRIVATE
        )
    go.click(chat.action, [action, state], [action, conv, state], queue=False, **PRIVATE).then(
        chat.respond, [state], [conv, state], **PRIVATE
    )


def _clear_events(settings, conv, state, clear, confirm, yes, keep) -> None:
    """Clear asks first; "Yes, clear it" starts a fresh conversation."""
    clear.click(lambda: gr.update(visible=True), None, [confirm], queue=False, **PRIVATE)
    keep.click(lambda: gr.update(visible=False), None, [confirm], queue=False, **PRIVATE)
    yes.click(
        lambda: (fresh_state(), intro_html(settings), gr.update(visible=False)),
        None,
        [state, conv, confirm],
        queue=False,
        **PRIVATE,
    )


def build(runtime, compact: bool) -> gr.Blocks:
    settings = runtime.settings
    chat = Chat(runtime, "widget" if compact else "chat")
    title = f"Ask our articles – {settings.clinic_name}" + (" (chat panel)" if compact else "")
    with gr.Blocks(
        title=title,
        analytics_enabled=False,
        fill_height=True,
        elem_classes=["ac-page", "ac-widget" if compact else "ac-full"],
    ) as demo:
        markup(header_html(settings, compact))
        conv = markup(intro_html(settings), elem_id="ac-conv", scale=1)
        starters, box, send, clear, confirm, yes, keep = _bottom(settings, compact)
        action = gr.Textbox(
            elem_id="ac-action", elem_classes=["ac-hidden"], show_label=False, container=False, label="action"
        )
        go = gr.Button("action", elem_id="ac-action-go", elem_classes=["ac-hidden"])
        state = gr.State(fresh_state())
        _ask_events(chat, conv, state, box, send, starters, action, go)
        _clear_events(settings, conv, state, clear, confirm, yes, keep)

        def offer():
            qs = suggestions(runtime)[: len(starters)]
            return [gr.update(value=q, visible=True) for q in qs] + [gr.update(visible=False)] * (
                len(starters) - len(qs)
            )

        demo.load(offer, None, starters, queue=False, **PRIVATE)
    demo.queue(default_concurrency_limit=4, max_size=256)
    return demo
