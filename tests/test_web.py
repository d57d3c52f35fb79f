"""`archive serve` through its HTTP interface (FastAPI's TestClient, the real app and database): sign-in,
roles, CSRF, browse, search, a document with its evidence, an edit with its history, the conflict
between two editors, hostile values kept inert."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from archive.store import accounts
from archive.store.db import session_scope
from archive.web.app import create_app
from tests.helpers.collection import HOSTILE_TITLE
from tests.helpers.web import PASSWORD, collection_site, field_version, signed_in

pytestmark = pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def site(engine):
    return collection_site(engine)


def test_reading_needs_a_session_unless_anonymous_reading_is_on(site, engine):
    app, ids = site
    anon = TestClient(app)
    assert anon.get("/api/documents").status_code == 401
    assert anon.get("/", follow_redirects=False).headers["location"] == "/login"
    open_app = create_app(engine, secret="s", anonymous_read=True)
    assert TestClient(open_app).get("/api/documents").json()["total"] == len(set(ids.values()))


def test_session_cookie_and_headers(site):
    app, _ = site
    r = TestClient(app).get("/login")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "default-src 'none'" in r.headers["content-security-policy"]


def test_wrong_password_then_rate_limited(site):
    app, _ = site
    client = TestClient(app)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    codes = [client.post("/login", data={"name": "eddie", "password": "nope", "csrf": csrf}).status_code
             for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    # Even the right password is refused while the limit holds.
    assert client.post("/login", data={"name": "eddie", "password": PASSWORD, "csrf": csrf}).status_code == 429


def test_the_rate_limit_is_shared_by_server_processes_and_outlives_a_restart(site, engine):
    """Two apps on one database stand for two `archive serve --workers` processes (or a restart): failures
    counted by one block sign-in on the other; a right password afterwards clears the count."""
    app, _ = site

    def attempt(some_app, password):
        client = TestClient(some_app)
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
        return client.post("/login", data={"name": "eddie", "password": password, "csrf": csrf},
                           follow_redirects=False).status_code

    other = create_app(engine, secret="s")
    assert [attempt(app, "nope") for _ in range(3)] + [attempt(other, "nope") for _ in range(2)] == [401] * 5
    assert attempt(other, PASSWORD) == 429 and attempt(create_app(engine, secret="s"), PASSWORD) == 429
    with session_scope(engine) as s:   # the window passes: the failures are older than it
        from datetime import timedelta

        from sqlalchemy import update

        from archive.store.models import LoginFailure, utcnow
        s.exec(update(LoginFailure).values(at=utcnow() - timedelta(seconds=301)))
    assert attempt(other, PASSWORD) == 303 and attempt(app, "nope") == 401


def test_login_without_csrf_is_refused(site):
    app, _ = site
    client = TestClient(app)
    client.get("/login")
    assert client.post("/login", data={"name": "eddie", "password": PASSWORD}).status_code == 403


def test_catalogue_search_and_document(site):
    app, ids = site
    client, _ = signed_in(app, "vera")
    listing = client.get("/api/documents", params={"sort": "date", "desc": True}).json()
    dates = [d["date"] for d in listing["documents"] if d["date"]]
    assert dates == sorted(dates, reverse=True)
    assert ["Socialist Workers Party", 2] in listing["facets"]["organization"] or \
        any(v == "Socialist Workers Party" for v, _ in listing["facets"]["organization"])
    hits = client.get("/api/search", params={"q": "pamphlets"}).json()["hits"]
    assert ids["described"] in [h["document"] for h in hits]
    page = client.get(f"/documents/{ids['described']}").text
    # The title's evidence span is marked on the page text.
    assert '<mark class="evidence" data-field="title">THE WORKERS&#39; LIBRARY</mark>' in page
    assert "Named on the back cover" in page  # the person's reason


def test_hostile_values_stay_inert(site):
    app, ids = site
    client, _ = signed_in(app, "vera")
    for path in ("/", f"/documents/{ids['hostile']}", "/search?q=markup"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>markup</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(f"/documents/{ids['hostile']}").text
    assert client.get(f"/api/documents/{ids['hostile']}").json()["title"] == HOSTILE_TITLE


def test_edit_needs_session_csrf_and_editor_role(site):
    app, ids = site
    doc = ids["described"]
    url = f"/api/documents/{doc}/fields/place"
    body = {"value": "Chicago", "note": "colophon", "version": 0}
    assert TestClient(app).post(url, json=body).status_code == 401
    viewer, vcsrf = signed_in(app, "vera")
    assert viewer.post(url, json=body, headers={"X-CSRF-Token": vcsrf}).status_code == 403
    editor, ecsrf = signed_in(app, "eddie")
    assert editor.post(url, json=body).status_code == 403  # no token
    assert editor.post(url, json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert editor.post(url, json=body, headers={"X-CSRF-Token": vcsrf}).status_code == 403  # another's token
    assert editor.get(f"/api/documents/{doc}").json()["place"] == "New York"


def test_edit_becomes_a_persons_assertion_and_the_second_editor_is_told(site):
    app, ids = site
    doc = ids["described"]
    a, acsrf = signed_in(app, "eddie")
    b, bcsrf = signed_in(app, "ada")
    page = a.get(f"/documents/{doc}").text
    version = field_version(page, doc, "place")
    r = a.post(f"/documents/{doc}/fields/place", data={"value": "Chicago", "note": "the colophon says so",
                                                       "version": version, "csrf": acsrf}, follow_redirects=False)
    assert r.status_code == 303
    shown = a.get(f"/api/documents/{doc}").json()
    assert shown["place"] == "Chicago"
    claim = shown["metadata_provenance"]["place"][-1]
    assert claim["agent"] == "eddie" and claim["agent_kind"] == "person" and claim["note"] == "the colophon says so"
    assert any("place" in e["detail"] and "Chicago" in e["detail"] for e in shown["events"])
    # The second editor started from the same version: refused, told the current value, their value kept.
    r = b.post(f"/documents/{doc}/fields/place", data={"value": "Boston", "note": "cover", "version": version,
                                                       "csrf": bcsrf})
    assert r.status_code == 409 and "Chicago" in r.text and "Boston" in r.text
    assert b.get(f"/api/documents/{doc}").json()["place"] == "Chicago"


def test_openapi_describes_the_api(site):
    app, _ = site
    spec = TestClient(app).get("/openapi.json").json()
    assert "/api/documents/{doc_id}/fields/{field}" in spec["paths"] and "/api/search" in spec["paths"]


def test_user_add_prompts_hashes_and_signs_in(db_url, engine, run_cli):
    r = run_cli(db_url, "user", "add", "newbie", "--role", "editor", "--json",
                input="long enough pw\nlong enough pw\n")
    assert r.exit_code == 0, r.output
    with session_scope(engine) as s:
        stored = accounts.user_by_name(s, "newbie").password_hash
    assert stored.startswith("$argon2id$") and "long enough" not in stored
    assert run_cli(db_url, "user", "add", "x", "--role", "editor", input="short\nshort\n").exit_code == 2
    assert run_cli(db_url, "user", "add", "x", "--role", "owner", input="").exit_code == 2


def test_file_routes_refuse_traversal(site):
    app, ids = site
    client, _ = signed_in(app, "vera")
    for path in ("/documents/..%2F..%2Fetc%2Fpasswd/pages/1/image.jpg", "/static/..%2F..%2Fstore%2Fdb.py",
                 "/static/../auth.py", f"/documents/{ids['described']}/pages/..%2F1/image.jpg"):
        r = client.get(path)
        assert r.status_code in (404, 422), (path, r.status_code)
        assert "import" not in r.text
