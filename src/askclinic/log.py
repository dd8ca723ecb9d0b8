"""The question log: one SQLite file in the data folder holding the questions patients asked
(redacted), the excerpts they were shown, their feedback, staff reviews, staff users and their
sessions, and the queries the staff console, the export and the patient pages run on it. Rows
older than the retention period are deleted with SQLite's secure_delete on. Opening the file
and its schema (named migrations) are in logdb."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from .errors import AskclinicError
from .logdb import now, open_db, stamp
from .models import Answer
from .passwords import hash_password, token_hash, verify_nothing, verify_password

DB_NAME = "askclinic.db"
FILTERS = ("no_match", "thumbs_down", "emergency", "other_language", "unreviewed")
# The kinds of question a staff member can pick; picked kinds combine with OR ("no match or
# thumbs down"), and "unreviewed" narrows whatever they show.
_KIND_SQL = {
    "no_match": "q.status = 'no_match'",
    "thumbs_down": "f.rating = -1",
    "emergency": "q.status = 'emergency'",
    "other_language": "q.language = 'other'",
}
MIN_PASSWORD = 10
# A patient's rating of an answer: +1 / -1 in the log, "up" / "down" in the API, the patient
# page and the export (rating_label), "helpful" / "not helpful" in the staff console (rating_words).
RATINGS = {"up": 1, "down": -1}


# ---------------------------------------------------------------- the log


@dataclass
class Entry:
    """One question as the staff console shows it."""

    id: str
    asked_at: str
    question: str
    context: str | None
    status: str
    excerpts: list[dict]
    index_version: str | None
    channel: str
    latency_ms: int | None
    rating: int | None
    comment: str | None
    reviewer: str | None
    note: str | None
    reviewed_at: str | None
    language: str | None = None  # "other" when the question was not in English


_SELECT = """
    SELECT q.id, q.asked_at, q.question, q.context, q.status, q.excerpts, q.index_version,
           q.channel, q.latency_ms, f.rating, f.comment, r.reviewer, r.note, r.reviewed_at,
           q.language
    FROM questions q LEFT JOIN feedback f ON f.question_id = q.id
                     LEFT JOIN reviews r ON r.question_id = q.id
"""


class Log:
    """The SQLite file behind the staff console. One connection shared by the server's
    threads under a lock (writes are a few rows per question)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.db = open_db(self.path)
        self.lock = threading.RLock()

    @classmethod
    def in_folder(cls, folder: str | Path) -> "Log":
        return cls(Path(folder) / DB_NAME)

    def close(self) -> None:
        with self.lock:
            self.db.close()

    # ------------------------------------------------------------ questions

    def record(
        self,
        answer: Answer,
        question: str,
        context: str | None,
        channel: str,
        index_version: str | None,
        latency_ms: int | None = None,
        when: dt.datetime | None = None,
    ) -> str:
        """Store one answered question; `question` and `context` must already be redacted.
        Returns the new row's id."""
        qid = secrets.token_urlsafe(12)
        shown = [
            {
                "n": e.n,
                "article_id": e.article_id,
                "title": e.title,
                "text": e.text,
                "highlights": e.highlights,
            }
            for e in answer.excerpts
        ]
        with self.lock, self.db:
            self.db.execute(
                "INSERT INTO questions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    qid,
                    stamp(when),
                    question,
                    context,
                    answer.status,
                    json.dumps(shown, ensure_ascii=False),
                    index_version,
                    channel,
                    latency_ms,
                    _language(answer),
                ),
            )
        return qid

    def feedback(self, qid: str, rating: int, comment: str | None = None) -> bool:
        """Set the rating (+1/-1) of an answer and, when given, its (redacted) comment;
        False when the answer is not in the log (any more)."""
        if rating not in (1, -1):
            raise ValueError(f"rating must be 1 or -1, not {rating!r}")
        with self.lock, self.db:
            if not self.db.execute("SELECT 1 FROM questions WHERE id = ?", (qid,)).fetchone():
                return False
            self.db.execute(
                "INSERT INTO feedback VALUES (?, ?, ?, ?) ON CONFLICT (question_id) DO UPDATE SET "
                "rating = excluded.rating, comment = COALESCE(excluded.comment, feedback.comment), "
                "given_at = excluded.given_at",
                (qid, rating, comment or None, stamp()),
            )
        return True

    def review(self, qid: str, reviewer: str, note: str = "") -> bool:
        with self.lock, self.db:
            if not self.db.execute("SELECT 1 FROM questions WHERE id = ?", (qid,)).fetchone():
                return False
            self.db.execute(
                "INSERT OR REPLACE INTO reviews VALUES (?, ?, ?, ?)",
                (qid, reviewer, note.strip() or None, stamp()),
            )
        return True

    def entries(
        self, filters: tuple[str, ...] | list[str] = (), search: str = "", limit: int | None = 200
    ) -> tuple[list[Entry], int]:
        """Entries newest first of any of the chosen kinds (see FILTERS; "unreviewed" narrows
        them) that contain the search text; also the number of matches without the limit."""
        where, args = [], []
        for f in filters:
            if f not in FILTERS:
                raise ValueError(f"filter must be one of {', '.join(FILTERS)}, not {f!r}")
        kinds = [_KIND_SQL[f] for f in FILTERS if f in filters and f in _KIND_SQL]
        if kinds:
            where.append("(" + " OR ".join(kinds) + ")")
        if "unreviewed" in filters:
            where.append("r.question_id IS NULL")
        if search.strip():
            like = "%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append(
                "(q.question LIKE ? ESCAPE '\\' OR q.context LIKE ? ESCAPE '\\' "
                "OR f.comment LIKE ? ESCAPE '\\' OR r.note LIKE ? ESCAPE '\\')"
            )
            args += [like] * 4
        sql_where = (" WHERE " + " AND ".join(where)) if where else ""
        with self.lock:
            total = self.db.execute(f"SELECT COUNT(*) FROM ({_SELECT}{sql_where})", args).fetchone()[0]
            sql = f"{_SELECT}{sql_where} ORDER BY q.asked_at DESC, q.rowid DESC"
            if limit:
                sql += f" LIMIT {int(limit)}"
            rows = self.db.execute(sql, args).fetchall()
        return [Entry(*r[:5], json.loads(r[5]), *r[6:]) for r in rows], total

    def get(self, qid: str) -> Entry | None:
        with self.lock:
            r = self.db.execute(_SELECT + " WHERE q.id = ?", (qid,)).fetchone()
        return Entry(*r[:5], json.loads(r[5]), *r[6:]) if r else None

    def dismiss(self, questions: list[str], by: str) -> None:
        """Remember that these questions are not relevant for "What to write next"."""
        with self.lock, self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO dismissed VALUES (?, ?, ?)",
                [(question_key(q), by, stamp()) for q in questions if question_key(q)],
            )

    def dismissed(self) -> set[str]:
        with self.lock:
            return {r[0] for r in self.db.execute("SELECT question_key FROM dismissed")}

    def purge(self, days: int, when: dt.datetime | None = None) -> int:
        """Delete questions (with their feedback and reviews) older than `days` days, and
        expired staff sessions; return how many questions went."""
        cutoff = stamp((when or now()) - dt.timedelta(days=days))
        with self.lock:
            with self.db:
                n = self.db.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,)).rowcount
                self.db.execute("DELETE FROM sessions WHERE expires_at < ?", (stamp(when),))
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return n

    # ------------------------------------------------------------ staff users

    def add_staff(self, name: str, password: str, replace: bool = False) -> None:
        name = name.strip()
        if not name or len(name) > 64 or any(c.isspace() for c in name):
            raise AskclinicError("a staff name is 1-64 characters with no spaces")
        if len(password) < MIN_PASSWORD:
            raise AskclinicError(f"the password must be at least {MIN_PASSWORD} characters")
        with self.lock, self.db:
            exists = self.db.execute("SELECT 1 FROM staff WHERE name = ?", (name,)).fetchone()
            if exists and not replace:
                raise AskclinicError(
                    f"staff user {name!r} already exists; to change the "
                    f"password: askclinic staff passwd {name} --password-stdin"
                )
            if not exists and replace:
                raise AskclinicError(
                    f"no staff user {name!r}; add one with: askclinic staff add {name} --password-stdin"
                )
            if exists:
                self.db.execute(
                    "UPDATE staff SET password = ? WHERE name = ?", (hash_password(password), name)
                )
                self.db.execute("DELETE FROM sessions WHERE name = ?", (name,))
            else:
                self.db.execute(
                    "INSERT INTO staff VALUES (?, ?, ?, NULL)", (name, hash_password(password), stamp())
                )

    def remove_staff(self, name: str) -> bool:
        with self.lock, self.db:
            self.db.execute("DELETE FROM sessions WHERE name = ?", (name,))
            return self.db.execute("DELETE FROM staff WHERE name = ?", (name,)).rowcount > 0

    def staff(self) -> list[tuple[str, str, str | None]]:
        with self.lock:
            return self.db.execute(
                "SELECT name, created_at, last_login_at FROM staff ORDER BY name"
            ).fetchall()

    def check_login(self, name: str, password: str) -> bool:
        """True when the name and password match; takes as long for an unknown name."""
        with self.lock:
            row = self.db.execute("SELECT password FROM staff WHERE name = ?", (name,)).fetchone()
        if row is None:
            verify_nothing(password)
            return False
        return verify_password(password, row[0])

    def start_session(self, name: str, hours: float) -> str:
        token = secrets.token_urlsafe(32)
        with self.lock, self.db:
            self.db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?)",
                (token_hash(token), name, stamp(), stamp(now() + dt.timedelta(hours=hours))),
            )
            self.db.execute("UPDATE staff SET last_login_at = ? WHERE name = ?", (stamp(), name))
        return token

    def session_user(self, token: str | None) -> str | None:
        if not token:
            return None
        with self.lock:
            row = self.db.execute(
                "SELECT name FROM sessions WHERE token_hash = ? AND expires_at > ?",
                (token_hash(token), stamp()),
            ).fetchone()
        return row[0] if row else None

    def end_session(self, token: str | None) -> None:
        if token:
            with self.lock, self.db:
                self.db.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash(token),))


def question_key(question: str) -> str:
    """The same question however it was typed: lower case, spaces collapsed, no end marks."""
    return " ".join(question.lower().split()).strip(" ?!.")


def _language(answer: Answer) -> str | None:
    """'other' for a question not in English (its fixed messages are in another language,
    or it was refused for its language), else None."""
    lang = getattr(answer, "language", None) or "en"
    return "other" if lang != "en" or getattr(answer, "kind", None) == "language" else None


# ---------------------------------------------------------------- export

CSV_COLUMNS = [
    "asked_at_utc",
    "question",
    "context",
    "status",
    "excerpts_shown",
    "index_version",
    "channel",
    "feedback",
    "comment",
    "reviewed_by",
    "review_note",
    "reviewed_at_utc",
]


def _cell(value) -> str:
    """Text for a spreadsheet cell; a leading = + - @ is quoted so no formula runs."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def excerpts_label(excerpts: list[dict]) -> str:
    """'[1, 2] Botox for neck pain; [3] Caffeine and headaches'."""
    by_title: dict[str, list[str]] = {}
    for e in excerpts:
        by_title.setdefault(e["title"], []).append(str(e["n"]))
    return "; ".join(f"[{', '.join(ns)}] {title}" for title, ns in by_title.items())


def rating_label(rating: int | None) -> str:
    """'up', 'down' or '' (not rated): the export's, the API's and the patient page's name."""
    return next((name for name, value in RATINGS.items() if value == rating), "")


def rating_words(rating: int | None) -> str:
    """'helpful', 'not helpful' or '' (not rated): how the staff console says it."""
    return {1: "helpful", -1: "not helpful"}.get(rating, "")


def to_csv(entries: list[Entry]) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)
    for e in entries:
        w.writerow(
            [
                _cell(v)
                for v in (
                    e.asked_at,
                    e.question,
                    e.context,
                    e.status,
                    excerpts_label(e.excerpts),
                    e.index_version,
                    e.channel,
                    rating_label(e.rating),
                    e.comment,
                    e.reviewer,
                    e.note,
                    e.reviewed_at,
                )
            ]
        )
    return out.getvalue()
