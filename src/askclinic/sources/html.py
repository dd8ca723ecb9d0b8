"""HTML pages: trafilatura finds the main text, title, date and author; navigation, footers
and "related posts" boxes are left out."""

from __future__ import annotations

from pathlib import Path

from ..errors import IngestError
from ..models import Article
from .common import clean_markdown, normalise_date, read_text, require_body


def extract(page: str, default_id: str, url: str | None = None, source: str | None = None) -> Article:
    """Article from the HTML of one page (also used by `sync` for fetched pages)."""
    import trafilatura  # imported when needed: it takes a fifth of a second to load

    meta = trafilatura.extract_metadata(page, default_url=url)
    body = trafilatura.extract(
        page,
        output_format="markdown",
        include_comments=False,
        include_tables=True,
        include_images=False,
        url=url,
    )
    if not body:
        raise IngestError("no article text found in the page")
    text = clean_markdown(body)
    title = (meta.title if meta and meta.title else "").strip()
    lines = text.split("\n")
    if lines and lines[0].startswith("## ") and (not title or lines[0][3:].strip() == title):
        title = title or lines[0][3:].strip()
        lines = lines[1:]
    published = normalise_date(meta.date) if meta else None
    # a date line right under the title is page furniture, not article text
    while lines and (not lines[0].strip() or (published and normalise_date_line(lines[0]) == published)):
        lines = lines[1:]
    if not title:
        raise IngestError("page has no title (no <title> or <h1>)")
    return Article(
        id=default_id,
        title=title,
        text=require_body("\n".join(lines).strip()),
        url=url or (meta.url if meta else None),
        published=published,
        author=(meta.author if meta else None) or None,
        tags=list(meta.tags or []) if meta else [],
        source=source,
    )


def normalise_date_line(line: str) -> str | None:
    line = line.strip()
    return normalise_date(line) if 0 < len(line) <= 40 else None


def load(path: Path, default_id: str, problems: list[str]) -> list[Article]:
    return [extract(read_text(path), default_id, source=str(path))]
