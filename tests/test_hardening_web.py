"""Hostile clients against the real server on 127.0.0.1 (real model, real SQLite file): the
staff sign-in limit, request and context sizes, a failing question log, odd text, article URLs
in the API and CLI, CORS and /config, forwarded headers, and a damaged index."""

from __future__ import annotations

import concurrent.futures
import json
import select
import shutil
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

import webserver
from askclinic import cli
from askclinic.config import Settings
from askclinic.safety import check
from conftest import ROOT

pytestmark = pytest.mark.model
QUICK = "How do I file my taxes?"  # no_match: answered without highlights


def rss_mb() -> float:
    """This process's resident memory (the test servers run in it), from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def client_from(address: str) -> httpx.Client:
    """An HTTP client whose connections come from `address` (any 127.x.y.z is this machine)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60)


@pytest.fixture(scope="module")
def plain(tmp_path_factory, web_index_dir, embedder):
    """A server with no rate limit and no trusted proxy."""
    settings = Settings(index=str(web_index_dir), data=str(tmp_path_factory.mktemp("plain")), rate_limit=0)
    running = webserver.start(settings, embedder)
    running.runtime.log.add_staff("dave", "correct-horse-battery")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def proxied(tmp_path_factory, web_index_dir, embedder):
    """A server allowing 2 questions a minute that trusts the proxy at 127.0.0.2 only."""
    settings = Settings(
        index=str(web_index_dir),
        data=str(tmp_path_factory.mktemp("proxied")),
        rate_limit=2,
        trusted_proxies="127.0.0.2",
    )
    running = webserver.start(settings, embedder)
    yield running
    running.stop()


# ---------------------------------------------------------------- row 3: staff sign-in limit


def test_sign_in_limit_counts_parallel_guesses_and_spares_other_addresses(plain):
    names = [" dave", "dave ", "DAVE", "dave", "\tdave", "Dave "]

    def guess(n: int) -> int:
        return httpx.post(
            plain.url + "/staff/login",
            timeout=60,
            data={"name": names[n % len(names)], "password": f"wrong-guess-{n:04d}"},
        ).status_code

    with concurrent.futures.ThreadPoolExecutor(40) as pool:
        codes = list(pool.map(guess, range(40)))
    assert codes.count(401) == 5 and codes.count(429) == 35, codes  # 5 checked, all at once
    # The right password from the guessing address waits too, whatever the spelling ...
    r = httpx.post(plain.url + "/staff/login", data={"name": " dave ", "password": "correct-horse-battery"})
    assert r.status_code == 429 and "Try again in about 15 minutes" in r.text
    assert 14 * 60 <= int(r.headers["retry-after"]) <= 15 * 60
    # ... but the real staff member at another address signs in.
    with client_from("127.0.0.2") as c:
        r = c.post(plain.url + "/staff/login", data={"name": " dave ", "password": "correct-horse-battery"})
        assert r.status_code == 303 and r.cookies.get("askclinic_staff")
    # One address may try 20 names (a sprayer), then it waits too.
    with client_from("127.0.0.3") as c:
        codes = [
            c.post(plain.url + "/staff/login", data={"name": f"user{n}", "password": "x" * 12}).status_code
            for n in range(21)
        ]
    assert codes == [401] * 20 + [429]
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "5 failed sign-ins per 15 minutes for one name from one address" in readme
    assert "20 per 15 minutes from one address" in readme


# ---------------------------------------------------------------- rows 4, 6: sizes


def test_context_is_cut_before_embedding_and_logging(plain):
    context = " ".join(
        f"Does Botox help with migraine number {n} and neck pain {n * 7}?" for n in range(1200)
    )[:58000]  # under the body limit
    started = time.monotonic()
    r = httpx.post(plain.url + "/api/ask", json={"q": "what about side effects?", "context": context})
    took = time.monotonic() - started
    assert r.status_code == 200 and r.json()["excerpts"][0]["article_id"].startswith("botox")
    stored = plain.runtime.log.get(r.json()["id"]).context
    assert stored.startswith("Does Botox help") and len(stored) <= Settings().max_question_chars
    assert took < 4, took  # before the cut each of its 1,200 sentences was embedded: 12 s


def _raw_post(url: str, path: str, head: str, body_chunks, deadline: float = 10.0) -> tuple[int, float]:
    """POST with a hand-written head over a raw socket, feeding `body_chunks` until the server
    answers; returns (status, seconds until the status line)."""
    host, port = urlsplit(url).hostname, urlsplit(url).port
    started = time.monotonic()
    with socket.create_connection((host, port), timeout=2) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{head}\r\n".encode())
        for chunk in body_chunks:
            if select.select([s], [], [], 0)[0] or time.monotonic() - started > deadline:
                break  # the server has answered (or given up on us)
            try:
                s.sendall(chunk)
            except OSError:  # it stopped reading: the answer is on its way
                break
        s.settimeout(deadline)
        got = b""
        while b"\r\n" not in got:
            got += s.recv(65536)
    return int(got.split()[1]), time.monotonic() - started


@pytest.mark.parametrize("path", ["/api/ask", "/gradio_api/queue/join", "/widget/gradio_api/queue/join"])
def test_large_bodies_are_refused_before_they_are_read(plain, path):
    before = rss_mb()
    # a declared 200 MB body: 413 at once, nothing read
    status, took = _raw_post(
        plain.url,
        path,
        "Content-Type: application/json\r\nContent-Length: 200000000\r\n",
        [b'{"q": "' + b"a" * 60000],
    )
    assert status == 413 and took < 2
    # a chunked body of no declared size: 413 once the limit is passed, not at its end
    piece = b"a" * 65536
    chunks = (b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(3200))  # up to 200 MB
    status, took = _raw_post(
        plain.url, path, "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n", chunks
    )
    assert status == 413 and took < 5
    assert rss_mb() - before < 30  # the server held at most the limit


def test_rate_limit_is_checked_before_the_body_is_parsed(proxied):
    codes = [httpx.post(proxied.url + "/api/ask", content=b"{not json").status_code for _ in range(3)]
    assert codes == [400, 400, 429]


def test_a_huge_question_is_cut_before_clean_up():
    started = time.monotonic()
    checked = check("Does Botox help neck pain? " + "\u00a0 x\x07 " * 2_000_000, Settings())  # 10 MB
    assert time.monotonic() - started < 1.0
    assert len(checked.question) == 1000 and checked.notice.startswith("Your question was long")


# ---------------------------------------------------------------- row 5: the log cannot be written


def test_answer_is_served_when_the_log_cannot_be_written(plain, capsys):
    log = plain.runtime.log
    with log.lock:
        log.db.execute("PRAGMA max_page_count = 1")  # SQLite's 'database or disk is full'
    try:
        answers = [
            httpx.get(plain.url + "/api/ask", params={"q": f"Does Botox help neck pain? ({n})"}, timeout=60)
            for n in range(12)
        ]
        assert all(r.status_code == 200 for r in answers)
        assert all(r.json()["status"] == "answered" and r.json()["excerpts"] for r in answers)
        assert answers[-1].json()["id"] is None
        health = httpx.get(plain.url + "/healthz").json()
        assert health["status"] == "ok" and "full" in health["log_error"]
        assert capsys.readouterr().err.count("could not write to the question log") == 1
        urgent = plain.runtime.answer("I have the worst headache of my life right now", None, "chat")
        assert urgent.status == "emergency" and "911" in urgent.message  # the chat's path too
    finally:
        with log.lock:
            log.db.execute("PRAGMA max_page_count = 1073741823")
    r = httpx.get(plain.url + "/api/ask", params={"q": "Does Botox help neck pain?"}, timeout=60)
    assert r.json()["id"] and httpx.get(plain.url + "/healthz").json()["log_error"] is None


# ---------------------------------------------------------------- row 13: odd input


def test_lone_surrogates_and_deep_json_get_400_with_a_message(plain):
    for body in ('{"q": "\\ud800 does botox help?"}', '{"q": "botox?", "context": "x \\udfff"}'):
        r = httpx.post(plain.url + "/api/ask", content=body.encode())
        assert r.status_code == 400 and "surrogate" in r.json()["message"]
    deep = b"[" * 30000 + b"]" * 30000  # 60 KB: under the body limit, nested 30,000 deep
    for path in ("/api/ask", "/api/feedback"):
        r = httpx.post(plain.url + path, content=deep)
        assert r.status_code == 400 and r.json()["message"].startswith("Send JSON")
    r = httpx.post(plain.url + "/api/feedback", content=b'{"id": "x", "rating": "up", "comment": "\\ud800"}')
    assert r.status_code == 400 and "surrogate" in r.json()["message"]
    # the chat passes text on as it came: it is answered and logged, the surrogate replaced
    ans = plain.runtime.answer("\ud800 Does Botox help neck pain?", "\udc00", "chat")
    assert ans.status == "answered" and plain.runtime.log.get(ans.id).question.startswith("? Does")


# ---------------------------------------------------------------- row 14: article URLs


def test_api_and_cli_give_no_javascript_urls(web, web_index_dir, capsys):
    r = httpx.get(web.url + "/api/ask", params={"q": "What is a zebra-stripe aura?"}, timeout=60)
    hostile = [e for e in r.json()["excerpts"] if e["article_id"] == "hostile-zebra-aura"]
    assert hostile and all(e["url"] is None and e["deep_url"] is None for e in hostile)
    assert all(e["url"].startswith("https://") for e in r.json()["excerpts"] if e["url"])

    assert cli.main(["ask", "--index", str(web_index_dir), "--json", "What is a zebra-stripe aura?"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [e["url"] for e in out["excerpts"] if e["article_id"] == "hostile-zebra-aura"] == [None]
    assert cli.main(["ask", "--index", str(web_index_dir), "What is a zebra-stripe aura?"]) == 0
    out = capsys.readouterr().out
    assert "Zebra-stripe aura" in out and "javascript" not in out.lower()


# ---------------------------------------------------------------- rows 15-17: headers


def test_staff_console_sends_no_cors_headers(plain):
    token = plain.runtime.log.start_session("dave", 1)
    for path in ("/staff/config", "/staff/gradio_api/info"):
        r = httpx.get(
            plain.url + path,
            cookies={"askclinic_staff": token},
            headers={"Origin": "http://evil.example", "Host": "ask.clinic.example"},
        )
        assert r.status_code == 200, path
        assert not [h for h in r.headers if h.lower().startswith("access-control-")], (path, r.headers)


def test_config_is_not_cached_and_ignores_forwarded_host_from_strangers(proxied):
    for path in ("/config", "/widget/config"):
        r = httpx.get(proxied.url + path, headers={"X-Forwarded-Host": "evil.example"})
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
        assert "evil.example" not in r.json()["root"]
    with client_from("127.0.0.2") as proxy:  # the configured proxy may say which host it serves
        r = proxy.get(proxied.url + "/config", headers={"X-Forwarded-Host": "ask.clinic.example"})
        assert r.json()["root"].startswith("http://ask.clinic.example")


def test_forwarded_for_is_believed_only_from_the_configured_proxy(proxied):
    def codes(client, forwarded: str) -> list[int]:
        return [
            client.get(
                proxied.url + "/api/ask", params={"q": QUICK}, headers={"X-Forwarded-For": forwarded}
            ).status_code
            for _ in range(3)
        ]

    with client_from("127.0.0.2") as proxy:  # each patient behind the proxy has a bucket
        assert codes(proxy, "203.0.113.7") == [200, 200, 429]
        assert codes(proxy, "198.51.100.1, 203.0.113.8") == [200, 200, 429]
    with client_from("127.0.0.4") as stranger:  # a made-up header changes nothing
        assert [
            stranger.get(
                proxied.url + "/api/ask", params={"q": QUICK}, headers={"X-Forwarded-For": f"192.0.2.{n}"}
            ).status_code
            for n in range(3)
        ] == [200, 200, 429]


def test_trusted_proxies_setting_is_checked():
    from askclinic.errors import ConfigError
    from askclinic.config import trusted_networks

    assert len(trusted_networks("127.0.0.1, 10.0.0.0/8 ::1")) == 3
    with pytest.raises(ConfigError, match="ASKCLINIC_TRUSTED_PROXIES"):
        trusted_networks("proxy.local")


# ---------------------------------------------------------------- row 12: a damaged index


def _damage(index: Path, what: str) -> Path:
    version = index / (index / "current").read_text().strip()
    if what == "dense.faiss":
        data = (version / "dense.faiss").read_bytes()
        (version / "dense.faiss").write_bytes(data[: len(data) // 2])
        return version / "dense.faiss"
    if what == "manifest.json":
        (version / "manifest.json").write_text('{"schema_version": ')
        return version / "manifest.json"
    if what == "current":
        (index / "current").write_bytes(b"\x00\xffno-such-version")
        return index / "current"
    lines = (version / "chunks.jsonl").read_text().splitlines()
    (version / "chunks.jsonl").write_text("\n".join(lines[:3] + ['{"id": "c1", "text": tru'] + lines[4:]))
    return version / "chunks.jsonl"


@pytest.mark.parametrize("what", ["dense.faiss", "manifest.json", "current", "chunks.jsonl"])
def test_cli_names_the_damaged_index_file_and_the_fix(tmp_path, sample_index_dir, capsys, what):
    index = tmp_path / "index"
    shutil.copytree(sample_index_dir, index)
    damaged = _damage(index, what)
    assert cli.main(["ask", "--index", str(index), "--retriever", "bm25", "Does Botox help?"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(damaged.name) in err and f"--index {index} --rebuild" in err


def test_server_answers_503_on_a_damaged_index_and_recovers(tmp_path, sample_index_dir, embedder):
    index = tmp_path / "index"
    shutil.copytree(sample_index_dir, index)
    good = (index / (index / "current").read_text().strip() / "dense.faiss").read_bytes()
    damaged = _damage(index, "dense.faiss")
    running = webserver.start(Settings(index=str(index), data=str(tmp_path / "data")), embedder)
    try:
        r = httpx.get(running.url + "/healthz")
        assert (
            r.status_code == 503 and "dense.faiss" in r.json()["error"] and "--rebuild" in r.json()["error"]
        )
        r = httpx.get(running.url + "/api/ask", params={"q": "Does Botox help neck pain?"})
        assert r.status_code == 503 and "dense.faiss" in r.json()["detail"]
        damaged.write_bytes(good)  # fixed: picked up on a later try, no restart
        end = time.monotonic() + 20
        while httpx.get(running.url + "/healthz").status_code != 200:
            assert time.monotonic() < end, "the repaired index was not picked up"
            time.sleep(0.5)
        assert (
            httpx.get(
                running.url + "/api/ask", params={"q": "Does Botox help neck pain?"}, timeout=60
            ).json()["status"]
            == "answered"
        )
    finally:
        running.stop()
