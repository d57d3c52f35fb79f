"""The catalogue as the report writers see it, read in a few batched queries (never one set per document)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import PurePath
from typing import Iterable, Iterator, Optional, Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from archive.store import reads
from archive.store.models import (
    Agent,
    Assertion,
    Citation,
    Document,
    DocumentRelation,
    Event,
    ExternalWork,
    Page,
    SourceFile,
)
from archive.store.vocabulary import FixityResult

# Large IN lists are split: SQLite caps bound parameters (32,766 on current builds, 999 on old ones).
_CHUNK = 500

# Order of the fixity states, worst first: a document's fixity is that of its worst file.
_FIXITY_RANK = {FixityResult.MISSING.value: 0, FixityResult.MODIFIED.value: 1, FixityResult.OK.value: 2}


@dataclass(frozen=True)
class PageSummary:
    """A page without its text or image, for indexes and the OCR-quality list."""

    number: int
    method: str
    confidence: Optional[float]
    engine: Optional[str]
    engine_version: Optional[str]
    has_thumbnail: bool
    text_length: int


@dataclass(frozen=True)
class Fixity:
    status: str  # ok | modified | missing | not checked
    checked_at: Optional[datetime]


def public_label(label: Optional[str]) -> str:
    """A document's label as a published catalogue shows it: the last part of the input path only
    (the label holds the path as given at ingest, which says where the scans sit on disk)."""
    label = (label or "").strip()
    return PurePath(label.rstrip("/\\")).name or label if label else ""


def _display_title(doc_id: int, title: Optional[str], label: Optional[str]) -> str:
    """The title, or for an untitled document its label: never an empty link text."""
    if title and title.strip():
        return title
    return f"(untitled) {public_label(label) or f'document {doc_id}'}"


@dataclass(frozen=True)
class DocRef:
    """Another document named from this catalogue; `held` when its page is in this catalogue."""

    id: int
    title: Optional[str]
    label: str
    held: bool

    @property
    def display(self) -> str:
        return _display_title(self.id, self.title, self.label)


@dataclass
class DocumentRecord:
    doc: Document
    authors: list[str] = field(default_factory=list)
    sources: list[SourceFile] = field(default_factory=list)
    pages: list[PageSummary] = field(default_factory=list)
    assertions: list[tuple[Assertion, Agent]] = field(default_factory=list)
    events: list[tuple[Event, Agent]] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)  # found in this document's text
    cited_by: list[Citation] = field(default_factory=list)  # other documents' citations of this one
    relations: list[DocumentRelation] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.doc.id

    @property
    def label(self) -> str:
        return public_label(self.doc.label)

    @property
    def display_title(self) -> str:
        return _display_title(self.doc.id, self.doc.title, self.doc.label)

    @property
    def fixity(self) -> Fixity:
        checked = [s for s in self.sources if s.last_fixity]
        if not self.sources or len(checked) < len(self.sources):
            # A file never checked since ingest leaves the document "not checked" unless a
            # checked file already failed: a failure is always worth showing.
            failed = [s for s in checked if s.last_fixity != FixityResult.OK]
            if not failed:
                return Fixity("not checked", max((s.last_fixity_at for s in checked if s.last_fixity_at),
                                                 default=None))
            checked = failed
        worst = min(checked, key=lambda s: _FIXITY_RANK.get(s.last_fixity, -1))
        return Fixity(worst.last_fixity, max((s.last_fixity_at for s in checked if s.last_fixity_at), default=None))

    def without_folders(self, text: str) -> str:
        """`text` (an event detail) with the folders of this document's files and input removed,
        so that a published catalogue names files but does not map the storage they sit in."""
        if not text:
            return text
        folders = set()
        for path in [s.path for s in self.sources] + [self.doc.label or ""]:
            parent = str(PurePath(path.rstrip("/")).parent)
            if path and parent not in (".", "/", ""):
                folders.add(parent.rstrip("/") + "/")
        for folder in sorted(folders, key=len, reverse=True):
            text = text.replace(folder, "")
        return text

    def current_assertions(self, field_name: str) -> list[tuple[Assertion, Agent]]:
        """The field's live (not superseded) assertions, the one matching the current value first."""
        live = [(a, who) for a, who in self.assertions if a.field == field_name and not a.superseded]
        current = _current_value(self.doc, self.authors, field_name)
        return sorted(live, key=lambda pair: (json.loads(pair[0].value_json) != current, -pair[0].confidence,
                                              pair[0].id))

    def superseded_assertions(self, field_name: str) -> list[tuple[Assertion, Agent]]:
        return [(a, who) for a, who in self.assertions if a.field == field_name and a.superseded]


def _current_value(doc: Document, authors: list[str], field_name: str):
    if field_name == "authors":
        return authors
    return getattr(doc, field_name, None)


@dataclass
class Catalog:
    """Everything the writers need except page text and images (see `iter_page_bodies`)."""

    documents: list[DocumentRecord]
    external_works: dict[int, ExternalWork]
    others: dict[int, DocRef]  # every document named by a citation or relation, held here or not
    generated_at: datetime
    filters: dict[str, str]

    def __post_init__(self) -> None:
        self.by_id = {r.id: r for r in self.documents}

    def ref(self, doc_id: Optional[int]) -> Optional[DocRef]:
        if doc_id is None:
            return None
        return self.others.get(doc_id) or DocRef(doc_id, None, f"document {doc_id}", doc_id in self.by_id)

    def ids(self) -> list[int]:
        return [r.id for r in self.documents]


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    ids = list(ids)
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]


def select_documents(session: Session, flt: reads.DocumentFilter = reads.DocumentFilter(),
                     query: Optional[str] = None) -> list[Document]:
    """The documents a report covers: the filter, narrowed by a full-text query when given."""
    docs = reads.list_documents(session, flt)
    if query:
        # The ids of the documents with a matching page, by the full-text index (no ranking, no snippets).
        within, params = reads.matching_documents(session, query)
        matched = set(session.exec(within, params=params))
        docs = [d for d in docs if d.id in matched]
    return docs


def load_catalog(session: Session, flt: reads.DocumentFilter = reads.DocumentFilter(),
                 query: Optional[str] = None, *, filters: Optional[dict[str, str]] = None) -> Catalog:
    docs = select_documents(session, flt, query)
    records = {d.id: DocumentRecord(doc=d, authors=reads.authors(d)) for d in docs}
    ids = list(records)
    for chunk in _chunks(ids):
        for src in session.exec(select(SourceFile).where(col(SourceFile.document_id).in_(chunk))
                                .order_by(SourceFile.document_id, SourceFile.sequence)):
            records[src.document_id].sources.append(src)
        page_rows = session.exec(
            select(Page.document_id, Page.number, Page.method, Page.confidence, Page.engine, Page.engine_version,
                   col(Page.thumbnail).is_not(None), func.length(Page.text))
            .where(col(Page.document_id).in_(chunk)).order_by(Page.document_id, Page.number))
        for doc_id, number, method, conf, engine, version, has_thumb, length in page_rows:
            records[doc_id].pages.append(PageSummary(number, method, conf, engine, version, bool(has_thumb),
                                                     int(length or 0)))
        for a, who in session.exec(select(Assertion, Agent).join(Agent, Agent.id == Assertion.agent_id)
                                   .where(col(Assertion.document_id).in_(chunk)).order_by(Assertion.id)):
            records[a.document_id].assertions.append((a, who))
        for ev, who in session.exec(select(Event, Agent).join(Agent, Agent.id == Event.agent_id)
                                    .where(col(Event.document_id).in_(chunk)).order_by(Event.time, Event.id)):
            records[ev.document_id].events.append((ev, who))
        for c in session.exec(select(Citation).where(col(Citation.document_id).in_(chunk))
                              .order_by(Citation.document_id, Citation.page, Citation.span_start, Citation.id)):
            records[c.document_id].citations.append(c)
        for c in session.exec(select(Citation).where(col(Citation.target_document_id).in_(chunk),
                                                     Citation.document_id != Citation.target_document_id)
                              .order_by(Citation.document_id, Citation.page, Citation.id)):
            records[c.target_document_id].cited_by.append(c)
        for rel in session.exec(select(DocumentRelation).where(
                col(DocumentRelation.document_id).in_(chunk) | col(DocumentRelation.other_id).in_(chunk))
                .order_by(DocumentRelation.id)):
            for end in (rel.document_id, rel.other_id):
                if end in records and rel not in records[end].relations:
                    records[end].relations.append(rel)

    work_ids: set[int] = set()
    named: set[int] = set()
    for r in records.values():
        for c in r.citations:
            if c.external_work_id is not None:
                work_ids.add(c.external_work_id)
            if c.target_document_id is not None:
                named.add(c.target_document_id)
        named.update(c.document_id for c in r.cited_by)
        for rel in r.relations:
            named.update((rel.document_id, rel.other_id, *( [rel.canonical_id] if rel.canonical_id else [])))
    works: dict[int, ExternalWork] = {}
    for chunk in _chunks(sorted(work_ids)):
        works.update({w.id: w for w in session.exec(select(ExternalWork).where(col(ExternalWork.id).in_(chunk)))})
    others: dict[int, DocRef] = {}
    for chunk in _chunks(sorted(named)):
        for doc_id, title, label in session.exec(select(Document.id, Document.title, Document.label)
                                                 .where(col(Document.id).in_(chunk))):
            others[doc_id] = DocRef(doc_id, title, label, doc_id in records)
    return Catalog(documents=[records[i] for i in ids], external_works=works, others=others,
                   generated_at=datetime.now(timezone.utc), filters=dict(filters or {}))


@dataclass(frozen=True)
class PageBody:
    """A page's text and thumbnail (small JPEG bytes, when the ingest made one)."""

    document_id: int
    number: int
    method: str
    confidence: Optional[float]
    text: str
    thumbnail: Optional[bytes]


def iter_page_bodies(session: Session, doc_ids: Iterable[int], *, thumbnails: bool = True
                     ) -> Iterator[tuple[int, list[PageBody]]]:
    """(document id, its pages with text and thumbnail) in the order of `doc_ids`, one query per
    chunk of documents, so that a large catalogue never holds every page image at once."""
    thumb = Page.thumbnail if thumbnails else None
    for chunk in _chunks(list(doc_ids)):
        columns = [Page.document_id, Page.number, Page.method, Page.confidence, Page.text]
        stmt = select(*columns, *([thumb] if thumb is not None else [])).where(
            col(Page.document_id).in_(chunk)).order_by(Page.document_id, Page.number)
        by_doc: dict[int, list[PageBody]] = defaultdict(list)
        for row in session.exec(stmt):
            image = row[5] if thumb is not None else None
            by_doc[row[0]].append(PageBody(row[0], row[1], row[2], row[3], row[4] or "",
                                           bytes(image) if image is not None else None))
        for doc_id in chunk:
            yield doc_id, by_doc.pop(doc_id, [])
