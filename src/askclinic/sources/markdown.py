"""Markdown files with YAML front matter (title, date, author, url, tags, optional id/slug)."""

from __future__ import annotations

from pathlib import Path

import frontmatter
import yaml

from ..errors import IngestError
from ..models import Article
from .common import as_tags, clean_markdown, normalise_date, read_text, require_body


def _has_alias(head: str) -> bool:
    """Whether YAML text uses an alias (`*name`, also in `<<: *name`): a few hundred bytes of
    nested aliases expand to billions of values, so front matter may not use them."""
    try:
        return any(isinstance(t, yaml.AliasToken) for t in yaml.scan(head, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        return False  # the parser below reports it, with the line


def front_matter(raw: str) -> tuple[dict, str]:
    """(front matter, body) of a Markdown file; IngestError for bad front matter or aliases."""
    handler = frontmatter.detect_format(raw.strip(), frontmatter.handlers)
    if isinstance(handler, frontmatter.YAMLHandler):
        try:
            head = handler.split(raw.strip())[0]
        except ValueError:
            head = ""
        if _has_alias(head):
            raise IngestError("front matter uses YAML aliases (*name); write each value out in full")
    try:
        return frontmatter.parse(raw)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" near line {mark.line + 2} of the file" if mark else ""  # +1 for the '---' line
        raise IngestError(f"bad front matter{where}: {getattr(e, 'problem', e)}") from None


def load(path: Path, default_id: str, problems: list[str]) -> list[Article]:
    meta, body = front_matter(read_text(path))
    if not isinstance(meta, dict):
        raise IngestError("bad front matter: expected 'key: value' lines between the --- lines")
    text = clean_markdown(body)
    title = str(meta.get("title") or "").strip()
    if not title:  # fall back to a leading '# Title' line, then the file name
        first = text.split("\n", 1)[0]
        title = first[3:].strip() if first.startswith("## ") else path.stem.replace("-", " ")
        if first.startswith("## "):
            text = text[len(first) :].strip()
    return [
        Article(
            id=str(meta.get("id") or meta.get("slug") or default_id),
            title=title,
            text=require_body(text),
            url=meta.get("url") or None,
            published=normalise_date(meta.get("date") or meta.get("published")),
            author=meta.get("author") or None,
            tags=as_tags(meta.get("tags")),
            source=str(path),
        )
    ]
