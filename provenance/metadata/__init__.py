"""Field-level descriptive metadata (title, authors, issuing body, publisher, place, date) from page text.

``extract_metadata(pages)`` is the entry; it collects candidates from the parts and keeps the most
confident value of each field, with its evidence:

- ``front``: the title block of the first page (title, subtitle, byline, statements in it);
- ``lines``: what one line of a title block is (title text, byline, imprint, date, address ...);
- ``imprint``: publication statements, imprint and colophon lines, copyright;
- ``body``: evidence outside the title block (the colophon, a body speaking of itself, event years,
  the language), with lists of works cited left out;
- ``dates``: dates as printed, with precision and approximation;
- ``words``: the word-shape tests the rules share (personal names, corporate bodies, places, noise);
- ``values``: the value types (``FieldValue``, ``Evidence``) and the field list (from ``archive.store.fields``).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import replace
from typing import Sequence

from provenance.metadata.body import (
    best_self_reference,
    detect_language,
    latest_event_year,
    reference_lines,
    self_references,
    standalone_lines,
)
from provenance.metadata.dates import ParsedDate
from provenance.metadata.front import TitleBlock, join_text, merge_statement_lines, read_title_block
from provenance.metadata.imprint import Statement, find_statements, segments
from provenance.metadata.lines import ADDRESS_RE
from provenance.metadata.typeset import PageType, page_type
from provenance.metadata.values import FIELDS, Evidence, FieldValue
from provenance.metadata.words import body_name_like, is_noise, is_press, org_head, sentence_like, top_body
from provenance.text import Line, fold, norm_words, page_lines

__all__ = ["EXTRACTOR_VERSION", "Evidence", "FieldValue", "FIELDS", "extract_metadata"]

EXTRACTOR_VERSION = "metadata-1.2"


class _Collector:
    """Candidate values per field; the most confident one wins."""

    def __init__(self, pages: Sequence[str], types: dict[int, PageType] | None = None):
        self.pages = pages
        self.types = types or {}
        self.cands: dict[str, list[FieldValue]] = {f: [] for f in FIELDS}

    def ev(self, page: int, start: int, end: int) -> Evidence:
        pt = self.types.get(page)
        return Evidence(page, start, end, self.pages[page - 1][start:end], pt.box(start, end) if pt else None)

    def add(self, fld: str, value, confidence: float, method: str, ev: Evidence | None,
            normalized: str | None = None, qualifiers: dict | None = None) -> None:
        if value in (None, "", []):
            return
        # A value read across a line break is one line of text; the evidence keeps the break.
        if isinstance(value, str):
            value = re.sub(r"\s+", " ", value).strip()
        else:
            value = [re.sub(r"\s+", " ", v).strip() for v in value]
        if normalized is None:
            normalized = norm_words(" ; ".join(value) if isinstance(value, list) else value, ascii_as_is=True)
        self.cands[fld].append(FieldValue(fld, value, normalized, round(confidence, 3), method, ev,
                                          qualifiers or {}))

    def best(self, fld: str) -> FieldValue | None:
        cs = self.cands[fld]
        if not cs:
            return None
        top = max(cs, key=lambda c: c.confidence)
        if fld == "date":
            top = _edition_date(cs, top)
            # "May 1937" under the title and "1937" in the imprint are one date: keep the finer.
            same_year = [x for x in cs if x.value[:4] == top.value[:4] and not x.qualifiers.get("approximate")
                         and x.qualifiers.get("edition") == top.qualifiers.get("edition")]
            finer = max(same_year, key=lambda x: (len(x.value), x.confidence), default=top)
            if len(finer.value) > len(top.value):
                return finer
        return top


def _edition_date(cs: list[FieldValue], top: FieldValue) -> FieldValue:
    """The date of the copy in hand: a later edition or reprint ("First published 1931. Reprinted 1947.")
    over the first publication, which stays as the qualifier first_published."""
    firsts = [x for x in cs if "first_published" in x.qualifiers]
    if not firsts:
        return top
    first = max(firsts, key=lambda x: x.confidence)
    later = [x for x in cs if "edition" in x.qualifiers and "first_published" not in x.qualifiers
             and x.value[:4] > first.value[:4]]
    if not later:
        return top
    best = max(later, key=lambda x: x.confidence)
    return replace(best, qualifiers={**best.qualifiers, "first_published": first.value})


def _clean_body(name: str) -> str:
    name = re.sub(r"^(?:the|The|THE)\s+", "", name.strip())
    return name.strip(" ,.;:")


# A capitalized name in running text: "the Wharfedale Ramblers' Circle", "Calder Vale Local History Society".
_TEXT_NAME_RE = re.compile(r"[A-Z][\w'’.&-]*(?:\s+(?:(?:of|for|and|the|&|de|in|on)\s+)*(?!The\b)[A-Z][\w'’.&-]*)+")


def named_bodies(pages: Sequence[str], head: str, first: int | None = None) -> list[str]:
    """Every body with this head noun that the document names in full, the given page's first."""
    order = ([first] if first else []) + [k for k in range(1, len(pages) + 1) if k != first]
    out: list[str] = []
    for k in order:
        for m in _TEXT_NAME_RE.finditer(pages[k - 1]):
            name = _clean_body(m.group())
            if len(name.split()) >= 2 and org_head(name) == head and body_name_like(name) \
                    and fold(name.split()[-1], ascii_as_is=True).strip(".'’") == head \
                    and norm_words(name) not in {norm_words(x) for x in out}:
                out.append(name)
    return out


def _resolve_short(name: str, bodies: list[str], pages: Sequence[str] = (), page: int | None = None) -> str | None:
    """'the League' -> the full name of a body already seen with that head noun, or else of the one body
    with that head noun the document names in full (two such bodies: neither); a named body as is."""
    ws = name.split()
    head = org_head(name)
    if head is not None and len(ws) <= 2 and fold(ws[0], ascii_as_is=True).strip(".") == head:
        for b in bodies:
            if org_head(b) == head and len(b.split()) > len(ws):
                return b
        named = named_bodies(pages, head, page) if pages else []
        return named[0] if len(named) == 1 else None
    if body_name_like(name) or is_press(name):
        return name
    # A publisher named by its founders: "Lawrence & Wishart", "Smith, Elder and Co."
    if 1 <= len(ws) <= 6 and all(w[0].isupper() or w in ("&", "and", "of", "the") for w in ws):
        return name
    return None


def extract_metadata(pages: Sequence[str], layouts: Sequence | None = None) -> list[FieldValue]:
    """The best value per field that the document states; a field it does not state is absent from the list.

    `layouts` (optional, one `archive.store.layout.Layout` or None per page) says how the pages were set:
    the title is then the dominant type near the top of the first page, lines set smaller above it are
    kept apart from it (a series, a kicker, the issuing body), and evidence keeps its box on the page."""
    pages = [p or "" for p in pages]
    if not any(p.strip() for p in pages):
        return []
    plines = page_lines(pages)
    types: dict[int, PageType] = {}
    for k, lay in enumerate(list(layouts or [])[:len(pages)]):
        pt = page_type([ln for ln in plines[k] if ln.text], lay) if lay is not None else None
        if pt is not None:
            types[k + 1] = pt
    c = _Collector(pages, types)
    refs = reference_lines(plines)
    # The title block is on the first page that has text (a blank cover scan comes before it).
    first = next((k for k, p in enumerate(pages) if any(not is_noise(x) for x in p.splitlines())), 0)
    tb = read_title_block(plines[first], pages[first], types.get(first + 1))
    tb.page = first + 1
    _title_fields(c, tb)
    statements = _front_fields(c, tb)
    header = {(tb.page, h.line.index) for h in tb.all_lines}
    _colophon_fields(c, plines, refs, statements, header)
    _organization_fallbacks(c, pages, plines, refs, statements)
    _publisher_fallback(c, statements)
    if c.best("date") is None:
        _not_before(c, pages, plines, refs, tb)
    lang = detect_language(pages)
    if lang:
        c.add("language", lang[0], lang[1], "function-words", None, normalized=lang[0])
    out = []
    for fld in FIELDS:
        b = c.best(fld)
        if b is not None:
            out.append(b)
    return out


def _title_fields(c: _Collector, tb: TitleBlock) -> None:
    method = "masthead" if tb.masthead else "title-block"
    if tb.title:
        title = join_text(tb.title)
        ev = c.ev(tb.page, tb.title[0].start, tb.title[-1].end)
        conf = 0.9 if (tb.subtitle or len(tb.lines) > 2) else 0.75
        c.add("title", title, conf, method, ev)
    if tb.subtitle:
        sub = join_text(tb.subtitle)
        c.add("subtitle", sub, 0.85, method, c.ev(tb.page, tb.subtitle[0].start, tb.subtitle[-1].end))


def _front_fields(c: _Collector, tb: TitleBlock) -> list[tuple[Statement, int, int]]:
    """Authors, bodies, imprint and date lines of the title block; returns its statements (page, offset)."""
    statements: list[tuple[Statement, int, int]] = []
    titled = {id(h) for h in tb.title + tb.subtitle}
    for h in tb.title + tb.subtitle + tb.lines:
        if id(h) in titled and h.kind != "text":
            continue                    # a title that merely looks like a body name: "The Co-operative Idea"
        if h.people and (h.kind in ("byline", "name") and id(h) not in titled or h.kind == "text"):
            conf = 0.9 if h.kind in ("byline", "text") else 0.75
            c.add("authors", h.people, conf, "byline", c.ev(tb.page, h.start, h.end))
        if h.body:
            _body_line(c, tb, h)
        if h.series and h.kind == "series":
            name, s, e, number = h.series
            c.add("series", name, 0.85 if tb.by_type else 0.75, "title-block", c.ev(tb.page, s, e),
                  qualifiers={"number": number} if number else None)
        if h.kind == "place" and h.place:
            c.add("place", h.place[0], 0.8, "title-block", c.ev(tb.page, h.place[1], h.place[2]))
        for st, off in h.statements:
            statements.append((st, tb.page, h.start + off))
        if h.date:
            pd, s, e = h.date
            method = "masthead" if (h.kind == "issue" or tb.masthead) else (
                "letterhead" if tb.letterhead else "title-block")
            _add_date(c, pd, 0.8, method, c.ev(tb.page, s, e))
            if h.place:
                c.add("place", h.place[0], 0.6, method, c.ev(tb.page, h.place[1], h.place[2]))
    _name_runs(c, tb, titled)
    for st, page, off in statements:
        _statement_fields(c, st, page, off, front=True)
    return statements


def _name_runs(c: _Collector, tb: TitleBlock, titled: set[int]) -> None:
    """Authors named one to a line ("Rosa Delgado / Tom Firth"): one statement of several authors."""
    run: list = []
    for h in tb.lines + [None]:
        if h is not None and h.kind == "name" and h.people and id(h) not in titled \
                and (not run or h.line.index <= run[-1].line.index + 2):
            run.append(h)
            continue
        if len(run) >= 2:
            c.add("authors", [p for x in run for p in x.people], 0.78, "byline",
                  c.ev(tb.page, run[0].start, run[-1].end))
        run = [h] if h is not None and h.kind == "name" and h.people and id(h) not in titled else []


def _body_line(c: _Collector, tb: TitleBlock, h) -> None:
    """A body named on a line of its own: the issuing body; a press, or a body in a title-page imprint
    beside the place, the publisher."""
    name, s, e = h.body
    name = _clean_body(name)
    ev = c.ev(tb.page, s, e)
    method = "masthead" if h.kind == "organ" or (tb.masthead and h.kind == "issue") else (
        "letterhead" if h.kind == "letterhead" else "title-block")
    if h.imprint or (is_press(name) and h.kind in ("org", "letterhead")):
        c.add("publisher", name, 0.8 if h.imprint else 0.7, "title-block", ev)
    if not is_press(name):
        c.add("organization", name, 0.7 if h.trailing else 0.85, method, ev)


def _add_date(c: _Collector, pd: ParsedDate, conf: float, method: str, ev: Evidence,
              st: Statement | None = None) -> None:
    if pd.iso is None:
        return
    q = pd.qualifiers()
    if st is not None and st.edition:
        q["edition"] = re.sub(r"\s+", " ", st.edition)
    if st is not None and st.first:
        # "First published 1931" dates the first edition; a later edition or reprint stated beside
        # it dates the copy in hand, and wins (see _edition_date).
        q["first_published"] = pd.iso
        conf -= 0.05
    c.add("date", pd.iso, conf - (0.1 if pd.approximate else 0.0), method, ev, normalized=pd.iso, qualifiers=q)


def _statement_fields(c: _Collector, st: Statement, page: int, off: int, *, front: bool) -> None:
    """Publisher, organization, place, date and copyright holders from one publication statement."""
    method = "copyright-line" if st.kind == "copyright" else ("imprint-line" if front else "colophon")
    base = 0.95 if front else 0.8
    bodies = [v.value for v in c.cands["organization"]]

    def ev(part):
        return c.ev(page, off + part.start, off + part.end)

    def short(part, name):
        # "Published by the Circle" read as the full name: the evidence is the short form, and says so.
        said = _clean_body(part.text)
        return {"named_as": said} if name and norm_words(said) != norm_words(name) \
            and len(said.split()) < len(name.split()) else None

    if st.agent is not None:
        name = _resolve_short(_clean_body(st.agent.text), bodies, c.pages, page)
        if name:
            q = short(st.agent, name)
            if st.verb.startswith(("published", "issued", "copyright", "publication")) or "publish" in st.verb:
                name = name if is_press(name) else top_body(name)
                c.add("publisher", name, base - (0.05 if st.kind == "copyright" else 0), method, ev(st.agent),
                      qualifiers=q)
            if body_name_like(name) and not is_press(name) and st.verb not in ("distributed",):
                c.add("organization", top_body(name), base - 0.05, method, ev(st.agent), qualifiers=q)
    if st.sponsor is not None and not st.people:
        name = _resolve_short(_clean_body(st.sponsor.text), bodies, c.pages, page)
        if name and not is_press(name):
            q = short(st.sponsor, name)
            c.add("organization", top_body(name), base - 0.1, method, ev(st.sponsor), qualifiers=q)
            if st.agent is None and (st.verb.endswith("for") or st.verb.startswith("printed")):
                # "Printed for the League": the body the edition was made for is its publisher.
                c.add("publisher", name, base - 0.25, method, ev(st.sponsor), qualifiers=q)
    if st.people and (st.sponsor or st.agent):
        c.add("authors", st.people, 0.6, method, ev(st.sponsor or st.agent))
    # "Printed in Great Britain by X": where a printer worked is not the place of publication.
    printed_only = st.verb.startswith("printed") and "publish" not in st.verb and st.agent is None \
        and st.sponsor is None
    if st.place is not None and (st.agent is not None or st.date is not None) and not printed_only:
        c.add("place", st.place.text.strip("[]"), base - 0.05, method, ev(st.place))
    if st.date is not None:
        pd, s, e = st.date
        _add_date(c, pd, base if not st.verb.startswith("printed") else base - 0.15, method,
                  c.ev(page, off + s, off + e), st)


def _colophon_fields(c: _Collector, plines: list[list[Line]], refs: set, statements: list,
                     header: set[int]) -> None:
    """Statements standing on their own lines anywhere (a title verso, a footer), and on the last page
    the colophon: imprint lines and a line naming the issuing body."""
    pages = c.pages
    last = len(plines)
    for lines in plines:
        types = c.types.get(lines[0].page) if lines else None
        for ln in standalone_lines(merge_statement_lines(lines, pages[lines[0].page - 1]) if lines else [], refs,
                                   types):
            if (ln.page, ln.index) in header:
                continue
            text = pages[ln.page - 1][ln.start:ln.end]
            sts = [(st, off) for st, off in find_statements(text) if st.complete]
            for st, off in sts:
                statements.append((st, ln.page, ln.start + off))
                _statement_fields(c, st, ln.page, ln.start + off, front=False)
            if ln.page != last:
                continue
            # A body's name at the foot of the last page; one with prose after it heads a section.
            if any(sentence_like(x.text) for x in lines if x.index > ln.index and (x.page, x.index) not in refs):
                continue
            # "Center for Vernacular Print Research · Working Papers in Print Culture"; on a single
            # sheet only a body given with its address ("X, 21 Chapeltown Road, Leeds 7"), whose line
            # may also hold a printer's statement.
            stated = {off for _, off in sts}
            for seg in segments(text):
                lead = len(seg.text) - len(seg.text.lstrip())
                if seg.start + lead in stated or (sts and last > 1):
                    continue
                name = seg.text.strip(" .")
                addressed = "," in name and ADDRESS_RE.search(name.split(",", 1)[1])
                if last == 1 and not addressed:
                    continue
                if body_name_like(name) and not re.search(r"\b(?:Papers?|Series)\b", name) and not is_press(name):
                    s = ln.start + seg.start + lead
                    body = top_body(name)
                    c.add("organization", _clean_body(body), 0.6, "colophon",
                          c.ev(ln.page, s + name.find(body), s + name.find(body) + len(body)))
                    break


def _organization_fallbacks(c: _Collector, pages, plines, refs, statements) -> None:
    hits = self_references(pages, refs, plines)
    best = best_self_reference(hits)
    if best is None:
        return
    ref, n = best
    conf = min(0.75, 0.45 + 0.08 * n + (0.1 if ref.strong else 0))
    c.add("organization", _clean_body(ref.name), conf, "self-reference", c.ev(ref.page, ref.start, ref.end))


def _publisher_fallback(c: _Collector, statements: list) -> None:
    """A publication statement that names no body ('Published 12 March 2015') speaks for the issuing body."""
    if c.best("publisher") is not None:
        return
    org = c.best("organization")
    if org is None or org.method == "self-reference":
        return
    for st, _page, _off in statements:
        if st.kind == "imprint" and st.agent is None and st.sponsor is None and st.printer is None \
                and st.verb.startswith(("published", "issued", "publication")):
            c.add("publisher", org.value, 0.7, "imprint-line", org.evidence, normalized=org.normalized)
            return


def _not_before(c: _Collector, pages, plines, refs, tb: TitleBlock) -> None:
    skip = set(refs) | {(tb.page, h.line.index) for h in tb.lines + tb.title + tb.subtitle}
    found = latest_event_year(pages, plines, skip, _dt.date.today().year)
    if found is None:
        return
    pd, page, s, e = found
    c.add("date_not_before", f"{pd.year:04d}", 0.4, "latest-event", c.ev(page, s, e), normalized=f"{pd.year:04d}",
          qualifiers={"precision": "year", "approximate": False, "inferred": True})
