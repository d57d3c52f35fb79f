"""The provenance stage, the one entry that ingest, `extract`, `relink` and `set` all use: describe
documents, then detect their copies, share metadata between copies, and resolve citations.

Each step costs what changed: the new or changed documents, the copies of their works, and the
citations their keys reach (provenance.linking, provenance.duplicates); `archive relink` with no
documents redoes the whole archive, still by index.
"""

from __future__ import annotations

from typing import Callable, Iterable, Optional

from sqlalchemy import update as sa_update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from archive import queries
from archive.db import session_scope
from archive.models import Document, utcnow
from provenance import blocking, duplicates, extract, linking, samework

Progress = Callable[[str, int, int], None]


def backfill(engine: Engine, exclude: Iterable[int] = (), progress: Optional[Progress] = None) -> int:
    """Build the keys of documents that have none or keys from older rules (an archive made before
    them): their links and relations were already decided, so only the keys are written."""
    skip = set(exclude)
    with Session(engine) as session:
        stale = [d for d in _unindexed(session) if d not in skip]
    for start in range(0, len(stale), 200):
        if progress:
            progress("indexing", start, len(stale))
        with session_scope(engine) as session:
            chunk = stale[start:start + 200]
            duplicates.index_texts(session, chunk)
            linking.index_documents(session, chunk)
            _mark(session, chunk, described=False)
    return len(stale)


def _mark(session: Session, doc_ids: list[int], *, described: bool) -> None:
    """Record that these documents' keys are current (and, after the whole stage, that they are described)."""
    now = utcnow()
    for chunk in linking.chunks(doc_ids):
        session.exec(sa_update(Document).where(col(Document.id).in_(chunk)).values(keys_version=blocking.KEYS_VERSION))
        if described:
            session.exec(sa_update(Document).where(col(Document.id).in_(chunk), col(Document.described_at).is_(None))
                         .values(described_at=now))


def _unindexed(session: Session) -> list[int]:
    return list(session.exec(select(Document.id).where(
        col(Document.keys_version).is_(None) | (col(Document.keys_version) < blocking.KEYS_VERSION))
        .order_by(Document.id)))


def update(engine: Engine, doc_ids: Optional[list[int]], progress: Optional[Progress] = None, *,
           extract_values: bool = True, metadata: bool = True, citations: bool = True,
           exhaustive: bool = False) -> dict:
    """The provenance stage for these documents (every document when None):
    - extract_values: metadata and citations extracted anew (one transaction per document); without it
      only what follows from their current values (after a person's `set`);
    - then rescans and near-duplicates of them, metadata shared between copies of one work, and
      citation resolution over what their arrival or change can affect.
    Order of arrival never matters: a document is matched against everything already held, and what
    is held is matched against it."""
    backfill(engine, exclude=doc_ids or (), progress=progress)
    with Session(engine) as session:
        ids = doc_ids if doc_ids is not None else list(session.exec(select(Document.id).order_by(Document.id)))
    removed_creators: set[str] = set()
    if extract_values:
        for i, doc_id in enumerate(ids):
            if progress:
                progress("metadata and citations", i, len(ids))
            with session_scope(engine) as session:
                doc = queries.get_document(session, doc_id)
                pages = extract.page_texts(session, doc_id)
                if metadata:
                    extract.extract_metadata(session, doc, pages)
                if citations:
                    removed_creators |= linking.creator_keys_of(session, doc_id)
                    extract.extract_citations(session, doc, pages)
        if progress:
            progress("metadata and citations", len(ids), len(ids))
    whole = doc_ids is None
    dups: list = []
    if extract_values or whole:
        with session_scope(engine) as session:
            duplicates.index_texts(session, sorted(set(_unindexed(session)) & set(ids)))   # new texts
        dups = duplicates.find_duplicates(engine, None if whole else ids, exhaustive=exhaustive)
    changed = samework.share_metadata(engine, None if whole else ids)
    links = linking.relink(engine, None if whole else sorted(set(ids) | changed), progress,
                           creators=removed_creators, exhaustive=exhaustive)
    with session_scope(engine) as session:
        _mark(session, ids, described=extract_values)
    return {"documents": len(ids), "duplicates": len(dups), **links}


def describe(engine: Engine, doc_ids: list[int], progress: Optional[Progress] = None, *,
             metadata: bool = True, citations: bool = True) -> dict:
    """Metadata and citations for each document, then its copies and links (see update)."""
    return update(engine, doc_ids, progress, metadata=metadata, citations=citations)


def undescribed(engine: Engine) -> list[int]:
    """Documents that were committed but never described (an ingest killed before the stage ended)."""
    with Session(engine) as session:
        return list(session.exec(select(Document.id).where(col(Document.described_at).is_(None))
                                 .order_by(Document.id)))
