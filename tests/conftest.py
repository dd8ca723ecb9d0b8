"""Shared fixtures: a tiny fake embedder for fast plumbing tests, the real model and an
index of the bundled sample articles for behaviour tests. A test that uses the real model
(the `embedder` fixture, directly or through another fixture) is marked `model`, one that
drives Chromium `browser`: `pytest -m "not model and not browser"` is the fast lane."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT / "benchmarks"))  # the benchmarks' helpers serve the tests too
from helpers import NO_MEDQUAD, free_port, medquad  # noqa: E402

# Data that is not in this repository, found where an environment variable says (CONTRIBUTING.md).
MEDQUAD = medquad()  # the folder ASKCLINIC_MEDQUAD names, when it holds the data
SEED = Path(os.environ["ASKCLINIC_SEED_PAGE"]) if os.environ.get("ASKCLINIC_SEED_PAGE") else None
needs_medquad = pytest.mark.skipif(MEDQUAD is None, reason=NO_MEDQUAD)
needs_seed = pytest.mark.skipif(
    not (SEED and SEED.is_file()),
    reason="seed page not found: set ASKCLINIC_SEED_PAGE to the saved text page "
    "(see CONTRIBUTING.md, Test data)",
)
CHROMIUM = Path("/usr/bin/chromium")
# Marks for a file of browser tests: they drive Debian's Chromium against the real server.
BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.model,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian chromium (bash scripts/setup --test installs it)"
    ),
]


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


class FakeEmbedder:
    """Hashed bag of words: deterministic, instant, counts what it embeds. Plumbing only.
    An askclinic.embedding.Embedder, with the real model's window."""

    name = "fake-hash-64"
    dim = 64
    window = 256

    def __init__(self):
        self.embedded = 0

    def count_tokens(self, text: str) -> int:
        return 2 + len(re.findall(r"\w+|[^\w\s]", text))

    def encode(self, texts, progress=None):
        self.embedded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for w in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(w.encode()).hexdigest(), 16) % self.dim] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


@pytest.fixture
def fake_embedder():
    return FakeEmbedder()


@pytest.fixture(scope="session")
def embedder():
    from askclinic.config import load_settings
    from askclinic.embedding import get_embedder

    return get_embedder(load_settings().with_overrides(model="all-MiniLM-L6-v2"))


@pytest.fixture(scope="session")
def sample_index_dir(tmp_path_factory, embedder):
    """The bundled sample articles indexed with the real model (built once per session)."""
    from askclinic.build import build_index
    from askclinic.sources import load_sources

    articles, problems = load_sources([ROOT / "articles"])
    assert not problems
    path = tmp_path_factory.mktemp("sample-index")
    build_index(articles, path, embedder, log=lambda m: None)
    return path


@pytest.fixture(scope="session")
def sample_index(sample_index_dir):
    from askclinic.index import load_index

    return load_index(sample_index_dir, "all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def sample_retriever(sample_index, embedder):
    """The retriever over the sample articles with the real model (its sentence vectors kept
    for the session, as a server keeps them)."""
    from askclinic.retrieve import Retriever

    return Retriever(sample_index, embedder)


@pytest.hookimpl(tryfirst=True)  # before -m selects by mark
def pytest_collection_modifyitems(items):
    """Mark every test that loads the real model `model`, every one that drives Chromium
    `browser`, from the fixtures it uses (directly or through other fixtures)."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if "embedder" in used:
            item.add_marker(pytest.mark.model)
        if "browser" in used:
            item.add_marker(pytest.mark.browser)


# ---------------------------------------------------------------- web server (tests/webserver.py)


@pytest.fixture(scope="session")
def web_index_dir(tmp_path_factory, sample_index_dir, embedder):
    from webserver import web_index

    return web_index(sample_index_dir, tmp_path_factory.mktemp("web") / "index", embedder)


@pytest.fixture(scope="session")
def web(tmp_path_factory, web_index_dir, embedder):
    """The real server on 127.0.0.1 (no rate limit) over the sample articles plus a hostile
    one; `web.host_port` is a free port allowed to frame /widget (the embed test's host page)."""
    import webserver
    from askclinic.config import Settings

    host_port = free_port()
    data = tmp_path_factory.mktemp("web-data")
    shutil.copy(ROOT / "examples" / "golden.jsonl", data / "golden.jsonl")  # the suggested questions
    settings = Settings(
        index=str(web_index_dir),
        data=str(data),
        rate_limit=0,
        clinic_name="Riverside Headache Center",
        clinic_phone="(555) 010-0100",
        clinic_booking_url="https://riverside-headache.example/book",
        frame_ancestors=f"'self' http://127.0.0.1:{host_port}",
    )
    running = webserver.start(settings, embedder)
    running.host_port = host_port
    running.runtime.log.add_staff("alice", "correct-horse-battery")
    yield running
    running.stop()
