"""The HTML catalogue in a real headless Chromium: loads cleanly, every link resolves, filter and sort work,
hostile metadata stays text. Screenshots go to test-artifacts/ for a person to look at."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from reports.build import build_reports
from tests.helpers.browser import ARTIFACTS, Watched
from tests.helpers.collection import HOSTILE_TITLE, build_collection

# The browser checks what the HTML does; the reads behind it run on both backends in the other
# report tests, so one backend is enough here (and keeps the suite's time down).
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]



def _site(engine, tmp_path):
    ids = build_collection(engine)
    out = tmp_path / "site"
    build_reports(engine, out, "all")
    return ids, out


def _shot(page, name: str, backend_url: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tag = "postgres" if backend_url.startswith("postgres") else "sqlite"
    # Lazy images load only when near the viewport: scroll through so full-page shots show them.
    page.evaluate("""async () => { for (let y = 0; y < document.body.scrollHeight; y += 600) {
        window.scrollTo(0, y); await new Promise(r => setTimeout(r, 20)); } window.scrollTo(0, 0); }""")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / f"catalog-{name}-{tag}.png"), full_page=True)


def visible_titles(page) -> list[str]:
    return page.eval_on_selector_all("#documents tbody tr:not([hidden]) td.title a",
                                     "els => els.map(e => e.textContent)")


def test_index_loads_filters_and_sorts(browser, engine, db_url, tmp_path):
    ids, site = _site(engine, tmp_path)
    w = Watched(browser)
    page = w.open(site / "index.html")
    assert page.title().startswith("Documents")
    assert len(visible_titles(page)) == 4
    # Filtering narrows as one types, and widens again when cleared.
    page.fill("#filter", "pioneer")
    assert visible_titles(page) == ["The Workers' Library"]
    assert page.text_content("#filter-count") == "1 of 4 shown"
    page.fill("#filter", "london 1985")
    assert visible_titles(page) == ["Dockers' Leaflet"]
    page.fill("#filter", "no such words anywhere")
    assert visible_titles(page) == [] and page.is_visible(".empty-filter")
    page.fill("#filter", "")
    assert len(visible_titles(page)) == 4
    # Sorting: by page count, ascending then descending; by title.
    page.click("#documents th:nth-child(7) button")
    counts = page.eval_on_selector_all("#documents tbody tr td:nth-child(7)", "els => els.map(e => +e.textContent)")
    assert counts == sorted(counts) and counts != sorted(counts, reverse=True)
    assert page.get_attribute("#documents th:nth-child(7)", "aria-sort") == "ascending"
    page.click("#documents th:nth-child(7) button")
    counts = page.eval_on_selector_all("#documents tbody tr td:nth-child(7)", "els => els.map(e => +e.textContent)")
    assert counts == sorted(counts, reverse=True)
    page.click("#documents th:nth-child(6) button")  # by date: undated documents go last
    dates = page.eval_on_selector_all("#documents tbody tr td:nth-child(6)", "els => els.map(e => e.dataset.sort)")
    assert dates[:3] == ["1969", "1972-05", "1985-02-11"] and dates[3] == ""
    # The hostile title is text on the page, and no script from it ran.
    assert HOSTILE_TITLE in visible_titles(page)
    assert w.dialogs == [] and w.problems == []
    _shot(page, "index", db_url)
    phone = Watched(browser, width=390, height=844)
    _shot(phone.open(site / "index.html"), "index-phone", db_url)
    assert phone.problems == []
    phone.close()
    w.close()


def test_document_page_shows_citations_and_provenance(browser, engine, db_url, tmp_path):
    ids, site = _site(engine, tmp_path)
    w = Watched(browser)
    page = w.open(site / "documents" / f"doc-{ids['described']}.html")
    title_row = page.text_content("#field-title")
    assert "THE WORKERS' LIBRARY" in title_row and "page 1" in title_row
    assert "Named on the back cover" in page.text_content("#field-organization")
    # Following the evidence link lands on the highlighted words in the page text.
    page.click("#field-title a")
    assert page.evaluate("location.hash").startswith("#ev-")
    assert page.text_content(":target") == "THE WORKERS' LIBRARY"
    citations = page.text_content("#citations")
    assert "(Marx 1867)" in citations and "Dockers' Leaflet" in citations and HOSTILE_TITLE in citations
    # The citation of a held document links to it.
    page.click("#citations a:has-text(\"Dockers' Leaflet\")")
    assert page.url.endswith(f"documents/doc-{ids['leaflet']}.html")
    page.go_back()
    images = page.eval_on_selector_all("#pages img", "els => els.length")
    assert images == 3
    _shot(page, "document", db_url)
    loaded = page.eval_on_selector_all("#pages img", "els => els.map(e => e.complete && e.naturalWidth > 0)")
    assert loaded == [True, True, True]
    hostile = w.open(site / "documents" / f"doc-{ids['hostile']}.html")
    assert hostile.text_content("h1").strip() == HOSTILE_TITLE
    assert hostile.eval_on_selector_all("script", "els => els.map(e => e.getAttribute('src'))") == \
        ["../static/catalog.js"]
    _shot(hostile, "document-hostile", db_url)
    assert w.dialogs == [] and w.problems == []
    w.close()


def test_every_link_resolves_in_the_browser(browser, engine, db_url, tmp_path):
    ids, site = _site(engine, tmp_path)
    w = Watched(browser)
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 4 + 6
    # One visit per page: what it links to, and the element ids it offers as link targets.
    links: dict[Path, list[str]] = {}
    anchors: dict[Path, set[str]] = {}
    for html in pages:
        page = w.open(html)
        links[html] = page.eval_on_selector_all(
            "a[href], img[src], link[href], script[src]",
            "els => els.map(e => new URL(e.getAttribute('href') || e.getAttribute('src'), document.baseURI).href)")
        anchors[html.resolve()] = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
        if html.name == "citations.html":
            _shot(page, "citations", db_url)
            # The graph's document circles link to document pages.
            assert page.eval_on_selector_all("svg a", "els => els.length") >= 3
    checked = 0
    for html, urls in links.items():
        for url in urls:
            parts = urlsplit(url)
            assert parts.scheme == "file", f"{html.name}: link leaves the catalogue: {url}"
            target = Path(unquote(parts.path)).resolve()
            assert target.is_file(), f"{html.relative_to(site)}: {url} does not resolve"
            assert target.is_relative_to(site.resolve())
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in anchors[target], f"{html.relative_to(site)}: {url} names no element"
            checked += 1
    assert checked > 100
    assert w.dialogs == [] and w.problems == []
    w.close()


def test_print_layout_hides_the_interactive_parts(browser, engine, db_url, tmp_path):
    _ids, site = _site(engine, tmp_path)
    w = Watched(browser)
    page = w.open(site / "index.html")
    page.emulate_media(media="print")
    assert not page.is_visible(".filter") and not page.is_visible(".masthead nav")
    assert page.is_visible("#documents") and page.is_visible("footer")
    assert w.problems == []
    w.close()
