"""Signing in to `archive serve` in tests: the three users every web test module makes, and a client
signed in as one of them (through the login form, as a person would)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from archive.store import accounts
from archive.store.db import session_scope
from archive.web.auth import hash_password

PASSWORD = "correct horse battery"
USERS = (("vera", "viewer"), ("eddie", "editor"), ("ada", "admin"))


def add_users(engine) -> None:
    with session_scope(engine) as s:
        for name, role in USERS:
            accounts.add_user(s, name, role, hash_password(PASSWORD))


def collection_site(engine):
    """The hand-made test collection (tests/helpers/collection.py) with the three users, served by an app
    with a fixed secret: (app, the collection's ids)."""
    from archive.web.app import create_app
    from tests.helpers.collection import build_collection
    ids = build_collection(engine)
    add_users(engine)
    return create_app(engine, secret="test-secret"), ids


def signed_in(app, name: str) -> tuple[TestClient, str]:
    """A client with `name`'s session, and that session's CSRF token."""
    client = TestClient(app)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    r = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return client, client.get("/api/me").json()["csrf"]


def field_version(page: str, doc: int, field: str) -> int:
    """The version of a field that the document page's edit form names (an edit sends it back)."""
    return int(re.search(r'action="/documents/%d/fields/%s".*?name="version" value="(\d+)"' % (doc, field), page,
                         re.S).group(1))


def sign_in_browser(page, base: str, name: str = "eddie") -> None:
    """Sign in through the login page in a real browser (Playwright)."""
    page.goto(base + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/login'] button")
    page.wait_for_url(base + "/")
