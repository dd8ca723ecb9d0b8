"""WordPress export files (WXR, the XML from Tools → Export): published, public posts only,
their HTML cleaned to text (WordPress shortcodes and block comments removed), with the
author's display name, categories and tags, and the post date kept."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..errors import IngestError
from ..models import Article
from .common import cap_slug, html_to_text, normalise_date, refuse_entities

_CAPTION = re.compile(r"\[caption[^\]]*\].*?\[/caption\]", re.S)
_SHORTCODE = re.compile(r"\[(/?)([a-zA-Z][\w-]*)(?:\s[^\]]*)?\]")
_KNOWN = {"gallery", "embed", "video", "audio", "playlist"}


def is_export(data: bytes) -> bool:
    return b"wordpress.org/export/" in data[:5000]


def _field(item: ET.Element) -> dict[str, str]:
    """Child elements by prefix:name, e.g. 'wp:status', 'content:encoded', 'dc:creator'."""
    out = {}
    for child in item:
        ns, _, name = child.tag[1:].partition("}") if child.tag.startswith("{") else ("", "", child.tag)
        prefix = (
            "excerpt"
            if ns.endswith("/excerpt/")
            else "wp"
            if "wordpress.org/export/" in ns
            else "content"
            if "purl.org/rss/1.0/modules/content" in ns
            else "dc"
            if "purl.org/dc/" in ns
            else ""
        )
        out[f"{prefix}:{name}" if prefix else name] = (child.text or "").strip()
    return out


def clean_post_html(html: str) -> str:
    """Post content as WordPress stores it (blank lines for paragraphs, shortcodes) → text."""
    html = _CAPTION.sub("", html)
    closed = {m.group(2) for m in _SHORTCODE.finditer(html) if m.group(1)}
    html = _SHORTCODE.sub(lambda m: "" if m.group(2) in closed | _KNOWN else m.group(0), html)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", html.replace("\r\n", "\n")) if p.strip()]
    return html_to_text("".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs))


def _slug(post: dict[str, str]) -> str:
    raw = post.get("wp:post_name") or post.get("title") or f"post-{post.get('wp:post_id', '')}"
    return cap_slug(re.sub(r"[^a-z0-9]+", "-", raw.lower())) or cap_slug(f"post-{post.get('wp:post_id')}")


def parse(data: bytes, where: str) -> tuple[str | None, list[Article]]:
    """(the blog's address, its published posts) from a WXR export."""
    refuse_entities(data, where)
    try:
        channel = ET.fromstring(data).find("channel")
    except ET.ParseError as e:
        raise IngestError(
            f"{where} is not valid XML ({e}); export it again from WordPress (Tools → Export → Posts)"
        ) from None
    if channel is None:
        raise IngestError(f"{where} has no <channel>: not a WordPress export")
    site = _field(channel)
    authors = {}
    for el in channel:
        if el.tag.endswith("}author"):
            a = _field(el)
            authors[a.get("wp:author_login", "")] = a.get("wp:author_display_name") or None
    posts = []
    for item in channel.iter("item"):
        post = _field(item)
        if (post.get("wp:post_type"), post.get("wp:status")) != ("post", "publish"):
            continue
        if post.get("wp:post_password"):
            continue  # password-protected: not public
        text = clean_post_html(post.get("content:encoded", ""))
        tags = [
            (c.text or "").strip()
            for c in item.findall("category")
            if c.get("domain") in ("category", "post_tag") and c.get("nicename") != "uncategorized"
        ]
        login = post.get("dc:creator", "")
        posts.append(
            Article(
                id=_slug(post),
                title=post.get("title") or _slug(post).replace("-", " "),
                text=text,
                url=post.get("link") or post.get("guid") or None,
                published=normalise_date(post.get("wp:post_date") or post.get("pubDate")),
                author=authors.get(login) or login or None,
                tags=list(dict.fromkeys(t for t in tags if t)),
                source=where,
            )
        )
    return site.get("wp:base_blog_url") or site.get("link"), posts
