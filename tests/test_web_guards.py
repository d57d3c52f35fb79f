"""Every state-changing route of `archive serve` declares its guards: the CSRF token, and a role. The behaviour of
each guard is tested route by route (test_web.py, test_web_review.py, test_web_ingest.py); this test fails when a
new route is added without them."""

from __future__ import annotations

import pytest
from fastapi import HTTPException
from fastapi.routing import APIRoute

from archive.store.db import make_engine
from archive.web import auth
from archive.web.app import create_app

# Routes that check inside their own code, before they read a byte of the body (archive/web/ingestion.py _upload).
CHECKED_INSIDE = {"ingest_upload", "api_ingest_upload"}
# Routes anyone may post to, with the CSRF token: signing in and out.
ANYONE = {"login", "logout"}


def _calls(dependant) -> set:
    out = set()
    for d in dependant.dependencies:
        out.add(d.call)
        out |= _calls(d)
    return out


def _routes(routes) -> list[APIRoute]:
    """The app's API routes, also those of included routers (held apart by newer FastAPI releases)."""
    out = []
    for r in routes:
        if isinstance(r, APIRoute):
            out.append(r)
        elif getattr(r, "original_router", None) is not None:
            out += _routes(r.original_router.routes)
        elif getattr(r, "routes", None):
            out += _routes(r.routes)
    return out


def test_every_state_changing_route_declares_csrf_and_a_role(tmp_path):
    app = create_app(make_engine(f"sqlite:///{tmp_path / 'a.db'}"), secret="s")
    changing = [r for r in _routes(app.routes) if r.methods & {"POST", "PUT", "PATCH", "DELETE"}]
    assert len(changing) >= 12, [r.path for r in changing]
    unguarded = []
    for route in changing:
        if route.name in CHECKED_INSIDE:
            continue
        calls = _calls(route.dependant)
        role = getattr(route.endpoint, "needs_role", None) or (
            "editor" if auth.editor in calls else "admin" if auth.admin in calls else None)
        if auth.check_csrf not in calls or (role is None and route.name not in ANYONE):
            unguarded.append(route.path)
        if getattr(route.endpoint, "needs_role", None):
            # The session is checked before the token (401 before 403), on the event loop.
            assert auth.signed_in in calls, route.path
    assert unguarded == []


def test_needs_checks_the_role_before_the_route_runs():
    ran = []

    @auth.needs("admin")
    def route(request, value):
        ran.append(value)
        return value

    class Request:   # the attributes require() reads: a user already looked up
        class state:
            user = type("U", (), {"name": "eddie", "role": "editor"})()

    with pytest.raises(HTTPException) as refused:
        route(request=Request, value=1)
    assert refused.value.status_code == 403 and "admin" in refused.value.detail and ran == []
    Request.state.user.role = "admin"
    assert route(request=Request, value=2) == 2 and ran == [2]
    assert route.needs_role == "admin"
