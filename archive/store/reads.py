"""Reads from the archive: documents, pages, events, full-text search and the JSON export contract."""

from __future__ import annotations

import heapq
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from operator import itemgetter
from typing import Iterable, Iterator, Optional

from sqlalchemy import Text, bindparam, cast, func, literal_column, table, true, tuple_
from sqlalchemy import column as sql_column
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from archive.errors import NotFound, QueryError
from archive.store import layout, snippets
from archive.store.models import (
    Agent,
    Assertion,
    Citation,
    Decision,
    DecisionSubject,
    Document,
    DocumentRelation,
    Event,
    ExternalWork,
    Page,
    PageLayout,
    SourceFile,
)
from archive.store.plain import Plain

# Ids per IN (...) list: within every backend's limit on bound parameters (SQLite: 32,766 on current
# builds, 999 on old ones).
IDS_PER_STATEMENT = 500


def chunks(items: Iterable, n: int = IDS_PER_STATEMENT) -> Iterator[list]:
    """The items a few hundred at a time, for IN (...) lists."""
    items = list(items)
    for start in range(0, len(items), n):
        yield items[start:start + n]


# The reads of one document's page, built once: a statement built for each request cost more Python than its
# execution (bench/WEB_LOAD.md, 2026-12-07, second section). Each takes the document's id as :doc.
_DOC = bindparam("doc")
_DOCUMENT_WITHOUT_TEXT = select(Document).where(Document.id == _DOC).options(defer(Document.text))
_PAGES_OF = (select(Page, col(Page.thumbnail).is_not(None)).where(Page.document_id == _DOC).order_by(Page.number)
             .options(defer(Page.thumbnail)))
_CITATIONS_OF = (select(Citation).where(Citation.document_id == _DOC)
                 .order_by(Citation.page, Citation.span_start, Citation.id))
_RELATIONS_OF = (select(DocumentRelation)
                 .where((DocumentRelation.document_id == _DOC) | (DocumentRelation.other_id == _DOC))
                 .order_by(DocumentRelation.document_id, DocumentRelation.other_id, DocumentRelation.id))
IDS = bindparam("ids", expanding=True)   # a statement's list of ids, IN (...): at most IDS_PER_STATEMENT (chunks)
_RELATIONS_IN = (select(DocumentRelation)
                 .where(col(DocumentRelation.document_id).in_(IDS) | col(DocumentRelation.other_id).in_(IDS)))
_SOURCES_OF = select(SourceFile).where(SourceFile.document_id == _DOC).order_by(SourceFile.sequence)
_CITED_BY = select(Citation.document_id).where(Citation.target_document_id == _DOC, Citation.document_id != _DOC)
_ASSERTIONS_OF = (select(Assertion, Agent).join(Agent, Agent.id == Assertion.agent_id)
                  .where(Assertion.document_id == _DOC).order_by(Assertion.id))
_EVENTS = select(Event, Agent).join(Agent, Agent.id == Event.agent_id).order_by(Event.time, Event.id)
_EVENTS_OF = _EVENTS.where(Event.document_id == _DOC)
_IMAGE_OF = select(Page.thumbnail).where(Page.document_id == _DOC, Page.number == bindparam("number"))
_LAYOUTS_OF = select(PageLayout).join(Page, col(Page.id) == PageLayout.page_id).where(Page.document_id == _DOC)
# The same reads as plain rows (archive/store/plain.py), for the pages that only show them.
_PLAIN_DOCUMENT = Plain.of(_DOCUMENT_WITHOUT_TEXT, Document, leave_out=("text",))
_PLAIN_PAGES = Plain.of(_PAGES_OF, Page, leave_out=("thumbnail",), extra=(col(Page.thumbnail).is_not(None),))
_PLAIN_CITATIONS = Plain.of(_CITATIONS_OF, Citation)
_PLAIN_RELATIONS = Plain.of(_RELATIONS_OF, DocumentRelation)
_PLAIN_ASSERTIONS = Plain.of(_ASSERTIONS_OF, Assertion, Agent)
_PLAIN_SOURCES = Plain.of(_SOURCES_OF, SourceFile)
_PLAIN_LAYOUTS = Plain.of(_LAYOUTS_OF, PageLayout)
_PLAIN_EVENTS_OF = Plain.of(_EVENTS_OF, Event, Agent)


def get_document(session: Session, ref: str | int, *, with_text: bool = True) -> Document:
    """A document by its id (as given on the command line). `with_text=False`: its full text is left unread (read
    on first use), for those who show its pages instead."""
    doc_id = _document_id(ref)
    if with_text:
        doc = session.get(Document, doc_id)
    else:
        doc = session.exec(_DOCUMENT_WITHOUT_TEXT, params={"doc": doc_id}).first()
    return _found(doc, doc_id)


def document_record(session: Session, ref: str | int):
    """get_document without its text as a plain record (archive/store/plain.py), for a page that only shows it."""
    doc_id = _document_id(ref)
    return _found(_PLAIN_DOCUMENT.first(session, doc=doc_id), doc_id)


def _document_id(ref: str | int) -> int:
    try:
        return int(str(ref).strip())
    except ValueError:
        raise NotFound(f"no document {ref!r}: document ids are numbers (see `archive list`)") from None


def _found(doc, doc_id: int):
    if doc is None:
        raise NotFound(f"no document {doc_id} in this archive (see `archive list`)")
    return doc


@dataclass(frozen=True)
class DocumentFilter:
    organization: Optional[str] = None
    publisher: Optional[str] = None
    place: Optional[str] = None
    date_from: Optional[str] = None  # ISO prefix, inclusive
    date_to: Optional[str] = None  # ISO prefix, inclusive
    ids: Optional[tuple[int, ...]] = None
    # Which of organization, publisher and place must be the whole value (as a facet link gives it; read by
    # index) rather than any value containing the text (as typed in a filter box; a scan of the documents).
    exact: tuple[str, ...] = ()

    def active(self) -> bool:
        return any(getattr(self, f) for f in ("organization", "publisher", "place", "date_from", "date_to")) \
            or self.ids is not None


# Orders a catalogue may be sorted in: each on an indexed column (or the key), so a page of 100,000
# documents is read by index, not sorted in full.
SORTS = {"id": Document.id, "date": Document.date, "organization": Document.organization,
         "publisher": Document.publisher}


def _filtered(stmt, flt: DocumentFilter):
    for name, column, value in (("organization", Document.organization, flt.organization),
                                ("publisher", Document.publisher, flt.publisher), ("place", Document.place, flt.place)):
        if value and name in flt.exact:
            stmt = stmt.where(col(column) == value)
        elif value:
            stmt = stmt.where(col(column).ilike(f"%{_escape_like(value)}%", escape="\\"))
    if flt.date_from:
        stmt = stmt.where(col(Document.date).is_not(None), col(Document.date) >= flt.date_from)
    if flt.date_to:
        # "1990" as an upper bound includes 1990-12-31: compare on the prefix.
        stmt = stmt.where(col(Document.date).is_not(None), col(Document.date) <= flt.date_to + "\uffff")
    if flt.ids is not None:
        stmt = stmt.where(col(Document.id).in_(flt.ids))
    return stmt


def list_documents(session: Session, flt: DocumentFilter = DocumentFilter(), *, limit: Optional[int] = None,
                   offset: int = 0, with_text: bool = True, sort: str = "id",
                   descending: bool = False) -> list[Document]:
    """Documents matching the filter in id order (or by a column of SORTS, then id); a page of them with
    limit/offset. Without with_text the documents' full text is not loaded (it is read only if asked for)."""
    if sort not in SORTS:
        raise QueryError(f"cannot sort by {sort!r}: one of {', '.join(SORTS)}")
    key = col(SORTS[sort])
    stmt = select(Document).order_by(key.desc() if descending else key.asc(),
                                     col(Document.id).desc() if descending else col(Document.id).asc())
    if not with_text:
        stmt = stmt.options(defer(Document.text))
    stmt = _filtered(stmt, flt)
    if offset:
        stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.exec(stmt))


def count_documents(session: Session, flt: DocumentFilter = DocumentFilter()) -> int:
    return session.exec(_filtered(select(func.count()).select_from(Document), flt)).one()


FACETS = {"organization": Document.organization, "publisher": Document.publisher, "place": Document.place}


def facet_counts(session: Session, flt: DocumentFilter = DocumentFilter(), *, limit: int = 15,
                 within=None) -> dict[str, list]:
    """For each facet field, its most frequent values among the filtered documents (and those `within`, a
    select of document ids: a search's), with counts: one GROUP BY per field on the current values, which
    are indexed columns of the document table; only the top `limit` values come back. It grows with the
    filtered documents, not with anything else."""
    out: dict[str, list] = {}
    for name, column in FACETS.items():
        stmt = _filtered(select(column, func.count()).where(col(column).is_not(None)), flt)
        if within is not None:
            stmt = stmt.where(col(Document.id).in_(within))
        stmt = stmt.group_by(column).order_by(func.count().desc(), column).limit(limit)
        out[name] = [[value, n] for value, n in session.exec(stmt)]
    return out


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def pages(session: Session, doc_id: int) -> list[Page]:
    return list(session.exec(select(Page).where(Page.document_id == doc_id).order_by(Page.number)))


@dataclass
class DocumentRows:
    """What a document page and its JSON both show, read once, as plain records (archive/store/plain.py): pages
    (without their images; `imaged`, the numbers of those with one), citations in order, duplicate relations, and
    the assertions about its values with their agents, oldest first."""
    pages: list   # of Page records (no thumbnail)
    imaged: set[int]
    citations: list   # of Citation records
    relations: list   # of DocumentRelation records
    assertions: list   # of (Assertion record, Agent record)


def assertions_with_agents(session: Session, doc_id: int) -> list[tuple[Assertion, Agent]]:
    """Every assertion about the document's values, with its agent, oldest first."""
    return list(session.exec(_ASSERTIONS_OF, params={"doc": doc_id}))


def document_rows(session: Session, doc_id: int) -> DocumentRows:
    rows = _PLAIN_PAGES.rows(session, doc=doc_id)
    return DocumentRows([p for p, _ in rows], {p.number for p, imaged in rows if imaged},
                        _PLAIN_CITATIONS.rows(session, doc=doc_id), _PLAIN_RELATIONS.rows(session, doc=doc_id),
                        _PLAIN_ASSERTIONS.rows(session, doc=doc_id))


def page_ids(session: Session, doc_id: int) -> list[int]:
    """The document's page ids in page order, without reading the pages."""
    return list(session.exec(select(Page.id).where(Page.document_id == doc_id).order_by(Page.number)))


def page_layout(session: Session, page_id: int) -> Optional[layout.Layout]:
    """The page's lines and words with their boxes; None for a page read before layouts were kept
    (schema revision 0005) or with no text."""
    row = session.get(PageLayout, page_id)
    return layout.decode(row.data) if row is not None else None


def page_image(session: Session, doc_id: int, number: int) -> Optional[bytes]:
    """The image kept of one page (a JPEG), None if it has none: that page's alone is read."""
    return session.exec(_IMAGE_OF, params={"doc": doc_id, "number": number}).first()


def document_layouts(session: Session, doc_id: int) -> dict[int, layout.Layout]:
    """page_layout of every page of the document, in one read: page id -> layout (pages without one left out)."""
    return {row.page_id: layout.decode(row.data) for row in _PLAIN_LAYOUTS.rows(session, doc=doc_id)}


def page_layouts(session: Session, page_ids: Iterable[int]) -> dict[int, layout.Layout]:
    """page_layout of several pages in one read: page id -> layout (pages without one left out)."""
    out: dict[int, layout.Layout] = {}
    for chunk in chunks(sorted(set(page_ids))):
        for row in session.exec(select(PageLayout).where(col(PageLayout.page_id).in_(chunk))):
            out[row.page_id] = layout.decode(row.data)
    return out


def source_files(session: Session, doc_id: Optional[int] = None) -> list[SourceFile]:
    if doc_id is not None:
        return list(session.exec(_SOURCES_OF, params={"doc": doc_id}))
    return list(session.exec(select(SourceFile).order_by(SourceFile.document_id, SourceFile.sequence)))


def events(session: Session, doc_id: Optional[int] = None, *, failures_only: bool = False) -> list[tuple]:
    """Provenance events, oldest first, with their agents: (Event record, Agent record), archive/store/plain.py."""
    if doc_id is not None and not failures_only:
        return _PLAIN_EVENTS_OF.rows(session, doc=doc_id)
    stmt = _EVENTS
    if doc_id is not None:
        stmt = stmt.where(Event.document_id == doc_id)
    if failures_only:
        stmt = stmt.where(Event.outcome == "failure", col(Event.document_id).is_(None))
    return Plain.of(stmt, Event, Agent).rows(session)


def event_json(ev: Event, who: Agent) -> dict:
    return {"type": ev.type, "time": ev.time.isoformat(), "agent": who.label, "agent_kind": who.kind,
            "outcome": ev.outcome, "detail": ev.detail, "page": ev.page_number}


# --- full-text search -------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    document_id: int
    title: Optional[str]
    page: int
    snippet: str
    rank: float

    def as_json(self) -> dict:
        """The keys of `archive search --json` (and of the web API's hits)."""
        return {"document": self.document_id, "title": self.title, "page": self.page, "snippet": self.snippet,
                "rank": round(self.rank, 4)}


_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def parse_query(query: str) -> tuple[list[list[str]], list[str]]:
    """User text as web search engines read it (and PostgreSQL's websearch_to_tsquery):
    "quoted phrases", `or` between two terms, `-word` or `-"phrase"` to exclude; every other
    word must match. Returns (groups of alternatives that must all match, excluded terms), each
    term a space-joined run of words; punctuation and operator characters are only separators."""
    groups: list[list[str]] = []
    excluded: list[str] = []
    pending_or = False
    for minus, phrase, word in _TOKEN.findall(query):
        negate = bool(minus) or (word.startswith("-") and len(word) > 1)
        raw = phrase if (phrase or minus) else word
        if word.lower() == "or":
            pending_or = bool(groups)
            continue
        term = " ".join(re.findall(r"\w+", raw))
        if not term:
            continue
        if negate:
            excluded.append(term)
        elif pending_or:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    return groups, excluded


def fts5_query(query: str) -> str:
    """User text to a safe FTS5 query (see parse_query): every term is a quoted string, so no
    character the user types has FTS5 syntax meaning."""
    groups, excluded = parse_query(query)
    if not groups:
        return ""
    expr = " AND ".join("(" + " OR ".join(f'"{t}"' for t in alts) + ")" for alts in groups)
    for term in excluded:
        expr = f'({expr}) NOT "{term}"'
    return expr


MAX_QUERY_CHARS = 1000


def _clean_query(query: str) -> str:
    """Control characters out (PostgreSQL rejects NUL in text; none means anything in a search),
    and a clear message for an empty or absurdly long query, or one with no searchable words."""
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in query or "")
    if not cleaned.strip():
        raise QueryError("empty search query")
    if len(cleaned) > MAX_QUERY_CHARS:
        raise QueryError(f"search query too long ({len(cleaned)} characters; at most {MAX_QUERY_CHARS})")
    if not parse_query(cleaned)[0]:
        raise QueryError(f"the query {cleaned!r} has no searchable words (excluded words alone match nothing)")
    return cleaned


_FTS = table("page_fts", sql_column("rowid"))
_TEXTS = select(Page.id, Page.text).where(col(Page.id).in_(IDS))
_FTS_TABLE = literal_column("page_fts")   # FTS5's hidden column named after the table: MATCH, bm25, snippet
_PG_VECTOR = literal_column("page.fts_english")   # the stored tsvector (migration 0004)


def _pg_query():
    return func.websearch_to_tsquery("english", bindparam("q"))


def matching_documents(session: Session, query: str):
    """A select of the ids of the documents with a page matching the query (for facets and counts), and its
    parameters."""
    query = _clean_query(query)
    if session.get_bind().dialect.name == "sqlite":
        stmt = (select(Page.document_id).select_from(_FTS).join(Page, col(Page.id) == _FTS.c.rowid)
                .where(_FTS_TABLE.op("MATCH")(bindparam("q"))))
        return stmt.distinct(), {"q": fts5_query(query)}
    return select(Page.document_id).where(_PG_VECTOR.op("@@")(_pg_query())).distinct(), {"q": query}


def search(session: Session, query: str, *, limit: int = 20, offset: int = 0,
           flt: Optional[DocumentFilter] = None) -> list[Hit]:
    """Ranked full-text search over page text: SQLite FTS5, or PostgreSQL's tsvector search; only the pages of
    documents passing `flt`, decided in the same query (so a filter costs no read of the documents). `offset`
    skips that many hits of the ranking (the next page of results). Each hit's snippet is made from its page's
    text by archive.store.snippets, the same way on both backends."""
    query = _clean_query(query)
    words = [tuple(term.split()) for alternatives in parse_query(query)[0] for term in alternatives]
    if session.get_bind().dialect.name == "sqlite":
        rank = func.bm25(_FTS_TABLE).label("rank")
        if flt is not None and flt.active():
            stmt = (select(Page.id, Page.document_id, Document.title, Page.number, rank)
                    .select_from(_FTS).join(Page, col(Page.id) == _FTS.c.rowid)
                    .join(Document, col(Document.id) == Page.document_id)
                    .where(_FTS_TABLE.op("MATCH")(bindparam("q"))))
            stmt = _filtered(stmt, flt).order_by(rank, Page.id).limit(limit).offset(offset)
        else:
            # Ranked in the full-text index alone, then only the top pages joined to their documents: joined
            # first, every matching page was looked up in two tables before the sort (1,400 matching pages at
            # 10,000 documents: 4.0 -> 2.2 ms).
            top = (select(_FTS.c.rowid.label("id"), rank).select_from(_FTS)
                   .where(_FTS_TABLE.op("MATCH")(bindparam("q")))
                   .order_by(rank, _FTS.c.rowid).limit(limit).offset(offset).subquery("top"))
            stmt = (select(Page.id, Page.document_id, Document.title, Page.number, top.c.rank)
                    .join(top, top.c.id == Page.id).join(Document, col(Document.id) == Page.document_id)
                    .order_by(top.c.rank, Page.id))
        conn = session.connection()   # plain rows (archive/store/plain.py)
        rows = conn.execute(stmt, {"q": fts5_query(query)}).all()
        if not rows:
            return []
        texts = dict(conn.execute(_TEXTS, {"ids": [r[0] for r in rows]}).all())
        terms = snippets.Terms(phrases=words)
        return [Hit(r[1], r[2], r[3], snippets.snippet(texts[r[0]], terms), -float(r[4])) for r in rows]
    # Rank on the stored vector (migration 0004, kept in the page's row: 0012), then read the text of the top pages
    # only. The query is parsed once, in the FROM clause: in the ranking expression, a prepared (generic) plan
    # parsed it again for every matching page.
    parsed = func.websearch_to_tsquery("english", bindparam("q")).alias("tsquery")
    rank = func.ts_rank(_PG_VECTOR, parsed.column).label("rank")
    top = select(Page.id, rank).select_from(Page).join(parsed, true()).where(_PG_VECTOR.op("@@")(parsed.column))
    if flt is not None and flt.active():
        top = _filtered(top.join(Document, col(Document.id) == Page.document_id), flt)
    top = top.order_by(rank.desc(), Page.document_id, Page.number).limit(limit).offset(offset).cte("top")
    stmt = (select(Page.document_id, Document.title, Page.number, Page.text, top.c.rank,
                   cast(_pg_query(), Text))
            .join(top, top.c.id == Page.id).join(Document, col(Document.id) == Page.document_id)
            .order_by(top.c.rank.desc(), Page.document_id, Page.number))
    rows = session.connection().execute(stmt, {"q": query}).all()   # plain rows (archive/store/plain.py)
    if not rows:
        return []
    # The query's words as PostgreSQL stems them, less those it leaves out of the query (stop words).
    terms = snippets.Terms(stems=snippets.stems(w for phrase in words for w in phrase)
                           & snippets.lexemes(rows[0][5]))
    return [Hit(r[0], r[1], r[2], snippets.snippet(r[3], terms), float(r[4])) for r in rows]


# A search matching at most this many documents has its total and facets counted from one read of their
# facet values (one evaluation of the search); a broader one falls back to a count and a GROUP BY per facet.
FACET_ROWS = 20_000


def search_facets(session: Session, query: str, flt: DocumentFilter = DocumentFilter(), *,
                  limit: int = 15) -> dict:
    """The documents a search matches, passing the filter: how many, and the facets' top values among them."""
    within, params = matching_documents(session, query)
    within = within.params(**params)
    columns = list(FACETS.values())
    # Plain rows through the connection: the ORM's row processing cost more than the query.
    rows = session.connection().execute(_filtered(select(*columns), flt).where(col(Document.id).in_(within))
                                        .limit(FACET_ROWS + 1)).all()
    if len(rows) <= FACET_ROWS:
        return {"total_documents": len(rows), "facets": {
            name: _top_values(map(itemgetter(i), rows), limit) for i, name in enumerate(FACETS)}}
    total = session.exec(_filtered(select(func.count()).select_from(Document), flt)
                         .where(col(Document.id).in_(within))).one()
    return {"total_documents": total, "facets": facet_counts(session, flt, limit=limit, within=within)}


def _top_values(values: Iterable, limit: int) -> list:
    """The most frequent values and their counts, as facet_counts orders them (count, then value)."""
    counts = Counter(values)
    counts.pop(None, None)
    top = list(counts.items())
    if len(top) > limit:  # only the values counted at least as often as the limit-th (C loops, not a key call each)
        least = heapq.nlargest(limit, counts.values())[-1]
        top = [kv for kv in top if kv[1] >= least]
    top.sort()   # by value (each once)
    top.sort(key=itemgetter(1), reverse=True)   # then by count, descending; a stable sort keeps ties by value
    return [[v, n] for v, n in top[:limit]]


# --- the JSON export contract -----------------------------------------------------------

def authors(doc: Document) -> list[str]:
    return json.loads(doc.authors_json or "[]")


def document_json(session: Session, doc: Document, *, include_text: bool = True,
                  read: Optional[DocumentRows] = None) -> dict:
    """One document in the export contract's shape (keys are stable; new keys may be added). `read`: its pages,
    citations and relations when the caller has them already (document_rows), so they are not read twice."""
    srcs = _PLAIN_SOURCES.rows(session, doc=doc.id)
    read = read or document_rows(session, doc.id)
    pgs, cites, rels = read.pages, read.citations, read.relations
    cited_by = sorted({i for (i,) in session.connection().execute(_CITED_BY, {"doc": doc.id})})
    provenance: dict[str, list[dict]] = {}
    for a, who in read.assertions:
        provenance.setdefault(a.field, []).append({
            "value": json.loads(a.value_json), "normalized": a.normalized, "confidence": a.confidence,
            "method": a.method, "page": a.page,
            "span": [a.span_start, a.span_end] if a.span_start is not None else None,
            "evidence": a.evidence, "box": json.loads(a.evidence_box_json) if a.evidence_box_json else None,
            "agent": who.label, "agent_kind": who.kind, "note": a.note,
            "time": a.created_at.isoformat(), "qualifiers": json.loads(a.qualifiers_json or "{}"),
            "superseded": a.superseded})
    return {
        "id": doc.id,
        "label": doc.label,
        "title": doc.title,
        "subtitle": doc.subtitle,
        "series": doc.series,
        "authors": authors(doc),
        "organization": doc.organization,
        "publisher": doc.publisher,
        "place": doc.place,
        "date": doc.date,
        "date_precision": doc.date_precision,
        "date_approximate": doc.date_approximate,
        "date_not_before": doc.date_not_before,
        "language": doc.language,
        "page_count": doc.page_count,
        "text_sha256": doc.text_sha256,
        "mean_ocr_confidence": doc.mean_confidence,
        "created_at": doc.created_at.isoformat(),
        "source_files": [{"path": s.path, "sha256": s.sha256, "size": s.size, "format": s.format,
                          "ingested_at": s.ingested_at.isoformat(), "last_fixity": s.last_fixity,
                          "last_fixity_at": s.last_fixity_at.isoformat() if s.last_fixity_at else None}
                         for s in srcs],
        "pages": [{"number": p.number, "method": p.method, "ocr_confidence": p.confidence,
                   "engine": p.engine, "engine_version": p.engine_version, "language": p.language,
                   "psm": p.psm, "preprocessing": json.loads(p.preprocessing or "[]"),
                   "text": p.text if include_text else None} for p in pgs],
        "citations": [{"page": c.page, "raw": c.raw, "kind": c.kind, "author": c.author, "title": c.title,
                       "year": c.year, "locator": c.locator, "target": c.target_document_id,
                       "external_work": c.external_work_id, "confidence": c.confidence,
                       "evidence": c.match_evidence} for c in cites],
        "cited_by": cited_by,
        "duplicates": [{"document": r.other_id if r.document_id == doc.id else r.document_id,
                        "kind": r.kind, "score": r.score, "method": r.method, "canonical": r.canonical_id}
                       for r in rels],
        "metadata_provenance": provenance,
        "events": [event_json(ev, who) for ev, who in events(session, doc.id)],
    }


def export(session: Session, flt: DocumentFilter = DocumentFilter()) -> dict:
    return {"documents": [document_json(session, d) for d in list_documents(session, flt)]}


# --- citations, works and relations ----------------------------------------------------------

def citations(session: Session, doc_id: int) -> list[Citation]:
    return list(session.exec(_CITATIONS_OF, params={"doc": doc_id}))


def cites(session: Session, doc_id: int) -> list[tuple[Document, int]]:
    """Held documents this one cites, with how many citations point at each."""
    rows = session.exec(select(Citation.target_document_id).where(
        Citation.document_id == doc_id, col(Citation.target_document_id).is_not(None))).all()
    return _count_docs(session, rows)


def cited_by(session: Session, doc_id: int) -> list[tuple[Document, int]]:
    """Held documents that cite this one, with how many citations each makes."""
    rows = session.exec(select(Citation.document_id).where(
        Citation.target_document_id == doc_id, Citation.document_id != doc_id)).all()
    return _count_docs(session, rows)


def _count_docs(session: Session, ids: list[int]) -> list[tuple[Document, int]]:
    counts: dict[int, int] = {}
    for i in ids:
        counts[i] = counts.get(i, 0) + 1
    return [(session.get(Document, i), n) for i, n in sorted(counts.items())]


def external_works(session: Session, limit: Optional[int] = None) -> list[dict]:
    """Works cited but not held, most cited first, with the documents citing them."""
    rows = session.exec(select(ExternalWork, Citation.document_id).join(
        Citation, Citation.external_work_id == ExternalWork.id)).all()
    works: dict[int, dict] = {}
    for work, doc_id in rows:
        w = works.setdefault(work.id, {"id": work.id, "author": work.author, "title": work.title,
                                       "year": work.year, "citations": 0, "cited_by": set()})
        w["citations"] += 1
        w["cited_by"].add(doc_id)
    ordered = sorted(works.values(), key=lambda w: (-w["citations"], -len(w["cited_by"]), w["id"]))
    for w in ordered:
        w["cited_by"] = sorted(w["cited_by"])
    return ordered[:limit] if limit else ordered


def relations(session: Session, doc_ids: Optional[Iterable[int]] = None) -> list[DocumentRelation]:
    """Duplicate relations, all or those involving the given documents (by index on either end)."""
    if doc_ids is None:
        return list(session.exec(select(DocumentRelation).order_by(DocumentRelation.document_id,
                                                                   DocumentRelation.other_id, DocumentRelation.id)))
    found: dict[int, DocumentRelation] = {}
    for chunk in chunks(sorted(set(doc_ids))):
        for rel in session.exec(_RELATIONS_IN, params={"ids": chunk}):
            found[rel.id] = rel
    return sorted(found.values(), key=lambda r: (r.document_id, r.other_id, r.id))


def citation_graph(session: Session, *, external: bool = False) -> dict:
    """Nodes (documents, and external works if asked) and weighted citing -> cited edges."""
    nodes = [{"id": f"doc-{d.id}", "document": d.id, "label": d.title or d.label, "kind": "document",
              "date": d.date, "organization": d.organization} for d in list_documents(session, with_text=False)]
    edges: dict[tuple[str, str], int] = {}
    for c in session.exec(select(Citation).where(
            (col(Citation.target_document_id).is_not(None)) | (col(Citation.external_work_id).is_not(None)))):
        if c.target_document_id is not None:
            key = (f"doc-{c.document_id}", f"doc-{c.target_document_id}")
        elif external:
            key = (f"doc-{c.document_id}", f"work-{c.external_work_id}")
        else:
            continue
        edges[key] = edges.get(key, 0) + 1
    if external:
        for w in external_works(session):
            nodes.append({"id": f"work-{w['id']}", "work": w["id"], "kind": "external-work",
                          "label": " ".join(x for x in (w["author"], w["title"], w["year"]) if x)})
    return {"nodes": nodes,
            "edges": [{"source": s, "target": t, "citations": n} for (s, t), n in sorted(edges.items())]}


# --- people's decisions (models.Decision) and the review queue -------------------------------------------

@dataclass(frozen=True)
class InForce:
    """The decision in force about one thing: the newest."""
    id: int
    verdict: str
    person: str
    reason: str


DECISION_SUBJECTS = tuple(subject.value for subject in DecisionSubject)


def _in_force(session: Session, where) -> dict[tuple, InForce]:
    out: dict[tuple, InForce] = {}
    for by_key in _in_force_by_subject(session.exec(_DECISIONS.where(where))).values():
        out.update(by_key)
    return out


_DECISIONS = select(Decision, Agent).join(Agent, Agent.id == Decision.agent_id).order_by(Decision.id)
_VALUE_DECISIONS_OF = _DECISIONS.where(Decision.subject == "value", Decision.document_id == _DOC)
# decisions_about: each side of the OR on a prefix of ix_decision_subject (subject, document_id, other_id).
_DECISIONS_ABOUT = _DECISIONS.where((col(Decision.subject).in_(DECISION_SUBJECTS) & (Decision.document_id == _DOC))
                                    | ((Decision.subject == "relation") & (col(Decision.other_id) == _DOC)))
_PLAIN_DECISIONS_ABOUT = Plain.of(_DECISIONS_ABOUT, Decision, Agent)


def _in_force_by_subject(rows: Iterable[tuple[Decision, Agent]]) -> dict[str, dict[tuple, InForce]]:
    """subject -> (what it is about) -> the decision in force, from rows of _DECISIONS (oldest first, so the
    newest wins)."""
    out: dict[str, dict[tuple, InForce]] = {subject: {} for subject in DECISION_SUBJECTS}
    for d, who in rows:
        key = {"citation": (d.document_id, d.citation_raw, d.other_id), "relation": (d.document_id, d.other_id),
               "value": (d.document_id, d.field, d.value_json)}[d.subject]
        out[d.subject][key] = InForce(d.id, d.verdict, who.name, d.reason)
    return out


def citation_decisions(session: Session, doc_ids: Iterable[int]) -> dict[tuple[int, str, int], InForce]:
    """(citing document, citation text, cited document) -> the decision in force, for these citing documents."""
    out: dict = {}
    for chunk in chunks(sorted(set(doc_ids))):
        out.update(_in_force(session, (Decision.subject == "citation") & col(Decision.document_id).in_(chunk)))
    return out


def relation_decisions(session: Session, doc_ids: Iterable[int]) -> dict[tuple[int, int], InForce]:
    """(lower id, higher id) -> the decision in force about the pair, for pairs with one of these documents."""
    out: dict = {}
    for chunk in chunks(sorted(set(doc_ids))):
        out.update(_in_force(session, (Decision.subject == "relation") & (
            col(Decision.document_id).in_(chunk) | col(Decision.other_id).in_(chunk))))
    return out


def decisions_about(session: Session, doc_id: int) -> dict[str, dict]:
    """citation_decisions, relation_decisions and value_decisions for this one document, in one read:
    subject ("citation", "relation", "value") -> that function's answer."""
    return _in_force_by_subject(_PLAIN_DECISIONS_ABOUT.rows(session, doc=doc_id))


def value_decisions(session: Session, doc_id: int) -> dict[tuple[int, str, str], InForce]:
    """(document, field, value as JSON) -> the decision in force about that value of that field."""
    return _in_force_by_subject(session.exec(_VALUE_DECISIONS_OF, params={"doc": doc_id}))["value"]


def rejected_values(session: Session, doc_id: int) -> dict[str, list]:
    """field -> the values a person rejected for it (no software assertion may give them again)."""
    out: dict[str, list] = {}
    for (_, field, value_json), d in value_decisions(session, doc_id).items():
        if d.verdict == "rejected":
            out.setdefault(field, []).append(json.loads(value_json))
    return out


REVIEW_KINDS = ("values", "links", "duplicates")


def _software_agents():
    return select(Agent.id).where(Agent.kind == "software")


def _linked():
    """The citations in the link queue: linked, with the resolver's confidence."""
    return (col(Citation.confidence).is_not(None), col(Citation.target_document_id).is_not(None))


def _taken_values(session: Session) -> int:
    """How many live software values are out of the queue: those of fields a person spoke to, and values
    judged. Driven by the people's assertions and decisions (by index: the documents they are about), so it
    costs what people did, not the archive's size."""
    spoken = set(session.exec(select(Assertion.document_id, Assertion.field).where(
        col(Assertion.agent_id).in_(select(Agent.id).where(Agent.kind == "person")))))
    judged = set(session.exec(select(Decision.document_id, Decision.field, Decision.value_json)
                              .where(Decision.subject == "value")))
    software = set(session.exec(_software_agents()))
    taken = 0
    # Only the document is given to the database (the rest is checked here), so that it reads these
    # documents' values by their index whatever its statistics say.
    for chunk in chunks(sorted({d for d, _ in spoken} | {d for d, _, _ in judged})):
        for d, f, v, old, who in session.exec(select(Assertion.document_id, Assertion.field, Assertion.value_json,
                                                     Assertion.superseded, Assertion.agent_id)
                                              .where(col(Assertion.document_id).in_(chunk))):
            taken += not old and who in software and ((d, f) in spoken or (d, f, v) in judged)
    return taken


def _taken_links(session: Session) -> int:
    judged = set(session.exec(select(Decision.document_id, Decision.citation_raw, Decision.other_id)
                              .where(Decision.subject == "citation")))
    taken = 0
    for chunk in chunks(sorted({d for d, _, _ in judged})):
        for d, raw, target in session.exec(select(Citation.document_id, Citation.raw, Citation.target_document_id)
                                           .where(col(Citation.document_id).in_(chunk), *_linked())):
            taken += (d, raw, target) in judged
    return taken


def review_progress(session: Session) -> dict:
    """How many decisions people made, and how many values, links and relations wait, by kind. Each waiting
    count is the queue's size from its index alone, less what people took out of it (read from their
    decisions), so it does not read the archive's values one by one."""
    made = dict(session.exec(select(Decision.subject, func.count()).group_by(Decision.subject)).all())
    values = session.exec(select(func.count()).select_from(Assertion).where(
        Assertion.superseded == False, col(Assertion.agent_id).in_(_software_agents()))).one()  # noqa: E712
    links = session.exec(select(func.count()).select_from(Citation).where(*_linked())).one()
    relations = session.exec(select(func.count()).select_from(DocumentRelation)).one()
    pairs = set(session.exec(select(Decision.document_id, Decision.other_id).where(Decision.subject == "relation")))
    decided_pairs = 0
    for chunk in chunks(sorted({d for d, _ in pairs})):
        decided_pairs += sum(p in pairs for p in session.exec(select(DocumentRelation.document_id,
                                                                     DocumentRelation.other_id)
                                                              .where(col(DocumentRelation.document_id).in_(chunk))))
    return {
        "values": {"reviewed": made.get("value", 0), "remaining": values - _taken_values(session)},
        "links": {"reviewed": made.get("citation", 0), "remaining": links - _taken_links(session)},
        "duplicates": {"reviewed": made.get("relation", 0), "remaining": relations - decided_pairs},
    }


def parse_cursor(after: Optional[str]) -> Optional[tuple[float, int]]:
    """A queue page's cursor: 'confidence:id' of the last item shown."""
    if not after:
        return None
    try:
        conf, ident = after.split(":", 1)
        return float(conf), int(ident)
    except ValueError:
        raise QueryError(f"bad cursor {after!r}: use the 'next' value of the previous page") from None


_BATCH = 200   # rows read per step of a queue walk


def _walk(session: Session, stmt, key, cursor, keep, limit: int) -> list:
    """Rows of `stmt` in `key` order after `cursor`, those `keep(batch)` keeps, until `limit` are found. The
    database only walks an index in order (so no planner can turn it into a sort of the whole table); what
    people decided is checked per batch against their decisions for those documents. A page costs the items
    shown plus the decided ones it steps over."""
    out: list = []
    while len(out) < limit:
        step = stmt.where(tuple_(*key) > tuple_(*cursor)) if cursor else stmt
        batch = list(session.exec(step.order_by(*key).limit(_BATCH)))
        if not batch:
            break
        out += keep(batch)
        last = batch[-1]
        cursor = (last.confidence, last.id) if hasattr(last, "confidence") else (last.score, last.id)
        if len(batch) < _BATCH:
            break
    return out[:limit]


def _keep_values(session: Session):
    software = set(session.exec(_software_agents()))

    def keep(batch: list[Assertion]) -> list[Assertion]:
        mine = [a for a in batch if a.agent_id in software]
        docs = sorted({a.document_id for a in mine})
        spoken = set(session.exec(select(Assertion.document_id, Assertion.field).where(
            col(Assertion.document_id).in_(docs), col(Assertion.agent_id).not_in(software)))) if docs else set()
        judged = set(session.exec(select(Decision.document_id, Decision.field, Decision.value_json).where(
            Decision.subject == "value", col(Decision.document_id).in_(docs)))) if docs else set()
        return [a for a in mine if (a.document_id, a.field) not in spoken
                and (a.document_id, a.field, a.value_json) not in judged]
    return keep


def _keep_links(session: Session):
    def keep(batch: list[Citation]) -> list[Citation]:
        judged = citation_decisions(session, {c.document_id for c in batch})
        return [c for c in batch if (c.document_id, c.raw, c.target_document_id) not in judged]
    return keep


def _keep_relations(session: Session):
    def keep(batch: list[DocumentRelation]) -> list[DocumentRelation]:
        judged = relation_decisions(session, {r.document_id for r in batch})
        return [r for r in batch if (r.document_id, r.other_id) not in judged]
    return keep


_TITLES = select(Document.id, Document.title, Document.label).where(col(Document.id).in_(IDS))


def titles(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Document id -> its title (else its label), for those of the ids held."""
    out: dict[int, str] = {}
    for chunk in chunks(sorted(set(ids))):
        for i, title, label in session.connection().execute(_TITLES, {"ids": chunk}):
            out[i] = title or label
    return out


def review_queue(session: Session, kind: str, *, after: Optional[str] = None, limit: int = 50,
                 progress: bool = True) -> dict:
    """One page of the review queue, lowest confidence first (keyset: `after` is the previous page's
    `next`), read by index: a page costs the same at 100,000 documents. Values: those the software gave,
    live, about fields no person has spoken to and not judged; links: citations linked by the resolver and
    not judged; duplicates: relations not judged."""
    if kind not in REVIEW_KINDS:
        raise QueryError(f"no review queue {kind!r}: one of {', '.join(REVIEW_KINDS)}")
    cursor = parse_cursor(after)
    items: list[dict] = []
    if kind == "values":
        rows = _walk(session, select(Assertion).where(Assertion.superseded == False),  # noqa: E712
                     (Assertion.confidence, Assertion.id), cursor, _keep_values(session), limit)
        named = titles(session, (a.document_id for a in rows))
        for a in rows:
            version = session.exec(select(func.max(Assertion.id)).where(
                Assertion.document_id == a.document_id, Assertion.field == a.field)).one()
            items.append({"id": a.id, "document": a.document_id, "document_title": named.get(a.document_id),
                          "field": a.field, "value": json.loads(a.value_json), "confidence": a.confidence,
                          "method": a.method, "page": a.page, "evidence": a.evidence, "version": version,
                          "cursor": f"{a.confidence!r}:{a.id}"})
    elif kind == "links":
        rows = _walk(session, select(Citation).where(*_linked()), (Citation.confidence, Citation.id), cursor,
                     _keep_links(session), limit)
        named = titles(session, [c.document_id for c in rows] + [c.target_document_id for c in rows])
        for c in rows:
            items.append({"id": c.id, "document": c.document_id, "document_title": named.get(c.document_id),
                          "raw": c.raw, "page": c.page, "target": c.target_document_id,
                          "target_title": named.get(c.target_document_id), "confidence": c.confidence,
                          "evidence": c.match_evidence, "version": 0, "cursor": f"{c.confidence!r}:{c.id}"})
    else:
        rows = _walk(session, select(DocumentRelation), (DocumentRelation.score, DocumentRelation.id), cursor,
                     _keep_relations(session), limit)
        named = titles(session, [r.document_id for r in rows] + [r.other_id for r in rows])
        for r in rows:
            items.append({"id": r.id, "document": r.document_id, "document_title": named.get(r.document_id),
                          "other": r.other_id, "other_title": named.get(r.other_id), "kind": r.kind,
                          "score": r.score, "method": r.method, "version": 0, "cursor": f"{r.score!r}:{r.id}"})
    out = {"kind": kind, "items": items, "next": items[-1]["cursor"] if len(items) == limit else None}
    if progress:
        out["progress"] = review_progress(session)
    return out
