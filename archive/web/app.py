"""The FastAPI application: configuration, the session middleware, security headers, error pages."""

from __future__ import annotations

import secrets
import sys
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
import jinja2
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine

from archive.errors import ArchiveError
from archive.web import auth

HERE = Path(__file__).parent
# The same policy as the static catalogue: nothing from elsewhere, no inline script or style.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "connect-src 'self'; base-uri 'none'; frame-ancestors 'none'")


@dataclass
class Config:
    anonymous_read: bool = False
    secure_cookies: bool = False


# Requests one server process works on at once (the routes run in worker threads; one database connection each
# at most): as many as keep the database and the cores busy. More only contend for the GIL and, past the engine's
# pool, open and close connections (on PostgreSQL a server process each); the others wait on the event loop.
REQUEST_THREADS = 8

# How long one request thread may keep the GIL while others wait for it (Python's default: 5 ms), by database.
# On PostgreSQL a request waits on the server a round trip at a time, with the GIL released, and computes in
# between: at 5 ms the process's threads share its core round robin, so all the requests in it finish late
# together; at 20 ms each runs longer to its next round trip. Measured under the load bench (bench/WEB_LOAD.md,
# sixth section): p95 a fifth to a third lower, and the server's CPU lower too. Not on SQLite: its module releases
# the GIL for every row it steps, and a thread waiting to take a row back would wait the longer interval (slower
# there).
GIL_SWITCH_S = {"postgresql": 0.02}


@asynccontextmanager
async def _lifespan(app: FastAPI):
    anyio.to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
    previous = sys.getswitchinterval()
    sys.setswitchinterval(GIL_SWITCH_S.get(app.state.engine.dialect.name, previous))
    try:
        await anyio.to_thread.run_sync(_warm, app)
        yield
    finally:
        sys.setswitchinterval(previous)


def _warm(app: FastAPI) -> None:
    """What the first requests would otherwise load while holding the GIL, and so stall every request of the
    process (the first edit imported the provenance stage: half a second of CPU): the modules edits and
    decisions run, and every template compiled."""
    import provenance.matching.linking
    import provenance.pipeline  # noqa: F401
    env = app.state.templates.env
    for name in env.list_templates():
        env.get_template(name)


def create_app(engine: Engine, *, secret: str | None = None, anonymous_read: bool = False,
               secure_cookies: bool = False) -> FastAPI:
    """The application on `engine` (whose pool should hold REQUEST_THREADS connections: from_environment)."""
    app = FastAPI(title="archive", description="The archive's catalogue, documents and edits; "
                  "the same keys as the command line's --json output.", lifespan=_lifespan)
    app.state.engine = engine
    app.state.config = Config(anonymous_read=anonymous_read, secure_cookies=secure_cookies)
    # Without a configured secret, sessions last as long as this process.
    app.state.sessions = auth.Sessions(secret or secrets.token_urlsafe(32), secure=secure_cookies)
    app.state.limiter = auth.LoginLimiter(engine)
    app.state.dummy_hash = auth.hash_password(secrets.token_urlsafe(16))
    # Every value is escaped, whatever the template file is called. The templates are those installed with the
    # package: not looked at again on disk for every page (auto_reload stats each file a page renders).
    app.state.templates = Jinja2Templates(env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True, auto_reload=False))
    from archive.web import views
    app.state.templates.env.globals["facet_links"] = views.facet_links
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    from archive.web import fixity, ingestion, jobs  # background ingests and audits, the fixity dashboard
    for module in (jobs, ingestion, fixity):
        app.include_router(module.router)

    app.add_middleware(SessionAndHeaders, sessions=app.state.sessions)

    @app.exception_handler(auth.NeedLogin)
    async def need_login(request: Request, exc: auth.NeedLogin):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(ArchiveError)
    async def archive_error(request: Request, exc: ArchiveError):
        status = 404 if exc.__class__.__name__ == "NotFound" else 400
        return await _error(request, status, exc.one_line())

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return await _error(request, exc.status_code, str(exc.detail))

    from archive.web import api, pages, review
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(review.router)
    return app


class SessionAndHeaders:
    """The session (request.state.session; .user looked up when first asked for: auth.current_user) before the
    route, the session cookie when it changed and the security headers after it. Plain ASGI: a BaseHTTPMiddleware
    cost a task and a stream per request."""

    HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY")]

    def __init__(self, app, *, sessions: auth.Sessions):
        self.app, self.sessions = app, sessions

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        state = scope.setdefault("state", {})
        session = self.sessions.load(Request(scope).cookies.get(auth.COOKIE))
        # The user is looked up when first asked for (auth.current_user), in a worker thread: waiting for a
        # database connection must never stop the event loop (under load it did, and every request stalled
        # until the pool's timeout; bench/WEB_LOAD.md).
        state.update(session=session, session_changed=bool(session.get("new")),
                     user=auth.PENDING if isinstance(session.get("uid"), int) else None)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", [])) + self.HEADERS
                if state.get("session_changed"):
                    headers.append((b"set-cookie", self.sessions.cookie_header(state["session"]).encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


APP_SETTINGS = ("anonymous_read", "secure_cookies")   # create_app's; the rest are the jobs' (jobs.configure)
SETTINGS_ENV = "ARCHIVE_SERVE_SETTINGS"


def from_environment() -> FastAPI:
    """The app as `archive serve --workers N` has each of its processes build it: the database from ARCHIVE_DB,
    the session secret from ARCHIVE_SECRET, the rest of serve's options as JSON in ARCHIVE_SERVE_SETTINGS."""
    import json
    import os

    from archive.store.db import make_engine
    from archive.web import jobs
    settings = json.loads(os.environ.get(SETTINGS_ENV) or "{}")
    app = create_app(make_engine(os.environ.get("ARCHIVE_DB"), connections=REQUEST_THREADS),
                     secret=os.environ.get("ARCHIVE_SECRET"),
                     **{k: settings.pop(k) for k in APP_SETTINGS if k in settings})
    jobs.configure(app, **settings)
    return app


async def _error(request: Request, status: int, message: str):
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"detail": message}, status_code=status)
    return request.app.state.templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message, "user": await auth.resolve_user(request),
                                "csrf": request.state.session.get("csrf")}, status_code=status)
