"""Helpers shared by the loaders: dates, Markdown clean-up, body checks."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from xml.parsers import expat

from dateutil import parser as dateparser

from ..errors import IngestError


def normalise_date(value) -> str | None:
    """Any common date form → 'YYYY-MM-DD'; None when empty or unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dateparser.parse(str(value), fuzzy=False).date().isoformat()
    except (ValueError, OverflowError, TypeError):
        return None


class _Prolog(Exception):
    """Raised by the prolog scan: at the first element, or at an entity declaration."""


def _declares_entities(data: bytes) -> bool:
    """Whether an XML document's prolog declares entities. expat reads the prolog in the
    document's own encoding and stops at the first element; a document expat cannot read is
    searched as bytes (NULs dropped, for UTF-16), as feedparser's own fallback reads it."""

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
    return re.search(rb"<!\s*ENTITY", head[: first.start() if first else None], re.I) is not None


def refuse_entities(data: bytes, where: str) -> None:
    """Feeds, sitemaps and exports may not declare entities: one 5 MB entity used 99 times is
    500 MB of text (too few repeats for expat's own amplification limit to stop it)."""
    if _declares_entities(data):
        raise IngestError(
            f"{where} declares entities (<!ENTITY ...>), which can make a small "
            "file unpack to gigabytes; refused. Feeds, sitemaps and exports do "
            "not need them"
        )


_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")


def clean_markdown(text: str) -> str:
    """Markdown → the plain text askclinic shows: links become their words, images and HTML
    tags go, headings become `## Heading`, runs of blank lines shrink to one."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    # each pattern only where its marker occurs: a full scan costs more than the test
    text = _IMAGE.sub("", text) if "![" in text else text
    text = _LINK.sub(r"\1", text) if "](" in text else text
    text = _EMPHASIS.sub(r"\2", text) if "**" in text or "__" in text else text
    text = _TAG.sub("", text) if "<" in text else text
    lines = []
    for line in text.split("\n"):
        m = _HEADING.match(line.strip()) if "#" in line else None  # the test is 5 x faster
        lines.append(f"## {m.group(1)}" if m else line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


MAX_SLUG = 80  # characters of a file name or id made from a post's address or name


def cap_slug(slug: str) -> str:
    """At most MAX_SLUG characters (cut at a hyphen in its second half, if any), no dots or
    hyphens at either end: safe as a file or folder name."""
    if len(slug) > MAX_SLUG:
        cut = slug[:MAX_SLUG]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[MAX_SLUG // 2 :] else cut
    return slug.strip(".-")


def require_body(text: str, min_words: int = 5) -> str:
    if len(text.split(maxsplit=min_words)) < min_words:
        raise IngestError("empty body (no article text found)")
    return text


def read_text(path) -> str:
    """UTF-8 text of a file (a BOM is fine); undecodable bytes are an IngestError."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise IngestError(
            f"not UTF-8 text (bad byte at position {e.start}); save the file as UTF-8"
        ) from None


def as_tags(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [t.strip() for t in value.split(",") if t.strip()]
    if not isinstance(value, (list, tuple, set)):  # a number or mapping where a list belongs
        value = [value] if isinstance(value, (int, float)) else []
    return [str(t).strip() for t in value if str(t).strip()]


_BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "blockquote",
    "ul",
    "ol",
    "table",
    "tr",
    "pre",
    "figure",
    "header",
    "footer",
    "main",
    "aside",
    "dl",
    "dd",
    "dt",
    "hr",
}
_SKIPPED = {"script", "style", "noscript", "iframe", "svg", "figcaption", "form", "button"}


class _TextParser(HTMLParser):
    """Collects the text of an HTML fragment as paragraphs, `## ` headings and `- ` items."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.skipping = 0
        self.prefix = ""

    def flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(self.prefix + text)
        self.current, self.prefix = [], ""

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BLOCK or tag in {"li", "h1", "h2", "h3", "h4", "h5", "h6"}:
            self.flush()
            self.prefix = {"li": "- "}.get(tag, "## " if tag[0] == "h" and tag[1:].isdigit() else "")
        elif tag == "br":
            self.flush()

    def handle_endtag(self, tag):
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK or tag in {"li", "h1", "h2", "h3", "h4", "h5", "h6"}:
            self.flush()

    def handle_data(self, data):
        if not self.skipping:
            self.current.append(data)


def html_to_text(fragment: str) -> str:
    """The text of an HTML fragment (a feed entry's or an export's post content) in the
    Markdown-ish form articles use; images, scripts and captions are left out."""
    parser = _TextParser()
    parser.feed(fragment)
    parser.close()
    parser.flush()
    return clean_markdown("\n\n".join(parser.blocks))
