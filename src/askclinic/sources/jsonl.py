"""JSON Lines: one article per line with id, title, body (Markdown) and optional url,
published, author, tags. A broken line is reported by its number and skipped."""

from __future__ import annotations

from pathlib import Path

from ..errors import IngestError
from ..files import json_lines
from ..models import Article
from .common import as_tags, clean_markdown, normalise_date, require_body

ARTICLE_SHAPE = '{"id": ..., "title": ..., "body": ...}'


def _article(obj: dict, path: Path) -> Article:
    for key in ("id", "title", "body"):
        if not str(obj.get(key) or "").strip():
            raise IngestError(f"missing {key!r}")
    return Article(
        id=str(obj["id"]),
        title=str(obj["title"]).strip(),
        text=require_body(clean_markdown(str(obj["body"]))),
        url=obj.get("url") or None,
        published=normalise_date(obj.get("published") or obj.get("date")),
        author=obj.get("author") or None,
        tags=as_tags(obj.get("tags")),
        source=str(path),
    )


def load(path: Path, default_id: str, problems: list[str]) -> list[Article]:
    """Good lines become articles; each bad line is appended to `problems`."""
    articles, errors = [], []
    try:
        for n, obj in json_lines(path, ARTICLE_SHAPE, errors):
            try:
                articles.append(_article(obj, path))
            except IngestError as e:
                errors.append(f"line {n}: {e}")
    except IngestError as e:  # the whole file (not UTF-8): the problem line names the path already
        raise IngestError(str(e).removeprefix(f"{path}: ")) from None
    if errors and not articles:
        raise IngestError("no readable article lines (" + "; ".join(errors[:3]) + ")")
    if not articles:
        raise IngestError("empty file (no article lines)")
    problems.extend(errors)
    return articles
