"""What a reference list is made of: entry boundaries and shapes; re-exports the parsers (headings: provenance.text)."""

from __future__ import annotations

import re
from typing import Sequence

from provenance.citations.entries import ABBREV, ND_RE, ParsedWork, looks_like_place, parse_entry, segments
from provenance.citations.names import (
    CONNECTORS,
    ORG_WORDS,
    YEAR_RE,
    clean_spaces,
    is_person,
    ocr_years,
    person_names,
    surname,
)
from provenance.citations.note_forms import author_date_refs, parse_note, reads_as_notes
from provenance.text import fold, norm_words

__all__ = ["author_date_refs", "CONNECTORS", "ORG_WORDS", "ParsedWork", "SAME_AUTHOR_RE", "YEAR_RE",
           "clean_spaces", "continues_entry", "fold", "is_person", "looks_like_entry",
           "looks_like_place", "norm_words", "ocr_years", "parse_entry", "parse_note", "person_names",
           "reads_as_notes", "segments", "split_entries", "starts_like_entry", "surname"]

_ENTRY_START_RE = re.compile(
    r"^(?:[\"“‘']|[—_\-]{2,}|"                           # quoted title, or 3-em dash for 'same author'
    r"[A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-.]*|\s+(?:of|for|the|and|de|van|von|&)\b)*\s*[,.(!?\[])"
)


# '———.' for 'the same author as above', as printed and as OCR reads it ('—— —.,', '—~—-—.')
SAME_AUTHOR_RE = re.compile(r"^[—–_\-~]{2,}(?:\s?[—–_\-~]+)*\s*[.,]*\s*")


def _ends_entry(line: str) -> bool:
    """Does this line end an entry (period not belonging to an abbreviation or initial)?"""
    s = line.rstrip()
    if not s:
        return True
    if s.endswith((".", ".”", '."', ".’")):
        m = re.search(r"(\S+)\.[”\"’]?$", s)
        word = (m.group(1) if m else "").lower().lstrip("([")
        if word in ABBREV or re.fullmatch(r"[a-z]", word):
            return False
        return True
    return False


def split_entries(lines: Sequence[str], starts_with_indent: Sequence[bool] | None = None) -> list[list[int]]:
    """Group line indices into entries (hanging indents are often lost, so use sentence ends)."""
    entries: list[list[int]] = []
    prev_ended = True
    blank = False
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            blank = True
            continue
        indented = bool(starts_with_indent and starts_with_indent[i])
        # after a finished entry any unindented line opens a new group; the caller drops groups that
        # are not entries (a colophon, a running footer) and ends the section there. OCR puts blank lines
        # inside entries too ('History Workshop' / '' / 'Bulletin 3 (1971): 4-9.'): after a blank, a line
        # opens a new group if the last one ended, or if it reads as a whole entry by itself
        new = (prev_ended or blank and looks_like_entry(line)) and not indented
        blank = False
        if new or not entries:
            entries.append([i])
        else:
            entries[-1].append(i)
        prev_ended = _ends_entry(line)
    return entries


def starts_like_entry(text: str) -> bool:
    """Does the text open like a reference (a name or a quoted title followed by punctuation)?"""
    return bool(_ENTRY_START_RE.match(text.strip()))


def continues_entry(text: str) -> bool:
    """A line group that carries on the previous entry's imprint ('Boston: Harrow Lane Press, 1988.')."""
    t = text.strip()
    return bool(re.match(r"^[a-z(\[]", t) or re.match(r"^[A-Z][\w .'’\-]{1,40}:\s+\S", t)
                or re.match(r"^(?:" + YEAR_RE + r"|" + ND_RE + r")\b", ocr_years(t)))


def looks_like_entry(text: str, *, numbered: bool = False) -> bool:
    """Does a joined entry text look like a bibliographic reference? (A numbered list's label is evidence
    enough of an entry's start, so its entries may open with a sentence-case title.)"""
    if len(text) < 12 or not (numbered or _ENTRY_START_RE.match(text)):
        return False
    if re.search(YEAR_RE + r"|" + ND_RE + r"|\bforthcoming\b|\bin press\b", ocr_years(text), re.I):
        return True
    return len(segments(text)) >= 3  # author. title. imprint. (the year lost to OCR noise)

