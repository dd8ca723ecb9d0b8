"""Index builds in real subprocesses: killed (SIGKILL) at each step, run two at once; and a
running server that swaps in a rebuilt index while it is being asked questions."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from askclinic import index as ix
from askclinic.answer import ask
from askclinic.build import LOCK
from askclinic.config import Settings
from askclinic.retrieve import Retriever
from askclinic.versions import KEEP_OLD_VERSIONS, current_version
from helpers import free_port

TESTS = Path(__file__).parent

# A build in its own process, with the fast fake embedder (SLOW=seconds per encode call).
BUILD = textwrap.dedent(f"""
    import os, sys, time
    sys.path.insert(0, {str(TESTS)!r})
    from conftest import FakeEmbedder
    from askclinic.errors import AskclinicError
    from askclinic.build import build_index
    from askclinic.sources import load_sources

    class Slow(FakeEmbedder):
        def encode(self, texts, **kw):
            if os.environ.get("HOLD"):  # tell the test the build is under way, then wait for it
                open(sys.argv[2] + ".encoding", "w").close()
                for _ in range(600):
                    if os.path.exists(sys.argv[2] + ".release"):
                        break
                    time.sleep(0.1)
            time.sleep(float(os.environ.get("SLOW", "0")))
            return super().encode(texts, **kw)

    articles, _ = load_sources([sys.argv[1]])
    try:
        rep = build_index(articles, sys.argv[2], Slow(), wait="--wait" in sys.argv,
                          log=lambda m: print(m, flush=True))
    except AskclinicError as e:
        print(f"askclinic: {{e}}", file=sys.stderr)
        sys.exit(2)
    print("built", rep.version, rep.summary(), flush=True)
""")

POSTS = {
    "botox": "Botox injections every twelve weeks ease chronic migraine for many patients.",
    "cluster": "Cluster headache attacks come in bouts and pure oxygen stops them quickly.",
    "sleep": "Poor sleep and irregular bedtimes trigger morning headaches in teenagers.",
}


def write_posts(folder: Path, posts: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for slug, text in posts.items():
        (folder / f"{slug}.md").write_text(f"---\ntitle: About {slug}\n---\n\n{text}\n")


def build(articles: Path, index: Path, *extra: str, env: dict | None = None, background: bool = False):
    args = [sys.executable, "-c", BUILD, str(articles), str(index), *extra]
    full = {**os.environ, **(env or {})}
    if background:
        return subprocess.Popen(args, env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(args, env=full, capture_output=True, text=True, timeout=120)


def answers(index_dir: Path, question: str, fake_embedder) -> list[str]:
    retriever = Retriever(ix.load_index(index_dir), fake_embedder)
    return ask(question, retriever, Settings(), with_highlights=False).ranking


@pytest.mark.parametrize("point", ["chunked", "embedding", "writing", "renamed", "switched"])
def test_build_killed_at_any_point_leaves_a_working_index(tmp_path, fake_embedder, point):
    articles, index = tmp_path / "articles", tmp_path / "index"
    write_posts(articles, POSTS)
    first = build(articles, index)
    assert first.returncode == 0, first.stderr
    before = current_version(index).name

    write_posts(articles, {"weather": "Thunderstorms and falling air pressure bring on migraine."})
    killed = build(articles, index, env={"ASKCLINIC_CRASH_AT": point})
    assert killed.returncode == -signal.SIGKILL
    assert (index / LOCK).exists()  # the dead build's lock is left behind

    # readers still get a complete index: the old one, or (killed after the switch) the new one
    after = current_version(index).name
    assert (after == before) == (point != "switched")
    assert answers(index, "Does Botox help chronic migraine?", fake_embedder)[0] == "botox"

    again = build(articles, index)  # no manual clean-up needed
    assert again.returncode == 0, again.stderr
    assert "taking over a stale build lock" in again.stdout
    assert answers(index, "Do thunderstorms bring on migraine?", fake_embedder)[0] == "weather"
    assert not [p for p in index.iterdir() if p.name.startswith(".tmp-")]
    assert len([p for p in index.iterdir() if p.name.startswith("v-")]) <= 1 + KEEP_OLD_VERSIONS
    assert not (index / LOCK).exists()


def test_a_second_build_stops_or_waits_while_one_runs(tmp_path, fake_embedder):
    articles, index = tmp_path / "articles", tmp_path / "index"
    write_posts(articles, POSTS)
    slow = build(articles, index, env={"HOLD": "1"}, background=True)  # runs until released
    waiter = None
    try:
        deadline = time.monotonic() + 60
        while not Path(f"{index}.encoding").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        refused = build(articles, index)
        assert refused.returncode == 2
        assert f"another index build (pid {slow.pid}) is running on {index}" in refused.stderr
        assert "--wait" in refused.stderr

        waiter = build(articles, index, "--wait", background=True)
        assert f"waiting for the index build of pid {slow.pid} to finish" in waiter.stdout.readline()
        Path(f"{index}.release").touch()
        out, _ = slow.communicate(timeout=60)
        assert slow.returncode == 0 and "built v-" in out
        waited, _ = waiter.communicate(timeout=60)
        assert waiter.returncode == 0
        # the waiting build started after the first one finished: it found nothing to do
        assert "built None 0 new, 0 changed, 0 removed, 3 unchanged" in waited
    finally:
        for p in (slow, waiter):
            if p is not None and p.poll() is None:
                p.kill()
    assert sorted(ix.load_index(index).articles) == ["botox", "cluster", "sleep"]


def _get(url: str, timeout: float = 30.0) -> tuple[int, dict]:
    import httpx

    r = httpx.get(url, timeout=timeout)
    return r.status_code, r.json()


@pytest.mark.model
def test_server_answers_throughout_a_scheduled_sync_and_then_knows_the_new_post(tmp_path):
    import httpx

    from test_sync import Site, feed_xml, post_page

    site = Site()
    for slug in ("botox-neck", "cluster-bouts", "magnesium"):
        site.put(f"/blog/{slug}/", post_page(slug))
    site.put("/feed.xml", feed_xml(site, ["botox-neck", "cluster-bouts"]))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ASKCLINIC_INDEX": str(tmp_path / "idx"),
        "ASKCLINIC_DATA": str(tmp_path / "data"),
        "ASKCLINIC_ARTICLES": str(tmp_path / "articles"),
        "ASKCLINIC_RATE_LIMIT": "0",
        "ASKCLINIC_SYNC_DELAY": "0",
    }
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "askclinic.cli",
            "serve",
            "--port",
            str(port),
            "--sync",
            site.url("/feed.xml"),
            "--sync-every",
            "2s",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline, first = time.monotonic() + 180, None
        while first is None and time.monotonic() < deadline and server.poll() is None:
            try:
                status, body = _get(base + "/healthz", timeout=5)
                first = body["index_version"] if status == 200 else None
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.3)
        assert first, (tmp_path / "server.log").read_text()

        site.put("/feed.xml", feed_xml(site, ["magnesium", "botox-neck", "cluster-bouts"]))
        question = base + "/api/ask?q=" + "Can magnesium citrate prevent migraine?"
        failures, answered, seen_new_after = [], 0, None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (seen_new_after is None or answered < seen_new_after + 5):
            try:
                status, body = _get(question, timeout=10)
            except httpx.HTTPError as e:
                failures.append(repr(e))
                continue
            if status != 200 or body.get("status") not in ("answered", "no_match"):
                failures.append(f"{status} {body}")
                continue
            answered += 1
            if seen_new_after is None and "magnesium" in body["ranking"][:1]:
                seen_new_after = answered
        assert failures == []
        assert seen_new_after is not None, (tmp_path / "server.log").read_text()
        status, health = _get(base + "/healthz")
        assert status == 200 and health["index_version"] != first and health["articles"] == 3
        assert (tmp_path / "articles" / f"127.0.0.1-{site.server.server_port}" / "magnesium.md").exists()
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        site.close()
