"""Numbered notes: footnotes at the foot of each page and endnotes under a Notes heading."""

from __future__ import annotations

import math
import re

from provenance.citations import bibliography as bib
from provenance.citations.layout import join_lines, numbered_groups
from provenance.text import Line, is_notes_heading, is_works_cited_heading

_NOTE_START_RE = re.compile(r"^\s*(?P<n>\d{1,3}|[¹²³⁴⁵⁶⁷⁸⁹⁰]{1,3})(?:[.)]?\s+|(?=[A-Z“\"]|[il1|][bpD]id))(?P<t>\S.*)$")
_GARBLED_MARK_RE = re.compile(r"^\s*[?!'’*°§†‡|=®©«»~^]\s*(?=[A-Z“\"]|[l1|]bid\b)")   # a note number OCR read as a sign
# letters OCR reads for the digits of a small raised note number: 's Holroyd, Flour and Fire, 80.' is note 5
_LOOKALIKE_RE = re.compile(r"^\s*(?P<m>[\dslIiZzgqbBoOA]{1,3})[.)]?\s+(?=[A-Z“\"]|[l1|]bid\b)")
_LOOKALIKE = str.maketrans("slIiZzgqbBoOA", "5111229968004")
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
        # a block may open with a mark OCR or a text layer garbled ('? Penrose, op. cit.') when the
        # numbering runs on from notes on earlier pages
        garbled_top = next_number > 1 and _garbled_start(lines[top].text, next_number) is not None
        if not _NOTE_START_RE.match(lines[top].text) and not garbled_top:
            continue
        notes: list[tuple[str, list[Line]]] = []
        ok = True
        for i in range(top, stop):
            ln = lines[i]
            if not ln.text.strip():
                continue
            mm = _NOTE_START_RE.match(ln.text)
            num = mm.group("n").translate(_SUPERSCRIPT) if mm else None
            prev = int(notes[-1][0]) if notes else (next_number - 1 if garbled_top and not mm else None)
            if mm and (prev is None or prev < int(num) <= prev + 3):   # OCR may have lost a mark between
                notes.append((num, [ln]))
            elif prev is not None and _garbled_start(ln.text, prev + 1) is not None:
                notes.append((str(prev + 1), [ln]))                   # '? Ibid., 115-17.': a superscript 2
            elif mm and prev is not None and len(num) == 1 and bib.parse_note(mm.group("t")) is not None:
                notes.append((str(prev + 1), [ln]))                   # '2 Op. cit.' after note 4: a misread 5
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
    citing = sum(bib.parse_note(_note_text(n, ls)) is not None for n, ls in notes)
    if set_off and numbered_on and citing >= max(1, math.ceil(len(notes) / 2)):
        return best
    if numbered_on and citing == len(notes) and (int(notes[0][0]) > 1 or len(notes) > 1 or marks):
        # every one a citation, numbered from 1 or on from earlier pages' notes: a text layer keeps no blank
        # line above the notes, and OCR garbles the marks
        return best
    return None


def _garbled_start(text: str, expected: int) -> int | None:
    """Offset of the note text when OCR turned the expected note number into a sign ('? Ibid.') or into
    look-alike letters ('s' for 5, 'l' for 1); None otherwise."""
    gm = _GARBLED_MARK_RE.match(text)
    if gm:
        return gm.end()
    lm = _LOOKALIKE_RE.match(text)
    if lm and not lm.group("m").isdigit() and lm.group("m").translate(_LOOKALIKE) == str(expected):
        return lm.end()
    return None


def _text_offset(first: str, num: str) -> int:
    m = _NOTE_START_RE.match(first)
    if m:
        return m.start("t")
    g = _garbled_start(first, int(num))
    return g if g is not None else 0


def _note_text(num: str, ls: list[Line]) -> str:
    """Text of a note without its number (or the sign OCR made of it)."""
    first = ls[0].text
    return "\n".join([first[_text_offset(first, num):]] + [ln.text for ln in ls[1:]])


def _call_context(page_lines: list[list[Line]], excluded: list[list[tuple[int, int]]], page: int, num: str) -> str:
    """The body text just before the reference mark that calls note `num` (on its page or, for endnotes, before)."""
    sup = "".join(_SUP_OF[d] for d in num)
    mark = re.compile(rf"{re.escape(sup)}|(?<=[A-Za-z.,;:!?”’\"')\]]){num}(?=[\s.,;:)]|$)")
    for p in range(page, -1, -1):
        text = "\n".join(ln.text for ln in page_lines[p])
        calls = [m for m in mark.finditer(text) if not any(a <= m.start() < b for a, b in excluded[p])]
        if calls:
            return text[max(0, calls[-1].start() - 300):calls[-1].start()]
    return ""


def find_notes(page_lines: list[list[Line]], pnum: list[int | None], excluded: list[list[tuple[int, int]]],
               items: list[tuple[int, int, dict]]) -> None:
    """Footnotes at page feet and endnotes under a 'Notes' heading."""
    first = len(items)
    _page_notes(page_lines, pnum, excluded, items)
    _endnotes(page_lines, pnum, excluded, items)
    for _, _, f in items[first:]:
        if f.get("op_cit") and not f.get("author"):
            f["context"] = _call_context(page_lines, excluded, f["page"], f["note_number"])


def _notes_heading(lines: list[Line], i: int) -> bool:
    """'Notes', or 'References' over numbered items that read as notes ('1. Ibid., 4.')."""
    if is_notes_heading(lines[i].text):
        return True
    if not is_works_cited_heading(lines[i].text):
        return False
    end = next((j for j in range(i + 1, len(lines)) if is_works_cited_heading(lines[j].text)), len(lines))
    groups = numbered_groups(lines[i + 1:end])
    return bool(groups) and bib.reads_as_notes([join_lines(ls, off)[2] for _, off, ls in groups])


def _page_notes(page_lines: list[list[Line]], pnum: list[int | None], excluded: list[list[tuple[int, int]]],
                items: list[tuple[int, int, dict]]) -> None:
    next_number = 1
    for pi, ls in enumerate(page_lines):
        stop = pnum[pi] if pnum[pi] is not None else len(ls)
        # the notes end where a reference list begins on the same page
        stop = next((k for k in range(stop) if any(a <= ls[k].start < b for a, b in excluded[pi])), stop)
        heading = next((k for k in range(stop) if _notes_heading(ls, k)), None)
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


def _endnotes(page_lines: list[list[Line]], pnum: list[int | None], excluded: list[list[tuple[int, int]]],
              items: list[tuple[int, int, dict]]) -> None:
    flat = [ln for pi, ls in enumerate(page_lines) for li, ln in enumerate(ls) if li != pnum[pi]]
    i = 0
    while i < len(flat):
        if not _notes_heading(flat, i):
            i += 1
            continue
        notes: list[tuple[str, list[Line]]] = []
        j = i + 1
        while j < len(flat) and not is_works_cited_heading(flat[j].text):
            ln = flat[j]
            mm = _NOTE_START_RE.match(ln.text)
            n = int(mm.group("n").translate(_SUPERSCRIPT)) if mm else 0
            if mm and (n == 1 and not notes or notes and int(notes[-1][0]) < n <= int(notes[-1][0]) + 3):
                notes.append((str(n), [ln]))   # numbers run on; OCR may have lost one or two between
            elif notes and _garbled_start(ln.text, int(notes[-1][0]) + 1) is not None:
                notes.append((str(int(notes[-1][0]) + 1), [ln]))
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
    start, end, raw = join_lines(nls, _text_offset(nls[0].text, num))
    parts = _split_note(raw)
    for pstart, ptext in parts:
        pw = bib.parse_note(ptext)
        # a discursive note may cite in author-date form: 'On this see Hartley (1971: 45) and Morgan (1974).'
        works = [pw] if pw is not None else bib.author_date_refs(ptext)
        for w in works:
            if len(parts) == 1:
                s, e, r = start, end, raw
            else:
                s, e, r = start + pstart, min(end, start + pstart + len(ptext)), ptext
            items.append((nls[0].page, s, dict(page=nls[0].page, start=s, end=e, raw=r, kind="note",
                                                author=w.author, title=w.title, year=w.year, locator=w.locator,
                                                place=w.place, publisher=w.publisher, note_number=num,
                                                ibid=w.ibid, op_cit=w.op_cit)))


def _split_note(raw: str) -> list[tuple[int, str]]:
    """Split a note citing several works at '; ' outside parentheses."""
    parts, depth, last = [], 0, 0
    for k, c in enumerate(raw):
        depth += c == "("
        depth -= c == ")"
        # only where another work follows: 'ibid; 17-19' is OCR's comma
        if c == ";" and depth == 0 and re.match(r"\s*[A-Za-z“\"‘]", raw[k + 1:]):
            parts.append((last, raw[last:k].strip()))
            last = k + 1
            while last < len(raw) and raw[last] == " ":
                last += 1
    parts.append((last, raw[last:].strip()))
    return [p for p in parts if p[1]]
