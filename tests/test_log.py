"""The question log on a real SQLite file: migrations, what is stored, filters, retention,
CSV export, staff users and sessions."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import sqlite3
import subprocess
import sys

import pytest

from askclinic.errors import AskclinicError
from askclinic.log import Log, to_csv
from askclinic.logdb import MIGRATIONS
from askclinic.models import Answer, Excerpt


def answer(status="answered", n=2) -> Answer:
    ex = [Excerpt(i, f"art-{i}", f"Title {i}", None, None, "text", [], 0.5) for i in range(1, n + 1)]
    return Answer("q", status, "msg", ex if status == "answered" else [])


def test_migrations_are_named_recorded_and_run_once(tmp_path):
    log = Log(tmp_path / "a.db")
    names = [r[0] for r in log.db.execute("SELECT name FROM migrations ORDER BY name")]
    assert names == [name for name, _ in MIGRATIONS]
    log.close()
    again = Log(tmp_path / "a.db")  # reopening applies nothing new and keeps the rows
    assert again.db.execute("SELECT COUNT(*) FROM migrations").fetchone()[0] == len(MIGRATIONS)
    for name in ("a.db", "a.db-wal"):
        assert oct(os.stat(tmp_path / name).st_mode & 0o777) == "0o600", name
    Log(tmp_path / "new" / "b.db")
    assert oct(os.stat(tmp_path / "new").st_mode & 0o777) == "0o700"


def test_no_address_or_user_agent_columns(tmp_path):
    log = Log(tmp_path / "a.db")
    cols = {
        c[1]
        for t in ("questions", "feedback", "reviews", "sessions", "staff")
        for c in log.db.execute(f"PRAGMA table_info({t})")
    }
    assert not {c for c in cols if any(w in c for w in ("ip", "addr", "agent", "host"))}


def test_record_feedback_review_and_filters(tmp_path):
    log = Log(tmp_path / "a.db")
    a = log.record(answer(), "Does Botox help?", None, "chat", "v-1", 12)
    b = log.record(answer("no_match"), "Tax advice?", None, "api", "v-1")
    c = log.record(answer("emergency"), "worst headache of my life", None, "widget", "v-2")
    assert log.feedback(b, -1, "wanted taxes")
    assert log.feedback(b, -1) and log.get(b).comment == "wanted taxes"  # rating again keeps the comment
    assert log.feedback("nope", 1) is False
    with pytest.raises(ValueError):
        log.feedback(a, 0)
    assert log.review(a, "alice", "fine")

    assert [e.id for e in log.entries()[0]] == [c, b, a]  # newest first
    assert [e.id for e in log.entries(["no_match"])[0]] == [b]
    assert [e.id for e in log.entries(["thumbs_down"])[0]] == [b]
    assert [e.id for e in log.entries(["emergency"])[0]] == [c]
    assert [e.id for e in log.entries(["unreviewed"])[0]] == [c, b]
    assert [e.id for e in log.entries(["no_match", "unreviewed"])[0]] == [b]
    assert [e.id for e in log.entries(["no_match", "emergency"])[0]] == [c, b]  # kinds: any of
    assert (
        log.entries(["emergency", "unreviewed"])[1] == 1 and log.entries(["thumbs_down", "emergency"])[1] == 2
    )
    assert [e.id for e in log.entries([], "TAXES")[0]] == [b]  # question or comment, any case
    assert log.entries([], "100%_")[1] == 0  # LIKE wildcards are literal
    entries, total = log.entries([], "", limit=2)
    assert len(entries) == 2 and total == 3
    e = log.get(a)
    assert (e.excerpts[0], e.reviewer, e.note, e.latency_ms, e.channel) == (
        {"n": 1, "article_id": "art-1", "title": "Title 1", "text": "text", "highlights": []},
        "alice",
        "fine",
        12,
        "chat",
    )
    with pytest.raises(ValueError, match="filter must be one of"):
        log.entries(["bogus"])


def test_other_language_questions_can_be_filtered_and_dismissed_groups_are_remembered(tmp_path):
    log = Log(tmp_path / "a.db")
    spanish = Answer("q", "emergency", "Llame al 911", language="es")  # fixed text in Spanish
    refused = Answer("q", "invalid", "Our articles are in English", kind="language")
    en = log.record(answer("no_match"), "Is CBD oil good for migraine?", None, "chat", "v")
    other = log.record(refused, "Quel est le meilleur traitement?", None, "chat", "v")
    ids = [other, log.record(spanish, "me duele la cabeza", None, "chat", "v")]
    assert {e.id for e in log.entries(["other_language"])[0]} == set(ids)
    assert {e.id for e in log.entries(["other_language", "no_match"])[0]} == set(ids) | {en}
    assert log.get(en).language is None and log.get(other).language == "other"
    log.dismiss(["  Is CBD oil good for MIGRAINE ? "], "alice")
    log.close()
    again = Log(tmp_path / "a.db")  # remembered across restarts, however it was typed
    assert again.dismissed() == {"is cbd oil good for migraine"}


def test_purge_deletes_old_rows_feedback_and_sessions_with_secure_delete(tmp_path):
    log = Log(tmp_path / "a.db")
    now = dt.datetime.now(dt.timezone.utc)
    old = log.record(
        answer(), "old question 555-0100-secret", None, "chat", "v", when=now - dt.timedelta(days=91)
    )
    new = log.record(answer(), "new question", None, "chat", "v", when=now - dt.timedelta(days=89))
    log.feedback(old, -1, "old comment")
    assert log.db.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert log.purge(90) == 1
    assert log.get(old) is None and log.get(new) is not None
    assert log.db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 0  # cascaded
    log.close()
    assert b"old question" not in (tmp_path / "a.db").read_bytes()  # overwritten, not just unlinked


def test_csv_export_quotes_formulas(tmp_path):
    log = Log(tmp_path / "a.db")
    qid = log.record(answer(), '=HYPERLINK("http://x") is this safe?', None, "chat", "v")
    log.feedback(qid, -1, "+1 for more")
    rows = list(csv.reader(io.StringIO(to_csv(log.entries()[0]))))
    assert rows[0][:4] == ["asked_at_utc", "question", "context", "status"]
    assert rows[1][1].startswith("'=HYPERLINK") and rows[1][8] == "'+1 for more"
    assert rows[1][4] == "[1] Title 1; [2] Title 2" and rows[1][7] == "down"


def test_staff_passwords_and_sessions(tmp_path):
    log = Log(tmp_path / "a.db")
    log.add_staff("alice", "correct-horse-battery")
    stored = log.db.execute("SELECT password FROM staff").fetchone()[0]
    assert stored.startswith("scrypt$") and "correct-horse" not in stored
    assert log.check_login("alice", "correct-horse-battery")
    assert not log.check_login("alice", "wrong-password-123")
    assert not log.check_login("bob", "correct-horse-battery")
    with pytest.raises(AskclinicError, match="already exists"):
        log.add_staff("alice", "another-password")
    with pytest.raises(AskclinicError, match="at least 10"):
        log.add_staff("bob", "short")

    token = log.start_session("alice", hours=1)
    assert log.session_user(token) == "alice"
    assert log.session_user("forged") is None
    assert token not in str(log.db.execute("SELECT * FROM sessions").fetchall())  # only its hash
    log.add_staff("alice", "a-new-password-1", replace=True)  # a new password ends sessions
    assert log.session_user(token) is None
    expired = log.start_session("alice", hours=-1)
    assert log.session_user(expired) is None
    log.end_session(log.start_session("alice", 1))
    assert log.db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1  # the expired one
    log.purge(90)
    assert log.db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0


def test_cli_staff_add_with_password_stdin(tmp_path):
    env = {**os.environ, "ASKCLINIC_DATA": str(tmp_path)}

    def run(*args, stdin=""):
        return subprocess.run(
            [sys.executable, "-m", "askclinic.cli", "staff", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )

    r = run("add", "alice", "--password-stdin", stdin="correct-horse-battery\n")
    assert r.returncode == 0 and r.stdout.startswith("staff user alice added"), r.stderr
    assert Log.in_folder(tmp_path).check_login("alice", "correct-horse-battery")
    r = run("add", "alice", "--password-stdin", stdin="correct-horse-battery\n")
    assert r.returncode == 2 and "askclinic staff passwd alice --password-stdin" in r.stderr
    assert run("list").stdout.startswith("alice\tadded ")
    assert run("remove", "alice").returncode == 0
    assert run("remove", "alice").returncode == 2
    r = run("add", "bob")  # no terminal and no --password-stdin
    assert r.returncode == 2 and "--password-stdin" in r.stderr
    conn = sqlite3.connect(tmp_path / "askclinic.db")
    assert conn.execute("SELECT COUNT(*) FROM staff").fetchone()[0] == 0
