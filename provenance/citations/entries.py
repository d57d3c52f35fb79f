"""Fields of one reference-list entry: APA, Harvard, Chicago (bibliography and author-date), MLA, IEEE, Vancouver."""

from __future__ import annotations

import re
from dataclasses import dataclass

from provenance.citations.names import CONNECTORS, ORG_WORDS, YEAR_RE, clean_spaces, ocr_years
from provenance.text import norm_words

_MONTHS = r"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Spring|Summer|Autumn|Fall|Winter"
ND_RE = r"n\.\s?d\."
# Abbreviations that end in a period without ending an entry segment.
ABBREV = {
    "p", "pp", "vol", "vols", "ed", "eds", "no", "nos", "trans", "rev", "repr", "ch", "chap", "sec", "n", "nn",
    "ca", "c", "st", "mr", "mrs", "ms", "dr", "jr", "sr", "co", "inc", "ltd", "dept", "univ", "assn", "ser",
    "esp", "cf", "fig", "comp", "comps", "e.g", "i.e", "al", "et", "vs", "mt", "ft", "pt", "bros", "orig",
}


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



# 'Ward A', 'Osei H, Lin P': Vancouver authors, surname then initials without periods
_VANCOUVER_AUTHORS = re.compile(r"[A-Z][\w'’\-]+(?: [A-Z][\w'’\-]+)* [A-Z]{1,3}"
                                r"(?:, [A-Z][\w'’\-]+(?: [A-Z][\w'’\-]+)* [A-Z]{1,3})*"
                                r"(?:,? et al)?")
# 'J. Hartley', 'A. Ward and P. Lin': given names (initials) first, as IEEE and many notes print them
_GIVEN_FIRST = r"(?:[A-Z]\.[\s\-]?){1,3}\s?[A-Z][\w'’\-]+"
_GIVEN_FIRST_AUTHORS = re.compile(rf"^(?P<a>{_GIVEN_FIRST}(?:(?:,\s*|,?\s+and\s+|\s*&\s*){_GIVEN_FIRST})*"
                                  r"(?:,?\s+et al\.)?)"
                                  rf",\s+(?P<rest>\S.*)$")
_EDITOR_RE = re.compile(r"(?:\s*\((?:eds?|editors?|comps?|trans)\.?\)|,\s*(?:eds?|editors?|comps?|compilers?)\.?)\s*$",
                        re.I)
# A volume, issue or page span of a periodical: 'vol. 12', '12(2)', '1977;26(3):71-4', '3 (1971): 4-9'
_PERIODICAL_RE = re.compile(r"\bvol\.\s*\d|\bno\.\s*\d|\d\s*\(\d+\)|;\s*\d|\d\s*:\s*\d|\(\d{4}\)\s*:", re.I)
_DESCRIPTOR_RE = re.compile(r"^\[[^\]]*\]\.?$")   # '[Leaflet].', '[Pamphlet].': the form, not a publisher


def segments(text: str) -> list[str]:
    """Split at sentence periods ('. ') that do not follow an abbreviation or initial."""
    segs, start = [], 0
    for m in re.finditer(r"[.?!][”\"’]?\s+(?=[A-Z\[\"“‘(0-9]|n\.\s?d\.)", text):
        before = text[start:m.start()]
        word = re.search(r"(\S+)$", before)
        w = (word.group(1) if word else "").lower().lstrip("([")
        if text[m.start()] == "." and (w in ABBREV or re.fullmatch(r"[a-z]", w)):
            head = text[start:m.start()]
            nxt = text[m.end():m.end() + 3]
            # an initial or an editor's 'ed.' ends an author element at the start: 'Whitcombe, Margaret E.
            # Paper Trails', 'Ward, Colin, ed. Housing', 'Ward A. Why council flats are damp'
            ends_author = start == 0 and (
                re.fullmatch(r"[A-Z][^,.]*, (?:[A-Z][\w'’\-]*\.?\s)*[A-Z]", head) and not re.match(r"[A-Z]\.", nxt)
                or re.search(r",\s*(?:eds?|comps?|trans)$", head, re.I) and "," in head[:-4]
                or _VANCOUVER_AUTHORS.fullmatch(head))
            if not ends_author:
                continue
        segs.append(text[start:m.end()].strip())
        start = m.end()
    segs.append(text[start:].strip())
    return [s for s in segs if s]


def strip_end(s: str) -> str:
    return s.strip().rstrip(".,;:").strip()


def pub_fields(rest: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(place, publisher, year, locator) from the publication part of an entry or note."""
    rest = ocr_years(rest)
    year = None
    ym = list(re.finditer(r"\b(" + YEAR_RE + r")[a-z]?\b|(" + ND_RE + ")", rest))
    if ym:
        year = ym[-1].group(1)  # None for n.d.
    loc = None
    lm = re.search(r"\bpp?\.\s*([\dxivlc]+(?:\s*[-–]\s*[\dxivlc]+)?)", rest, re.I)
    if lm:
        loc = lm.group(0).strip()
    place = publisher = None
    pm = re.search(r"(?:^|[(.]\s*)([A-Z][A-Za-z .'’\-]{1,40}?)\s*:\s*([^:;()]+?)[,;]\s*(?:(?:c\.|ca\.|circa)\s*)?(?:"
                   + YEAR_RE + r"|" + ND_RE + r"|\[)", rest)
    if pm:
        place = pm.group(1).strip() or None
        publisher = pm.group(2).strip() or None
    elif ym and not _PERIODICAL_RE.search(rest):
        # 'Pluto Press, 1971' (MLA): the element before the date; a periodical's name is not a publisher
        before = rest[: ym[-1].start()]
        parts = [p.strip(" .[]") for p in before.split(",")]
        parts = [p for p in parts if p and not re.match(r"(?:vol|no|nos|pp?|ed)(?:\.|\b)|\d+\b|\d+\s+\w+$", p, re.I)
                 and not re.fullmatch(r"(\d{1,2}\s+)?(" + _MONTHS + r")[a-z]*\.?(\s+\d{1,2})?", p)]
        if parts and not re.search(r"\d", parts[-1]) and len(parts[-1]) > 2 and parts[-1][:1].isupper() \
                and ". " not in parts[-1]:
            publisher = parts[-1]
    return place, publisher, year, loc


def looks_like_place(name: str) -> bool:
    """'Sheffield', 'New York', 'Newcastle upon Tyne': a short capitalised name with no word of a body's name."""
    toks = name.split()
    if not 1 <= len(toks) <= 4 or re.search(r"\d", name):
        return False
    if any(w in ORG_WORDS for w in norm_words(name).split()):
        return False
    return all(t[:1].isupper() or t in ("upon", "on", "am", "de", "sur") for t in toks)


def quoted(text: str) -> tuple[str, str] | None:
    """('Title', rest) when the text opens with a quoted title; an apostrophe inside a word does not close it."""
    m = re.match(r"^\s*(?:“(?P<a>[^”]+)”|\"(?P<b>[^\"]+)\"|[‘'](?P<c>.+?)[’'”\"](?![A-Za-z]))(?P<rest>.*)$", text)
    if not m:
        return None
    t = m.group("a") or m.group("b") or m.group("c")
    return strip_end(t), m.group("rest")


def _is_title_segment(seg: str) -> bool:
    """A first segment that is a title, not a creator: it ends in ! or ?, or has lower-case words a name lacks."""
    s = seg.strip()
    if s.endswith(("!", "?")):
        return True
    words = [w.strip(",.;:'’") for w in s.split()[1:]]
    lower = [w for w in words if w[:1].islower() and w.lower() not in CONNECTORS and not re.fullmatch(r"[a-z]", w)]
    return len(lower) >= 2 and "," not in s


def _imprint(rest_segs: list[str]) -> tuple[str | None, str | None, str | None, str | None]:
    """(place, publisher, year, locator) of the segments after the title; bracketed descriptors skipped."""
    rest_segs = [s for s in rest_segs if not _DESCRIPTOR_RE.match(s)]
    rest = " ".join(rest_segs)
    place, publisher, year, loc = pub_fields(rest)
    if not publisher and rest_segs and not _PERIODICAL_RE.search(rest):
        # APA and Harvard put the imprint after the date: 'London: Pluto Press.'
        pm = re.match(r"^(?:(?P<pl>[A-Z][\w .'’\-]{1,40}?):\s*)?(?P<pub>[A-Z][^:]+?)\.?$", rest_segs[-1])
        if pm and (pm.group("pl") or len(rest_segs) > 1) and not re.search(r"\d|https?:|doi", pm.group("pub"), re.I):
            place, publisher = pm.group("pl") or place, pm.group("pub").strip()
    return place, publisher, year, loc


def _title_and_rest(text: str) -> tuple[str | None, list[str]]:
    """The title (quoted, or the first segment) and the segments after it."""
    q = quoted(text)
    if q:
        return q[0] or None, segments(q[1].strip(" ,."))
    segs = segments(text)
    if not segs:
        return None, []
    title = strip_end(segs[0])
    title = re.sub(r"\s*\[[^\[\]]*\]$", "", title).strip() or title   # 'Don't pay the increase! [Leaflet]'
    title = re.sub(r"\s*\((?:[^()]*\b(?:No|Paper|Series|Report)\b[^()]*)\)$", "", title).strip() or title
    return title or None, segs[1:]


def _imprint_in_title(title: str) -> tuple[str, list[str]]:
    """'Rent and Revolt, London: Pluto Press' (Harvard): the imprint after a comma ends the last segment."""
    m = re.match(r"^(?P<t>.+?),\s+(?P<pl>[A-Z][A-Za-z .'’\-]{1,30}):\s+(?P<pub>[A-Z][^:]+)$", title)
    if m and looks_like_place(m.group("pl")):
        return m.group("t"), [f"{m.group('pl')}: {m.group('pub')}."]
    return title, []


def parse_entry(text: str, *, numbered: bool = False) -> ParsedWork:
    """Parse one reference-list entry; `numbered` when a [n] or n. label (already removed) opened it."""
    text = clean_spaces(text)
    # Author (Eds.). (1988). Title. Place: Publisher.   (APA; Harvard without the periods)
    m = re.match(r"^(?P<a>[^()]+?)(?:\s*\((?i:eds?|editors?|comps?)\.?\)\.?)?\s*\((?P<y>" + YEAR_RE + r"[a-z]?|"
                 + ND_RE + r"|in press|forthcoming)[^)]*\)[.,]?\s*(?P<rest>.*)$", text)
    if m and len(m.group("a")) < 120 and not re.search(r"[“”\"]", m.group("a")) \
            and len(segments(m.group("a"))) == 1:
        year = m.group("y")[:4] if re.match(YEAR_RE, m.group("y")) else None
        title, rest_segs = _title_and_rest(m.group("rest"))
        if title and not rest_segs:
            title, rest_segs = _imprint_in_title(title)
        place, publisher, _y, loc = _imprint(rest_segs)
        return ParsedWork(_strip_author(m.group("a")) or None, title, year, place, publisher, loc)
    q = quoted(text)
    if q:  # an unsigned article: "Title." Periodical, date, page.
        place, publisher, year, loc = pub_fields(q[1].strip(" ."))
        return ParsedWork(None, q[0], year, place, publisher, loc)
    ieee = _GIVEN_FIRST_AUTHORS.match(text)
    if ieee is None and numbered:
        # '[4] Leeds Tenants' Federation, Ten Years of Struggle.': a body, then a comma, then the title
        om = re.match(r"^(?P<a>[A-Z][^,.“\"]{2,80}),\s+(?P<rest>[A-Z“\"].*)$", text)
        if om and any(w in ORG_WORDS for w in norm_words(om.group("a")).split()):
            ieee = om
    if ieee:
        title, rest_segs = _title_and_rest(ieee.group("rest"))
        place, publisher, year, loc = _imprint(rest_segs)
        return ParsedWork(ieee.group("a"), title, year, place, publisher, loc)
    segs = segments(text)
    if not segs:
        return ParsedWork()
    if _is_title_segment(segs[0]):
        author, rest_segs = None, segs
    else:
        author, rest_segs = _strip_author(segs[0]), segs[1:]
    year = None
    if rest_segs and re.fullmatch(r"(?:" + YEAR_RE + r"[a-z]?|" + ND_RE + r")\.?", ocr_years(rest_segs[0])):
        # Chicago author-date: 'Hartley, John. 1971. Rent and Revolt. London: Pluto Press.'
        y = ocr_years(rest_segs[0])
        year = y[:4] if re.match(YEAR_RE, y) else None
        rest_segs = rest_segs[1:]
        dated = True
    else:
        dated = False
    title, rest_segs = _title_and_rest(" ".join(rest_segs)) if rest_segs else (None, [])
    place, publisher, y, loc = _imprint(rest_segs)
    if not dated:
        year = y
        if year is None and not rest_segs:
            year = pub_fields(text)[2]
    return ParsedWork(author or None, title, year, place, publisher, loc)


def _strip_author(s: str) -> str:
    """Drop the period that closes an author element (keeping one after a final initial) and editor marks."""
    s = s.strip().rstrip(",;:").strip()
    s = _EDITOR_RE.sub("", s).strip().rstrip(",").strip()
    if s.endswith(".") and (not re.search(r"\b[A-Z]\.$", s) or _VANCOUVER_AUTHORS.fullmatch(s[:-1])):
        s = s[:-1].strip()
    return s
