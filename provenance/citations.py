"""Finding citations in page text: parenthetical in-text citations, numbered notes, bibliography entries."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

from rapidfuzz import fuzz

from provenance import bibliography as bib

FINDER_VERSION = "citations-1.0"


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


# ---------------------------------------------------------------- grammar of parenthetical citations
_NUM = r"(?:\d+[a-z]?|[ivxlc]{1,7})"
_RANGE = rf"{_NUM}(?:\s*[-–—]\s*{_NUM})?"
_PAGES = rf"(?:(?:pp?\.|pages?|at)\s*)?{_RANGE}(?:\s*,\s*{_RANGE})*(?:\s*n\.?\s*\d+)?(?:\s*ff?\.)?"
_ABBR = rf"[A-Z]{{1,4}}\.?\s*#?\s*\d+(?:\s*[,:]?\s*{_PAGES})?"          # CW 20, 330-5 / SW #4 194
_VOLPAGE = rf"(?:(?:vol\.|v\.)\s*)?(?:\d+|[IVXLC]+)\s*:\s*{_PAGES}"       # 2:45
_DIV = rf"(?:ch|chap|sec|para|pt|bk|fol|art|vol|no)\.\s*[\dIVXLCivxlc]+(?:\s*,\s*{_PAGES})?"
LOC = rf"(?:{_ABBR}|{_VOLPAGE}|{_DIV}|{_PAGES})"
YEAR = rf"(?:{bib.YEAR_RE}[a-z]?|n\.\s?d\.|in press|forthcoming)"
_LOC_RE = re.compile(rf"^{LOC}$")
_ABBR_FULL_RE = re.compile(rf"^[A-Z]{{1,4}}\.?\s*#?\s*\d+\s*[,:]?\s*{_PAGES}$")
_PAGE_ONLY_RE = re.compile(rf"^{_PAGES}$")
_YEAR_LOC_RE = re.compile(rf"^(?P<y>{YEAR})(?:\s*[,:]\s*(?P<l>{LOC}))?$")
_NAME_LOC_RE = re.compile(rf"^(?P<n>.+?),?\s+(?P<l>{LOC})$")
_NAME_YEAR_RE = re.compile(rf"^(?P<n>.+?),?\s+(?P<y>{YEAR})(?:\s*[,:]\s*(?P<l>{LOC}))?$")
_QUOTED_RE = re.compile(r"^[“\"‘'](?P<t>[^“”\"]+?)[,.]?[”\"’'](?P<rest>.*)$")
_QUOTED_IN_RE = re.compile(r"^(?P<n>[^,]+?),?\s+(?:as\s+)?(?:quoted|qtd\.?|cited)\s+in\s+(?P<rest>.+)$", re.I)
_PREFIX_RE = re.compile(r"^(?:(?:see also|see|cf\.?|compare|e\.g\.,?|also)\s+)?"
                        r"(?:(?:as\s+)?(?:quoted|qtd\.?|cited)\s+in\s+)?", re.I)
_OPCIT_RE = re.compile(rf"^(?P<n>[^,]+?),?\s+(?:op|loc)\.?\s*cit\.?(?:\s*,?\s*(?P<l>{LOC}))?\.?$", re.I)
_IBID_RE = re.compile(rf"^(?:ibid|ibidem|id)\.?(?:\s*,?\s*(?:at\s+)?(?P<l>{LOC}))?\.?$", re.I)

# Words that precede a number in parentheses without naming an author: "(Local 48)", "(May 1937)".
_NOT_NAMES = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "spring", "summer", "autumn", "fall", "winter", "monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday", "christmas", "easter", "local", "room", "chapter", "figure", "fig",
    "table", "vol", "volume", "no", "number", "series", "box", "item", "entry", "plate", "page", "part",
    "section", "article", "lot", "route", "ward", "district", "precinct", "division", "appendix", "grade",
    "level", "unit", "branch", "lodge", "station", "form", "model", "type", "class", "act", "session",
    "psalm", "exhibit", "map", "illustration", "column", "line", "verse", "canto", "book", "scene",
    "year", "age", "aged", "born", "died", "founded", "circa", "ca", "pop", "population", "total",
    "catalogue", "catalog", "accession", "folio", "issue", "edition", "ed", "note", "notes", "footnote",
    "photo", "photograph", "illus", "est", "now", "formerly", "see", "above", "below", "p", "pp",
    "est.", "ibid", "op", "about", "approx", "over", "under", "nearly", "some", "sic", "emphasis",
}
_CLOSE_QUOTES = "”’\"'»"
_OPEN_FOR = {"”": "“", "’": "‘", '"': '"', "'": "'", "»": "«"}
_PAREN_RE = re.compile(r"\((?P<c>[^()\n]{1,300}(?:\n(?![ \t]*\n)[^()\n]{0,300}){0,3})\)")
_PAGE_NUMBER_RE = re.compile(r"^\W{0,3}(?:\d{1,4}|[ivxlcdm]{1,7})\W{0,3}$", re.I)
_NOTE_START_RE = re.compile(r"^\s*(?P<n>\d{1,3}|[¹²³⁴⁵⁶⁷⁸⁹⁰]{1,3})(?:[.)]?\s+|(?=[A-Z“\"]))(?P<t>\S.*)$")
_GARBLED_MARK_RE = re.compile(r"^\s*[?!'’*°§†‡|]\s*(?=[A-Z“\"])")   # a note number OCR read as a sign
_SUPERSCRIPT = str.maketrans("¹²³⁴⁵⁶⁷⁸⁹⁰", "1234567890")
_SUP_OF = {str(i): c for i, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")}


@dataclass
class _Work:
    """A parsed part of a citation before it is frozen."""

    author: str | None = None
    title: str | None = None
    year: str | None = None
    locator: str | None = None
    needs_context: bool = False   # only a citation when it follows a quotation or matches a listed work
    ibid: bool = False
    op_cit: bool = False
    year_only: bool = False


def _valid_name(s: str, *, title: bool = False) -> bool:
    """Capitalized words with connectors: a personal, corporate or short-title name."""
    s = s.strip()
    toks = s.replace("&", "and").split()
    if not toks or len(toks) > (14 if title else 9) or re.search(r"\d", s):
        return False
    if re.search(r"[()\[\]{};:!?=<>/\\|*+]", s) and not title:
        return False
    first = toks[0].strip("“”\"‘’'")
    if not first[:1].isupper():
        if not (first.lower() in {"de", "van", "von", "du", "la", "le", "da", "di", "del"} and len(toks) > 1):
            return False
    lower_ok = bib.CONNECTORS | ({"is", "as", "or", "but", "after", "before", "into", "about", "against",
                                  "over", "under", "without", "not", "how", "why", "what"} if title else set())
    caps = stray = 0
    for t in toks:
        w = t.strip("“”\"‘’',.")
        if not w:
            continue
        if w[:1].isupper():
            caps += 1
        elif w.lower() not in lower_ok and not (title and w.lower() in {"l", "d"}):
            stray += 1
    # a title may carry one word OCR split off its capital ('Letter to N ikolay Chkeidze')
    if stray and not (title and stray == 1 and caps >= 3):
        return False
    last = toks[-1].strip("“”\"‘’',.").lower()
    if last in bib.CONNECTORS - {"al", "al."}:
        return False
    return caps >= 1 and sum(c.isalpha() for c in s) >= 2


def _name_allowed(name: str) -> bool:
    """Reject names that are really calendar words or document parts: '(May 1937)', '(Local 48)'."""
    toks = name.split()
    if len(toks) <= 2 and bib.norm_words(toks[0]) in _NOT_NAMES:
        return False
    return True


def _is_acronym(s: str) -> bool:
    return bool(re.fullmatch(r"[A-Z][A-Z.&\-]{1,9}s?", s.strip()))


def _parse_part(s: str, known: set[str]) -> _Work | None:
    """Parse the text of one parenthetical citation (one work)."""
    s = s.strip().strip(",;").strip()
    if not s:
        return None
    m = _IBID_RE.match(s)
    if m:
        return _Work(locator=m.group("l"), ibid=True)
    m = _OPCIT_RE.match(s)
    if m and _valid_name(m.group("n")):
        return _Work(author=m.group("n").strip(), locator=m.group("l"), op_cit=True)
    m = _QUOTED_IN_RE.match(s)
    if m and _valid_name(m.group("n")):
        inner = _parse_part(m.group("rest"), known)
        if inner is None or inner.ibid or inner.year_only:
            return None
        if inner.author and inner.author == inner.title:
            # "(Lenin, quoted in “Labour Monthly”)": the person quoted, and the periodical quoting him
            inner.author = m.group("n").strip()
        inner.needs_context = False
        return inner
    s2 = _PREFIX_RE.sub("", s, count=1).strip()
    if s2 != s:
        return _parse_part(s2, known) if s2 else None
    # "Title" [year] [locator]
    m = _QUOTED_RE.match(s)
    if m:
        title = m.group("t").strip(" ,.")
        rest = m.group("rest").strip(" ,")
        w = _Work(author=title, title=title)
        if not rest:
            w.needs_context = True
            return w
        ym = _YEAR_LOC_RE.match(rest)
        if ym:
            w.year = _year(ym.group("y"))
            w.locator = ym.group("l")
            return w
        if _LOC_RE.match(rest):
            w.locator = rest
            return w
        return None
    if _ABBR_FULL_RE.match(s):             # "(CW 20, 346-7)": a volume of a known edition, no author
        return _Work(locator=s)
    ym = _YEAR_LOC_RE.match(s)
    if ym and re.match(bib.YEAR_RE, s):
        return _Work(year=_year(ym.group("y")), locator=ym.group("l"), year_only=True)
    if _PAGE_ONLY_RE.match(s) and re.search(r"\d", s):
        return _Work(locator=s, needs_context=True)
    # Name, rest
    if "," in s:
        left, right = s.split(",", 1)
        left, right = left.strip(), right.strip()
        if _valid_name(left) and _name_allowed(left) and not _is_acronym(left):
            ym = _YEAR_LOC_RE.match(right)
            if ym:
                return _split_known(_Work(author=left, year=_year(ym.group("y")), locator=ym.group("l")), known)
            if _LOC_RE.match(right):
                return _split_known(_Work(author=left, locator=right), known)
            t = _title_loc(right)
            if t:
                return _Work(author=left, title=t[0], year=t[1], locator=t[2])
    m = _NAME_YEAR_RE.match(s)
    if m and _valid_name(m.group("n")) and _name_allowed(m.group("n")):
        return _split_known(_Work(author=m.group("n").strip(" ,"), year=_year(m.group("y")), locator=m.group("l")), known)
    m = _NAME_LOC_RE.match(s)
    if m and _valid_name(m.group("n")) and _name_allowed(m.group("n")) and not _is_acronym(m.group("n")):
        return _split_known(_Work(author=m.group("n").strip(" ,"), locator=m.group("l").strip()), known)
    if "," not in s and _valid_name(s) and _name_allowed(s) and not _is_acronym(s):
        return _split_known(_Work(author=s, needs_context=True), known)
    if _valid_name(s, title=True) and not _is_acronym(s.split(",")[0]):
        return _Work(author=s, needs_context=True)
    return None


def _title_loc(right: str) -> tuple[str, str | None, str | None] | None:
    """'“A Fresh Lesson”', 'Diary in Exile 46', 'Writings 113' -> (title, year, locator)."""
    m = _QUOTED_RE.match(right)
    if m:
        rest = m.group("rest").strip(" ,")
        title = m.group("t").strip(" ,.")
        if not rest:
            return title, None, None
        ym = _YEAR_LOC_RE.match(rest)
        if ym:
            return title, _year(ym.group("y")), ym.group("l")
        return (title, None, rest) if _LOC_RE.match(rest) else None
    m = re.match(rf"^(?P<t>.+?),?\s+(?P<l>{_PAGES})$", right)
    if m and _valid_name(m.group("t"), title=True):
        return m.group("t").strip(" ,"), None, m.group("l")
    if _valid_name(right, title=True):
        return right.strip(" ,."), None, None
    return None


def _split_known(w: _Work, known: set[str]) -> _Work:
    """'Trotsky The Revolution Betrayed' -> author 'Trotsky', title 'The Revolution Betrayed'."""
    name = w.author or ""
    toks = name.split()
    if len(toks) < 2:
        return w
    for i in range(1, len(toks)):
        head, tail = " ".join(toks[:i]), " ".join(toks[i:])
        if head in known or toks[i] in {"The", "A", "An"} and bib.is_person(head):
            if _valid_name(tail, title=True):
                w.author, w.title = head, tail.strip("“”\"‘’")
                return w
    return w


def _year(y: str | None) -> str | None:
    if y and re.match(bib.YEAR_RE, y):
        return y[:4]
    return None


def _quote_before(text: str, pos: int) -> bool:
    """Does a real quotation (not a one-to-three-word scare quote) end just before position pos?"""
    j = pos - 1
    while j >= 0 and text[j] in " \t\n":
        j -= 1
    if j >= 0 and text[j] in ".,;" and j >= 1 and text[j - 1] in _CLOSE_QUOTES:
        j -= 1
    if j < 0 or text[j] not in _CLOSE_QUOTES:
        return False
    close = text[j]
    opener = _OPEN_FOR[close]
    k = text.rfind(opener, max(0, j - 800), j)
    if close in "'’" and k >= 0 and k > 0 and text[k - 1].isalpha():
        k = -1  # an apostrophe, not an opening quote
    if k < 0:
        return True
    inner = text[k + 1:j]
    # a scare quote is short and printed on one line; OCR may turn a nested ‘ into “, so a short span
    # that crosses a line break is taken as the tail of a real quotation
    return "\n" in inner or len(re.findall(r"[A-Za-z]+", inner)) > 3


# ---------------------------------------------------------------- page layout
@dataclass
class _Line:
    page: int   # 0-based
    start: int
    end: int
    text: str


def _lines(text: str, page: int) -> list[_Line]:
    out, pos = [], 0
    for raw in text.split("\n"):
        out.append(_Line(page, pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


def _page_number_line(lines: list[_Line]) -> int | None:
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].text.strip():
            return i if _PAGE_NUMBER_RE.match(lines[i].text.strip()) else None
    return None


def _marker_found(body: str, n: str) -> bool:
    """Is note number n printed as a reference mark in the body (superscript or glued digits)?"""
    sup = "".join(_SUP_OF[d] for d in n)
    if sup in body:
        return True
    return bool(re.search(rf"(?<=[A-Za-z.,;:!?”’\"')\]]){n}(?=[\s.,;:)]|$)", body))


def _footnote_block(lines: list[_Line], stop: int, next_number: int) -> tuple[int, list[tuple[str, list[_Line]]]] | None:
    """Footnotes at the foot of a page: (first line index, [(number, lines)]) or None."""
    best = None
    # walk upward from the last line, trying each note-start line as the block's top; numbers must run on
    for top in reversed([i for i in range(stop) if lines[i].text.strip()]):
        if not _NOTE_START_RE.match(lines[top].text):
            continue
        notes: list[tuple[str, list[_Line]]] = []
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


def _note_text(ls: list[_Line]) -> str:
    """Text of a note without its number (or the sign OCR made of it)."""
    first = ls[0].text
    m = _NOTE_START_RE.match(first) or _GARBLED_MARK_RE.match(first)
    off = (m.start("t") if "t" in m.groupdict() else m.end()) if m else 0
    return "\n".join([first[off:]] + [ln.text for ln in ls[1:]])


def _join_lines(ls: list[_Line], first_offset: int = 0) -> tuple[int, int, str]:
    """Start, end (on the first line's page) and joined raw text of a run of lines."""
    first = ls[0]
    start = first.start + first_offset
    same = [ln for ln in ls if ln.page == first.page]
    end = same[-1].end
    text = "\n".join([ls[0].text[first_offset:]] + [ln.text for ln in ls[1:]])
    return start, end, bib.clean_spaces(text)


# ---------------------------------------------------------------- the finder
def find_citations(pages: Sequence[str]) -> list[FoundCitation]:
    """Every citation in the document, in reading order (in-text, notes, bibliography entries)."""
    page_lines = [_lines(t, i) for i, t in enumerate(pages)]
    excluded: list[list[tuple[int, int]]] = [[] for _ in pages]
    items: list[tuple[int, int, dict]] = []   # (page, start, fields)

    pnum = [_page_number_line(ls) for ls in page_lines]
    for pi, ls in enumerate(page_lines):
        if pnum[pi] is not None:
            excluded[pi].append((ls[pnum[pi]].start, ls[pnum[pi]].end))

    entries = _bibliography_entries(page_lines, pnum, excluded)
    for e in entries:
        items.append((e["page"], e["start"], e))

    _notes(page_lines, pnum, excluded, items)

    known = _known_authors(pages, entries)
    found: list[tuple[int, int, dict]] = []
    for pi, text in enumerate(pages):
        for m in _PAREN_RE.finditer(text):
            if any(a <= m.start() < b for a, b in excluded[pi]):
                continue
            for f in _in_text(text, m, known, entries, set()):
                found.append((pi, f["start"], dict(f, page=pi, kind="in-text")))
        nxt = pages[pi + 1] if pi + 1 < len(pages) else ""
        span = _across_pages(text, excluded[pi], nxt)
        if span is not None:
            for f in _in_text(text, span, known, entries, set()):
                found.append((pi, f["start"], dict(f, page=pi, kind="in-text")))
    # second look at bare names without context: kept when the same name is cited elsewhere with context
    cited = {bib.norm_words(f["author"]) for _, _, f in found if f.get("author") and not f.get("pending")}
    for pi, start, f in found:
        if f.pop("pending", False):
            if f.get("author") and bib.norm_words(f["author"]) in cited:
                items.append((pi, start, f))
        else:
            items.append((pi, start, f))

    items.sort(key=lambda t: (t[0], t[1], 0 if t[2]["kind"] != "bibliography" else 1))
    out = [it[2] for it in items]
    _link(out)
    return [
        FoundCitation(page=f["page"] + 1, start=f["start"], end=f["end"], raw=f["raw"], kind=f["kind"],
                      author=f.get("author"), title=f.get("title"), year=f.get("year"), locator=f.get("locator"),
                      note_number=f.get("note_number"), place=f.get("place"), publisher=f.get("publisher"),
                      entry_index=f.get("entry_index"))
        for f in out
    ]


class _Span:
    """A parenthesis opened at the foot of one page and closed at the head of the next (re.Match-like)."""

    def __init__(self, start: int, end: int, content: str) -> None:
        self._start, self._end, self._content = start, end, content

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, _name: str) -> str:
        return self._content


def _across_pages(text: str, excluded: list[tuple[int, int]], next_text: str) -> _Span | None:
    """'(Whitcombe' on the last body line, '22)' on the next page: offsets stay on the first page."""
    body_end = min([a for a, _ in excluded if a > len(text) // 2] + [len(text)])
    tail = re.search(r"\((?P<c>[^()\n]{1,100}(?:\n[^()\n]{1,100})?)\s*$", text[:body_end])
    head = re.match(r"\s*(?P<c>[^()\n]{1,60})\)", next_text)
    if not tail or not head:
        return None
    return _Span(tail.start(), tail.start() + len(tail.group(0).rstrip()), tail.group("c") + "\n" + head.group("c"))


def _known_authors(pages: Sequence[str], entries: list[dict]) -> set[str]:
    """Names this document uses as authors elsewhere ('Trotsky' in '(Trotsky, 353)'), to split name+title."""
    known: set[str] = set()
    for text in pages:
        for m in re.finditer(r"\(([A-Z][\w'’\-]+(?: and [A-Z][\w'’\-]+)?),", text):
            known.add(m.group(1))
    for e in entries:
        if e.get("author"):
            for p in bib.person_names(e["author"]):
                known.add(bib.surname(p))
    return known


def _repair(content: str) -> str:
    """Undo common OCR damage inside a parenthetical: stray marks, '.' or ';' for a space or comma."""
    s = re.sub(r"[*~_|•«»]", " ", content)
    s = re.sub(r"(?<=[A-Za-z])[.;:,]?(?=[#]?\d)", " ", s)                  # 'Lenin.382', 'SW.#4'
    s = re.sub(r"(?<=\d)\s*;\s*(?=\d)", ", ", s)                          # '382; 346'
    s = re.sub(r"\s[-–—]\s", " ", s)                                      # 'CW #27 - 330'
    for op, cl in (("“", "”"), ("‘", "’")):
        if s.count(op) != s.count(cl) and (op == "“" or not re.search(r"\w’\w", s)):
            s = s.replace(op, "").replace(cl, "")
    return re.sub(r"\s+", " ", s).strip(" ,.")


def _parse_content(content: str, known: set[str]) -> list[_Work] | None:
    parts = [p for p in re.split(r"\s*;\s*", content) if p.strip()]
    works = [_parse_part(p, known) for p in parts]
    if works and all(w is not None for w in works):
        return works  # type: ignore[return-value]
    return None


def _in_text(text: str, m: re.Match, known: set[str], entries: list[dict], cited: set[str]) -> list[dict]:
    content = bib.clean_spaces(m.group("c"))
    raw = "(" + content + ")"
    works = _parse_content(content, known)
    if works is None:
        fixed = _repair(content)
        works = _parse_content(fixed, known) if fixed != content else None
    if not works:
        return []
    out = []
    for w in works:
        if w.year_only:
            f = _narrative(text, m, w, entries)
            if f:
                out.append(f)
            continue
        if w.year and w.author and w.author != w.title and len(entries) >= 3 \
                and not any(e.get("author") and _same_name(w.author, e["author"]) for e in entries):
            continue  # '(Boston, 1988)' is a place and date: an author-date citation names a listed author
        if w.needs_context:
            # a bare name or title is a citation after a quotation, when the list of works has it, or when
            # the document cites the same name elsewhere in an unambiguous form
            if not (_quote_before(text, m.start()) or _matches_entry(w, entries)
                    or (w.author and bib.norm_words(w.author) in cited)):
                out.append(dict(start=m.start(), end=m.end(), raw=raw, author=w.author, title=w.title,
                                year=w.year, locator=w.locator, ibid=w.ibid, pending=True))
                continue
        out.append(dict(start=m.start(), end=m.end(), raw=raw, author=w.author, title=w.title, year=w.year,
                        locator=w.locator, ibid=w.ibid, op_cit=w.op_cit))
    return out


def _narrative(text: str, m: re.Match, w: _Work, entries: list[dict]) -> dict | None:
    """'Whitcombe (1988, 22)': a year in parentheses after a name is a citation only if the list has that work."""
    if not w.year or not entries:
        return None
    before = text[max(0, m.start() - 120):m.start()]
    toks = list(re.finditer(r"[A-Z][\w'’\-]+|and|&|et al\.", before))
    # the name is the shortest run of words ending right before the parenthesis that names a listed work
    for k in range(1, min(5, len(toks)) + 1):
        run = toks[-k:]
        gap = before[run[-1].end():]
        if not re.fullmatch(r"(?:['’]s)?\s*", gap):
            return None
        if any(not re.fullmatch(r"\s+", before[a.end():b.start()]) for a, b in zip(run, run[1:])):
            return None
        name = before[run[0].start():run[-1].end()]
        if run[0].group() in ("and", "&", "et al."):
            continue
        if _entry_for(_Work(author=name, year=w.year), entries) is not None:
            start = m.start() - len(before) + run[0].start()
            raw = bib.clean_spaces(text[start:m.start()] + "(" + m.group("c") + ")")
            return dict(start=start, end=m.end(), raw=raw, author=name, title=None, year=w.year,
                        locator=w.locator, ibid=False)
    return None


def _matches_entry(w: _Work, entries: list[dict]) -> bool:
    return bool(entries) and _entry_for(w, entries) is not None


def _surnames(name: str) -> list[str]:
    if bib.is_person(name) or " and " in name or " & " in name:
        return [bib.norm_words(bib.surname(p)) for p in bib.person_names(name)]
    return [bib.norm_words(name)]


def _same_name(a: str, b: str) -> bool:
    sa, sb = _surnames(a), _surnames(b)
    if not sa or not sb:
        return False
    if len(sa) > 1 and len(sb) > 1 and len(sa) == len(sb):
        return all(fuzz.ratio(x, y) >= 88 for x, y in zip(sa, sb))
    if len(sa) == 1 and len(sb) >= 1:
        x, y = sa[0], sb[0]
        if fuzz.ratio(x, y) >= (88 if min(len(x), len(y)) >= 5 else 100):
            return True
        return fuzz.ratio(bib.norm_words(a), bib.norm_words(b)) >= 90
    return fuzz.ratio(bib.norm_words(a), bib.norm_words(b)) >= 90


def _entry_for(w: _Work, entries: list[dict]) -> int | None:
    """Position in `entries` of the one bibliography entry this work refers to, or None."""
    cands = []
    for i, e in enumerate(entries):
        if w.author and w.author != w.title:
            if e.get("author") and _same_name(w.author, e["author"]):
                cands.append(i)
        elif w.title:
            if e.get("title") and fuzz.ratio(bib.norm_words(w.title), bib.norm_words(e["title"])) >= 88:
                cands.append(i)
    if w.year and len(cands) > 1:
        cands = [i for i in cands if entries[i].get("year") == w.year] or cands
    elif w.year:
        cands = [i for i in cands if entries[i].get("year") in (None, w.year)]
    if w.title and w.author != w.title and len(cands) > 1:
        t = bib.norm_words(w.title)
        cands = [i for i in cands if entries[i].get("title")
                 and fuzz.partial_ratio(t, bib.norm_words(entries[i]["title"])) >= 85]
    return cands[0] if len(cands) == 1 else None


# ---------------------------------------------------------------- bibliography and notes
def _bibliography_entries(page_lines: list[list[_Line]], pnum: list[int | None],
                          excluded: list[list[tuple[int, int]]]) -> list[dict]:
    entries: list[dict] = []
    flat: list[_Line] = [ln for pi, ls in enumerate(page_lines) for li, ln in enumerate(ls) if li != pnum[pi]]
    i = 0
    while i < len(flat):
        if not bib.is_heading(flat[i].text):
            i += 1
            continue
        j = i + 1
        while j < len(flat) and not bib.is_heading(flat[j].text) and not bib.NOTES_HEADING_RE.match(flat[j].text):
            j += 1
        region = flat[i + 1:j]
        groups = bib.split_entries([ln.text for ln in region],
                                   [ln.text[:1] in " \t" for ln in region])
        misses = 0
        last_end: _Line | None = None
        pending: list[_Line] | None = None   # opens like an entry but has no date yet
        for g in groups:
            ls = [region[k] for k in g]
            start, end, raw = _join_lines(ls)
            dash = raw.startswith(("—", "--", "__"))
            if not dash and not bib.starts_like_entry(raw):
                if not bib.continues_entry(raw):
                    break  # prose, a colophon or a footer: the list has ended
                if pending is not None:                # 'Title.' then 'Boston: Press, 1988.' on the next line
                    ls = pending + ls
                    start, end, raw = _join_lines(ls)
                elif entries and entries[-1]["section"] == i:
                    _extend_entry(entries[-1], ls, raw)
                    last_end = ls[-1]
                    continue
                else:
                    break
            pending = None
            if not dash and not bib.looks_like_entry(raw):
                misses += 1
                if misses >= 2:
                    break
                pending = ls
                continue
            misses = 0
            pw = bib.parse_entry(raw)
            author = entries[-1]["author"] if dash and entries else pw.author
            entries.append(dict(page=ls[0].page, start=start, end=end, raw=raw, kind="bibliography",
                                author=author, title=pw.title, year=pw.year, locator=pw.locator,
                                place=pw.place, publisher=pw.publisher, section=i))
            last_end = ls[-1]
        if entries and entries[-1]["section"] == i:
            first = flat[i]
            excluded[first.page].append((first.start, len("\n".join(l.text for l in page_lines[first.page]))))
            if last_end is not None and last_end.page != first.page:
                for p in range(first.page + 1, last_end.page + 1):
                    excluded[p].append((0, last_end.end if p == last_end.page else 10 ** 9))
        i = j
    return entries


def _extend_entry(entry: dict, ls: list[_Line], raw: str) -> None:
    entry["raw"] = entry["raw"] + " " + raw
    if ls[0].page == entry["page"]:
        entry["end"] = [ln for ln in ls if ln.page == entry["page"]][-1].end
    pw = bib.parse_entry(entry["raw"])
    for key in ("title", "year", "place", "publisher", "locator"):
        entry[key] = getattr(pw, key)


def _notes(page_lines: list[list[_Line]], pnum: list[int | None], excluded: list[list[tuple[int, int]]],
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
        notes: list[tuple[str, list[_Line]]] = []
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


def _emit_note(num: str, nls: list[_Line], items: list[tuple[int, int, dict]]) -> None:
    mm = _NOTE_START_RE.match(nls[0].text)
    gm = None if mm else _GARBLED_MARK_RE.match(nls[0].text)
    offset = mm.start("t") if mm else (gm.end() if gm else 0)
    start, end, raw = _join_lines(nls, offset)
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


def _link(out: list[dict]) -> None:
    """Join citations to bibliography entries; point ibid./op. cit. back to the earlier citation."""
    entries = [f for f in out if f["kind"] == "bibliography"]
    entry_pos = {id(f): k for k, f in enumerate(out)}
    last_by_kind: dict[str, int] = {}
    for k, f in enumerate(out):
        if f["kind"] == "bibliography":
            continue
        if f.get("ibid"):
            prev = last_by_kind.get(f["kind"])
            if prev is not None:
                f["entry_index"] = prev
                src = out[prev]
                for key in ("author", "title", "year", "place", "publisher"):
                    f[key] = f.get(key) or src.get(key)
            continue
        if f.get("op_cit"):
            for p in range(k - 1, -1, -1):
                g = out[p]
                if g["kind"] == f["kind"] and not g.get("ibid") and not g.get("op_cit") and g.get("author") \
                        and _same_name(f["author"], g["author"]):
                    f["entry_index"] = p
                    for key in ("title", "year", "place", "publisher"):
                        f[key] = f.get(key) or g.get(key)
                    break
            last_by_kind[f["kind"]] = k
            continue
        last_by_kind[f["kind"]] = k
        target_pos = None
        if entries and (f.get("author") or f.get("title")):
            w = _Work(author=f.get("author"), title=f.get("title"), year=f.get("year"))
            e = _entry_for(w, entries)
            if e is not None:
                target_pos = entry_pos[id(entries[e])]
        if target_pos is None and f["kind"] == "note" and f.get("author"):
            target_pos = _earlier_full_note(out, k)
        if target_pos is not None:
            target = out[target_pos]
            f["entry_index"] = target_pos
            for key in ("title", "year", "place", "publisher"):
                if not f.get(key) or key == "title" and target.get("title") and target["kind"] == "note":
                    f[key] = target.get(key) or f.get(key)


def _earlier_full_note(out: list[dict], k: int) -> int | None:
    """A short-form note ('Marchetti, Hard Times, 60') points back to the note that cited the work in full."""
    f = out[k]
    short = bib.norm_words(f.get("title") or "")
    for p in range(k - 1, -1, -1):
        g = out[p]
        if g["kind"] != "note" or g.get("ibid") or g.get("op_cit") or not g.get("author") or not g.get("title"):
            continue
        if g.get("entry_index") is not None and out[g["entry_index"]]["kind"] == "note":
            continue
        if not _same_name(f["author"], g["author"]):
            continue
        full = bib.norm_words(g["title"])
        if not short or full.startswith(short) or fuzz.partial_ratio(short, full) >= 90:
            return p
    return None
