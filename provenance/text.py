"""The text rules metadata and citations share: folding, printed lines, page-number lines, list headings, ibid.

One home for each rule. Where the two sides really read text differently, both forms are here, named,
with the difference and its reason in their docstrings; the tests in tests/test_text.py pin each form
on what its callers give it.

Not here: ingest's page-number rule (``ingest.normalize``), which decides what ``text_sha256`` hashes.
It drops a page number among the first two or last two lines of a page ("Page 12" too) from the
normalized document text; the rules here read stored page text, which keeps every line, to leave page
numbers out of evidence and citations. ingest and provenance may not import each other, and the hash
is a stored contract: changing ingest's rule to match one of these would change every text hash.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

# --- folding -------------------------------------------------------------------------------------

_UNIFY = str.maketrans({"’": "'", "‘": "'", "`": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def fold(text: str, *, ascii_as_is: bool = False) -> str:
    """Casefolded, accents stripped (NFKD, which also spells out ligatures such as ﬁ), typographic
    quotes and dashes unified, and a grave accent (`) read as an apostrophe: the form comparisons use.

    ascii_as_is: an ASCII text is only casefolded, so a ` in it stays (metadata's rule). Metadata
    folds most lines of every page and took this shortcut for speed; the values and word tests it
    decides (normalized field values, vocabulary look-ups) depend on it, so it is kept. Reference
    parsing and resolution fold every text alike (OCR prints the apostrophe of "O`Brien" as `).
    Not cached: metadata folds whole documents; norm_words, which names and titles go through, is."""
    if text.isascii():
        return text.casefold() if ascii_as_is else text.replace("`", "'").casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.translate(_UNIFY).casefold()


@lru_cache(maxsize=1 << 16)
def norm_words(text: str, *, ascii_as_is: bool = False) -> str:
    """The matching form of a text: folded (see fold, and its ascii_as_is), apostrophes dropped,
    other punctuation removed, spaces collapsed."""
    return " ".join(re.findall(r"[a-z0-9]+", fold(text, ascii_as_is=ascii_as_is).replace("'", "")))


# --- printed lines -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One printed line: its page, its index on the page, and its [start, end) span in the page text.

    Made by page_lines (metadata: text stripped, pages from 1) or by raw_lines (citations: text as
    printed, pages as the caller counts them); see those for why they differ."""

    page: int
    index: int
    start: int
    end: int
    text: str

    @property
    def words(self) -> list[str]:
        return self.text.split()


def page_lines(pages: Sequence[str]) -> list[list[Line]]:
    """Every page's lines, text stripped, start/end pointing at the stripped text; pages from 1.

    Metadata reads a line's words, and its evidence spans must cover only them; its pages are
    numbered as evidence is stored (from 1)."""
    out: list[list[Line]] = []
    for pno, text in enumerate(pages, start=1):
        lines: list[Line] = []
        pos = 0
        for i, raw in enumerate(text.split("\n")):
            lead = len(raw) - len(raw.lstrip())
            stripped = raw.strip()
            s = pos + lead
            lines.append(Line(pno, i, s, s + len(stripped), stripped))
            pos += len(raw) + 1
        out.append(lines)
    return out


def raw_lines(text: str, page: int) -> list[Line]:
    """One page's lines as printed (leading spaces kept, start/end spanning the whole line), on page
    `page` as given (citations count pages from 0, as they index the page list).

    The citation finders need the line as printed: a line that starts indented carries on the entry
    above it (a hanging indent)."""
    out, pos = [], 0
    for i, raw in enumerate(text.split("\n")):
        out.append(Line(page, i, pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


# --- page-number lines ---------------------------------------------------------------------------

_PAGE_NUMBER_RE = re.compile(r"[-–—\s]*(?:\d{1,4}|[ivxlc]{1,6})[-–—\s]*", re.I)
_FOOTER_PAGE_NUMBER_RE = re.compile(r"^\W{0,3}(?:\d{1,4}|[ivxlcdm]{1,7})\W{0,3}$", re.I)


def is_page_number(text: str) -> bool:
    """A line anywhere on a page that is only a page number: digits or a roman numeral (i v x l c)
    between dashes and spaces ("12", "- 12 -", "xiv").

    Metadata asks this of any line (title block, standalone lines, list entries), so it is strict:
    no other punctuation, since "1937." can be a date line, and no d or m in numerals, since "mid",
    "dim" and "mild" are words."""
    return bool(_PAGE_NUMBER_RE.fullmatch(text.strip()))


def is_footer_page_number(text: str) -> bool:
    """A page's last printed line read as its page number: digits or a roman numeral (d and m too)
    with up to three marks of punctuation either side ("12", "[12]", "(xiv)", "- 7 -", "12.").

    Citations ask this only of a page's last line (see page_number_line), where a number is nearly
    always the folio, printed in whatever frame the typesetter used; so it is looser than
    is_page_number."""
    return bool(_FOOTER_PAGE_NUMBER_RE.match(text.strip()))


def page_number_line(lines: list[Line]) -> int | None:
    """Index of the page number when it is the page's last printed line (is_footer_page_number)."""
    filled = [i for i, ln in enumerate(lines) if ln.text.strip()]
    if not filled or not is_footer_page_number(lines[filled[-1]].text):
        return None
    # '1976.' after a line ending 'Freedom Press,' finishes a sentence: it is no page number (ingest may
    # already have dropped the real one)
    if len(filled) > 1 and re.search(r"[,:;(\-]$", lines[filled[-2]].text.rstrip()):
        return None
    return filled[-1]


# --- headings of lists of works and of notes -------------------------------------------------------

def _heading(alternatives: Sequence[str]) -> re.Pattern:
    """A heading: one of the alternatives as a whole line, any case, with an optional colon."""
    return re.compile(r"^\s*(?:" + "|".join(alternatives) + r")\s*:?\s*$", re.I)


# Headings of a list of works that both sides know.
_WORKS_CITED = (r"works\s+cited", r"works\s+consulted", r"literature\s+cited", r"sources\s+cited",
                r"references(?:\s+cited)?", r"select(?:ed)?\s+bibliography", r"bibliography", r"sources",
                r"further\s+reading")
# Headings only the citation finder knows (its entries are parsed as citations).
_WORKS_CITED_CITATIONS = (r"reference\s+list", r"sources\s+consulted", r"bibliography\s+and\s+sources")
# Lists of readings, which metadata leaves out of its evidence but whose entries are not citations.
_READING_LISTS = (r"(?:suggested|select(?:ed)?|recommended)\s+reading(?:\s+list)?", r"reading\s+list",
                  r"references\s+and\s+further\s+reading")
# Headings of a list of endnotes (the notes finder reads these, not the bibliography parser).
_NOTES = (r"notes", r"endnotes", r"footnotes", r"notes\s+and\s+(?:references|sources)",
          r"(?:references|sources)\s+and\s+notes")
# The notes headings metadata knows.
_NOTES_METADATA = (r"notes", r"endnotes", r"notes\s+and\s+references", r"references\s+and\s+notes")

WORKS_CITED_HEADING_RE = _heading(_WORKS_CITED + _WORKS_CITED_CITATIONS)
NOTES_HEADING_RE = _heading(_NOTES)
_REFERENCE_SECTION_RE = _heading(_WORKS_CITED + _READING_LISTS + _NOTES_METADATA)


def is_works_cited_heading(line: str) -> bool:
    """A heading that opens a list of works whose entries are parsed as citations ('Works Cited',
    'References', 'Select Bibliography', 'Reference List' ...). Notes headings are apart
    (NOTES_HEADING_RE): notes are read by another finder, in another way."""
    return bool(WORKS_CITED_HEADING_RE.match(line))


def is_notes_heading(line: str) -> bool:
    """A heading that opens a list of endnotes ('Notes', 'Endnotes', 'Notes and References' ...)."""
    return bool(NOTES_HEADING_RE.match(line))


def is_reference_section_heading(line: str) -> bool:
    """A heading after which lines are references, never metadata evidence: lists of works cited,
    reading lists and notes together (metadata only needs to know where such lists are).

    It differs from the citation side's two lists in what each learnt: it knows reading lists (not
    citations, so not is_works_cited_heading's), and does not know 'Reference List', 'Sources
    Consulted', 'Bibliography and Sources', 'Footnotes' or '... and Sources' notes headings. Both are
    kept as they are so that neither extraction changes; the shared part is written once above."""
    return bool(_REFERENCE_SECTION_RE.match(line))


# --- ibid. and op. cit. --------------------------------------------------------------------------

# 'op. cit.' and 'loc. cit.', as a parenthetical and a note both print them.
OP_CIT = r"(?:op|loc)\.?\s*cit"
# 'ibid.' inside a parenthetical: '(Ibid., 45)', '(lbid. 12)'. The pattern that uses it matches the
# whole parenthetical, so a first letter OCR misread (l, 1, |) is enough to tell it.
IBID_IN_PARENTHESIS = r"(?:[il1|]bid|ibidem|id)"
# 'Ibid.' opening a note, and more of what OCR makes of it ('lbid.', 'ipid,', 'IDid.'). A note runs on
# after it, so a garbled form counts only before punctuation: never a word of running text.
IBID_OPENING_NOTE = r"(?:ibidem|ibid\b|id\b|(?:[il1|!t][bpdh][il1!]d|[bp]id)(?=[.,;:]))"
