"""The staff console (/staff, behind the sign-in): the question log with filters, review notes
and CSV export; "What to write next" (unanswered questions grouped by similarity); the index
panel with a background "Rebuild index"."""

from __future__ import annotations

import datetime as dt
from html import escape
from urllib.parse import urlencode

import gradio as gr

from ..answer import safe_url
from ..errors import AskclinicError
from ..golden import TOP
from ..grouping import group_questions
from ..log import FILTERS, excerpts_label, question_key, rating_words
from ..models import Status
from .render import marked, text_html
from .runtime import golden_results
from .theme import markup

KIND_LABELS = [
    ("No match", "no_match"),
    ("Thumbs down", "thumbs_down"),
    ("Emergency", "emergency"),
    ("Other language", "other_language"),
]
LOG_COLUMNS = ["Time", "Question", "Status", "Excerpts shown", "Index", "Feedback", "Comment", "Reviewed"]
SHOWN = 200
assert [v for _, v in KIND_LABELS] + ["unreviewed"] == list(FILTERS)
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


# ---------------------------------------------------------------- what the console shows


def _table(rows: list[tuple[str, str]]) -> str:
    """A two-column table of (label, HTML already escaped)."""
    body = "".join(f"<tr><th scope='row'>{escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="ac-detail">{body}</table>'


def _rows(entries) -> list[list[str]]:
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


# ---------------------------------------------------------------- the console

PRIVATE = dict(api_visibility="private")  # the handlers are not part of any public API


def _selected_row(evt: gr.SelectData) -> int:
    return evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index


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


class Console:
    """The console's event handlers, over the runtime's question log, index and rebuild."""

    def __init__(self, runtime):
        self.runtime, self.log = runtime, runtime.log

    def refresh(self, kinds, unreviewed, search):
        filters = list(kinds or []) + (["unreviewed"] if unreviewed else [])
        entries, total = self.log.entries(filters, search or "", SHOWN)
        return (_rows(entries), [e.id for e in entries], summary_html(filters, search, total, len(entries)))

    def select(self, ids, evt: gr.SelectData):
        row = _selected_row(evt)
        qid = ids[row] if ids and 0 <= row < len(ids) else None
        entry = self.log.get(qid) if qid else None
        articles = _articles(self.runtime)
        return qid, detail_html(entry, articles), (entry.note or "") if entry else ""

    def mark(self, qid, note, kinds, unreviewed, search, request: gr.Request):
        if not qid:
            gr.Warning("Select a question first.")
            return (gr.update(),) * 4
        self.log.review(qid, request.username or "staff", note or "")
        rows, ids, info = self.refresh(kinds, unreviewed, search)
        return rows, ids, info, detail_html(self.log.get(qid), _articles(self.runtime))

    def groups(self, include_down):
        kinds = ["no_match", "other_language"] + (["thumbs_down"] if include_down else [])
        entries, _ = self.log.entries(kinds, "", 2000)
        hidden = self.log.dismissed()
        rows = [
            (e.question, e.asked_at)
            for e in entries
            if e.status != Status.EMERGENCY and question_key(e.question) not in hidden
        ]
        found = group_questions(rows, self.runtime.embedder)
        table = [
            [
                g.count,
                g.example,
                "; ".join(g.others[:5]) + (" …" if len(g.others) > 5 else ""),
                local_time(g.last_asked),
            ]
            for g in found
        ]
        return table, [[g.example, *g.others] for g in found], groups_info(len(rows), len(found))

    def pick_group(self, found, evt: gr.SelectData):
        row = _selected_row(evt)
        return found[row] if found and 0 <= row < len(found) else None

    def dismiss(self, chosen, include_down, request: gr.Request):
        if not chosen:
            gr.Warning("Select a group first.")
            return gr.update(), gr.update(), gr.update(), None
        self.log.dismiss(chosen, request.username or "staff")
        return (*self.groups(include_down), None)

    def start_rebuild(self, request: gr.Request):
        if not self.runtime.rebuild.start(request.username):
            gr.Info("A rebuild is already running.")
        return self.runtime.rebuild.status(), gr.Timer(active=True)

    def poll(self):
        rebuild = self.runtime.rebuild
        running = rebuild.running
        return (
            rebuild.status(),
            gr.Timer(active=running),
            index_html(self.runtime),
            article_rows(self.runtime),
        )

    def golden(self):
        return golden_rows(self.runtime)

    def on_load(self, kinds, unreviewed, search, request: gr.Request):
        rows, ids, info = self.refresh(kinds, unreviewed, search)
        who = (
            f'<div class="ac-staffbar"><span>Signed in as <strong>{escape(request.username or "")}'
            f'</strong></span><a class="ac-signout" href="logout">Sign out</a></div>'
        )
        rebuild = self.runtime.rebuild
        return (
            rows,
            ids,
            info,
            who,
            index_html(self.runtime),
            article_rows(self.runtime),
            rebuild.status(),
            gr.Timer(active=rebuild.running),
        )


# ---------------------------------------------------------------- the layout


def _questions_tab(c: Console, ids) -> list:
    """The question log: filters, the table, one question in full, the review note."""
    with gr.Row(equal_height=True):
        kinds = gr.CheckboxGroup(
            KIND_LABELS, label="Show questions that are (any of)", scale=3, elem_id="ac-kinds"
        )
        unreviewed = gr.Checkbox(label="Not yet reviewed only", scale=1, elem_id="ac-unreviewed")
        search = gr.Textbox(label="Search questions, comments and notes", scale=2, elem_id="ac-log-search")
        refresh_btn = gr.Button("Refresh", scale=0, min_width=100)
    info = markup("")
    table = gr.Dataframe(
        headers=LOG_COLUMNS,
        type="array",
        interactive=False,
        wrap=True,
        datatype="str",
        max_height=520,
        elem_id="ac-log",
        column_widths=["11%", "25%", "9%", "19%", "8%", "9%", "11%", "8%"],
    )
    detail = markup(detail_html(None, {}), elem_id="ac-log-detail")
    with gr.Row(equal_height=True):
        note = gr.Textbox(label="Review note (optional)", scale=4, elem_id="ac-note")
        mark_btn = gr.Button("Mark reviewed", variant="primary", scale=1, elem_id="ac-mark")
    selected, shown = gr.State(None), [kinds, unreviewed, search]
    for trigger in (kinds.change, unreviewed.change, search.submit, refresh_btn.click):
        trigger(c.refresh, shown, [table, ids, info], **PRIVATE)
    table.select(c.select, [ids], [selected, detail, note], **PRIVATE)
    mark_btn.click(c.mark, [selected, note, *shown], [table, ids, info, detail], **PRIVATE)
    return [shown, table, info]


def _groups_tab(c: Console) -> None:
    """What to write next: unanswered questions grouped, and hiding a group for good."""
    include_down = gr.Checkbox(label="Also include answers marked not helpful")
    with gr.Row():
        group_btn = gr.Button("Group unanswered questions", variant="primary")
        dismiss_btn = gr.Button("Not relevant: hide the selected group", elem_id="ac-dismiss")
    group_info = markup("")
    group_table = gr.Dataframe(
        headers=["Times asked", "Example question", "Similar questions", "Last asked"],
        type="array",
        interactive=False,
        wrap=True,
        datatype="str",
        elem_id="ac-groups",
        column_widths=["10%", "35%", "40%", "15%"],
    )
    found, chosen = gr.State([]), gr.State(None)
    group_btn.click(c.groups, [include_down], [group_table, found, group_info], **PRIVATE)
    group_table.select(c.pick_group, [found], [chosen], **PRIVATE)
    dismiss_btn.click(c.dismiss, [chosen, include_down], [group_table, found, group_info, chosen], **PRIVATE)


def _index_tab(c: Console, timer) -> list:
    """The index: what is loaded, "Rebuild index" with its progress, the articles, the golden
    questions."""
    index_info = markup("", elem_id="ac-index")
    rebuild_btn = gr.Button("Rebuild index", variant="primary", elem_id="ac-rebuild")
    progress = gr.Textbox(
        label="Rebuild progress", lines=8, max_lines=16, interactive=False, elem_id="ac-progress"
    )
    articles = gr.Dataframe(
        headers=["Title", "Published", "Passages", "Id"],
        type="array",
        interactive=False,
        wrap=True,
        datatype="str",
        label="Articles in the index",
    )
    golden_btn = gr.Button("Check golden questions", elem_id="ac-golden-check")
    golden_info = markup("")
    golden_table = gr.Dataframe(
        headers=["Question", "Expected", f"Top {TOP} now", "Result"],
        type="array",
        interactive=False,
        wrap=True,
        datatype="str",
        elem_id="ac-golden",
        label="Golden questions",
    )
    rebuild_btn.click(c.start_rebuild, None, [progress, timer], **PRIVATE)
    timer.tick(c.poll, None, [progress, timer, index_info, articles], **PRIVATE)
    golden_btn.click(c.golden, None, [golden_table, golden_info], **PRIVATE)
    return [index_info, articles, progress]


def build(runtime) -> gr.Blocks:
    c = Console(runtime)
    with gr.Blocks(
        title="Staff console – askclinic", analytics_enabled=False, elem_classes=["ac-staff"]
    ) as demo:
        with gr.Row(elem_classes=["ac-staffhead"]):
            markup("<h1>Staff console</h1>")
            who = markup("")
        ids, timer = gr.State([]), gr.Timer(1.0, active=False, render=False)
        with gr.Tabs():
            with gr.Tab("Questions"):
                shown, table, info = _questions_tab(c, ids)
            with gr.Tab("What to write next"):
                _groups_tab(c)
            with gr.Tab("Index"):
                index_outputs = _index_tab(c, timer)
        timer.render()  # after the tabs, outside them: it ticks whichever tab is shown
        demo.load(c.on_load, shown, [table, ids, info, who, *index_outputs, timer], **PRIVATE)
    return demo


def _articles(runtime) -> dict:
    try:
        return runtime.index().articles
    except AskclinicError:
        return {}
