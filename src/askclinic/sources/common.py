"""Helpers shared by the loaders: dates, Markdown clean-up, body checks."""

from __future__ import annotations

import datetime as dt
import re

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


_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")


def clean_markdown(text: str) -> str:
    """Markdown → the plain text askclinic shows: links become their words, images and HTML
    tags go, headings become `## Heading`, runs of blank lines shrink to one."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = _TAG.sub("", text)
    lines = []
    for line in text.split("\n"):
        m = _HEADING.match(line.strip())
        lines.append(f"## {m.group(1)}" if m else line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def require_body(text: str, min_words: int = 5) -> str:
    if len(text.split()) < min_words:
        raise IngestError("empty body (no article text found)")
    return text


def read_text(path) -> str:
    """UTF-8 text of a file (a BOM is fine); undecodable bytes are an IngestError."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise IngestError(f"not UTF-8 text (bad byte at position {e.start}); "
                          "save the file as UTF-8") from None


def as_tags(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [t.strip() for t in value.split(",") if t.strip()]
    return [str(t).strip() for t in value if str(t).strip()]
