"""Names and text forms shared by reference parsing: years, persons and bodies, surnames (folding: provenance.text)."""

from __future__ import annotations

import re
from functools import lru_cache

from provenance.text import norm_words

YEAR_RE = r"(?:1[4-9]\d\d|20\d\d)"

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



def clean_spaces(text: str) -> str:
    """Join a span printed across lines: de-hyphenate soft breaks, other breaks become one space."""
    text = re.sub(r"(?<=[a-z])[-\u2010\u2011\u00ac]\s*\n\s*(?=[a-z])", "", text)   # OCR may give '‐' or '¬' for '-'
    text = re.sub(r"(?<=\s)([-–—])[ \t]*\n\s*", r"\1 ", text)   # a dash standing alone at a line end
    text = re.sub(r"-\s*\n\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip()



@lru_cache(maxsize=1 << 16)
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


_VANC = r"[A-Z][\w'’\-]+(?: [A-Z][\w'’\-]+)* [A-Z]{1,3}"
_VANCOUVER_LIST_RE = re.compile(rf"{_VANC}(?:, {_VANC})+")
_APA_PERSON = r"([A-Z][\w'’\-]+), ((?:[A-Z]\.[\s\-]?)+)"
_APA_LIST_RE = re.compile(rf"{_APA_PERSON}(?:, {_APA_PERSON})*,? (?:&|and) {_APA_PERSON}\s*")


def person_names(name: str) -> list[str]:
    """Split 'Kahn and Sayers', 'Fenner, Louise, and Kunle Adeyemi' into single-person names."""
    return list(_person_names(name))


@lru_cache(maxsize=1 << 16)
def _person_names(name: str) -> tuple[str, ...]:
    name = re.sub(r"\bet\.?\s*al\.?", "", name).strip(" ,")
    if _VANCOUVER_LIST_RE.fullmatch(name):
        return tuple(p.strip() for p in name.split(","))   # 'Osei H, Lin P'
    if _APA_LIST_RE.fullmatch(name):                       # 'Price, D., Kemp, D., & Ward, A.'
        return tuple(f"{m.group(1)}, {m.group(2).strip()}" for m in re.finditer(_APA_PERSON, name))
    parts = re.split(r"\s*(?:,\s*(?:and|&)\s+|\s(?:and|&)\s+|;\s*)", name)
    if len(parts) == 2 and len(parts[1].split()) == 1 and "," in parts[0] \
            and all(re.fullmatch(r"[A-Z][\w'’\-]{2,}", p.strip()) for p in parts[0].split(",")):
        parts = parts[0].split(",") + parts[1:]   # 'Price, Kemp, and Ward': surnames, not 'Surname, Given'
    return tuple(p.strip(" ,.") for p in parts if p.strip(" ,."))


@lru_cache(maxsize=1 << 16)
def surname(person: str) -> str:
    """Surname of 'Whitcombe, Margaret E.', 'Margaret E. Whitcombe', 'Whitcombe' or (Vancouver) 'Whitcombe ME'."""
    person = person.strip()
    if "," in person:
        person = person.split(",")[0].strip()
        m = re.fullmatch(r"(.+?)\s+[A-Z]{1,3}", person)
        return m.group(1) if m else person
    toks = [t for t in person.split() if not re.fullmatch(r"(jr|sr|ii|iii)\.?", t, re.I)]
    if len(toks) >= 2 and re.fullmatch(r"[A-Z]{1,3}", toks[-1]) and not re.fullmatch(r"[A-Z]{1,3}", toks[-2]):
        return toks[-2]
    return toks[-1] if toks else person



def ocr_years(text: str) -> str:
    """Repair years whose digits OCR read as letters ('L979', '19S4') so they can be recognised."""
    def fix(m: re.Match) -> str:
        return m.group(0).translate(str.maketrans("lIL|OoSB", "11110058"))
    return re.sub(r"(?<![\w])[1lIL|][89][\dOoSlI]{2}(?![\w])", fix, text)

