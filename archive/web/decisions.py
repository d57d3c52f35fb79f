"""A person's decisions from the web: accept or reject a citation link, a duplicate relation or a value.

Each becomes an archive.store.models.Decision with its event (the signed-in user as the agent), then the
provenance stage runs over what it affects, honouring it as it honours every later relink and ingest
(provenance.matching.linking and duplicates read the decisions). Like a field edit, a decision names the
version of the thing it was made on, and is refused if a colleague decided or changed it meanwhile.
"""

from __future__ import annotations

import json
from typing import Literal, Optional

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from archive.errors import NotFound, UsageError
from archive.store import reads, writes
from archive.store.db import session_scope
from archive.store.models import Assertion, Citation, DocumentRelation
from archive.web.views import Conflict, field_version

VerdictText = Literal["accepted", "rejected"]
DEFAULT_ACCEPT_REASON = "confirmed on review"


def _reason(verdict: str, reason: str) -> str:
    reason = (reason or "").strip()
    if verdict == "rejected" and not reason:
        raise UsageError("give a reason for rejecting it")
    return reason or DEFAULT_ACCEPT_REASON


def decide_citation(engine: Engine, doc_id: int, citation_id: int, verdict: VerdictText, *, target: int, by: str,
                    reason: str, version: int) -> dict:
    """Accept or reject the link of a citation of `doc_id` to document `target` (the one the person saw)."""
    from provenance.matching import linking
    reason = _reason(verdict, reason)
    with session_scope(engine) as session:
        c = session.get(Citation, citation_id)
        if c is None or c.document_id != doc_id:
            raise NotFound(f"no citation {citation_id} in document {doc_id} (the citations were re-extracted: reload)")
        current = reads.citation_decisions(session, [doc_id]).get((doc_id, c.raw, target))
        now = current.id if current else 0
        if c.target_document_id != target or now != version:
            raise Conflict({"target": c.target_document_id, "decision": current.verdict if current else None}, now)
        who = writes.person(session, by)
        d = writes.decide(session, "citation", verdict, who, reason, document_id=doc_id, other_id=target,
                          citation_raw=c.raw, detail=f"citation {c.raw!r} (page {c.page}) -> document {target}")
        decision = d.id
    linking.relink(engine, [doc_id])  # the decision is honoured there, as by every later relink
    with Session(engine) as session:
        c = session.get(Citation, citation_id)
        now_target = c.target_document_id if c is not None else None
    return {"decision": decision, "document": doc_id, "citation": citation_id, "verdict": verdict,
            "target": now_target}


def decide_relation(engine: Engine, doc_id: int, relation_id: int, verdict: VerdictText, *, by: str, reason: str,
                    version: int) -> dict:
    """Accept or reject that two documents hold the same work; a rejected pair is never related again."""
    from provenance.pipeline import update
    reason = _reason(verdict, reason)
    with session_scope(engine) as session:
        r = session.get(DocumentRelation, relation_id)
        if r is None or doc_id not in (r.document_id, r.other_id):
            raise NotFound(f"no duplicate relation {relation_id} of document {doc_id} (reload the page)")
        lo, hi = r.document_id, r.other_id
        current = reads.relation_decisions(session, [lo]).get((lo, hi))
        now = current.id if current else 0
        if now != version:
            raise Conflict({"decision": current.verdict if current else None}, now)
        who = writes.person(session, by)
        d = writes.decide(session, "relation", verdict, who, reason, document_id=lo, other_id=hi, also_on=hi,
                          detail=f"document {lo} and document {hi} hold the same work ({r.kind}, score {r.score:.3f})")
        decision = d.id
        if verdict == "rejected":
            for rel in session.exec(select(DocumentRelation).where(DocumentRelation.document_id == lo,
                                                                   DocumentRelation.other_id == hi)):
                writes.unrelate(session, rel, who, reason)
    if verdict == "rejected":  # metadata shared through the pair is retired, citations to the copies re-resolved
        update(engine, [lo, hi], extract_values=False)
    return {"decision": decision, "documents": [lo, hi], "verdict": verdict}


def decide_value(engine: Engine, assertion_id: int, verdict: VerdictText, *, by: str, reason: str, version: int,
                 decision_version: int = 0) -> dict:
    """Accept a value (it becomes the person's assertion, as if they had set it) or reject it (no extraction
    may give the field that value again). `version` is the field's (views.field_version)."""
    from provenance.pipeline import update
    reason = _reason(verdict, reason)
    with session_scope(engine) as session:
        a = session.get(Assertion, assertion_id)
        if a is None:
            raise NotFound(f"no value {assertion_id} (it was re-extracted: reload the queue)")
        d = reads.get_document(session, a.document_id)
        now = field_version(session, d.id, a.field)
        current = reads.value_decisions(session, d.id).get((d.id, a.field, a.value_json))
        if now != version or (current is not None and current.id > decision_version):
            raise Conflict(reads.document_json(session, d, include_text=False).get(a.field), now)
        who = writes.person(session, by)
        value = json.loads(a.value_json)
        if verdict == "accepted":
            writes.add_assertion(session, d, a.field, value, who, method="confirmed", confidence=1.0,
                                 normalized=a.normalized, qualifiers=json.loads(a.qualifiers_json or "{}"),
                                 page=a.page, span=(a.span_start, a.span_end) if a.span_start is not None else None,
                                 evidence=a.evidence, note=reason)
        dec = writes.decide(session, "value", verdict, who, reason, document_id=d.id, field=a.field,
                            value_json=a.value_json,
                            detail=f"{a.field} {a.value_json} ({a.method}, confidence {a.confidence:.2f})")
        decision = dec.id
        changed = writes.refresh_metadata(session, d)
        doc_id, field = d.id, a.field
    update(engine, [doc_id], extract_values=False, fields=[field])  # copies share it; links if they read it
    return {"decision": decision, "document": doc_id, "field": field, "verdict": verdict, "changed": bool(changed)}


def links_view(session: Session, doc_id: int, rows: Optional[reads.DocumentRows] = None) -> dict:
    """A document's citations and duplicate relations with their ids, the decisions in force about them
    and the versions a decision starts from; the links people rejected (they are no longer made); and the
    decisions about its values, by field. `rows`: the document's citations and relations, if already read."""
    rows = rows or reads.document_rows(session, doc_id)
    decided = reads.decisions_about(session, doc_id)
    cdec, rdec = decided["citation"], decided["relation"]
    others = {c.target_document_id for c in rows.citations if c.target_document_id}
    others |= {t for (_, _, t) in cdec if t}
    others |= {i for r in rows.relations for i in (r.document_id, r.other_id)}
    titles = reads.titles(session, others)

    def title(i: int) -> str:
        return titles.get(i, f"document {i}")

    cites = []
    for c in rows.citations:
        dec = cdec.get((doc_id, c.raw, c.target_document_id)) if c.target_document_id else None
        rejected = [{"target": t, "target_title": title(t), "person": d.person, "reason": d.reason}
                    for (_, raw, t), d in cdec.items() if raw == c.raw and d.verdict == "rejected"
                    and t != c.target_document_id]
        cites.append({"id": c.id, "raw": c.raw, "page": c.page, "target": c.target_document_id,
                      "target_title": title(c.target_document_id) if c.target_document_id else None,
                      "evidence": c.match_evidence, "confidence": c.confidence,
                      "decision": dec, "version": dec.id if dec else 0, "rejected": rejected})
    rels = []
    for r in rows.relations:
        dec = rdec.get((r.document_id, r.other_id))
        other = r.other_id if r.document_id == doc_id else r.document_id
        rels.append({"id": r.id, "other": other, "other_title": title(other), "kind": r.kind, "score": r.score,
                     "method": r.method, "decision": dec, "version": dec.id if dec else 0})
    unrelated = [{"other": hi if lo == doc_id else lo, "person": d.person, "reason": d.reason}
                 for (lo, hi), d in rdec.items() if d.verdict == "rejected"]
    values: dict[str, list] = {}
    for (_, field, value_json), d in decided["value"].items():
        values.setdefault(field, []).append({"value": json.loads(value_json), "verdict": d.verdict,
                                             "person": d.person, "reason": d.reason})
    return {"citations": cites, "relations": rels, "unrelated": unrelated, "value_decisions": values}
