"""The staff console (/staff, behind the sign-in): the question log with filters, review notes
and CSV export; "What to write next" (unanswered questions grouped by similarity); the index
panel with a background "Rebuild index". The layout and its event handlers; the HTML and table
rows they show come from staff_render.py."""

from __future__ import annotations

from html import escape

import gradio as gr

from ..errors import AskclinicError
from ..golden import TOP
from ..grouping import group_questions
from ..log import FILTERS, question_key
from ..models import Status
from .staff_render import (
    article_rows,
    detail_html,
    golden_rows,
    groups_info,
    index_html,
    local_time,
    log_rows,
    summary_html,
)
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

# ---------------------------------------------------------------- the console

PRIVATE = dict(api_visibility="private")  # the handlers are not part of any public API


def _selected_row(evt: gr.SelectData) -> int:
    return evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index


class Console:
    """The console's event handlers, over the runtime's question log, index and rebuild."""

    def __init__(self, runtime):
        self.runtime, self.log = runtime, runtime.log

    def refresh(self, kinds, unreviewed, search):
        filters = list(kinds or []) + (["unreviewed"] if unreviewed else [])
        entries, total = self.log.entries(filters, search or "", SHOWN)
        return (
            log_rows(entries),
            [e.id for e in entries],
            summary_html(filters, search, total, len(entries)),
        )

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
