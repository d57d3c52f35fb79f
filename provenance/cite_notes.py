"""Numbered notes: footnotes at the foot of each page and endnotes under a Notes heading."""

from __future__ import annotations

import math
import re

from provenance import bibliography as bib
from provenance.cite_layout import Line, join_lines

_NOTE_START_RE = re.compile(r"^\s*(?P<n>\d{1,3}|[¹²³⁴⁵⁶⁷⁸⁹⁰]{1,3})(?:[.)]?\s+|(?=[A-Z“\"]))(?P<t>\S.*)$")
_GARBLED_MARK_RE = re.compile(r"^\s*[?!'’*°§†‡|]\s*(?=[A-Z“\"])")   # a note number OCR read as a sign
_SUPERSCRIPT = str.maketrans("¹²³⁴⁵⁶⁷⁸⁹⁰", "1234567890")
_SUP_OF = {str(i): c for i, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")}


def _marker_found(body: str, n: str) -> bool:
    """Is note number n printed as a reference mark in the body (superscript or glued digits)?"""
    sup = "".join(_SUP_OF[d] for d in n)
    if sup in body:
        return True
    return bool(re.search(rf"(?<=[A-Za-z.,;:!?”’\"')\]]){n}(?=[\s.,;:)]|$)", body))


def _footnote_block(lines: list[Line], stop: int, next_number: int) -> tuple[int, list[tuple[str, list[Line]]]] | None:
    """Footnotes at the foot of a page: (first line index, [(number, lines)]) or None."""
    best = None
    # walk upward from the last line, trying each note-start line as the block's top; numbers must run on
    for top in reversed([i for i in range(stop) if lines[i].text.strip()]):
        if not _NOTE_START_RE.match(lines[top].text):
            continue
        notes: list[tuple[str, list[Line]]] = []
        ok = True
        for i in range(top, stop):
            ln = lines[i]
            if not ln.text.strip():
                continue
            mm = _NOTE_START_RE.match(ln.text)
            num = mm.group("n").translate(_SUPERSCRIPT) if mm else None
            prev = int(notes[-1][0]) if notes else None
            if mm and (prev is None or prev < int(num) <= prev + 3):   # OCR may have lost a mark between
                notes.append((num, [ln]))
            elif prev is not None and _GARBLED_MARK_RE.match(ln.text):
                notes.append((str(prev + 1), [ln]))                   # '? Ibid., 115-17.': a superscript 2
            elif notes and len(notes[-1][1]) < 8 and not mm:
                notes[-1][1].append(ln)
            else:
                ok = False
                break
        if not ok or not notes:
            break
        best = (top, notes)
    if best is None:
        return None
    top, notes = best
    body = "\n".join(ln.text for ln in lines[:top])
    # evidence that these are notes and not a numbered list: their reference marks in the text above, or
    # (as OCR often loses superscripts) a block set off by a blank or rule line, numbered on from the
    # previous notes, whose entries read as citations
    marks = sum(_marker_found(body, n) for n, _ in notes)
    if marks >= max(1, math.ceil(len(notes) / 2)):
        return best
    set_off = top > 0 and (not lines[top - 1].text.strip() or re.fullmatch(r"\s*[_\-—–]{3,}\s*", lines[top - 1].text))
    numbered_on = int(notes[0][0]) in (1, next_number)
    citing = sum(bib.parse_note(_note_text(ls)) is not None for _, ls in notes)
    if set_off and numbered_on and citing >= max(1, math.ceil(len(notes) / 2)):
        return best
    return None


def _note_text(ls: list[Line]) -> str:
    """Text of a note without its number (or the sign OCR made of it)."""
    first = ls[0].text
    m = _NOTE_START_RE.match(first) or _GARBLED_MARK_RE.match(first)
    off = (m.start("t") if "t" in m.groupdict() else m.end()) if m else 0
    return "\n".join([first[off:]] + [ln.text for ln in ls[1:]])


def find_notes(page_lines: list[list[Line]], pnum: list[int | None], excluded: list[list[tuple[int, int]]],
           items: list[tuple[int, int, dict]]) -> None:
    """Footnotes at page feet and endnotes under a 'Notes' heading."""
    next_number = 1
    for pi, ls in enumerate(page_lines):
        stop = pnum[pi] if pnum[pi] is not None else len(ls)
        heading = next((k for k, ln in enumerate(ls[:stop]) if bib.NOTES_HEADING_RE.match(ln.text)), None)
        if heading is not None:
            continue
        block = _footnote_block(ls, stop, next_number)
        if not block:
            continue
        top, notes = block
        next_number = int(notes[-1][0]) + 1
        excluded[pi].append((ls[top].start, ls[stop - 1].end if stop > 0 else ls[top].end))
        for num, nls in notes:
            _emit_note(num, nls, items)
    # endnotes
    flat = [ln for pi, ls in enumerate(page_lines) for li, ln in enumerate(ls) if li != pnum[pi]]
    i = 0
    while i < len(flat):
        if not bib.NOTES_HEADING_RE.match(flat[i].text):
            i += 1
            continue
        notes: list[tuple[str, list[Line]]] = []
        j = i + 1
        while j < len(flat) and not bib.is_heading(flat[j].text):
            ln = flat[j]
            mm = _NOTE_START_RE.match(ln.text)
            if mm and (not notes or int(mm.group("n").translate(_SUPERSCRIPT)) in (int(notes[-1][0]) + 1, 1)):
                notes.append((mm.group("n").translate(_SUPERSCRIPT), [ln]))
            elif notes and ln.text.strip():
                notes[-1][1].append(ln)
            elif not notes and ln.text.strip():
                break
            j += 1
        for num, nls in notes:
            _emit_note(num, nls, items)
            for ln in nls:
                excluded[ln.page].append((ln.start, ln.end))
        i = j


def _emit_note(num: str, nls: list[Line], items: list[tuple[int, int, dict]]) -> None:
    mm = _NOTE_START_RE.match(nls[0].text)
    gm = None if mm else _GARBLED_MARK_RE.match(nls[0].text)
    offset = mm.start("t") if mm else (gm.end() if gm else 0)
    start, end, raw = join_lines(nls, offset)
    parts = _split_note(raw)
    for pstart, ptext in parts:
        pw = bib.parse_note(ptext)
        if pw is None:
            continue
        if len(parts) == 1:
            s, e, r = start, end, raw
        else:
            s, e, r = start + pstart, min(end, start + pstart + len(ptext)), ptext
        items.append((nls[0].page, s, dict(page=nls[0].page, start=s, end=e, raw=r, kind="note",
                                            author=pw.author, title=pw.title, year=pw.year, locator=pw.locator,
                                            place=pw.place, publisher=pw.publisher, note_number=num,
                                            ibid=pw.ibid, op_cit=pw.op_cit)))


def _split_note(raw: str) -> list[tuple[int, str]]:
    """Split a note citing several works at '; ' outside parentheses."""
    parts, depth, last = [], 0, 0
    for k, c in enumerate(raw):
        depth += c == "("
        depth -= c == ")"
        if c == ";" and depth == 0:
            parts.append((last, raw[last:k].strip()))
            last = k + 1
            while last < len(raw) and raw[last] == " ":
                last += 1
    parts.append((last, raw[last:].strip()))
    return [p for p in parts if p[1]]
