"""What the routes and the Gradio apps share at run time: the live index, the embedder, the
question log, the per-client rate limits, and the console's background "Rebuild index"."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import sys
import threading
import time

from ..answer import ask
from ..config import Settings, trusted_networks
from ..errors import AskclinicError
from ..log import Log
from ..models import Answer
from ..privacy import redact
from ..safety import clean
from . import guard


class RateLimiter:
    """Token bucket per client: `limit` requests per `period` seconds, refilled smoothly.
    Clients are keyed by a salted hash of their address, kept in memory only."""

    def __init__(self, limit: int, period: float = 60.0):
        self.limit, self.period = limit, period
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def _tokens(self, key: str, t: float) -> float:
        tokens, last = self.buckets.get(key, (float(self.limit), t))
        return min(float(self.limit), tokens + (t - last) * self.limit / self.period)

    def wait(self, key: str) -> float:
        """Seconds until `key` may make a request (0: now)."""
        if self.limit <= 0:
            return 0.0
        with self.lock:
            tokens = self._tokens(key, time.monotonic())
        return 0.0 if tokens >= 1 else (1 - tokens) * self.period / self.limit

    def hit(self, key: str) -> float:
        """Count one request; return 0 when allowed, else the seconds to wait."""
        if self.limit <= 0:
            return 0.0
        with self.lock:
            t = time.monotonic()
            tokens = self._tokens(key, t)
            if tokens < 1:
                return (1 - tokens) * self.period / self.limit
            self.buckets[key] = (tokens - 1, t)
            if len(self.buckets) > 50_000:  # forget clients whose bucket is full again
                full = [k for k in self.buckets if self._tokens(k, t) >= self.limit]
                for k in full:
                    del self.buckets[k]
            return 0.0


def rate_message(wait: float) -> str:
    return (
        f"You have asked many questions in a short time. Please wait about "
        f"{max(1, round(wait))} seconds and ask again."
    )


def _text(value: str | None) -> str:
    """`value` with lone surrogates (not encodable text) replaced, so nothing later fails."""
    return (value or "").encode("utf-8", "replace").decode("utf-8")


class Unavailable(AskclinicError):
    """The index could not be loaded; the message says why."""


class Runtime:
    """What the routes and the Gradio apps share: settings, the live index, the model, the
    question log and the rate limits."""

    def __init__(self, settings: Settings, embedder=None):
        self.settings = settings
        if embedder is None:
            from ..embedding import get_embedder

            embedder = get_embedder(settings)
        self.embedder = embedder
        self.log = Log.in_folder(settings.data_path)
        self.limiter = RateLimiter(settings.rate_limit)
        self.feedback_limiter = RateLimiter(settings.rate_limit * 2)
        self.sign_in_limit = guard.SignInLimit()
        self.proxies = trusted_networks(settings.trusted_proxies)
        self.log_error: str | None = None  # the last failed write to the question log
        self._salt = secrets.token_bytes(16)
        self._live = None
        self._live_lock = threading.Lock()
        self._retry_at = 0.0
        self.index_error: str | None = None
        self._stop = threading.Event()
        self.rebuild = Rebuild(self)

    # ------------------------------------------------------------ index

    def retriever(self):
        """The retriever (of the index version) to answer from; raises Unavailable (with the
        reason) when no index can be loaded. Retries every few seconds, so a first build is
        picked up."""
        if self._live is None:
            with self._live_lock:
                if self._live is None and time.monotonic() >= self._retry_at:
                    from ..live import LiveIndex

                    try:
                        self._live = LiveIndex(self.settings.index, self.embedder, self.settings.model)
                        self._live.watch(self._stop)
                        self.index_error = None
                    except (AskclinicError, OSError, ValueError) as e:
                        self.index_error = str(e)
                        self._retry_at = time.monotonic() + 3.0
            if self._live is None:
                raise Unavailable(self.index_error or "the index is not loaded yet")
        return self._live.get()

    def index(self):
        """The index version to answer from (see `retriever`)."""
        return self.retriever().index

    def wait_for_version(self, version: str, timeout: float = 30.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                self.index()
            except Unavailable:
                time.sleep(0.2)
                continue
            return self._live.wait_for(version, max(0.1, end - time.monotonic()))
        return False

    # ------------------------------------------------------------ questions

    def client_key(self, host: str | None) -> str:
        return hashlib.sha256(self._salt + (host or "?").encode()).hexdigest()[:16]

    def answer(self, question: str, context: str | None, channel: str, **options) -> Answer:
        """Answer and log one question (redacted). Raises Unavailable without an index.
        `options` go to answer.ask (e.g. exclude, check)."""
        retriever = self.retriever()
        limit = self.settings.max_question_chars
        question = _text((question or "")[: 4 * limit])  # cut before any clean-up
        context = _text((context or "")[: 4 * limit]) or None
        started = time.perf_counter()
        ans = ask(question, retriever, self.settings, context=context, **options)
        ms = int((time.perf_counter() - started) * 1000)
        if self.settings.log_days > 0 and ans.question.strip():
            kept = clean(context)[:limit] if context else None
            try:
                ans.id = self.log.record(
                    ans,
                    redact(ans.question),
                    redact(kept) if kept else None,
                    channel,
                    retriever.index.version,
                    ms,
                )
                self.log_error = None
            except (sqlite3.Error, OSError) as e:  # e.g. a full disk: the patient still gets the answer
                self._log_failed(e)
        return ans

    def _log_failed(self, error: Exception) -> None:
        message = f"could not write to the question log {self.log.path}: {error}"
        if self.log_error is None:  # said once, until a write works again
            print(f"askclinic: {message}; answers are still served but not kept", file=sys.stderr, flush=True)
        self.log_error = message

    def feedback(self, qid: str, rating: int, comment: str | None) -> bool:
        """True when stored, False when no such answer, None when the log could not be written."""
        comment = redact(clean(_text(comment[:4000]))[:2000]) if comment and comment.strip() else None
        try:
            return self.log.feedback(qid, rating, comment)
        except (sqlite3.Error, OSError) as e:
            self._log_failed(e)
            return None

    # ------------------------------------------------------------ retention

    def purge_loop(self) -> None:
        """Delete log rows past the retention period now and then once a day (all of them
        when the period is 0: nothing is kept)."""
        while True:
            self.log.purge(max(0, self.settings.log_days))
            if self._stop.wait(24 * 3600):
                return

    def close(self) -> None:
        self._stop.set()


# ---------------------------------------------------------------- rebuild


class Rebuild:
    """The console's "Rebuild index": the CLI's incremental build from the configured
    source folders, in a background thread, with its log lines kept for the progress box.
    The chat keeps answering from the current version until the new one is swapped in."""

    def __init__(self, runtime):
        self.runtime = runtime
        self.lines: list[str] = []
        self.state = "idle"  # idle | running | done | failed
        self.lock = threading.Lock()

    @property
    def sources(self) -> list[str]:
        return self.runtime.settings.article_sources

    @property
    def running(self) -> bool:
        return self.state == "running"

    def log(self, msg: str) -> None:
        with self.lock:
            self.lines = (self.lines + [f"{time.strftime('%H:%M:%S')}  {msg}"])[-300:]

    def start(self, who: str | None) -> bool:
        with self.lock:
            if self.state == "running":
                return False
            self.state, self.lines = "running", []
        self.log(f"rebuild started by {who or 'staff'} from {', '.join(self.sources) or '(no sources)'}")
        threading.Thread(target=self._run, name="askclinic-rebuild", daemon=True).start()
        return True

    def _read(self, articles: int, skipped: int) -> None:
        self.log(f"{articles:,} articles read, {skipped:,} files skipped")

    def _run(self) -> None:
        from ..update import update_index

        try:
            result = update_index(
                self.sources,
                self.runtime.settings,
                self.runtime.embedder,
                log=self.log,
                on_read=self._read,
                progress_bar=False,
            )
            report = result.build
            self.log(report.summary())
            if report.version:
                self.log(
                    f"new index version {report.version}: {report.chunks:,} passages, "
                    f"{report.embedded:,} embedded in {report.seconds:.1f} s"
                )
                live = self.runtime.wait_for_version(report.version)
                self.log(
                    "the chat now answers from the new version"
                    if live
                    else "the chat switches to the new version within a few seconds"
                )
                for line in result.golden_lines():  # staff's golden questions, re-asked
                    self.log(line)
            else:
                self.log("nothing changed: the index was already up to date")
            self.state = "done"
        except Exception as e:  # shown to staff; the current index is untouched
            self.log(f"rebuild failed: {e}")
            self.state = "failed"

    def status(self) -> str:
        with self.lock:
            head = {
                "idle": "No rebuild has run since the server started.",
                "running": "Rebuilding… the chat keeps answering from the current version.",
                "done": "Finished.",
                "failed": "Failed (the current index is unchanged).",
            }[self.state]
            return "\n".join([head, *self.lines])


def golden_results(runtime):
    """(golden.jsonl path or None, results against the served index)."""
    from ..golden import check_golden, find_golden

    path = find_golden(runtime.settings, runtime.rebuild.sources)
    if path is None:
        return None, []
    return path, check_golden(path, runtime.settings, retriever=runtime.retriever())
