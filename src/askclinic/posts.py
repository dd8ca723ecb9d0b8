"""The posts `askclinic sync` saves: each as a Markdown file with front matter in the
articles folder (written atomically, never outside that folder), and the sync record
`.askclinic-sync.json` beside them (HTTP validators, sitemap listings, and each post's file
and hash, so that staff edits and deletions are recognised and left alone)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from .errors import AskclinicError, IngestError
from .fetch import canonical, site_key
from .models import Article
from .sources.common import cap_slug, read_text
from .sources.markdown import front_matter
from .versions import NO_SPACE

STATE = ".askclinic-sync.json"


def to_markdown(art: Article) -> str:
    meta = {
        "title": art.title,
        "date": art.published,
        "author": art.author,
        "url": art.url,
        "tags": art.tags or None,
        "id": art.id,
    }
    head = yaml.safe_dump(
        {k: v for k, v in meta.items() if v}, sort_keys=False, allow_unicode=True, width=10_000
    )
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
        raise AskclinicError(
            f"disk full: could not write {path} ({e.strerror}); it is unchanged, "
            "and posts saved before it are kept; free some space and sync "
            "again"
        ) from None


def slug_from_url(url: str) -> str:
    last = [p for p in urlsplit(url).path.split("/") if p]
    name = re.sub(r"\.(html?|php|aspx?)$", "", last[-1]) if last else "home"
    return cap_slug(re.sub(r"[^a-z0-9]+", "-", name.lower())) or "post"


def site_folder(site: str) -> str:
    """The subfolder a site's posts go in: its host (and port); never `.`, `..` or empty."""
    try:
        host, port = site_key(site)
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
                if not isinstance(saved, dict) or not all(
                    isinstance(saved.get(k, {}), dict) for k in self.data
                ):
                    raise ValueError("not the expected JSON object")
                self.data.update(saved)
            except (ValueError, UnicodeDecodeError) as e:
                raise AskclinicError(
                    f"the sync record {self.path} is damaged ({e}); delete it and sync again "
                    "(posts already saved are recognised by their url)"
                ) from None
        self.http, self.posts = self.data["http"], self.data["posts"]

    def save(self) -> None:
        _write_atomic(self.path, json.dumps(self.data, indent=1, sort_keys=True).encode())

    def remember(self, source: str, validators: dict | None, listings: dict[str, dict]) -> None:
        """After a complete sync: the source's validators (None: keep the old ones) and the
        sitemap listings read, each {"validators", "index", "items"} by its URL."""
        if validators is not None:
            self.http[source] = validators
        for url, listing in listings.items():
            self.data["sitemaps"][url] = {"index": listing["index"], "items": listing["items"]}
            if url != source:
                self.http[url] = listing["validators"]

    def remove_post(self, key: str) -> str:
        """Forget a post and delete its file; returns the file (relative to the folder). A
        file outside the folder is left alone (IngestError), the post forgotten all the same."""
        rel = self.posts.pop(key)["file"]
        self.http.pop(key, None)
        inside(self.folder, rel).unlink(missing_ok=True)
        return rel

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

    def save_post(
        self, art: Article, key: str, source: str, subfolder: str, force: bool = False
    ) -> tuple[str, Path]:
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
                return (
                    "unchanged"
                    if _sha(data) == entry["sha256"]
                    else "deleted"
                    if on_disk is None
                    else "edited"
                ), path
        old = path.read_bytes() if path.exists() else None
        if old != data:
            _write_atomic(path, data)
        self.posts[key] = {
            "file": path.relative_to(self.folder).as_posix(),
            "sha256": _sha(data),
            "source": source,
            "lastmod": (entry or {}).get("lastmod"),
        }
        return ("new" if old is None else "updated" if old != data else "unchanged"), path
