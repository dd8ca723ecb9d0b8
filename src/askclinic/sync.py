"""`askclinic sync`: keeping the articles folder in step with the clinic's site. The posts of
a feed, a sitemap or a WordPress export are fetched (only from the clinic's own site, see
fetch.py) and saved as Markdown files that staff may correct or delete (see posts.py). Only
what changed since the last sync is fetched; updating the index afterwards is update.py's."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from .errors import AskclinicError, IngestError
from .fetch import (
    Fetcher,
    FetchError,
    Limits,
    SyncStopped,
    absolute,
    canonical,
    newer,
    same_site,
    source_address,
)
from .locking import BuildLock
from .models import Article
from .posts import State, site_folder, slug_from_url
from .sources import feed, html, sitemap, wordpress
from .sources.common import require_body

LOCK = ".askclinic-sync.lock"
MIN_PAGE_WORDS = 30  # less than this on a fetched page: a menu or list page, not a post
MAX_LISTED = 50_000  # pages the sitemaps of one sync may list (the sitemaps.org limit of one)


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
        return (
            f"{len(self.new):,} new, {len(self.updated):,} updated, {len(self.removed):,} "
            f"removed, {self.unchanged:,} unchanged, {len(self.failed):,} failed "
            f"({self.requests:,} requests" + ("; stopped early" if self.stopped else "") + ")"
        )


class _Run:
    """One sync of one source into one articles folder."""

    def __init__(
        self,
        source: str,
        folder: Path,
        state: State,
        limits: Limits,
        force: bool,
        only: str | None,
        out: Callable[[str], None],
        log: Callable[[str], None],
    ):
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
            self.out(
                f"kept {rel} as you {what} it, although {key} changed on the site "
                "(to take the site's version: delete the file, then sync with --force)"
                if what == "edited"
                else f"not re-imported {rel}: it was deleted here, although {key} changed on "
                "the site (sync with --force to import it again)"
            )
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
                raise IngestError(
                    f"only {words} words of article text on the page (a list or "
                    "menu page? --only PATH skips such pages)"
                )
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


def _sitemap_pages(
    run: _Run, url: str, data: bytes | None, validators: dict, depth: int = 0
) -> tuple[list[tuple[str, str | None]], bool]:
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
            run.out(
                f"the sitemaps list more than {MAX_LISTED:,} pages; the rest of {url} is "
                "not read this time (and no post is treated as removed)"
            )
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
        pages += found[: MAX_LISTED + 1 - len(pages)]  # one more: the check above says so
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
            if known and lastmod and not run.force and not newer(lastmod, known.get("lastmod")):
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
    gone = sorted(
        k for k, p in state.posts.items() if p["source"] == run.source and k not in present and run.wanted(k)
    )
    for key in gone:
        if not prune:
            run.report.gone.append(key)
            continue
        try:
            rel = state.remove_post(key)
        except IngestError as e:
            run.fail(key, str(e))
            continue
        run.report.removed.append(rel)
        run.out(f"removed {rel} ({key} is no longer in {run.source})")
    if run.report.gone:
        run.out(
            f"{len(gone):,} saved posts are no longer in {run.source}; kept (sync with --prune "
            "to remove them): " + ", ".join(gone[:5]) + (" ..." if len(gone) > 5 else "")
        )


def _read_source(run: _Run, is_url: bool) -> tuple[bytes | None, dict]:
    if is_url:
        run.open_site(run.source)
        try:
            return run.fetcher.get(run.source, conditional=not run.force)
        except FetchError as e:
            raise AskclinicError(f"could not fetch {run.source}: {e}; nothing was changed") from None
    path = Path(run.source)
    if not path.is_file():
        raise AskclinicError(
            f"{run.source}: no such file; give a feed or sitemap URL "
            "(https://...), or a feed or WordPress export file"
        )
    return path.read_bytes(), {}


def _kind(data: bytes) -> str:
    if wordpress.is_export(data):
        return "wordpress"
    return "sitemap" if sitemap.is_sitemap(data) else "feed"


def _sync_kind(run: _Run, kind: str, data: bytes | None, validators: dict, is_url: bool, prune: bool) -> None:
    if kind == "sitemap" and not is_url:
        raise AskclinicError(
            f"{run.source} is a sitemap: give its URL instead, so the "
            "pages it lists can be fetched from the same site"
        )
    present = None
    if data is None and kind != "sitemap":
        run.out(f"{run.source} has not changed since the last sync")
    elif kind == "feed":
        _sync_feed(run, data)
        if prune:
            run.out(
                "--prune is ignored for feeds (a feed lists only the latest posts); "
                "use the sitemap or a WordPress export to find removed posts"
            )
    elif kind == "sitemap":
        present = _sync_sitemap(run, data, validators)
        if present is None:
            run.out("some sitemaps could not be read: no post is treated as removed this time")
    else:
        present = _sync_export(run, data)
    if present is not None:
        _prune(run, present, prune)


def sync(
    source: str,
    folder: str | Path,
    *,
    prune: bool = False,
    force: bool = False,
    only: str | None = None,
    wait: bool = False,
    limits: Limits = Limits(),
    out: Callable[[str], None] = print,
    log: Callable[[str], None] = print,
) -> SyncReport:
    """Bring the posts of `source` (feed/sitemap URL, feed or WordPress export file) into
    `folder` as Markdown files. Only what changed since the last sync is fetched."""
    source, is_url = source_address(source)
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
                state.remember(source, validators if is_url and data is not None else None, run.pending)
        finally:
            run.report.requests = run.fetcher.requests if run.fetcher else 0
            if run.fetcher:
                run.fetcher.close()
            state.save()
    return run.report
