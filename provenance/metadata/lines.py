"""What one line of a title block is: title text, byline, imprint, date line, issue line, address ..."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from provenance.metadata.dates import ParsedDate, find_dates
from provenance.metadata.imprint import EDITION_RE, Part, Statement, find_statements, segments
from provenance.metadata.words import (
    NOT_NAME_WORDS,
    body_name_like,
    is_noise,
    is_place,
    is_press,
    person_name_like,
    split_people,
    top_body,
    trim_span,
)
from provenance.text import Line, fold, is_page_number

_BYLINE_RE = re.compile(
    r"^(?P<role>(?:(?:compiled|edited|written|prepared|selected|researched|collected|assembled|translated|"
    r"illustrated|introduced|designed|drawn|text|words)(?:\s+and\s+\w+)?(?:\s+from\s+(?:the\s+)?\w+)?\s+"
    r"|(?:with\s+)?(?:an?\s+)?(?:introduction|foreword|preface|afterword|postscript|notes|illustrations?|drawings|"
    r"photographs|cover(?:\s+design)?|translation)(?:\s+and\s+\w+)?\s+)?)by\s+(?P<who>.+)$", re.I | re.S)
BYLINE_START_RE = re.compile(r"^(?:\w+\s+(?:and\s+\w+\s+)?)?by\s", re.I)
# Contributors who are not authors: translators, illustrators, writers of a foreword or introduction.
_NON_AUTHOR_ROLE_RE = re.compile(r"^(?:with\b|an?\b|translat|illustrat|introduc|design|drawn|drawing|foreword|"
                                 r"preface|afterword|postscript|notes|photograph|cover)", re.I)
ADDRESS_RE = re.compile(
    r"(?:\b(?:tel|telephone|phone|fax)\b\.?|@\w|\bwww\.|https?://|\bP\.?\s?O\.?\s+Box\b|"
    r"\b\d+[A-Za-z]?\s+[A-Z][\w'’]*(?:\s+[A-Z][\w'’]*)?\s+(?:Street|St\.|Road|Rd\.|Avenue|Ave\.|Lane|Square|"
    r"Place|Row|Way|Terrace|Drive|Boulevard|Blvd\.)|\b[A-Z]{1,2}\d{1,2}[A-Z]?\s+\d[A-Z]{2}\b|\b[A-Z]{2}\s+\d{5}\b)",
    re.I)
# An issue numbered in words ("Number Twelve", "Volume Two"), as mastheads set it; not after "No",
# which is also the word ("No one ...").
_NUMBER_WORDS = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
                 r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty)(?:[- ](?:one|two|three|four|five|"
                 r"six|seven|eight|nine))?")
_ISSUE_RE = re.compile(r"\b(?:(?:Vol|Volume|No|Nos|Number|Issue|Whole\s+No)\.?\s*(?:\d+|[IVXLC]+)"
                       rf"|(?:Volume|Number|Issue)\s+{_NUMBER_WORDS})\b", re.I)
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
                              r"incorporated|instituted|since)\s*(?:in\s+)?(?:[A-Z][a-z]+\s+)?"
                              r"(?:\d{4}|M{1,2}[CDLXVI]{2,})\.?"
                              r"|(?:\d{4}\s*[-–—]\s*\d{4}))$", re.I)
_FOUNDED_RE = re.compile(r"\b(?:est(?:ablished|\.|d\.?)|founded|formed|organi[sz]ed|inaugurated|chartered|"
                         r"incorporated|since|instituted|begun|born)\s*(?:in\s+)?$", re.I)
_TITLE_WORDS = {"history", "guide", "handbook", "catalogue", "catalog", "study", "story", "account", "introduction",
                "memoir", "survey", "essay", "chronicle", "record", "souvenir", "programme", "manual", "primer"}



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
    imprint: bool = False           # a body or press named beside the place in a title-page imprint
    event: bool = False             # names a weekday or a time: a meeting or a rally, not the document
    trailing: bool = False          # a body line after the last statement of the block (weaker evidence)
    series: tuple[str, int, int, str | None] | None = None   # a series named on the line (name, start, end, number)


def _not_body_title(text: str) -> bool:
    """'A History of the X Society' is a title about a body; 'Harwick Local History Society' is one."""
    ws = [fold(w, ascii_as_is=True).strip(".,:;'\"") for w in text.split()]
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
    parts = [q for p in segments(t) for q in _split_title_issue(p)]
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


def _split_title_issue(p: Part) -> list[Part]:
    """'THE TENANTS' VOICE Vol. 3, No. 2': a masthead title in capitals run into its issue line (OCR
    joins the parts of a masthead set on one line)."""
    m = _ISSUE_RE.search(p.text)
    head = p.text[:m.start()].rstrip() if m else ""
    if not m or len(head.split()) < 2 or not re.search(r"[A-Z]{2}", head) or re.search(r"[a-z]", head):
        return [p]
    return [Part(head, p.start, p.start + len(head)), Part(p.text[m.start():], p.start + m.start(), p.end)]


_PRIORITY = ["imprint", "byline", "organ", "org", "issue", "dateline", "range", "edition", "series", "address",
             "founded", "name", "heading", "text", "noise"]
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
    hl.event = any(x.event for x in subs)
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


_EVENT_RE = re.compile(r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|\b\d{1,2}[.:]\d\d\b|"
                       r"\b\d{1,2}(?:\.\d\d)?\s*(?:a\.?m|p\.?m)\b|\b(?:a\.m|p\.m|noon|midday)\b", re.I)


# Words of a flyer for a meeting or a rally: a day named in its title block is the day of the event.
_EVENT_WORD_RE = re.compile(r"\b(?:public\s+meeting|mass\s+meeting|meeting|rally|demonstration|picket|vigil|"
                            r"conference|social|dance|jumble\s+sale|bazaar|festival|gala|assemble|speakers?|"
                            r"admission|tickets|doors\s+open|all\s+welcome)\b", re.I)


def _classify_span(hl: HeadLine) -> None:
    """Read one line or one part of a line (hl.text at hl.start on the page)."""
    s, t = hl.start, hl.text
    hl.event = bool(_EVENT_RE.search(t) or _EVENT_WORD_RE.search(t))
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
        role = m.group("role").strip() if m.group("role") else ""
        people = split_people(who)
        if people:
            hl.kind = "byline"
            hl.people = [] if _NON_AUTHOR_ROLE_RE.match(role) else people
            return
        body = re.sub(r"^(?:the)\s+", "", who, flags=re.I).strip(" .")
        if _body_on(body):
            hl.kind = "org"
            off = s + t.find(body)
            hl.body = (top_body(body), off, off + len(body))
            return
    if ADDRESS_RE.search(t):
        hl.kind = "address"
        return
    if _FOUNDED_LINE_RE.match(t):
        hl.kind = "founded"          # "Established 1898": the body's age, not the document's date
        return
    if EDITION_RE.fullmatch(t.strip(" .")):
        hl.kind = "edition"          # "Second Edition" with no date: front matter, never a subtitle
        return
    dates = [d for d in find_dates(t) if not d[0].undated]
    if dates:
        _classify_dated(hl, dates)
        if hl.kind != "text":
            return
    if _SERIES_RE.search(t) and len(t.split()) <= 10:
        hl.kind = "series"
        hl.series = series_name(t, s)
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
    if _NOTE_RE.match(t.lstrip("([")):
        hl.kind = "note"              # "Affiliated to the TUC": about the body, never a title
        return
    if person_name_like(t):
        hl.kind = "name"
        hl.people = split_people(t) or []
        return
    several = split_people(t) if re.search(r",|\band\b|&", t, re.I) else None
    if several and len(several) >= 2:
        hl.kind = "name"             # "Rosa Delgado and Tom Firth" under the title, without a "by"
        hl.people = several
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
        return
    # "A Pamphlet by the Leeds Tenants' Federation", "An Address by Rosa Delgado": a subtitle that names
    # who is responsible.
    om = _GENRE_OF_RE.match(t)
    if om and _body_on(om.group("body")):
        off = s + om.start("body")  # "A Leeds Tenants' Federation Pamphlet"
        hl.body = (om.group("body"), off, off + len(om.group("body")))
        return
    gm = _GENRE_BY_RE.match(t)
    if gm:
        who = gm.group("who").strip(" .")
        people = split_people(who)
        if people:
            hl.people = people
        elif _body_on(who):
            off = s + gm.start("who")
            hl.body = (top_body(who), off, off + len(who))


_GENRE_OF_RE = re.compile(r"^(?:A|An)\s+(?P<body>[A-Z].+?)\s+(?i:pamphlet|publication|leaflet|booklet|broadsheet|"
                          r"paper|report|discussion\s+paper|policy\s+statement|handbook|guide)\.?$")
_GENRE_BY_RE = re.compile(r"^(?:A|An)\s+(?:[\w'’-]+\s+){1,3}by\s+(?:the\s+)?(?P<who>[A-Z].+)$", re.S)


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
    parts = [p.strip(" .,;:()[]—–-") for p in re.split(r"[|,·•—–]|\s-\s|[ \t]{3,}", rest)]
    parts = [p for p in parts if p]
    issue = False
    place: str | None = None
    body: str | None = None
    for n, p in enumerate(parts):
        if n == 0 and (body_name_like(p) or is_press(p)) and not _not_body_title(p):
            body = p                 # "Cedar Row Press, London, 1971": an imprint without its verb
            continue
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
    if _EVENT_RE.search(t):
        return
    hl.kind = "issue" if issue else "dateline"
    hl.date = (pd, hl.start + ds, hl.start + de)
    if place:
        off = hl.start + t.find(place)
        hl.place = (place, off, off + len(place))
    if body and not issue:
        off = hl.start + t.find(body)
        hl.body = (body if is_press(body) else top_body(body), off, off + len(body))
        hl.imprint = True



# The number of an issue in a series: "No. 3", ", Number 12", "#4" at the end of a series line.
_SERIES_NUMBER_RE = re.compile(r"[\s,·:-]*(?:(?:No|Number|Nos)\.?\s*|#\s*)?(?P<n>\d+|[IVXLC]+)\.?\s*$")
# Words that name a series, printed on a line of their own above or below a title: "Studies in Local
# Labour History", "Occasional Papers in Print Culture", "Fabian Tracts", "The Left Book Club Library".
SERIES_WORD_RE = re.compile(r"\b(?:Papers|Pamphlets|Series|Studies|Tracts|Library|Monographs|Booklets|Handbooks|"
                            r"Leaflets|Texts|Classics|Broadsheets|Bulletins|Reprints|Essays)\b", re.I)


def series_name(text: str, start: int) -> tuple[str, int, int, str | None] | None:
    """The series a line names, as (name, start, end, number): "Occasional Paper No. 3" ->
    ("Occasional Paper", ..., "3"); the span is that of the name on the page."""
    t = text.strip()
    lead = text.find(t[:1]) if t else 0
    m = _SERIES_NUMBER_RE.search(t)
    number = None
    if m and m.start() > 0 and re.search(r"(?:No|Number|Nos|#)", m.group(), re.I) or (
            m and m.start() > 0 and m.group("n").isdigit()):
        number = m.group("n")
        t = t[:m.start()]
    name = t.strip(" ,.;:·-–—")
    if len(name.split()) < 1 or not re.search(r"[A-Za-z]{3}", name):
        return None
    off = start + lead + t.find(name)
    return (name, off, off + len(name), number)


_MULTIWORD_PLACE_RE = re.compile(r"^(?:[A-Z][\w'-]+\s+(?:upon|on|under|in|by|le|la|am)\s+[A-Z][\w'-]+|"
                                 r"(?:New|North|South|East|West|Port|St\.?|Saint|San|Santa|Los|Las|Fort|Mount|Le|La|"
                                 r"El)\s+[A-Z][\w'-]+)$")


def lone_place(text: str) -> str | None:
    """A line that is only a place name ("London", "LONDON:", "Newcastle upon Tyne"), or None."""
    t = text.strip().rstrip(":,. ")
    if not is_place(t) or any(fold(w, ascii_as_is=True) in NOT_NAME_WORDS for w in t.split()):
        return None
    return t if (len(t.split()) == 1 and len(t) >= 3) or _MULTIWORD_PLACE_RE.match(t) else None
