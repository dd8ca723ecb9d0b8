"""The real askclinic server on 127.0.0.1 for the web tests: uvicorn in a thread, a free port,
and an index of the sample articles plus one hostile article (HTML in its title and text, a
javascript: URL) that the pages must show as plain text."""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from askclinic.models import Article
from helpers import free_port  # benchmarks/helpers.py, on the path through conftest

HOSTILE = Article(
    id="hostile-zebra-aura",
    title='Zebra-stripe aura <script>window.__pwned = 1</script> & "quotes"',
    text=(
        "Some people with migraine see a zebra-stripe aura: black and white zigzag stripes that "
        "shimmer at the edge of vision for up to an hour before the headache. "
        '<img src=x onerror="window.__pwned = 2"> A zebra-stripe aura is a visual aura and usually '
        "fades by itself.\n\nTell us about any zebra-stripe aura that lasts longer than an hour."
    ),
    url="javascript:window.__pwned = 3",
    published="2025-01-10",
)


def web_index(sample_index_dir: Path, dest: Path, embedder) -> Path:
    """A copy of the sample index with HOSTILE added (only that article is embedded)."""
    from askclinic.build import build_index
    from conftest import ROOT
    from askclinic.sources import load_sources

    shutil.copytree(sample_index_dir, dest)
    articles, _ = load_sources([ROOT / "articles"])
    build_index(articles + [HOSTILE], dest, embedder, log=lambda m: None)
    return dest


@dataclass
class Running:
    url: str
    app: object  # the Guard around the FastAPI app; .runtime is the Runtime
    server: object
    thread: threading.Thread

    @property
    def runtime(self):
        return self.app.runtime

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)


def start(settings, embedder, port: int | None = None) -> Running:
    import uvicorn

    from askclinic.web.server import create_app

    port = port or free_port()
    app = create_app(settings, embedder)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="on",
            proxy_headers=False,
        )
    )  # as serve(): the app decides
    thread = threading.Thread(target=server.run, name=f"askclinic-test-{port}", daemon=True)
    thread.start()
    end = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > end or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return Running(f"http://127.0.0.1:{port}", app, server, thread)
