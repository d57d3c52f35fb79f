"""Copies of one work share what one copy states and another does not (a partial rescan lacks its title page)."""

from __future__ import annotations

import json
from typing import Optional

from rapidfuzz import fuzz
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from archive import __version__
from archive.store import reads, writes
from archive.store.db import read_session, session_scope
from archive.store.fields import METADATA_FIELDS
from archive.store.models import Agent, AgentKind, Assertion, Document, DocumentRelation

# What a copy can lack is what is printed in one place only: the title page, masthead, imprint or
# colophon that a partial rescan or an excerpt leaves out. language and date_not_before are not
# stated there but inferred from the body text (its words; the latest year it speaks of), which each
# copy infers from its own text; an inference taken from another copy would be a guess on a guess.
SHARED_FIELDS = tuple(f for f in METADATA_FIELDS if f not in ("date_not_before", "language"))
CONFIDENCE = 0.5  # below any value a document states itself
AGENT = "archive-tracker same-work metadata"
_TITLE_AGREEMENT = 90


def _titles_agree(a: Document, b: Document) -> bool:
    if not a.title or not b.title:
        return False
    return fuzz.ratio(a.title.casefold(), b.title.casefold()) >= _TITLE_AGREEMENT


def same_work(rel: DocumentRelation, a: Document, b: Document) -> bool:
    """Full copies (identical or near-duplicate text) are the same work; a partial copy is when
    its title agrees too (an excerpt printed inside an anthology is not the anthology)."""
    return rel.kind in ("identical-text", "near-duplicate") or (rel.kind == "partial-copy" and _titles_agree(a, b))


class _Stated:
    """What one document says of its fields: its assertions with their agents, and the values a person rejected
    for it, read once for each pair of copies (read field by field, a pair took up to sixty reads)."""

    def __init__(self, session: Session, doc_id: int):
        self.rows = reads.assertions_with_agents(session, doc_id)
        self.rejected = reads.rejected_values(session, doc_id)

    def own_value(self, field: str):
        """The value the document states itself (or a person set), ignoring values shared from copies; never a
        value a person rejected for it."""
        rows = [(a, who) for a, who in self.rows if a.field == field and not a.superseded and a.method != "same-work"]
        best = writes.best_assertion(rows, self.rejected.get(field, ()))
        return json.loads(best[0].value_json) if best else None

    def by_person(self, field: str) -> bool:
        """Whether a person decided the field (even if they cleared it)."""
        return any(a.field == field and who.kind == AgentKind.PERSON.value for a, who in self.rows)

    def qualifiers(self, field: str) -> dict:
        """The qualifiers of the field's most confident live assertion (the oldest of equals)."""
        live = [a for a, _who in self.rows if a.field == field and not a.superseded]
        return json.loads(max(live, key=lambda a: a.confidence).qualifiers_json or "{}") if live else {}


def share_metadata(engine: Engine, doc_ids: Optional[list[int]] = None) -> set[int]:
    """Fill each document's unstated fields from the other copies of its work, as low-confidence
    assertions whose evidence names the copy; anything the document states itself wins. With doc_ids,
    only the copies of their works (the documents related to them, transitively) are redone: sharing
    flows along relations only. Returns the documents whose current metadata changed."""
    changed: set[int] = set()
    if doc_ids is not None and not _anything_to_share(engine, set(doc_ids)):
        return changed
    with session_scope(engine) as session:
        who = writes.agent(session, AgentKind.SOFTWARE, AGENT, __version__)
        scope = None if doc_ids is None else _copies(session, set(doc_ids))
        retired = _retire(session, who, scope)
        rels = reads.relations(session, scope)
        for rel in rels:
            a, b = session.get(Document, rel.document_id), session.get(Document, rel.other_id)
            if not same_work(rel, a, b):
                continue
            for target, source in ((a, b), (b, a)):
                if _fill(session, who, target, source, rel):
                    changed.add(target.id)
        for doc_id in retired:   # a value shared before and not now: the document's own (or none) again
            if writes.refresh_metadata(session, session.get(Document, doc_id)):
                changed.add(doc_id)
    return changed


# A value this stage shared into one of the documents (and still holds): read by every edit, so built once.
_SHARED_AMONG = (select(Assertion.id).join(Agent, Agent.id == Assertion.agent_id)
                 .where(Agent.kind == AgentKind.SOFTWARE.value, Agent.name == AGENT, Agent.version == __version__,
                        Assertion.superseded == False,  # noqa: E712
                        col(Assertion.document_id).in_(reads.IDS)).limit(1))


def _anything_to_share(engine: Engine, doc_ids: set[int]) -> bool:
    """Whether these documents have a copy, or hold a value shared from one before: read first, so that the
    usual case (a person's edit of a document held once) takes no write transaction (on SQLite, the archive's
    one writer lock) to find nothing to do."""
    with read_session(engine) as session:
        if reads.relations(session, doc_ids):
            return True
        for chunk in reads.chunks(sorted(doc_ids)):
            if session.exec(_SHARED_AMONG, params={"ids": chunk}).first() is not None:
                return True
    return False


def _copies(session: Session, doc_ids: set[int]) -> set[int]:
    """The documents related to these, transitively (each work's copies), with them."""
    seen, frontier = set(doc_ids), set(doc_ids)
    while frontier:
        nxt: set[int] = set()
        for rel in reads.relations(session, frontier):
            nxt.update((rel.document_id, rel.other_id))
        frontier = nxt - seen
        seen |= frontier
    return seen


def _retire(session: Session, who: Agent, doc_ids: Optional[set[int]]) -> set[int]:
    stmt = select(Assertion).where(Assertion.agent_id == who.id, Assertion.superseded == False)  # noqa: E712
    if doc_ids is not None:
        stmt = stmt.where(col(Assertion.document_id).in_(sorted(doc_ids)))
    retired = set()
    for a in session.exec(stmt):
        a.superseded = True
        session.add(a)
        retired.add(a.document_id)
    return retired


def _fill(session: Session, who: Agent, target: Document, source: Document, rel: DocumentRelation) -> bool:
    mine, theirs = _Stated(session, target.id), _Stated(session, source.id)
    n = 0
    for field in SHARED_FIELDS:
        # (the values shared below are neither the target's own nor a person's: read once, `mine` holds)
        if mine.own_value(field) not in (None, []) or mine.by_person(field):
            continue
        value = theirs.own_value(field)
        if value in (None, []):
            continue
        writes.add_assertion(session, target, field, value, who, method="same-work", confidence=CONFIDENCE,
                            evidence=f"stated by document {source.id}, a {rel.kind} of this one "
                                     f"(score {rel.score:.2f})",
                            qualifiers=theirs.qualifiers(field))
        n += 1
    return bool(n and writes.refresh_metadata(session, target))
