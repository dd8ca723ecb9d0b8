"""The retriever a server answers from: the current index version with its Retriever, made
again in the background when a build publishes a new version."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from .index import load_index
from .retrieve import Retriever
from .versions import current_version


class LiveIndex:
    """The retriever a server answers from. `get()` returns the Retriever of the loaded
    version (its `.index` is the Index). A watcher thread (`watch()`; requests also check, at
    most every `poll` seconds) notices a new `current` version, loads it and makes its
    Retriever (the search tables) in the background, then swaps it in, so requests never
    wait for a load and never see a half-built index. A request keeps the Retriever it got
    until it finishes."""

    def __init__(self, root: str | Path, embedder, model: str | None = None, poll: float = 0.25):
        self.root, self.embedder, self.model, self.poll = Path(root), embedder, model, poll
        self._retriever = self._load()
        self._checked = time.monotonic()
        self._loading = threading.Lock()
        self.error: str | None = None  # last reload failure, shown on /healthz

    def _load(self) -> Retriever:
        return Retriever(load_index(self.root, self.model), self.embedder)

    @property
    def version(self) -> str:
        """The version being served (no check for a newer one)."""
        return self._retriever.index.version

    def get(self) -> Retriever:
        if time.monotonic() - self._checked >= self.poll:
            self.check()
        return self._retriever

    def check(self) -> None:
        """Start loading the current version in the background if it is not the one served."""
        self._checked = time.monotonic()
        cur = current_version(self.root)
        if cur is not None and cur.name != self.version and self._loading.acquire(blocking=False):
            threading.Thread(target=self._reload, daemon=True).start()

    def watch(self, stop) -> None:
        """Check every `poll` seconds in a daemon thread until the `stop` event is set, so an
        idle server has the new version loaded before its next question."""

        def loop():
            while not stop.wait(self.poll):
                self.check()

        threading.Thread(target=loop, daemon=True, name="index-watch").start()

    def _reload(self) -> None:
        try:
            self._retriever = self._load()
            self.error = None
        except Exception as e:  # keep serving the version we have; report on /healthz
            self.error = f"could not load the new index version: {e}"
        finally:
            self._loading.release()

    def wait_for(self, version: str, timeout: float = 10.0) -> bool:
        """Block until `version` is being served (tests and the benchmark use this)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self._checked = 0.0
            if self.get().index.version == version:
                return True
            time.sleep(0.05)
        return False
