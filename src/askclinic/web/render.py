"""HTML for what a patient sees: the conversation, answers as one card per article, the
emergency and "is this happening now?" boxes, feedback, notices. Every piece of question or
article text is escaped here; only the markup written in this module is HTML. Gradio's
sanitizer drops aria-* and data-* attributes, so buttons are told apart by their id
(`ac-act-<action>-<turn>[-<value>]`), which chat.js reads."""

from __future__ import annotations

import datetime as dt
from html import escape
from urllib.parse import quote

from dateutil.relativedelta import relativedelta

from ..answer import DISCLAIMER, safe_url
from ..config import Settings
from ..models import Answer, Status

OLD_AFTER_YEARS = 3


def format_date(iso: str | None) -> str | None:
    """'2013-04-24' → 'April 24, 2013'; None when missing or unreadable."""
    try:
        d = dt.date.fromisoformat(iso or "")
    except ValueError:
        return None
    return f"{d:%B} {d.day}, {d.year}"


def is_old(iso: str | None, today: dt.date | None = None) -> bool:
    try:
        d = dt.date.fromisoformat(iso or "")
    except ValueError:
        return False
    return d < (today or dt.date.today()) - relativedelta(years=OLD_AFTER_YEARS)


def _spans(text: str, highlights: list[str]) -> list[tuple[int, int]]:
    """Where the highlighted sentences are in `text`, merged and in order."""
    found = []
    for h in highlights:
        start = text.find(h) if h else -1
        if start >= 0:
            found.append((start, start + len(h)))
    merged: list[tuple[int, int]] = []
    for s, e in sorted(found):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def text_html(text: str) -> str:
    """Escaped text with line breaks as <br> (so it never ends an HTML block early)."""
    return "<br>".join(escape(line) for line in text.split("\n"))


def marked(text: str, highlights: list[str]) -> str:
    """Escaped excerpt text with the highlighted sentences inside <mark>."""
    out, pos = [], 0
    for s, e in _spans(text, highlights):
        out.append(text_html(text[pos:s]))
        out.append(f"<mark>{text_html(text[s:e])}</mark>")
        pos = e
    out.append(text_html(text[pos:]))
    return "".join(out)


LABELS = {
    "en": {
        "call": "Call {n}",
        "text": "Text {n}",
        "none": "None of these",
        "helpful": "Did this help?",
        "yes": "Yes",
        "no": "No",
        "new_tab": " (opens in a new tab)",
        "older": "older article: ask us if anything has changed",
        "you": "You asked:",
        "chose": "You answered:",
        "thanks": "Thank you! Anything to add? (optional)",
        "sorry": "Sorry this didn't help. What were you looking for? (optional)",
        "saved": "Thank you, your comment was saved.",
        "rated": "Thank you for your feedback.",
        "passages": "Answer: {p} from {a}.",
    },
    "es": {
        "call": "Llamar al {n}",
        "text": "Enviar mensaje al {n}",
        "none": "Nada de esto",
        "helpful": "¿Le ayudó?",
        "yes": "Sí",
        "no": "No",
        "new_tab": " (se abre en otra pestaña)",
        "older": "artículo antiguo: pregúntenos si algo ha cambiado",
        "you": "Usted preguntó:",
        "chose": "Usted respondió:",
        "thanks": "¡Gracias! ¿Algo más? (opcional)",
        "sorry": "Lamentamos que no le ayudara. ¿Qué buscaba? (opcional)",
        "saved": "Gracias, guardamos su comentario.",
        "rated": "Gracias por su opinión.",
        "passages": "Respuesta: {p} de {a}.",
    },
}


def labels(language: str | None) -> dict[str, str]:
    return LABELS.get(language or "en", LABELS["en"])


def _link(url: str | None, label_html: str, cls: str = "", language: str = "en") -> str:
    if not url:
        return label_html
    c = f' class="{cls}"' if cls else ""
    return (
        f'<a{c} href="{escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">'
        f'{label_html}<span class="ac-sr">{escape(labels(language)["new_tab"])}</span></a>'
    )


def _trim_overlap(first: str, second: str, least: int = 20) -> str:
    """`second` without the text it repeats from the end of `first` (neighbouring passages
    overlap); empty when `first` already holds all of it."""
    if second.strip() in first:
        return ""
    for size in range(min(len(first), len(second)), least - 1, -1):
        if first.endswith(second[:size]):
            return second[size:].lstrip()
    return second


def group_by_article(excerpts) -> list[list]:
    """Excerpts grouped by article, in the order each article first appears."""
    groups: dict[str, list] = {}
    for ex in excerpts:
        groups.setdefault(ex.article_id, []).append(ex)
    return list(groups.values())


def card(group, today: dt.date | None = None, language: str = "en") -> str:
    """One article: linked title (opening the post at the first quoted passage), date, age
    note, then its passages, overlapping text trimmed."""
    first = group[0]
    url = safe_url(getattr(first, "deep_url", None)) or safe_url(first.url)
    meta = []
    when = format_date(first.published)
    if when:
        meta.append(f'<time datetime="{escape(first.published, quote=True)}">{escape(when)}</time>')
        if is_old(first.published, today):
            meta.append(f'<span class="ac-old">{escape(labels(language)["older"])}</span>')
    quotes, previous = [], ""
    for ex in group:
        text = _trim_overlap(previous, ex.text) if previous else ex.text
        previous = ex.text
        if text:
            quotes.append(f'<blockquote class="ac-excerpt">{marked(text, ex.highlights)}</blockquote>')
    return (
        f'<article class="ac-card"><h2 class="ac-title">{_link(url, escape(first.title), "", language)}</h2>'
        + (f'<p class="ac-meta">{" · ".join(meta)}</p>' if meta else "")
        + "".join(quotes)
        + "</article>"
    )


def tel_url(number: str) -> str:
    return "tel:" + quote("".join(ch for ch in number if ch.isdigit() or ch == "+"))


def _number(text: str) -> str:
    """The dialable part of a setting like "988 (Suicide & Crisis Lifeline)"."""
    return text.split("(")[0].strip() or text


def contact_actions(settings: Settings) -> str:
    acts = []
    if settings.clinic_phone:
        acts.append(
            f'<a class="ac-action" href="{escape(tel_url(settings.clinic_phone), quote=True)}">'
            f"Call {escape(settings.clinic_name)}: {escape(settings.clinic_phone)}</a>"
        )
    booking = safe_url(settings.clinic_booking_url)
    if booking:
        acts.append(_link(booking, "Book a visit", "ac-action"))
    return f'<p class="ac-actions">{" ".join(acts)}</p>' if acts else ""


def _split_first_sentence(message: str) -> tuple[str, str]:
    head, sep, rest = message.partition(". ")
    return (head + "." if sep else head), rest


def emergency_html(ans: Answer, settings: Settings) -> str:
    """One headline (the message's first sentence), the rest, and the actions: call the
    emergency number; for self-harm also call and text the crisis line."""
    lab = labels(getattr(ans, "language", None))
    headline, rest = _split_first_sentence(ans.message)
    crisis = _number(settings.crisis_line)
    self_harm = getattr(ans, "kind", None) in ("self_harm", "suicide") or (
        crisis and crisis in ans.message and getattr(ans, "kind", None) is None
    )
    acts = []
    if self_harm:
        acts.append(
            f'<a class="ac-action ac-urgent" href="{escape(tel_url(crisis), quote=True)}">'
            f"{escape(lab['call'].format(n=crisis))}</a>"
        )
        sms = "sms:" + quote("".join(ch for ch in crisis if ch.isdigit() or ch == "+"))
        acts.append(
            f'<a class="ac-action ac-urgent" href="{escape(sms, quote=True)}">'
            f"{escape(lab['text'].format(n=crisis))}</a>"
        )
    number = settings.emergency_number
    acts.append(
        f'<a class="ac-action ac-urgent" href="{escape(tel_url(number), quote=True)}">'
        f"{escape(lab['call'].format(n=number))}</a>"
    )
    return (
        f'<div class="ac-alert" role="alert"><h2 class="ac-alert-head">{escape(headline)}</h2>'
        + (f"<p>{escape(rest)}</p>" if rest else "")
        + f'<p class="ac-actions">{"".join(acts)}</p></div>'
    )


def check_html(ans: Answer, turn: int, chosen: str | None = None) -> str:
    """ "Is any of this happening now?" with one button per red flag and "None of these";
    once answered, the choice instead of the buttons."""
    lab = labels(getattr(ans, "language", None))
    items = list(getattr(ans, "check", None) or [])
    head = f'<h2 class="ac-check-head">{escape(ans.message)}</h2>'
    if chosen is not None:
        return head
    buttons = [
        f'<button type="button" class="ac-act ac-check-item" id="ac-act-check-{turn}-'
        f'{escape(str(c["id"]), quote=True)}">{escape(str(c["label"]))}</button>'
        for c in items
    ]
    buttons.append(
        f'<button type="button" class="ac-act ac-check-none" id="ac-act-check-{turn}-none">'
        f"{escape(lab['none'])}</button>"
    )
    return head + f'<div class="ac-check-items">{"".join(buttons)}</div>'


def announcement(ans: Answer) -> str:
    """What a screen reader hears when the answer arrives: short, no passages read out."""
    lab = labels(getattr(ans, "language", None))
    if ans.status == Status.ANSWERED and ans.excerpts:
        n, a = len(ans.excerpts), len(group_by_article(ans.excerpts))
        if lab is LABELS["es"]:
            p, art = f"{n} pasaje{'s' if n != 1 else ''}", f"{a} artículo{'s' if a != 1 else ''}"
        else:
            p, art = f"{n} passage{'s' if n != 1 else ''}", f"{a} article{'s' if a != 1 else ''}"
        return lab["passages"].format(p=p, a=art)
    return _split_first_sentence(ans.message)[0]


def answer_html(
    ans: Answer, settings: Settings, today: dt.date | None = None, turn: int = 0, chosen: str | None = None
) -> str:
    """The assistant's turn for one Answer (its feedback row is added by conversation_html)."""
    lang = getattr(ans, "language", None) or "en"
    said = f' lang="{escape(lang, quote=True)}"' if lang != "en" else ""  # read out in its language
    parts = [
        f'<section class="ac-answer ac-{escape(ans.status)}" id="ac-turn-{turn}" tabindex="-1"{said}>',
        f'<p class="ac-announce">{escape(announcement(ans))}</p>',
    ]
    if ans.status == Status.EMERGENCY:
        parts.append(emergency_html(ans, settings))
    elif ans.status == Status.CHECK:
        parts.append(check_html(ans, turn, chosen))
    else:
        # the disclaimer is pinned under the conversation: not repeated in every answer
        lead = ans.message.replace(f" {DISCLAIMER}", "") if ans.status == Status.ANSWERED else ans.message
        parts.append(f'<p class="ac-lead">{escape(lead)}</p>')
    if ans.notice:
        parts.append(f'<p class="ac-notice">{escape(ans.notice)}</p>')
    if ans.status == Status.NO_MATCH:
        parts.append(contact_actions(settings))
    if ans.excerpts:
        parts.append(
            '<div class="ac-cards">'
            + "".join(card(g, today, lang) for g in group_by_article(ans.excerpts))
            + "</div>"
        )
    parts.append("</section>")
    return "".join(parts)


def feedback_html(turn: int, stage: str | None, language: str = "en") -> str:
    """Under a rated-able answer: "Did this help? Yes / No"; after a rating a thank-you (and
    chat.js adds the optional comment box into `ac-comment-slot-<turn>`); after a comment, thanks."""
    lab = labels(language)
    if stage is None:
        return (
            f'<div class="ac-fb"><span class="ac-fb-q">{escape(lab["helpful"])}</span>'
            f'<button type="button" class="ac-act ac-fb-btn" id="ac-act-up-{turn}">{escape(lab["yes"])}</button>'
            f'<button type="button" class="ac-act ac-fb-btn" id="ac-act-down-{turn}">{escape(lab["no"])}</button></div>'
        )
    if stage in ("up", "down"):
        text = lab["thanks"] if stage == "up" else lab["sorry"]
        return (
            f'<div class="ac-fb ac-fb-done"><p class="ac-thanks" id="ac-thanks-{turn}" tabindex="-1">'
            f'{escape(text)}</p><div class="ac-comment-slot" id="ac-comment-slot-{turn}"></div></div>'
        )
    text = lab["saved"] if stage == "commented" else lab["rated"]
    return (
        f'<div class="ac-fb ac-fb-done"><p class="ac-thanks" id="ac-thanks-{turn}" tabindex="-1">'
        f"{escape(text)}</p></div>"
    )


def question_html(text: str, language: str = "en", kind: str = "you") -> str:
    return (
        f'<p class="ac-question"><span class="ac-sr">{escape(labels(language)[kind])} </span>'
        f"{text_html(text)}</p>"
    )


def notice_html(text: str, kind: str = "notice", turn: int = 0) -> str:
    """A fixed message from the app itself (rate limit, search unavailable)."""
    return (
        f'<section class="ac-answer ac-{escape(kind)}" id="ac-turn-{turn}" tabindex="-1">'
        f'<p class="ac-announce">{escape(text)}</p><p class="ac-lead">{escape(text)}</p></section>'
    )


def conversation_html(turns: list[dict], waiting: str | None = None, version: int = 0) -> str:
    """The whole conversation: each turn is {"q": html} or {"a": html, "fb": stage or "off",
    "lang": ...}; `waiting` is shown while an answer is being found. `version` numbers the
    renderings, so chat.js can tell when an action's result has arrived."""
    out = [f'<div class="ac-conv" id="ac-v-{int(version)}">']
    for n, t in enumerate(turns):
        if "q" in t:
            out.append(f'<div class="ac-turn ac-turn-q">{t["q"]}</div>')
        else:
            fb = "" if t.get("fb") == "off" else feedback_html(n, t.get("fb"), t.get("lang", "en"))
            out.append(f'<div class="ac-turn ac-turn-a">{t["a"]}{fb}</div>')
    if waiting:
        out.append(f'<p class="ac-pending" id="ac-pending">{escape(waiting)}</p>')
    out.append("</div>")
    return "".join(out)
