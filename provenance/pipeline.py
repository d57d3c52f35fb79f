"""The provenance stage, the steps that write: the one entry (update) that ingest, `extract`, `relink`
and `set` all use. It describes documents (field assertions with evidence, and citations, each with
its event), then detects their copies, shares metadata between copies, and resolves citations.

Each step costs what changed: the new or changed documents, the copies of their works, and the
citations their keys reach (provenance.matching.linking, provenance.matching.duplicates); `archive
relink` with no documents redoes the whole archive, still by index.
"""

from __future__ import annotations

import json
from typing import Callable, Iterable, Optional

from sqlalchemy import update as sa_update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from archive import __version__
from archive.store import reads, writes
from archive.store.db import read_session, session_scope
from archive.store.models import AgentKind, Citation, Document, EventType, Outcome, utcnow
from archive.store.reads import chunks
from provenance import citations as citation_finder
from provenance import metadata as metadata_extractor
from provenance.matching import blocking, duplicates, linking, samework

Progress = Callable[[str, int, int], None]


def backfill(engine: Engine, exclude: Iterable[int] = (), progress: Optional[Progress] = None) -> int:
    """Build the keys of described documents that have none or keys from older rules (an archive made
    before them): their links and relations were already decided, so only the keys are written. A document
    not yet described is left to the stage that describes it (an ingest in progress in another process):
    otherwise whoever updated next, a person's edit among them, would do that ingest's work."""
    skip = set(exclude)
    with read_session(engine) as session:
        stale = sorted(d for d in session.exec(_UNINDEXED_DESCRIBED) if d not in skip)
    for start in range(0, len(stale), 200):
        if progress:
            progress("indexing", start, len(stale))
        chunk = stale[start:start + 200]
        with Session(engine) as session:
            signatures = duplicates.text_signatures(session, chunk)
            index = linking.document_index(session, chunk)
        with session_scope(engine) as session:
            duplicates.store_signatures(session, signatures)
            linking.store_index(session, index)
            _mark(session, chunk, described=False)
    if progress and stale:
        progress("indexing", len(stale), len(stale))
    return len(stale)


def _mark(session: Session, doc_ids: list[int], *, described: bool) -> None:
    """Record that these documents' keys are current (and, after the whole stage, that they are described)."""
    now = utcnow()
    for chunk in chunks(doc_ids):
        session.exec(sa_update(Document).where(col(Document.id).in_(chunk)).values(keys_version=blocking.KEYS_VERSION))
        if described:
            session.exec(sa_update(Document).where(col(Document.id).in_(chunk), col(Document.described_at).is_(None))
                         .values(described_at=now))


# No ORDER BY (the ids are sorted after): with one, SQLite walks the whole table in id order instead
# of reading the keys_version index: 10 ms at 10,000 documents on every update, growing with the archive.
UNINDEXED = select(Document.id).where(
    col(Document.keys_version).is_(None) | (col(Document.keys_version) < blocking.KEYS_VERSION))


_UNINDEXED_DESCRIBED = UNINDEXED.where(col(Document.described_at).is_not(None))
_UNINDEXED_AMONG = UNINDEXED.where(col(Document.id).in_(reads.IDS)).limit(1)


def _unindexed(session: Session) -> list[int]:
    return sorted(session.exec(UNINDEXED))


def update(engine: Engine, doc_ids: Optional[list[int]], progress: Optional[Progress] = None, *,
           extract_values: bool = True, metadata: bool = True, citations: bool = True,
           exhaustive: bool = False, fields: Optional[Iterable[str]] = None) -> dict:
    """The provenance stage for these documents (every document when None):
    - extract_values: metadata and citations extracted anew (one transaction per document); without it
      only what follows from their current values (after a person's `set`; `fields`: the fields it
      changed, when known, so that links are redone only if the resolver reads one of them);
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
            # Extracted before the write transaction, which only writes: on SQLite it holds the archive's one
            # writer lock, and a person's edit waits for it. A document's pages never change once written.
            with Session(engine) as session:
                pages = page_texts(session, doc_id)
                values = extracted_metadata(session, doc_id, pages) if metadata else []
            found = citation_finder.find_citations(pages) if citations else []
            with session_scope(engine) as session:
                doc = reads.get_document(session, doc_id, with_text=False)
                if metadata:
                    record_metadata(session, doc, values)
                if citations:
                    removed_creators |= linking.creator_keys_of(session, doc_id)
                    record_citations(session, doc, found)
        if progress:
            progress("metadata and citations", len(ids), len(ids))
    whole = doc_ids is None
    dups: list = []
    if extract_values or whole:
        with Session(engine) as session:
            signatures = duplicates.text_signatures(session, sorted(set(_unindexed(session)) & set(ids)))
        with session_scope(engine) as session:
            duplicates.store_signatures(session, signatures)   # new texts
        dups = duplicates.find_duplicates(engine, None if whole else ids, exhaustive=exhaustive)
    changed = samework.share_metadata(engine, None if whole else ids)
    links = linking.relink(engine, None if whole else sorted(set(ids) | changed), progress,
                           creators=removed_creators, exhaustive=exhaustive,
                           fields=None if extract_values else fields)
    if extract_values or _stale(engine, ids):  # (an edit's documents have current keys: no write to say so)
        with session_scope(engine) as session:
            _mark(session, ids, described=extract_values)
    return {"documents": len(ids), "duplicates": len(dups), **links}


def _stale(engine: Engine, doc_ids: list[int]) -> bool:
    """Whether any of these documents has keys of older rules (or none)."""
    with read_session(engine) as session:
        return any(session.exec(_UNINDEXED_AMONG, params={"ids": chunk}).first() is not None
                   for chunk in chunks(doc_ids))


def describe(engine: Engine, doc_ids: list[int], progress: Optional[Progress] = None, *,
             metadata: bool = True, citations: bool = True) -> dict:
    """Metadata and citations for each document, then its copies and links (see update)."""
    return update(engine, doc_ids, progress, metadata=metadata, citations=citations)


def undescribed(engine: Engine) -> list[int]:
    """Documents that were committed but never described (an ingest killed before the stage ended)."""
    with Session(engine) as session:
        return list(session.exec(select(Document.id).where(col(Document.described_at).is_(None))
                                 .order_by(Document.id)))


# --- per-document extraction into the store: field assertions with evidence, and citations ---------
def metadata_agent(session: Session):
    return writes.agent(session, AgentKind.SOFTWARE, "archive-tracker metadata extractor",
                       f"{__version__}/{metadata_extractor.EXTRACTOR_VERSION}")


def citation_agent(session: Session):
    return writes.agent(session, AgentKind.SOFTWARE, "archive-tracker citation finder",
                       f"{__version__}/{citation_finder.FINDER_VERSION}")


def extracted_metadata(session: Session, doc_id: int, pages: list[str]) -> list:
    """The metadata extractor's values for a document's pages (read only: see record_metadata)."""
    return metadata_extractor.extract_metadata(pages, layouts=layouts_read(session, doc_id, len(pages)))


def record_metadata(session: Session, doc: Document, values: list) -> list[str]:
    """Replace this software's earlier assertions with a fresh extraction's values; a person's assertions
    are untouched and keep outranking it. Returns the fields whose current value changed."""
    who = metadata_agent(session)
    writes.supersede_software_assertions(session, doc.id)
    for v in values:
        ev = v.evidence
        writes.add_assertion(session, doc, v.field, v.value, who, method=v.method, confidence=v.confidence,
                            normalized=v.normalized, qualifiers=dict(v.qualifiers or {}),
                            page=ev.page if ev else None, span=(ev.start, ev.end) if ev else None,
                            evidence=ev.text if ev else None, box=ev.box if ev else None)
    found = ", ".join(f"{v.field}={json.dumps(v.value, ensure_ascii=False)}" for v in values) or "no field stated"
    writes.event(session, EventType.METADATA_EXTRACTION, who, Outcome.SUCCESS,
                f"{len(values)} assertions: {found}", document_id=doc.id)
    return writes.refresh_metadata(session, doc)


# Description reads the type of the first pages (the title block) and of the last (a colophon); the
# layouts of the pages between are not read, so a long document costs what a short one does.
_LAYOUT_PAGES_FRONT = 3


def layouts_read(session: Session, doc_id: int, count: int) -> list:
    """The stored layouts of the pages description reads the type of (None for every other page)."""
    ids = reads.page_ids(session, doc_id)
    wanted = set(range(min(_LAYOUT_PAGES_FRONT, len(ids)))) | ({len(ids) - 1} if ids else set())
    found = reads.page_layouts(session, [ids[k] for k in wanted if k < count])
    return [found.get(ids[k]) if k in wanted else None for k in range(count)]


def record_citations(session: Session, doc: Document, found: list) -> list[Citation]:
    """Replace the document's citations by a fresh extraction's (citation_finder.find_citations; links are
    made by relink)."""
    who = citation_agent(session)
    rows = [Citation(document_id=doc.id, page=f.page, kind=f.kind, raw=f.raw, author=f.author, title=f.title,
                     year=f.year, locator=f.locator, note_number=f.note_number, place=f.place,
                     publisher=f.publisher, span_start=f.start, span_end=f.end) for f in found]
    writes.replace_citations(session, doc.id, rows)
    for f, row in zip(found, rows):
        if f.entry_index is not None and 0 <= f.entry_index < len(rows) and rows[f.entry_index] is not row:
            row.entry_id = rows[f.entry_index].id
            session.add(row)
    kinds = {k: sum(1 for f in found if f.kind == k) for k in ("in-text", "note", "bibliography")}
    writes.event(session, EventType.CITATION_EXTRACTION, who, Outcome.SUCCESS,
                f"{len(found)} citations found ({', '.join(f'{n} {k}' for k, n in kinds.items())})",
                document_id=doc.id)
    return rows


def page_texts(session: Session, doc_id: int) -> list[str]:
    return [p.text for p in reads.pages(session, doc_id)]
