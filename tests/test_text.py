"""The shared text rules (provenance.text): each form pinned on what its callers give it."""

from __future__ import annotations

import pytest

from ingest.normalize import drop_page_numbers
from provenance.citations.grammar import parse_part
from provenance.citations.note_forms import parse_note
from provenance.text import (
    Line,
    fold,
    is_footer_page_number,
    is_notes_heading,
    is_page_number,
    is_reference_section_heading,
    is_works_cited_heading,
    norm_words,
    page_lines,
    page_number_line,
    raw_lines,
)

# --- fold: one function; metadata's ASCII shortcut is the named parameter --------------------------

@pytest.mark.parametrize("text", ["Café “Rouge” – ﬁrst", "Ò`Brien’s", "ŁÓDŹ — Kraków"])
def test_fold_is_one_rule_outside_ascii(text):
    assert fold(text) == fold(text, ascii_as_is=True)


def test_fold_spells_out_ligatures_and_unifies_marks():
    assert fold("Café “Rouge” – ﬁrst") == 'cafe "rouge" - first'


def test_a_grave_accent_in_ascii_text():
    # references: OCR's ` for an apostrophe is an apostrophe; metadata: an ASCII line is only casefolded
    assert fold("O`Brien") == "o'brien"
    assert fold("O`Brien", ascii_as_is=True) == "o`brien"
    assert norm_words("Don`t Mourn") == "dont mourn"
    assert norm_words("Don`t Mourn", ascii_as_is=True) == "don t mourn"
    assert norm_words("Harrow Lane Press, 1988.") == norm_words("Harrow Lane Press, 1988.", ascii_as_is=True) \
        == "harrow lane press 1988"


# --- Line: one class, two ways of reading a page ---------------------------------------------------

def test_metadata_lines_are_stripped_and_pages_count_from_one():
    [[first, second]] = page_lines(["  Title  \nBy A. Person"])
    assert first == Line(1, 0, 2, 7, "Title")
    assert second == Line(1, 1, 10, 22, "By A. Person")


def test_citation_lines_are_as_printed_on_the_page_given():
    first, second = raw_lines("  Title  \n   continued", 0)
    assert first == Line(0, 0, 0, 9, "  Title  ")
    assert second == Line(0, 1, 10, 22, "   continued")   # the indent tells a continued entry


# --- page numbers: three rules, each for its callers -----------------------------------------------

# line: (metadata's is_page_number, citations' footer rule, ingest's rule at a page's last line)
PAGE_NUMBER_LINES = {
    "12": (True, True, True),
    "- 12 -": (True, True, True),
    "— 12 —": (True, True, True),
    "xiv": (True, True, True),
    "XIV": (True, True, True),
    "-- 12 --": (True, True, False),
    "Page 12": (False, False, True),
    "[12]": (False, True, False),
    "(xiv)": (False, True, False),
    "* 12 *": (False, True, False),
    "1937.": (False, True, False),
    "mid": (False, True, True),
    "dim": (False, True, True),
    "12345": (False, False, False),
}


@pytest.mark.parametrize("line", sorted(PAGE_NUMBER_LINES))
def test_page_number_rules(line):
    page = f"A heading\nsome running text\nmore running text\n{line}"
    ingest_drops = drop_page_numbers(page) != page
    assert (is_page_number(line), is_footer_page_number(line), ingest_drops) == PAGE_NUMBER_LINES[line]


def test_page_number_line_is_the_last_printed_line():
    assert page_number_line(raw_lines("Some text.\nMore text.\n\n  - 7 -  \n\n", 0)) == 3
    assert page_number_line(raw_lines("Some text.\n7\nMore text.", 0)) is None
    # '1976.' finishing 'Freedom Press,' is the end of a sentence, not a folio
    assert page_number_line(raw_lines("London: Freedom Press,\n1976.", 0)) is None


# --- headings of lists of works and of notes -------------------------------------------------------

# Which rules take each heading: the citation finder's works-cited and notes headings, and metadata's
# reference sections (lines that are never evidence).
HEADING_RULES = {"works-cited": is_works_cited_heading, "notes": is_notes_heading,
                 "metadata": is_reference_section_heading}


@pytest.mark.parametrize("line, rules", [
    ("Works Cited", "works-cited metadata"), ("REFERENCES", "works-cited metadata"),
    ("Select Bibliography:", "works-cited metadata"), ("Sources", "works-cited metadata"),
    ("Further Reading", "works-cited metadata"),
    ("Reference List", "works-cited"), ("Sources Consulted", "works-cited"),
    ("Bibliography and Sources", "works-cited"),
    ("Suggested Reading", "metadata"), ("Reading List", "metadata"), ("References and Further Reading", "metadata"),
    ("Notes", "notes metadata"), ("Endnotes", "notes metadata"), ("Notes and References", "notes metadata"),
    ("References and Notes", "notes metadata"),
    ("Footnotes", "notes"), ("Notes and Sources", "notes"),
    ("Works cited in this chapter are listed below.", ""),
])
def test_heading_rules(line, rules):
    assert {name for name, rule in HEADING_RULES.items() if rule(line)} == set(rules.split())


# --- ibid. and op. cit.: op. cit. is one form; ibid. has a parenthetical form and a note form -------

@pytest.mark.parametrize("text", ["Ibid., 45", "lbid. 12", "Ibid"])
def test_ibid_in_both(text):
    assert parse_part(text, set()).ibid and parse_note(text).ibid


def test_a_garbled_ibid_only_opens_a_note():
    assert parse_note("ipid, 4").ibid
    assert parse_part("ipid, 4", set()) is None


@pytest.mark.parametrize("text, author, locator", [("Penrose, op. cit., 40", "Penrose", "40"),
                                                   ("op. cit., p. 12", None, "p. 12"), ("loc. cit.", None, None)])
def test_op_cit_in_both(text, author, locator):
    for w in (parse_part(text, set()), parse_note(text)):
        assert (w.op_cit, w.author, w.locator) == (True, author, locator)
