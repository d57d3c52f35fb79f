"""Search snippets (archive.store.snippets): the words each backend's index matched are the ones marked, in a
window of the page around them."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from archive.store import reads
from archive.store.snippets import Terms, lexemes, snippet, stems
from tests.helpers.collection import build_collection

TEXT = ("The Long Struggle. Published by the Printers' Union, London, 1931. Tithe meeting in the valley. "
        "Tax marsh tribute and the struggle for the hall. The workers struggled on; the marsh was drained by "
        "the Printers' Union in 1932, after the struggle was won.")


def test_phrases_are_marked_in_order_whatever_their_case_and_accents():
    marked = snippet(TEXT, Terms(phrases=[("printers", "union")]), words=12)
    assert "[Printers' Union]" in marked
    assert snippet("Café in Zürich, then a cafe", Terms(phrases=[("cafe",)])) == "[Café] in Zürich, then a [cafe]"
    # Typographic quotes and dashes (OCR text has them) stay where they are; the text's own first and last
    # characters are kept where the window reaches them.
    quoted = "“Workers’ rights” — a café’s story…"
    assert snippet(quoted, Terms(phrases=[("cafe",)]), words=3) == "…[café]’s story…"
    assert snippet(quoted, Terms(phrases=[("workers",)]), words=2) == "“[Workers]’ rights…"
    # The words of a phrase apart are not the phrase.
    assert "[" not in snippet("union of printers", Terms(phrases=[("printers", "union")]))


def test_the_window_shows_the_most_terms_and_says_where_the_text_goes_on():
    marked = snippet(TEXT, Terms(phrases=[("marsh",), ("struggle",)]), words=12)
    assert marked.startswith("…") and marked.endswith("…")
    assert "[marsh] tribute and the [struggle]" in marked  # the one window with both
    assert len(marked.replace("[", "").replace("]", "").strip("…").split()) == 12
    # No match: the page's first words; a page shorter than the window: all of it, no ellipsis.
    assert snippet(TEXT, Terms(phrases=[("zanzibar",)]), words=4) == "The Long Struggle. Published…"
    assert snippet("Tax  marsh\ntribute", Terms(phrases=[("marsh",)])) == "Tax [marsh] tribute"


def test_stems_mark_every_form_of_the_word_as_postgresql_matches_it():
    terms = Terms(stems=stems(["struggles"]))
    marked = snippet(TEXT, terms, words=40)
    assert all(w in marked for w in ("[Struggle]", "[struggle]", "[struggled]"))
    assert "[marsh]" not in marked
    assert lexemes("'struggl' & 'marsh' <-> 'o''brien'") == {"struggl", "marsh", "o'brien"}


@pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
def test_each_backend_marks_what_its_index_matched(engine, db_url):
    build_collection(engine)
    with Session(engine) as s:
        hit = reads.search(s, "zanzibar dockers")[0]
        assert hit.snippet == "A leaflet about the [zanzibar] [dockers], 1985."
        hit = reads.search(s, '"zanzibar dockers" -nothing')[0]
        assert "[zanzibar dockers]" in hit.snippet or "[zanzibar] [dockers]" in hit.snippet
        if engine.dialect.name == "postgresql":
            # Stemmed: "docker" matched "dockers"; "the" is a stop word PostgreSQL leaves out: not marked.
            assert reads.search(s, "the docker")[0].snippet == "A leaflet about the zanzibar [dockers], 1985."
        else:
            assert reads.search(s, "docker") == []  # FTS5 here matches whole words
            assert reads.search(s, "the DOCKERS")[0].snippet == "A leaflet about [the] zanzibar [dockers], 1985."
