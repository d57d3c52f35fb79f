"""Who is asking: passwords (argon2), signed session cookies, roles, CSRF tokens and the login rate limit.

A session is a cookie signed with the server's secret (itsdangerous), holding the user's id and a random
CSRF token; it is HttpOnly and SameSite=Lax, and Secure when the server is told it is behind HTTPS.
Every state-changing request must echo the token (form field `csrf` or header `X-CSRF-Token`), so a
page on another site cannot act with the user's cookie.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from archive.store import accounts
from archive.store.db import read_session, session_scope
from archive.store.models import User, utcnow

COOKIE = "archive_session"
SESSION_SECONDS = 12 * 3600
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class Sessions:
    """Reads and writes the signed session cookie."""

    def __init__(self, secret: str, *, secure: bool = False):
        self._signer = URLSafeTimedSerializer(secret, salt="archive-session")
        self.secure = secure

    def load(self, cookie: Optional[str]) -> dict:
        if cookie:
            try:
                data = self._signer.loads(cookie, max_age=SESSION_SECONDS)
                if isinstance(data, dict) and isinstance(data.get("csrf"), str):
                    return data
            except BadSignature:
                pass
        return {"csrf": secrets.token_urlsafe(24), "new": True}

    def dump(self, data: dict) -> str:
        return self._signer.dumps({k: v for k, v in data.items() if k != "new"})

    def cookie_header(self, data: dict) -> str:
        """The Set-Cookie header's value for this session."""
        from starlette.responses import Response
        response = Response()
        response.set_cookie(COOKIE, self.dump(data), max_age=SESSION_SECONDS, httponly=True, samesite="lax",
                            secure=self.secure, path="/")
        return response.headers["set-cookie"]


class LoginLimiter:
    """At most `attempts` failed sign-ins per client address and per user name in `window` seconds. The count
    is in the database (archive.store.accounts), so it holds across server processes and restarts."""

    def __init__(self, engine: Engine, attempts: int = 5, window: float = 300.0):
        self.engine, self.attempts, self.window = engine, attempts, window

    def _since(self) -> datetime:
        return utcnow() - timedelta(seconds=self.window)

    def blocked(self, *keys: str) -> bool:
        with Session(self.engine) as s:
            return accounts.login_failures(s, keys, self._since()) >= self.attempts

    def failed(self, *keys: str) -> None:
        with session_scope(self.engine) as s:
            accounts.record_login_failure(s, keys, self._since())

    def succeeded(self, *keys: str) -> None:
        with session_scope(self.engine) as s:
            accounts.clear_login_failures(s, keys)


class NeedLogin(Exception):
    """No signed-in user where one is needed: pages redirect to the sign-in form, the API answers 401."""


# request.state.user until someone asks: the session names a user, not yet looked up.
PENDING = object()


def current_user(request: Request, session: Optional[Session] = None) -> Optional[User]:
    """The signed-in user (a plain record of its row: archive/store/plain.py), looked up on first use (through
    `session` when the caller has one open) in the worker thread that asks: the route's own, or a sync dependency's.
    Looked up in the middleware, it cost every request a thread hop and a connection of its own. Never on the event
    loop: async code awaits resolve_user first."""
    user = getattr(request.state, "user", None)
    if user is PENDING:
        if _on_event_loop():
            raise RuntimeError("the user is looked up in a worker thread: await auth.resolve_user(request) first")
        user = request.state.user = _lookup(request.app.state.engine, request.state.session["uid"], session)
    return user


async def resolve_user(request: Request) -> Optional[User]:
    """current_user from async code: the lookup (a database read) in a worker thread."""
    if getattr(request.state, "user", None) is PENDING:
        await run_in_threadpool(current_user, request)
    return request.state.user


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _lookup(engine: Engine, uid: int, session: Optional[Session]):
    if session is not None:
        return accounts.get_user(session, uid)
    with read_session(engine) as own:
        return accounts.get_user(own, uid)


def require(request: Request, role: str) -> User:
    """The signed-in user if their role is at least `role`; else 401 (no session) or 403."""
    user = current_user(request)
    if user is None:
        raise NeedLogin()
    if not accounts.role_at_least(user.role, role):
        raise HTTPException(status_code=403, detail=f"needs the {role} role; {user.name} is a {user.role}")
    return user


def may_read(request: Request, session: Optional[Session] = None) -> Optional[User]:
    """Reading needs a session unless the server was started with anonymous reading on."""
    user = current_user(request, session)
    if user is None and not request.app.state.config.anonymous_read:
        raise NeedLogin()
    return user


async def check_csrf(request: Request) -> None:
    """The session's CSRF token must come back with every state-changing request."""
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = (await request.form()).get("csrf")
    expected = request.state.session.get("csrf", "")
    if not isinstance(sent, str) or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token: reload the page and try again")


async def signed_in(request: Request) -> None:
    """The session names a user (401 if not), checked on the event loop from the cookie alone: whether that user
    still exists, and their role, are looked up by `needs` in the route's own worker thread."""
    if getattr(request.state, "user", None) is None:
        raise NeedLogin()


# A state-changing route's dependencies: a session (401 without), then its CSRF token (403 without), both without a
# thread hop; the role is the route's own `needs`.
CHANGE = [Depends(signed_in), Depends(check_csrf)]


def needs(role: str):
    """Route decorator: the signed-in user's role must be at least `role` (401 without a user, 403 below it),
    checked in the worker thread the route runs in, before it runs: as a sync dependency the check took a thread
    hop of its own (bench/WEB_LOAD.md, eleventh section). The route reads the user with `current_user` or
    `editor`, looked up once. tests/test_web_guards.py checks every state-changing route declares its guards."""
    def decorate(route):
        if asyncio.iscoroutinefunction(route):
            raise TypeError(f"{route.__name__}: needs() is for sync routes; async code awaits resolve_user and "
                            "calls require")

        @functools.wraps(route)
        def checked(request: Request, *args, **kwargs):
            require(request, role)
            return route(request, *args, **kwargs)
        checked.needs_role = role
        return checked
    return decorate


def editor(request: Request) -> User:
    return require(request, "editor")


def admin(request: Request) -> User:
    return require(request, "admin")


def sign_in(request: Request, name: str, password: str) -> Optional[User]:
    """The user if the password is right; None otherwise. Raises 429 while the limit is reached. No database
    connection is held while the password is checked (argon2 takes tens of milliseconds on purpose)."""
    limiter: LoginLimiter = request.app.state.limiter
    keys = (f"ip:{request.client.host if request.client else '?'}", f"user:{name.strip().lower()}")
    if limiter.blocked(*keys):
        raise HTTPException(status_code=429, detail="too many failed sign-ins: wait a few minutes")
    with Session(request.app.state.engine) as session:
        user = accounts.user_by_name(session, name.strip())
        if user is not None:
            session.expunge(user)
    # Verify against a dummy hash for unknown names, so the answer takes as long either way.
    ok = verify_password(user.password_hash if user else request.app.state.dummy_hash, password)
    if not (user and ok):
        limiter.failed(*keys)
        return None
    limiter.succeeded(*keys)
    # A new CSRF token with the new session: a token planted before sign-in is worth nothing after.
    request.state.session.clear()
    request.state.session.update({"uid": user.id, "csrf": secrets.token_urlsafe(24)})
    request.state.session_changed = True
    return user
