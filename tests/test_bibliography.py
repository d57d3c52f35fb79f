"""Bibliography sections and the parsing of entries and note texts."""

from __future__ import annotations

import re

import pytest

from provenance.citations import bibliography as bib
from provenance.citations import find_citations
from provenance.text import is_works_cited_heading


def _entries(pages):
    return [c for c in find_citations(pages) if c.kind == "bibliography"]


@pytest.mark.parametrize("line", ["Works Cited", "REFERENCES", "Bibliography", "Sources:", "Select Bibliography",
                                  "  Works Consulted  "])
def test_headings_recognised(line):
    assert is_works_cited_heading(line)


@pytest.mark.parametrize("line", ["Works cited in this chapter are listed below.", "Sources of the strike",
                                  "References to the League appear throughout.", "Notes"])
def test_prose_is_not_a_heading(line):
    assert not is_works_cited_heading(line)


def test_mla_entry_fields():
    pw = bib.parse_entry("Whitcombe, Margaret E. Paper Trails: A Collector's Guide to Labour Pamphlets\n"
                         "and Trade-Union Ephemera. Harrow Lane Press, 1988.")
    assert pw.author == "Whitcombe, Margaret E."
    assert pw.title == "Paper Trails: A Collector's Guide to Labour Pamphlets and Trade-Union Ephemera"
    assert (pw.year, pw.publisher, pw.place) == ("1988", "Harrow Lane Press", None)


def test_chicago_entry_has_place():
    pw = bib.parse_entry("Marchetti, Louis. Hard Times on Front Street. Riverside: Riverside Historical Society, 1949.")
    assert (pw.author, pw.title, pw.place, pw.publisher, pw.year) == (
        "Marchetti, Louis", "Hard Times on Front Street", "Riverside", "Riverside Historical Society", "1949")


def test_apa_entry_and_nd():
    pw = bib.parse_entry("Lindgren, P. (1979). Ephemera and the historian. Boston: Cedar Row Press.")
    assert (pw.author, pw.title, pw.year, pw.place, pw.publisher) == (
        "Lindgren, P.", "Ephemera and the historian", "1979", "Boston", "Cedar Row Press")
    nd = bib.parse_entry("American Party of Labor. On Trotskyites. American Party of Labor, n.d.")
    assert (nd.author, nd.title, nd.year, nd.publisher) == (
        "American Party of Labor", "On Trotskyites", None, "American Party of Labor")


def test_unsigned_article_entry():
    pw = bib.parse_entry('"Printers Walk Out at the Courier." Riverside Evening Courier, 2 May 1921, p.\n1.')
    assert pw.author is None
    assert pw.title == "Printers Walk Out at the Courier"
    assert pw.year == "1921"
    assert pw.publisher == "Riverside Evening Courier"


def test_article_in_journal():
    pw = bib.parse_entry('Hollander, Miriam. "Internal Evidence and the Undated Leaflet." Journal of Ephemera '
                         "Studies, vol. 9, 2007, pp. 11-29.")
    assert (pw.author, pw.title, pw.year, pw.locator) == (
        "Hollander, Miriam", "Internal Evidence and the Undated Leaflet", "2007", "pp. 11-29")


def test_ocr_damaged_year_is_repaired():
    pw = bib.parse_entry("Lindgren, Paul. Ephemera and the Historian. Cedar Row Press, L979.")
    assert pw.year == "1979"


def test_section_ends_at_colophon_and_keeps_continuations():
    page = ("Body text ends here.\n\nWorks Cited\n\n"
            "Doyle, Thomas. Compositors and Their Unions. Kestrel Books, 1948.\n"
            "Marchetti, Louis. Hard Times on Front Street. Riverside Historical Society,\n1949.\n"
            "Whitcombe, Margaret E. Paper Trails.\nBoston: Harrow Lane Press, 1988.\n\n"
            "Printed in a union shop.\n")
    entries = _entries([page])
    assert [e.author for e in entries] == ["Doyle, Thomas", "Marchetti, Louis", "Whitcombe, Margaret E."]
    assert entries[1].year == "1949"
    assert entries[2].place == "Boston" and entries[2].year == "1988"
    assert all("Printed" not in e.raw for e in entries)
    # offsets point at the printed entry
    assert page[entries[0].start:entries[0].end].startswith("Doyle, Thomas.")


def test_entries_continue_on_next_page_and_same_author_dash():
    pages = ["Text.\n\nReferences\n\nAdams, J. (1990). First book. Boston: Beacon.\n\n2\n",
             "———. (1995). Second book. Boston: Beacon.\nBrown, K. (2001). Third book. Chicago: Kerr.\n\n3\n"]
    entries = _entries(pages)
    assert [(e.page, e.author, e.year) for e in entries] == [
        (1, "Adams, J.", "1990"), (2, "Adams, J.", "1995"), (2, "Brown, K.", "2001")]


def test_note_forms():
    full = bib.parse_note("Thomas Doyle, Compositors and Their Unions (Boston: Kestrel Books, 1948), 112.")
    assert (full.author, full.title, full.place, full.publisher, full.year, full.locator) == (
        "Thomas Doyle", "Compositors and Their Unions", "Boston", "Kestrel Books", "1948", "112")
    assert bib.parse_note("Ibid., 115-17.").ibid
    assert bib.parse_note("Ibid.").locator is None
    oc = bib.parse_note("Doyle, op. cit., p. 120.")
    assert oc.op_cit and oc.author == "Doyle" and oc.locator == "p. 120"
    article = bib.parse_note('Miriam Hollander, "Internal Evidence and the Undated Leaflet," Journal of '
                             "Ephemera Studies 9 (2007): 14.")
    assert article.title == "Internal Evidence and the Undated Leaflet" and article.year == "2007"
    # a discursive note cites nothing
    assert bib.parse_note("The League was wound up after the war and its papers dispersed.") is None


def test_corpus_works_cited_parsed(corpus, manifest):
    """Every manifest citation of a companion joins a Works Cited entry naming the same author or title."""
    for doc_id in ("fifty-years-at-the-case", "paper-trails", "undated-and-unsigned", "ellery-collection-catalogue"):
        pages = [(corpus / p).read_text(encoding="utf-8") for p in manifest[doc_id]["ground_truth"]["pages"]]
        found = find_citations(pages)
        entries = [c for c in found if c.kind == "bibliography"]
        assert entries, doc_id
        for e in entries:
            assert e.title and (e.year or "n.d." in e.raw), e.raw
            assert e.author or e.raw.startswith('"')
            assert "Printed" not in e.raw and "·" not in e.raw    # the colophon is not part of the list
        in_text = [c for c in found if c.kind == "in-text"]
        assert len(in_text) == len(manifest[doc_id]["expected"]["citations"])
        for c in in_text:
            assert c.entry_index is not None, c.raw
            entry = found[c.entry_index]
            assert entry.kind == "bibliography"
            name = re.sub(r"[^\w ]", "", c.raw.strip("()").rsplit(" ", 1)[0]).split()[0]
            assert name in re.sub(r"[^\w ]", "", entry.raw), (c.raw, entry.raw)


@pytest.mark.parametrize("entry, fields", [
    ("Carr, E., & Lowe, S. (Eds.). (1977). The printing trades in the north. York: Borthwick Press.",
     ("Carr, E., & Lowe, S.", "The printing trades in the north", "1977", "York", "Borthwick Press")),
    ("Hartley, J. (1971b) 'The Camps Movement of 1946', History Workshop Bulletin, 3, pp. 4-9.",
     ("Hartley, J.", "The Camps Movement of 1946", "1971", None, None)),
    ("Hartley, John. 1971. Rent and Revolt. London: Pluto Press.",
     ("Hartley, John", "Rent and Revolt", "1971", "London", "Pluto Press")),
    ("Bradford Tenants' Action Group. n.d. Don't Pay the Increase! Bradford: Bradford Tenants' Action Group.",
     ("Bradford Tenants' Action Group", "Don't Pay the Increase!", None, "Bradford", "Bradford Tenants' Action Group")),
    ("Ward, Colin, ed. Housing: An Anarchist Approach. London: Freedom Press, 1976.",
     ("Ward, Colin", "Housing: An Anarchist Approach", "1976", "London", "Freedom Press")),
    ("Don't Pay the Increase! Bradford Tenants' Action Group, n.d.",
     (None, "Don't Pay the Increase!", None, None, "Bradford Tenants' Action Group")),
    ("Ward A. Why council flats are damp. Housing Review. 1977;26(3):71-4.",
     ("Ward A", "Why council flats are damp", "1977", None, None)),
    ("Morgan, Ruth, and David Price. \"Arrears and the Estate.\" Journal of Housing Studies, vol. 4, no. 1, 1980, "
     "pp. 22-39.", ("Morgan, Ruth, and David Price", "Arrears and the Estate", "1980", None, None)),
    ("Hartley, J. (1971) Rent and Revolt, London: Pluto Press.",
     ("Hartley, J.", "Rent and Revolt", "1971", "London", "Pluto Press")),
])
def test_entry_forms(entry, fields):
    pw = bib.parse_entry(entry)
    assert (pw.author, pw.title, pw.year, pw.place, pw.publisher) == fields


@pytest.mark.parametrize("entry, fields", [
    ("J. Hartley, Council Housing and the Left. London: Pluto Press, 1975.",
     ("J. Hartley", "Council Housing and the Left", "1975", "London", "Pluto Press")),
    ("A. Ward and P. Lin, \"Fading of spirit-duplicated text,\" J. Archival Conservation, vol. 9, pp. 11-20, 1994.",
     ("A. Ward and P. Lin", "Fading of spirit-duplicated text", "1994", None, None)),
    ("Leeds Tenants' Federation, Ten Years of Struggle. Leeds: Leeds Tenants' Federation, 1979.",
     ("Leeds Tenants' Federation", "Ten Years of Struggle", "1979", "Leeds", "Leeds Tenants' Federation")),
])
def test_numbered_entry_forms(entry, fields):
    pw = bib.parse_entry(entry, numbered=True)
    assert (pw.author, pw.title, pw.year, pw.place, pw.publisher) == fields


def test_ocr_blank_lines_inside_entries_and_a_year_alone_on_the_last_line():
    page = ("Text.\n\nBibliography\n\nHartley, John. \"The Camps Movement of 1946.\" History Workshop\n\n"
            "Bulletin 3 (1971): 4-9.\n\n—— —. Rent and Revolt. London: Pluto Press, 1971.\n\n"
            "Ward, Colin, ed. Housing: An Anarchist Approach. London: Freedom Press,\n1976.\n")
    entries = _entries([page])
    assert [(e.author, e.title, e.year) for e in entries] == [
        ("Hartley, John", "The Camps Movement of 1946", "1971"), ("Hartley, John", "Rent and Revolt", "1971"),
        ("Ward, Colin", "Housing: An Anarchist Approach", "1976")]
