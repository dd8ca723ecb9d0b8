"""Hostile input on the import side: a hostile clinic site (on 127.0.0.1, started here),
hostile exports, feeds and article files. Each test bounds its own time; memory is measured
from the sync process's own /proc/self/status (VmHWM), not guessed."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import textwrap
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from askclinic.config import Settings
from askclinic.errors import AskclinicError
from askclinic.index import load_index
from askclinic.sources import load_sources
from askclinic.fetch import Limits
from askclinic.update import run_sync
from askclinic.versions import current_version
from conftest import ROOT

DATA = Path(__file__).parent / "data"
SRC = ROOT / "src"
PARAS = [
    "Magnesium citrate taken every evening can lower the number of migraine days for some "
    "adults, especially those whose attacks come with aura.",
    "Loose stools are the usual side effect; starting with a lower dose and raising it over "
    "two weeks helps the stomach adjust to the new supplement.",
    "Tell us before you start, because magnesium interacts with some antibiotics and with "
    "medicines for osteoporosis that many of our older patients take.",
]


def page(title: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><main><article><h1>{title}</h1>{body}</article></main></body></html>"
    ).encode()


class Hostile:
    """A site on 127.0.0.1 whose paths are answered by functions (handler, path) → None;
    plain pages are served from `pages`. Every request is counted."""

    def __init__(self):
        self.pages: dict[str, bytes] = {}
        self.routes: dict[str, object] = {}
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                site.requests.append(self.path)
                route = site.routes.get(self.path)
                if route is not None:
                    return route(self)
                data = site.pages.get(self.path)
                self.send_response(200 if data is not None else 404)
                data = data if data is not None else b"not found"
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def feed(self, links: list[str]) -> bytes:
        items = "".join(
            f"<item><title>Post {n}</title><link>{link}</link></item>" for n, link in enumerate(links)
        )
        return (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>'
            f"<link>{self.url('/')}</link>{items}</channel></rss>"
        ).encode()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hostile():
    s = Hostile()
    yield s
    s.close()


@pytest.fixture
def env(tmp_path, fake_embedder):
    settings = Settings(index=str(tmp_path / "idx"), data=str(tmp_path / "data"), sync_delay=0)
    articles = tmp_path / "articles"

    def sync(source, **kw):
        lines = []
        sync.report, sync.build, _ = run_sync(
            source,
            settings,
            articles=articles,
            embedder=fake_embedder,
            out=lines.append,
            log=lambda m: None,
            **kw,
        )
        sync.out = "\n".join(lines)
        return sync.report

    sync.settings, sync.articles = settings, articles
    return sync


def _child_env() -> dict:
    return {**os.environ, "PYTHONPATH": str(SRC)}


# ---------------------------------------------------------------- 1: compressed bombs


def _bomb(megabytes: int, wrap_twice: bool) -> bytes:
    zero = bytes(1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    data = b"".join(c.compress(zero) for _ in range(megabytes)) + c.flush()
    if wrap_twice:
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        data = c.compress(data) + c.flush()
    return data


def _brotli_bomb(megabytes: int) -> bytes:
    import brotli

    c = brotli.Compressor(quality=5)
    zero = bytes(1 << 20)
    return b"".join(c.process(zero) for _ in range(megabytes)) + c.finish()


def _encoded(body: bytes, encoding: str):
    def route(req):
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        req.send_header("Content-Encoding", encoding)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    return route


SYNC_CHILD = textwrap.dedent("""
    import json, sys
    from askclinic.fetch import Limits
    from askclinic.sync import sync
    rep = sync(sys.argv[1], sys.argv[2], limits=Limits(delay=0), out=lambda m: None, log=lambda m: None)
    status = open("/proc/self/status").read()
    hwm = next(int(l.split()[1]) for l in status.splitlines() if l.startswith("VmHWM:"))
    print(json.dumps({"new": rep.new, "failed": rep.failed, "peak_mb": hwm / 1024}))
""")


def test_compressed_bombs_are_refused_and_a_sync_stays_under_300_mb(hostile, tmp_path):
    """350 MB of zeros as `gzip, gzip` (under 1 KB on the wire) and as `br`, 50 MB as one gzip
    layer: refused or cut at the 5 MB limit while unpacking, the good post imported. (Before:
    the sync peaked at 775 MB; now at about 80 MB.)"""
    hostile.routes["/gz2/"] = _encoded(_bomb(350, True), "gzip, gzip")
    hostile.routes["/br/"] = _encoded(_brotli_bomb(350), "br")
    hostile.routes["/gz/"] = _encoded(_bomb(50, False), "gzip")
    hostile.routes["/ok-gz/"] = _encoded(zlib.compress(page("Magnesium"), wbits=31), "gzip")
    hostile.pages["/feed.xml"] = hostile.feed([hostile.url(p) for p in ("/gz2/", "/br/", "/gz/", "/ok-gz/")])
    r = subprocess.run(
        [sys.executable, "-c", SYNC_CHILD, hostile.url("/feed.xml"), str(tmp_path / "a")],
        capture_output=True,
        text=True,
        env=_child_env(),
        timeout=120,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    reasons = {url.rsplit("/", 2)[-2]: why for url, why in out["failed"]}
    assert out["peak_mb"] < 300, out
    assert "stacked content encodings" in reasons["gz2"]
    assert "content encoding 'br' was not asked for" in reasons["br"]
    assert "larger than the 5,000,000-byte limit" in reasons["gz"]
    assert [Path(p).name for p in out["new"]] == ["ok-gz.md"]


def test_a_gzipped_sitemap_listing_millions_of_pages_is_refused_under_300_mb(hostile, tmp_path):
    """2 million entries in 119 KB of gzip (49 MB unpacked, within the sitemaps.org 50 MB):
    read item by item and refused past 50,000 addresses, instead of a tree of 4 million
    elements (805 MB, 86 s before)."""
    import gzip

    entry = b"<url><loc>/a</loc></url>"
    body = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + entry * (49_000_000 // len(entry))
        + b"</urlset>"
    )
    hostile.pages["/sitemap.xml"] = gzip.compress(body, 6)
    child = SYNC_CHILD.replace("rep = sync(", "try:\n    rep = sync(").replace(
        "log=lambda m: None)\n", "log=lambda m: None)\nexcept Exception as e:\n    print(e)\n"
    )
    child = child.replace(
        'print(json.dumps({"new": rep.new, "failed": rep.failed, "peak_mb": hwm / 1024}))',
        'print(json.dumps({"peak_mb": hwm / 1024}))',
    )
    r = subprocess.run(
        [sys.executable, "-c", child, hostile.url("/sitemap.xml"), str(tmp_path / "a")],
        capture_output=True,
        text=True,
        env=_child_env(),
        timeout=120,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    said, measured = r.stdout.strip().splitlines()
    assert said.endswith(
        "lists more than 50,000 addresses, the sitemaps.org limit; split it into several sitemaps"
    )
    assert json.loads(measured)["peak_mb"] < 300, measured


def test_honest_compressed_pages_still_import(hostile, env):
    raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    bodies = {
        "/deflate/": (zlib.compress(page("Zlib deflate")), "deflate"),
        "/raw-deflate/": (raw.compress(page("Raw deflate")) + raw.flush(), "deflate"),
        "/gzip/": (zlib.compress(page("Gzip"), wbits=31), "gzip"),
        "/broken/": (b"\x78\x9c" + b"\xff" * 40, "deflate"),
    }
    for path, (body, coding) in bodies.items():
        hostile.routes[path] = _encoded(body, coding)
    hostile.pages["/feed.xml"] = hostile.feed([hostile.url(p) for p in bodies])
    rep = env(hostile.url("/feed.xml"))
    assert sorted(Path(p).stem for p in rep.new) == ["deflate", "gzip", "raw-deflate"]
    assert [(u, why[:21]) for u, why in rep.failed] == [(hostile.url("/broken/"), "broken deflate data (")]


# ---------------------------------------------------------------- 2: paths outside the folder


def test_an_export_cannot_write_or_delete_outside_the_articles_folder(tmp_path, env):
    victim = tmp_path / "victim.md"
    victim.write_text("staff notes, not the sync's\n")
    export = tmp_path / "export.xml"
    export.write_bytes(
        (DATA / "wordpress-export.xml")
        .read_bytes()
        .replace(
            b"<wp:base_blog_url>https://riverside-headache.example</wp:base_blog_url>",
            b"<wp:base_blog_url>http://../</wp:base_blog_url>",
        )
        .replace(b"<link>https://riverside-headache.example</link>", b"<link>http://../</link>")
    )
    before = {p for p in tmp_path.iterdir()}
    rep = env(str(export))
    assert len(rep.new) == 2
    assert {p for p in tmp_path.iterdir()} == before | {env.articles, tmp_path / "idx"}
    for rel in rep.new:
        assert (env.articles / rel).resolve().parent.parent == env.articles.resolve()
        assert ".." not in Path(rel).parts and "." not in Path(rel).parts

    # a damaged or edited sync record that points outside: --prune must not delete there
    state = env.articles / ".askclinic-sync.json"
    record = json.loads(state.read_text())
    record["posts"]["https://riverside-headache.example/blog/gone/"] = {
        "file": "../victim.md",
        "sha256": "0",
        "source": str(export.resolve()),
        "lastmod": None,
    }
    state.write_text(json.dumps(record))
    rep = env(str(export), prune=True)
    assert victim.read_text() == "staff notes, not the sync's\n"
    assert "outside the articles folder" in env.out and rep.removed == []


def test_a_linked_subfolder_leading_outside_is_not_written_through(tmp_path, env, hostile):
    outside = tmp_path / "outside"
    outside.mkdir()
    (env.articles / "staff").mkdir(parents=True)
    (env.articles / "staff" / "ours.md").write_text("---\ntitle: Ours\n---\n\n" + " ".join(PARAS))
    (env.articles / f"127.0.0.1-{hostile.server.server_port}").symlink_to(outside)
    hostile.pages["/blog/magnesium/"] = page("Magnesium")
    hostile.pages["/feed.xml"] = hostile.feed([hostile.url("/blog/magnesium/")])
    rep = env(hostile.url("/feed.xml"))
    assert list(outside.iterdir()) == []
    assert (
        rep.new == [] and "outside the articles folder" in dict(rep.failed)[hostile.url("/blog/magnesium/")]
    )


def test_a_lock_file_planted_as_a_link_is_not_written_through(tmp_path, env):
    victim = tmp_path / "victim.md"
    victim.write_text("staff notes\n")
    env.articles.mkdir()
    (env.articles / ".askclinic-sync.lock").symlink_to(victim)
    export = tmp_path / "export.xml"
    export.write_bytes((DATA / "wordpress-export.xml").read_bytes())
    with pytest.raises(AskclinicError, match=r"\.askclinic-sync\.lock is a link, not a lock file; delete"):
        env(str(export))
    assert victim.read_text() == "staff notes\n"

    # a temporary file planted as a link is replaced, not written through
    (env.articles / ".askclinic-sync.lock").unlink()
    (env.articles / ".askclinic-sync.json.tmp").symlink_to(victim)
    (env.articles / "riverside-headache.example").mkdir()
    (env.articles / "riverside-headache.example" / ".preventing-migraine-with-exercise.md.tmp").symlink_to(
        victim
    )
    rep = env(str(export))
    assert victim.read_text() == "staff notes\n" and len(rep.new) == 2


# ---------------------------------------------------------------- 7: entities in feeds


def _entity_feed(hostile, size: int, refs: int) -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "{"x" * size}">]>'
        f'<rss version="2.0"><channel><title>Blog</title><link>{hostile.url("/")}</link>'
        f"<item><title>Magnesium</title><link>{hostile.url('/blog/magnesium/')}</link>"
        f"<description>{'&big;' * refs}</description></item></channel></rss>"
    ).encode()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_feeds_declaring_entities_are_refused(hostile, env, tmp_path, encoding):
    hostile.pages["/blog/magnesium/"] = page("Magnesium")
    data = _entity_feed(hostile, 200_000, 99)
    if encoding != "utf-8":
        data = (
            data.decode()
            .replace('version="1.0"?>', f'version="1.0" encoding="{encoding}"?>')
            .encode(encoding)
        )
    hostile.pages["/feed.xml"] = data
    started = time.monotonic()
    with pytest.raises(AskclinicError, match="declares entities"):
        env(hostile.url("/feed.xml"))
    assert time.monotonic() - started < 5
    assert not list(env.articles.rglob("*.md"))


def test_sitemaps_and_exports_declaring_entities_are_refused(hostile, env, tmp_path):
    """One 2 MB entity used 99 times: too few repeats for expat's own limit, 405 MB of
    memory and 2.7 s in a sitemap before; now refused before any expansion."""
    ent = '<!DOCTYPE x [<!ENTITY big "' + "x" * 2_000_000 + '">]>'
    hostile.pages["/blog/magnesium/"] = page("Magnesium")
    hostile.pages["/sitemap.xml"] = (
        f'<?xml version="1.0"?>{ent}<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{hostile.url('/blog/magnesium/')}</loc><lastmod>&big;</lastmod></url>"
        + "<url><loc>/a&big;</loc></url>" * 98
        + "</urlset>"
    ).encode()
    with pytest.raises(AskclinicError, match="sitemap.xml declares entities"):
        env(hostile.url("/sitemap.xml"))
    export = tmp_path / "export.xml"
    export.write_bytes(
        (DATA / "wordpress-export.xml")
        .read_bytes()
        .replace(
            b'<?xml version="1.0" encoding="UTF-8" ?>',
            b'<?xml version="1.0" encoding="UTF-8" ?>' + ent.encode(),
        )
        .replace(
            b"<description>Headache care in the valley</description>",
            b"<description>" + b"&big;" * 99 + b"</description>",
        )
    )
    with pytest.raises(AskclinicError, match="export.xml declares entities"):
        env(str(export))
    assert not list(env.articles.rglob("*.md"))


# ---------------------------------------------------------------- 9: YAML alias bombs

YAML_BOMB = (
    "---\ntitle: Bomb\n"
    + "".join(
        f"{c}: &{c} [" + ",".join([f"*{p}"] * 9 if p else ['"lol"'] * 9) + "]\n"
        for p, c in zip([None] + list("abcdefgh"), "abcdefghi")
    )
    + "tags: *i\n---\n\n"
    + " ".join(PARAS)
    + "\n"
)

LOAD_CHILD = textwrap.dedent("""
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))
    from askclinic.sources import load_sources
    arts, problems = load_sources([sys.argv[1]])
    print(json.dumps({"ids": sorted(a.id for a in arts), "problems": [str(p) for p in problems]}))
""")


def test_yaml_alias_bomb_in_front_matter_is_reported_and_skipped(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "bomb.md").write_text(YAML_BOMB)
    (folder / "good.md").write_text("---\ntitle: Good\ntags: [a, b]\n---\n\n" + " ".join(PARAS))
    assert len(YAML_BOMB.split("---")[1]) < 500
    started = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-c", LOAD_CHILD, str(folder)],
        capture_output=True,
        text=True,
        env=_child_env(),
        timeout=60,
    )
    assert r.returncode == 0, r.stderr[-1500:]
    out = json.loads(r.stdout)
    assert out["ids"] == ["good"]
    assert out["problems"] == [
        f"skipped {folder / 'bomb.md'}: front matter uses YAML aliases (*name); write each value out in full"
    ]
    assert time.monotonic() - started < 30


# ---------------------------------------------------------------- 10: deadlines


def _drip(interval: float, count: int):
    def route(req):
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        req.send_header("Content-Length", str(count))
        req.end_headers()
        try:
            for _ in range(count):
                req.wfile.write(b"<")
                req.wfile.flush()
                time.sleep(interval)
        except OSError:
            pass

    return route


def test_a_site_dripping_bytes_is_cut_off_at_the_request_deadline(hostile, env):
    hostile.routes["/drip/"] = _drip(0.2, 40)  # 8 s if read to the end; each read < 1 s
    hostile.pages["/blog/magnesium/"] = page("Magnesium")
    hostile.pages["/feed.xml"] = hostile.feed([hostile.url("/drip/"), hostile.url("/blog/magnesium/")])
    started = time.monotonic()
    rep = env(hostile.url("/feed.xml"), limits=Limits(delay=0, timeout=1.0))
    took = time.monotonic() - started
    assert dict(rep.failed)[hostile.url("/drip/")] == "no answer within 1 s"
    assert took < 3.5, took
    assert [Path(p).name for p in rep.new] == ["magnesium.md"]


def test_a_sync_stops_at_its_deadline_keeping_what_it_imported(hostile, env):
    def slow(req):
        time.sleep(0.4)
        data = page("Slow post")
        req.send_response(200)
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)

    links = []
    for n in range(8):
        hostile.routes[f"/blog/slow-{n}/"] = slow
        links.append(hostile.url(f"/blog/slow-{n}/"))
    hostile.pages["/feed.xml"] = hostile.feed(links)
    started = time.monotonic()
    rep = env(hostile.url("/feed.xml"), limits=Limits(delay=0, deadline=1.5))
    took = time.monotonic() - started
    assert took < 3.5, took
    assert 2 <= len(rep.new) <= 4 and len(hostile.requests) <= 5
    assert "stopped: the sync took longer than 1.5 s (ASKCLINIC_SYNC_DEADLINE)" in env.out
    assert len(load_index(env.settings.index).articles) == len(rep.new)


# ---------------------------------------------------------------- 11: one bad entry


def test_bad_entries_in_a_feed_are_reported_and_the_rest_imported(hostile, env):
    long_path = "/blog/" + "very-long-title-" * 19 + "end/"  # 310 characters
    hostile.pages[long_path] = page("A post with a long address")
    hostile.pages["/blog/magnesium/"] = page("Magnesium")
    bad = ["http://[::1", "http://127.0.0.1:99999/blog/x/", "http://[::1]:99999/y"]
    hostile.pages["/feed.xml"] = hostile.feed(bad + [hostile.url(long_path), hostile.url("/blog/magnesium/")])
    rep = env(hostile.url("/feed.xml"))
    assert sorted(u for u, _ in rep.failed) == sorted(bad)
    assert all("not a valid web address" in why for _, why in rep.failed)
    names = sorted(Path(p).stem for p in rep.new)
    assert len(names) == 2 and "magnesium" in names
    assert max(len(n) for n in names) <= 80
    assert len(load_index(env.settings.index).articles) == 2


def test_bad_posts_in_an_export_are_reported_and_the_rest_imported(tmp_path, env):
    data = (DATA / "wordpress-export.xml").read_bytes()
    data = data.replace(
        b"<wp:post_name><![CDATA[what-to-expect-at-your-first-visit]]>",
        b"<wp:post_name><![CDATA[" + b"x" * 400 + b"]]>",
    )
    data = data.replace(
        b"<link>https://riverside-headache.example/blog/preventing-migraine-with-exercise/</link>",
        b"<link>http://[::1</link>",
    )
    data = data.replace(
        b"<wp:base_blog_url>https://riverside-headache.example</wp:base_blog_url>",
        b"<wp:base_blog_url>https://riverside-headache.example:99999</wp:base_blog_url>",
    )
    export = tmp_path / "export.xml"
    export.write_bytes(data)
    rep = env(str(export))
    assert rep.failed == [("http://[::1", "not a valid web address (Invalid IPv6 URL)")]
    assert all(p.startswith("site/") for p in rep.new)
    assert [len(Path(p).stem) for p in rep.new] == [80]
    assert len(load_index(env.settings.index).articles) == 1


# ---------------------------------------------------------------- 18: over-long words


@pytest.mark.model
def test_a_million_character_word_is_split_to_fit_the_model_window(embedder):
    import random
    import string

    from askclinic.chunking import ChunkSettings, chunk_article, count_tokens, embed_text
    from askclinic.models import Article

    rng = random.Random(7)
    word = "".join(rng.choice(string.ascii_letters) for _ in range(1_000_000))
    art = Article(id="w", title="Word", text=PARAS[0] + "\n\n" + word + " " + PARAS[1])
    started = time.monotonic()
    chunks = chunk_article(art, ChunkSettings(), embedder)
    assert time.monotonic() - started < 15
    settings = ChunkSettings()
    assert max(len(c.text) for c in chunks) < 2_000
    assert all(count_tokens(c.text) <= settings.max_tokens for c in chunks)
    assert all(embedder.count_tokens(embed_text(art, c.heading, c.text)) <= embedder.window for c in chunks)
    assert all(art.text[c.start : c.end] == c.text for c in chunks)
    covered = art.text.index(word)  # every character of the word is in some passage
    for c in sorted(chunks, key=lambda c: c.start):
        if c.start <= covered < c.end:
            covered = c.end
    assert covered >= art.text.index(word) + len(word)


@pytest.mark.model
def test_a_huge_title_and_heading_still_leave_room_for_the_text(embedder):
    from askclinic.chunking import ChunkSettings, chunk_article, embed_text
    from askclinic.models import Article

    title = "Migraine " * 600  # 5,400 characters, far over the model's window on its own
    art = Article(id="t", title=title, text="## " + "Aura! " * 500 + "\n\n" + " ".join(PARAS))
    chunks = chunk_article(art, ChunkSettings(), embedder)
    assert any("Magnesium citrate" in c.text for c in chunks)
    assert all(embedder.count_tokens(embed_text(art, c.heading, c.text)) <= 256 for c in chunks)


# ---------------------------------------------------------------- 19: symlinks


def test_links_leaving_the_articles_folder_are_not_followed_and_reported(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("---\ntitle: Secret\n---\n\n" + " ".join(PARAS))
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "good.md").write_text("---\ntitle: Good\n---\n\n" + " ".join(PARAS))
    (folder / "passwd.md").symlink_to(outside / "secret.md")
    (folder / "dangling.md").symlink_to(tmp_path / "missing.md")
    (folder / "elsewhere").symlink_to(outside)
    (folder / "sub" / "also-good.md").symlink_to(folder / "good.md")  # inside: fine
    arts, problems = load_sources([folder])
    assert sorted(a.id for a in arts) == ["good", "sub/also-good"]
    assert sorted(map(str, problems)) == [
        f"skipped {folder / 'dangling.md'}: a link to a missing file; not followed",
        f"skipped {folder / 'elsewhere'}: a link to a place outside {folder}; not followed "
        "(copy the articles in instead)",
        f"skipped {folder / 'passwd.md'}: a link to a place outside {folder}; not followed "
        "(copy the articles in instead)",
    ]


# ---------------------------------------------------------------- 20: a cap on requests


def test_a_sitemap_fan_out_stops_at_the_request_cap(hostile, tmp_path, fake_embedder):
    """5 sitemaps of 40 pages (206 requests uncapped); a cap of 12: the index and the 5
    sitemaps, then 6 pages, saved and indexed; nothing pruned, the stop reported."""
    maps = "".join(f"<sitemap><loc>{hostile.url(f'/map-{n}.xml')}</loc></sitemap>" for n in range(5))
    hostile.pages["/sitemap.xml"] = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{maps}</sitemapindex>"
    ).encode()
    for n in range(5):
        urls = "".join(f"<url><loc>{hostile.url(f'/p/{n}-{k}/')}</loc></url>" for k in range(40))
        hostile.pages[f"/map-{n}.xml"] = (
            '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{urls}</urlset>"
        ).encode()
        for k in range(40):
            hostile.pages[f"/p/{n}-{k}/"] = page(f"Post {n} {k}")
    settings = Settings(
        index=str(tmp_path / "idx"), data=str(tmp_path / "d"), sync_delay=0, sync_max_requests=12
    )
    lines = []
    rep, _, _ = run_sync(
        hostile.url("/sitemap.xml"),
        settings,
        articles=tmp_path / "a",
        prune=True,
        embedder=fake_embedder,
        out=lines.append,
        log=lambda m: None,
    )
    assert len(hostile.requests) == 12 and rep.requests == 12
    assert (
        "stopped: 12 requests made, the most one sync may make (ASKCLINIC_SYNC_MAX_REQUESTS); "
        "the rest is fetched next time"
    ) in lines
    assert len(rep.new) == 6 and rep.removed == [] and rep.summary().endswith("stopped early)")
    assert len(load_index(settings.index).articles) == 6


# ---------------------------------------------------------------- 21: disk full while indexing


def _fsize_limit(limit: int):
    def pre():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return pre


@pytest.mark.model
def test_disk_full_while_indexing_is_one_line_and_changes_nothing(tmp_path, sample_index_dir):
    import shutil

    idx = tmp_path / "idx"
    shutil.copytree(sample_index_dir, idx)
    before = current_version(idx).name
    articles = tmp_path / "articles"
    shutil.copytree(ROOT / "articles", articles)
    (articles / "new-post.md").write_text("---\ntitle: New post\n---\n\n" + " ".join(PARAS))
    r = subprocess.run(
        [sys.executable, "-m", "askclinic.cli", "index", str(articles), "--index", str(idx)],
        capture_output=True,
        text=True,
        env={**_child_env(), "ASKCLINIC_DATA": str(tmp_path / "d")},
        timeout=300,
        preexec_fn=_fsize_limit(40_000),
    )
    assert r.returncode == 2, r.stderr[-2000:]
    assert "Traceback" not in r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith(f"askclinic: disk full: could not write {idx}/"), last
    assert last.endswith(
        f"; nothing changed: {idx} still serves version {before}; free some space and run the command again"
    ), last
    assert current_version(idx).name == before
    assert not [p for p in idx.iterdir() if p.name.startswith(".tmp-")]


def test_disk_full_while_syncing_is_one_message_and_leaves_no_partial_file(hostile, tmp_path):
    long_page = page("Magnesium").replace(
        b"</article>", b"<p>" + b"More about magnesium. " * 1500 + b"</p></article>"
    )
    hostile.pages["/blog/short/"] = page("Short")
    hostile.pages["/blog/long/"] = long_page
    hostile.pages["/feed.xml"] = hostile.feed([hostile.url("/blog/short/"), hostile.url("/blog/long/")])
    child = SYNC_CHILD.replace("rep = sync(", "try:\n    rep = sync(").replace(
        "log=lambda m: None)\n",
        "log=lambda m: None)\nexcept Exception as e:\n    print(type(e).__name__, e)\n    sys.exit(0)\n",
    )
    r = subprocess.run(
        [sys.executable, "-c", child, hostile.url("/feed.xml"), str(tmp_path / "a")],
        capture_output=True,
        text=True,
        env=_child_env(),
        timeout=60,
        preexec_fn=_fsize_limit(20_000),
    )
    assert r.returncode == 0, r.stderr[-2000:]
    said = r.stdout.splitlines()[0]
    folder = tmp_path / "a" / f"127.0.0.1-{hostile.server.server_port}"
    assert said == (
        f"AskclinicError disk full: could not write {folder / 'long.md'} (File too large); "
        "it is unchanged, and posts saved before it are kept; free some space and sync again"
    )
    assert sorted(p.name for p in folder.iterdir()) == ["short.md"]
    assert "short.md" in (tmp_path / "a" / ".askclinic-sync.json").read_text()
