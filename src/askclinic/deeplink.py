"""Links that open an article at the quoted passage: the article's URL with a text fragment
(`#:~:text=...`, the URL Fragment Text Directives spec), built from a highlighted sentence."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

WHOLE_WORDS = 8  # a sentence of up to this many words is matched whole
EDGE_WORDS = 4  # longer ones as textStart,textEnd: their first and last words
_MARKUP = re.compile(r"[*_`#|<>\[\]\\]")  # Markdown or HTML left in the text: it may not be on the page


def encode_term(text: str) -> str:
    """A text directive term, percent-encoded: everything but unreserved characters, and `-`
    too (`-`, `&` and `,` have meanings inside the directive)."""
    return quote(text, safe="").replace("-", "%2D")


def text_directive(sentence: str) -> str | None:
    """`text=...` for a sentence: whole when short, else its first and last words."""
    words = sentence.split()
    if not words or _MARKUP.search(sentence):
        return None
    if len(words) <= WHOLE_WORDS:
        return "text=" + encode_term(" ".join(words))
    start, end = " ".join(words[:EDGE_WORDS]), " ".join(words[-EDGE_WORDS:])
    return f"text={encode_term(start)},{encode_term(end)}"


def deep_url(url: str | None, sentence: str | None) -> str | None:
    """The article URL scrolled to `sentence` (`url#:~:text=...`); the plain URL when there is
    no usable sentence; None when the URL is not http(s)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    url = url.strip()
    if ":~:" in url:
        return url
    directive = text_directive(sentence) if sentence else None
    if not directive:
        return url
    return url + (":~:" if "#" in url else "#:~:") + directive
