"""The live index with a fake embedder: a new version is loaded and its retriever made in the
background, then swapped in."""

from __future__ import annotations

import threading
import time

from askclinic import live as live_module
from askclinic.build import build_index
from askclinic.live import LiveIndex
from askclinic.models import Article

BASE = [
    ("botox", "Botox injections help chronic migraine"),
    ("cluster", "Cluster headache comes in bouts"),
    ("sleep", "Poor sleep triggers headaches"),
]


def arts(*specs):
    return [
        Article(id=i, title=f"Title {i}", text=f"## Part\n\n{body} and more words here.") for i, body in specs
    ]


def test_an_idle_server_loads_and_prepares_a_new_version_before_its_next_question(
    tmp_path, fake_embedder, monkeypatch
):
    made, real = [], live_module.Retriever

    def retriever(index, embedder):  # the retriever is made before the version is served
        made.append(index.version)
        return real(index, embedder)

    monkeypatch.setattr(live_module, "Retriever", retriever)
    build_index(arts(*BASE), tmp_path, fake_embedder, log=lambda m: None)
    live = LiveIndex(tmp_path, fake_embedder, poll=0.05)
    stop = threading.Event()
    live.watch(stop)
    try:
        rep = build_index(arts(*BASE, ("weather", "Storms")), tmp_path, fake_embedder, log=lambda m: None)
        deadline = time.monotonic() + 10
        while live.version != rep.version and time.monotonic() < deadline:  # no get(): no requests
            time.sleep(0.02)
        assert live.version == rep.version
        assert made[-1] == rep.version and len(made) == 2  # the first load, then the new one
    finally:
        stop.set()


def test_live_index_swaps_in_a_new_version_without_blocking(tmp_path, fake_embedder):
    build_index(arts(*BASE), tmp_path, fake_embedder, log=lambda m: None)
    live = LiveIndex(tmp_path, fake_embedder, poll=0.0)
    old = live.get()
    rep = build_index(arts(*BASE, ("weather", "Storms")), tmp_path, fake_embedder, log=lambda m: None)
    assert live.wait_for(rep.version, timeout=10)
    assert "weather" in live.get().index.articles
    assert live.get().embedder is fake_embedder
    assert "weather" not in old.index.articles  # a request holding the old version keeps it intact
