"""Evidence outside the title block: works-cited lists, the colophon, a body speaking of itself, event years."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from provenance.metadata.dates import ParsedDate, find_dates
from provenance.metadata.imprint import VERB_RE
from provenance.metadata.typeset import PageType
from provenance.metadata.words import body_name_like, is_noise, sentence_like
from provenance.text import Line, fold, is_page_number, is_reference_section_heading, norm_words

# A publication statement: no entry of a list of works starts so ("Published by the X, Leeds, 1979.").
_COLOPHON_START_RE = re.compile(rf"^\W{{0,2}}(?:©|\(c\)\s*(?:1[4-9]|20)\d\d|Copyright\b|{VERB_RE.pattern}"
                                r"\s+(?:by|for|in|at|on|\d))", re.I)
# OCR reads the 1 of a year as l, I or L: "Cedar Row Press, L979."
_YEARISH_RE = re.compile(r"\b(?:[1lIL][4-9]|2[0O])[\dOoIl]{2}\b|\bn\.\s?d\.|\bforthcoming\b", re.I)


def reference_lines(plines: list[list[Line]]) -> set[tuple[int, int]]:
    """(page, line index) of every line inside a list of works cited or of notes."""
    out: set[tuple[int, int]] = set()
    for lines in plines:
        i = 0
        while i < len(lines):
            if not is_reference_section_heading(lines[i].text):
                i += 1
                continue
            out.add((lines[i].page, lines[i].index))
            i += 1
            entry: list[Line] = []
            while i < len(lines):
                ln = lines[i]
                if not ln.text:
                    if entry:
                        if not _is_entry(entry):
                            break
                        out.update((x.page, x.index) for x in entry)
                        entry = []
                    i += 1
                    continue
                starts_new = entry and re.search(r"[.)]$", entry[-1].text) and (ln.text[0].isupper()
                                                                                 or ln.text[0] in "\"“'‘")
                if starts_new:
                    if not _is_entry(entry):
                        break
                    out.update((x.page, x.index) for x in entry)
                    entry = []
                if not entry and ln.text[:1].isupper() and _COLOPHON_START_RE.match(ln.text):
                    break                # the imprint or colophon printed after the list ends it
                entry.append(ln)
                i += 1
            else:
                if entry and _is_entry(entry):
                    out.update((x.page, x.index) for x in entry)
                    entry = []
            # lines of an unfinished entry that was not a reference stay outside; resume scanning there
            if entry:
                i = entry[0].index
    return out


def _is_entry(entry: list[Line]) -> bool:
    text = " ".join(x.text for x in entry)
    if is_page_number(text):
        return True
    return bool(_YEARISH_RE.search(text)) or bool(re.match(r"^\d+[.)]?\s", text))


def standalone_lines(lines: list[Line], refs: set[tuple[int, int]], types: PageType | None = None) -> list[Line]:
    """Short lines of a page that stand apart from its paragraphs: not prose, references or page numbers.
    Where the page's layout is known (`types`), a line set in another size than the one above it, or
    below a gap of more than a line, stands apart however the line above it ends."""
    out: list[Line] = []
    for k, ln in enumerate(lines):
        if not ln.text or (ln.page, ln.index) in refs or is_page_number(ln.text) or is_noise(ln.text):
            continue
        prev = next((x for x in reversed(lines[:k]) if x.text), None)
        nxt = next((x for x in lines[k + 1:] if x.text), None)
        # A colophon line stands apart: the line before it ended a sentence (or is blank or a
        # reference), and it does not run on into the next line.
        if prev is not None and not re.search(r"[.!?:)\"”]$", prev.text) and (ln.page, prev.index) not in refs \
                and not _apart_by_type(prev, ln, types):
            continue
        if nxt is not None and sentence_like(nxt.text) and not re.search(r"[.!?]$", ln.text) \
                and nxt.text[:1].islower():
            continue
        # A long line is prose, unless it opens with a publication statement (an election imprint
        # names promoter, body, address and printer on one line).
        if len(ln.text.split()) > (40 if _COLOPHON_START_RE.match(ln.text) else 16):
            continue
        out.append(ln)
    return out


def _apart_by_type(prev: Line, ln: Line, types: PageType | None) -> bool:
    if types is None:
        return False
    a, b = types.lines.get(prev.index), types.lines.get(ln.index)
    if a is None or b is None:
        return False
    lo, hi = sorted((a.size, b.size))
    gap = b.box[1] - a.box[3]
    return hi > lo * 1.15 or gap > 1.0 * max(a.box[3] - a.box[1], b.box[3] - b.box[1])


# --- an organization that speaks of itself ----------------------------------------------------------

_NAME_RE = re.compile(r"[A-Z][\w'’.&-]*(?:\s+(?:(?:of|for|and|the|&|de|in)\s+)*(?!The\b)[A-Z][\w'’.&-]*)*")
_SELF_VERBS = (
    r"hopes|believes|regards|would\s+like|wishes|presents|calls|urges|demands|stands|supports|holds|considers|"
    r"maintains|rejects|condemns|welcomes|affirms|declares|recogni[sz]es|is\s+committed|seeks|aims|intends|"
    r"fights|struggles|has\s+always|will\s+continue|invites|appeals|thanks|extends|offers|publishes|issues|"
    r"reaffirms|opposes|insists|argues|asserts|proposes|recommends|resolves|pledges|salutes|expresses|"
    r"has\s+(?:long\s+)?(?:held|argued|maintained|fought|stood|supported|opposed)"
)
_AFTER_SUBJECT_RE = re.compile(rf"^\s*(?:,[^.;]{{0,80}}?,\s*)?(?:{_SELF_VERBS})\b", re.I)
_STRONG_AFTER_RE = re.compile(
    r"^\s*(?:has|have)\s+(?:presented|set\s+out|shown|argued|tried|attempted|gathered|collected|outlined|"
    r"explained)\s+(?:\w+\s+){0,3}?(?:above|here|herein|in\s+this)\b", re.I)
_STRONG_BEFORE_RE = re.compile(
    r"(?:\bwe,?\s+(?:in\s+|of\s+)?the\s+|\bthis\s+(?:pamphlet|work|paper|booklet|leaflet|statement|document|"
    r"publication|bulletin|newsletter)\s+(?:is|was|has\s+been)\s+(?:issued|published|produced|written|"
    r"prepared)\s+by\s+the\s+|\bthe\s+(?:evidence|material|information|analysis|case)\s+(?:that\s+)?the\s+)$",
    re.I)
# "The X hopes to make its thesis clear": the body speaks of this very work.
_OWN_WORK_RE = re.compile(
    rf"^\s*(?:,[^.;]{{0,80}}?,\s*)?(?:{_SELF_VERBS})\b[^.;]{{0,60}}?\b(?:its|this|our)\s+(?:own\s+)?(?:thesis|work|"
    r"pamphlet|paper|booklet|leaflet|position|analysis|argument|case|statement|publication|study|report)\b", re.I)
_SUBJECT_BEFORE_RE = re.compile(r"(?:^|[.!?;:]\s+|[\"“]\s*|\n\s*)(?:The|the)\s+$")


@dataclass(frozen=True)
class SelfRef:
    name: str
    page: int
    start: int
    end: int
    strong: bool


def self_references(pages: Sequence[str], refs: set[tuple[int, int]], plines: list[list[Line]]) -> list[SelfRef]:
    """Places where a named body is the subject of its own statements ('The X hopes to make its thesis clear')."""
    out: list[SelfRef] = []
    for pno, text in enumerate(pages, start=1):
        flat = text.replace("\n", " ")
        ref_spans = [(ln.start, ln.end) for ln in plines[pno - 1] if (pno, ln.index) in refs]
        for m in _NAME_RE.finditer(flat):
            s, e = m.span()
            name = m.group()
            lead = re.match(r"(?:The|THE)\s+", name)
            if lead:
                s += lead.end()
                name = name[lead.end():]
            if not body_name_like(name) or len(name.split()) < 2:
                continue
            if any(a <= s < b for a, b in ref_spans):
                continue
            before = flat[max(0, s - 60):s]
            after = flat[e:e + 100]
            if after.lstrip().startswith(("(", "1", "2", "3", "4", "5", "6", "7", "8", "9")) and re.match(
                    r"^\s*\d", after):
                continue                      # "(American Party of Labor 11)": a citation
            strong = bool(_STRONG_AFTER_RE.match(after) or _STRONG_BEFORE_RE.search(before)
                          or _OWN_WORK_RE.match(after))
            subject = bool(_SUBJECT_BEFORE_RE.search(before) or (lead and _SUBJECT_BEFORE_RE.search(
                flat[max(0, m.start() - 60):m.start()] + "The ")))
            if strong or (subject and _AFTER_SUBJECT_RE.match(after)):
                out.append(SelfRef(name, pno, s, e, strong))
    return out


def best_self_reference(hits: list[SelfRef]) -> tuple[SelfRef, int] | None:
    """The body that speaks of itself most: two statements, or one that points at this very text."""
    by_name: dict[str, list[SelfRef]] = {}
    for h in hits:
        by_name.setdefault(norm_words(h.name, ascii_as_is=True), []).append(h)
    best = None
    for _, hs in by_name.items():
        n = len(hs)
        # A body that is only the subject of statements may be the one the text argues against;
        # it must also point at this text at least once.
        if not any(h.strong for h in hs):
            continue
        key = (n + 2 * sum(h.strong for h in hs), -hs[0].page)
        if best is None or key > best[0]:
            best = (key, hs)
    if best is None:
        return None
    hs = best[1]
    rep = next((h for h in hs if h.strong), hs[0])
    return rep, len(hs)


# --- event years: the latest year the text mentions -------------------------------------------------

_CITATION_RE = re.compile(r"\([^()]{0,120}?\b(?:1[4-9]\d\d|20\d\d)[a-z]?\b[^()]{0,40}\)")
_NOT_EVENT_BEFORE = re.compile(r"(?:\b(?:novel|book|film|title|called|entitled|titled|pamphlet|poem|song|"
                               r"play)\s*,?\s*[\"“'‘]?|[\"“][^\"”]{0,40})$", re.I)


_EVENT_BEFORE = re.compile(
    r"(?:\b(?:in|of|since|after|before|until|till|by|during|from|to|early|late|mid|around|about|circa|c\.|ca\.)"
    r"|\bbetween\s+\d{4}\s+and|\bthe\s+year|\bspring|\bsummer|\bautumn|\bwinter|\bfall)\s*-?\s*$", re.I)


def latest_event_year(pages: Sequence[str], plines: list[list[Line]], skip: set[tuple[int, int]],
                      max_year: int) -> tuple[ParsedDate, int, int, int] | None:
    """The latest year named in running prose, outside citations, quotations of titles and references."""
    best = None
    for lines in plines:
        for ln in lines:
            if not ln.text or (ln.page, ln.index) in skip:
                continue
            text = pages[ln.page - 1]
            seg = text[ln.start:ln.end]
            masked = _CITATION_RE.sub(lambda m: " " * len(m.group()), seg)
            for pd, s, e in find_dates(masked):
                if pd.undated or pd.year is None or pd.year > max_year or pd.roman:
                    continue
                if _NOT_EVENT_BEFORE.search(masked[max(0, s - 45):s]):
                    continue
                # A bare year is an event only where the prose treats it as a time ("in 1968",
                # "between 1963 and 1966", "(1950-3)"); "Animal Farm and 1984" names a book.
                if pd.precision == "year" and not _EVENT_BEFORE.search(masked[max(0, s - 30):s]) \
                        and not re.match(r"\s*[-–]\s*\d", masked[e:e + 4]):
                    continue
                if re.match(r"\s*s\b|'s\b", masked[e:e + 2]):
                    continue
                if best is None or pd.year > best[0].year:
                    best = (pd, ln.page, ln.start + s, ln.start + e)
    return best


# --- language -------------------------------------------------------------------------------------

_STOPWORDS = {
    "en": "the and of to in is that for it as was with be by on not this are which from or have an but at",
    "fr": "le la les de des et est une un du que qui dans pour pas sur au avec ce il sont par",
    "de": "der die das und ist nicht ein eine zu den mit von sich des auf für im dem auch es",
    "es": "el la los las de del y que en un una es por con para se no su al lo como",
    "it": "il la di che e un una per non sono del della le in con si da gli al",
    "nl": "de het een en van is dat op te in niet zijn met voor die er aan ook",
    "pt": "o a os as de do da e que em um uma para com não por se no na",
}


def detect_language(pages: Sequence[str]) -> tuple[str, float] | None:
    """ISO 639-1 code of the text's language by function-word counts, with a confidence."""
    words = re.findall(r"[a-zà-ÿ]+", fold(" ".join(pages), ascii_as_is=True))
    if len(words) < 30:
        return None
    scores = {}
    for lang, sw in _STOPWORDS.items():
        s = set(sw.split())
        scores[lang] = sum(1 for w in words if w in s) / len(words)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (lang, top), (_, second) = ranked[0], ranked[1]
    if top < 0.12 or top < second * 1.5:
        return None
    return lang, min(0.95, 0.5 + top)
