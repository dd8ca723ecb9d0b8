"""The FastAPI routes of the one server, as a router `create_app` includes: the JSON API
(/api/ask, /api/feedback), /healthz, /embed.js, the staff sign-in and sign-out, the CSV export
of the question log, and the redirects that add a trailing slash. Each route finds the shared
`Runtime` on the app (`request.app.state.runtime`)."""

from __future__ import annotations

import json
import time
from html import escape
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from .. import redflags
from ..log import RATINGS, to_csv
from .guard import COOKIE, sign_in_name
from .patient import UNAVAILABLE, contact_warnings
from .runtime import RateLimiter, Runtime, Unavailable, rate_message
from .theme import STATIC

CHECK_VALUES = (*redflags.CATEGORIES, "none")  # /api/ask?check=: the reply to a check step
BAD_TEXT = {
    "error": "bad_text",
    "message": "The text holds a lone UTF-16 surrogate (for "
    "example \\ud800), which is not a character; send the question as plain UTF-8 text.",
}

router = APIRouter()


def _runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def bad_text(*values) -> bool:
    """True when a value holds a lone surrogate: not text that UTF-8 can carry."""
    try:
        for v in values:
            (v or "").encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


async def _json_body(request) -> dict | None:
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return None
    return body if isinstance(body, dict) else None


def _same_origin(request) -> bool:
    origin = request.headers.get("origin")
    if not origin:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _limited(request: Request, limiter: RateLimiter):
    """The 429 response when this client is over `limiter`'s rate, else None (and counted)."""
    wait = limiter.hit(_runtime(request).client_key(request.client.host if request.client else None))
    if wait:
        return JSONResponse(
            {"error": "rate_limited", "message": rate_message(wait), "retry_after": max(1, round(wait))},
            status_code=429,
            headers={"Retry-After": str(max(1, round(wait)))},
        )
    return None


# ---------------------------------------------------------------- the JSON API


def _answer_response(
    request: Request, q: str | None, context: str | None, count: bool = True, check: str | None = None
):
    runtime = _runtime(request)
    if check is not None and check not in CHECK_VALUES:
        return JSONResponse(
            {"error": "bad_check", "message": "check must be one of: " + ", ".join(CHECK_VALUES) + "."},
            status_code=400,
        )
    if q is None:
        return JSONResponse(
            {"error": "missing_question", "message": 'Add the question as ?q=... (or POST {"q": ...}).'},
            status_code=400,
        )
    too_many = _limited(request, runtime.limiter) if count else None
    if too_many:
        return too_many
    if bad_text(q, context):
        return JSONResponse(BAD_TEXT, status_code=400)
    try:
        ans = runtime.answer(q, context or None, "api", **({"check": check} if check else {}))
    except Unavailable as e:
        return JSONResponse(
            {"error": "unavailable", "message": UNAVAILABLE, "detail": str(e)}, status_code=503
        )
    return JSONResponse(ans.to_dict())


@router.get("/api/ask")
def api_ask(request: Request, q: str | None = None, context: str | None = None, check: str | None = None):
    return _answer_response(request, q, context, check=check)


@router.post("/api/ask")
async def api_ask_post(request: Request):
    too_many = _limited(request, _runtime(request).limiter)  # before the body is even parsed
    if too_many:
        return too_many
    body = await _json_body(request)
    if body is None:
        return JSONResponse({"error": "bad_request", "message": 'Send JSON: {"q": "..."}'}, status_code=400)
    q, context, check = body.get("q", body.get("question")), body.get("context"), body.get("check")
    if not isinstance(q, str) or not isinstance(context, (str, type(None))):
        return _answer_response(request, None, None)
    if not isinstance(check, (str, type(None))):
        check = repr(check)  # refused below with the list of valid values
    return await anyio.to_thread.run_sync(_answer_response, request, q, context, False, check)


@router.post("/api/feedback")
async def api_feedback(request: Request):
    runtime = _runtime(request)
    too_many = _limited(request, runtime.feedback_limiter)
    if too_many:
        return too_many
    body = await _json_body(request)
    rating = {**RATINGS, 1: 1, -1: -1}.get((body or {}).get("rating"))
    comment = (body or {}).get("comment")
    if (
        not body
        or not isinstance(body.get("id"), str)
        or rating is None
        or not isinstance(comment, (str, type(None)))
    ):
        return JSONResponse(
            {
                "error": "bad_request",
                "message": 'Send JSON: {"id": "<answer id>", "rating": "up" | "down", "comment": "optional"}',
            },
            status_code=400,
        )
    if bad_text(comment):
        return JSONResponse(BAD_TEXT, status_code=400)
    stored = runtime.feedback(body["id"], rating, comment)
    if stored is None:
        return JSONResponse(
            {
                "error": "log_unavailable",
                "message": "Your feedback could not be saved right now; please try again later.",
            },
            status_code=503,
        )
    if not stored:
        return JSONResponse(
            {"error": "not_found", "message": "No answer with that id (it may be older than the log keeps)."},
            status_code=404,
        )
    return JSONResponse({"ok": True})


@router.get("/healthz")
def healthz(request: Request):
    runtime = _runtime(request)
    try:
        index = runtime.index()
    except Unavailable as e:
        return JSONResponse({"status": "unavailable", "error": str(e)}, status_code=503)
    m = index.manifest
    return {
        "status": "ok",
        "index_version": index.version,
        "articles": len(index.articles),
        "chunks": len(index.chunks),
        "model": m.get("model"),
        "built_at": m.get("built_at"),
        "reload_error": runtime._live.error,
        "log_error": runtime.log_error,
        "warnings": contact_warnings(runtime.settings),
    }


@router.get("/embed.js")
def embed_js():
    return FileResponse(
        STATIC / "embed.js", media_type="text/javascript", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/widget")
def widget_slash(request: Request):
    return RedirectResponse("/widget/" + (f"?{request.url.query}" if request.url.query else ""), 307)


# ---------------------------------------------------------------- staff sign-in and export


@router.get("/staff")
def staff_slash():
    return RedirectResponse("/staff/", 307)


def login_page(settings, error: str = "") -> str:
    err = f'<p class="err" role="alert">{escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Staff sign-in – askclinic</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; background: #f1f5f9;
  color: #0f172a; margin: 0; display: flex; min-height: 100vh; align-items: center; justify-content: center; }}
main {{ background: #fff; padding: 2rem; border-radius: 12px; box-shadow: 0 1px 4px #0002; width: min(22rem, 90vw); }}
h1 {{ font-size: 1.3rem; margin: 0 0 .3rem; }} p.sub {{ margin: 0 0 1.2rem; color: #475569; }}
label {{ display: block; font-weight: 600; margin: .8rem 0 .3rem; }}
input {{ width: 100%; box-sizing: border-box; padding: .6rem; border: 1px solid #94a3b8; border-radius: 6px; font-size: 1rem; }}
input:focus, button:focus {{ outline: 3px solid #2563eb; outline-offset: 2px; }}
button {{ margin-top: 1.2rem; width: 100%; padding: .7rem; border: 0; border-radius: 6px; background: #1d4ed8;
  color: #fff; font-size: 1rem; font-weight: 600; cursor: pointer; }}
.err {{ background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; padding: .6rem; border-radius: 6px; }}
</style></head>
<body><main><h1>Staff console</h1><p class="sub">{escape(settings.clinic_name)} · askclinic</p>{err}
<form method="post" action="login">
<label for="name">Name</label><input id="name" name="name" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form></main></body></html>"""


@router.get("/staff/login")
def login_form(request: Request):
    return HTMLResponse(login_page(_runtime(request).settings))


@router.post("/staff/login")
def login(request: Request, name: str = Form(""), password: str = Form("")):
    runtime = _runtime(request)
    settings = runtime.settings
    if not _same_origin(request):
        return HTMLResponse(login_page(settings, "Sign-in refused: wrong origin."), 403)
    name = sign_in_name(name)
    address = runtime.client_key(request.client.host if request.client else None)
    wait = runtime.sign_in_limit.reserve(name, address)  # counted before the password is checked
    if wait:
        msg = f"Too many failed sign-ins. Try again in about {max(1, round(wait / 60))} minutes."
        return HTMLResponse(login_page(settings, msg), 429, headers={"Retry-After": str(max(1, round(wait)))})
    if not runtime.log.check_login(name, password):
        return HTMLResponse(login_page(settings, "Wrong name or password."), 401)
    runtime.sign_in_limit.release(name, address)
    token = runtime.log.start_session(name, settings.staff_session_hours)
    resp = RedirectResponse("/staff/", 303)
    resp.set_cookie(
        COOKIE,
        token,
        max_age=int(settings.staff_session_hours * 3600),
        path="/staff",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return resp


@router.api_route("/staff/logout", methods=["GET", "POST"])
def logout(request: Request):
    # GET is safe to allow: the SameSite=Strict cookie never comes with another site's link.
    if _same_origin(request):
        _runtime(request).log.end_session(request.cookies.get(COOKIE))
    resp = RedirectResponse("/staff/login", 303)
    resp.delete_cookie(COOKIE, path="/staff", httponly=True, samesite="strict")
    return resp


@router.get("/staff/export.csv")
def export_csv(request: Request, filters: str = "", q: str = ""):
    chosen = [f for f in filters.split(",") if f]
    try:
        entries, _ = _runtime(request).log.entries(chosen, q, limit=None)
    except ValueError as e:
        return JSONResponse({"error": str(e)}, status_code=400)
    name = time.strftime("askclinic-questions-%Y%m%d-%H%M.csv")
    return Response(
        to_csv(entries),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
