"""What a request of `archive serve` costs the database, checked by counting what it does (bench/WEB_LOAD.md
measures the time): the document page reads each table once, whatever the number of pages, and never the page
images (one page's image is read alone); a signed-in page works in one worker thread on one connection; a person's
edit of a document held once takes one write transaction (on SQLite the archive's one writer lock); a server process
keeps as many connections as it works on requests at once (on PostgreSQL it hands the GIL between them less often);
the job runner runs below the pages' CPU priority (on PostgreSQL its session too)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from sqlmodel import Session

from archive.store import reads
from archive.store.db import session_scope
from archive.web import views
from tests.helpers.collection import build_collection
from tests.helpers.statements import Statements

pytestmark = pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)


def _document_page(engine, doc_id: int) -> tuple[dict, Statements]:
    with Session(engine) as s, Statements(engine) as seen:
        view = views.document_view(s, doc_id)
    return view, seen


def test_the_document_page_reads_each_table_once_whatever_its_pages(engine):
    ids = build_collection(engine)
    three_pages, seen3 = _document_page(engine, ids["described"])   # 3 pages, a copy, citations out
    two_pages, seen2 = _document_page(engine, ids["leaflet"])       # 2 pages (one blank), cited
    assert len(three_pages["pages"]) == 3 and len(two_pages["pages"]) == 2
    # The same statements, whatever the number of pages, citations or copies: nothing is read per row.
    assert len(seen3.selects()) == len(seen2.selects()) + 1  # + the titles of the documents it links to
    assert len(seen2.selects()) == 10, seen2.selects()
    tables = seen3.tables()
    for table in ("document", "page", "pagelayout", "documentrelation", "decision", "assertion", "sourcefile",
                  "event"):
        assert tables[table] <= 1 + (table == "document"), (table, tables)  # document: itself, the linked titles
    assert tables["citation"] == 2  # its own citations, and the documents citing it
    # The images are not read (only whether a page has one), yet each page still says it has one; nor the
    # document's whole text (the page shows it page by page).
    assert not any(re.search(r"page\.thumbnail(?! IS NOT NULL)", s) for s in seen3.selects())
    assert not any(re.search(r"document\.text(?!_)", s) for s in seen3.selects())
    assert all(p["has_image"] for p in three_pages["pages"])
    # Every read gives plain rows, not ORM objects (archive/store/plain.py: the ORM's loading cost the page a
    # third of its time).
    assert not seen3.loaded and not seen2.loaded, (seen3.loaded, seen2.loaded)
    # What the page shows is what the JSON export says.
    with Session(engine) as s:
        exported = reads.document_json(s, reads.get_document(s, ids["described"]))
    assert three_pages["doc"] == exported
    assert [c["raw"] for c in three_pages["links"]["citations"]] == [c["raw"] for c in exported["citations"]]
    assert [r["other"] for r in three_pages["links"]["relations"]] == [ids["rescan"]]
    assert three_pages["links"]["relations"][0]["other_title"] == "workers-library-rescan"
    assert {c["target_title"] for c in three_pages["links"]["citations"] if c["target"]} == {"Dockers' Leaflet"}


def test_a_page_image_is_read_alone(engine):
    """/documents/N/pages/K/image.jpg reads that page's image, not every image of the document."""
    from fastapi.testclient import TestClient

    from archive.web.app import create_app
    ids = build_collection(engine)
    doc = ids["described"]
    with Session(engine) as s:
        kept = {p.number: p.thumbnail for p in reads.pages(s, doc)}
    assert len(kept) == 3 and all(kept.values())
    client = TestClient(create_app(engine, secret="s", anonymous_read=True))
    with Statements(engine) as seen:
        r = client.get(f"/documents/{doc}/pages/2/image.jpg")
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg" and r.content == kept[2]
    images = [s for s in seen.selects() if re.search(r"page\.thumbnail\b", s)]
    assert len(images) == 1 and re.search(r"page\.number = ", images[0]), seen.selects()   # that page's only
    assert client.get(f"/documents/{doc}/pages/4/image.jpg").status_code == 404
    assert client.get("/documents/999999/pages/1/image.jpg").status_code == 404


def test_a_signed_in_page_request_works_in_one_thread_on_one_connection(engine, monkeypatch):
    """The user named by the session is looked up in the route's own worker thread, through the route's own
    session: not in a thread and a connection of its own before the route, and the route's session is no
    dependency entered and left in threads of their own (four thread hops and two connections a page before)."""
    import anyio.to_thread
    from sqlalchemy import event

    from tests.helpers.web import collection_site, field_version, signed_in
    app, ids = collection_site(engine)
    client, csrf = signed_in(app, "eddie")
    hops, checkouts = [], []
    real = anyio.to_thread.run_sync

    async def counted(func, *args, **kwargs):
        hops.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    event.listen(engine, "checkout", lambda *a: checkouts.append(1))
    doc = ids["described"]
    for path in (f"/documents/{doc}", "/search?q=workers", "/", "/review", f"/api/documents/{doc}"):
        hops.clear()
        checkouts.clear()
        r = client.get(path)
        assert r.status_code == 200 and ("eddie" in r.text or path.startswith("/api/")), path
        # (The API's answer is then checked against its declared type in one more thread: FastAPI's.)
        assert (len(hops), len(checkouts)) == (1 + path.startswith("/api/"), 1), (path, hops)
    # An edit: its session and CSRF token checked on the event loop, then its role (the user looked up) and the
    # edit in one worker thread (two before: the role was a dependency of its own).
    page = client.get(f"/documents/{doc}").text
    version = field_version(page, doc, "place")
    hops.clear()
    r = client.post(f"/documents/{doc}/fields/place", data={"csrf": csrf, "version": version, "value": "Leeds",
                                                            "note": "the imprint"}, follow_redirects=False)
    assert r.status_code == 303 and len(hops) == 1, hops
    # A viewer's edit is refused in that same thread, before the edit runs.
    viewer, vcsrf = signed_in(app, "vera")
    hops.clear()
    r = viewer.post(f"/documents/{doc}/fields/place", data={"csrf": vcsrf, "version": version, "value": "York",
                                                            "note": "no"}, follow_redirects=False)
    assert r.status_code == 403 and len(hops) == 1, hops
    assert client.get(f"/api/documents/{doc}").json()["place"] == "Leeds"


def test_the_user_is_never_looked_up_on_the_event_loop(engine):
    """Async code (an upload, an error page) awaits the lookup, which runs in a worker thread; asking for the user
    on the event loop before that is a mistake, refused."""
    import asyncio

    from starlette.requests import Request

    from archive.web import auth
    from tests.helpers.web import collection_site
    app, _ids = collection_site(engine)
    with session_scope(engine) as s:
        from archive.store import accounts
        uid = accounts.user_by_name(s, "eddie").id
    request = Request({"type": "http", "app": app, "state": {"user": auth.PENDING, "session": {"uid": uid}}})

    async def on_the_loop():
        with pytest.raises(RuntimeError, match="resolve_user"):
            auth.current_user(request)
        user = await auth.resolve_user(request)
        assert user.name == "eddie" and auth.current_user(request) is user

    asyncio.run(on_the_loop())


def test_an_edit_of_a_document_held_once_takes_one_write_transaction(engine):
    ids = build_collection(engine)
    doc = ids["leaflet"]   # no copy, nothing shared with it
    for value in ("Paris", "Lyon"):  # (the first edit also builds the keys the hand-made collection lacks)
        with Session(engine) as s:
            version = views.field_version(s, doc, "place")
        with Statements(engine) as seen:
            views.set_field(engine, doc, "place", value, by="eddie", note="the imprint", version=version)
    assert seen.writes == 1, seen.sql
    if engine.dialect.name == "postgresql":   # its checks read outside a transaction: no BEGIN and ROLLBACK each
        assert seen.transactions == 1, seen.sql
    with Session(engine) as s:
        assert reads.get_document(s, doc).place == "Lyon"


def test_an_edit_of_a_document_with_a_copy_still_reaches_the_copy(engine):
    ids = build_collection(engine)
    original, copy = ids["described"], ids["rescan"]
    from provenance.matching import samework
    samework.share_metadata(engine, [original])   # the rescan states nothing: it takes the original's values
    with Session(engine) as s:
        assert reads.get_document(s, copy).publisher == "Pioneer Publishers"
        version = views.field_version(s, original, "publisher")
    with Statements(engine) as seen:
        views.set_field(engine, original, "publisher", "Merit Publishers", by="eddie", note="the imprint",
                        version=version)
    assert seen.writes > 1  # the edit, then the sharing with the copy
    # Each copy's assertions read once a pair, not once a field (48 reads of assertions, 110 statements in all,
    # before provenance/matching/samework.py read them once: 9 and 48).
    assert seen.tables()["assertion"] <= 10 and len(seen.selects()) <= 50, seen.tables()
    with Session(engine) as s:
        assert reads.get_document(s, copy).publisher == "Merit Publishers"
        shared = reads.document_json(s, reads.get_document(s, copy))["metadata_provenance"]["publisher"]
        assert [c["value"] for c in shared if not c["superseded"]] == ["Merit Publishers"]


def test_a_server_process_keeps_a_connection_for_each_request_it_works_on(db_url, monkeypatch):
    from archive.web import app as web_app
    monkeypatch.setenv("ARCHIVE_DB", db_url)
    monkeypatch.setenv("ARCHIVE_SECRET", "s")
    app = web_app.from_environment()
    try:
        assert app.state.engine.pool.size() == web_app.REQUEST_THREADS
        from fastapi.testclient import TestClient
        with TestClient(app) as client:   # the lifespan sets the request threads to the pool's size
            import anyio
            tokens = client.portal.call(lambda: _tokens(anyio))
        assert tokens == web_app.REQUEST_THREADS
    finally:
        app.state.engine.dispose()


async def _tokens(anyio) -> int:
    return anyio.to_thread.current_default_thread_limiter().total_tokens


def test_a_server_process_on_postgresql_switches_its_threads_less_often(engine):
    from fastapi.testclient import TestClient

    from archive.web import app as web_app
    before = sys.getswitchinterval()
    with TestClient(web_app.create_app(engine, secret="s")) as client:
        assert client.get("/login").status_code == 200
        serving = sys.getswitchinterval()
    assert sys.getswitchinterval() == before  # the process's own setting back when the app stops
    if engine.dialect.name == "postgresql":
        assert serving == pytest.approx(0.02) and before < 0.02
    else:
        assert serving == before


def test_the_job_runner_runs_below_the_pages_priority(engine, tmp_path, monkeypatch):
    from archive.web import app as web_app
    from archive.web import jobs
    code = ("from archive.web.jobs import lower_priority, AUTOGROUP; import os; b = os.nice(0); a = lower_priority();"
            "print(b, a, AUTOGROUP.read_text().split()[-1] if AUTOGROUP.exists() else -1)")
    # In a session of its own, as the server starts it. Where the kernel shares the CPU by session (autogroup), on
    # PostgreSQL the session is lowered too, or the runner would keep an equal share with the server whatever its
    # nice; on SQLite it is not (a starved runner would hold the one writer lock while edits wait).
    for url, lowered in (("postgresql://nobody@127.0.0.1:1/none", True), (f"sqlite:///{tmp_path / 'a.db'}", False)):
        env = {**os.environ, jobs.NICE_ENV: "7", "ARCHIVE_DB": url}
        before, after, session = map(int, subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=os.getcwd(),
            start_new_session=True).stdout.split())
        assert after == min(before + 7, 19)
        if session != -1:   # (a kernel with autogroup)
            assert session == (after if lowered else 0), (url, session)
    # The server hands its setting to the runner it starts (archive serve --job-nice, default 10).
    app = web_app.create_app(engine, secret="s")
    jobs.configure(app, storage=str(tmp_path), job_nice=7)
    started = {}

    class Recorded:
        def __init__(self, argv, env, **kw):
            started.update(argv=argv, env=env)

        def poll(self):
            return None

    with session_scope(engine) as s:
        from archive.store import accounts
        accounts.new_job(s, "audit", "ada", {})
    monkeypatch.setattr(jobs.subprocess, "Popen", Recorded)   # (the runner itself is not started here)
    jobs.ensure_runner(app)
    assert started["argv"][-1] == "archive.web.runner" and started["env"][jobs.NICE_ENV] == "7"
    assert jobs.JobSettings(storage=tmp_path).job_nice == 10


def test_a_pooled_postgresql_connection_is_checked_only_after_it_sat_idle(db_url, monkeypatch):
    if not db_url.startswith("postgresql"):
        pytest.skip("the check after idle is PostgreSQL's (an SQLite connection is a file, never dropped)")
    import psycopg
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from archive.store import db
    engine = db.make_engine(db_url)

    def backend() -> int:
        with engine.connect() as conn:
            return conn.execute(text("SELECT pg_backend_pid()")).scalar()

    def drop(pid: int) -> None:  # as a server restart or an idle timeout would
        with psycopg.connect(db_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    try:
        # Idle past the limit: checked on checkout and replaced, and the request never sees it.
        monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)
        first = backend()
        drop(first)
        assert backend() != first
        # The check leaves no transaction open: a page's read session (autocommit) takes the checked connection.
        for _ in range(2):
            with db.read_session(engine) as s:
                assert s.connection().connection.dbapi_connection.autocommit
                assert s.exec(text("SELECT 1")).scalar() == 1
        # Busy (used again at once): handed out without a round trip; a connection the server dropped meanwhile
        # fails that one use, and the pool is renewed for the next.
        monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 3600.0)
        second = backend()
        drop(second)
        with pytest.raises(OperationalError):
            backend()
        assert backend() not in (first, second)
    finally:
        engine.dispose()


def test_page_reads_take_no_transaction_on_postgresql_and_writes_still_do(engine):
    from sqlalchemy import text

    from archive.store.db import read_session
    build_collection(engine)
    with read_session(engine) as s:
        assert reads.get_document(s, 1).id == 1
        raw = s.connection().connection.dbapi_connection
        if engine.dialect.name == "postgresql":
            assert raw.autocommit  # no BEGIN and ROLLBACK around the request's reads
    # The same pooled connection, handed to a write afterwards, is transactional again: all or nothing.
    with pytest.raises(RuntimeError):
        with session_scope(engine) as s:
            assert s.connection().connection.dbapi_connection is raw
            s.exec(text("UPDATE document SET place = 'Nowhere' WHERE id = 1"))
            raise RuntimeError("the write fails half-way")
    with read_session(engine) as s:
        assert reads.get_document(s, 1).place != "Nowhere"
