"""The question log's SQLite file: opening it (pragmas, owner-only permissions), its schema as
named migrations recorded in the `migrations` table, and the UTC time stamps stored in it."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Callable

from .errors import AskclinicError


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def stamp(when: dt.datetime | None = None) -> str:
    """UTC time as sortable text: 2026-01-31T09:05:00Z."""
    return (when or now()).astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- migrations


def _m001_questions(db: sqlite3.Connection) -> None:
    db.executescript("""
        CREATE TABLE questions (
            id TEXT PRIMARY KEY,           -- random; the patient's page uses it for feedback
            asked_at TEXT NOT NULL,        -- UTC, 2026-01-31T09:05:00Z
            question TEXT NOT NULL,        -- redacted
            context TEXT,                  -- previous question of a follow-up, redacted
            status TEXT NOT NULL,          -- answered | no_match | emergency | invalid
            excerpts TEXT NOT NULL,        -- JSON list of {n, article_id, title[, text, highlights]}
            index_version TEXT,
            channel TEXT NOT NULL,         -- chat | widget | api
            latency_ms INTEGER
        );
        CREATE INDEX questions_asked_at ON questions (asked_at);
        CREATE TABLE feedback (
            question_id TEXT PRIMARY KEY REFERENCES questions (id) ON DELETE CASCADE,
            rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
            comment TEXT,                  -- redacted
            given_at TEXT NOT NULL
        );
        CREATE TABLE reviews (
            question_id TEXT PRIMARY KEY REFERENCES questions (id) ON DELETE CASCADE,
            reviewer TEXT NOT NULL,
            note TEXT,
            reviewed_at TEXT NOT NULL
        );
    """)


def _m002_staff(db: sqlite3.Connection) -> None:
    db.executescript("""
        CREATE TABLE staff (
            name TEXT PRIMARY KEY,
            password TEXT NOT NULL,        -- scrypt$n$r$p$salt$hash (hex)
            created_at TEXT NOT NULL,
            last_login_at TEXT
        );
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,   -- sha256 of the cookie value
            name TEXT NOT NULL REFERENCES staff (name) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
    """)


def _m003_language_and_dismissed(db: sqlite3.Connection) -> None:
    db.executescript("""
        ALTER TABLE questions ADD COLUMN language TEXT;  -- 'other' when not asked in English
        CREATE TABLE dismissed (           -- "What to write next" groups staff marked not relevant
            question_key TEXT PRIMARY KEY, -- normalised question text (see question_key)
            dismissed_by TEXT NOT NULL,
            dismissed_at TEXT NOT NULL
        );
    """)


MIGRATIONS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = [
    ("001_questions_feedback_reviews", _m001_questions),
    ("002_staff_and_sessions", _m002_staff),
    ("003_language_and_dismissed", _m003_language_and_dismissed),
]


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply the migrations not yet recorded; return their names."""
    db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = {r[0] for r in db.execute("SELECT name FROM migrations")}
    applied = []
    for name, fn in MIGRATIONS:
        if name not in done:
            with db:
                fn(db)
                db.execute("INSERT INTO migrations VALUES (?, ?)", (name, stamp()))
            applied.append(name)
    return applied


# ---------------------------------------------------------------- the file


def open_db(path: Path) -> sqlite3.Connection:
    """Open (or create) the question log at `path` for the server's threads: foreign keys,
    secure delete and WAL on, migrations applied, the files readable by their owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        db = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
    except sqlite3.Error as e:
        raise AskclinicError(f"cannot open the question log {path}: {e}; check ASKCLINIC_DATA") from None
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA secure_delete = ON")
    db.execute("PRAGMA journal_mode = WAL")
    migrate(db)
    for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:  # the question log is for its owner only
            f.chmod(0o600)
        except OSError:
            pass
    return db
