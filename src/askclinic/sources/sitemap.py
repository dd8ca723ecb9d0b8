"""sitemap.xml files: the page URLs with their `<lastmod>`, or, for a sitemap index, the
URLs of the sitemaps it lists. Gzipped sitemaps are unpacked (with a size limit)."""

from __future__ import annotations

import gzip
import io
import xml.etree.ElementTree as ET

from ..errors import IngestError
from .common import refuse_entities

MAX_UNPACKED = 50_000_000  # the sitemaps.org limits for one sitemap: bytes unpacked,
MAX_ENTRIES = 50_000  # addresses listed,
MAX_URL = 2048  # and characters in an address (longer ones are left out)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _unpack(data: bytes, where: str, most: int = MAX_UNPACKED) -> bytes:
    if not data.startswith(b"\x1f\x8b"):
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            out = f.read(most + 1)
    except (OSError, EOFError) as e:
        raise IngestError(f"{where}: broken gzip data ({e})") from None
    if len(out) > MAX_UNPACKED:
        raise IngestError(f"{where} unpacks to more than {MAX_UNPACKED // 1_000_000} MB")
    return out


def is_sitemap(data: bytes) -> bool:
    try:
        head = _unpack(data, "sitemap", 2000)[:2000]
    except IngestError:
        return False
    return b"<urlset" in head or b"<sitemapindex" in head


def parse(data: bytes, where: str) -> tuple[bool, list[tuple[str, str | None]]]:
    """(is_index, [(loc, lastmod or None), ...]) of one sitemap document, read item by item
    (each dropped once read) and refused past MAX_ENTRIES addresses."""
    root, depth, found = None, 0, []
    data = _unpack(data, where)
    refuse_entities(data, where)
    try:
        for event, el in ET.iterparse(io.BytesIO(data), events=("start", "end")):
            depth += 1 if event == "start" else -1
            if root is None:
                root = el
                if _local(root.tag) not in ("urlset", "sitemapindex"):
                    raise IngestError(
                        f"{where} is not a sitemap (root element <{_local(root.tag)}>, "
                        "expected <urlset> or <sitemapindex>)"
                    )
            elif event == "end" and depth == 1:  # one <url> or <sitemap> item, complete
                fields = {_local(c.tag): (c.text or "").strip() for c in el}
                if 0 < len(fields.get("loc", "")) <= MAX_URL:
                    found.append((fields["loc"], fields.get("lastmod") or None))
                root.clear()
                if len(found) > MAX_ENTRIES:
                    raise IngestError(
                        f"{where} lists more than {MAX_ENTRIES:,} addresses, the "
                        "sitemaps.org limit; split it into several sitemaps"
                    )
    except ET.ParseError as e:
        raise IngestError(f"{where} is not valid sitemap XML ({e})") from None
    return _local(root.tag) == "sitemapindex", found
