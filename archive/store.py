"""Writes to the archive: each change together with its provenance event, in the caller's transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Iterable, Optional

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from archive import __version__
from archive.models import (
    Agent, AgentKind, Document, Event, EventType, Outcome, Page, SourceFile, utcnow,
)

PROJECT_AGENT = "archive-tracker"


def agent(session: Session, kind: AgentKind | str, name: str, version: str = "", note: str | None = None) -> Agent:
    """Get or create an agent. Safe under concurrent writers (the unique constraint decides)."""
    kind = AgentKind(kind).value
    stmt = select(Agent).where(Agent.kind == kind, Agent.name == name, Agent.version == version)
    found = session.exec(stmt).first()
    if found:
        return found
    try:
        with session.begin_nested():
            new = Agent(kind=kind, name=name, version=version, note=note)
            session.add(new)
    except IntegrityError:
        return session.exec(stmt).one()
    return new


def project_agent(session: Session) -> Agent:
    return agent(session, AgentKind.SOFTWARE, PROJECT_AGENT, __version__)


def person(session: Session, name: str) -> Agent:
    return agent(session, AgentKind.PERSON, name.strip())


def event(session: Session, type: EventType | str, who: Agent, outcome: Outcome | str = Outcome.SUCCESS,
          detail: str = "", *, document_id: Optional[int] = None, source_file_id: Optional[int] = None,
          page_number: Optional[int] = None, path: Optional[str] = None, time: Optional[datetime] = None) -> Event:
    ev = Event(type=EventType(type).value, agent_id=who.id, outcome=Outcome(outcome).value, detail=detail,
               document_id=document_id, source_file_id=source_file_id, page_number=page_number, path=path,
               time=time or utcnow())
    session.add(ev)
    return ev


def add_document(session: Session, document: Document, sources: list[SourceFile],
                 pages: list[tuple[Page, int, Agent, str, str]], events: Iterable[tuple[str, Agent, str, str, Optional[int]]]) -> Document:
    """Insert a document with its source files, pages and events. `pages` holds
    (page, source sequence, agent, outcome, event detail); `events` holds (type, agent, outcome, detail,
    source sequence or None). Raises IntegrityError when the same input was committed meanwhile."""
    session.add(document)
    session.flush()  # the fingerprint's unique constraint speaks here
    by_seq: dict[int, SourceFile] = {}
    for src in sources:
        src.document_id = document.id
        session.add(src)
        by_seq[src.sequence] = src
    session.flush()
    for type_, who, outcome, detail, seq in events:
        event(session, type_, who, outcome, detail, document_id=document.id,
              source_file_id=by_seq[seq].id if seq is not None else None)
    for page, seq, who, outcome, detail in pages:
        page.document_id = document.id
        page.source_file_id = by_seq[seq].id
        session.add(page)
        etype = EventType.OCR if page.engine == "Tesseract" else EventType.TEXT_EXTRACTION
        event(session, etype, who, outcome, detail, document_id=document.id,
              source_file_id=by_seq[seq].id, page_number=page.number)
    session.flush()
    return document


def record_failure(session: Session, path: str, reason: str, stage: str = "ingestion") -> Event:
    """A failed ingestion: no document, the input path and the one-line reason."""
    return event(session, EventType.INGESTION, project_agent(session), Outcome.FAILURE,
                 f"{stage} failed: {reason}", path=path)


def record_fixity(session: Session, source: SourceFile, status: str, detail: str) -> Event:
    source.last_fixity = status
    source.last_fixity_at = utcnow()
    session.add(source)
    return event(session, EventType.FIXITY_CHECK, project_agent(session),
                 Outcome.SUCCESS if status == "ok" else Outcome.FAILURE, detail,
                 document_id=source.document_id, source_file_id=source.id)


def set_authors(document: Document, authors: list[str]) -> None:
    document.authors_json = json.dumps(authors, ensure_ascii=False)
