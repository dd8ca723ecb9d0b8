"""`askclinic sync` against a fake clinic site served by a real http.server on 127.0.0.1:
feeds, sitemaps, conditional requests, limits, staff edits, pruning, WordPress exports."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import frontmatter
import pytest

from askclinic.answer import ask
from askclinic.config import Settings
from askclinic.fetch import Limits
from askclinic.index import load_index
from askclinic.retrieve import Retriever
from askclinic.update import run_sync
from askclinic.versions import current_version
from conftest import ROOT

DATA = Path(__file__).parent / "data"


class Site:
    """A clinic website: path → page, ETag and Last-Modified revalidation, a request log."""

    def __init__(self):
        self.pages: dict[str, tuple[bytes, str, float]] = {}
        self.requests: list[tuple[str, int]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                site.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def url(self, path: str) -> str:
        return self.base + path

    def put(
        self,
        path: str,
        body: str | bytes,
        ctype: str = "text/html; charset=utf-8",
        modified: float | None = None,
    ) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.pages[path] = (data, ctype, modified or time.time())

    def fetched(self, status: int | None = None) -> list[str]:
        """Paths requested since the last call (optionally only those answered `status`)."""
        out = [p for p, s in self.requests if status is None or s == status]
        self.requests.clear()
        return out

    def handle(self, req: BaseHTTPRequestHandler) -> None:
        path = req.path
        if path.endswith("/broken/"):
            return self.reply(req, path, 500, b"database error")
        if path == "/slow/":
            time.sleep(2)
        if path == "/away/":
            req.send_response(302)
            req.send_header("Location", "http://127.0.0.2:9/elsewhere/")
            req.end_headers()
            return self.requests.append((path, 302))
        if path not in self.pages:
            return self.reply(req, path, 404, b"not found")
        data, ctype, modified = self.pages[path]
        etag = '"' + hashlib.sha1(data).hexdigest()[:12] + '"'
        match, since = req.headers.get("If-None-Match"), req.headers.get("If-Modified-Since")
        if match == etag or (
            not match
            and since  # RFC 9110: the ETag wins when both are sent
            and parsedate_to_datetime(since).timestamp() >= int(modified)
        ):
            return self.reply(req, path, 304, b"")
        self.reply(
            req,
            path,
            200,
            data,
            {"Content-Type": ctype, "ETag": etag, "Last-Modified": formatdate(modified, usegmt=True)},
        )

    def reply(self, req, path, status, data, headers=None):
        self.requests.append((path, status))
        req.send_response(status)
        for k, v in (headers or {}).items():
            req.send_header(k, v)
        req.send_header("Content-Length", str(len(data)))
        req.end_headers()
        req.wfile.write(data)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


NAV = (
    '<header><nav><a href="/">Home</a> <a href="/blog/">Blog</a> '
    '<a href="/book/">Book an appointment online</a></nav></header>'
)
RELATED = (
    '<aside class="related-posts"><h3>Related posts</h3><ul>'
    '<li><a href="/blog/x/">Ten surprising facts about pillows</a></li>'
    '<li><a href="/blog/y/">Our new parking garage is open</a></li></ul></aside>'
)
FOOTER = (
    "<footer><p>Riverside Headache Center, 12 River Road. Call 555-0100 for "
    "appointments.</p><p>Copyright 2024. All rights reserved.</p></footer>"
)

POSTS = {
    "botox-neck": (
        "Botox for neck pain",
        "2023-03-14",
        "Dr. Lena Ortiz",
        [
            "Many patients ask whether botulinum toxin injections can ease stubborn neck and "
            "upper back pain that comes with chronic migraine.",
            "In our clinic we inject small doses into the tight trapezius and splenius muscles "
            "every twelve weeks, and most patients notice the muscles relax after about a week.",
            "The injections are not a cure, but together with stretching and posture work they "
            "often reduce how many days a month the neck pain sets off a headache.",
        ],
    ),
    "cluster-bouts": (
        "Why cluster headaches come in bouts",
        "2023-05-02",
        "Dr. Amir Haddad",
        [
            "Cluster headache attacks arrive in bouts that last weeks, often at the same hour "
            "every night, and then vanish for months.",
            "The hypothalamus, which keeps the body's internal clock, seems to switch the bouts "
            "on and off, which explains their seasonal rhythm in spring and autumn.",
            "Breathing pure oxygen through a mask at the start of an attack stops it within "
            "fifteen minutes for most of our patients.",
        ],
    ),
    "magnesium": (
        "Magnesium and migraine prevention",
        "2024-01-09",
        "Dr. Lena Ortiz",
        [
            "Magnesium citrate taken every evening can lower the number of migraine days for "
            "some adults, especially those whose attacks come with aura.",
            "Loose stools are the usual side effect; starting with a lower dose and raising it "
            "over two weeks helps the stomach adjust.",
            "Tell us before you start, because magnesium interacts with some antibiotics and "
            "with medicines for osteoporosis.",
        ],
    ),
}


def post_page(slug: str, extra: str = "") -> str:
    title, date, author, paras = POSTS[slug]
    body = "".join(f"<p>{p}{extra}</p>" for p in paras)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title} | Riverside "
        f"Headache Center</title><meta name='author' content='{author}'>"
        f"<meta property='article:published_time' content='{date}'></head><body>{NAV}"
        f"<main><article><h1>{title}</h1><p class='byline'>By {author}</p>{body}"
        f"</article>{RELATED}</main>{FOOTER}</body></html>"
    )


def feed_xml(site: Site, slugs: list[str], extra_links: list[str] = ()) -> str:
    items = ""
    for slug in slugs:
        title, date, author, paras = POSTS[slug]
        items += (
            f"<item><title>{title}</title><link>{site.url(f'/blog/{slug}/')}</link>"
            f"<pubDate>{formatdate(time.mktime(time.strptime(date, '%Y-%m-%d')))}</pubDate>"
            f"<dc:creator>{author}</dc:creator><description>{paras[0][:60]}...</description></item>"
        )
    for link in extra_links:
        items += f"<item><title>Extra {link}</title><link>{link}</link></item>"
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>Riverside blog</title><link>{site.url('/blog/')}</link>{items}"
        "</channel></rss>"
    )


def sitemap_xml(site: Site, pages: dict[str, str]) -> str:
    urls = "".join(f"<url><loc>{site.url(p)}</loc><lastmod>{m}</lastmod></url>" for p, m in pages.items())
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'


@pytest.fixture
def site():
    s = Site()
    for slug in POSTS:
        s.put(f"/blog/{slug}/", post_page(slug))
    yield s
    s.close()


@pytest.fixture
def env(tmp_path, fake_embedder):
    """Settings, articles folder and a sync runner that collects the command's output."""
    settings = Settings(index=str(tmp_path / "idx"), data=str(tmp_path / "data"))
    articles = tmp_path / "articles"

    def sync(source, **kw):
        lines = []
        sync.report, sync.build, sync.golden = run_sync(
            source,
            settings,
            articles=articles,
            limits=kw.pop("limits", Limits(delay=0)),
            embedder=fake_embedder,
            out=lines.append,
            log=lambda m: None,
            **kw,
        )
        sync.out = "\n".join(lines)
        return sync.report

    sync.settings, sync.articles, sync.embedder = settings, articles, fake_embedder
    return sync


def saved(env, site: Site) -> dict[str, frontmatter.Post]:
    folder = env.articles / f"127.0.0.1-{site.server.server_port}"
    return {p.stem: frontmatter.load(p) for p in sorted(folder.glob("*.md"))}


def test_feed_sync_saves_clean_posts_then_fetches_only_what_changed(site, env):
    site.put(
        "/feed.xml",
        feed_xml(site, ["botox-neck", "cluster-bouts"], [site.url("/broken/")]),
        "application/rss+xml",
    )
    rep = env(site.url("/feed.xml"))
    assert sorted(saved(env, site)) == ["botox-neck", "cluster-bouts"]
    post = saved(env, site)["botox-neck"]
    assert (post["title"], post["date"], post["author"], post["url"]) == (
        "Botox for neck pain",
        "2023-03-14",
        "Dr. Lena Ortiz",
        site.url("/blog/botox-neck/"),
    )
    assert "trapezius and splenius muscles" in post.content
    for furniture in ("Book an appointment", "Related posts", "pillows", "555-0100", "All rights reserved"):
        assert furniture not in post.content
    assert f"failed {site.url('/broken/')}: HTTP 500" in env.out
    assert (len(rep.new), len(rep.failed)) == (2, 1)
    index = load_index(env.settings.index)
    assert sorted(index.articles) == ["botox-neck", "cluster-bouts"]
    found = ask("Can Botox help my neck pain?", Retriever(index, env.embedder), env.settings)
    assert found.ranking[0] == "botox-neck"
    first_version, first_sentences = index.version, set(index.sentences.keys.tolist())
    site.fetched()

    # a new post: the old pages are revalidated (304), only the new one is downloaded
    site.put("/feed.xml", feed_xml(site, ["magnesium", "botox-neck", "cluster-bouts"]), "application/rss+xml")
    env.embedder.embedded = 0
    rep = env(site.url("/feed.xml"))
    assert site.fetched(200) == ["/feed.xml", "/blog/magnesium/"]
    assert rep.new == [f"127.0.0.1-{site.server.server_port}/magnesium.md"]
    assert rep.unchanged == 2
    index = load_index(env.settings.index)
    assert index.version != first_version and "magnesium" in index.articles
    new_sentences = set(index.sentences.keys.tolist()) - first_sentences
    assert new_sentences and env.embedder.embedded == len(
        [c for c in index.chunks if c.article_id == "magnesium"]
    ) + len(new_sentences)  # its passages and sentences

    # nothing new: one conditional request for the feed, no page requests, nothing rewritten
    mtimes = {p: p.stat().st_mtime_ns for p in env.articles.rglob("*.md")}
    site.fetched()
    rep = env(site.url("/feed.xml"))
    assert site.fetched() == ["/feed.xml"] and rep.requests == 1
    assert "has not changed since the last sync" in env.out
    assert {p: p.stat().st_mtime_ns for p in env.articles.rglob("*.md")} == mtimes
    assert env.build.version is None and current_version(env.settings.index).name == index.version


def test_sitemap_index_fetches_newer_lastmod_only_and_prunes_on_request(site, env):
    site.put(
        "/about/",
        "<html><head><title>About us</title></head><body><p>We are a clinic "
        "in the valley with six doctors and a friendly front desk team.</p></body></html>",
    )
    site.put(
        "/sitemap.xml",
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/'
        f'schemas/sitemap/0.9"><sitemap><loc>{site.url("/post-sitemap.xml")}</loc></sitemap>'
        f"<sitemap><loc>{site.url('/page-sitemap.xml')}</loc></sitemap></sitemapindex>",
    )
    posts = {
        "/blog/botox-neck/": "2023-03-14",
        "/blog/cluster-bouts/": "2023-05-02",
        "/blog/magnesium/": "2024-01-09T10:00:00+00:00",
        "/blog/broken/": "2024-02-01",
    }
    site.put("/post-sitemap.xml", sitemap_xml(site, posts))
    site.put("/page-sitemap.xml", sitemap_xml(site, {"/about/": "2022-01-01"}))
    rep = env(site.url("/sitemap.xml"), only="/blog/")
    assert sorted(saved(env, site)) == ["botox-neck", "cluster-bouts", "magnesium"]
    assert "/about/" not in site.fetched()
    assert [u for u, _ in rep.failed] == [site.url("/blog/broken/")]

    # the site fixes a typo in one post and bumps its <lastmod>; the broken page is gone
    site.put("/blog/cluster-bouts/", post_page("cluster-bouts", extra=" (updated)"))
    del posts["/blog/broken/"]
    posts["/blog/cluster-bouts/"] = "2024-03-01"
    site.put("/post-sitemap.xml", sitemap_xml(site, posts))
    rep = env(site.url("/sitemap.xml"), only="/blog/")
    assert [p for p in site.fetched(200) if p.startswith("/blog/")] == ["/blog/cluster-bouts/"]
    assert rep.updated == [f"127.0.0.1-{site.server.server_port}/cluster-bouts.md"]
    assert "(updated)" in saved(env, site)["cluster-bouts"].content

    # a post taken off the site stays until --prune
    del posts["/blog/magnesium/"]
    site.put("/post-sitemap.xml", sitemap_xml(site, posts))
    rep = env(site.url("/sitemap.xml"), only="/blog/")
    assert rep.gone == [site.url("/blog/magnesium/")] and "sync with --prune" in env.out
    assert "magnesium" in saved(env, site)
    rep = env(site.url("/sitemap.xml"), only="/blog/cluster", prune=True)
    assert rep.removed == [] and "magnesium" in saved(env, site)  # outside --only: not judged
    rep = env(site.url("/sitemap.xml"), only="/blog/", prune=True)
    assert rep.removed == [f"127.0.0.1-{site.server.server_port}/magnesium.md"]
    assert "magnesium" not in saved(env, site)
    assert "magnesium" not in load_index(env.settings.index).articles
    site.fetched()
    env(site.url("/sitemap.xml"), only="/blog/")
    assert site.fetched(200) == []  # everything revalidated, nothing downloaded


def test_staff_corrections_and_deletions_survive_a_sync(site, env):
    site.put(
        "/sitemap.xml",
        sitemap_xml(site, {"/blog/botox-neck/": "2023-03-14", "/blog/magnesium/": "2024-01-09"}),
    )
    env(site.url("/sitemap.xml"))
    folder = env.articles / f"127.0.0.1-{site.server.server_port}"
    corrected = (folder / "botox-neck.md").read_text().replace("twelve weeks", "twelve weeks (3 months)")
    (folder / "botox-neck.md").write_text(corrected)
    (folder / "magnesium.md").unlink()

    site.put("/blog/botox-neck/", post_page("botox-neck", extra=" Site edit."))
    site.put("/blog/magnesium/", post_page("magnesium", extra=" Site edit."))
    site.put(
        "/sitemap.xml",
        sitemap_xml(site, {"/blog/botox-neck/": "2024-06-01", "/blog/magnesium/": "2024-06-01"}),
    )
    rep = env(site.url("/sitemap.xml"))
    assert (folder / "botox-neck.md").read_text() == corrected
    assert not (folder / "magnesium.md").exists()
    assert "kept 127.0.0.1" in env.out and "delete the file, then sync with --force" in env.out
    assert "it was deleted here" in env.out and not rep.new
    assert any("(3 months)" in c.text for c in load_index(env.settings.index).chunks)
    assert "magnesium" not in load_index(env.settings.index).articles

    rep = env(site.url("/sitemap.xml"), force=True)
    assert rep.new == [f"127.0.0.1-{site.server.server_port}/magnesium.md"]
    assert "Site edit." in (folder / "magnesium.md").read_text()
    assert (folder / "botox-neck.md").read_text() == corrected  # still the staff's version


def test_only_the_sources_site_is_fetched_within_limits(site, env):
    other = Site()  # a second site: it must never be asked for anything
    other.put("/blog/botox-neck/", post_page("botox-neck"))
    try:
        site.put("/big/", "<html><body>" + "<p>word </p>" * 30_000 + "</body></html>")
        links = [
            other.url("/blog/botox-neck/"),
            site.url("/away/"),
            site.url("/slow/"),
            site.url("/big/"),
            "ftp://127.0.0.1/file",
            site.url("/missing/"),
            site.url("/tags/"),
        ]
        site.put("/tags/", f"<html><head><title>Tags</title></head><body>{NAV}{FOOTER}</body></html>")
        site.put("/feed.xml", feed_xml(site, ["magnesium"], links))
        rep = env(site.url("/feed.xml"), limits=Limits(delay=0, timeout=0.5, max_bytes=100_000))
        reasons = dict(rep.failed)
        assert other.requests == []
        assert "not on the site of the source" in reasons[other.url("/blog/botox-neck/")]
        assert "not on the site of the source" in reasons[site.url("/away/")]
        assert "not on the site of the source" in reasons["ftp://127.0.0.1/file"]
        assert "no answer within 0.5 s" in reasons[site.url("/slow/")]
        assert "larger than the 100,000-byte limit" in reasons[site.url("/big/")]
        assert reasons[site.url("/missing/")] == "HTTP 404"
        assert "words of article text on the page (a list or menu page?" in reasons[site.url("/tags/")]
        assert sorted(saved(env, site)) == ["magnesium"]
    finally:
        other.close()


def test_polite_delay_spaces_requests(site, env):
    site.put("/feed.xml", feed_xml(site, ["botox-neck", "magnesium"]))
    started = time.monotonic()
    env(site.url("/feed.xml"), limits=Limits(delay=0.3))
    assert time.monotonic() - started >= 0.6  # 3 requests, 2 pauses


def test_bad_sources_are_refused_with_the_fix(tmp_path, env, site):
    from askclinic.errors import AskclinicError

    with pytest.raises(AskclinicError, match="no such file; give a feed or sitemap URL"):
        env(str(tmp_path / "nope.xml"))
    with pytest.raises(
        AskclinicError, match=r"could not fetch .*/nothing\.xml: HTTP 404; nothing was changed"
    ):
        env(site.url("/nothing.xml"))
    with pytest.raises(AskclinicError, match="only http:// and https://"):
        env("file:///etc/passwd")
    site.put("/feed.xml", "<html><body>not a feed</body></html>")
    with pytest.raises(AskclinicError, match="is not an RSS or Atom feed"):
        env(site.url("/feed.xml"))


def test_wordpress_export_keeps_published_posts_cleaned(tmp_path, env):
    export = tmp_path / "clinic.WordPress.xml"
    export.write_bytes((DATA / "wordpress-export.xml").read_bytes())
    rep = env(str(export))
    folder = env.articles / "riverside-headache.example"
    files = {p.stem: frontmatter.load(p) for p in folder.glob("*.md")}
    assert sorted(files) == ["preventing-migraine-with-exercise", "what-to-expect-at-your-first-visit"]
    first = files["what-to-expect-at-your-first-visit"]
    assert (first["title"], first["date"], first["author"]) == (
        "What to expect at your first visit",
        "2021-09-14",
        "Dr. Lena Ortiz",
    )
    assert first["url"] == "https://riverside-headache.example/blog/what-to-expect-at-your-first-visit/"
    assert "Headache" in first["tags"]
    text = first.content
    assert "## Bring your headache diary" in text and "- a list of your medicines" in text
    for leftover in ("[caption", "<", "wp:paragraph", "waiting-room.jpg", "[gallery"):
        assert leftover not in text
    assert "Please arrive fifteen minutes early" in text
    assert len(rep.new) == 2 and "draft" not in " ".join(files)

    export.write_bytes(
        (DATA / "wordpress-export.xml")
        .read_bytes()
        .replace(b"<wp:status>publish</wp:status><!--exercise-->", b"<wp:status>trash</wp:status>")
    )
    rep = env(str(export))
    assert rep.gone and (folder / "preventing-migraine-with-exercise.md").exists()
    rep = env(str(export), prune=True)
    assert not (folder / "preventing-migraine-with-exercise.md").exists()
    assert sorted(load_index(env.settings.index).articles) == ["what-to-expect-at-your-first-visit"]


def test_golden_questions_report_a_dropped_article(site, env):
    site.put("/feed.xml", feed_xml(site, ["botox-neck", "cluster-bouts"]))
    (env.articles / "samples").mkdir(parents=True)
    for name in (
        "caffeine-and-headaches",
        "exercise-and-migraine",
        "acupuncture-for-headaches",
        "food-triggers-and-migraine",
        "sleep-and-headaches",
    ):
        (env.articles / "samples" / f"{name}.md").write_bytes((ROOT / "articles" / f"{name}.md").read_bytes())
    (env.articles / "golden.jsonl").write_text(
        '{"question": "Does Botox help neck pain?", "expected": ["botox-neck"]}\n'
        '{"question": "Why do cluster headaches come in bouts?", "expected": ["cluster-bouts"]}\n'
    )
    env(site.url("/feed.xml"))
    assert "golden questions" in env.out and "2 of 2 have their expected articles in the top 3" in env.out
    assert "DROPPED" not in env.out

    # the site rewrites the cluster post into something else entirely
    cluster = env.articles / f"127.0.0.1-{site.server.server_port}" / "cluster-bouts.md"
    site.put("/blog/cluster-bouts/", post_page("magnesium"))
    site.put(
        "/feed.xml",
        feed_xml(site, ["botox-neck", "cluster-bouts"]).replace(
            "Why cluster headaches come in bouts", "Magnesium, a second look"
        ),
    )
    env(site.url("/feed.xml"))
    assert "Magnesium citrate" in cluster.read_text()
    assert "1 of 2 have their expected articles in the top 3" in env.out
    assert "DROPPED 'Why do cluster headaches come in bouts?': cluster-bouts" in env.out
    assert [r.question for r in env.golden if not r.ok] == ["Why do cluster headaches come in bouts?"]


@pytest.mark.model
def test_sync_command_end_to_end(site, tmp_path):
    site.put("/feed.xml", feed_xml(site, list(POSTS)))
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "golden.jsonl").write_text(
        '{"question": "Is magnesium good for preventing migraine?", "expected": ["magnesium"]}\n'
    )
    cmd = [
        sys.executable,
        "-m",
        "askclinic.cli",
        "sync",
        site.url("/feed.xml"),
        "--articles",
        str(tmp_path / "articles"),
        "--index",
        str(tmp_path / "idx"),
        "--delay",
        "0",
    ]
    env = {**os.environ, "ASKCLINIC_DATA": str(tmp_path / "data")}
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "posts: 3 new, 0 updated, 0 removed, 0 unchanged, 0 failed (4 requests)" in lines
    assert any(
        line.startswith("index: 3 new, 0 changed, 0 removed, 0 unchanged; new version v-") for line in lines
    )
    assert "golden questions" in r.stdout and "1 of 1 have" in r.stdout
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "has not changed since the last sync" in r.stdout
    assert "index already up to date" in r.stdout and "golden" not in r.stdout
    ans = subprocess.run(
        [
            sys.executable,
            "-m",
            "askclinic.cli",
            "ask",
            "--json",
            "--index",
            str(tmp_path / "idx"),
            "Does oxygen stop a cluster headache attack?",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert '"article_id": "cluster-bouts"' in ans.stdout

    # staff delete the magnesium post; `askclinic index` reports the golden question it breaks
    next((tmp_path / "articles").glob("*/magnesium.md")).unlink()
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "askclinic.cli",
            "index",
            str(tmp_path / "articles"),
            "--index",
            str(tmp_path / "idx"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "DROPPED 'Is magnesium good for preventing migraine?': magnesium is not in the index" in r.stdout


def test_a_sync_that_lost_its_record_adopts_the_files_it_wrote(site, env):
    site.put("/feed.xml", feed_xml(site, ["botox-neck", "magnesium"]))
    env(site.url("/feed.xml"))
    (env.articles / ".askclinic-sync.json").unlink()  # as if killed before saving it
    rep = env(site.url("/feed.xml"))
    assert sorted(saved(env, site)) == ["botox-neck", "magnesium"]  # no botox-neck-2.md
    assert (rep.unchanged, rep.new, env.build.version) == (2, [], None)


def test_sync_every_reads_durations_and_names_the_flag_when_wrong():
    from askclinic.errors import AskclinicError
    from askclinic.update import parse_every

    assert [parse_every(t) for t in ("6h", "30m", "90s", "1d", "45")] == [21600, 1800, 90, 86400, 45]
    with pytest.raises(AskclinicError, match="--sync-every 'often': give a duration such as 6h"):
        parse_every("often")


def test_staff_console_golden_panel_lists_each_question(tmp_path, fake_embedder, site, env):
    from askclinic.golden import format_results
    from askclinic.web.runtime import Runtime, golden_results
    from askclinic.web.staff_render import golden_rows

    site.put("/feed.xml", feed_xml(site, ["botox-neck", "cluster-bouts"]))
    env(site.url("/feed.xml"))
    settings = Settings(
        index=env.settings.index,
        data=str(tmp_path / "data"),
        articles=str(env.articles),
        model=fake_embedder.name,
    )
    runtime = Runtime(settings, fake_embedder)
    rows, info = golden_rows(runtime)
    assert rows == [] and "No golden questions yet" in info
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "golden.jsonl").write_text(
        '{"question": "Does Botox help neck pain?", "expected": ["botox-neck"]}\n'
        '{"question": "What about cluster bouts?", "expected": ["gone-article"]}\n'
    )
    rows, info = golden_rows(runtime)
    assert rows[0][0] == "Does Botox help neck pain?" and rows[0][3] == "ok"
    assert rows[1][3] == "DROPPED: gone-article" and "1 of 2 golden questions" in info
    path, results = golden_results(runtime)
    assert "gone-article is not in the index" in "\n".join(format_results(results, path))
    (tmp_path / "data" / "golden.jsonl").write_text('{"question": "no expected list"}\n')
    rows, info = golden_rows(runtime)
    assert "golden.jsonl line 1: expected" in info


def test_atom_feed_file_and_fallback_to_the_entrys_own_content(tmp_path, site, env):
    site.put("/blog/video-post/", f"<html><head><title>Video</title></head><body>{NAV}{FOOTER}</body></html>")
    content = (
        "&lt;h2&gt;Watch our nurse explain&lt;/h2&gt;&lt;p&gt;In this short video our headache nurse "
        "shows how to keep a headache diary on paper or on your phone, what to write down after "
        "each attack, and how the diary helps your doctor choose a preventive medicine.&lt;/p&gt;"
    )
    atom = (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>Riverside blog</title><link href="{site.url("/blog/")}"/><id>urn:x</id>'
        f"<updated>2024-02-01T00:00:00Z</updated>"
        f'<entry><title>Magnesium and migraine prevention</title><link href="/blog/magnesium/"/>'
        f"<id>urn:1</id><updated>2024-01-09T08:00:00Z</updated><author><name>Dr. Lena Ortiz</name></author></entry>"
        f'<entry><title>Video: keeping a headache diary</title><link href="{site.url("/blog/video-post/")}"/>'
        f"<id>urn:2</id><published>2024-02-01T08:00:00Z</published><updated>2024-02-01T08:00:00Z</updated>"
        f'<content type="html">{content}</content></entry></feed>'
    )
    (tmp_path / "feed.atom").write_text(atom)
    rep = env(str(tmp_path / "feed.atom"))
    posts = saved(env, site)
    assert sorted(posts) == ["magnesium", "video-post"] and not rep.failed
    assert "Magnesium citrate" in posts["magnesium"].content
    video = posts["video-post"]
    assert (video["title"], video["date"]) == ("Video: keeping a headache diary", "2024-02-01")
    assert video.content.startswith("## Watch our nurse explain\n\nIn this short video")
    assert "used the feed's own text" in env.out
