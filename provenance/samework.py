"""Copies of one work share what one copy states and another does not (a partial rescan lacks its title page)."""

from __future__ import annotations

import json
from typing import Optional

from rapidfuzz import fuzz
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from archive import __version__, queries, store
from archive.db import session_scope
from archive.models import Agent, AgentKind, Assertion, Document, DocumentRelation

SHARED_FIELDS = ("title", "subtitle", "authors", "organization", "publisher", "place", "date")
CONFIDENCE = 0.5  # below any value a document states itself
_TITLE_AGREEMENT = 90


def _titles_agree(a: Document, b: Document) -> bool:
    if not a.title or not b.title:
        return False
    return fuzz.ratio(a.title.casefold(), b.title.casefold()) >= _TITLE_AGREEMENT


def same_work(rel: DocumentRelation, a: Document, b: Document) -> bool:
    """Full copies (identical or near-duplicate text) are the same work; a partial copy is when
    its title agrees too (an excerpt printed inside an anthology is not the anthology)."""
    return rel.kind in ("identical-text", "near-duplicate") or (rel.kind == "partial-copy" and _titles_agree(a, b))


def _own_value(session: Session, doc: Document, field: str):
    """The value the document states itself (or a person set), ignoring values shared from copies."""
    rows = session.exec(select(Assertion, Agent).join(Agent, Agent.id == Assertion.agent_id).where(
        Assertion.document_id == doc.id, Assertion.field == field, Assertion.superseded == False,  # noqa: E712
        Assertion.method != "same-work")).all()
    best = store.best_assertion(list(rows))
    return json.loads(best[0].value_json) if best else None


def share_metadata(engine: Engine, doc_ids: Optional[list[int]] = None) -> int:
    """Fill each document's unstated fields from the other copies of its work, as low-confidence
    assertions whose evidence names the copy; anything the document states itself wins."""
    added = 0
    with session_scope(engine) as session:
        who = store.agent(session, AgentKind.SOFTWARE, "archive-tracker same-work metadata", __version__)
        _retire(session, who, doc_ids)
        for rel in queries.relations(session):
            if doc_ids is not None and rel.document_id not in doc_ids and rel.other_id not in doc_ids:
                continue
            a, b = session.get(Document, rel.document_id), session.get(Document, rel.other_id)
            if not same_work(rel, a, b):
                continue
            for target, source in ((a, b), (b, a)):
                added += _fill(session, who, target, source, rel)
    return added


def _retire(session: Session, who: Agent, doc_ids: Optional[list[int]]) -> None:
    stmt = select(Assertion).where(Assertion.agent_id == who.id, Assertion.superseded == False)  # noqa: E712
    for a in session.exec(stmt):
        if doc_ids is None or a.document_id in doc_ids:
            a.superseded = True
            session.add(a)


def _fill(session: Session, who: Agent, target: Document, source: Document, rel: DocumentRelation) -> int:
    n = 0
    for field in SHARED_FIELDS:
        if _own_value(session, target, field) not in (None, []):
            continue
        if _has_person_assertion(session, target, field):
            continue  # a person decided this field, even if they cleared it
        value = _own_value(session, source, field)
        if value in (None, []):
            continue
        store.add_assertion(session, target, field, value, who, method="same-work", confidence=CONFIDENCE,
                            evidence=f"stated by document {source.id}, a {rel.kind} of this one "
                                     f"(score {rel.score:.2f})",
                            qualifiers=json.loads(_quals(session, source, field)))
        n += 1
    if n:
        store.refresh_metadata(session, target)
    return n


def _has_person_assertion(session: Session, doc: Document, field: str) -> bool:
    return session.exec(select(Assertion.id).join(Agent, Agent.id == Assertion.agent_id).where(
        Assertion.document_id == doc.id, Assertion.field == field, Agent.kind == AgentKind.PERSON.value)).first() is not None


def _quals(session: Session, doc: Document, field: str) -> str:
    row = session.exec(select(Assertion.qualifiers_json).where(
        Assertion.document_id == doc.id, Assertion.field == field, Assertion.superseded == False  # noqa: E712
    ).order_by(Assertion.confidence.desc())).first()
    return row or "{}"
