"""Grammar of one parenthetical citation: names, titles, years, locators, ibid. and op. cit."""

from __future__ import annotations

import re
from dataclasses import dataclass

from provenance.citations import bibliography as bib
from provenance.text import IBID_IN_PARENTHESIS, OP_CIT

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
# a quoted title; an apostrophe inside a word ("Don't") does not close it
_QUOTED_RE = re.compile(r"^[“\"‘'](?P<t>[^“”\"]+?)[,.]?[”\"’'](?![A-Za-z])(?P<rest>.*)$")
_NAMEW = r"[A-Z][\w'’\-]+(?:\s[A-Z][\w'’\-]+)?"
# 'Price, Kemp, and Ward 1983': three or more authors listed before the year
_LIST_YEAR_RE = re.compile(rf"^(?P<n>{_NAMEW}(?:,\s+{_NAMEW})+,?\s+(?:and|&)\s+{_NAMEW}),?\s+(?P<y>{YEAR})"
                           rf"(?:\s*[,:]\s*(?P<l>{LOC}))?$")
# '[1971] 1985', '1971/1985': a reprint cited with its first date; the edition used is the later
_REPRINT_RE = re.compile(rf"\[{bib.YEAR_RE}\]\s*(?={bib.YEAR_RE})|{bib.YEAR_RE}/(?={bib.YEAR_RE})")
_QUOTED_IN_RE = re.compile(r"^(?P<n>[^,]+?),?\s+(?:as\s+)?(?:quoted|qtd\.?|cited)\s+in\s+(?P<rest>.+)$", re.I)
_PREFIX_RE = re.compile(r"^(?:(?:see also|see|cf\.?|compare|e\.g\.,?|also)\s+)?"
                        r"(?:(?:as\s+)?(?:quoted|qtd\.?|cited)\s+in\s+)?", re.I)
_OPCIT_RE = re.compile(rf"^(?P<n>[^,]+?),?\s+{OP_CIT}\.?(?:\s*,?\s*(?P<l>{LOC}))?\.?$", re.I)
_BARE_OPCIT_RE = re.compile(rf"^{OP_CIT}\.?(?:\s*,?\s*(?P<l>{LOC}))?\.?$", re.I)
_IBID_RE = re.compile(rf"^{IBID_IN_PARENTHESIS}\.?(?:\s*,?\s*(?:at\s+)?(?P<l>{LOC}))?\.?$", re.I)

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

@dataclass
class Work:
    """A parsed part of a citation before it is frozen."""

    author: str | None = None
    title: str | None = None
    year: str | None = None
    locator: str | None = None
    needs_context: bool = False   # only a citation when it follows a quotation or matches a listed work
    ibid: bool = False
    op_cit: bool = False
    year_only: bool = False
    suffix: str | None = None     # 'a' of '1971a': which of an author's works of one year


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


def _name_allowed(name: str, known: set[str] = frozenset()) -> bool:
    """Reject names that are really calendar words or document parts: '(May 1937)', '(Local 48)' -- unless
    the document lists the name as an author ('(Ward 1976)' with 'Ward, C.' in the references)."""
    toks = name.split()
    if name.strip(" ,") in known:
        return True
    if len(toks) <= 2 and bib.norm_words(toks[0]) in _NOT_NAMES:
        return False
    return True


def _is_acronym(s: str, known: set[str] = frozenset()) -> bool:
    """'(CPUSA)', '(ACDLT)': an acronym is an aside, unless the reference list defines it ('[LTF]')."""
    return bool(re.fullmatch(r"[A-Z][A-Z.&\-]{1,9}s?", s.strip())) and s.strip() not in known


def parse_part(s: str, known: set[str]) -> Work | None:
    """Parse the text of one parenthetical citation (one work)."""
    s = s.strip().strip(",;").strip()
    if not s:
        return None
    m = _IBID_RE.match(s)
    if m:
        return Work(locator=m.group("l"), ibid=True)
    m = _OPCIT_RE.match(s)
    if m and _valid_name(m.group("n")):
        return Work(author=m.group("n").strip(), locator=m.group("l"), op_cit=True)
    m = _BARE_OPCIT_RE.match(s)
    if m:   # '(op. cit., p. 12)': the sentence names the author
        return Work(locator=m.group("l"), op_cit=True)
    m = _QUOTED_IN_RE.match(s)
    if m and _valid_name(m.group("n")):
        inner = parse_part(m.group("rest"), known)
        if inner is None or inner.ibid or inner.year_only:
            return None
        if inner.author and inner.author == inner.title:
            # "(Lenin, quoted in “Labour Monthly”)": the person quoted, and the periodical quoting him
            inner.author = m.group("n").strip()
        inner.needs_context = False
        return inner
    s2 = _PREFIX_RE.sub("", s, count=1).strip()
    if s2 != s:
        return parse_part(s2, known) if s2 else None
    if _REPRINT_RE.search(s):
        return parse_part(_REPRINT_RE.sub("", s), known)
    # "Title" [year] [locator]
    m = _QUOTED_RE.match(s)
    if m:
        title = m.group("t").strip(" ,.")
        rest = m.group("rest").strip(" ,")
        w = Work(author=title, title=title)
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
        return Work(locator=s)
    ym = _YEAR_LOC_RE.match(s)
    if ym and re.match(bib.YEAR_RE, s):
        return Work(year=_year(ym.group("y")), locator=ym.group("l"), year_only=True)
    if _PAGE_ONLY_RE.match(s) and re.search(r"\d", s):
        return Work(locator=s, needs_context=True)
    m = _LIST_YEAR_RE.match(s)
    if m and all(_valid_name(n) for n in re.split(r",?\s+(?:and|&)\s+|,\s*", m.group("n")) if n):
        return Work(author=m.group("n"), year=_year(m.group("y")), locator=m.group("l"))
    # Name, rest
    if "," in s:
        left, right = s.split(",", 1)
        left, right = left.strip(), right.strip()
        if _valid_name(left) and _name_allowed(left, known) and not _is_acronym(left, known):
            ym = _YEAR_LOC_RE.match(right)
            if ym:
                return _split_known(Work(author=left, year=_year(ym.group("y")), locator=ym.group("l")), known)
            if _LOC_RE.match(right):
                return _split_known(Work(author=left, locator=right), known)
            t = _title_loc(right)
            if t:
                return Work(author=left, title=t[0], year=t[1], locator=t[2])
    m = _NAME_YEAR_RE.match(s)
    if m and _valid_name(m.group("n")) and _name_allowed(m.group("n"), known):
        work = Work(author=m.group("n").strip(" ,"), year=_year(m.group("y")), locator=m.group("l"))
        return _split_known(work, known)
    m = _NAME_LOC_RE.match(s)
    if m and _valid_name(m.group("n")) and _name_allowed(m.group("n"), known) and not _is_acronym(m.group("n"), known):
        return _split_known(Work(author=m.group("n").strip(" ,"), locator=m.group("l").strip()), known)
    if "," not in s and _valid_name(s) and _name_allowed(s, known) and not _is_acronym(s, known):
        return _split_known(Work(author=s, needs_context=True), known)
    if _valid_name(s, title=True) and not _is_acronym(s.split(",")[0]):
        return Work(author=s, needs_context=True)
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


def _split_known(w: Work, known: set[str]) -> Work:
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
