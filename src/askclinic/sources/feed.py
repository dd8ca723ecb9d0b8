"""RSS and Atom feeds (feedparser): each entry's link, title, date, author, tags and its own
content, which `sync` falls back to when the linked page has no extractable article."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from xml.parsers import expat

import feedparser

from ..errors import IngestError
from .common import html_to_text, normalise_date


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


class _Prolog(Exception):
    """Raised by the prolog scan: at the first element, or at an entity declaration."""


def _declares_entities(data: bytes) -> bool:
    """Whether the document's prolog declares entities. feedparser keeps plain-text entity
    declarations, so one 5 MB entity used 99 times becomes 500 MB of text: such feeds are
    refused. expat reads the prolog in the document's own encoding and stops at the first
    element; a document expat cannot read is searched as bytes (NULs dropped, for UTF-16)."""
    def declared(*_):
        raise _Prolog(True)

    def element(*_):
        raise _Prolog(False)

    parser = expat.ParserCreate()
    parser.EntityDeclHandler, parser.StartElementHandler = declared, element
    try:
        parser.Parse(data, True)
    except _Prolog as e:
        return e.args[0]
    except (expat.ExpatError, ValueError):
        pass
    head = data.replace(b"\0", b"")
    first = re.search(rb"<\w", head)
    return re.search(rb"<!\s*ENTITY", head[:first.start() if first else None], re.I) is not None


def parse(data: bytes, where: str) -> tuple[str | None, list[Entry]]:
    """(the site's link, the entries that have a link) of a feed document."""
    if _declares_entities(data):
        raise IngestError(f"{where} declares entities (<!ENTITY ...>), which can make a small "
                          "feed unpack to gigabytes; refused. Feeds do not need them")
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
        entries.append(Entry(
            link=e["link"], title=" ".join(str(e.get("title") or "").split()),
            published=_date(e), author=e.get("author") or None,
            tags=[t["term"] for t in e.get("tags", []) if t.get("term")],
            text=html_to_text(html)))
    return feed.feed.get("link"), entries
