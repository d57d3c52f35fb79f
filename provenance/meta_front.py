"""The front matter of page 1: where the title block ends and what each of its lines is (title, byline, imprint ...)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from provenance.dates import ParsedDate, find_dates
from provenance.meta_imprint import (Statement, find_statements, is_place, merge_statement_lines, segments,
                                     top_body)
from provenance.meta_text import (Line, body_name_like, fold, is_noise, is_page_number, person_name_like,
                                  sentence_like, split_people, trim_span)

MAX_HEADER_LINES = 16

_STATEMENT_START_RE = re.compile(r"^\W{0,3}(?:©|\(c\)|copyright|published|issued|printed|produced|"
                                 r"(?:\w+\s+)?by\s+[A-Z])", re.I)
_BYLINE_RE = re.compile(
    r"^(?P<role>(?:(?:compiled|edited|written|prepared|selected|researched|collected|assembled|translated|"
    r"illustrated|introduced|designed|drawn|text|words)(?:\s+and\s+\w+)?\s+)?)by\s+(?P<who>.+)$", re.I)
_NON_AUTHOR_ROLES = {"translated", "illustrated", "introduced", "designed", "drawn"}
_ADDRESS_RE = re.compile(
    r"(?:\b(?:tel|telephone|phone|fax)\b\.?|@\w|\bwww\.|https?://|\bP\.?\s?O\.?\s+Box\b|"
    r"\b\d+[A-Za-z]?\s+[A-Z][\w'’]*(?:\s+[A-Z][\w'’]*)?\s+(?:Street|St\.|Road|Rd\.|Avenue|Ave\.|Lane|Square|"
    r"Place|Row|Way|Terrace|Drive|Boulevard|Blvd\.)|\b[A-Z]{1,2}\d{1,2}[A-Z]?\s+\d[A-Z]{2}\b|\b[A-Z]{2}\s+\d{5}\b)",
    re.I)
_ISSUE_RE = re.compile(r"\b(?:Vol|Volume|No|Nos|Number|Issue|Whole\s+No)\.?\s*(?:\d+|[IVXLC]+)\b", re.I)
_SERIES_RE = re.compile(
    r"(?:\b(?:Working|Occasional|Discussion|Research|Policy|Conference|Study|Education|Educational)?\s*"
    r"(?:Papers?|Pamphlets?|Series|Bulletins?|Reports?|Studies|Leaflets?|Tracts?)\b\s*(?:No\.?|Number|#)?\s*"
    r"(?:\d+|[IVXLC]+)\b|\bSeries\b\s*(?:,|$))", re.I)
_PRICE_RE = re.compile(r"(?:\b(?:price|free|gratis|donation|cents?|pence|shillings?|\d+p|\d+c|\d+d\.?)\b"
                       r"|[$£€¢]\s?\d)",
                       re.I)
_NOTE_RE = re.compile(r"^(?:Affiliated\s+(?:to|with)|(?:A\s+)?Member\s+of|Registered\b|Incorporating\b|"
                      r"In\s+association\s+with|Supported\s+by|Sponsored\s+by|Secretary\s*:|Chair(?:man)?\s*:|"
                      r"President\s*:|Editor\s*:|Editors\s*:|Patron\s*:|Patrons\s*:|Reg\.\s)", re.I)
_PRICE_LINE_RE = re.compile(r"^(?:price\b.*|(?:one|two|three|six)\s*(?:penny|pence)|twopence|threepence|sixpence|"
                            r"(?:price\s+)?\d+\s*(?:c|p|d|cents|pence)\.?|[$£€]\s?\d+(?:[.,]\d\d)?|free|"
                            r"(?:\w+\s+)?cents?)$", re.I)
_HEADING_RE = re.compile(
    r"^(?:(?:\d{1,2}|[IVXLC]{1,5})[.)]\s+\S.*|(?:Introduction|Preface|Foreword|Contents|Acknowledge?ments|"
    r"Editorial|Summary|Abstract|Prologue|Chapter\s+\w+.*|Part\s+\w+.*)\.?)$")
_ORGAN_RE = re.compile(
    r"^(?:(?:The|An?)\s+)?(?:(?:Official|Monthly|Quarterly|Weekly|Occasional|Internal|Members'?|Discussion)\s+)?"
    r"(?:Newsletter|News\s*Letter|Bulletin|Journal|Organ|Magazine|Voice|Paper|Publication|Review|Broadsheet|"
    r"Circular|Information\s+Sheet|Gazette)s?\s+(?:of|for|from)\s+(?:the\s+)?(?P<body>.+)$", re.I)
_SALUTATION_RE = re.compile(r"^(?:Dear|To\s+(?:all|the|every)|Fellow|Comrades|Friends|Brothers|Sisters)"
                            r"\b[^.]{0,60}[,:]$|^Dear\s+\w[^.]{0,40}$", re.I)
_FOUNDED_LINE_RE = re.compile(r"^(?:(?:est(?:ablished|\.|d\.?)|founded|formed|organi[sz]ed|inaugurated|chartered|"
                              r"incorporated|instituted|since)\s*(?:in\s+)?(?:[A-Z][a-z]+\s+)?\d{4}\.?"
                              r"|(?:\d{4}\s*[-–—]\s*\d{4}))$", re.I)
_FOUNDED_RE = re.compile(r"\b(?:est(?:ablished|\.|d\.?)|founded|formed|organi[sz]ed|inaugurated|chartered|"
                         r"incorporated|since|instituted|begun|born)\s*(?:in\s+)?$", re.I)
_GENRE_RE = re.compile(
    r"^(?:A|An)\s+(?:\w+\s+){0,2}(?:Handbook|Guide|History|Study|Catalogue|Catalog|Report|Survey|Reply|"
    r"Statement|Programme|Program|Critique|Manual|Introduction|Collection|Record|Account|Memoir|Appeal|Letter|"
    r"Call|Primer|Proposal|Contribution|Note|Manifesto|Analysis|Discussion|Review|Selection|Bibliography|"
    r"Chronicle|Tribute|Pamphlet|Reader|Commentary|Answer|Defence|Defense|Essay|Lecture|Speech|Address|"
    r"Story|Sketch|Outline|Course|Textbook|Play|Portrait|Celebration|Souvenir)\b")
_TITLE_WORDS = {"history", "guide", "handbook", "catalogue", "catalog", "study", "story", "account", "introduction",
                "memoir", "survey", "essay", "chronicle", "record", "souvenir", "programme", "manual", "primer"}
_CONNECTOR_END = re.compile(r"(?:\b(?:of|and|the|for|in|on|to|a|an|at|with|from|by|or)|[,&:;—–-])$", re.I)


@dataclass
class HeadLine:
    """A line of the title block with what it was read as."""

    line: Line
    kind: str       # title-ish "text", "name", "byline", "org", "imprint", "dateline", "issue", "range", "series",
    #                 "address", "heading", "noise"
    start: int      # trimmed span on the page
    end: int
    text: str
    people: list[str] = field(default_factory=list)
    body: tuple[str, int, int] | None = None          # an issuing body named on the line (value, start, end)
    statements: list[tuple[Statement, int]] = field(default_factory=list)
    date: tuple[ParsedDate, int, int] | None = None   # page offsets
    place: tuple[str, int, int] | None = None


@dataclass
class TitleBlock:
    """The title block of page 1 as found."""

    lines: list[HeadLine]
    title: list[HeadLine]
    subtitle: list[HeadLine]
    letterhead: HeadLine | None
    masthead: bool
    all_lines: list[HeadLine] = field(default_factory=list)   # every line above the text, read or not
    page: int = 1                                             # 1-based page the block is on


def header_lines(lines: list[Line], page_text: str) -> list[Line]:
    """The lines above the first paragraph of running prose on page 1."""
    content = merge_statement_lines([ln for ln in lines if ln.text], page_text)
    out: list[Line] = []
    for i, ln in enumerate(content):
        if len(out) >= MAX_HEADER_LINES:
            break
        nxt = content[i + 1] if i + 1 < len(content) else None
        if sentence_like(ln.text) and (nxt is None or sentence_like(nxt.text) or len(ln.text) > 60) \
                and not _STATEMENT_START_RE.match(ln.text):
            break
        out.append(ln)
    return out


def _not_body_title(text: str) -> bool:
    """'A History of the X Society' is a title about a body; 'Harwick Local History Society' is one."""
    ws = [fold(w).strip(".,:;'\"") for w in text.split()]
    if re.match(r"(?:A|An)\s", text):
        return True
    return any(w in _TITLE_WORDS and nxt in ("of", "to", "for") for w, nxt in zip(ws, ws[1:]))


def _body_on(text: str) -> str | None:
    if body_name_like(text) and not _not_body_title(text):
        return text
    return None


def classify(ln: Line, page_text: str) -> HeadLine:
    """What one title-block line is; a line of parts set off by · | or dashes is read part by part."""
    s, e = trim_span(page_text, ln.start, ln.end)
    t = page_text[s:e]
    hl = HeadLine(ln, "text", s, e, t)
    if (is_noise(t) or is_page_number(t)) and not [d for d in find_dates(t) if not d[0].undated]:
        hl.kind = "noise"
        return hl
    if _SALUTATION_RE.match(ln.text):
        hl.kind = "salutation"
        return hl
    parts = segments(t)
    if len(parts) < 2 or _RANGE_LINE_RE.match(t):
        _classify_span(hl)
        return hl
    subs = []
    for p in parts:
        lead = len(p.text) - len(p.text.lstrip())
        txt = p.text.strip()
        sub = HeadLine(ln, "text", s + p.start + lead, s + p.start + lead + len(txt), txt)
        _classify_span(sub)
        subs.append(sub)
    return _combine(hl, subs, page_text)


_PRIORITY = ["imprint", "byline", "organ", "org", "issue", "dateline", "range", "series", "address", "founded",
             "name", "heading", "text", "noise"]
_RANGE_LINE_RE = re.compile(r"^\s*\d{4}\s*[-–—]\s*\d{2,4}\s*$")


def _combine(hl: HeadLine, subs: list[HeadLine], page_text: str) -> HeadLine:
    """One line from its parts: "Vol. 4, No. 2 · Autumn 2013", "Bulletin of the X · No. 6 · March 1983"."""
    if subs[0].kind == "text":
        # A title with a tag after it ("RED LEAVES · Est. 1979"): the line's text is the title part.
        k = 0
        while k < len(subs) and subs[k].kind == "text":
            k += 1
        hl.start, hl.end = subs[0].start, subs[k - 1].end
        hl.text = page_text[hl.start:hl.end]
        hl.kind = "text"
        rest = subs[k:]
    else:
        hl.kind = min((x.kind for x in subs), key=_PRIORITY.index)
        rest = subs
    issue = any(x.kind == "issue" for x in subs)
    for x in rest:
        if x.people and x.kind in ("byline", "name") and hl.kind in ("byline", "name"):
            hl.people = hl.people or x.people
        if x.body and hl.body is None:
            hl.body = x.body
        hl.statements += [(st, x.start - hl.start + off) for st, off in x.statements]
        if x.date and hl.date is None:
            hl.date = x.date
        if x.place and hl.place is None:
            hl.place = x.place
    if hl.kind == "dateline" and issue:
        hl.kind = "issue"
    return hl


def _classify_span(hl: HeadLine) -> None:
    """Read one line or one part of a line (hl.text at hl.start on the page)."""
    s, t = hl.start, hl.text
    if (is_noise(t) or is_page_number(t)) and not [d for d in find_dates(t) if not d[0].undated]:
        hl.kind = "noise"
        return
    sts = find_statements(t)
    if sts:
        hl.kind = "imprint"
        hl.statements = sts
        return
    m = _BYLINE_RE.match(t)
    if m and (m.group("role") or t[:2] in ("by", "By", "BY")):
        who = m.group("who").strip()
        role = m.group("role").strip().lower().split(" ")[0] if m.group("role") else ""
        people = split_people(who)
        if people:
            hl.kind = "byline"
            hl.people = [] if role in _NON_AUTHOR_ROLES else people
            return
        body = re.sub(r"^(?:the)\s+", "", who, flags=re.I).strip(" .")
        if _body_on(body):
            hl.kind = "org"
            off = s + t.find(body)
            hl.body = (top_body(body), off, off + len(body))
            return
    if _ADDRESS_RE.search(t):
        hl.kind = "address"
        return
    if _FOUNDED_LINE_RE.match(t):
        hl.kind = "founded"          # "Established 1898": the body's age, not the document's date
        return
    dates = [d for d in find_dates(t) if not d[0].undated]
    if dates:
        _classify_dated(hl, dates)
        if hl.kind != "text":
            return
    if _SERIES_RE.search(t) and len(t.split()) <= 10:
        hl.kind = "series"
        return
    if _PRICE_LINE_RE.match(t):
        hl.kind = "series"            # a price line: front matter, never a title
        return
    if _ISSUE_RE.search(t) and len(t.split()) <= 10:
        hl.kind = "issue"
        return
    if _HEADING_RE.match(t):
        hl.kind = "heading"
        return
    if _NOTE_RE.match(t):
        hl.kind = "note"              # "Affiliated to the TUC": about the body, never a title
        return
    if person_name_like(t):
        hl.kind = "name"
        hl.people = split_people(t) or []
        return
    om = _ORGAN_RE.match(t)
    if om and body_name_like(om.group("body").strip(" .")):
        body = om.group("body").strip(" .")
        off = s + om.start("body")
        hl.body = (top_body(body), off, off + len(body))
        hl.kind = "organ"
        return
    if _body_on(t.strip(" .")):
        hl.kind = "org"
        body = top_body(t.strip(" ."))
        off = s + t.find(body)
        hl.body = (body, off, off + len(body))
        return
    if _HEADING_RE.match(t):
        hl.kind = "heading"


def _classify_dated(hl: HeadLine, dates: list[tuple[ParsedDate, int, int]]) -> None:
    """A line with a date: a date line, an issue line, a range of years, or a title that holds a year."""
    t = hl.text
    if len(dates) >= 2:
        a, b = dates[0], dates[1]
        between = t[a[2]:b[1]]
        if re.fullmatch(r"\s*(?:[-–—/]|to|until)\s*", between):
            rest = (t[:a[1]] + t[b[2]:]).strip(" .,;:()[]")
            if not rest:
                hl.kind = "range"
            return
    pd, ds, de = dates[0]
    if _FOUNDED_RE.search(t[:ds]):
        return
    rest = t[:ds] + " | " + t[de:]
    parts = [p.strip(" .,;:()[]—–-") for p in re.split(r"[|,·•—–]|\s-\s", rest)]
    parts = [p for p in parts if p]
    issue = False
    place: str | None = None
    for p in parts:
        if _ISSUE_RE.search(p) or _SERIES_RE.search(p):
            # "Vol. 3, No. 7" numbers an issue of a periodical; "Education Series, No. 3" a series.
            issue = issue or bool(_ISSUE_RE.search(p) and not _SERIES_RE.search(p))
            continue
        if _PRICE_RE.search(p) or re.fullmatch(r"(?:dated|date|issued|in|on|the)", p, re.I):
            continue
        if place is None and is_place(p) and not re.search(r"\b(?:of|in|since|from|to)\b", p):
            place = p
            continue
        return
    if re.search(r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|\b\d{1,2}[.:]\d\d\b|\b(?:a\.m|p\.m|noon)\b", t, re.I):
        return
    hl.kind = "issue" if issue else "dateline"
    hl.date = (pd, hl.start + ds, hl.start + de)
    if place:
        off = hl.start + t.find(place)
        hl.place = (place, off, off + len(place))


def _joinable(prev: str, nxt: HeadLine, *, wrap_len: int) -> bool:
    """The next line continues the previous one (a wrapped title or subtitle)."""
    if nxt.kind != "text":
        return False
    if prev.endswith(":"):
        return False
    if _CONNECTOR_END.search(prev) or nxt.text[:1].islower():
        return True
    return len(prev) >= wrap_len and len(nxt.text) <= 30 and not re.search(r"[.!?]$", prev)


def read_title_block(lines: list[Line], page_text: str) -> TitleBlock:
    """Classify the title-block lines of page 1 and pick out the title and subtitle lines."""
    heads = [classify(ln, page_text) for ln in header_lines(lines, page_text)]
    content = [h for h in heads if h.kind != "noise"]
    letterhead = None
    i = 0
    # Lines above the title: series and issue lines, a letterhead (a body with its address under it).
    while i < len(content):
        h = content[i]
        if h.kind in ("series", "issue", "address", "founded", "note") or (h.kind == "dateline" and (
                letterhead is not None or h.date is None or h.date[0].precision != "year" or h.date[0].season)):
            i += 1
            continue
        near = content[i + 1:i + 4]
        if any(x.kind in ("address", "founded") for x in near) and (h.kind == "org" or body_name_like(h.text)) \
                and all(x.kind in ("address", "founded", "note", "org", "series") for x in
                        near[:next(n for n, x in enumerate(near) if x.kind in ("address", "founded")) + 1]):
            if h.body is None:
                h.body = (h.text, h.start, h.end)
            h.kind = "letterhead"
            letterhead = h
            i += 1
            continue
        break
    # The block ends at the first section heading or salutation: what follows is the text.
    for k in range(i + 1, len(content)):
        if content[k].kind in ("heading", "salutation"):
            content = content[:k]
            break
    masthead = any(h.kind in ("issue", "organ") for h in content)
    title: list[HeadLine] = []
    subtitle: list[HeadLine] = []
    pos = i
    if i < len(content) and content[i].kind in ("text", "org", "name", "organ"):
        title = [content[i]]
        j = i + 1
        while j < len(content) and _joinable(title[-1].text, content[j], wrap_len=10 ** 6):
            title.append(content[j])
            j += 1
        pos = j
        if j < len(content) and content[j].kind == "text":
            cand = [content[j]]
            k = j + 1
            while k < len(content) and _joinable(cand[-1].text, content[k], wrap_len=40):
                cand.append(content[k])
                k += 1
            nxt = content[k] if k < len(content) else None
            if nxt is not None and nxt.kind == "text" and len(cand) == 1 and len(cand[0].text.split()) <= 4 \
                    and not _GENRE_RE.match(cand[0].text) and not cand[0].text.endswith(":") \
                    and k + 1 < len(content) and content[k + 1].kind in _CORE | _SOFT:
                # "The Case for a Municipal / Printing Works / A Memorandum ...": the short line
                # finishes the title and the next one is the subtitle.
                title.append(cand[0])
                cand = [nxt]
                k += 1
                while k < len(content) and _joinable(cand[-1].text, content[k], wrap_len=40):
                    cand.append(content[k])
                    k += 1
            front_after = k < len(content) and content[k].kind in _CORE | _SOFT
            if front_after or title[-1].text.endswith(":") or _GENRE_RE.match(cand[0].text):
                subtitle = cand
                pos = k
    front = _front_lines(content, pos, title + subtitle)
    return TitleBlock(front, title, subtitle, letterhead, masthead, heads)


_CORE = {"byline", "imprint", "dateline", "issue", "range", "series", "letterhead", "address", "organ", "founded",
         "note"}
_SOFT = {"name", "org"}


def _front_lines(content: list[HeadLine], pos: int, used: list[HeadLine]) -> list[HeadLine]:
    """The lines of the block that state something. The block runs from the title to the first line of
    text or heading; inside it, name and body lines count when a statement line follows them (or when
    the block has no statement line at all), so a name-shaped headline under a masthead is not a
    byline. Past the block only publication statements and bylines count."""
    used_ids = {id(h) for h in used}
    end = next((k for k in range(pos, len(content)) if content[k].kind in ("text", "heading", "salutation")),
               len(content))
    core_idx = [k for k in range(pos, end) if content[k].kind in _CORE]
    last_core = max(core_idx) if core_idx else -1
    out = []
    for k, h in enumerate(content):
        if id(h) in used_ids:
            continue
        if k >= end:
            if h.kind in ("imprint", "byline"):
                out.append(h)
            continue
        if k >= pos and h.kind in _SOFT and core_idx and k > last_core:
            continue
        out.append(h)
    return out


def join_text(parts: list[HeadLine]) -> str:
    """Lines of a title joined as one string: a soft hyphen at a line end is closed up."""
    out = ""
    for h in parts:
        t = h.text
        if out.endswith("-") and t[:1].islower():
            out = out[:-1] + t
        else:
            out = (out + " " + t).strip()
    return re.sub(r"\s+", " ", out).strip().rstrip(":;,")
