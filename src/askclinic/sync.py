"""Keeping the articles folder in step with the clinic's site: posts from a feed, a sitemap or
a WordPress export are saved as Markdown files (which staff may correct or delete), fetching
only from the clinic's own site, politely, with limits and conditional requests; then the
index is updated and the golden questions re-checked. `start_scheduler` repeats it."""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
import yaml

from . import __version__
from .config import Settings
from .errors import AskclinicError, IngestError
from .index import NO_SPACE, BuildLock, BuildReport
from .models import Article
from .sources import feed, html, sitemap, wordpress
from .sources.common import cap_slug, read_text, require_body
from .sources.markdown import front_matter

STATE = ".askclinic-sync.json"
LOCK = ".askclinic-sync.lock"
USER_AGENT = f"askclinic/{__version__} (clinic article sync)"
MIN_PAGE_WORDS = 30  # less than this on a fetched page: a menu or list page, not a post
MAX_LISTED = 50_000  # pages the sitemaps of one sync may list (the sitemaps.org limit of one)


class FetchError(AskclinicError):
    """A URL could not be fetched; the message says why."""


class SyncStopped(AskclinicError):
    """The sync reached its deadline or its cap on requests; what it saved so far is kept."""


@dataclass
class Limits:
    timeout: float = 20.0  # seconds per request, start to last byte
    max_bytes: int = 5_000_000  # per response, counted both as sent and as unpacked
    delay: float = 1.0  # seconds between requests
    max_redirects: int = 5
    deadline: float = 3600.0  # seconds per sync
    max_requests: int = 2000  # per sync

    @classmethod
    def from_settings(cls, settings: Settings, delay: float | None = None) -> "Limits":
        return cls(delay=settings.sync_delay if delay is None else delay,
                   deadline=settings.sync_deadline, max_requests=settings.sync_max_requests)


ENCODINGS = "gzip, deflate"  # asked for; answers in any other encoding are refused


# ---------------------------------------------------------------- fetching

def _site_key(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return host.removeprefix("www."), parts.port


def same_site(url: str, site: str) -> bool:
    """http(s) on the host (and port) of `site`; `www.` does not count."""
    try:
        return urlsplit(url).scheme in ("http", "https") and _site_key(url) == _site_key(site)
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


def _unpacker(encoding: str) -> Callable[[bytes, int], bytes] | None:
    """A function unpacking a response body piece by piece, never more than `room` bytes of
    output per piece; None for an unpacked body. Stacked or unasked-for encodings are refused."""
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return None
    if len(codings) > 1:
        raise FetchError(f"stacked content encodings ({', '.join(codings)}) refused")
    wbits = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS,
             "deflate": 32 + zlib.MAX_WBITS}.get(codings[0])
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
        self.client = httpx.Client(timeout=limits.timeout, follow_redirects=False,
                                   headers={"User-Agent": USER_AGENT, "Accept-Encoding": ENCODINGS})
        self.last = 0.0
        self.requests = 0
        self.ends = time.monotonic() + limits.deadline

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, conditional: bool = True) -> tuple[bytes | None, dict]:
        """(body, validators to remember); body is None when the server says "not modified"."""
        known = self.validators.get(url, {}) if conditional else {}
        headers = {k: v for k, v in (("If-None-Match", known.get("etag")),
                                     ("If-Modified-Since", known.get("last_modified"))) if v}
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
            got = {k: v for k, v in (("etag", resp_headers.get("etag")),
                                     ("last_modified", resp_headers.get("last-modified"))) if v}
            return body, got
        raise FetchError(f"more than {self.limits.max_redirects} redirects")

    def _start(self) -> float:
        """Wait politely, count the request; its deadline (SyncStopped past the sync's)."""
        if self.requests >= self.limits.max_requests:
            raise SyncStopped(f"{self.requests:,} requests made, the most one sync may make "
                              "(ASKCLINIC_SYNC_MAX_REQUESTS); the rest is fetched next time")
        wait = self.last + self.limits.delay - time.monotonic()
        if wait > 0:
            time.sleep(min(wait, max(0.0, self.ends - time.monotonic())))
        self._check_sync_deadline()
        self.last = time.monotonic()
        self.requests += 1
        return min(self.last + self.limits.timeout, self.ends)

    def _check_sync_deadline(self) -> None:
        if time.monotonic() >= self.ends:
            raise SyncStopped(f"the sync took longer than {self.limits.deadline:g} s "
                              "(ASKCLINIC_SYNC_DEADLINE); the rest is fetched next time")

    def _late(self) -> FetchError:
        self._check_sync_deadline()
        return FetchError(f"no answer within {self.limits.timeout:g} s")

    def _request(self, url: str, headers: dict) -> tuple[int, httpx.Headers, bytes]:
        ends = self._start()
        limit = self.limits.max_bytes
        too_big = FetchError(f"larger than the {limit:,}-byte limit")
        try:
            with self.client.stream("GET", url, headers=headers,
                                    timeout=max(0.01, ends - time.monotonic())) as resp:
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


# ---------------------------------------------------------------- saved posts and state

def to_markdown(art: Article) -> str:
    meta = {"title": art.title, "date": art.published, "author": art.author, "url": art.url,
            "tags": art.tags or None, "id": art.id}
    head = yaml.safe_dump({k: v for k, v in meta.items() if v}, sort_keys=False,
                          allow_unicode=True, width=10_000)
    return f"---\n{head}---\n\n{art.text.strip()}\n"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file; a full disk leaves the old file and one message."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.unlink(missing_ok=True)  # a link left here is removed, never written through
        with open(tmp, "xb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        if e.errno not in NO_SPACE:
            raise
        raise AskclinicError(f"disk full: could not write {path} ({e.strerror}); it is unchanged, "
                             "and posts saved before it are kept; free some space and sync "
                             "again") from None


def slug_from_url(url: str) -> str:
    last = [p for p in urlsplit(url).path.split("/") if p]
    name = re.sub(r"\.(html?|php|aspx?)$", "", last[-1]) if last else "home"
    return cap_slug(re.sub(r"[^a-z0-9]+", "-", name.lower())) or "post"


def site_folder(site: str) -> str:
    """The subfolder a site's posts go in: its host (and port); never `.`, `..` or empty."""
    try:
        host, port = _site_key(site)
    except ValueError:  # a broken address, e.g. in an export's <wp:base_blog_url>
        host, port = "", None
    name = re.sub(r"[^a-z0-9.-]+", "-", host + (f"-{port}" if port else ""))
    return cap_slug(name) or "site"


def inside(folder: Path, rel: str) -> Path:
    """folder/rel, unless it leads (through `..` or a link) out of `folder`: IngestError."""
    path = folder / rel
    if folder.resolve() not in path.resolve().parents:
        raise IngestError(f"{rel} leads outside the articles folder {folder}; left alone")
    return path


class State:
    """What earlier syncs did, in `.askclinic-sync.json` in the articles folder: HTTP
    validators per URL, sitemap listings, and for each post its file and that file's hash."""

    def __init__(self, folder: Path):
        self.folder, self.path = folder, folder / STATE
        self.data = {"http": {}, "sitemaps": {}, "sources": {}, "posts": {}}
        if self.path.exists():
            try:
                saved = json.loads(self.path.read_text(encoding="utf-8"))
                if not isinstance(saved, dict) or not all(isinstance(saved.get(k, {}), dict) for k in self.data):
                    raise ValueError("not the expected JSON object")
                self.data.update(saved)
            except (ValueError, UnicodeDecodeError) as e:
                raise AskclinicError(
                    f"the sync record {self.path} is damaged ({e}); delete it and sync again "
                    "(posts already saved are recognised by their url)") from None
        self.http, self.posts = self.data["http"], self.data["posts"]

    def save(self) -> None:
        _write_atomic(self.path, json.dumps(self.data, indent=1, sort_keys=True).encode())

    def _new_path(self, art: Article, key: str, subfolder: str) -> Path:
        """A free file name for a new post; a file already holding this url is reused."""
        taken = {p["file"] for p in self.posts.values()}
        for n in range(1, 1000):
            rel = f"{subfolder}/{art.id if n == 1 else f'{art.id}-{n}'}.md"
            path = inside(self.folder, rel)
            if rel in taken:
                continue
            if not path.exists():
                return path
            try:
                if canonical(str(front_matter(read_text(path))[0].get("url") or "")) == key:
                    return path
            except (OSError, ValueError, IngestError):
                pass
        raise AskclinicError(f"no free file name for {key} in {self.folder / subfolder}")

    def save_post(self, art: Article, key: str, source: str, subfolder: str,
                  force: bool = False) -> tuple[str, Path]:
        """Write a post, unless staff edited our copy (or deleted it: then only with `force`).
        Returns (new | updated | unchanged | edited | deleted, file)."""
        entry = self.posts.get(key)
        path = inside(self.folder, entry["file"]) if entry else self._new_path(art, key, subfolder)
        art.id = path.stem
        data = to_markdown(art).encode("utf-8")
        if entry and (path.exists() or not force):
            on_disk = path.read_bytes() if path.exists() else None
            if on_disk is None or _sha(on_disk) != entry["sha256"]:
                # staff deleted or corrected our copy: leave it; say so only if the site changed
                return ("unchanged" if _sha(data) == entry["sha256"]
                        else "deleted" if on_disk is None else "edited"), path
        old = path.read_bytes() if path.exists() else None
        if old != data:
            _write_atomic(path, data)
        self.posts[key] = {"file": path.relative_to(self.folder).as_posix(), "sha256": _sha(data),
                           "source": source, "lastmod": (entry or {}).get("lastmod")}
        return ("new" if old is None else "updated" if old != data else "unchanged"), path


# ---------------------------------------------------------------- one sync run

@dataclass
class SyncReport:
    source: str
    new: list[str] = field(default_factory=list)  # files written for the first time
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # files deleted by --prune
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    kept: list[str] = field(default_factory=list)  # staff's edited or deleted copies left alone
    gone: list[str] = field(default_factory=list)  # no longer in the source, kept (no --prune)
    requests: int = 0
    stopped: str = ""  # why the sync stopped early (deadline or request cap), if it did

    @property
    def changed(self) -> bool:
        return bool(self.new or self.updated or self.removed)

    def summary(self) -> str:
        return (f"{len(self.new):,} new, {len(self.updated):,} updated, {len(self.removed):,} "
                f"removed, {self.unchanged:,} unchanged, {len(self.failed):,} failed "
                f"({self.requests:,} requests" + ("; stopped early" if self.stopped else "") + ")")


def _newer(lastmod: str, before: str | None) -> bool:
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


class _Run:
    """One sync of one source into one articles folder."""

    def __init__(self, source: str, folder: Path, state: State, limits: Limits, force: bool,
                 only: str | None, out: Callable[[str], None], log: Callable[[str], None]):
        self.source, self.folder, self.state, self.limits = source, folder, state, limits
        self.force, self.only, self.out, self.log = force, only, out, log
        self.report = SyncReport(source)
        self.fetcher: Fetcher | None = None
        self.subfolder = "site"
        self.pending: dict[str, dict] = {}  # validators to keep only if nothing failed

    def open_site(self, site: str) -> None:
        self.subfolder = site_folder(site)
        self.fetcher = Fetcher(site, self.state.http, self.limits, self.log)

    def wanted(self, url: str) -> bool:
        """Within --only PATH (when given)."""
        return not self.only or urlsplit(url).path.startswith(self.only)

    def fail(self, url: str, reason: str) -> None:
        self.report.failed.append((url, reason))
        self.out(f"failed {url}: {reason} (skipped)")

    def guarded(self, where: str, step: Callable[[], None]) -> None:
        """One entry's work; a broken entry (bad address, a name the disk refuses) is reported
        and skipped, and the rest go on. A full disk stops the sync."""
        try:
            step()
        except (IngestError, FetchError) as e:
            self.fail(where, str(e))
        except OSError as e:  # e.g. a name the file system refuses
            self.fail(where, f"could not be saved ({e.strerror or e})")

    def store(self, art: Article, key: str, lastmod: str | None = None) -> bool:
        try:
            require_body(art.text)
        except IngestError as e:
            self.fail(key, str(e))
            return False
        what, path = self.state.save_post(art, key, self.source, self.subfolder, self.force)
        rel = path.relative_to(self.folder).as_posix()
        if what in ("new", "updated"):
            getattr(self.report, what).append(rel)
            self.out(f"{what} {rel} ({key})")
        elif what == "unchanged":
            self.report.unchanged += 1
        else:
            self.report.kept.append(rel)
            self.out(f"kept {rel} as you {what} it, although {key} changed on the site "
                     "(to take the site's version: delete the file, then sync with --force)"
                     if what == "edited" else
                     f"not re-imported {rel}: it was deleted here, although {key} changed on "
                     "the site (sync with --force to import it again)")
        if key in self.state.posts and lastmod:
            self.state.posts[key]["lastmod"] = lastmod
        return True

    def page(self, url: str, entry: feed.Entry | None = None, lastmod: str | None = None) -> None:
        """Fetch one post's page, extract the article, save it."""
        self.log(f"  fetching {url}")
        try:
            body, validators = self.fetcher.get(url, conditional=not self.force)
        except FetchError as e:
            return self.fail(url, str(e))
        if body is None:
            self.report.unchanged += 1
            if url in self.state.posts and lastmod:
                self.state.posts[url]["lastmod"] = lastmod
            return
        art = self._article(body, url, entry)
        if art is not None and self.store(art, url, lastmod):
            self.state.http[url] = validators

    def _article(self, body: bytes, url: str, entry: feed.Entry | None) -> Article | None:
        slug = slug_from_url(url)
        own = len(entry.text.split()) if entry is not None else 0
        try:
            art = html.extract(body, slug, url=url)  # bytes: trafilatura finds the charset
            words = len(art.text.split())
            if words < max(own, MIN_PAGE_WORDS):  # less than the feed entry itself has
                raise IngestError(f"only {words} words of article text on the page (a list or "
                                  "menu page? --only PATH skips such pages)")
        except IngestError as e:
            if own < 20:
                self.fail(url, str(e))
                return None
            self.out(f"note {url}: {e}; used the feed's own text")
            art = Article(id=slug, title=entry.title, text=entry.text)
        if entry is not None:  # the feed's title, date and author are the cleanest
            art.title = entry.title or art.title
            art.published = entry.published or art.published
            art.author = entry.author or art.author
            art.tags = entry.tags or art.tags
        art.id, art.url, art.source = slug, url, None
        return art


def absolute(base: str, link: str) -> str:
    """`link` (maybe relative to `base`) in canonical form; IngestError when broken."""
    try:
        return canonical(urljoin(base, link))
    except ValueError as e:
        raise IngestError(f"not a valid web address ({e})") from None


def _unsaved_first(run: _Run, base: str, items: list, link: Callable) -> list:
    """Items whose page is not saved yet first: a sync stopped by its cap or deadline gets
    further the next time instead of revalidating the same pages again."""
    def saved(item) -> bool:
        try:
            return absolute(base, link(item)) in run.state.posts
        except IngestError:
            return False
    return sorted(items, key=saved)


def _sync_feed(run: _Run, data: bytes) -> None:
    link, entries = feed.parse(data, run.source)
    if run.fetcher is None:  # a feed file: its pages are on the site it names
        site = link or (entries[0].link if entries else "")
        if not same_site(site, site) or not urlsplit(site).hostname:  # (a broken one too)
            raise AskclinicError(f"{run.source} names no site (<link>); use the feed's URL")
        run.open_site(site)
    entries = _unsaved_first(run, run.fetcher.site, entries, lambda e: e.link)
    for n, entry in enumerate(entries, 1):
        def one(entry=entry, n=n):
            url = absolute(run.fetcher.site, entry.link)
            if run.wanted(url):
                run.log(f"[{n}/{len(entries)}] {entry.title}")
                run.page(url, entry)
        run.guarded(entry.link, one)


def _sitemap_pages(run: _Run, url: str, data: bytes | None, validators: dict,
                   depth: int = 0) -> tuple[list[tuple[str, str | None]], bool]:
    """Every (page, lastmod) a sitemap (or sitemap index) lists, and whether all was read."""
    stored = run.state.data["sitemaps"].get(url)
    if data is None and stored is None:  # not modified, but we lost its listing: fetch again
        data, validators = run.fetcher.get(url, conditional=False)
    if data is None:
        is_index, items = stored["index"], [tuple(i) for i in stored["items"]]
    else:
        is_index, items = sitemap.parse(data, url)
    run.pending[url] = {"validators": validators, "index": is_index, "items": items}
    if not is_index:
        return items, True
    pages, complete = [], True
    for child, _ in items:
        if len(pages) >= MAX_LISTED:
            run.out(f"the sitemaps list more than {MAX_LISTED:,} pages; the rest of {url} is "
                    "not read this time (and no post is treated as removed)")
            return pages[:MAX_LISTED], False
        try:
            child = absolute(url, child)
            if depth >= 2:
                raise FetchError("sitemap indexes nested more than 2 deep")
            body, got = run.fetcher.get(child, conditional=not run.force)
            found, ok = _sitemap_pages(run, child, body, got, depth + 1)
        except (FetchError, IngestError) as e:
            run.fail(child, str(e))
            found, ok = [], False
        pages += found[:MAX_LISTED + 1 - len(pages)]  # one more: the check above says so
        complete &= ok
    return pages, complete


def _sync_sitemap(run: _Run, data: bytes | None, validators: dict) -> set[str] | None:
    pages, complete = _sitemap_pages(run, canonical(run.source), data, validators)
    pages = _unsaved_first(run, run.source, list(dict(pages).items()), lambda p: p[0])
    present = set()
    for n, (loc, lastmod) in enumerate(pages, 1):
        def one(loc=loc, lastmod=lastmod, n=n):
            url = absolute(run.source, loc)
            if not run.wanted(url):
                return
            present.add(url)
            known = run.state.posts.get(url)
            if known and lastmod and not run.force and not _newer(lastmod, known.get("lastmod")):
                run.report.unchanged += 1
                return
            run.log(f"[{n}/{len(pages)}]")
            run.page(url, lastmod=lastmod)
        run.guarded(loc, one)
    return present if complete else None


def _sync_export(run: _Run, data: bytes) -> set[str]:
    site, posts = wordpress.parse(data, run.source)
    run.subfolder = site_folder(site or "wordpress")
    present = set()
    for art in posts:
        def one(art=art):
            key = canonical(art.url) if art.url else f"wordpress:{art.id}"
            if run.wanted(key):
                present.add(key)
                art.source = None
                run.store(art, key)
        run.guarded(art.url or art.id, one)
    return present


def _prune(run: _Run, present: set[str], prune: bool) -> None:
    state = run.state
    gone = sorted(k for k, p in state.posts.items()
                  if p["source"] == run.source and k not in present and run.wanted(k))
    for key in gone:
        if not prune:
            run.report.gone.append(key)
            continue
        rel = state.posts.pop(key)["file"]
        state.http.pop(key, None)
        try:
            inside(run.folder, rel).unlink(missing_ok=True)
        except IngestError as e:
            run.fail(key, str(e))
            continue
        run.report.removed.append(rel)
        run.out(f"removed {rel} ({key} is no longer in {run.source})")
    if run.report.gone:
        run.out(f"{len(gone):,} saved posts are no longer in {run.source}; kept (sync with --prune "
                "to remove them): " + ", ".join(gone[:5]) + (" ..." if len(gone) > 5 else ""))


def _read_source(run: _Run, is_url: bool) -> tuple[bytes | None, dict]:
    if is_url:
        run.open_site(run.source)
        try:
            return run.fetcher.get(run.source, conditional=not run.force)
        except FetchError as e:
            raise AskclinicError(f"could not fetch {run.source}: {e}; nothing was changed") from None
    path = Path(run.source)
    if not path.is_file():
        raise AskclinicError(f"{run.source}: no such file; give a feed or sitemap URL "
                             "(https://...), or a feed or WordPress export file")
    return path.read_bytes(), {}


def _kind(data: bytes) -> str:
    if wordpress.is_export(data):
        return "wordpress"
    return "sitemap" if sitemap.is_sitemap(data) else "feed"


def _sync_kind(run: _Run, kind: str, data: bytes | None, validators: dict, is_url: bool,
               prune: bool) -> None:
    if kind == "sitemap" and not is_url:
        raise AskclinicError(f"{run.source} is a sitemap: give its URL instead, so the "
                             "pages it lists can be fetched from the same site")
    present = None
    if data is None and kind != "sitemap":
        run.out(f"{run.source} has not changed since the last sync")
    elif kind == "feed":
        _sync_feed(run, data)
        if prune:
            run.out("--prune is ignored for feeds (a feed lists only the latest posts); "
                    "use the sitemap or a WordPress export to find removed posts")
    elif kind == "sitemap":
        present = _sync_sitemap(run, data, validators)
        if present is None:
            run.out("some sitemaps could not be read: no post is treated as removed this time")
    else:
        present = _sync_export(run, data)
    if present is not None:
        _prune(run, present, prune)


def _remember(run: _Run, data: bytes | None, validators: dict) -> None:
    """After a complete sync: the source's validators and the sitemap listings read."""
    state = run.state
    if data is not None:
        state.http[run.source] = validators
    for url, listing in run.pending.items():
        state.data["sitemaps"][url] = {"index": listing["index"], "items": listing["items"]}
        if url != run.source:
            state.http[url] = listing["validators"]


def sync(source: str, folder: str | Path, *, prune: bool = False, force: bool = False,
         only: str | None = None, wait: bool = False, limits: Limits = Limits(),
         out: Callable[[str], None] = print, log: Callable[[str], None] = print) -> SyncReport:
    """Bring the posts of `source` (feed/sitemap URL, feed or WordPress export file) into
    `folder` as Markdown files. Only what changed since the last sync is fetched."""
    is_url = bool(re.match(r"https?://", source, re.I))
    if not is_url and re.match(r"[a-z][a-z0-9+.-]*://", source, re.I):
        raise AskclinicError(f"{source}: only http:// and https:// addresses can be synced")
    try:
        source = canonical(source) if is_url else str(Path(source).resolve())
    except IngestError as e:
        raise AskclinicError(f"{source}: {e}; give the feed or sitemap address") from None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with BuildLock(folder, wait=wait, log=log, name=LOCK, what="sync"):
        state = State(folder)
        run = _Run(source, folder, state, limits, force, only, out, log)
        known = state.data["sources"].setdefault(source, {})
        try:
            try:
                data, validators = _read_source(run, is_url)
                if data is None and not known.get("kind"):  # validators without a record: refetch
                    data, validators = run.fetcher.get(source, conditional=False)
                kind = known.get("kind") if data is None else _kind(data)
                _sync_kind(run, kind, data, validators, is_url, prune)
                known["kind"] = kind
            except SyncStopped as e:  # keep what was saved; nothing is pruned
                run.report.stopped = str(e)
                out(f"stopped: {e}")
            if not run.report.failed and not run.report.stopped:  # else the next sync looks again
                _remember(run, data if is_url else None, validators)
        finally:
            run.report.requests = run.fetcher.requests if run.fetcher else 0
            if run.fetcher:
                run.fetcher.close()
            state.save()
    return run.report


# ---------------------------------------------------------------- index, golden questions, schedule

def update_index(folder: str | Path, settings: Settings, embedder=None, wait: bool = False,
                 log: Callable[[str], None] = print) -> BuildReport:
    """Index the articles folder incrementally; when no article changed since the current
    version, nothing is loaded or written."""
    from .chunking import ChunkSettings
    from .errors import IndexMissing
    from .index import SCHEMA_VERSION, build_index, read_manifest
    from .sources import load_sources

    articles, problems = load_sources([folder])
    for p in problems:
        log(str(p))
    if not articles:
        raise AskclinicError(f"no articles in {folder}; the index was not changed")
    try:
        m = read_manifest(settings.index)
    except (IndexMissing, OSError, ValueError):
        m = {}
    model = embedder.name if embedder is not None else settings.model
    same = (m.get("schema_version"), m.get("model"), m.get("chunking")) == (
        SCHEMA_VERSION, model, ChunkSettings().as_dict())
    if same and m.get("articles") == {a.id: a.content_hash() for a in articles}:
        return BuildReport(unchanged=len(articles), chunks=m.get("counts", {}).get("chunks", 0))
    if embedder is None:
        from .embedding import get_embedder
        embedder = get_embedder(settings.model)
    return build_index(articles, settings.index, embedder, wait=wait, log=log)


def run_sync(source: str, settings: Settings, *, articles: str | Path | None = None,
             prune: bool = False, force: bool = False, only: str | None = None,
             wait: bool = False, limits: Limits | None = None, embedder=None,
             out: Callable[[str], None] = print, log: Callable[[str], None] = print):
    """Sync, update the index, and after a rebuild re-check the golden questions.
    Returns (SyncReport, BuildReport, golden results)."""
    from .golden import check_golden, find_golden, format_results

    folder = Path(articles or settings.articles.split(os.pathsep)[0])
    limits = limits or Limits.from_settings(settings)
    report = sync(source, folder, prune=prune, force=force, only=only, wait=wait,
                  limits=limits, out=out, log=log)
    out(f"posts: {report.summary()}")
    build = update_index(folder, settings, embedder, wait=wait, log=log)
    where = f"new version {build.version}" if build.version else "index already up to date"
    out(f"index: {build.summary()}; {where} in {settings.index}")
    results = []
    golden = find_golden(settings, folder)
    if build.version and golden is not None:
        results = check_golden(golden, settings, embedder=embedder)
        for line in format_results(results, golden):
            out(line)
    return report, build, results


def parse_every(text: str) -> float:
    """'6h', '30m', '90s', '1d' (or plain seconds) → seconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", str(text).lower())
    if not m or float(m.group(1)) <= 0:
        raise AskclinicError(f"--sync-every {text!r}: give a duration such as 6h, 30m or 90s")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def start_scheduler(source: str, settings: Settings, every: float, *,
                    articles: str | Path | None = None, prune: bool = False, embedder=None,
                    log: Callable[[str], None] = print, first_delay: float = 0.0) -> threading.Event:
    """Run `run_sync` now (after `first_delay`) and then every `every` seconds in a background
    thread; a running server swaps the new index in by itself. Set the returned event to stop."""
    stop = threading.Event()

    def loop():
        delay = first_delay
        while not stop.wait(delay):
            started = time.monotonic()
            try:
                run_sync(source, settings, articles=articles, prune=prune, wait=True,
                         embedder=embedder, out=log, log=lambda m: None)
            except Exception as e:  # keep serving; try again next time
                log(f"scheduled sync of {source} failed: {e}")
            delay = max(1.0, every - (time.monotonic() - started))
            log(f"next sync of {source} in " + (f"{delay / 3600:.1f} h" if delay >= 3600 else
                                                 f"{delay / 60:.0f} min" if delay >= 120 else f"{delay:.0f} s"))

    threading.Thread(target=loop, name="askclinic-sync", daemon=True).start()
    return stop
