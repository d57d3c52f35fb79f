"""Per-document extraction into the store: field assertions with evidence, and citations."""

from __future__ import annotations

import json

from sqlmodel import Session

from archive import __version__, queries, store
from archive.models import AgentKind, Citation, Document, EventType, Outcome
from provenance import citations as citation_finder
from provenance import metadata as metadata_extractor


def metadata_agent(session: Session):
    return store.agent(session, AgentKind.SOFTWARE, "archive-tracker metadata extractor",
                       f"{__version__}/{metadata_extractor.EXTRACTOR_VERSION}")


def citation_agent(session: Session):
    return store.agent(session, AgentKind.SOFTWARE, "archive-tracker citation finder",
                       f"{__version__}/{citation_finder.FINDER_VERSION}")


def extract_metadata(session: Session, doc: Document, pages: list[str]) -> list[str]:
    """Replace this software's earlier assertions with a fresh extraction; a person's assertions
    are untouched and keep outranking it. Returns the fields whose current value changed."""
    who = metadata_agent(session)
    store.supersede_software_assertions(session, doc.id)
    values = metadata_extractor.extract_metadata(pages)
    for v in values:
        ev = v.evidence
        store.add_assertion(session, doc, v.field, v.value, who, method=v.method, confidence=v.confidence,
                            normalized=v.normalized, qualifiers=dict(v.qualifiers or {}),
                            page=ev.page if ev else None, span=(ev.start, ev.end) if ev else None,
                            evidence=ev.text if ev else None)
    found = ", ".join(f"{v.field}={json.dumps(v.value, ensure_ascii=False)}" for v in values) or "no field stated"
    store.event(session, EventType.METADATA_EXTRACTION, who, Outcome.SUCCESS,
                f"{len(values)} assertions: {found}", document_id=doc.id)
    return store.refresh_metadata(session, doc)


def extract_citations(session: Session, doc: Document, pages: list[str]) -> list[Citation]:
    """Replace the document's citations by a fresh extraction (links are made by relink)."""
    who = citation_agent(session)
    found = citation_finder.find_citations(pages)
    rows = [Citation(document_id=doc.id, page=f.page, kind=f.kind, raw=f.raw, author=f.author, title=f.title,
                     year=f.year, locator=f.locator, note_number=f.note_number, place=f.place,
                     publisher=f.publisher, span_start=f.start, span_end=f.end) for f in found]
    store.replace_citations(session, doc.id, rows)
    for f, row in zip(found, rows):
        if f.entry_index is not None and 0 <= f.entry_index < len(rows) and rows[f.entry_index] is not row:
            row.entry_id = rows[f.entry_index].id
            session.add(row)
    kinds = {k: sum(1 for f in found if f.kind == k) for k in ("in-text", "note", "bibliography")}
    store.event(session, EventType.CITATION_EXTRACTION, who, Outcome.SUCCESS,
                f"{len(found)} citations found ({', '.join(f'{n} {k}' for k, n in kinds.items())})",
                document_id=doc.id)
    return rows


def page_texts(session: Session, doc_id: int) -> list[str]:
    return [p.text for p in queries.pages(session, doc_id)]
