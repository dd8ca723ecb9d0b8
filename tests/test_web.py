"""The web server over HTTP on 127.0.0.1 (real uvicorn, real model, real SQLite): the JSON API,
health, headers, the staff sign-in and what is closed without it, rate limits, the rebuild;
plus the HTML rendering and the grouping behind "What to write next"."""

from __future__ import annotations

import datetime as dt
import shutil
import time

import httpx
import pytest

import webserver
from askclinic.config import Settings
from askclinic.errors import ConfigError
from askclinic.models import Answer
from conftest import ROOT
from helpers import free_port

pytestmark = pytest.mark.model
CONTRACT = {"id", "question", "status", "message", "excerpts", "ranking"}


@pytest.fixture(scope="module")
def limited(tmp_path_factory, web_index_dir, embedder):
    """A second server with a rate limit of 3 questions a minute."""
    settings = Settings(index=str(web_index_dir), data=str(tmp_path_factory.mktemp("limited")), rate_limit=3)
    running = webserver.start(settings, embedder)
    running.runtime.log.add_staff("bob", "correct-horse-battery")
    yield running
    running.stop()


def test_healthz_reports_the_index_version(web, web_index_dir):
    r = httpx.get(web.url + "/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["index_version"] == (web_index_dir / "current").read_text().strip()
    assert body["articles"] == 27 and body["model"] == "all-MiniLM-L6-v2"


def test_api_ask_contract_with_id_and_a_redacted_log_row(web):
    q = "Does Botox help neck pain? Call me at 555-123-4567"
    r = httpx.get(web.url + "/api/ask", params={"q": q}, timeout=60)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    ans = r.json()
    assert set(ans) >= CONTRACT and ans["status"] == "answered" and ans["id"]
    assert ans["excerpts"][0]["article_id"] == "botox-neck-upper-back-pain"
    row = web.runtime.log.get(ans["id"])
    assert row.question == "Does Botox help neck pain? Call me at [PHONE]"
    assert row.index_version == httpx.get(web.url + "/healthz").json()["index_version"]
    assert row.channel == "api" and [e["n"] for e in row.excerpts] == [e["n"] for e in ans["excerpts"]]

    r = httpx.post(
        web.url + "/api/ask",
        json={"q": "what about side effects?", "context": "Does Botox help with chronic migraine?"},
        timeout=60,
    )
    assert r.json()["excerpts"][0]["article_id"].startswith("botox")
    assert web.runtime.log.get(r.json()["id"]).context == "Does Botox help with chronic migraine?"
    assert httpx.get(web.url + "/api/ask").status_code == 400
    assert httpx.post(web.url + "/api/ask", content=b"not json").status_code == 400


def test_feedback_api_stores_rating_and_redacted_comment(web):
    qid = httpx.get(web.url + "/api/ask", params={"q": "Is coffee bad for migraines?"}, timeout=60).json()[
        "id"
    ]
    r = httpx.post(
        web.url + "/api/feedback",
        json={"id": qid, "rating": "down", "comment": "write to me at ann@example.com"},
    )
    assert r.status_code == 200 and r.json() == {"ok": True}
    row = web.runtime.log.get(qid)
    assert (row.rating, row.comment) == (-1, "write to me at [EMAIL]")
    assert httpx.post(web.url + "/api/feedback", json={"id": "nope", "rating": "up"}).status_code == 404
    assert httpx.post(web.url + "/api/feedback", json={"id": qid, "rating": "meh"}).status_code == 400


def test_security_headers(web):
    patient = f"frame-ancestors 'self' http://127.0.0.1:{web.host_port}"
    for path, ancestors in (
        ("/", patient),
        ("/widget/", patient),
        ("/healthz", patient),
        ("/staff/login", "frame-ancestors 'none'"),
        ("/api/ask?q=hi", "frame-ancestors 'none'"),
    ):
        h = httpx.get(web.url + path, timeout=60).headers
        assert h["content-security-policy"].endswith(ancestors), path
        assert (
            "default-src 'self'" in h["content-security-policy"]
            and "connect-src 'self'" in h["content-security-policy"]
        )
        assert h["x-content-type-options"] == "nosniff" and h["referrer-policy"] == "same-origin"
    assert httpx.get(web.url + "/staff/login").headers["x-frame-options"] == "DENY"
    assert httpx.get(web.url + "/embed.js").headers["content-type"].startswith("text/javascript")


def test_frame_ancestors_setting_is_checked():
    from askclinic.config import check_frame_ancestors

    assert check_frame_ancestors("'self'  https://www.clinic.example") == "'self' https://www.clinic.example"
    for bad in ("'self'; script-src *", "https://a.example\r\nX-Evil: 1", ""):
        with pytest.raises(ConfigError, match="ASKCLINIC_FRAME_ANCESTORS"):
            check_frame_ancestors(bad)


def test_staff_area_is_closed_without_a_session(web):
    web.runtime.log.record(Answer("q", "no_match", "m"), "secret staff-only question", None, "chat", "v")
    r = httpx.get(web.url + "/staff/")
    assert r.status_code == 303 and r.headers["location"] == "/staff/login"
    for method, path in (
        ("GET", "/staff/config"),
        ("GET", "/staff/gradio_api/info"),
        ("POST", "/staff/gradio_api/queue/join"),
        ("POST", "/staff/gradio_api/run/predict"),
        ("GET", "/staff/export.csv"),
        ("GET", "/staff/theme.css"),
    ):
        r = httpx.request(method, web.url + path, json={})
        assert r.status_code == 401, path
        assert "secret staff-only" not in r.text
    forged = httpx.get(web.url + "/staff/config", cookies={"askclinic_staff": "forged"})
    assert forged.status_code == 401


def test_staff_sign_in_cookie_and_what_it_opens(web):
    with httpx.Client(base_url=web.url, follow_redirects=False) as c:
        assert c.post("/staff/login", data={"name": "alice", "password": "wrong-password"}).status_code == 401
        r = c.post("/staff/login", data={"name": "alice", "password": "correct-horse-battery"})
        assert r.status_code == 303 and r.headers["location"] == "/staff/"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/staff" in cookie
        assert c.get("/staff/config").status_code == 200
        assert c.get("/staff/export.csv").headers["content-type"].startswith("text/csv")
        assert c.post("/staff/gradio_api/upload").status_code == 404  # closed even when signed in
        assert (
            c.post(
                "/staff/login",
                data={"name": "alice", "password": "correct-horse-battery"},
                headers={"Origin": "http://evil.example"},
            ).status_code
            == 403
        )
        c.get("/staff/logout")
        assert c.get("/staff/config").status_code == 401


def test_gradio_extras_are_closed_on_public_pages(web):
    for path in (
        "/gradio_api/upload",
        "/gradio_api/file=/etc/passwd",
        "/gradio_api/proxy=http://x",
        "/monitoring",
        "/gradio_api/runs",
        "/gradio_api/mcp/sse",
        "/gradio_api/openapi.json",
        "/widget/gradio_api/upload",
        "/widget/gradio_api/file=/etc/passwd",
        "/docs",
        "/openapi.json",
        "/gradio_api/vibe-code",
        "/login",
    ):
        for method in ("GET", "POST"):
            assert httpx.request(method, web.url + path).status_code == 404, (method, path)
    assert httpx.get(web.url + "/").status_code == 200
    assert httpx.get(web.url + "/widget/").status_code == 200
    for mount in ("", "/widget"):  # the chat's handlers are not offered as an API
        assert httpx.get(web.url + mount + "/gradio_api/info").json() == {
            "named_endpoints": {},
            "unnamed_endpoints": {},
        }
    assert httpx.get(web.url + "/widget").status_code == 307


def test_rate_limit_on_api_and_failed_sign_ins(limited):
    codes = [
        httpx.get(
            limited.url + "/api/ask",
            params={"q": "How do I file my taxes?"},  # quick: no_match
            timeout=60,
        ).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    r = httpx.get(limited.url + "/api/ask", params={"q": "hello"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.json()["message"].startswith("You have asked many questions in a short time. Please wait about")
    assert httpx.get(limited.url + "/healthz").status_code == 200  # health checks are not limited

    for _ in range(5):
        r = httpx.post(limited.url + "/staff/login", data={"name": "bob", "password": "guess-guess-guess"})
        assert r.status_code == 401
    r = httpx.post(limited.url + "/staff/login", data={"name": "bob", "password": "correct-horse-battery"})
    assert r.status_code == 429 and "Too many failed sign-ins" in r.text


def test_rebuild_from_the_console_swaps_the_index_while_answering(tmp_path, web_index_dir, embedder):
    shutil.copytree(web_index_dir, tmp_path / "index")
    shutil.copytree(ROOT / "articles", tmp_path / "articles")
    settings = Settings(
        index=str(tmp_path / "index"),
        data=str(tmp_path / "data"),
        rate_limit=0,
        articles=str(tmp_path / "articles"),
    )
    running = webserver.start(settings, embedder)
    try:
        before = httpx.get(running.url + "/healthz").json()["index_version"]
        assert running.runtime.rebuild.start("alice")
        assert not running.runtime.rebuild.start("alice")  # one at a time
        r = httpx.get(running.url + "/api/ask", params={"q": "Does Botox help neck pain?"}, timeout=60)
        assert r.status_code == 200 and r.json()["status"] == "answered"
        end = time.monotonic() + 120
        while running.runtime.rebuild.running and time.monotonic() < end:
            time.sleep(0.2)
        status = running.runtime.rebuild.status()
        assert running.runtime.rebuild.state == "done", status
        assert "0 new, 0 changed, 1 removed, 26 unchanged" in status  # the hostile test article went
        assert "the chat now answers from the new version" in status
        after = httpx.get(running.url + "/healthz").json()
        assert after["index_version"] != before and after["articles"] == 26
    finally:
        running.stop()


# ---------------------------------------------------------------- rendering and grouping


def test_follow_up_detection():
    from askclinic.web.patient import is_follow_up

    for q in (
        "what about side effects?",
        "And for children?",
        "How long does it last?",
        "Is it safe?",
        "side effects?",
    ):
        assert is_follow_up(q), q
    for q in (
        "Is coffee bad for migraines?",
        "What are the signs of a cluster headache?",
        "Can magnesium or riboflavin prevent migraine attacks in adults?",
    ):
        assert not is_follow_up(q), q


def test_unanswered_questions_grouped_by_meaning(embedder):
    from askclinic.grouping import group_questions

    rows = [
        ("Do you take Medicare?", "2026-01-03T10:00:00Z"),
        ("do you take medicare", "2026-01-02T10:00:00Z"),
        ("Is Medicare insurance accepted at your clinic?", "2026-01-01T10:00:00Z"),
        ("Where can I park my car?", "2026-01-04T10:00:00Z"),
        ("Is there parking for patients?", "2026-01-01T09:00:00Z"),
        ("Can I bring my dog to the appointment?", "2026-01-05T10:00:00Z"),
    ]
    groups = group_questions(rows, embedder)
    assert [(g.count, g.example) for g in groups] == [
        (3, "Do you take Medicare?"),
        (2, "Where can I park my car?"),
        (1, "Can I bring my dog to the appointment?"),
    ]
    assert groups[0].others == ["Is Medicare insurance accepted at your clinic?"]
    assert groups[0].last_asked == "2026-01-03T10:00:00Z"


def test_gradio_apps_have_telemetry_off(web):
    from starlette.routing import Mount

    mounts = {m.path: m.app.get_blocks() for m in web.app.app.routes if isinstance(m, Mount)}
    assert set(mounts) == {"", "/widget", "/staff"}
    for blocks in mounts.values():
        assert blocks.analytics_enabled is False and blocks.run_history is False
        assert blocks.footer_links == [] and not blocks.enable_monitoring
    assert any(
        "askclinic" in b.title.lower() or "ask our articles" in b.title.lower() for b in mounts.values()
    )


def test_log_rows_past_retention_are_deleted_at_start_up(tmp_path, web_index_dir, embedder):
    from askclinic.log import Log

    log = Log(tmp_path / "data" / "askclinic.db")
    now = dt.datetime.now(dt.timezone.utc)
    old = log.record(Answer("q", "no_match", "m"), "old", None, "chat", "v", when=now - dt.timedelta(days=8))
    kept = log.record(
        Answer("q", "no_match", "m"), "recent", None, "chat", "v", when=now - dt.timedelta(days=6)
    )
    log.close()
    running = webserver.start(
        Settings(index=str(web_index_dir), data=str(tmp_path / "data"), log_days=7), embedder
    )
    try:
        end = time.monotonic() + 10
        while running.runtime.log.get(old) is not None and time.monotonic() < end:
            time.sleep(0.1)
        assert running.runtime.log.get(old) is None and running.runtime.log.get(kept) is not None
    finally:
        running.stop()


def test_askclinic_serve_writes_no_access_log(tmp_path, web_index_dir):
    import os
    import subprocess
    import sys

    port = free_port()
    env = {**os.environ, "ASKCLINIC_DATA": str(tmp_path), "ASKCLINIC_INDEX": str(web_index_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "askclinic.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        end = time.monotonic() + 120
        while time.monotonic() < end:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        r = httpx.get(
            f"http://127.0.0.1:{port}/api/ask", params={"q": "secret-question about Botox"}, timeout=60
        )
        assert r.status_code == 200
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert out.startswith(f"askclinic: patient chat on http://127.0.0.1:{port}/")
    assert "secret-question" not in out and "GET /api" not in out
