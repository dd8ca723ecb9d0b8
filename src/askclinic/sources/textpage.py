"""Plain-text pages as scraped from a blog: a title line, a date line, the body, a
"Written by" line with the author, then the site's "Continue reading" teasers, which are
not part of the article. "Art credit" lines are not article text either."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import IngestError
from ..models import Article
from .common import normalise_date, read_text, require_body

_END = re.compile(r"^(continue reading|read more|related posts?|you may also like)\b", re.I)
_SKIP = re.compile(r"^(art credit|photo credit|image credit)\b", re.I)
_BYLINE = re.compile(r"^(written by|posted by)\b:?\s*(.*)$", re.I)


def parse(raw: str) -> tuple[str, str | None, str | None, str]:
    """(title, date, author, body) of a scraped text page."""
    lines = [ln.strip() for ln in raw.replace("\r\n", "\n").split("\n")]
    content = list(lines)
    while content and not content[0]:
        content.pop(0)
    if not content:
        raise IngestError("empty file")
    title, rest = content[0], content[1:]
    while rest and not rest[0]:
        rest.pop(0)
    published = normalise_date(rest[0]) if rest and len(rest[0]) <= 40 else None
    if published:
        rest = rest[1:]
    body, author = [], None
    for i, line in enumerate(rest):
        if _END.match(line):
            break
        byline = _BYLINE.match(line)
        if byline and len(line) <= 80:
            author = byline.group(2).strip() or next((ln for ln in rest[i + 1 :] if ln), None)
            break
        if not _SKIP.match(line):
            body.append(line)
    text = "\n".join(body).strip()
    return title, published, author, re.sub(r"\n{3,}", "\n\n", text)


def load(path: Path, default_id: str, problems: list[str]) -> list[Article]:
    title, published, author, body = parse(read_text(path))
    return [
        Article(
            id=default_id,
            title=title,
            text=require_body(body),
            published=published,
            author=author,
            source=str(path),
        )
    ]
