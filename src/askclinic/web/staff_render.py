"""HTML and table rows for what the staff console shows: a logged question in full, the
question table's rows and summary line, the loaded index, its articles, the golden questions,
the "What to write next" summary. Every piece of question or article text is escaped here."""

from __future__ import annotations

import datetime as dt
from html import escape
from urllib.parse import urlencode

from ..answer import safe_url
from ..errors import AskclinicError
from ..golden import TOP
from ..log import excerpts_label, rating_words
from ..models import Status
from .render import marked, text_html
from .runtime import golden_results

STATUS_WORDS = {
    Status.ANSWERED: "Answered",
    Status.NO_MATCH: "Not covered",
    Status.EMERGENCY: "Emergency",
    Status.CHECK: "Asked to check",
    Status.INVALID: "Not a question",
}


def local_time(stamp: str | None) -> str:
    if not stamp:
        return ""
    when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def short_version(version: str | None) -> str:
    """'v-20240601T060002-4121-318' -> 'Jun 1 06:00' (UTC build time); other names as they are."""
    try:
        when = dt.datetime.strptime((version or "").split("-")[1], "%Y%m%dT%H%M%S")
    except (IndexError, ValueError):
        return version or ""
    return f"{when:%b} {when.day} {when:%H:%M}"


def status_words(e) -> str:
    """The status of a logged question in words, never the stored code."""
    if e.language == "other" and e.status == Status.INVALID:
        return "Other language"
    words = STATUS_WORDS.get(e.status, e.status.replace("_", " ").capitalize())
    return words + (" (other language)" if e.language == "other" else "")


def _table(rows: list[tuple[str, str]]) -> str:
    """A two-column table of (label, HTML already escaped)."""
    body = "".join(f"<tr><th scope='row'>{escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="ac-detail">{body}</table>'


def log_rows(entries) -> list[list[str]]:
    """The question table's rows, one per logged question, matching staff.LOG_COLUMNS."""
    return [
        [
            local_time(e.asked_at),
            e.question,
            status_words(e),
            excerpts_label(e.excerpts),
            short_version(e.index_version),
            rating_words(e.rating),
            e.comment or "",
            ("✓ " + (e.note or "")).strip() if e.reviewer else "",
        ]
        for e in entries
    ]


def _shown_html(excerpts: list[dict], articles: dict) -> str:
    """The excerpts as the patient saw them: title (linked) and the text, highlights marked.
    Rows logged before the text was kept show the titles only."""
    items = []
    for x in excerpts:
        url = safe_url((articles.get(x["article_id"]) or {}).get("url"))
        title = escape(x["title"])
        if url:
            title = (
                f'<a href="{escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">{title}</a>'
            )
        text = (
            f'<blockquote class="ac-shown">{marked(x["text"], x.get("highlights") or [])}</blockquote>'
            if x.get("text")
            else ""
        )
        items.append(f"<li>[{x['n']}] {title}{text}</li>")
    return f"<ol>{''.join(items)}</ol>" if items else "none"


def detail_html(e, articles: dict) -> str:
    """One question in full; every value escaped."""
    if e is None:
        return (
            '<p class="ac-muted">Select a question in the table to see it in full and mark it reviewed.</p>'
        )
    rows = [
        ("Asked", f"{local_time(e.asked_at)} ({escape(e.channel)})"),
        ("Question", text_html(e.question)),
        *([("Follow-up to", text_html(e.context))] if e.context else []),
        ("Status", escape(status_words(e))),
        ("Excerpts shown", _shown_html(e.excerpts, articles)),
        ("Index version", escape(e.index_version or "")),
        (
            "Feedback",
            (rating_words(e.rating) or "none") + (f"<br>“{text_html(e.comment)}”" if e.comment else ""),
        ),
        (
            "Reviewed",
            text_html(f"by {e.reviewer}, {local_time(e.reviewed_at)}" + (f": {e.note}" if e.note else ""))
            if e.reviewer
            else "not yet",
        ),
    ]
    return _table(rows)


def index_html(runtime) -> str:
    try:
        index = runtime.index()
    except AskclinicError as e:
        return f'<p class="ac-alert" role="alert">No index is loaded: {escape(str(e))}</p>'
    m = index.manifest
    rows = [
        ("Version", index.version),
        ("Articles", f"{len(index.articles):,}"),
        ("Passages", f"{len(index.chunks):,}"),
        ("Model", m.get("model", "")),
        ("Built at", local_time(m.get("built_at"))),
        ("Sources for rebuild", ", ".join(runtime.rebuild.sources) or "(none: set ASKCLINIC_ARTICLES)"),
    ]
    return _table([(k, escape(str(v))) for k, v in rows])


def golden_rows(runtime) -> tuple[list[list[str]], str]:
    """The "Golden questions" panel: one row per question, and a summary line."""
    try:
        path, results = golden_results(runtime)
    except AskclinicError as e:
        return [], f'<p class="ac-alert" role="alert">{escape(str(e))}</p>'
    if path is None:
        return [], (
            '<p class="ac-summary">No golden questions yet: put a <code>golden.jsonl</code> '
            '(lines like {"question": "...", "expected": ["article_id"]}) in the articles '
            "folder or the data folder.</p>"
        )
    rows = [
        [
            r.question,
            ", ".join(r.expected),
            ", ".join(r.ranking[:TOP]),
            "ok" if r.ok else "DROPPED: " + ", ".join(r.missing),
        ]
        for r in results
    ]
    dropped = sum(not r.ok for r in results)
    return rows, (
        f'<p class="ac-summary">{len(results) - dropped} of {len(results)} golden questions '
        f"({escape(str(path))}) have their expected articles in the top {TOP}; "
        f"{dropped} dropped.</p>"
    )


def article_rows(runtime) -> list[list[str]]:
    try:
        index = runtime.index()
    except AskclinicError:
        return []
    counts: dict[str, int] = {}
    for c in index.chunks:
        counts[c.article_id] = counts.get(c.article_id, 0) + 1
    arts = sorted(index.articles.items(), key=lambda kv: kv[1].get("published") or "", reverse=True)
    return [[a["title"], a.get("published") or "", str(counts.get(aid, 0)), aid] for aid, a in arts]


def summary_html(filters, search, total: int, shown: int) -> str:
    """The line above the question table: how many are shown, and the CSV link for them."""
    if not total:
        return (
            '<p class="ac-summary ac-empty" role="status">No questions match. '
            + (
                "Untick a filter or clear the search to see more."
                if filters or search
                else "Questions patients ask will appear here."
            )
            + "</p>"
        )
    link = "export.csv?" + urlencode({"filters": ",".join(filters or []), "q": search or ""})
    return (
        f'<p class="ac-summary" role="status">Showing {shown:,} of {total:,} questions (newest first). '
        f'<a href="{escape(link, quote=True)}" download>Export these as CSV</a></p>'
    )


def groups_info(questions: int, groups: int) -> str:
    if not groups:
        return '<p class="ac-summary ac-empty" role="status">No unanswered questions to group.</p>'
    return (
        f'<p class="ac-summary" role="status">{questions:,} questions in {groups:,} groups, '
        "most asked first: topics patients asked about that our articles did not cover, "
        'in English or another language. Select a group and press "Not relevant" to hide '
        "it for good.</p>"
    )
