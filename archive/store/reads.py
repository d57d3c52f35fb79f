"""Reads from the archive: documents, pages, events, full-text search and the JSON export contract."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional

from sqlalchemy import func, text
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from archive.errors import NotFound, QueryError
from archive.store import layout
from archive.store.models import (
    Agent,
    Assertion,
    Citation,
    Document,
    DocumentRelation,
    Event,
    ExternalWork,
    Page,
    PageLayout,
    SourceFile,
)

# Ids per IN (...) list: within every backend's limit on bound parameters (SQLite: 32,766 on current
# builds, 999 on old ones).
IDS_PER_STATEMENT = 500


def chunks(items: Iterable, n: int = IDS_PER_STATEMENT) -> Iterator[list]:
    """The items a few hundred at a time, for IN (...) lists."""
    items = list(items)
    for start in range(0, len(items), n):
        yield items[start:start + n]


def get_document(session: Session, ref: str | int) -> Document:
    """A document by its id (as given on the command line)."""
    try:
        doc_id = int(str(ref).strip())
    except ValueError:
        raise NotFound(f"no document {ref!r}: document ids are numbers (see `archive list`)") from None
    doc = session.get(Document, doc_id)
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


# Orders a catalogue may be sorted in: each on an indexed column (or the key), so a page of 100,000
# documents is read by index, not sorted in full.
SORTS = {"id": Document.id, "date": Document.date, "organization": Document.organization,
         "publisher": Document.publisher}


def _filtered(stmt, flt: DocumentFilter):
    for column, value in ((Document.organization, flt.organization), (Document.publisher, flt.publisher),
                          (Document.place, flt.place)):
        if value:
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


def facet_counts(session: Session, flt: DocumentFilter = DocumentFilter(), *, limit: int = 15) -> dict[str, list]:
    """For each facet field, its most frequent values among the filtered documents, with counts
    (one GROUP BY per field: grows with the filtered documents, not with anything else)."""
    out: dict[str, list] = {}
    for name, column in FACETS.items():
        stmt = _filtered(select(column, func.count()).where(col(column).is_not(None)), flt)
        stmt = stmt.group_by(column).order_by(func.count().desc(), column).limit(limit)
        out[name] = [[value, n] for value, n in session.exec(stmt)]
    return out


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def pages(session: Session, doc_id: int) -> list[Page]:
    return list(session.exec(select(Page).where(Page.document_id == doc_id).order_by(Page.number)))


def page_ids(session: Session, doc_id: int) -> list[int]:
    """The document's page ids in page order, without reading the pages."""
    return list(session.exec(select(Page.id).where(Page.document_id == doc_id).order_by(Page.number)))


def page_layout(session: Session, page_id: int) -> Optional[layout.Layout]:
    """The page's lines and words with their boxes; None for a page read before layouts were kept
    (schema revision 0005) or with no text."""
    row = session.get(PageLayout, page_id)
    return layout.decode(row.data) if row is not None else None


def source_files(session: Session, doc_id: Optional[int] = None) -> list[SourceFile]:
    stmt = select(SourceFile).order_by(SourceFile.document_id, SourceFile.sequence)
    if doc_id is not None:
        stmt = stmt.where(SourceFile.document_id == doc_id)
    return list(session.exec(stmt))


def events(session: Session, doc_id: Optional[int] = None, *, failures_only: bool = False) -> list[tuple[Event, Agent]]:
    """Provenance events, oldest first, with their agents."""
    stmt = select(Event, Agent).join(Agent, Agent.id == Event.agent_id).order_by(Event.time, Event.id)
    if doc_id is not None:
        stmt = stmt.where(Event.document_id == doc_id)
    if failures_only:
        stmt = stmt.where(Event.outcome == "failure", col(Event.document_id).is_(None))
    return list(session.exec(stmt))


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
    and a clear message for an empty or absurdly long query."""
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in query or "")
    if not cleaned.strip():
        raise QueryError("empty search query")
    if len(cleaned) > MAX_QUERY_CHARS:
        raise QueryError(f"search query too long ({len(cleaned)} characters; at most {MAX_QUERY_CHARS})")
    return cleaned


def search(session: Session, query: str, *, limit: int = 20, doc_ids: Optional[Iterable[int]] = None) -> list[Hit]:
    """Ranked full-text search over page text: SQLite FTS5, or PostgreSQL's tsvector search."""
    query = _clean_query(query)
    dialect = session.get_bind().dialect.name
    allowed = set(doc_ids) if doc_ids is not None else None
    if not parse_query(query)[0]:
        raise QueryError(f"the query {query!r} has no searchable words (excluded words alone match nothing)")
    if dialect == "sqlite":
        match = fts5_query(query)
        rows = session.exec(text(
            "SELECT p.document_id, d.title, p.number, "
            "snippet(page_fts, 0, '[', ']', '…', 12) AS snip, bm25(page_fts) AS rank "
            "FROM page_fts JOIN page p ON p.id = page_fts.rowid JOIN document d ON d.id = p.document_id "
            "WHERE page_fts MATCH :q ORDER BY rank LIMIT :lim"
        ).bindparams(q=match, lim=limit * 5 if allowed is not None else limit)).all()
        hits = [Hit(r[0], r[1], r[2], r[3], -float(r[4])) for r in rows]
    else:
        # Rank on the stored vector (migration 0004), then build snippets for the top pages only:
        # ts_headline re-parses the page text, which is what made ranking slow before.
        rows = session.exec(text(
            "WITH q AS (SELECT websearch_to_tsquery('english', :q) AS q), "
            "top AS (SELECT p.id, ts_rank(p.fts_english, q.q) AS rank FROM page p, q "
            "WHERE p.fts_english @@ q.q ORDER BY rank DESC, p.document_id, p.number LIMIT :lim) "
            "SELECT p.document_id, d.title, p.number, "
            "ts_headline('english', p.text, q.q, 'StartSel=[,StopSel=],MaxWords=24,MinWords=8') AS snip, "
            "top.rank FROM top JOIN page p ON p.id = top.id JOIN document d ON d.id = p.document_id, q "
            "ORDER BY top.rank DESC, p.document_id, p.number"
        ).bindparams(q=query, lim=limit * 5 if allowed is not None else limit)).all()
        hits = [Hit(r[0], r[1], r[2], " ".join(r[3].split()), float(r[4])) for r in rows]
    if allowed is not None:
        hits = [h for h in hits if h.document_id in allowed]
    return hits[:limit]


# --- the JSON export contract -----------------------------------------------------------

def authors(doc: Document) -> list[str]:
    return json.loads(doc.authors_json or "[]")


def document_json(session: Session, doc: Document, *, include_text: bool = True) -> dict:
    """One document in the export contract's shape (keys are stable; new keys may be added)."""
    srcs = source_files(session, doc.id)
    pgs = pages(session, doc.id)
    cites = list(session.exec(select(Citation).where(Citation.document_id == doc.id)
                              .order_by(Citation.page, Citation.span_start, Citation.id)))
    cited_by = sorted(set(session.exec(select(Citation.document_id).where(
        Citation.target_document_id == doc.id, Citation.document_id != doc.id))))
    rels = list(session.exec(select(DocumentRelation).where(
        (DocumentRelation.document_id == doc.id) | (DocumentRelation.other_id == doc.id))))
    asserts = list(session.exec(select(Assertion, Agent).join(Agent, Agent.id == Assertion.agent_id)
                                .where(Assertion.document_id == doc.id).order_by(Assertion.id)))
    provenance: dict[str, list[dict]] = {}
    for a, who in asserts:
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
    return list(session.exec(select(Citation).where(Citation.document_id == doc_id)
                             .order_by(Citation.page, Citation.span_start, Citation.id)))


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
    stmt = select(DocumentRelation).order_by(DocumentRelation.document_id, DocumentRelation.other_id,
                                             DocumentRelation.id)
    if doc_ids is None:
        return list(session.exec(stmt))
    found: dict[int, DocumentRelation] = {}
    for chunk in chunks(sorted(set(doc_ids))):
        for rel in session.exec(stmt.where(col(DocumentRelation.document_id).in_(chunk)
                                           | col(DocumentRelation.other_id).in_(chunk))):
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
