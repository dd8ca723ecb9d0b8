"""sitemap.xml files: the page URLs with their `<lastmod>`, or, for a sitemap index, the
URLs of the sitemaps it lists. Gzipped sitemaps are unpacked (with a size limit)."""

from __future__ import annotations

import gzip
import io
import xml.etree.ElementTree as ET

from ..errors import IngestError

MAX_UNPACKED = 50_000_000  # the sitemaps.org limit for one sitemap


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _unpack(data: bytes, where: str) -> bytes:
    if not data.startswith(b"\x1f\x8b"):
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            out = f.read(MAX_UNPACKED + 1)
    except (OSError, EOFError) as e:
        raise IngestError(f"{where}: broken gzip data ({e})") from None
    if len(out) > MAX_UNPACKED:
        raise IngestError(f"{where} unpacks to more than {MAX_UNPACKED // 1_000_000} MB")
    return out


def is_sitemap(data: bytes) -> bool:
    head = _unpack(data, "sitemap")[:2000]
    return b"<urlset" in head or b"<sitemapindex" in head


def parse(data: bytes, where: str) -> tuple[bool, list[tuple[str, str | None]]]:
    """(is_index, [(loc, lastmod or None), ...]) of one sitemap document."""
    try:
        root = ET.fromstring(_unpack(data, where))
    except ET.ParseError as e:
        raise IngestError(f"{where} is not valid sitemap XML ({e})") from None
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise IngestError(f"{where} is not a sitemap (root element <{kind}>, "
                          "expected <urlset> or <sitemapindex>)")
    found = []
    for item in root:
        fields = {_local(c.tag): (c.text or "").strip() for c in item}
        if fields.get("loc"):
            found.append((fields["loc"], fields.get("lastmod") or None))
    return kind == "sitemapindex", found
