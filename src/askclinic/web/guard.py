"""What the server checks before a request reaches any route: which forwarded headers to
believe (only from the proxies in ASKCLINIC_TRUSTED_PROXIES), how large a request body may be
(answered 413 before anything parses it), which response headers a route may not send (CORS
on the staff console, caching of Gradio's /config), and the staff sign-in limit."""

from __future__ import annotations

import ipaddress
import threading
import time
import unicodedata
from collections import deque

from ..errors import ConfigError

API_BODY_LIMIT = 64 * 1024  # /api/*: a question, a context and a comment fit many times over
PAGE_BODY_LIMIT = 1024 * 1024  # Gradio's pages send the whole conversation with each question
_FORWARDED = (b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"x-forwarded-port",
              b"x-forwarded-prefix", b"x-real-ip", b"forwarded")


def trusted_networks(value: str) -> tuple:
    """ASKCLINIC_TRUSTED_PROXIES: addresses or networks, separated by commas or spaces."""
    nets = []
    for token in value.replace(",", " ").split():
        try:
            nets.append(ipaddress.ip_network(token, strict=False))
        except ValueError:
            raise ConfigError(f"ASKCLINIC_TRUSTED_PROXIES: {token!r} is not an address or network; "
                              "use e.g. 127.0.0.1 or 10.0.0.0/8, or leave it empty") from None
    return tuple(nets)


def _trusted(address: str | None, nets: tuple) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").strip().strip("[]"))
    except ValueError:
        return False
    return any(ip in net for net in nets)


def forwarded_scope(scope: dict, nets: tuple) -> dict:
    """The scope as the routes should see it. From a trusted proxy: the client is the last
    address in X-Forwarded-For that is not itself a trusted proxy, the scheme comes from
    X-Forwarded-Proto. From anyone else every forwarded header is dropped."""
    peer = (scope.get("client") or (None, 0))[0]
    headers = scope.get("headers", [])
    if not _trusted(peer, nets):
        kept = [(k, v) for k, v in headers if k.lower() not in _FORWARDED]
        return scope if len(kept) == len(headers) else {**scope, "headers": kept}
    scope = dict(scope)
    values = {k.lower(): v.decode("latin-1") for k, v in headers}
    hops = [h.strip() for h in values.get(b"x-forwarded-for", "").split(",") if h.strip()]
    client = peer
    for hop in reversed(hops):
        client = hop
        if not _trusted(hop, nets):
            break
    if client != peer:
        scope["client"] = (client, 0)
    proto = values.get(b"x-forwarded-proto", "").split(",")[-1].strip().lower()
    if proto in ("http", "https"):
        scope["scheme"] = proto
    return scope


def body_limit(path: str) -> int:
    return API_BODY_LIMIT if path.startswith("/api/") else PAGE_BODY_LIMIT


def declared_length(scope: dict) -> int | None:
    """The Content-Length header as a number; -1 when it is not one."""
    for k, v in scope.get("headers", []):
        if k.lower() == b"content-length":
            return int(v) if v.strip().isdigit() else -1
    return None


async def read_body(receive, limit: int) -> list | None:
    """The request's body messages, or None as soon as they add up to more than `limit`
    bytes (nothing more is read then)."""
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages
        size += len(message.get("body", b""))
        if size > limit:
            return None
        if not message.get("more_body", False):
            return messages


def replay(messages: list, receive):
    """A receive() that gives back the buffered messages, then waits on the real one."""
    pending = deque(messages)

    async def again():
        return pending.popleft() if pending else await receive()
    return again


def too_large_body(limit: int) -> bytes:
    return (b'{"error": "too_large", "message": "The request is larger than %d KB; send a shorter '
            b'question."}' % (limit // 1024))


def response_headers(headers: list, path: str, staff: bool) -> list:
    """No CORS headers from the staff console (Gradio would echo any Origin with credentials),
    and no caching of Gradio's /config (its root URL comes from the request)."""
    if staff:
        headers = [(k, v) for k, v in headers if not k.lower().startswith(b"access-control-")]
    if path.rstrip("/").endswith("/config") or path == "/config":
        headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
        headers.append((b"cache-control", b"no-store"))
    return headers


# ---------------------------------------------------------------- staff sign-in limit

def sign_in_name(name: str) -> str:
    """The one form of a typed staff name used for both the limit and the password check."""
    return unicodedata.normalize("NFKC", name or "").strip()


class SignInLimit:
    """Failed staff sign-ins in a sliding window: at most `tries` for one name from one
    address and `per_address` for any names from one address, per `window` seconds. A try is
    counted before the password is checked (so parallel guesses cannot overtake the count)
    and given back when the password was right. Another address is not held up, so a
    guesser cannot lock the real staff member out."""

    def __init__(self, tries: int = 5, per_address: int = 20, window: float = 15 * 60):
        self.tries, self.per_address, self.window = tries, per_address, window
        self.failures: dict[str, deque] = {}
        self.lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque:
        q = self.failures.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def reserve(self, name: str, address: str) -> float:
        """Count a try for (name, address); 0 when it may go on, else seconds to wait."""
        pair, alone = f"{address}\0{name.casefold()}", f"{address}\0"
        with self.lock:
            now = time.monotonic()
            queues = [(self._recent(pair, now), self.tries), (self._recent(alone, now), self.per_address)]
            waits = [q[0] + self.window - now for q, cap in queues if len(q) >= cap]
            if waits:
                return max(1.0, max(waits))
            for q, _ in queues:
                q.append(now)
            if len(self.failures) > 50_000:
                for key in [k for k, q in self.failures.items() if not q or q[-1] <= now - self.window]:
                    del self.failures[key]
            return 0.0

    def release(self, name: str, address: str) -> None:
        """The password was right: the try does not count."""
        with self.lock:
            for key in (f"{address}\0{name.casefold()}", f"{address}\0"):
                q = self.failures.get(key)
                if q:
                    q.pop()
