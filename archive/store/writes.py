"""Writes to the archive: each change together with its provenance event, in the caller's transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Iterable, Optional

from sqlalchemy import bindparam, delete, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from archive import __version__
from archive.errors import UsageError
from archive.store import layout
from archive.store.fields import METADATA_FIELDS
from archive.store.models import (
    Agent,
    AgentKind,
    Assertion,
    Citation,
    CitationKey,
    Decision,
    DecisionSubject,
    Document,
    DocumentKey,
    DocumentRelation,
    Event,
    EventType,
    ExternalWork,
    Outcome,
    Page,
    PageLayout,
    SimilarityKey,
    SourceFile,
    Verdict,
    utcnow,
)
from archive.store.reads import assertions_with_agents, chunks, rejected_values

PROJECT_AGENT = "archive-tracker"


def _get_or_create(session: Session, stmt, make, params: Optional[dict] = None):
    """The row `stmt` (with `params`) finds, or a new one from `make()`. Safe under concurrent writers: the
    unique constraint decides, and the loser reads the winner's row."""
    found = session.exec(stmt, params=params).first()
    if found:
        return found
    try:
        with session.begin_nested():
            new = make()
            session.add(new)
    except IntegrityError:
        return session.exec(stmt, params=params).one()
    return new


# Looked up by every edit and every stage: built once (building a select costs more than running it).
_AGENT = select(Agent).where(Agent.kind == bindparam("kind"), Agent.name == bindparam("name"),
                             Agent.version == bindparam("version"))


def agent(session: Session, kind: AgentKind | str, name: str, version: str = "", note: str | None = None) -> Agent:
    """Get or create an agent: software with its version, or a person."""
    kind = AgentKind(kind).value
    return _get_or_create(session, _AGENT, lambda: Agent(kind=kind, name=name, version=version, note=note),
                          {"kind": kind, "name": name, "version": version})


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
                 pages: list[tuple[Page, int, Agent, str, str]],
                 events: Iterable[tuple[str, Agent, str, str, Optional[int]]],
                 layouts: Optional[dict[int, bytes]] = None) -> Document:
    """Insert a document with its source files, pages and events. `pages` holds
    (page, source sequence, agent, outcome, event detail); `events` holds (type, agent, outcome, detail,
    source sequence or None); `layouts` the encoded layout (archive.store.layout) by page number.
    Raises IntegrityError when the same input was committed meanwhile."""
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
    for page, *_ in pages:
        blob = (layouts or {}).get(page.number)
        if blob is not None:
            session.add(PageLayout(page_id=page.id, version=layout.LAYOUT_VERSION, source=layout.decode(blob).source,
                                   data=blob))
    session.flush()
    return document


def record_failure(session: Session, path: str, reason: str, stage: str = "ingestion") -> Event:
    """A failed ingestion: no document, the input path and the one-line reason."""
    return event(session, EventType.INGESTION, project_agent(session), Outcome.FAILURE,
                 f"{stage} failed: {reason}", path=path)


def record_fixity(session: Session, source: SourceFile, status: str, detail: str, who: Agent | None = None) -> Event:
    """`who` defaults to this program's agent; an audit of many files passes it once."""
    source.last_fixity = status
    source.last_fixity_at = utcnow()
    session.add(source)
    return event(session, EventType.FIXITY_CHECK, who or project_agent(session),
                 Outcome.SUCCESS if status == "ok" else Outcome.FAILURE, detail,
                 document_id=source.document_id, source_file_id=source.id)


def set_authors(document: Document, authors: list[str]) -> None:
    document.authors_json = json.dumps(authors, ensure_ascii=False)


# --- field-level metadata -------------------------------------------------------------------



def add_assertion(session: Session, document: Document, field: str, value, who: Agent, *,
                  method: str, confidence: float = 1.0, normalized: Optional[str] = None,
                  qualifiers: Optional[dict] = None, page: Optional[int] = None,
                  span: Optional[tuple[int, int]] = None, evidence: Optional[str] = None,
                  note: Optional[str] = None, box: Optional[tuple[int, int, int, int]] = None) -> Assertion:
    """Record a claim about one field. It becomes the current value only by refresh_metadata()."""
    if field not in METADATA_FIELDS:
        raise UsageError(f"unknown field {field!r}: one of {', '.join(METADATA_FIELDS)}")
    a = Assertion(document_id=document.id, field=field, value_json=json.dumps(value, ensure_ascii=False),
                  normalized=normalized, qualifiers_json=json.dumps(qualifiers or {}, ensure_ascii=False),
                  confidence=confidence, method=method, page=page,
                  span_start=span[0] if span else None, span_end=span[1] if span else None,
                  evidence=evidence, agent_id=who.id, note=note,
                  evidence_box_json=json.dumps(list(box)) if box else None)
    session.add(a)
    session.flush()
    return a


def supersede_software_assertions(session: Session, document_id: int) -> int:
    """Before a re-extraction: earlier software assertions stop counting (a person's never do)."""
    rows = session.exec(select(Assertion).join(Agent, Agent.id == Assertion.agent_id).where(
        Assertion.document_id == document_id, Assertion.superseded == False,  # noqa: E712
        Agent.kind == AgentKind.SOFTWARE.value)).all()
    for a in rows:
        a.superseded = True
        session.add(a)
    return len(rows)


def best_assertion(assertions: list[tuple[Assertion, Agent]],
                   rejected: Iterable = ()) -> Optional[tuple[Assertion, Agent]]:
    """The assertion that gives the field its value. `rejected`: values a person rejected for the field
    (reads.rejected_values), which no software assertion may give it again; a person's own never count as such."""
    rejected = list(rejected)
    live = [(a, who) for a, who in assertions if not a.superseded
            and (who.kind == AgentKind.PERSON.value or json.loads(a.value_json) not in rejected)]
    people = [(a, who) for a, who in live if who.kind == AgentKind.PERSON.value]
    if people:  # a person's assertion outranks any extraction; the latest person wins
        return max(people, key=lambda p: (p[0].created_at, p[0].id))
    if live:
        return max(live, key=lambda p: (p[0].confidence, p[0].id))
    return None


def _current(document: Document, field: str):
    if field == "authors":
        return json.loads(document.authors_json or "[]")
    return getattr(document, field)


def refresh_metadata(session: Session, document: Document) -> list[str]:
    """Set each field's current value from its best assertion; every change becomes a
    metadata-modification event naming old and new value, who or what, and why."""
    rows = assertions_with_agents(session, document.id)
    rejected = rejected_values(session, document.id)
    changed = []
    for field in METADATA_FIELDS:
        best = best_assertion([(a, who) for a, who in rows if a.field == field], rejected.get(field, ()))
        new = json.loads(best[0].value_json) if best else ([] if field == "authors" else None)
        old = _current(document, field)
        quals = json.loads(best[0].qualifiers_json or "{}") if best else {}
        if field == "authors":
            set_authors(document, list(new or []))
        else:
            setattr(document, field, new)
        if field == "date":
            document.date_precision = quals.get("precision") if new else None
            document.date_approximate = bool(quals.get("approximate")) if new else False
        if new != old:
            a, who = best if best else (None, project_agent(session))
            why = (a.note if a and a.note else
                   f"{a.method}, confidence {a.confidence:.2f}" + (f", page {a.page}" if a.page else "")
                   if a else "no remaining assertion")
            event(session, EventType.METADATA_MODIFICATION, who, Outcome.SUCCESS,
                  f"{field}: {json.dumps(old, ensure_ascii=False)} -> {json.dumps(new, ensure_ascii=False)} ({why})",
                  document_id=document.id)
            changed.append(field)
    session.add(document)
    return changed


# --- citations, links and duplicate relations ------------------------------------------------

def replace_citations(session: Session, document_id: int, citations: list[Citation]) -> list[Citation]:
    """The document's citations, replaced by a new extraction (entry links set by the caller)."""
    old = session.exec(select(Citation).where(Citation.document_id == document_id)).all()
    for c in old:
        c.entry_id = None
        session.add(c)
    session.flush()
    replace_keys(session, CitationKey, {c.id: set() for c in old})
    for c in old:
        session.delete(c)
    session.flush()
    for c in citations:
        c.document_id = document_id
        session.add(c)
    session.flush()
    return citations


# --- retrieval keys (provenance.matching.blocking, provenance.matching.similarity) --------------------------------

KEY_TABLES = {DocumentKey: "document_id", CitationKey: "citation_id", SimilarityKey: "document_id"}


def replace_keys(session: Session, table, keys: dict[int, set[str]]) -> dict[int, set[str]]:
    """Replace the keys of each owner (document or citation id -> its keys) in one of the key tables;
    returns the keys each owner had before."""
    owner = getattr(table, KEY_TABLES[table])
    ids = sorted(keys)
    old: dict[int, set[str]] = {i: set() for i in ids}
    for chunk in chunks(ids):
        for key, who in session.exec(select(table.key, owner).where(col(owner).in_(chunk))):
            old[who].add(key)
        session.exec(delete(table).where(col(owner).in_(chunk)))
    pairs = [(k, i) for i in ids for k in sorted(keys[i])]
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # COPY, in the session's transaction: multi-row INSERTs took five times as long (24,000 keys: 500-650 ->
        # 100-150 ms). The web bench's ingest of 30 documents, its provenance stage: 3.2-3.3 -> 2.0-2.5 s, the
        # server's CPU in it 1.13 -> 0.84-1.03 s (the server works at the pages' priority, bench/WEB_LOAD.md).
        with conn.connection.driver_connection.cursor() as cursor:
            with cursor.copy(f"COPY {table.__tablename__} (key, {KEY_TABLES[table]}) FROM STDIN") as copy:
                for pair in pairs:
                    copy.write_row(pair)
        return old
    # A Core insert of the table: the ORM's bulk insert spends more on each row's dictionary than the database
    # spends storing it (11,000 citation keys: 140-190 -> 90 ms on SQLite).
    rows = [{"key": k, KEY_TABLES[table]: i} for k, i in pairs]
    for start in range(0, len(rows), 5000):
        conn.execute(insert(table.__table__), rows[start:start + 5000])
    return old


def external_works_of(session: Session, creator_keys: list[str]) -> dict[str, ExternalWork]:
    """The outside works of these creators, by key."""
    found: dict[str, ExternalWork] = {}
    for chunk in chunks(creator_keys):
        for w in session.exec(select(ExternalWork).where(col(ExternalWork.creator_key).in_(chunk))):
            found[w.key] = w
    return found


def external_work(session: Session, key: str, creator_key: str, author: Optional[str], title: Optional[str],
                  year: Optional[str], known: Optional[dict[str, ExternalWork]] = None) -> ExternalWork:
    """The outside work with this grouping key (from `known` when given: external_works_of); its author,
    title and year are those given."""
    work = (known or {}).get(key) or _get_or_create(
        session, select(ExternalWork).where(ExternalWork.key == key),
        lambda: ExternalWork(key=key, creator_key=creator_key, author=author, title=title, year=year))
    if (work.creator_key, work.author, work.title, work.year) != (creator_key, author, title, year):
        work.creator_key, work.author, work.title, work.year = creator_key, author, title, year
        session.add(work)
    return work


def drop_external_works(session: Session, works: list[ExternalWork]) -> int:
    """Remove those of these outside works that no citation points at any longer."""
    ids = [w.id for w in works]
    used: set[int] = set()
    for chunk in chunks(ids):
        used.update(session.exec(select(Citation.external_work_id).distinct().where(
            col(Citation.external_work_id).in_(chunk))))
    gone = [w for w in works if w.id not in used]
    for w in gone:
        session.delete(w)
    return len(gone)


def set_citation_target(session: Session, citation: Citation, who: Agent, target_id: Optional[int],
                        confidence: Optional[float], evidence: Optional[str],
                        external: Optional[ExternalWork]) -> bool:
    """Point a citation at a held document (a linking event) or at an external work. True if it changed."""
    old = citation.target_document_id
    citation.target_document_id = target_id
    citation.external_work_id = None if target_id else (external.id if external else None)
    citation.confidence = confidence
    citation.match_evidence = evidence
    session.add(citation)
    if old == target_id:
        return False
    if target_id is not None:
        detail = f"citation {citation.raw!r} (page {citation.page}) -> document {target_id}: {evidence}"
    else:
        detail = f"citation {citation.raw!r} (page {citation.page}) unlinked from document {old}: no longer matches"
    event(session, EventType.LINKING, who, Outcome.SUCCESS, detail, document_id=citation.document_id,
          page_number=citation.page)
    return True


def relate(session: Session, a: int, b: int, kind: str, score: float, method: str, canonical: Optional[int],
           who: Agent) -> Optional[DocumentRelation]:
    """Record that two documents hold the same work (once per pair and kind)."""
    lo, hi = sorted((a, b))
    made: list[DocumentRelation] = []

    def make() -> DocumentRelation:
        made.append(DocumentRelation(document_id=lo, other_id=hi, kind=kind, score=score, method=method,
                                     canonical_id=canonical))
        return made[0]

    # Another ingest may relate the same pair meanwhile: the unique constraint decides (_get_or_create).
    rel = _get_or_create(session, select(DocumentRelation).where(
        DocumentRelation.document_id == lo, DocumentRelation.other_id == hi, DocumentRelation.kind == kind), make)
    if not made or rel is not made[0]:
        rel.score, rel.canonical_id = score, canonical
        session.add(rel)
        return rel
    for doc, other in ((lo, hi), (hi, lo)):
        event(session, EventType.DUPLICATE_DETECTION, who, Outcome.SUCCESS,
              f"{kind} of document {other} (score {score:.3f}, {method}); canonical copy: document {canonical}",
              document_id=doc)
    return rel


def unrelate(session: Session, relation: DocumentRelation, who: Agent, why: str) -> None:
    """Remove a duplicate relation (a person rejected it), with an event on both documents."""
    for doc, other in ((relation.document_id, relation.other_id), (relation.other_id, relation.document_id)):
        event(session, EventType.DUPLICATE_DETECTION, who, Outcome.SUCCESS,
              f"not a {relation.kind} of document {other}: relation removed ({why})", document_id=doc)
    session.delete(relation)


# --- a person's decisions (archive.store.models.Decision) ------------------------------------------------

def decide(session: Session, subject: DecisionSubject | str, verdict: Verdict | str, who: Agent, reason: str, *,
           document_id: int, other_id: Optional[int] = None, citation_raw: Optional[str] = None,
           field: Optional[str] = None, value_json: Optional[str] = None, detail: str,
           also_on: Optional[int] = None) -> Decision:
    """Record a person's decision with its event (and the same event on `also_on`, a relation's other
    document), so that it shows in the document's history. What it changes is the caller's."""
    subject, verdict = DecisionSubject(subject).value, Verdict(verdict).value
    if not reason.strip():
        raise UsageError("give a reason for the decision")
    etype = {"citation": EventType.LINKING, "relation": EventType.DUPLICATE_DETECTION,
             "value": EventType.METADATA_MODIFICATION}[subject]
    text = f"{verdict} by {who.name}: {detail} (why: {reason.strip()})"
    ev = event(session, etype, who, Outcome.SUCCESS, text, document_id=document_id)
    if also_on is not None:
        event(session, etype, who, Outcome.SUCCESS, text, document_id=also_on)
    session.flush()
    d = Decision(subject=subject, verdict=verdict, document_id=document_id, other_id=other_id,
                 citation_raw=citation_raw, field=field, value_json=value_json, reason=reason.strip(),
                 agent_id=who.id, event_id=ev.id)
    session.add(d)
    session.flush()
    return d
