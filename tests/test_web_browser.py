"""`archive serve` in a real headless Chromium (Debian's, as the catalogue tests use): sign in, search,
open a document, see the marked evidence, click an OCR word, correct a field and see it in the history,
with no console errors. Screenshots go to test-artifacts/."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import pytest
import uvicorn

from archive.store import accounts
from archive.store.db import session_scope
from archive.web.app import create_app
from archive.web.auth import hash_password
from tests.helpers.browser import ARTIFACTS, Watched
from tests.helpers.collection import build_collection
from tests.helpers.web import PASSWORD, sign_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


@contextmanager
def _serving(app):
    """The app under uvicorn on a free loopback port, in a thread: yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(5)


def _editor(engine) -> None:
    with session_scope(engine) as s:
        accounts.add_user(s, "eddie", "editor", hash_password(PASSWORD))


@pytest.fixture
def server(engine):
    ids = build_collection(engine)
    _editor(engine)
    with _serving(create_app(engine, secret="t")) as base:
        yield base, ids


@pytest.fixture
def ingest_server(engine, tmp_path):
    """The app with an editor, an empty archive and its storage folder in tmp_path; stops the job runner it
    started (its own child, by its handle) at the end."""
    from archive.web import jobs
    _editor(engine)
    app = create_app(engine, secret="t")
    jobs.configure(app, storage=tmp_path / "storage", ingest_jobs=1)
    with _serving(app) as base:
        yield base
    proc = getattr(app.state, "job_runner", None)
    if proc is not None and proc.poll() is None:
        proc.wait(120)


def test_upload_a_folder_of_scans_and_watch_it_ingest(ingest_server, browser):
    from tests.conftest import CORPUS
    scans = CORPUS / "workers-library" / "clean"  # three PNG pages of the shared corpus, read where they are
    if not scans.is_dir():
        pytest.skip(f"the shared corpus is absent: expected {scans} (../shared/corpus beside the project)")
    base = ingest_server
    ARTIFACTS.mkdir(exist_ok=True)
    w = Watched(browser)
    page = w.page
    sign_in_browser(page, base)
    page.click("header a[href='/ingest']")
    page.locator("input[name=folder]").set_input_files(str(scans))  # a folder upload (webkitdirectory)
    page.locator("#upload button").click()
    page.wait_for_url(base + "/jobs/*")
    assert page.locator("#job progress").count() == 1
    page.reload()  # the progress is the job's row: a reload (or another tab) follows the same job
    assert page.locator("#job progress").count() == 1
    # The script follows the job's progress from its JSON and reloads the page when it ends.
    page.wait_for_selector("#job[data-state=done]", timeout=240_000)
    page.screenshot(path=str(ARTIFACTS / "web-ingest-job.png"), full_page=True)
    assert page.locator("#failed li").count() == 0
    link = page.locator("#ingested a").first
    assert "3 pages" in page.locator("#ingested li").first.inner_text()
    assert "clean" in page.locator("#ingested li").first.inner_text()
    link.click()
    page.wait_for_selector("#pages .page")
    assert page.locator("#pages .page").count() == 3
    assert "pamphlets" in page.locator("#pages").inner_text().lower()
    page.screenshot(path=str(ARTIFACTS / "web-ingested-document.png"), full_page=True)
    page.click("header a[href='/fixity']")
    assert "3 files" in page.locator("#fixity-counts").inner_text()
    assert not w.dialogs and not w.problems, w.problems


def test_sign_in_search_read_and_correct(server, browser):
    base, ids = server
    ARTIFACTS.mkdir(exist_ok=True)
    w = Watched(browser)
    page = w.page
    page.goto(base + "/")
    assert page.url.endswith("/login")
    sign_in_browser(page, base)
    assert page.locator("#catalogue tbody tr").count() >= 4
    page.fill("header input[name=q]", "pamphlets")
    page.click("header form[action='/search'] button")
    page.locator("#hits a").first.click()
    page.wait_for_selector("mark.evidence[data-field=title]")
    assert page.locator("mark.evidence[data-field=title]").first.inner_text() == "THE WORKERS' LIBRARY"
    page.screenshot(path=str(ARTIFACTS / "web-document.png"), full_page=True)
    form = page.locator("form[action$='/fields/place']")
    form.locator("input[name=value]").fill("Chicago")
    form.locator("input[name=note]").fill("the colophon says Chicago")
    form.locator("button").click()
    page.wait_for_selector("#field-place .value")
    assert page.locator("#field-place .value").inner_text() == "Chicago"
    assert "the colophon says Chicago" in page.locator("#field-place .claims").inner_text()
    assert "Chicago" in page.locator("#events").inner_text()
    page.screenshot(path=str(ARTIFACTS / "web-edited.png"), full_page=True)
    assert not w.dialogs and not w.problems, w.problems


def test_work_the_review_queue(server, browser):
    """Reject a citation link with a reason, accept the lowest-confidence value in one click; both show as
    the editor's decisions on the document page and in its history, and the queue's counts move."""
    base, ids = server
    ARTIFACTS.mkdir(exist_ok=True)
    w = Watched(browser)
    page = w.page
    sign_in_browser(page, base)
    page.click("header a[href='/review']")
    page.wait_for_selector("#queue")
    page.click("a[href='/review?kind=links']")
    page.wait_for_selector("#queue")
    assert "0 reviewed" in page.locator("#progress").inner_text()
    link = page.locator("#queue li.item", has_text="Dockers").first
    link.locator("input[name=reason]").fill("the leaflet cited is another edition")
    link.locator("button[value=rejected]").click()
    page.wait_for_selector("#progress")
    assert "1 reviewed" in page.locator("#progress").inner_text()
    assert page.locator("#queue li.item", has_text="Dockers").count() == 0
    page.click("a[href='/review?kind=values']")
    page.wait_for_selector("#queue")
    assert "0 reviewed" in page.locator("#progress").inner_text()
    first = page.locator("#queue li.item").first
    field = first.locator("b").inner_text()
    doc_href = first.locator("a").first.get_attribute("href")
    page.screenshot(path=str(ARTIFACTS / "web-review.png"), full_page=True)
    first.locator("button[value=accepted]").click()                  # one click
    page.wait_for_selector("#progress")
    assert "1 reviewed" in page.locator("#progress").inner_text()
    page.goto(base + f"/documents/{ids['described']}")
    assert "rejected by eddie: the leaflet cited is another edition" in page.locator("#citations").inner_text()
    assert "the leaflet cited is another edition" in page.locator("#events").inner_text()
    page.goto(base + doc_href)
    assert "confirmed on review" in page.locator(f"#field-{field} .claims").inner_text()
    page.screenshot(path=str(ARTIFACTS / "web-review-document.png"), full_page=True)
    assert not w.dialogs and not w.problems, w.problems
