"""What every request goes through before it reaches any route, in `Guard` (pure ASGI
middleware): the security headers and Content-Security-Policy, the allow-list of routes (ours
and the few Gradio ones the pages need), the staff session cookie check, which forwarded
headers to believe (only from the proxies in ASKCLINIC_TRUSTED_PROXIES), how large a request
body may be (answered 413 before anything parses it), which response headers a route may not
send (CORS on the staff console, caching of Gradio's /config). Also the staff sign-in limit."""

from __future__ import annotations

import ipaddress
import re
import threading
import time
import unicodedata
from collections import deque


API_BODY_LIMIT = 64 * 1024  # /api/*: a question, a context and a comment fit many times over
PAGE_BODY_LIMIT = 1024 * 1024  # Gradio's pages send the whole conversation with each question
COOKIE = "askclinic_staff"  # the staff session (path /staff, HttpOnly, SameSite=Strict)
OWN_ROUTES = {
    "/api/ask",
    "/api/feedback",
    "/healthz",
    "/embed.js",
    "/widget",
    "/staff",
    "/staff/login",
    "/staff/logout",
}
# The Gradio routes the pages need; everything else Gradio offers (uploads, file serving,
# proxying, run history, monitoring, MCP, ...) answers 404.
GRADIO_ROUTES = re.compile(
    r"^/(?:|config/?|theme\.css|favicon\.ico|manifest\.json|robots\.txt|(?:assets|static|svelte)/[^?]+"
    r"|gradio_api/(?:queue/join|queue/data|run/predict|heartbeat/[\w-]+|cancel|info/?|app_id/?"
    r"|startup-events|user/?|login_check/?))$"
)
_FORWARDED = (
    b"x-forwarded-for",
    b"x-forwarded-proto",
    b"x-forwarded-host",
    b"x-forwarded-port",
    b"x-forwarded-prefix",
    b"x-real-ip",
    b"forwarded",
)


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
    return (
        b'{"error": "too_large", "message": "The request is larger than %d KB; send a shorter '
        b'question."}' % (limit // 1024)
    )


def response_headers(headers: list, path: str, staff: bool) -> list:
    """No CORS headers from the staff console (Gradio would echo any Origin with credentials),
    and no caching of Gradio's /config (its root URL comes from the request)."""
    if staff:
        headers = [(k, v) for k, v in headers if not k.lower().startswith(b"access-control-")]
    if path.rstrip("/").endswith("/config") or path == "/config":
        headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
        headers.append((b"cache-control", b"no-store"))
    return headers


# ---------------------------------------------------------------- the middleware


def csp(frame_ancestors: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "media-src 'self' blob:",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def _cookie(scope, name: str) -> str | None:
    for k, v in scope.get("headers", []):
        if k == b"cookie":
            for part in v.decode("latin-1").split(";"):
                key, _, value = part.strip().partition("=")
                if key == name:
                    return value
    return None


class Guard:
    """Pure ASGI middleware: decides which requests reach which app and adds the security
    headers to every response. From `runtime` it reads the settings, the trusted proxies and
    the question log (whose staff sessions it checks)."""

    def __init__(self, app, runtime):
        self.app, self.runtime = app, runtime
        self.public_csp = csp(runtime.settings.frame_ancestors).encode()
        self.closed_csp = csp("'none'").encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        scope = forwarded_scope(scope, self.runtime.proxies)
        path = scope["path"]
        staff = path == "/staff" or path.startswith("/staff/")
        extra = [(b"cache-control", b"no-store")] if staff or path.startswith("/api/") else []
        if staff:
            extra.append((b"x-frame-options", b"DENY"))
        policy = self.closed_csp if staff or path.startswith("/api/") else self.public_csp

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"content-security-policy", b"x-frame-options")
                ]
                headers += [
                    (b"content-security-policy", policy),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                    *extra,
                ]
                message = {**message, "headers": response_headers(headers, path, staff)}
            await send(message)

        refusal = self.refuse(scope, path, staff)
        if refusal:
            return await self.respond(send_with_headers, *refusal)
        limit, length = body_limit(path), declared_length(scope)
        if length is not None and not 0 <= length <= limit:
            return await self.respond(
                send_with_headers, 413 if length > limit else 400, too_large_body(limit), None
            )
        if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            messages = await read_body(receive, limit)  # at most `limit` bytes are held
            if messages is None:
                return await self.respond(send_with_headers, 413, too_large_body(limit), None)
            receive = replay(messages, receive)
        return await self.app(scope, receive, send_with_headers)

    def refuse(self, scope, path: str, staff: bool):
        """(status, body, location) when the request must not go on, else None."""
        if path in OWN_ROUTES and path != "/staff":
            return None
        if staff:
            if path == "/staff/export.csv":
                rel = None
            else:
                rel = path[len("/staff") :] or "/"
            user = self.runtime.log.session_user(_cookie(scope, COOKIE))
            if user is None:
                if rel in ("/", "") and scope["method"] in ("GET", "HEAD"):
                    return 303, b"", "/staff/login"
                return 401, b'{"error": "staff sign-in required: /staff/login"}', None
            if rel is not None and not GRADIO_ROUTES.match(rel):
                return 404, b'{"detail": "Not Found"}', None
            return None
        rel = path[len("/widget") :] if path.startswith("/widget/") else path
        if not GRADIO_ROUTES.match(rel):
            return 404, b'{"detail": "Not Found"}', None
        return None

    @staticmethod
    async def respond(send, status: int, body: bytes, location: str | None):
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if location:
            headers.append((b"location", location.encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


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
