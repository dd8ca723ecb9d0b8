"""RSS and Atom feeds (feedparser): each entry's link, title, date, author, tags and its own
content, which `sync` falls back to when the linked page has no extractable article."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import feedparser

from ..errors import IngestError
from .common import html_to_text, normalise_date, refuse_entities


@dataclass
class Entry:
    link: str
    title: str
    published: str | None = None
    author: str | None = None
    tags: list[str] = field(default_factory=list)
    text: str = ""  # the entry's own content (or summary) as plain text


def _date(entry) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed:
        return time.strftime("%Y-%m-%d", parsed)
    return normalise_date(entry.get("published") or entry.get("updated"))


def parse(data: bytes, where: str) -> tuple[str | None, list[Entry]]:
    """(the site's link, the entries that have a link) of a feed document."""
    refuse_entities(data, where)
    feed = feedparser.parse(data)
    if not feed.version and not feed.entries:
        reason = f" ({feed.bozo_exception})" if feed.get("bozo_exception") else ""
        raise IngestError(f"{where} is not an RSS or Atom feed{reason}")
    entries = []
    for e in feed.entries:
        if not e.get("link"):
            continue
        content = e.get("content") or []
        html = max((c.get("value", "") for c in content), key=len, default="") or e.get("summary", "")
        entries.append(
            Entry(
                link=e["link"],
                title=" ".join(str(e.get("title") or "").split()),
                published=_date(e),
                author=e.get("author") or None,
                tags=[t["term"] for t in e.get("tags", []) if t.get("term")],
                text=html_to_text(html),
            )
        )
    return feed.feed.get("link"), entries
