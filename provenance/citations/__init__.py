"""Finding citations in page text: parenthetical in-text citations, numbered notes, bibliography entries.

``find_citations(pages)`` is the entry. The parts:

- ``layout``: a document's reference-list sections and their entries, line by line;
- ``notes``: footnotes and endnotes; ``numeric``: bracketed numbers into a numbered list;
- ``paren``: parenthetical and narrative in-text citations; ``grammar``: the grammar of one parenthetical;
  ``brackets``: parentheses OCR misread, restored before either looks;
- ``join``: citations joined to their entries and to earlier notes (ibid., op. cit., short forms);
- ``bibliography``: what a reference list is made of (its headings, entry boundaries), and the one
  import of the reference parsers: ``entries`` (one entry's fields, by style), ``note_forms``
  (a note's fields), ``names`` (persons, bodies, surnames, years).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from provenance.citations import bibliography as bib
from provenance.citations.brackets import restore
from provenance.citations.join import link
from provenance.citations.layout import bibliography_entries
from provenance.citations.notes import find_notes
from provenance.citations.numeric import bracket_citations
from provenance.citations.paren import PAREN_RE, across_pages, in_text, known_authors, parses, same_as_cited
from provenance.text import page_number_line, raw_lines

FINDER_VERSION = "citations-2.1"


@dataclass(frozen=True)
class FoundCitation:
    """One citation found in a document, with the fields that could be parsed from it."""

    page: int               # 1-based
    start: int              # char offsets of the raw span in that page's text
    end: int
    raw: str                # as printed; a line break inside becomes one space
    kind: str               # "in-text" | "note" | "bibliography"
    author: str | None      # a person, an organization, or a periodical/title when that is all that is given
    title: str | None
    year: str | None        # None for "n.d." (raw keeps it)
    locator: str | None     # pages, volume ("CW 20, 330-5", "161")
    note_number: str | None = None
    place: str | None = None
    publisher: str | None = None
    entry_index: int | None = None   # index of the joined bibliography entry, or the earlier note (ibid./op. cit.)


def find_citations(pages: Sequence[str]) -> list[FoundCitation]:
    """Every citation in the document, in reading order (in-text, notes, bibliography entries)."""
    page_lines = [raw_lines(t, i) for i, t in enumerate(pages)]
    excluded: list[list[tuple[int, int]]] = [[] for _ in pages]
    items: list[tuple[int, int, dict]] = []   # (page, start, fields)

    pnum = [page_number_line(ls) for ls in page_lines]
    for pi, ls in enumerate(page_lines):
        if pnum[pi] is not None:
            excluded[pi].append((ls[pnum[pi]].start, ls[pnum[pi]].end))

    entries = bibliography_entries(page_lines, pnum, excluded)
    for e in entries:
        items.append((e["page"], e["start"], e))

    find_notes(page_lines, pnum, excluded, items)

    # parentheses OCR misread ('{Foster)', '(Lenin 382}') put right, offsets kept, for in-text citations only
    known = known_authors(pages, entries)
    texts = [restore(t, lambda c, strict: parses(c, known, strict=strict)) for t in pages]
    known = known_authors(texts, entries)
    found: list[tuple[int, int, dict]] = []
    for pi, text in enumerate(texts):
        for m in PAREN_RE.finditer(text):
            if any(a <= m.start() < b for a, b in excluded[pi]):
                continue
            for f in in_text(text, m, known, entries, set()):
                found.append((pi, f["start"], dict(f, page=pi, kind="in-text")))
        nxt = texts[pi + 1] if pi + 1 < len(texts) else ""
        span = across_pages(text, excluded[pi], nxt)
        if span is not None:
            for f in in_text(text, span, known, entries, set()):
                found.append((pi, f["start"], dict(f, page=pi, kind="in-text")))
    numbers = {e["note_number"] for e in entries if e.get("note_number")}
    if numbers:
        for pi, text in enumerate(pages):
            for f in bracket_citations(text, excluded[pi], numbers):
                found.append((pi, f["start"], dict(f, page=pi)))
    # second look at bare names without context: kept when the same name is cited elsewhere with context
    cited = {bib.norm_words(f["author"]) for _, _, f in found if f.get("author") and not f.get("pending")}
    for pi, start, f in found:
        if f.pop("pending", False):
            if f.get("author") and same_as_cited(f["author"], cited):
                items.append((pi, start, f))
        else:
            items.append((pi, start, f))

    items.sort(key=lambda t: (t[0], t[1], 0 if t[2]["kind"] != "bibliography" else 1))
    out = [it[2] for it in items]
    link(out)
    return [
        FoundCitation(page=f["page"] + 1, start=f["start"], end=f["end"], raw=f["raw"], kind=f["kind"],
                      author=f.get("author"), title=f.get("title"), year=f.get("year"), locator=f.get("locator"),
                      note_number=f.get("note_number"), place=f.get("place"), publisher=f.get("publisher"),
                      entry_index=f.get("entry_index"))
        for f in out
    ]
