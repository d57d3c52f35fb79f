"""The word-shape tests metadata rules share: personal names, corporate bodies, places, noise, spans."""

from __future__ import annotations

import re

from provenance.text import fold

# Head nouns of corporate bodies: parties, leagues, societies, libraries, centres, union locals ...
ORG_NOUNS = {
    "party", "league", "society", "societies", "library", "libraries", "center", "centre", "union", "unions",
    "council", "committee", "association", "federation", "institute", "institution", "university",
    "college", "department", "group", "coalition", "fund", "alliance", "front", "movement", "congress",
    "club", "brotherhood", "sisterhood", "guild", "trust", "foundation", "collective", "network",
    "campaign", "local", "museum", "archive", "archives", "bureau", "agency", "board", "commission",
    "organization", "organisation", "co-operative", "cooperative", "circle", "caucus", "assembly", "lodge",
    "chapter", "branch", "fellowship", "mission", "church", "project", "initiative", "secretariat",
    "ministry", "office", "school", "academy", "workshop", "syndicate", "confederation",
    "international", "tendency", "bloc", "order", "sodality", "company", "corporation",
}
# Bodies whose business is publishing: named as publisher, they are not the issuing organization.
PRESS_NOUNS = {"press", "books", "publishers", "publishing", "publications", "editions", "verlag", "house",
               "imprint", "bookshop", "booksellers"}
# Units inside a larger body: "Department of Special Collections, Harwick University Library".
SUBUNIT_NOUNS = {"department", "division", "office", "section", "branch", "committee", "sub-committee",
                 "subcommittee", "bureau", "faculty", "school", "unit", "desk", "secretariat", "programme",
                 "program", "series"}
NAME_PARTICLES = {"de", "van", "von", "der", "den", "du", "la", "le", "da", "dos", "del", "di", "st.", "mac",
                  "y", "ter", "ten", "al"}
LOWER_JOINERS = {"of", "for", "and", "the", "&", "in", "on", "at", "to", "de", "des", "du", "la", "le"}
# Words that are never part of a personal name line (they mark headings, titles and labels).
NOT_NAME_WORDS = {
    "introduction", "preface", "foreword", "contents", "chapter", "part", "section", "appendix", "notes",
    "works", "cited", "references", "bibliography", "index", "conclusion", "summary", "abstract", "the", "a",
    "an", "and", "of", "for", "in", "on", "to", "with", "our", "we", "your", "their", "its", "is", "are", "no",
    "vol", "series", "paper", "papers", "guide", "history", "handbook", "report", "edition", "number",
    "issue", "price", "free", "new", "old", "first", "second", "third", "annual", "special", "collection",
    "collections", "catalogue", "catalog", "trails", "years", "case", "library", "street", "road", "avenue",
    "lane", "square", "telephone", "tel", "phone", "email", "fax", "box", "meeting", "public", "rally",
    "march", "strike", "workers", "working", "labor", "labour", "peace", "war", "now", "all", "not", "what",
    "why", "how", "who", "street,", "september", "october", "november", "december", "january", "february",
    "april", "may", "june", "july", "august", "spring", "summer", "autumn", "winter", "fall", "north",
    "south", "east", "west", "united", "states", "america", "american", "british", "national", "socialist",
    "communist", "democratic", "people", "peoples", "press", "books", "day", "week", "city", "county",
    # genre and occasion words of titles: "Jubilee Souvenir", "Conference Report", "Strike Bulletin"
    "souvenir", "jubilee", "centenary", "anniversary", "programme", "program", "rules", "minutes",
    "constitution", "manifesto", "appeal", "statement", "bulletin", "newsletter", "news", "songs",
    "poems", "letters", "conference", "congress", "festival", "gala", "bazaar", "memorial", "tribute",
    "supplement", "review", "record", "voice", "yearbook", "almanac", "calendar", "today",
    # subject words of titles joined by "and": "Direct Action and Rent Strikes" names no one
    "action", "rights", "struggle", "struggles", "housing", "rent", "rents", "tenants", "homes", "control",
    "freedom", "liberation", "justice", "reform", "revolution", "socialism", "democracy", "class", "women",
    "children", "youth", "education", "health", "wages", "pay", "jobs", "unemployment", "community",
    "strikes", "unions", "politics", "movement", "culture", "society", "state", "land",
}
STREET_WORDS = {"street", "st", "road", "rd", "avenue", "ave", "lane", "square", "place", "row", "way",
                "terrace", "drive", "hall", "house", "building", "floor", "p.o.", "box", "suite", "room"}


def is_noise(text: str) -> bool:
    """A line that OCR made of specks and rules rather than words."""
    t = text.strip()
    if not t:
        return True
    letters = sum(c.isalpha() for c in t)
    if letters < 2:
        return True
    words = re.findall(r"[A-Za-z]{2,}", t)
    if not words:
        return True
    return letters / max(1, len(t.replace(" ", ""))) < 0.5


# OCR specks at the ends of a short line: a stray quote, dash, bar or colon with maybe one letter.
_LEAD_JUNK = re.compile(r"^(?:[\s|:;,.\-–—_~=*•·'‘’\"“”»«]+|[a-z]\s+(?=[A-Z]))+")
# Trailing specks, matched on the reversed line from its end: a run of bars, colons and spaces, or a
# dash with at most one short token after it (" - 10p"). Read backwards with anchored matches, because
# the same pattern searched forwards backtracks exponentially on the long runs of spaces that OCR of
# two-column pages leaves.
_REV_SPECKS = re.compile(r"[\s|:;~_=*•,]+")
_REV_DASH_TOKEN = re.compile(r"(?:(?P<tok>\S{1,4})\s+)?[|:;~_=*•·\-–—]+\s+")


def _trailing_junk(seg: str) -> int:
    """How many characters at the end of seg are OCR specks; a number after a dash is the end of a
    range ("1898 - 1948"), never a speck."""
    rev = seg[::-1]
    pos = 0
    while pos < len(rev):
        m = _REV_DASH_TOKEN.match(rev, pos)
        if m and m.group("tok") and re.match(r"\d{2,}\b", m.group("tok")[::-1]):
            m = None
        m = m or _REV_SPECKS.match(rev, pos)
        if not m:
            break
        pos = m.end()
    return pos if pos < len(seg) else 0


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow [start, end) of text past OCR specks at either end; keeps balanced quotes."""
    seg = text[start:end]
    m = _LEAD_JUNK.match(seg)
    lead = m.end() if m else 0
    # Keep an opening quote or bracket whose partner is inside the span.
    if lead:
        opening = seg[lead - 1]
        partner = {"'": "'", "‘": "’", "\"": "\"", "“": "”", "(": ")", "[": "]"}.get(opening)
        if partner and partner in seg[lead:]:
            lead -= 1
    trail = _trailing_junk(seg[lead:])
    return start + lead, end - trail


def tokens(text: str) -> list[str]:
    return re.findall(r"[\w'’&.-]+", text)


def _cap(word: str) -> bool:
    w = word.strip("\"'“”‘’()[],.;:")
    return bool(w) and (w[0].isupper() or w[0].isdigit())


_ADJECTIVE_NOUNS = {"co-operative", "cooperative", "international", "local", "order", "front", "house", "trust"}


def org_head(text: str) -> str | None:
    """The corporate-body noun in text ('society', 'press' ...), or None."""
    ws = [w.strip(".'") for w in tokens(fold(text, ascii_as_is=True))]
    for k in range(len(ws) - 1, -1, -1):
        w = ws[k]
        # Words that are adjectives before a noun ("Co-operative Idea", "International Brigade")
        # name a body only at the end of the name ("Harwick Litho Co-operative").
        if w in _ADJECTIVE_NOUNS and k != len(ws) - 1:
            continue
        if w in ORG_NOUNS or w in PRESS_NOUNS:
            return w
    if re.search(r"\bLocal\s+(?:No\.\s*)?\d+\b", text):
        return "local"
    return None


def is_press(name: str) -> bool:
    """A publishing house rather than an issuing body: 'Harrow Lane Press', 'Kestrel Books'."""
    ws = [w.strip(".,'") for w in tokens(fold(name, ascii_as_is=True))]
    if not ws:
        return False
    if ws[-1] in PRESS_NOUNS or (len(ws) >= 2 and ws[-2] in PRESS_NOUNS and ws[-1] in {"ltd", "inc", "co"}):
        # "University Press" is still a press; "Publishing House of the X Party" is a press too.
        return True
    return bool(re.search(r"\b(?:publishers|publishing|verlag|editions)\b", " ".join(ws)))


def body_name_like(text: str) -> bool:
    """Text that is a corporate name: capitalized words (joined by of/for/and/the) with a body noun."""
    t = text.strip().strip(".,;:")
    if not t or len(t) > 90:
        return False
    ws = t.split()
    if len(ws) > 12:
        return False
    if " and the " in t.lower():
        return False                 # "The Party and the Class": two things, not one body
    # The body noun heads the name, before any of/for clause: "American Party of Labor", "Center
    # for Vernacular Print Research", "Harwick University Library"; "The Union Label" and "Dating
    # Pamphlets in Small Archives" are not bodies.
    first = t.split(",")[0]
    if re.search(r"\bLocal\s+(?:No\.\s*)?\d+$", first):
        return True if re.match(r"[A-Z]", first) else False
    # A name set in capitals ("BRISTOL CLAIMANTS' UNION"): its joiners are capitals too, and a short
    # capitalized word is a word, not an acronym.
    caps_only = not re.search(r"[a-z]", t)
    head_part = re.split(r"\s(?:of|for|in|on|at|to|from|with|about|by|into|under|against|after|before)\s",
                         first, flags=re.I if caps_only else 0)[0]
    head_words = [w for w in head_part.split() if caps_only or not re.fullmatch(r"\(?[A-Z]{2,5}\)?", w)] \
        or head_part.split()
    last = fold(head_words[-1], ascii_as_is=True).strip(".,'’\"“”()") if head_words else ""
    if last not in ORG_NOUNS and last not in PRESS_NOUNS:
        return False
    # "Lindgren, Paul. Ephemera and the Historian": a sentence break inside is not a name.
    if re.search(r"[a-z]{3,}\.\s+[A-Z]", t) or re.search(r"\b(?:1[4-9]|20)\d\d\b", t):
        return False
    caps = 0
    for w in ws:
        lw = fold(w, ascii_as_is=True).strip(".,'\"“”")
        if lw in LOWER_JOINERS:
            continue
        if not _cap(w):
            return False
        caps += 1
    return caps >= 2 or bool(re.search(r"\bLocal\s+\d+", t))


def person_name_like(text: str) -> bool:
    """Text shaped like one personal name: 'Margaret E. Whitcombe', 'J. R. Pelham', 'Anneliese Crandall'."""
    t = text.strip().strip(",;:")
    ws = t.split()
    if not 2 <= len(ws) <= 5:
        return False
    if org_head(t) is not None:
        return False
    real = 0
    for w in ws:
        lw = fold(w, ascii_as_is=True)
        if lw in NAME_PARTICLES:
            continue
        if re.fullmatch(r"[A-Z]\.(?:-?[A-Z]\.)*", w):
            continue
        if not re.fullmatch(r"(?:Mc|Mac|O'|O’|D'|D’)?[A-Z][a-zà-ÿ'’]+(?:-[A-Z][a-zà-ÿ'’]+)?(?:,)?", w):
            if not re.fullmatch(r"(?:Jr|Sr|II|III|IV)\.?", w):
                return False
            continue
        if lw.strip(",") in NOT_NAME_WORDS:
            return False
        real += 1
    return real >= 1 and not re.fullmatch(r"[A-Z]\..*", ws[-1])


_ROLE_RE = re.compile(r"(?:(?:General|Branch|Assistant|Honorary|Hon\.|Corresponding|Recording|Financial)\s+)?"
                      r"(?:Secretary|Chair(?:man|woman|person)?|President|Vice-President|Editor|Treasurer|"
                      r"Organi[sz]er|Convenor|Convener|Director|Curator|Librarian)", re.I)


def _name_case(name: str) -> str:
    """'R. H. TAWNEY' -> 'R. H. Tawney', 'McDONALD' -> 'Mcdonald'; a name in mixed case as it is."""
    upper, lower = sum(c.isupper() for c in name), sum(c.islower() for c in name)
    return name.title() if upper > 2 * lower else name


def split_people(text: str) -> list[str] | None:
    """'A and B', 'A, B and C', 'A & B' as a list of names; None when any part is not a personal name."""
    t = re.sub(r"\s+", " ", text).strip().strip(".;:")
    t = re.sub(r"\s*\((?:eds?|compilers?|editors?)\.?\)\s*$", "", t, flags=re.I)
    t = re.sub(r",\s*(?:eds?|compilers?|editors?)\.?$", "", t, flags=re.I)
    parts = [p.strip() for p in re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*", t, flags=re.I) if p.strip()]
    # "Ruth Okafor, Secretary": an office after a name is not another name.
    parts = [p for p in parts if not _ROLE_RE.fullmatch(p)]
    # A byline set in capitals ("by R. H. TAWNEY") is read in the case of a name.
    if not parts or not all(person_name_like(_name_case(p)) for p in parts):
        return None
    return parts


def word_count(text: str) -> int:
    return len(re.findall(r"[A-Za-z]{2,}", text))


def sentence_like(text: str) -> bool:
    """A line of running prose: many words, mostly lower case."""
    ws = re.findall(r"[A-Za-z][A-Za-z'’-]+", text)
    if len(ws) < 7:
        return False
    lower = sum(1 for w in ws if w[0].islower())
    return lower >= len(ws) * 0.45


_TIME_WORDS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
               "november", "december", "spring", "summer", "autumn", "fall", "winter", "day", "monday", "tuesday",
               "wednesday", "thursday", "friday", "saturday", "sunday", "easter", "christmas", "whitsun", "week",
               "year", "issue", "number", "volume", "edition", "series", "no", "vol"}


def is_place(text: str) -> bool:
    """A place of publication: one to four capitalized words, no digits, no corporate or street words."""
    t = text.strip().strip(".").strip("[]")
    ws = t.split()
    if not 1 <= len(ws) <= 4 or re.search(r"\d", t):
        return False
    if org_head(t) or any(fold(w, ascii_as_is=True).strip(".,") in STREET_WORDS for w in ws):
        return False
    if person_name_like(t) and len(ws) >= 3:
        return False
    if any(fold(w, ascii_as_is=True).strip(".,") in _TIME_WORDS for w in ws):
        return False                     # "May Day", "Easter Monday": times, not places
    small = {"on", "upon", "de", "la", "le", "am", "in", "sur"}
    return all(w[0].isupper() or fold(w, ascii_as_is=True) in small for w in ws)


def top_body(name: str) -> str:
    """The body that issues, from a name given with its unit: 'Department of X, Harwick University Library'."""
    parts = [p.strip() for p in name.split(",") if p.strip()]
    if len(parts) < 2:
        # "Executive Committee of the Harwick Dyers' Union": a unit named through its parent.
        m = re.match(r"^(?P<unit>[^,]+?)\s+of\s+(?:the\s+)?(?P<parent>[A-Z].+)$", name)
        if m and fold(m.group("unit"), ascii_as_is=True).split()[-1] in SUBUNIT_NOUNS \
                and body_name_like(m.group("parent")):
            return m.group("parent")
        return name
    head = fold(parts[0], ascii_as_is=True).split()
    if head and (head[0] in SUBUNIT_NOUNS or any(w in SUBUNIT_NOUNS for w in head[-2:])):
        for p in parts[1:]:
            if body_name_like(p):
                return p
    # A union local is the body that issues, named with its union in either order: "Hospital Workers'
    # Union, Local 1199", "Local 1199, Drug and Hospital Union".
    local = re.compile(r"Local\s+(?:No\.\s*)?\d+")
    if body_name_like(parts[0]) and (local.fullmatch(parts[0]) or local.fullmatch(parts[1])) \
            and body_name_like(parts[1]):
        return name[:name.index(parts[1]) + len(parts[1])]
    return parts[0] if body_name_like(parts[0]) else name
