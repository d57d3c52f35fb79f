"""Filters and facets on the catalogue and the full-text search, in the pages and the JSON API (the keys of
`archive list --json` and `archive search --json`), and the indexes they are read by."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from archive.store import reads
from archive.web.app import create_app
from tests.helpers.collection import build_collection
from tests.helpers.statements import Statements

pytestmark = pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def site(engine):
    ids = build_collection(engine)
    return TestClient(create_app(engine, secret="s", anonymous_read=True)), ids


def test_search_filters_and_facets_in_the_api_with_the_cli_keys(site, db_url, run_cli):
    client, ids = site
    q = "pamphlets OR leaflet OR markup"
    every = client.get("/api/search", params={"q": q}).json()
    assert every["total_documents"] == 4 and len(every["hits"]) == 4
    assert ["Pioneer Publishers", 1] in every["facets"]["publisher"] and ["London", 1] in every["facets"]["place"]
    one = client.get("/api/search", params={"q": q, "publisher": "Pioneer Publishers", "exact": "publisher"}).json()
    assert [h["document"] for h in one["hits"]] == [ids["described"]] and one["total_documents"] == 1
    assert one["facets"]["place"] == [["New York", 1]]
    # A part of a value without `exact`, as `archive search --publisher` takes it; the same hits and keys.
    part = client.get("/api/search", params={"q": q, "publisher": "pioneer"}).json()
    cli = run_cli(db_url, "search", q, "--publisher", "pioneer", "--json")
    assert cli.exit_code == 0 and json.loads(cli.output) == part["hits"]
    dated = client.get("/api/search", params={"q": q, "date_from": "1980", "date_to": "1990"}).json()
    assert [h["document"] for h in dated["hits"]] == [ids["leaflet"]]
    assert client.get("/api/search", params={"q": "-x"}).status_code == 400


def test_catalogue_facets_exact_and_the_cli_keys(site, db_url, run_cli):
    client, ids = site
    listing = client.get("/api/documents").json()
    assert set(listing["facets"]) == {"organization", "publisher", "place"}
    cli = json.loads(run_cli(db_url, "list", "--json").output)
    assert set(cli[0]) <= set(listing["documents"][0]), set(cli[0]) - set(listing["documents"][0])
    assert client.get("/api/documents", params={"place": "york"}).json()["total"] == 1
    assert client.get("/api/documents", params={"place": "york", "exact": "place"}).json()["total"] == 0
    assert client.get("/api/documents", params={"place": "New York", "exact": "place"}).json()["total"] == 1


def test_facet_links_keep_the_filters_and_stay_escaped(site):
    client, ids = site
    html = client.get("/", params={"place": "London", "sort": "date"}).text
    # The typed part of a place stays a part; the facet's publisher is a whole value.
    assert 'href="/?publisher=Pathfinder+Press&amp;place=London&amp;exact=publisher&amp;sort=date"' in html
    html = client.get("/", params={"place": "London", "exact": "place"}).text
    assert ('href="/?publisher=Pathfinder+Press&amp;place=London&amp;exact=place&amp;exact=publisher&amp;sort=id"'
            in html)
    assert client.get("/api/documents", params={"exact": "title"}).status_code == 422
    html = client.get("/search", params={"q": "pamphlets OR markup"}).text
    assert "<b>Org</b>" not in html and "&lt;b&gt;Org&lt;/b&gt; &amp; Co" in html
    assert ('href="/search?organization=%3Cb%3EOrg%3C%2Fb%3E+%26+Co&amp;exact=organization&amp;q=pamphlets+OR+markup"'
            in html)
    assert '<p id="matched">3 documents match</p>' in html


def _plans(engine, fn) -> list[str]:
    """SQLite's plan of every statement `fn` runs (the real statements, with their parameters)."""
    with Statements(engine) as seen:
        fn()
    plans = []
    with engine.connect() as conn:
        for statement, params in [(st, p) for st, p in seen.raw if st.lstrip().upper().startswith("SELECT")]:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            plans.append(" | ".join(str(r[-1]) for r in rows))
    return plans


def test_facets_and_exact_filters_are_read_by_index(site, engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("the plans are checked on SQLite; PostgreSQL chooses by its table statistics")

    def facets(flt):
        with Session(engine) as s:
            reads.facet_counts(s, flt)

    plans = _plans(engine, lambda: facets(reads.DocumentFilter()))
    for column, plan in zip(("organization", "publisher", "place"), plans):
        assert f"COVERING INDEX ix_document_{column}" in plan and "TEMP B-TREE FOR GROUP BY" not in plan, plan
    plans = _plans(engine, lambda: facets(reads.DocumentFilter(place="London", exact=("place",))))
    assert all("INDEX ix_document_place" in p and "SCAN document" not in p for p in plans), plans


def test_an_unfiltered_search_ranks_pages_in_the_index_alone(site, engine):
    """Without a filter SQLite ranks the matching pages in the full-text index, then looks up only the top ones
    in the page and document tables. Joined first, every matching page was looked up twice before the sort."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the plans are checked on SQLite; PostgreSQL chooses by its table statistics")

    def search():
        with Session(engine) as s:
            assert reads.search(s, "pamphlets OR leaflet OR markup")
    [plan] = [p for p in _plans(engine, search) if "page_fts" in p]
    steps = plan.split(" | ")
    ranked = next(i for i, step in enumerate(steps) if step.startswith("SCAN page_fts"))
    looked_up = next(i for i, step in enumerate(steps) if step.startswith("SEARCH page "))
    assert steps[0] in ("MATERIALIZE top", "CO-ROUTINE top") and ranked < steps.index("SCAN top") < looked_up, plan


def test_search_facets_from_one_read_agree_with_the_group_by_fallback(site, engine, monkeypatch):
    """A search matching few documents counts its facets from one read of their values; one matching more
    than FACET_ROWS falls back to a count and a GROUP BY per facet. Both give the same answer, filter and all."""
    q = "pamphlets OR leaflet OR markup"
    for flt in (reads.DocumentFilter(), reads.DocumentFilter(date_to="1990"),
                reads.DocumentFilter(publisher="pioneer")):
        with Session(engine) as s:
            with Statements(engine) as seen:
                one_read = reads.search_facets(s, q, flt)
            assert len(seen.selects()) == 1 and "GROUP BY" not in seen.selects()[0], seen.sql
            monkeypatch.setattr(reads, "FACET_ROWS", 0)
            grouped = reads.search_facets(s, q, flt)
            monkeypatch.setattr(reads, "FACET_ROWS", 20_000)
        assert one_read == grouped and one_read["total_documents"] >= 1, (flt, one_read, grouped)


def test_search_results_come_in_pages(site, monkeypatch):
    """The API and the page give the ranking a page at a time: pages are disjoint, together the whole ranking,
    `more` says whether another follows, and the page links to the next and the previous."""
    client, ids = site
    q = "pamphlets OR leaflet OR markup"
    ranking = client.get("/api/search", params={"q": q, "limit": 200}).json()["hits"]
    whole = [(h["document"], h["page"]) for h in ranking]
    assert len(whole) >= 3
    pages, page = [], 1
    while True:
        got = client.get("/api/search", params={"q": q, "limit": 2, "page": page}).json()
        pages.append([(h["document"], h["page"]) for h in got["hits"]])
        if not got["more"]:
            break
        page += 1
    assert [hit for p in pages for hit in p] == whole and all(len(p) == 2 for p in pages[:-1])
    from archive.web import pages as web_pages
    monkeypatch.setattr(web_pages, "SEARCH_PAGE", 2)
    first = client.get("/search", params={"q": q}).text
    assert 'rel="next" href="/search?q=pamphlets+OR+leaflet+OR+markup&amp;page=2"' in first, first
    assert 'rel="prev"' not in first
    second = client.get("/search", params={"q": q, "page": 2}).text
    assert 'rel="prev"' in second and '<ol id="hits" start="3">' in second
