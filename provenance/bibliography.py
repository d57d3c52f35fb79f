"""Bibliography sections (Works Cited, References, ...) and parsing of entries and note texts."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

# Headings that open a list of works; matched against a whole line (case-insensitive).
_HEADING_RE = re.compile(
    r"^\s*(works\s+cited|works\s+consulted|literature\s+cited|sources\s+cited|references(\s+cited)?"
    r"|select(ed)?\s+bibliography|bibliography|sources|further\s+reading)\s*:?\s*$",
    re.IGNORECASE,
)
# Headings that open a list of endnotes.
NOTES_HEADING_RE = re.compile(r"^\s*(notes|endnotes|notes\s+and\s+references|references\s+and\s+notes)\s*:?\s*$", re.I)

YEAR_RE = r"(?:1[4-9]\d\d|20\d\d)"
_MONTHS = r"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Spring|Summer|Autumn|Fall|Winter"
_ND_RE = r"n\.\s?d\."
# Abbreviations that end in a period without ending an entry segment.
_ABBREV = {
    "p", "pp", "vol", "vols", "ed", "eds", "no", "nos", "trans", "rev", "repr", "ch", "chap", "sec", "n", "nn",
    "ca", "c", "st", "mr", "mrs", "ms", "dr", "jr", "sr", "co", "inc", "ltd", "dept", "univ", "assn", "ser",
    "esp", "cf", "fig", "comp", "comps", "e.g", "i.e", "al", "et", "vs", "mt", "ft", "pt", "bros", "orig",
}
ORG_WORDS = {
    "party", "league", "society", "committee", "press", "union", "council", "center", "centre", "library",
    "university", "association", "institute", "department", "group", "fund", "federation", "congress",
    "bureau", "office", "ministry", "company", "co", "inc", "ltd", "club", "foundation", "workers", "workmen",
    "international", "movement", "organization", "organisation", "brotherhood", "lodge", "local", "board",
    "commission", "collective", "coalition", "alliance", "front", "bloc", "cooperative", "co-operative",
    "publishers", "publishing", "books", "house", "archive", "archives", "museum", "trust", "agency",
    "government", "state", "city", "county", "school", "college", "academy", "church", "service", "project",
    "network", "caucus", "conference", "assembly", "room", "rooms", "journal", "times", "post", "news",
    "review", "monthly", "weekly", "daily", "gazette", "courier", "herald", "tribune", "bulletin",
    "magazine", "vanguard", "worker", "democracy", "socialist", "communist", "labor", "labour", "people",
}
CONNECTORS = {"and", "&", "of", "for", "the", "to", "in", "on", "at", "de", "van", "von", "der", "den", "du",
              "la", "le", "y", "et", "al.", "al", "a", "an", "des", "da", "dos", "del", "di", "from", "with", "by"}


@dataclass(frozen=True)
class ParsedWork:
    """Fields parsed from one bibliography entry or note text."""

    author: str | None = None
    title: str | None = None
    year: str | None = None
    place: str | None = None
    publisher: str | None = None
    locator: str | None = None
    ibid: bool = False
    op_cit: bool = False


def fold(text: str) -> str:
    """Lower-case, strip accents, unify quotes and dashes: the form all comparisons use."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.translate(str.maketrans({"’": "'", "‘": "'", "`": "'", "“": '"', "”": '"', "–": "-", "—": "-"}))
    return text.casefold()


def norm_words(text: str) -> str:
    """Folded text with punctuation removed and spaces collapsed."""
    return " ".join(re.findall(r"[a-z0-9]+", fold(text).replace("'", "")))


def clean_spaces(text: str) -> str:
    """Join a span printed across lines: de-hyphenate soft breaks, other breaks become one space."""
    text = re.sub(r"(?<=[a-z])-\s*\n\s*(?=[a-z])", "", text)
    text = re.sub(r"(?<=\s)([-–—])[ \t]*\n\s*", r"\1 ", text)   # a dash standing alone at a line end
    text = re.sub(r"-\s*\n\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def is_heading(line: str) -> bool:
    """True when the line is a bibliography heading such as 'Works Cited' or 'References'."""
    return bool(_HEADING_RE.match(line))


def is_person(name: str) -> bool:
    """Guess whether a name is a person (vs an organization or periodical)."""
    if "," in name:
        name = name.split(",")[0]
    toks = name.split()
    if not toks or len(toks) > 4:
        return False
    for t in toks:
        w = norm_words(t)
        if w in CONNECTORS or w.rstrip("s") in ORG_WORDS or w in ORG_WORDS:
            return False
    return all(t[:1].isupper() for t in toks)


def person_names(name: str) -> list[str]:
    """Split 'Kahn and Sayers', 'Fenner, Louise, and Kunle Adeyemi' into single-person names."""
    name = re.sub(r"\bet\.?\s*al\.?", "", name).strip(" ,")
    parts = re.split(r"\s*(?:,\s*(?:and|&)\s+|\s(?:and|&)\s+|;\s*)", name)
    out: list[str] = []
    for p in parts:
        p = p.strip(" ,.")
        if p:
            out.append(p)
    return out


def surname(person: str) -> str:
    """Surname of 'Whitcombe, Margaret E.' or 'Margaret E. Whitcombe' or 'Whitcombe'."""
    person = person.strip()
    if "," in person:
        return person.split(",")[0].strip()
    toks = [t for t in person.split() if not re.fullmatch(r"(jr|sr|ii|iii)\.?", t, re.I)]
    return toks[-1] if toks else person


_ENTRY_START_RE = re.compile(
    r"^(?:[\"“‘']|—{2,}|-{2,}|_{2,}|"                     # quoted title, or 3-em dash for 'same author'
    r"[A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-.]*|\s+(?:of|for|the|and|de|van|von|&)\b)*\s*[,.(])"
)


def _ends_entry(line: str) -> bool:
    """Does this line end an entry (period not belonging to an abbreviation or initial)?"""
    s = line.rstrip()
    if not s:
        return True
    if s.endswith((".", ".”", '."', ".’")):
        m = re.search(r"(\S+)\.[”\"’]?$", s)
        word = (m.group(1) if m else "").lower().lstrip("([")
        if word in _ABBREV or re.fullmatch(r"[a-z]", word):
            return False
        return True
    return False


def split_entries(lines: Sequence[str], starts_with_indent: Sequence[bool] | None = None) -> list[list[int]]:
    """Group line indices into entries (hanging indents are often lost, so use sentence ends)."""
    entries: list[list[int]] = []
    prev_ended = True
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            prev_ended = True
            continue
        indented = bool(starts_with_indent and starts_with_indent[i])
        # after a finished entry any unindented line opens a new group; the caller drops groups that
        # are not entries (a colophon, a running footer) and ends the section there
        new = prev_ended and not indented
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
                or re.match(r"^(?:" + YEAR_RE + r"|" + _ND_RE + r")\b", ocr_years(t)))


def looks_like_entry(text: str) -> bool:
    """Does a joined entry text look like a bibliographic reference?"""
    if len(text) < 12 or not _ENTRY_START_RE.match(text):
        return False
    if re.search(YEAR_RE + r"|" + _ND_RE + r"|\bforthcoming\b|\bin press\b", ocr_years(text), re.I):
        return True
    return len(_segments(text)) >= 3  # author. title. imprint. (the year lost to OCR noise)


def ocr_years(text: str) -> str:
    """Repair years whose digits OCR read as letters ('L979', '19S4') so they can be recognised."""
    def fix(m: re.Match) -> str:
        return m.group(0).translate(str.maketrans("lIL|OoSB", "11110058"))
    return re.sub(r"(?<![\w])[1lIL|][89][\dOoSlI]{2}(?![\w])", fix, text)


def _segments(text: str) -> list[str]:
    """Split at sentence periods ('. ') that do not follow an abbreviation or initial."""
    segs, start = [], 0
    for m in re.finditer(r"[.?!][”\"’]?\s+(?=[A-Z\[\"“‘(0-9])", text):
        before = text[start:m.start()]
        word = re.search(r"(\S+)$", before)
        w = (word.group(1) if word else "").lower().lstrip("([")
        if text[m.start()] == "." and (w in _ABBREV or re.fullmatch(r"[a-z]", w)):
            # 'Whitcombe, Margaret E. Paper Trails': an initial ends an inverted author name at the start
            head = text[start:m.start()]
            nxt = text[m.end():m.end() + 3]
            if not (start == 0 and re.fullmatch(r"[A-Z][^,.]*, (?:[A-Z][\w'’\-]*\.?\s)*[A-Z]", head)
                    and not re.match(r"[A-Z]\.", nxt)):
                continue
        segs.append(text[start:m.end()].strip())
        start = m.end()
    segs.append(text[start:].strip())
    return [s for s in segs if s]


def _strip_end(s: str) -> str:
    return s.strip().rstrip(".,;:").strip()


def _pub_fields(rest: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(place, publisher, year, locator) from the publication part of an entry or note."""
    rest = ocr_years(rest)
    year = None
    ym = list(re.finditer(r"\b(" + YEAR_RE + r")[a-z]?\b|(" + _ND_RE + ")", rest))
    if ym:
        year = ym[-1].group(1)  # None for n.d.
    loc = None
    lm = re.search(r"\bpp?\.\s*([\dxivlc]+(?:\s*[-–]\s*[\dxivlc]+)?)", rest, re.I)
    if lm:
        loc = lm.group(0).strip()
    place = publisher = None
    pm = re.search(r"(?:^|[(.]\s*)([A-Z][A-Za-z .'’\-]{1,40}?)\s*:\s*([^:;()]+?),\s*(?:" + YEAR_RE + r"|" + _ND_RE + r"|\[)",
                   rest)
    if pm:
        place = pm.group(1).strip() or None
        publisher = pm.group(2).strip() or None
    elif ym:
        before = rest[: ym[-1].start()]
        parts = [p.strip(" .[]") for p in before.split(",")]
        parts = [p for p in parts if p and not re.match(r"(?:vol|no|nos|pp?|ed)(?:\.|\b)|\d+\b|\d+\s+\w+$", p, re.I)
                 and not re.fullmatch(r"(\d{1,2}\s+)?(" + _MONTHS + r")[a-z]*\.?(\s+\d{1,2})?", p)]
        if parts and not re.search(r"\d", parts[-1]) and len(parts[-1]) > 2:
            publisher = parts[-1]
    return place, publisher, year, loc


def parse_entry(text: str) -> ParsedWork:
    """Parse one bibliography entry (MLA, APA/author-date or Chicago bibliography form)."""
    text = clean_spaces(text)
    author: str | None = None
    title: str | None = None
    # APA / author-date: Author. (1988). Title. Place: Publisher.
    m = re.match(r"^(?P<a>[^()]+?)\s*\((?P<y>" + YEAR_RE + r"[a-z]?|" + _ND_RE + r")[^)]*\)\.?\s*(?P<rest>.*)$", text)
    if m and len(m.group("a")) < 120:
        author = _strip_author(m.group("a"))
        year = m.group("y") if re.match(YEAR_RE, m.group("y")) else None
        year = year[:4] if year else None
        segs = _segments(m.group("rest"))
        title = _strip_end(_unquote(segs[0])) if segs else None
        if title:
            title = re.sub(r"\s*[(\[][^()\[\]]*[)\]]$", "", title).strip() or title  # '(Working Paper No. 14)'
        place, publisher, _y, loc = _pub_fields(" ".join(segs[1:]))
        if not publisher and len(segs) > 1:
            pm = re.match(r"^(?:(?P<pl>[A-Z][\w .'’\-]{1,40}?):\s*)?(?P<pub>[^:]+?)\.?$", segs[-1])
            if pm and not re.search(r"\d|https?:|doi", pm.group("pub"), re.I):
                place, publisher = pm.group("pl"), pm.group("pub").strip()
        return ParsedWork(author or None, title or None, year, place, publisher, loc)
    q = re.match(r'^[“"‘\'](?P<t>.+?)[”"’\'](?P<rest>.*)$', text)
    if q:  # an unsigned article: "Title." Periodical, date, page.
        title = _strip_end(q.group("t"))
        rest = q.group("rest").strip(" .")
        place, publisher, year, loc = _pub_fields(rest)
        periodical = _strip_end(rest.split(",")[0]) if rest else None
        return ParsedWork(None, title, year, place, publisher or periodical, loc)
    segs = _segments(text)
    if not segs:
        return ParsedWork()
    author = _strip_author(segs[0])
    rest_segs = segs[1:]
    if rest_segs:
        t = rest_segs[0]
        qm = re.match(r'^[“"](.+?)[”"]\s*(.*)$', t)
        if qm:  # article title in quotes; the container follows
            title = _strip_end(qm.group(1))
            rest = " ".join([qm.group(2)] + rest_segs[1:])
        else:
            title = _strip_end(t)
            rest = " ".join(rest_segs[1:])
    else:
        rest = ""
    place, publisher, year, loc = _pub_fields(rest)
    if year is None and not rest:
        _p, _pub, year, _l = _pub_fields(text)
    return ParsedWork(author or None, title or None, year, place, publisher, loc)


def _strip_author(s: str) -> str:
    """Drop the period that closes an author element, keeping the one after a final initial."""
    s = s.strip().rstrip(",;:").strip()
    if s.endswith(".") and not re.search(r"\b[A-Z]\.$", s):
        s = s[:-1].strip()
    return s


def _unquote(s: str) -> str:
    return s.strip().strip("“”\"‘’'").strip()


_IBID_RE = re.compile(r"^\s*(ibid|ibidem|id)\b\.?,?\s*(?P<rest>.*)$", re.I)
_OPCIT_RE = re.compile(r"\b(op\.?\s*cit|loc\.?\s*cit)\b\.?,?\s*(?P<rest>.*)$", re.I)
_NOTE_PREFIX_RE = re.compile(r"^(?:see also|see|cf\.|compare|quoted in|qtd\. in|cited in|on this,? see)\s+", re.I)


def parse_note(text: str) -> ParsedWork | None:
    """Parse a footnote/endnote text (Chicago note form); None when it cites nothing recognisable."""
    text = clean_spaces(text)
    m = _IBID_RE.match(text)
    if m:
        return ParsedWork(locator=_locator_of(m.group("rest")), ibid=True)
    body = _NOTE_PREFIX_RE.sub("", text)
    m = _OPCIT_RE.search(body)
    if m:
        author = _strip_end(body[: m.start()])
        if author and len(author) < 80:
            return ParsedWork(author=author, locator=_locator_of(m.group("rest")), op_cit=True)
    # Full note: Author, Title (Place: Publisher, Year), page.   Short note: Author, Title, page.
    nm = re.match(r"^(?P<a>[A-Z][^,()“\"]{1,80}?),\s*(?P<rest>.+)$", body)
    if not nm:
        if re.match(r'^[“"]', body):
            pw = parse_entry(body)
            return pw if pw.title else None
        return None
    author = _strip_end(nm.group("a"))
    if not _name_like(author):
        return None
    rest = nm.group("rest")
    title = None
    qm = re.match(r'^[“"‘](?P<t>.+?)[,.]?[”"’],?\s*(?P<r>.*)$', rest)
    if qm:
        title = _strip_end(qm.group("t"))
        after = qm.group("r")
    else:
        tm = re.match(r"^(?P<t>[^(]+?)(?:\s*\((?P<pub>[^)]*)\)|,\s*(?=(?:pp?\.\s*)?\d)|\.\s*$|$)(?P<r>.*)$", rest)
        if not tm:
            return None
        title = _strip_end(tm.group("t"))
        after = (("(" + tm.group("pub") + ")") if tm.group("pub") else "") + tm.group("r")
    pub = re.search(r"\(([^)]*)\)", after)
    place = publisher = year = None
    if pub:
        place, publisher, year, _ = _pub_fields(pub.group(1))
        if publisher and not place and ":" not in pub.group(1) and pub.group(1).count(",") == 1 \
                and len(publisher.split()) <= 2 and not any(w in ORG_WORDS for w in norm_words(publisher).split()):
            place, publisher = publisher, None   # '(London, 1937)': an older note names the place only
        after_loc = after[pub.end():]
    else:
        after_loc = after
        ym = re.search(r"\b(" + YEAR_RE + r")\b", after)
        year = ym.group(1) if ym else None
    loc = _locator_of(after_loc)
    has_evidence = bool(pub or loc or year or qm)
    if not has_evidence:
        return None
    if title and re.fullmatch(r"(vol\.?|no\.?)\s*\d+", title, re.I):
        title = None
    return ParsedWork(author, title or None, year, place, publisher, loc)


def _locator_of(rest: str) -> str | None:
    m = re.search(r"((?:pp?\.|vol\.|ch\.)?\s*[\divxlc]*\d[\divxlc]*(?:\s*[-–]\s*\d+)?(?:\s*,\s*\d+(?:\s*[-–]\s*\d+)?)*"
                  r"(?:\s*n\.?\s*\d+)?)\s*\.?\s*$", rest.strip())
    if m and m.group(1).strip():
        return m.group(1).strip()
    return None


def _name_like(s: str) -> bool:
    toks = s.replace("&", "and").split()
    if not toks or len(toks) > 9:
        return False
    if not toks[0][:1].isupper():
        return False
    return all(t[:1].isupper() or t.lower().strip(",.") in CONNECTORS or re.fullmatch(r"[A-Z]\.", t) for t in toks)

