"""The staff console (/staff, behind the sign-in): the question log with filters, review notes
and CSV export; "What to write next" (unanswered questions grouped by similarity); the index
panel with a background "Rebuild index". Also the sign-in page itself."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html import escape
from urllib.parse import urlencode

import gradio as gr
import numpy as np

from ..answer import safe_url
from ..errors import AskclinicError
from ..log import FILTERS, excerpts_label, question_key
from .patient import markup
from .render import marked, text_html
from .runtime import golden_results

KIND_LABELS = [("No match", "no_match"), ("Thumbs down", "thumbs_down"),
               ("Emergency", "emergency"), ("Other language", "other_language")]
LOG_COLUMNS = ["Time", "Question", "Status", "Excerpts shown", "Index", "Feedback",
               "Comment", "Reviewed"]
SHOWN = 200
assert [v for _, v in KIND_LABELS] + ["unreviewed"] == list(FILTERS)
STATUS_WORDS = {"answered": "Answered", "no_match": "Not covered", "emergency": "Emergency",
                "check": "Asked to check", "invalid": "Not a question"}


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
    if e.language == "other" and e.status == "invalid":
        return "Other language"
    words = STATUS_WORDS.get(e.status, e.status.replace("_", " ").capitalize())
    return words + (" (other language)" if e.language == "other" else "")


# ---------------------------------------------------------------- sign-in page

def login_page(settings, error: str = "") -> str:
    err = f'<p class="err" role="alert">{escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Staff sign-in – askclinic</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; background: #f1f5f9;
  color: #0f172a; margin: 0; display: flex; min-height: 100vh; align-items: center; justify-content: center; }}
main {{ background: #fff; padding: 2rem; border-radius: 12px; box-shadow: 0 1px 4px #0002; width: min(22rem, 90vw); }}
h1 {{ font-size: 1.3rem; margin: 0 0 .3rem; }} p.sub {{ margin: 0 0 1.2rem; color: #475569; }}
label {{ display: block; font-weight: 600; margin: .8rem 0 .3rem; }}
input {{ width: 100%; box-sizing: border-box; padding: .6rem; border: 1px solid #94a3b8; border-radius: 6px; font-size: 1rem; }}
input:focus, button:focus {{ outline: 3px solid #2563eb; outline-offset: 2px; }}
button {{ margin-top: 1.2rem; width: 100%; padding: .7rem; border: 0; border-radius: 6px; background: #1d4ed8;
  color: #fff; font-size: 1rem; font-weight: 600; cursor: pointer; }}
.err {{ background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; padding: .6rem; border-radius: 6px; }}
</style></head>
<body><main><h1>Staff console</h1><p class="sub">{escape(settings.clinic_name)} · askclinic</p>{err}
<form method="post" action="login">
<label for="name">Name</label><input id="name" name="name" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form></main></body></html>"""


# ---------------------------------------------------------------- what to write next

@dataclass
class Group:
    count: int
    example: str
    others: list[str] = field(default_factory=list)
    last_asked: str = ""


def group_questions(rows: list[tuple[str, str]], embedder, threshold: float = 0.5) -> list[Group]:
    """Group (question, asked_at) rows by meaning: identical questions are counted together,
    then each distinct question joins the group whose centroid it is closest to (cosine at
    least `threshold`) or starts a new one. Most-asked groups first."""
    distinct: dict[str, list] = {}
    for q, at in rows:
        key = question_key(q)
        if not key:
            continue
        entry = distinct.setdefault(key, [q, 0, at])
        entry[1] += 1
        entry[2] = max(entry[2], at)
    items = sorted(distinct.values(), key=lambda e: e[2], reverse=True)  # newest first,
    items.sort(key=lambda e: -e[1])  # then most asked first (stable)
    if not items:
        return []
    vecs = embedder.encode([e[0] for e in items])
    sums: list[np.ndarray] = []
    members: list[list[int]] = []
    for i, v in enumerate(vecs):
        if sums:
            cents = np.stack([s / max(np.linalg.norm(s), 1e-9) for s in sums])
            sims = cents @ v
            best = int(np.argmax(sims))
            if sims[best] >= threshold:
                sums[best] = sums[best] + v
                members[best].append(i)
                continue
        sums.append(v.copy())
        members.append([i])
    groups = []
    for m in members:
        ordered = sorted(m, key=lambda i: -items[i][1])  # most asked, then newest (items order)
        groups.append(Group(count=sum(items[i][1] for i in m), example=items[ordered[0]][0],
                            others=[items[i][0] for i in ordered[1:]],
                            last_asked=max(items[i][2] for i in m)))
    groups.sort(key=lambda g: g.last_asked, reverse=True)
    groups.sort(key=lambda g: -g.count)
    return groups


# ---------------------------------------------------------------- the console

def _feedback(rating: int | None) -> str:
    return {1: "helpful", -1: "not helpful"}.get(rating, "")


def _table(rows: list[tuple[str, str]]) -> str:
    """A two-column table of (label, HTML already escaped)."""
    body = "".join(f"<tr><th scope='row'>{escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="ac-detail">{body}</table>'


def _rows(entries) -> list[list[str]]:
    return [[local_time(e.asked_at), e.question, status_words(e), excerpts_label(e.excerpts),
             short_version(e.index_version), _feedback(e.rating), e.comment or "",
             ("✓ " + (e.note or "")).strip() if e.reviewer else ""] for e in entries]


def _shown_html(excerpts: list[dict], articles: dict) -> str:
    """The excerpts as the patient saw them: title (linked) and the text, highlights marked.
    Rows logged before the text was kept show the titles only."""
    items = []
    for x in excerpts:
        url = safe_url((articles.get(x["article_id"]) or {}).get("url"))
        title = escape(x["title"])
        if url:
            title = f'<a href="{escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">{title}</a>'
        text = (f'<blockquote class="ac-shown">{marked(x["text"], x.get("highlights") or [])}</blockquote>'
                if x.get("text") else "")
        items.append(f"<li>[{x['n']}] {title}{text}</li>")
    return f"<ol>{''.join(items)}</ol>" if items else "none"


def detail_html(e, articles: dict) -> str:
    """One question in full; every value escaped."""
    if e is None:
        return '<p class="ac-muted">Select a question in the table to see it in full and mark it reviewed.</p>'
    rows = [("Asked", f"{local_time(e.asked_at)} ({escape(e.channel)})"),
            ("Question", text_html(e.question)),
            *([("Follow-up to", text_html(e.context))] if e.context else []),
            ("Status", escape(status_words(e))),
            ("Excerpts shown", _shown_html(e.excerpts, articles)),
            ("Index version", escape(e.index_version or "")),
            ("Feedback", (_feedback(e.rating) or "none")
             + (f"<br>“{text_html(e.comment)}”" if e.comment else "")),
            ("Reviewed", text_html(f"by {e.reviewer}, {local_time(e.reviewed_at)}" + (f": {e.note}" if e.note else ""))
             if e.reviewer else "not yet")]
    return _table(rows)


def index_html(runtime) -> str:
    try:
        index = runtime.index()
    except AskclinicError as e:
        return f'<p class="ac-alert" role="alert">No index is loaded: {escape(str(e))}</p>'
    m = index.manifest
    rows = [("Version", index.version), ("Articles", f"{len(index.articles):,}"),
            ("Passages", f"{len(index.chunks):,}"), ("Model", m.get("model", "")),
            ("Built at", local_time(m.get("built_at"))),
            ("Sources for rebuild", ", ".join(runtime.rebuild.sources) or "(none: set ASKCLINIC_ARTICLES)")]
    return _table([(k, escape(str(v))) for k, v in rows])


def golden_rows(runtime) -> tuple[list[list[str]], str]:
    """The "Golden questions" panel: one row per question, and a summary line."""
    try:
        path, results = golden_results(runtime)
    except AskclinicError as e:
        return [], f'<p class="ac-alert" role="alert">{escape(str(e))}</p>'
    if path is None:
        return [], ('<p class="ac-summary">No golden questions yet: put a <code>golden.jsonl</code> '
                    '(lines like {"question": "...", "expected": ["article_id"]}) in the articles '
                    'folder or the data folder.</p>')
    rows = [[r.question, ", ".join(r.expected), ", ".join(r.ranking[:3]),
             "ok" if r.ok else "DROPPED: " + ", ".join(r.missing)] for r in results]
    dropped = sum(not r.ok for r in results)
    return rows, (f'<p class="ac-summary">{len(results) - dropped} of {len(results)} golden questions '
                  f'({escape(str(path))}) have their expected articles in the top 3; '
                  f'{dropped} dropped.</p>')


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


def build(runtime) -> gr.Blocks:
    log = runtime.log
    private = dict(api_visibility="private")

    def summary(filters, search, total, shown):
        if not total:
            return ('<p class="ac-summary ac-empty" role="status">No questions match. '
                    + ("Untick a filter or clear the search to see more." if filters or search
                       else "Questions patients ask will appear here.") + "</p>")
        link = "export.csv?" + urlencode({"filters": ",".join(filters or []), "q": search or ""})
        return (f'<p class="ac-summary" role="status">Showing {shown:,} of {total:,} questions (newest first). '
                f'<a href="{escape(link, quote=True)}" download>Export these as CSV</a></p>')

    def refresh(kinds, unreviewed, search):
        filters = list(kinds or []) + (["unreviewed"] if unreviewed else [])
        entries, total = log.entries(filters, search or "", SHOWN)
        return (_rows(entries), [e.id for e in entries], summary(filters, search, total, len(entries)))

    def select(ids, evt: gr.SelectData):
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        qid = ids[row] if ids and 0 <= row < len(ids) else None
        entry = log.get(qid) if qid else None
        articles = _articles(runtime)
        return qid, detail_html(entry, articles), (entry.note or "") if entry else ""

    def mark(qid, note, kinds, unreviewed, search, request: gr.Request):
        if not qid:
            gr.Warning("Select a question first.")
            return (gr.update(),) * 4
        log.review(qid, request.username or "staff", note or "")
        rows, ids, info = refresh(kinds, unreviewed, search)
        return rows, ids, info, detail_html(log.get(qid), _articles(runtime))

    def groups(include_down):
        kinds = ["no_match", "other_language"] + (["thumbs_down"] if include_down else [])
        entries, _ = log.entries(kinds, "", 2000)
        hidden = log.dismissed()
        rows = [(e.question, e.asked_at) for e in entries
                if e.status != "emergency" and question_key(e.question) not in hidden]
        found = group_questions(rows, runtime.embedder)
        table = [[g.count, g.example, "; ".join(g.others[:5]) + (" …" if len(g.others) > 5 else ""),
                  local_time(g.last_asked)] for g in found]
        info = (f'<p class="ac-summary" role="status">{len(rows):,} questions in {len(found):,} groups, '
                'most asked first: topics patients asked about that our articles did not cover, '
                'in English or another language. Select a group and press "Not relevant" to hide '
                'it for good.</p>' if found else
                '<p class="ac-summary ac-empty" role="status">No unanswered questions to group.</p>')
        return table, [[g.example, *g.others] for g in found], info

    def pick_group(found, evt: gr.SelectData):
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        return found[row] if found and 0 <= row < len(found) else None

    def dismiss(chosen, include_down, request: gr.Request):
        if not chosen:
            gr.Warning("Select a group first.")
            return gr.update(), gr.update(), gr.update(), None
        log.dismiss(chosen, request.username or "staff")
        return (*groups(include_down), None)

    def start_rebuild(request: gr.Request):
        if not runtime.rebuild.start(request.username):
            gr.Info("A rebuild is already running.")
        return runtime.rebuild.status(), gr.Timer(active=True)

    def poll():
        running = runtime.rebuild.running
        return (runtime.rebuild.status(), gr.Timer(active=running), index_html(runtime),
                article_rows(runtime))

    def on_load(kinds, unreviewed, search, request: gr.Request):
        rows, ids, info = refresh(kinds, unreviewed, search)
        who = (f'<div class="ac-staffbar"><span>Signed in as <strong>{escape(request.username or "")}'
               f'</strong></span><a class="ac-signout" href="logout">Sign out</a></div>')
        return (rows, ids, info, who, index_html(runtime), article_rows(runtime),
                runtime.rebuild.status(), gr.Timer(active=runtime.rebuild.running))

    with gr.Blocks(title="Staff console – askclinic", analytics_enabled=False,
                   elem_classes=["ac-staff"]) as demo:
        with gr.Row(elem_classes=["ac-staffhead"]):
            markup("<h1>Staff console</h1>")
            who = markup("")
        with gr.Tabs():
            with gr.Tab("Questions"):
                with gr.Row(equal_height=True):
                    kinds = gr.CheckboxGroup(KIND_LABELS, label="Show questions that are (any of)",
                                             scale=3, elem_id="ac-kinds")
                    unreviewed = gr.Checkbox(label="Not yet reviewed only", scale=1, elem_id="ac-unreviewed")
                    search = gr.Textbox(label="Search questions, comments and notes", scale=2,
                                        elem_id="ac-log-search")
                    refresh_btn = gr.Button("Refresh", scale=0, min_width=100)
                info = markup("")
                table = gr.Dataframe(headers=LOG_COLUMNS, type="array", interactive=False, wrap=True,
                                     datatype="str", max_height=520, elem_id="ac-log",
                                     column_widths=["11%", "25%", "9%", "19%", "8%", "9%", "11%", "8%"])
                detail = markup(detail_html(None, {}),
                                 elem_id="ac-log-detail")
                with gr.Row(equal_height=True):
                    note = gr.Textbox(label="Review note (optional)", scale=4, elem_id="ac-note")
                    mark_btn = gr.Button("Mark reviewed", variant="primary", scale=1, elem_id="ac-mark")
            with gr.Tab("What to write next"):
                include_down = gr.Checkbox(label="Also include answers marked not helpful")
                with gr.Row():
                    group_btn = gr.Button("Group unanswered questions", variant="primary")
                    dismiss_btn = gr.Button("Not relevant: hide the selected group", elem_id="ac-dismiss")
                group_info = markup("")
                group_table = gr.Dataframe(headers=["Times asked", "Example question", "Similar questions",
                                                    "Last asked"], type="array", interactive=False,
                                           wrap=True, datatype="str", elem_id="ac-groups",
                                           column_widths=["10%", "35%", "40%", "15%"])
            with gr.Tab("Index"):
                index_info = markup("", elem_id="ac-index")
                rebuild_btn = gr.Button("Rebuild index", variant="primary", elem_id="ac-rebuild")
                progress = gr.Textbox(label="Rebuild progress", lines=8, max_lines=16,
                                      interactive=False, elem_id="ac-progress")
                articles = gr.Dataframe(headers=["Title", "Published", "Passages", "Id"], type="array",
                                        interactive=False, wrap=True, datatype="str",
                                        label="Articles in the index")
                golden_btn = gr.Button("Check golden questions", elem_id="ac-golden-check")
                golden_info = markup("")
                golden_table = gr.Dataframe(headers=["Question", "Expected", "Top 3 now", "Result"],
                                            type="array", interactive=False, wrap=True, datatype="str",
                                            elem_id="ac-golden", label="Golden questions")
        ids, selected = gr.State([]), gr.State(None)
        found, chosen = gr.State([]), gr.State(None)
        timer = gr.Timer(1.0, active=False)
        shown = [kinds, unreviewed, search]

        demo.load(on_load, shown, [table, ids, info, who, index_info, articles, progress, timer], **private)
        for trigger in (kinds.change, unreviewed.change, search.submit, refresh_btn.click):
            trigger(refresh, shown, [table, ids, info], **private)
        table.select(select, [ids], [selected, detail, note], **private)
        mark_btn.click(mark, [selected, note, *shown], [table, ids, info, detail], **private)
        group_btn.click(groups, [include_down], [group_table, found, group_info], **private)
        group_table.select(pick_group, [found], [chosen], **private)
        dismiss_btn.click(dismiss, [chosen, include_down], [group_table, found, group_info, chosen], **private)
        rebuild_btn.click(start_rebuild, None, [progress, timer], **private)
        timer.tick(poll, None, [progress, timer, index_info, articles], **private)
        golden_btn.click(lambda: golden_rows(runtime), None, [golden_table, golden_info], **private)
    return demo


def _articles(runtime) -> dict:
    try:
        return runtime.index().articles
    except AskclinicError:
        return {}
