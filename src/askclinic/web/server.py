"""The one web server: a FastAPI app with the JSON API, /healthz, the staff sign-in, and three
Gradio apps mounted on it (patient chat at /, the compact widget at /widget, the staff console
at /staff). Also the things every response goes through: security headers, the allow-list of
Gradio routes, the staff session check, and the per-client rate limit."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from .. import redflags
from ..config import Settings
from . import guard
from .runtime import RateLimiter, Runtime, Unavailable, rate_message

STATIC = Path(__file__).parent / "static"
COOKIE = "askclinic_staff"
CHECK_VALUES = (*redflags.CATEGORIES, "none")  # /api/ask?check=: the reply to a check step
OWN_ROUTES = {"/api/ask", "/api/feedback", "/healthz", "/embed.js", "/widget", "/staff",
              "/staff/login", "/staff/logout"}
# The Gradio routes the pages need; everything else Gradio offers (uploads, file serving,
# proxying, run history, monitoring, MCP, ...) answers 404.
GRADIO_ROUTES = re.compile(
    r"^/(?:|config/?|theme\.css|favicon\.ico|manifest\.json|robots\.txt|(?:assets|static|svelte)/[^?]+"
    r"|gradio_api/(?:queue/join|queue/data|run/predict|heartbeat/[\w-]+|cancel|info/?|app_id/?"
    r"|startup-events|user/?|login_check/?))$")


def csp(frame_ancestors: str) -> str:
    return "; ".join([
        "default-src 'self'", "script-src 'self' 'unsafe-inline'", "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:", "font-src 'self' data:", "connect-src 'self'",
        "media-src 'self' blob:", "worker-src 'self' blob:", "object-src 'none'",
        "base-uri 'self'", "form-action 'self'", f"frame-ancestors {frame_ancestors}"])


def bad_text(*values) -> bool:
    """True when a value holds a lone surrogate: not text that UTF-8 can carry."""
    try:
        for v in values:
            (v or "").encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


BAD_TEXT = {"error": "bad_text", "message": "The text holds a lone UTF-16 surrogate (for "
             "example \\ud800), which is not a character; send the question as plain UTF-8 text."}


# ---------------------------------------------------------------- middleware

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
    headers to every response."""

    def __init__(self, app, runtime: Runtime):
        self.app, self.runtime = app, runtime
        self.public_csp = csp(runtime.settings.frame_ancestors).encode()
        self.closed_csp = csp("'none'").encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        scope = guard.forwarded_scope(scope, self.runtime.proxies)
        path = scope["path"]
        staff = path == "/staff" or path.startswith("/staff/")
        extra = [(b"cache-control", b"no-store")] if staff or path.startswith("/api/") else []
        if staff:
            extra.append((b"x-frame-options", b"DENY"))
        policy = self.closed_csp if staff or path.startswith("/api/") else self.public_csp

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in (b"content-security-policy", b"x-frame-options")]
                headers += [(b"content-security-policy", policy),
                            (b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"same-origin"),
                            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                            *extra]
                message = {**message, "headers": guard.response_headers(headers, path, staff)}
            await send(message)

        refusal = self.refuse(scope, path, staff)
        if refusal:
            return await self.respond(send_with_headers, *refusal)
        limit, length = guard.body_limit(path), guard.declared_length(scope)
        if length is not None and not 0 <= length <= limit:
            return await self.respond(send_with_headers, 413 if length > limit else 400,
                                      guard.too_large_body(limit), None)
        if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            messages = await guard.read_body(receive, limit)  # at most `limit` bytes are held
            if messages is None:
                return await self.respond(send_with_headers, 413, guard.too_large_body(limit), None)
            receive = guard.replay(messages, receive)
        return await self.app(scope, receive, send_with_headers)

    def refuse(self, scope, path: str, staff: bool):
        """(status, body, location) when the request must not go on, else None."""
        if path in OWN_ROUTES and path != "/staff":
            return None
        if staff:
            if path == "/staff/export.csv":
                rel = None
            else:
                rel = path[len("/staff"):] or "/"
            user = self.runtime.log.session_user(_cookie(scope, COOKIE))
            if user is None:
                if rel in ("/", "") and scope["method"] in ("GET", "HEAD"):
                    return 303, b"", "/staff/login"
                return 401, b'{"error": "staff sign-in required: /staff/login"}', None
            if rel is not None and not GRADIO_ROUTES.match(rel):
                return 404, b'{"detail": "Not Found"}', None
            return None
        rel = path[len("/widget"):] if path.startswith("/widget/") else path
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


# ---------------------------------------------------------------- the app

def _same_origin(request) -> bool:
    origin = request.headers.get("origin")
    if not origin:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


def create_app(settings: Settings, embedder=None):
    """The FastAPI app with everything mounted. `embedder` defaults to the configured model."""
    import contextlib

    import gradio as gr

    from . import patient, staff

    runtime = Runtime(settings, embedder)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        threading.Thread(target=runtime.purge_loop, name="askclinic-retention", daemon=True).start()
        try:
            runtime.index()
        except Unavailable as e:
            print(f"askclinic: no index yet ({e}); the chat answers once one is built", flush=True)
        for warning in patient.contact_warnings(settings):
            print(f"askclinic: warning: {warning}", flush=True)
        yield
        runtime.close()

    app = FastAPI(title="askclinic", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.runtime = runtime

    def limited(request: Request, limiter: RateLimiter):
        wait = limiter.hit(runtime.client_key(request.client.host if request.client else None))
        if wait:
            return JSONResponse({"error": "rate_limited", "message": rate_message(wait),
                                 "retry_after": max(1, round(wait))}, status_code=429,
                                headers={"Retry-After": str(max(1, round(wait)))})
        return None

    def answer_response(request: Request, q: str | None, context: str | None, count: bool = True,
                        check: str | None = None):
        if check is not None and check not in CHECK_VALUES:
            return JSONResponse({"error": "bad_check", "message": "check must be one of: "
                                 + ", ".join(CHECK_VALUES) + "."}, status_code=400)
        if q is None:
            return JSONResponse({"error": "missing_question",
                                 "message": "Add the question as ?q=... (or POST {\"q\": ...})."},
                                status_code=400)
        too_many = limited(request, runtime.limiter) if count else None
        if too_many:
            return too_many
        if bad_text(q, context):
            return JSONResponse(BAD_TEXT, status_code=400)
        try:
            ans = runtime.answer(q, context or None, "api", **({"check": check} if check else {}))
        except Unavailable as e:
            return JSONResponse({"error": "unavailable", "message": patient.UNAVAILABLE,
                                 "detail": str(e)}, status_code=503)
        return JSONResponse(ans.to_dict())

    @app.get("/api/ask")
    def api_ask(request: Request, q: str | None = None, context: str | None = None,
                check: str | None = None):
        return answer_response(request, q, context, check=check)

    @app.post("/api/ask")
    async def api_ask_post(request: Request):
        too_many = limited(request, runtime.limiter)  # before the body is even parsed
        if too_many:
            return too_many
        body = await _json_body(request)
        if body is None:
            return JSONResponse({"error": "bad_request", "message": "Send JSON: {\"q\": \"...\"}"},
                                status_code=400)
        q, context, check = body.get("q", body.get("question")), body.get("context"), body.get("check")
        if not isinstance(q, str) or not isinstance(context, (str, type(None))):
            return answer_response(request, None, None)
        if not isinstance(check, (str, type(None))):
            check = repr(check)  # refused below with the list of valid values
        import anyio
        return await anyio.to_thread.run_sync(answer_response, request, q, context, False, check)

    @app.post("/api/feedback")
    async def api_feedback(request: Request):
        too_many = limited(request, runtime.feedback_limiter)
        if too_many:
            return too_many
        body = await _json_body(request)
        rating = {"up": 1, "down": -1, 1: 1, -1: -1}.get((body or {}).get("rating"))
        comment = (body or {}).get("comment")
        if not body or not isinstance(body.get("id"), str) or rating is None \
                or not isinstance(comment, (str, type(None))):
            return JSONResponse({"error": "bad_request", "message": "Send JSON: {\"id\": \"<answer "
                                 "id>\", \"rating\": \"up\" | \"down\", \"comment\": \"optional\"}"},
                                status_code=400)
        if bad_text(comment):
            return JSONResponse(BAD_TEXT, status_code=400)
        stored = runtime.feedback(body["id"], rating, comment)
        if stored is None:
            return JSONResponse({"error": "log_unavailable", "message": "Your feedback could not be "
                                 "saved right now; please try again later."}, status_code=503)
        if not stored:
            return JSONResponse({"error": "not_found", "message": "No answer with that id (it may "
                                 "be older than the log keeps)."}, status_code=404)
        return JSONResponse({"ok": True})

    @app.get("/healthz")
    def healthz():
        try:
            index = runtime.index()
        except Unavailable as e:
            return JSONResponse({"status": "unavailable", "error": str(e)}, status_code=503)
        m = index.manifest
        return {"status": "ok", "index_version": index.version, "articles": len(index.articles),
                "chunks": len(index.chunks), "model": m.get("model"), "built_at": m.get("built_at"),
                "reload_error": runtime._live.error, "log_error": runtime.log_error,
                "warnings": patient.contact_warnings(settings)}

    @app.get("/embed.js")
    def embed_js():
        return FileResponse(STATIC / "embed.js", media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/widget")
    def widget_slash(request: Request):
        return RedirectResponse("/widget/" + (f"?{request.url.query}" if request.url.query else ""), 307)

    @app.get("/staff")
    def staff_slash():
        return RedirectResponse("/staff/", 307)

    @app.get("/staff/login")
    def login_page():
        return HTMLResponse(staff.login_page(settings))

    @app.post("/staff/login")
    def login(request: Request, name: str = Form(""), password: str = Form("")):
        if not _same_origin(request):
            return HTMLResponse(staff.login_page(settings, "Sign-in refused: wrong origin."), 403)
        name = guard.sign_in_name(name)
        address = runtime.client_key(request.client.host if request.client else None)
        wait = runtime.sign_in_limit.reserve(name, address)  # counted before the password is checked
        if wait:
            msg = f"Too many failed sign-ins. Try again in about {max(1, round(wait / 60))} minutes."
            return HTMLResponse(staff.login_page(settings, msg), 429,
                                headers={"Retry-After": str(max(1, round(wait)))})
        if not runtime.log.check_login(name, password):
            return HTMLResponse(staff.login_page(settings, "Wrong name or password."), 401)
        runtime.sign_in_limit.release(name, address)
        token = runtime.log.start_session(name, settings.staff_session_hours)
        resp = RedirectResponse("/staff/", 303)
        resp.set_cookie(COOKIE, token, max_age=int(settings.staff_session_hours * 3600), path="/staff",
                        httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return resp

    @app.api_route("/staff/logout", methods=["GET", "POST"])
    def logout(request: Request):
        # GET is safe to allow: the SameSite=Strict cookie never comes with another site's link.
        if _same_origin(request):
            runtime.log.end_session(request.cookies.get(COOKIE))
        resp = RedirectResponse("/staff/login", 303)
        resp.delete_cookie(COOKIE, path="/staff", httponly=True, samesite="strict")
        return resp

    @app.get("/staff/export.csv")
    def export_csv(filters: str = "", q: str = ""):
        from ..log import to_csv
        chosen = [f for f in filters.split(",") if f]
        try:
            entries, _ = runtime.log.entries(chosen, q, limit=None)
        except ValueError as e:
            return JSONResponse({"error": str(e)}, status_code=400)
        name = time.strftime("askclinic-questions-%Y%m%d-%H%M.csv")
        return Response(to_csv(entries), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    theme, css = patient.theme(), (STATIC / "chat.css").read_text()
    common = dict(footer_links=[], run_history=False, enable_monitoring=False, mcp_server=False,
                  ssr_mode=False, pwa=False, theme=theme, css=css, show_error=False)
    gr.mount_gradio_app(app, staff.build(runtime), "/staff",
                        auth_dependency=lambda req: runtime.log.session_user(req.cookies.get(COOKIE)),
                        **{**common, "css": css + (STATIC / "staff.css").read_text(),
                           "head": f"<script>{(STATIC / 'staff.js').read_text()}</script>"})
    gr.mount_gradio_app(app, patient.build(runtime, compact=True), "/widget",
                        **{**common, "css": css + (STATIC / "widget.css").read_text(),
                           "head": patient.head_html()})
    gr.mount_gradio_app(app, patient.build(runtime, compact=False), "/",
                        **{**common, "head": patient.head_html()})
    return Guard(app, runtime)


async def _json_body(request) -> dict | None:
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return None
    return body if isinstance(body, dict) else None


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Run the server until interrupted. No access log: it would hold addresses and questions."""
    import uvicorn

    app = create_app(settings)
    print(f"askclinic: patient chat on http://{host}:{port}/  widget /widget/  staff console "
          f"/staff/ (data in {settings.data_path})", flush=True)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning",
                proxy_headers=False, timeout_graceful_shutdown=5)  # Guard reads them (trusted_proxies)
