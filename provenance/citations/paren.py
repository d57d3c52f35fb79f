"""Parenthetical in-text citations in running text: context, narrative author-date, page breaks, OCR damage."""

from __future__ import annotations

import re
from typing import Sequence

from rapidfuzz.distance import Levenshtein

from provenance.citations import bibliography as bib
from provenance.citations.grammar import Work, parse_part
from provenance.citations.join import entry_for, matches_entry, same_name

# a parenthesis of up to four lines; OCR may put a blank line before a short last piece ('Group,' / '' / 'n.d.)')
PAREN_RE = re.compile(r"\((?P<c>[^()\n]{1,300}(?:\n(?![ \t]*\n)[^()\n]{0,300}){0,3}"
                      r"(?:\n[ \t]*\n[^()\n]{1,30}(?=\)))?)\)")
_CLOSE_QUOTES = "”’\"'»"
_OPEN_FOR = {"”": "“", "’": "‘", '"': '"', "'": "'", "»": "«"}


def _quote_before(text: str, pos: int) -> bool:
    """Does a real quotation (not a one-to-three-word scare quote) end just before position pos?"""
    j = pos - 1
    while j >= 0 and text[j] in " \t\n":
        j -= 1
    # a footnote mark printed after the quotation ('”³ (Foster)'), or OCR's reading of one ('”3', '”*', '”°')
    mark = re.search(r"(?<=[”’\"'».,;])(?:\d{1,2}|[¹²³⁴⁵⁶⁷⁸⁹⁰]{1,2}|[*†‡°])$", text[max(0, j - 3):j + 1])
    if mark:
        j -= len(mark.group())
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


def across_pages(text: str, excluded: list[tuple[int, int]], next_text: str) -> _Span | None:
    """'(Whitcombe' on the last body line, '22)' on the next page: offsets stay on the first page."""
    body_end = min([a for a, _ in excluded if a > len(text) // 2] + [len(text)])
    tail = re.search(r"\((?P<c>[^()\n]{1,100}(?:\n[^()\n]{1,100})?)\s*$", text[:body_end])
    head = re.match(r"\s*(?P<c>[^()\n]{1,60})\)", next_text)
    if not tail or not head:
        return None
    return _Span(tail.start(), tail.start() + len(tail.group(0).rstrip()), tail.group("c") + "\n" + head.group("c"))


def known_authors(pages: Sequence[str], entries: list[dict]) -> set[str]:
    """Names this document uses as authors elsewhere ('Trotsky' in '(Trotsky, 353)'), to split name+title."""
    known: set[str] = set()
    for text in pages:
        for m in re.finditer(r"\(([A-Z][\w'’\-]+(?: and [A-Z][\w'’\-]+)?),", text):
            known.add(m.group(1))
    for e in entries:
        if e.get("author"):
            for p in bib.person_names(e["author"]):
                known.add(bib.surname(p))
        if e.get("abbrev"):
            known.add(e["abbrev"])
    return known


# a number OCR read partly as letters ('l984', '2O1', '19S8', '#l7'): at least one real digit, the
# other characters look-alikes, nothing else of a word around it
_AS_DIGIT = str.maketrans("OoIl|S", "001115")
_YEARISH_RE = re.compile(r"(?<![A-Za-z0-9])(?=(?:[OoIl|S]*\d){2})(?=\d*[OoIl|S])[\dOoIl|S]{4}(?![A-Za-z0-9])")
_DIGITISH_RE = re.compile(r"(?<![A-Za-z0-9])(?=[OoIl|S]*\d)(?=\d*[OoIl|S])[\dOoIl|S]{2,}(?![A-Za-z0-9])")


_AND_RE = re.compile(r"(?<=[a-z’'])\s+([a-z]{2,4})\s+(?=[A-Z])")


def _reads_as_and(word: str) -> bool:
    """'arid', 'aud', 'amd': a misreading of 'and' between two names (not a connector such as 'de' or 'van')."""
    return word != "and" and word not in bib.CONNECTORS and Levenshtein.distance(_ocr_fold(word), "and") <= 1


def _years(content: str) -> str:
    """'I984', 'l9S8' read as the years they are: four characters, two of them digits, that make a year."""
    def year(m: re.Match) -> str:
        y = m.group().translate(_AS_DIGIT)
        return y if re.fullmatch(bib.YEAR_RE, y) else m.group()
    return _YEARISH_RE.sub(year, content)


def _repair(content: str) -> str:
    """Undo common OCR damage inside a parenthetical: stray marks, '.' or ';' for a space or comma."""
    s = re.sub(r"[*~_|•«»°º¢©®™^`´¨¬]", " ", content)                    # specks read as marks
    s = re.sub(r"(?<=[A-Za-z])\s+[.;:,](?=\d)", " ", s)                  # 'Lenin .382': a speck before the page
    s = _DIGITISH_RE.sub(lambda m: m.group().translate(_AS_DIGIT), s)    # '2O1', '#l7': letters among digits
    s = re.sub(r"(?<=\w)\s*,\s*[.;:,]+\s*(?=\d)|(?<=\w)\s*[.;:]+\s*,\s*(?=\d)", ", ", s)    # 'CW 20,.448-9'
    s = re.sub(r"\b([A-Z]{1,4})\s*[:;.,]\s+(?=#?\d)", r"\1 ", s)               # 'CW: 16, 381', 'CW; 23'
    s = re.sub(r"\b(quoted|qtd\.?|cited)\s+(?:ir|im|iu|io|m|iii)\b", r"\1 in", s)  # 'quoted ir Furr'
    s = _AND_RE.sub(lambda m: " and " if _reads_as_and(m.group(1)) else m.group(), s)  # 'Kahn arid Sayers'
    s = re.sub(r"(?<=\d)-(?=n\.?\s?\d)", " ", s)                           # '34-n.16': a hyphen for the space
    s = re.sub(r"(?<=[A-Za-z])[.;:,'’‘-]?(?=[#]?\d)", " ", s)              # 'Lenin.382', 'SW.#4', 'Furr-45'
    s = re.sub(r"(?<=[a-z])-(?=and\s)|(?<=\band)-(?=[A-Z])", " ", s)        # 'Kahn and-Sayers', 'Kahn-and'
    s = re.sub(r"(?<=\d)\s*;\s*(?=\d)", ", ", s)                          # '382; 346'
    s = re.sub(r"\s[-–—]\s", " ", s)                                      # 'CW #27 - 330'
    s = re.sub(r"(?<=\s)[.,:;'‘’`](?=\s)", " ", s)                        # a speck alone on a line or between words
    s = re.sub(r"(?<=\s)1 (?=\d{1,3}$)", "1", s)                          # 'Writings 1 13': OCR spaced a narrow 1
    for op, cl in (("“", "”"), ("‘", "’")):
        if s.count(op) != s.count(cl) and (op == "“" or not re.search(r"\w’\w", s)):
            s = s.replace(op, "").replace(cl, "")
    return re.sub(r"\s+", " ", s).strip(" ,.")


_Y = bib.YEAR_RE + r"[a-z]?"
_YEARS_RE = re.compile(rf"^(?P<pre>(?:.*?[^\d\s,](?P<sep>,?\s+))?)(?P<ys>{_Y}(?:\s*,\s*{_Y})+)$")
_SUFFIX_RE = re.compile(rf"\b{bib.YEAR_RE}(?P<s>[a-z])\b")


def _works_of(part: str) -> list[str]:
    """'Hartley 1971a, 1971b' -> ['Hartley 1971a', 'Hartley 1971b']: one author's several works. Later numbers
    are years, not pages, when a letter marks them or they lie within a lifetime of the first."""
    m = _YEARS_RE.match(part.strip())
    if not m:
        return [part]
    years = [y.strip() for y in m.group("ys").split(",")]
    first = int(years[0][:4])
    if not (any(y[-1].isalpha() for y in years) or all(abs(int(y[:4]) - first) <= 60 for y in years[1:])):
        return [part]
    return [m.group("pre") + y for y in years]


def _parse_content(content: str, known: set[str]) -> list[Work] | None:
    parts = [w for p in re.split(r"\s*;\s*", content) if p.strip() for w in _works_of(p)]
    works = [parse_part(p, known) for p in parts]
    if not works or any(w is None for w in works):
        return None
    for p, w in zip(parts, works):
        sm = _SUFFIX_RE.search(p)
        w.suffix = sm.group("s") if sm and w.year else None
    return works  # type: ignore[return-value]


def parses(content: str, known: set[str], *, strict: bool = False) -> bool:
    """Would ``in_text`` read this parenthesis content as one or more works (before any context check)?
    ``strict``: only forms that are citations without context (a bare name or title is not)."""
    content = _years(bib.clean_spaces(content))
    works = _parse_content(content, known)
    if not works:
        fixed = _repair(content)
        works = _parse_content(fixed, known) if fixed != content else None
    return bool(works) and not (strict and any(w.needs_context or w.year_only for w in works))


def in_text(text: str, m: re.Match, known: set[str], entries: list[dict], cited: set[str]) -> list[dict]:
    content = bib.clean_spaces(m.group("c"))
    raw = "(" + content + ")"
    content = _years(content)
    works = _parse_content(content, known)
    if works is None:
        fixed = _repair(content)
        works = _parse_content(fixed, known) if fixed != content else None
    if not works:
        return []
    out = []
    for w in works:
        if w.locator:   # '3l', '2O1': a page number, not a page with a letter
            w.locator = _DIGITISH_RE.sub(lambda d: d.group().translate(_AS_DIGIT), w.locator)
        if w.year_only:
            f = _narrative(text, m, w, entries)
            if f:
                out.append(f)
            continue
        if w.year and w.author and w.author != w.title and len(entries) >= 3 \
                and not any(e.get("author") and same_name(w.author, e["author"]) or w.author == e.get("abbrev")
                            for e in entries):
            continue  # '(Boston, 1988)' is a place and date: an author-date citation names a listed author
        if w.needs_context:
            # a bare name or title is a citation after a quotation, when the list of works has it, or when
            # the document cites the same name elsewhere in an unambiguous form
            quoted = _quote_before(text, m.start())
            if quoted and not w.author and not w.title:
                w.author = _named_before(text, m.start(), entries)   # 'Ellison calls it “...” (52)'
            if not (quoted or matches_entry(w, entries)
                    or (w.author and bib.norm_words(w.author) in cited)):
                out.append(dict(start=m.start(), end=m.end(), raw=raw, author=w.author, title=w.title,
                                year=w.year, locator=w.locator, ibid=w.ibid, pending=True, year_suffix=w.suffix))
                continue
        out.append(dict(start=m.start(), end=m.end(), raw=raw, author=w.author, title=w.title, year=w.year,
                        locator=w.locator, ibid=w.ibid, op_cit=w.op_cit, year_suffix=w.suffix,
                        context=text[max(0, m.start() - 300):m.start()] if w.op_cit and not w.author else None))
    return out


# letters a degraded scan merges or splits ('rn' read for 'm', 'in' for 'm', 'cl' for 'd', 'vv' for 'w')
_CONFUSABLE = (("rn", "m"), ("ri", "n"), ("in", "m"), ("cl", "d"), ("vv", "w"), ("ii", "u"))


def _ocr_fold(name: str) -> str:
    for a, b in _CONFUSABLE:
        name = name.replace(a, b)
    return name


def same_as_cited(name: str, cited: set[str]) -> bool:
    """Is a bare name one the document cites with context, read with one OCR letter error at most
    ('Whitcornbe', 'Whitcomb' for 'Whitcombe')? Short names must match exactly."""
    if bib.norm_words(name) in cited:
        return True
    if len(name) < 6 or re.search(r"['’]s$", name):   # 'Trotsky’s' is not a misreading of 'Trotsky'
        return False
    name = bib.norm_words(name)
    folded = _ocr_fold(name)
    return any(len(c) >= 6 and c[:1] == name[:1] and Levenshtein.distance(folded, _ocr_fold(c)) <= 1
               for c in cited)


def _named_before(text: str, pos: int, entries: list[dict]) -> str | None:
    """The one listed author the sentence before a page-only citation names (MLA: 'Ellison calls it “...” (52)')."""
    before = text[max(0, pos - 300):pos]
    ends = list(re.finditer(r"[.!?]\s+(?=[A-Z])", before))
    sentence = before[ends[-1].end():] if ends else before
    named = set()
    for e in entries:
        if not e.get("author"):
            continue
        for p in bib.person_names(e["author"])[:1]:
            sn = bib.surname(p)
            if len(sn) >= 3 and re.search(rf"\b{re.escape(sn)}\b", sentence):
                named.add(sn)
    return named.pop() if len(named) == 1 else None


def _narrative(text: str, m: re.Match, w: Work, entries: list[dict]) -> dict | None:
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
        if any(not re.fullmatch(r",?\s+", before[a.end():b.start()]) for a, b in zip(run, run[1:])):
            return None
        name = re.sub(r"['’]s$", "", before[run[0].start():run[-1].end()])   # 'Hartley's (1971) study'
        if run[0].group() in ("and", "&", "et al."):
            continue
        if entry_for(Work(author=name, year=w.year, suffix=w.suffix), entries) is not None:
            start = m.start() - len(before) + run[0].start()
            raw = bib.clean_spaces(text[start:m.start()] + "(" + m.group("c") + ")")
            return dict(start=start, end=m.end(), raw=raw, author=name, title=None, year=w.year,
                        locator=w.locator, ibid=False, year_suffix=w.suffix)
    return None
