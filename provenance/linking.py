"""Archive-wide linking: citations resolved to held documents, external works, rescans and near-duplicates."""

from __future__ import annotations

import json
from typing import Optional

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from archive import __version__, queries, store
from archive.db import session_scope
from archive.models import AgentKind, Citation, Document, Page
from provenance import resolve, similarity
from provenance.citations import FoundCitation

RESOLVER = "archive-tracker citation resolver"


def _year(date: Optional[str]) -> Optional[str]:
    return date[:4] if date else None


def candidates(session: Session) -> list[resolve.Candidate]:
    return [resolve.Candidate(id=d.id, title=d.title, subtitle=d.subtitle, authors=tuple(queries.authors(d)),
                              organization=d.organization, publisher=d.publisher, year=_year(d.date))
            for d in session.exec(select(Document).order_by(Document.id))]


def quality_rank(session: Session) -> dict[int, tuple]:
    """Which copy of a work is the best (the canonical one): born-digital text first, then
    the most pages, then the highest OCR confidence, then the oldest record."""
    rank = {}
    for d in session.exec(select(Document)):
        methods = list(session.exec(select(Page.method).where(Page.document_id == d.id)))
        text_layer = sum(1 for m in methods if m == "text-layer") / max(len(methods), 1)
        rank[d.id] = (text_layer, d.page_count, d.mean_confidence or 0.0, -d.id)
    return rank


def _as_found(c: Citation, entry: Optional[Citation]) -> FoundCitation:
    # An in-text citation joined to its bibliography entry resolves with the entry's fuller fields.
    return FoundCitation(page=c.page or 0, start=c.span_start or 0, end=c.span_end or 0, raw=c.raw, kind=c.kind,
                         author=c.author or (entry.author if entry else None),
                         title=c.title or (entry.title if entry else None),
                         year=c.year or (entry.year if entry else None), locator=c.locator,
                         note_number=c.note_number, place=c.place or (entry.place if entry else None),
                         publisher=c.publisher or (entry.publisher if entry else None))


def relink(engine: Engine, progress=None) -> dict:
    """Resolve every citation in the archive against every held document. Only changes are
    written (each a linking event), so running it again is cheap and quiet."""
    stats = {"citations": 0, "linked": 0, "changed": 0, "external": 0}
    with session_scope(engine) as session:
        who = store.agent(session, AgentKind.SOFTWARE, RESOLVER, __version__)
        cands = candidates(session)
        rank = quality_rank(session)
        docs = {d.id: d for d in session.exec(select(Document))}
        all_cites = list(session.exec(select(Citation).order_by(Citation.document_id, Citation.id)))
        by_id = {c.id: c for c in all_cites}
        founds = [_as_found(c, by_id.get(c.entry_id) if c.entry_id else None) for c in all_cites]
        keys = resolve.external_keys(founds)   # one outside work cited in several styles shares a key
        for i, c in enumerate(all_cites):
            found = founds[i]
            citing = docs.get(c.document_id)
            matches = resolve.resolve(found, cands, citing_id=c.document_id,
                                      citing_year=_year(citing.date) if citing else None)
            target = conf = evidence = None
            external = None
            if matches:
                best = max(matches, key=lambda m: rank.get(m.target_id, ()))
                target, conf = best.target_id, best.confidence
                evidence = best.evidence
                others = sorted(m.target_id for m in matches if m.target_id != target)
                if others:
                    evidence += f"; the same work is also held as document(s) {', '.join(map(str, others))}"
                stats["linked"] += 1
            elif c.kind != "bibliography" or not _joined(c, all_cites):
                external = store.external_work(session, keys[i], found.author, found.title, found.year)
                stats["external"] += 1
            if store.set_citation_target(session, c, who, target, conf, evidence, external):
                stats["changed"] += 1
            stats["citations"] += 1
            if progress and i % 50 == 0:
                progress("linking", i, len(all_cites))
    return stats


def _joined(entry: Citation, cites: list[Citation]) -> bool:
    return any(c.entry_id == entry.id for c in cites)


def signature_of(doc: Document) -> tuple[list[int], int]:
    """The document's MinHash signature and shingle count, computed once and kept on the document."""
    data = json.loads(doc.minhash) if doc.minhash else None
    if not isinstance(data, dict):
        sig, n = similarity.signature_and_count(doc.text)
        data = {"sig": list(sig), "n": n}
        doc.minhash = json.dumps(data)
    return data["sig"], data["n"]


def find_duplicates(engine: Engine, doc_ids: Optional[list[int]] = None) -> list[tuple[int, int, str, float]]:
    """Rescans (the same text hash), near-duplicates (MinHash similarity over word shingles) and
    partial copies (most of a shorter text's shingles inside a longer one) of the given documents
    against the whole archive."""
    found = []
    with session_scope(engine) as session:
        who = store.agent(session, AgentKind.SOFTWARE, "archive-tracker duplicate detector",
                          f"{__version__}/minhash-{similarity.NUM_PERM}x{similarity.SHINGLE}")
        docs = list(session.exec(select(Document).where(col(Document.text) != "").order_by(Document.id)))
        sigs = {d.id: signature_of(d) for d in docs}
        for d in docs:
            session.add(d)
        rank = quality_rank(session)
        wanted = set(doc_ids) if doc_ids is not None else {d.id for d in docs}
        pairs = []
        for i, a in enumerate(docs):
            for b in docs[i + 1:]:
                if a.id not in wanted and b.id not in wanted:
                    continue
                pair = _compare(a, b, sigs)
                if pair:
                    pairs.append(pair)
        groups = _groups([(a, b) for a, b, *_ in pairs])
        for a, b, kind, score, method in pairs:
            canonical = max(groups[a], key=lambda x: rank.get(x, ()))
            store.relate(session, a, b, kind, round(score, 4), method, canonical, who)
            found.append((a, b, kind, score))
    return found


def _compare(a: Document, b: Document, sigs: dict) -> Optional[tuple]:
    if a.text_sha256 == b.text_sha256:
        return (a.id, b.id, "identical-text", 1.0, "text_sha256")
    (sig_a, n_a), (sig_b, n_b) = sigs[a.id], sigs[b.id]
    score = similarity.similarity(sig_a, sig_b)
    if score >= similarity.NEAR_DUPLICATE_THRESHOLD:
        return (a.id, b.id, "near-duplicate", score, f"MinHash Jaccard over {similarity.SHINGLE}-word shingles")
    small, large = (a, b) if n_a <= n_b else (b, a)
    (sig_s, n_s), (sig_l, n_l) = sigs[small.id], sigs[large.id]
    if similarity.is_partial_copy_candidate(sig_s, n_s, sig_l, n_l):
        share = similarity.containment(small.text, large.text)
        if share >= similarity.PARTIAL_COPY_THRESHOLD:
            return (a.id, b.id, "partial-copy", share,
                    f"{share:.0%} of document {small.id}'s {similarity.SHINGLE}-word shingles are in document {large.id}")
    return None


def _groups(edges: list[tuple[int, int]]) -> dict[int, set[int]]:
    group: dict[int, set[int]] = {}
    for a, b in edges:
        merged = group.get(a, {a}) | group.get(b, {b})
        for x in merged:
            group[x] = merged
    return group
