"""HTML for what a patient sees: answers as excerpt cards, fixed messages, notices. Every piece
of question or article text is escaped here; only the markup written in this module is HTML."""

from __future__ import annotations

import datetime as dt
from html import escape
from urllib.parse import quote

from dateutil.relativedelta import relativedelta

from ..answer import safe_url
from ..config import Settings
from ..models import Answer

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


def _link(url: str | None, label_html: str, cls: str = "") -> str:
    if not url:
        return label_html
    c = f' class="{cls}"' if cls else ""
    return (f'<a{c} href="{escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">'
            f'{label_html}<span class="ac-sr"> (opens in a new tab)</span></a>')


def card(ex, today: dt.date | None = None) -> str:
    """One excerpt card: [n], linked title, date (+ "older article"), excerpt, link."""
    url = safe_url(ex.url)
    meta = []
    when = format_date(ex.published)
    if when:
        meta.append(f'<time datetime="{escape(ex.published, quote=True)}">{escape(when)}</time>')
        if is_old(ex.published, today):
            meta.append('<span class="ac-old" title="Published more than 3 years ago; ask us '
                        'if anything has changed.">older article</span>')
    more = _link(url, "Read the full article", "ac-more") if url else ""
    return (f'<li class="ac-card"><div class="ac-card-head"><span class="ac-n">[{ex.n}]</span> '
            f'<span class="ac-title">{_link(url, escape(ex.title))}</span></div>'
            + (f'<div class="ac-meta">{" · ".join(meta)}</div>' if meta else "")
            + f'<blockquote class="ac-excerpt">{marked(ex.text, ex.highlights)}</blockquote>'
            + more + "</li>")


def _tel(number: str) -> str:
    return "tel:" + quote("".join(ch for ch in number if ch.isdigit() or ch == "+"))


def contact_actions(settings: Settings) -> str:
    acts = []
    if settings.clinic_phone:
        acts.append(f'<a class="ac-action" href="{escape(_tel(settings.clinic_phone), quote=True)}">'
                    f'Call {escape(settings.clinic_name)}: {escape(settings.clinic_phone)}</a>')
    booking = safe_url(settings.clinic_booking_url)
    if booking:
        acts.append(_link(booking, "Book a visit", "ac-action"))
    return f'<p class="ac-actions">{" ".join(acts)}</p>' if acts else ""


def answer_html(ans: Answer, settings: Settings, today: dt.date | None = None) -> str:
    """The assistant's message for one Answer."""
    parts = [f'<div class="ac-answer ac-{escape(ans.status)}">']
    if ans.status == "emergency":
        number = settings.emergency_number
        parts.append(f'<div class="ac-alert" role="alert"><strong>Possible emergency.</strong> '
                     f'{escape(ans.message)} <a class="ac-action ac-urgent" '
                     f'href="{escape(_tel(number), quote=True)}">Call {escape(number)}</a></div>')
    else:
        parts.append(f'<p class="ac-lead">{escape(ans.message)}</p>')
    if ans.notice:
        parts.append(f'<p class="ac-notice">{escape(ans.notice)}</p>')
    if ans.status == "no_match":
        parts.append(contact_actions(settings))
    if ans.excerpts:
        parts.append('<ol class="ac-cards">' + "".join(card(e, today) for e in ans.excerpts) + "</ol>")
    parts.append("</div>")
    return "".join(parts)


def question_html(text: str) -> str:
    return f'<span class="ac-question">{text_html(text)}</span>'


def notice_html(text: str, kind: str = "notice") -> str:
    """A fixed message from the app itself (rate limit, search unavailable)."""
    return f'<div class="ac-answer ac-{escape(kind)}"><p class="ac-lead">{escape(text)}</p></div>'
