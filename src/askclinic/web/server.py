"""The one web server: `create_app` assembles the FastAPI app (the routes in routes.py), the
three Gradio apps mounted on it (patient chat at /, the compact widget at /widget, the staff
console at /staff) and the Guard around it all; `serve` runs it."""

from __future__ import annotations

import contextlib
import threading

import gradio as gr
from fastapi import FastAPI

from ..config import Settings
from . import patient, staff
from .guard import COOKIE, Guard
from .routes import router
from .runtime import Runtime, Unavailable
from .theme import script, static_text, theme


def _lifespan(runtime: Runtime):
    """Start the log's retention loop, load the index if there is one, say what is missing."""

    @contextlib.asynccontextmanager
    async def lifespan(app):
        threading.Thread(target=runtime.purge_loop, name="askclinic-retention", daemon=True).start()
        try:
            runtime.index()
        except Unavailable as e:
            print(f"askclinic: no index yet ({e}); the chat answers once one is built", flush=True)
        for warning in patient.contact_warnings(runtime.settings):
            print(f"askclinic: warning: {warning}", flush=True)
        yield
        runtime.close()

    return lifespan


def _mount_pages(app: FastAPI, runtime: Runtime) -> None:
    """The Gradio apps, with everything Gradio would add or fetch turned off."""
    css = static_text("chat.css")
    common = dict(
        footer_links=[],
        run_history=False,
        enable_monitoring=False,
        mcp_server=False,
        ssr_mode=False,
        pwa=False,
        theme=theme(),
        css=css,
        show_error=False,
    )
    gr.mount_gradio_app(
        app,
        staff.build(runtime),
        "/staff",
        auth_dependency=lambda req: runtime.log.session_user(req.cookies.get(COOKIE)),
        **{**common, "css": css + static_text("staff.css"), "head": script("staff.js")},
    )
    gr.mount_gradio_app(
        app,
        patient.build(runtime, compact=True),
        "/widget",
        **{**common, "css": css + static_text("widget.css"), "head": script("chat.js")},
    )
    gr.mount_gradio_app(
        app, patient.build(runtime, compact=False), "/", **{**common, "head": script("chat.js")}
    )


def create_app(settings: Settings, embedder=None) -> Guard:
    """The FastAPI app with everything mounted, inside the Guard. `embedder` defaults to the
    configured model."""
    runtime = Runtime(settings, embedder)
    app = FastAPI(
        title="askclinic", lifespan=_lifespan(runtime), docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.runtime = runtime
    app.include_router(router)
    _mount_pages(app, runtime)
    return Guard(app, runtime)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Run the server until interrupted. No access log: it would hold addresses and questions."""
    import uvicorn

    app = create_app(settings)
    print(
        f"askclinic: patient chat on http://{host}:{port}/  widget /widget/  staff console "
        f"/staff/ (data in {settings.data_path})",
        flush=True,
    )
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        log_level="warning",
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )  # Guard reads them (trusted_proxies)
