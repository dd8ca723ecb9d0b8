"""Fetching from the clinic's own site for `askclinic sync`: the address rules (which sources
can be synced, same site, canonical form), the limits of one sync, and `Fetcher`, which makes
polite GET requests with a size limit (also on unpacked bytes), deadlines, redirects kept within
the site and ETag / Last-Modified revalidation (and for sitemaps, whether a lastmod is newer)."""

from __future__ import annotations

import re
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from . import __version__
from .config import Settings
from .errors import AskclinicError, IngestError

USER_AGENT = f"askclinic/{__version__} (clinic article sync)"
ENCODINGS = "gzip, deflate"  # asked for; answers in any other encoding are refused


class FetchError(AskclinicError):
    """A URL could not be fetched; the message says why."""


class SyncStopped(AskclinicError):
    """The sync reached its deadline or its cap on requests; what it saved so far is kept."""


@dataclass
class Limits:
    timeout: float = 20.0  # seconds per request, start to last byte
    max_bytes: int = 5_000_000  # per response, counted both as sent and as unpacked
    delay: float = Settings.sync_delay  # seconds between requests
    max_redirects: int = 5
    deadline: float = Settings.sync_deadline  # seconds per sync
    max_requests: int = Settings.sync_max_requests  # per sync

    @classmethod
    def from_settings(cls, settings: Settings, delay: float | None = None) -> "Limits":
        return cls(
            delay=settings.sync_delay if delay is None else delay,
            deadline=settings.sync_deadline,
            max_requests=settings.sync_max_requests,
        )


# ---------------------------------------------------------------- addresses


def site_key(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return host.removeprefix("www."), parts.port


def same_site(url: str, site: str) -> bool:
    """http(s) on the host (and port) of `site`; `www.` does not count."""
    try:
        return urlsplit(url).scheme in ("http", "https") and site_key(url) == site_key(site)
    except ValueError:  # a broken address (bad port, unclosed [IPv6 bracket)
        return False


def canonical(url: str) -> str:
    """The form a URL is recorded under; a broken address is an IngestError."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # raises for a port out of range
    except ValueError as e:
        raise IngestError(f"not a valid web address ({e})") from None
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def absolute(base: str, link: str) -> str:
    """`link` (maybe relative to `base`) in canonical form; IngestError when broken."""
    try:
        return canonical(urljoin(base, link))
    except ValueError as e:
        raise IngestError(f"not a valid web address ({e})") from None


def source_address(source: str) -> tuple[str, bool]:
    """A sync source as it is recorded, and whether it is a web address: the canonical URL of
    an http(s) address, else the file's absolute path. Other schemes and broken addresses are
    an AskclinicError."""
    is_url = bool(re.match(r"https?://", source, re.I))
    if not is_url and re.match(r"[a-z][a-z0-9+.-]*://", source, re.I):
        raise AskclinicError(f"{source}: only http:// and https:// addresses can be synced")
    try:
        return (canonical(source) if is_url else str(Path(source).resolve())), is_url
    except IngestError as e:
        raise AskclinicError(f"{source}: {e}; give the feed or sitemap address") from None


def newer(lastmod: str, before: str | None) -> bool:
    """Whether a sitemap's lastmod is later than the one recorded (`before`); dates that do
    not parse are compared as text."""
    from dateutil import parser as dateparser

    if not before:
        return True
    try:
        a, b = dateparser.isoparse(lastmod), dateparser.isoparse(before)
        if (a.tzinfo is None) != (b.tzinfo is None):
            a, b = a.replace(tzinfo=None), b.replace(tzinfo=None)
        return a > b
    except (ValueError, OverflowError):
        return lastmod != before


# ---------------------------------------------------------------- fetching


def _unpacker(encoding: str) -> Callable[[bytes, int], bytes] | None:
    """A function unpacking a response body piece by piece, never more than `room` bytes of
    output per piece; None for an unpacked body. Stacked or unasked-for encodings are refused."""
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return None
    if len(codings) > 1:
        raise FetchError(f"stacked content encodings ({', '.join(codings)}) refused")
    wbits = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": 32 + zlib.MAX_WBITS}.get(
        codings[0]
    )
    if wbits is None:
        raise FetchError(f"content encoding {codings[0]!r} was not asked for (refused)")
    ds = [zlib.decompressobj(wbits)]
    if codings[0] == "deflate":  # some servers send raw deflate, without the zlib header
        ds.append(zlib.decompressobj(-zlib.MAX_WBITS))

    def unpack(piece: bytes, room: int) -> bytes:
        while True:
            try:
                out = ds[0].decompress(piece, room + 1)  # one byte more than fits: too big
                del ds[1:]  # the first piece was read: the kind of deflate is settled
                return out
            except zlib.error as e:
                if len(ds) == 1:
                    raise FetchError(f"broken {codings[0]} data ({e})") from None
                ds.pop(0)  # no zlib header: raw deflate

    return unpack


class Fetcher:
    """GET requests to one site: a deadline per request and per sync, a size limit (also on
    unpacked bytes), a cap on requests, a delay between requests, redirects followed only
    within the site, and ETag / Last-Modified revalidation."""

    def __init__(self, site: str, validators: dict, limits: Limits, log: Callable[[str], None]):
        self.site, self.validators, self.limits, self.log = site, validators, limits, log
        self.client = httpx.Client(
            timeout=limits.timeout,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": ENCODINGS},
        )
        self.last = 0.0
        self.requests = 0
        self.ends = time.monotonic() + limits.deadline

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, conditional: bool = True) -> tuple[bytes | None, dict]:
        """(body, validators to remember); body is None when the server says "not modified"."""
        known = self.validators.get(url, {}) if conditional else {}
        headers = {
            k: v
            for k, v in (
                ("If-None-Match", known.get("etag")),
                ("If-Modified-Since", known.get("last_modified")),
            )
            if v
        }
        target = url
        for _ in range(self.limits.max_redirects + 1):
            if not same_site(target, self.site):
                raise FetchError(f"not on the site of the source ({self.site}); not fetched")
            status, resp_headers, body = self._request(target, headers)
            if status in (301, 302, 303, 307, 308) and resp_headers.get("location"):
                try:
                    target = urljoin(target, resp_headers["location"])
                except ValueError:
                    raise FetchError("redirected to a broken address") from None
                continue
            if status == 304:
                return None, known
            if status >= 400:
                raise FetchError(f"HTTP {status}")
            got = {
                k: v
                for k, v in (
                    ("etag", resp_headers.get("etag")),
                    ("last_modified", resp_headers.get("last-modified")),
                )
                if v
            }
            return body, got
        raise FetchError(f"more than {self.limits.max_redirects} redirects")

    def _start(self) -> float:
        """Wait politely, count the request; its deadline (SyncStopped past the sync's)."""
        if self.requests >= self.limits.max_requests:
            raise SyncStopped(
                f"{self.requests:,} requests made, the most one sync may make "
                "(ASKCLINIC_SYNC_MAX_REQUESTS); the rest is fetched next time"
            )
        wait = self.last + self.limits.delay - time.monotonic()
        if wait > 0:
            time.sleep(min(wait, max(0.0, self.ends - time.monotonic())))
        self._check_sync_deadline()
        self.last = time.monotonic()
        self.requests += 1
        return min(self.last + self.limits.timeout, self.ends)

    def _check_sync_deadline(self) -> None:
        if time.monotonic() >= self.ends:
            raise SyncStopped(
                f"the sync took longer than {self.limits.deadline:g} s "
                "(ASKCLINIC_SYNC_DEADLINE); the rest is fetched next time"
            )

    def _late(self) -> FetchError:
        self._check_sync_deadline()
        return FetchError(f"no answer within {self.limits.timeout:g} s")

    def _request(self, url: str, headers: dict) -> tuple[int, httpx.Headers, bytes]:
        ends = self._start()
        limit = self.limits.max_bytes
        too_big = FetchError(f"larger than the {limit:,}-byte limit")
        try:
            with self.client.stream(
                "GET", url, headers=headers, timeout=max(0.01, ends - time.monotonic())
            ) as resp:
                length = resp.headers.get("content-length", "").strip()
                if length.isdigit() and int(length) > limit:
                    raise too_big
                unpack = _unpacker(resp.headers.get("content-encoding", ""))
                data, sent = bytearray(), 0
                for piece in resp.iter_raw():  # read as sent: unpacked here, within the limit
                    sent += len(piece)
                    data += unpack(piece, limit - len(data)) if unpack else piece
                    if sent > limit or len(data) > limit:
                        raise too_big
                    if time.monotonic() > ends:
                        raise self._late()
                return resp.status_code, resp.headers, bytes(data)
        except httpx.TimeoutException:
            raise self._late() from None
        except httpx.HTTPError as e:
            raise FetchError(f"request failed ({e or type(e).__name__})") from None
