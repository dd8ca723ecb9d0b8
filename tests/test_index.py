"""Index plumbing with a fake embedder: incremental updates, manifest checks, atomic writes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from askclinic import index as ix
from askclinic.build import LOCK, already_current, build_index
from askclinic.chunking import embed_text
from askclinic.errors import AskclinicError, IndexMismatch, IndexMissing
from askclinic.lexical import BM25, lexical_tokens
from askclinic.models import Article
from askclinic.versions import KEEP_OLD_VERSIONS, LEXICAL, current_version


def arts(*specs):
    return [
        Article(id=i, title=f"Title {i}", text=f"## Part\n\n{body} and more words here.") for i, body in specs
    ]


BASE = [
    ("botox", "Botox injections help chronic migraine"),
    ("cluster", "Cluster headache comes in bouts"),
    ("sleep", "Poor sleep triggers headaches"),
]


def test_incremental_update_embeds_only_what_changed(tmp_path, fake_embedder):
    root = tmp_path / "idx"
    first = build_index(arts(*BASE), root, fake_embedder, log=lambda m: None)
    assert (first.new, first.embedded, first.chunks) == (3, 3, 3)

    fake_embedder.embedded = 0
    again = build_index(arts(*BASE), root, fake_embedder, log=lambda m: None)
    assert again.summary() == "0 new, 0 changed, 0 removed, 3 unchanged"
    assert (again.version, fake_embedder.embedded) == (None, 0)

    changed = [BASE[0], ("cluster", "Cluster headache strikes at night"), ("weather", "Storms")]
    rep = build_index(arts(*changed), root, fake_embedder, log=lambda m: None)
    assert rep.summary() == "1 new, 1 changed, 1 removed, 1 unchanged"
    assert rep.embedded == 2  # only the changed and the new article
    assert rep.sentences_embedded == 2  # their sentences: the kept article's are reused
    assert fake_embedder.embedded == rep.embedded + rep.sentences_embedded
    idx = ix.load_index(root)
    assert sorted(idx.articles) == ["botox", "cluster", "weather"]
    assert {c.article_id for c in idx.chunks} == {"botox", "cluster", "weather"}
    # kept vectors are the very vectors embedded before
    by_id = {c.article_id: i for i, c in enumerate(idx.chunks)}
    chunk = idx.chunks[by_id["botox"]]
    fresh = fake_embedder.encode([embed_text(arts(BASE[0])[0], chunk.heading, chunk.text)])[0]
    assert float(idx.vectors()[by_id["botox"]] @ fresh) == pytest.approx(1.0, abs=1e-5)


def test_manifest_records_what_built_it(tmp_path, fake_embedder):
    build_index(arts(*BASE), tmp_path, fake_embedder, log=lambda m: None)
    m = ix.read_manifest(tmp_path)
    assert m["schema_version"] == ix.SCHEMA_VERSION and m["model"] == "fake-hash-64"
    assert m["dimension"] == 64 and m["counts"] == {"articles": 3, "chunks": 3}
    assert set(m["articles"]) == {"botox", "cluster", "sleep"}
    assert m["chunking"]["model_window"] == 256 and m["built_at"].endswith("Z")


def test_loading_with_another_model_says_how_to_rebuild(tmp_path, fake_embedder):
    build_index(arts(*BASE), tmp_path, fake_embedder, log=lambda m: None)
    with pytest.raises(IndexMismatch, match=r"built with model 'fake-hash-64'.*askclinic index .*--rebuild"):
        ix.load_index(tmp_path, "all-MiniLM-L6-v2")
    m_path = current_version(tmp_path) / "manifest.json"
    m = json.loads(m_path.read_text())
    m["schema_version"] = 99
    m_path.write_text(json.dumps(m))
    with pytest.raises(IndexMismatch, match="has schema 99"):
        ix.load_index(tmp_path, "fake-hash-64")


def test_already_current_reads_only_the_manifest(tmp_path, fake_embedder):
    assert already_current(tmp_path, arts(*BASE), fake_embedder.name) is None  # no index yet
    build_index(arts(*BASE), tmp_path, fake_embedder, log=lambda m: None)
    rep = already_current(tmp_path, arts(*BASE), fake_embedder.name)
    assert (rep.summary(), rep.chunks, rep.version) == ("0 new, 0 changed, 0 removed, 3 unchanged", 3, None)
    assert already_current(tmp_path, arts(*BASE), fake_embedder.name, fake_embedder.window) is not None
    assert already_current(tmp_path, arts(*BASE), fake_embedder.name, 128) is None  # another window
    assert already_current(tmp_path, arts(*BASE), "all-MiniLM-L6-v2") is None
    assert already_current(tmp_path, arts(*BASE[:2]), fake_embedder.name) is None
    assert already_current(tmp_path, arts(*BASE[:2], ("sleep", "Sleep")), fake_embedder.name) is None


def test_missing_index_message(tmp_path):
    with pytest.raises(IndexMissing, match="askclinic index articles/"):
        ix.load_index(tmp_path / "nowhere")


def test_crash_while_writing_leaves_previous_version(tmp_path, fake_embedder, monkeypatch):
    build_index(arts(*BASE), tmp_path, fake_embedder, log=lambda m: None)
    before = current_version(tmp_path)

    def crash(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr("askclinic.versions._switch_current", crash)
    with pytest.raises(OSError):
        build_index(arts(("weather", "Storms bring migraines")), tmp_path, fake_embedder, log=lambda m: None)
    monkeypatch.undo()
    assert current_version(tmp_path) == before
    assert sorted(ix.load_index(tmp_path).articles) == ["botox", "cluster", "sleep"]
    assert not (tmp_path / LOCK).exists()
    rep = build_index(arts(*BASE, ("weather", "Storms")), tmp_path, fake_embedder, log=lambda m: None)
    assert rep.summary() == "1 new, 0 changed, 0 removed, 3 unchanged"


def test_second_build_is_refused_while_one_runs(tmp_path, fake_embedder):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path / LOCK)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(AskclinicError, match=rf"another index build \(pid {holder.pid}\)"):
            build_index(arts(*BASE), tmp_path, fake_embedder, log=lambda m: None)
    finally:
        holder.kill()
        holder.wait()
    # the holder died without cleaning up: its lock is stale and is taken over
    assert (tmp_path / LOCK).read_text() == str(holder.pid)
    msgs = []
    build_index(arts(*BASE), tmp_path, fake_embedder, log=msgs.append)
    assert any("stale build lock" in m for m in msgs)


HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, str(os.getpid()).encode())
print("locked", flush=True)
time.sleep(60)
"""


def test_incremental_keyword_search_matches_a_full_rebuild(tmp_path, fake_embedder):
    """An update reuses the stored word counts of unchanged passages (and recounts all when an
    older version has none or they are damaged): keyword search ranks exactly as after a full
    rebuild."""
    quiet = dict(log=lambda m: None)
    later = [BASE[0], ("cluster", "Cluster headache strikes at night"), ("weather", "Storms cause headaches")]
    build_index(arts(*BASE), tmp_path / "inc", fake_embedder, **quiet)
    build_index(arts(*later), tmp_path / "inc", fake_embedder, **quiet)
    build_index(arts(*BASE), tmp_path / "old", fake_embedder, **quiet)
    (current_version(tmp_path / "old") / LEXICAL).unlink()  # as written by askclinic 0.1
    build_index(arts(*later), tmp_path / "old", fake_embedder, **quiet)
    build_index(arts(*BASE), tmp_path / "bad", fake_embedder, **quiet)
    (current_version(tmp_path / "bad") / LEXICAL).write_bytes(b"PK\x03\x04 damaged")
    build_index(arts(*later), tmp_path / "bad", fake_embedder, **quiet)
    build_index(arts(*later), tmp_path / "full", fake_embedder, rebuild=True, **quiet)
    loaded = {name: ix.load_index(tmp_path / name) for name in ("inc", "old", "bad", "full")}
    for q in ("headache at night", "botox migraine", "storms", "sleep"):
        found = {
            name: [index.chunks[i].id for i, _ in index.lexical_search(q, 5)]
            for name, index in loaded.items()
        }
        assert found["inc"] == found["old"] == found["bad"] == found["full"], q
    inc = loaded["inc"]
    assert [inc.chunks[i].article_id for i, _ in inc.lexical_search("storms", 5)] == ["weather"]
    assert inc.lexical_search("sleep", 5) == []  # its article was removed


def test_fast_bm25_scores_as_bm25s_does():
    import bm25s
    import numpy as np

    docs = [
        lexical_tokens(t) or [""]
        for t in (
            "Botox injections for chronic migraine and neck pain",
            "Cluster headache: oxygen, oxygen",
            "",
            "Neck pain after whiplash; neck exercises",
            "Migraine with aura in children",
        )
    ]
    ours, theirs = BM25(), bm25s.BM25()
    ours.index(docs, show_progress=False)
    theirs.index(docs, show_progress=False)
    for q in ("neck pain", "oxygen migraine", "children aura botox"):
        words = lexical_tokens(q)
        assert np.allclose(ours.get_scores(words), theirs.get_scores(words), atol=1e-6), q
    assert ours.retrieve([["neck"]], k=2, show_progress=False).documents.tolist() == [[3, 0]]


def test_old_versions_are_cleaned_up(tmp_path, fake_embedder):
    for n in range(5):
        build_index(arts(*BASE[: n % 3 + 1]), tmp_path, fake_embedder, log=lambda m: None)
    versions = [p.name for p in tmp_path.iterdir() if p.name.startswith("v-")]
    assert len(versions) == 1 + KEEP_OLD_VERSIONS
    assert current_version(tmp_path).name in versions
