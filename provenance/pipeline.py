"""The provenance stage after ingest: describe documents, then link the archive."""

from __future__ import annotations

from typing import Callable, Optional

from sqlalchemy.engine import Engine

from sqlmodel import Session, col, select

from archive import queries
from archive.db import session_scope
from archive.models import Document, Event, EventType
from provenance import extract, linking, samework

Progress = Callable[[str, int, int], None]


def describe(engine: Engine, doc_ids: list[int], progress: Optional[Progress] = None, *,
             metadata: bool = True, citations: bool = True) -> dict:
    """Metadata and citations for each document (one transaction each), then archive-wide
    citation resolution and duplicate detection, so that order of arrival never matters."""
    for i, doc_id in enumerate(doc_ids):
        if progress:
            progress("metadata and citations", i, len(doc_ids))
        with session_scope(engine) as session:
            doc = queries.get_document(session, doc_id)
            pages = extract.page_texts(session, doc_id)
            if metadata:
                extract.extract_metadata(session, doc, pages)
            if citations:
                extract.extract_citations(session, doc, pages)
    if progress:
        progress("metadata and citations", len(doc_ids), len(doc_ids))
    duplicates = linking.find_duplicates(engine, doc_ids)
    samework.share_metadata(engine)
    links = linking.relink(engine, progress)
    return {"documents": len(doc_ids), "duplicates": len(duplicates), **links}


def undescribed(engine: Engine) -> list[int]:
    """Documents that were committed but never described (an ingest killed between the two)."""
    with Session(engine) as session:
        described = select(Event.document_id).where(Event.type == EventType.METADATA_EXTRACTION.value,
                                                    col(Event.document_id).is_not(None))
        return list(session.exec(select(Document.id).where(col(Document.id).not_in(described))
                                 .order_by(Document.id)))
