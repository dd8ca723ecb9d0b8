"""Loaders: each kind of file on realistic input, and broken files reported by name."""

from __future__ import annotations

import json

from askclinic.sources import load_sources
from conftest import ROOT, SEED, needs_seed

PAGE = """<!doctype html><html lang="en"><head><title>Weather and migraine | Riverside</title>
<meta name="author" content="Dr. Elena Marsh">
<meta property="article:published_time" content="2021-10-19T09:00:00+00:00"></head>
<body><header><nav><a href="/">Home</a> <a href="/blog">Blog</a> <a href="/contact">Contact us</a></nav></header>
<main><article><h1>Weather and migraine</h1>
<p>Many patients tell us that a change in the weather brings on a migraine. Falling barometric
pressure before a storm is the change most often blamed by our patients.</p>
<h2>What you can do</h2>
<p>Keep a headache diary with the weather beside it, so you can see whether the link holds for you.
If it does, your doctor may suggest starting treatment early on stormy days.</p>
</article></main>
<aside class="related-posts"><h3>Related posts</h3><ul><li><a href="/x">Cluster headaches and the solar storm</a></li></ul></aside>
<footer><p>Copyright 2024 Riverside Headache Center. Privacy policy. Terms of use.</p></footer>
</body></html>"""


def test_markdown_front_matter(tmp_path):
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "Sleep Tips.md").write_text(
        "---\ntitle: Sleep and headaches\ndate: March 3, 2019\nauthor: Dr. Raman\n"
        "url: https://example.org/sleep\ntags: [sleep, migraine]\n---\n\n"
        "## Why sleep matters\n\nToo little sleep is a [common trigger](https://x.org) of **migraine** attacks.\n"
    )
    (arts, problems) = load_sources([tmp_path])
    assert problems == []
    (a,) = arts
    assert (a.id, a.title, a.published, a.author, a.url, a.tags) == (
        "posts/sleep-tips",
        "Sleep and headaches",
        "2019-03-03",
        "Dr. Raman",
        "https://example.org/sleep",
        ["sleep", "migraine"],
    )
    assert a.text == "## Why sleep matters\n\nToo little sleep is a common trigger of migraine attacks."


def test_markdown_id_from_front_matter_is_stable(tmp_path):
    (tmp_path / "a.md").write_text("---\ntitle: T\nslug: my-slug\n---\nfive words of body text here\n")
    assert load_sources([tmp_path])[0][0].id == "my-slug"


@needs_seed
def test_seed_text_page():
    (arts, problems) = load_sources([SEED])
    assert problems == []
    (a,) = arts
    assert a.title == "Botox relieves myofascial (muscle) pain"
    assert a.published == "2013-04-24"
    assert a.author == "Alexander Mauskop, MD"
    assert a.text.startswith("Botox seems to help neck and upper back muscle pains")
    assert a.text.endswith("has been proven to be very effective.")
    for junk in (
        "Continue reading",
        "Read article",
        "Cluster headaches and solar activity",
        "Art credit",
        "Written by",
        "Meditation",
    ):
        assert junk not in a.text


def test_html_page_main_text_only(tmp_path):
    (tmp_path / "weather.html").write_text(PAGE)
    (arts, problems) = load_sources([tmp_path])
    assert problems == []
    (a,) = arts
    assert (a.title, a.published, a.author) == ("Weather and migraine", "2021-10-19", "Dr Elena Marsh")
    assert "barometric" in a.text and "## What you can do" in a.text
    for junk in ("Home", "Contact us", "Related posts", "solar storm", "Copyright", "Privacy policy"):
        assert junk not in a.text


def test_jsonl_articles_and_a_broken_line(tmp_path):
    rows = [
        {
            "id": "a1",
            "title": "Caffeine",
            "body": "## Overview\n\nCaffeine can help and hurt headaches.",
            "published": "2020-07-15T10:00:00Z",
            "tags": "caffeine, coffee",
        },
        "this is not json",
        {"id": "a2", "title": "Weather", "body": "Storm fronts may trigger migraine attacks in some."},
    ]
    (tmp_path / "posts.jsonl").write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows))
    arts, problems = load_sources([tmp_path / "posts.jsonl"])
    assert [a.id for a in arts] == ["a1", "a2"]
    assert arts[0].published == "2020-07-15" and arts[0].tags == ["caffeine", "coffee"]
    assert [str(p) for p in problems] == [
        f'skipped {tmp_path / "posts.jsonl"}: line 2: expected {{"id": ..., "title": ..., "body": ...}}'
    ]


def test_jsonl_with_a_bom_loads_and_one_not_in_utf8_is_named_once(tmp_path):
    line = json.dumps({"id": "a1", "title": "Caffeine", "body": "Caffeine can help and hurt headaches."})
    (tmp_path / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + line.encode())
    (tmp_path / "latin1.jsonl").write_bytes(line.replace("Caffeine can", "Caf\u00e9 can").encode("latin-1"))
    arts, problems = load_sources([tmp_path])
    assert [a.id for a in arts] == ["a1"]
    assert [str(p) for p in problems] == [
        f"skipped {tmp_path / 'latin1.jsonl'}: not UTF-8 text; save it as UTF-8"
    ]


def test_broken_files_are_reported_by_name_and_skipped(tmp_path):
    good = "---\ntitle: Good\n---\nA perfectly good article body about tension headaches.\n"
    (tmp_path / "good.md").write_text(good)
    (tmp_path / "bad-front.md").write_text("---\ntitle: [unclosed\n---\nBody text of some length here.\n")
    (tmp_path / "latin1.md").write_bytes("---\ntitle: Caf\xe9\n---\nbody".encode("latin-1"))
    (tmp_path / "empty.md").write_text("---\ntitle: Nothing here\n---\n\n")
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    arts, problems = load_sources([tmp_path])
    assert [a.id for a in arts] == ["good"]
    reasons = {p.path.rsplit("/", 1)[1]: p.reason for p in problems}
    assert set(reasons) == {"bad-front.md", "latin1.md", "empty.md", "notes.docx"}
    assert reasons["bad-front.md"].startswith("bad front matter near line")
    assert reasons["latin1.md"].startswith("not UTF-8 text")
    assert reasons["empty.md"] == "empty body (no article text found)"
    assert reasons["notes.docx"].startswith("unknown file type '.docx'")


def test_bundled_sample_articles_all_load():
    arts, problems = load_sources([ROOT / "articles"])
    assert problems == [] and len(arts) >= 25
    years = {int(a.published[:4]) for a in arts}
    assert min(years) <= 2011 and max(years) >= 2025
    for a in arts:
        assert a.url and a.author and a.tags, a.id
        assert 300 <= len(a.text.split()) <= 950, (a.id, len(a.text.split()))
