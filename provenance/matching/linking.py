"""Archive-wide citation resolution: each citation linked to the held document it names, or grouped
with the other citations of the same outside work.

It costs what changed, not the size of the archive. Blocking keys (provenance.matching.blocking) are stored for
every document and citation, so an ingest resolves
- the citations of the new or changed documents, each against the documents its keys retrieve, and
- the held citations that the new or changed documents' keys reach (a new document can be what an
  old citation names; a changed one may no longer be);
and regroups the outside works of the creators those citations name (a work's key depends only on the
citations of the same creator: resolve.external_keys). The scorer (provenance.matching.resolve) decides among the
retrieved candidates exactly as among all documents; `exhaustive=True` hands it every document instead,
which the tests use to show that the two agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

from sqlalchemy import case, func
from sqlalchemy import update as sa_update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from archive import __version__
from archive.store import writes
from archive.store.db import session_scope
from archive.store.models import AgentKind, Citation, CitationKey, Document, DocumentKey, Page
from archive.store.reads import InForce, chunks, citation_decisions
from provenance.citations import FoundCitation
from provenance.matching import blocking, resolve

RESOLVER = "archive-tracker citation resolver"
Progress = Callable[[str, int, int], None]
_GROUPS_PER_TX = 200   # creator groups per transaction in a whole-archive relink
_DOCS_PER_TX = 10      # documents whose keys one write transaction stores (a few milliseconds of writing)


def _year(date: Optional[str]) -> Optional[str]:
    return date[:4] if date else None


# --- reads ------------------------------------------------------------------------------------------

_CANDIDATE_COLUMNS = (Document.id, Document.title, Document.subtitle, Document.authors_json,
                      Document.organization, Document.publisher, Document.date)
# The metadata fields the resolver and the blocking keys read; a change to any other (place, series,
# language, ...) cannot change a link.
RESOLVER_FIELDS = frozenset(c.key.removesuffix("_json") for c in _CANDIDATE_COLUMNS[1:])


def _candidate(row) -> resolve.Candidate:
    doc_id, title, subtitle, authors_json, organization, publisher, date = row
    return resolve.Candidate(id=doc_id, title=title, subtitle=subtitle, authors=tuple(json.loads(authors_json or "[]")),
                             organization=organization, publisher=publisher, year=_year(date))


def candidates(session: Session, ids: Optional[Iterable[int]] = None) -> dict[int, resolve.Candidate]:
    """Held documents as the resolver sees them (their metadata, never their text); all when ids is None."""
    if ids is None:
        return {r[0]: _candidate(r) for r in session.exec(select(*_CANDIDATE_COLUMNS).order_by(Document.id))}
    out: dict[int, resolve.Candidate] = {}
    for chunk in chunks(sorted(set(ids))):
        for r in session.exec(select(*_CANDIDATE_COLUMNS).where(col(Document.id).in_(chunk))):
            out[r[0]] = _candidate(r)
    return out


def quality_ranks(session: Session, ids: Iterable[int]) -> dict[int, tuple]:
    """Which copy of a work is the best (the canonical one): born-digital text first, then the most
    pages, then the highest OCR confidence, then the oldest record. One query per few hundred documents."""
    ranks: dict[int, tuple] = {}
    text_layer = func.sum(case((Page.method == "text-layer", 1), else_=0))
    for chunk in chunks(sorted(set(ids))):
        shares = {d: (n_text or 0) / max(n or 0, 1) for d, n, n_text in session.exec(
            select(Page.document_id, func.count(Page.id), text_layer)
            .where(col(Page.document_id).in_(chunk)).group_by(Page.document_id))}
        for d, pages, conf in session.exec(select(Document.id, Document.page_count, Document.mean_confidence)
                                           .where(col(Document.id).in_(chunk))):
            ranks[d] = (shares.get(d, 0.0), pages, conf or 0.0, -d)
    return ranks


def _as_found(c: Citation, entry: Optional[Citation]) -> FoundCitation:
    # An in-text citation joined to its bibliography entry resolves with the entry's fuller fields.
    return FoundCitation(page=c.page or 0, start=c.span_start or 0, end=c.span_end or 0, raw=c.raw, kind=c.kind,
                         author=c.author or (entry.author if entry else None),
                         title=c.title or (entry.title if entry else None),
                         year=c.year or (entry.year if entry else None), locator=c.locator,
                         note_number=c.note_number, place=c.place or (entry.place if entry else None),
                         publisher=c.publisher or (entry.publisher if entry else None))


def _founds(session: Session, cites: list[Citation]) -> dict[int, FoundCitation]:
    have = {c.id: c for c in cites}
    missing = {c.entry_id for c in cites if c.entry_id and c.entry_id not in have}
    for chunk in chunks(sorted(missing)):
        for e in session.exec(select(Citation).where(col(Citation.id).in_(chunk))):
            have[e.id] = e
    return {c.id: _as_found(c, have.get(c.entry_id) if c.entry_id else None) for c in cites}


def _citations(session: Session, where, order: bool = False) -> list[Citation]:
    stmt = select(Citation).where(where)
    if order:
        stmt = stmt.order_by(Citation.document_id, Citation.id)
    return list(session.exec(stmt))


# --- keys -------------------------------------------------------------------------------------------

@dataclass
class Index:
    """The blocking keys of some documents and of their citations, with each citation's creator key, and what
    they were computed from. Computed by document_index outside the write transaction that stores them
    (store_index): on SQLite that transaction holds the archive's one writer lock, which a person's edit waits for."""
    doc_ids: list[int]
    candidates: dict[int, resolve.Candidate]
    founds: dict[int, FoundCitation]   # citation id -> as the keys read it
    doc_keys: dict[int, set[str]]
    creators: dict[int, Optional[str]]
    cite_keys: dict[int, set[str]]


def _index_inputs(session: Session, doc_ids: list[int]):
    """What the keys are computed from: the documents as candidates, their citations as found, and each
    citation's stored creator key."""
    cands = candidates(session, doc_ids)
    founds: dict[int, FoundCitation] = {}
    stored: dict[int, Optional[str]] = {}
    for chunk in chunks(doc_ids):
        cites = _citations(session, col(Citation.document_id).in_(chunk))
        founds.update(_founds(session, cites))
        stored.update((c.id, c.creator_key) for c in cites)
    return cands, founds, stored


def document_index(session: Session, doc_ids: list[int]) -> Index:
    """The keys of these documents and of their citations, computed (nothing written)."""
    cands, founds, _ = _index_inputs(session, doc_ids)
    return Index(doc_ids, cands, founds,
                 doc_keys={i: blocking.document_keys(cands[i]) for i in doc_ids if i in cands},
                 creators={cid: resolve.creator_key(f) for cid, f in founds.items()},
                 cite_keys={cid: blocking.citation_keys(f) for cid, f in founds.items()})


def store_index(session: Session, index: Index) -> set[str]:
    """(Re)place the keys document_index computed, in a write transaction; computed again here if what they are
    read from changed meanwhile (a person's edit or another extraction committed between the two). Returns the
    documents' keys before and after: what they can reach."""
    cands, founds, stored = _index_inputs(session, index.doc_ids)
    if cands != index.candidates or founds != index.founds:
        index = document_index(session, index.doc_ids)
    old = writes.replace_keys(session, DocumentKey, index.doc_keys)
    changed = [{"id": cid, "creator_key": key} for cid, key in index.creators.items() if stored.get(cid) != key]
    if changed:
        session.exec(sa_update(Citation), params=changed)
    writes.replace_keys(session, CitationKey, index.cite_keys)
    return set().union(*index.doc_keys.values(), *old.values())


def index_documents(engine: Engine, doc_ids: list[int], per_transaction: int,
                    progress: Optional[Progress] = None) -> set[str]:
    """(Re)build the keys of these documents and their citations, a few documents per write transaction, each
    computed before its transaction. Returns the documents' keys before and after: what they can reach."""
    reach: set[str] = set()
    for start in range(0, len(doc_ids), per_transaction):
        if progress:
            progress("indexing", start, len(doc_ids))
        with Session(engine) as session:
            index = document_index(session, doc_ids[start:start + per_transaction])
        with session_scope(engine) as session:
            reach |= store_index(session, index)
    return reach


def _retrieve(session: Session, cite_ids: list[int]) -> dict[int, set[int]]:
    """citation id -> ids of the documents sharing one of its keys (one join per few hundred citations)."""
    found: dict[int, set[int]] = {i: set() for i in cite_ids}
    for chunk in chunks(cite_ids):
        for cid, doc_id in session.exec(
                select(CitationKey.citation_id, DocumentKey.document_id).distinct()
                .join(DocumentKey, DocumentKey.key == CitationKey.key)
                .where(col(CitationKey.citation_id).in_(chunk))):
            found[cid].add(doc_id)
    return found


def _reached(session: Session, keys: set[str]) -> set[int]:
    """Citations sharing one of these keys."""
    out: set[int] = set()
    for chunk in chunks(sorted(keys)):
        out.update(session.exec(select(CitationKey.citation_id).distinct().where(col(CitationKey.key).in_(chunk))))
    return out


# --- resolution -------------------------------------------------------------------------------------

@dataclass
class _Decision:
    target: Optional[int] = None
    confidence: Optional[float] = None
    evidence: Optional[str] = None


@dataclass
class _Stats:
    citations: int = 0
    linked: int = 0
    changed: int = 0
    external: int = 0

    def as_dict(self) -> dict:
        return {"citations": self.citations, "linked": self.linked, "changed": self.changed,
                "external": self.external}


def _decide(session: Session, cites: list[Citation], founds: dict[int, FoundCitation],
            every: Optional[list[resolve.Candidate]]) -> dict[int, _Decision]:
    """The resolver's verdict for each citation, among the documents its keys retrieve (or `every`)."""
    if not cites:
        return {}
    citing = {d: _year(date) for chunk in chunks(sorted({c.document_id for c in cites}))
              for d, date in session.exec(select(Document.id, Document.date).where(col(Document.id).in_(chunk)))}
    if every is None:
        retrieved = _retrieve(session, [c.id for c in cites])
        pool = candidates(session, set().union(*retrieved.values()))
    matches: dict[int, list[resolve.Match]] = {}
    for c in cites:
        cands = every if every is not None else [pool[i] for i in sorted(retrieved[c.id]) if i in pool]
        matches[c.id] = resolve.resolve(founds[c.id], cands, citing_id=c.document_id,
                                        citing_year=citing.get(c.document_id))
    # A person's decisions outrank the scorer: a rejected target is never linked again, an accepted one
    # is kept whatever the scorer says now (they are named by the citing document and the citation's text).
    verdicts: dict[tuple[int, str], dict[int, InForce]] = {}
    for (doc, raw, target), d in citation_decisions(session, citing).items():
        verdicts.setdefault((doc, raw), {})[target] = d
    by_id = {c.id: c for c in cites}
    for cid in matches:
        mine = verdicts.get((by_id[cid].document_id, by_id[cid].raw), {})
        matches[cid] = [m for m in matches[cid]
                        if mine.get(m.target_id) is None or mine[m.target_id].verdict != "rejected"]
    rank = quality_ranks(session, {m.target_id for ms in matches.values() for m in ms})
    out: dict[int, _Decision] = {}
    for cid, ms in matches.items():
        mine = verdicts.get((by_id[cid].document_id, by_id[cid].raw), {})
        accepted = max((d for d in mine.items() if d[1].verdict == "accepted"), key=lambda d: d[1].id, default=None)
        if accepted is not None:
            target, d = accepted
            out[cid] = _Decision(target, 1.0, f"accepted by {d.person}: {d.reason}")
            continue
        if not ms:
            out[cid] = _Decision()
            continue
        best = max(ms, key=lambda m: rank.get(m.target_id, ()))
        evidence = best.evidence
        others = sorted(m.target_id for m in ms if m.target_id != best.target_id)
        if others:
            evidence += f"; the same work is also held as document(s) {', '.join(map(str, others))}"
        out[cid] = _Decision(best.target_id, best.confidence, evidence)
    return out


def _settle_groups(session: Session, who, creator_keys: list[str], redo: Optional[set[int]],
                   every: Optional[list[resolve.Candidate]], stats: _Stats) -> None:
    """Resolve the citations of these creator groups that are to be redone (all where redo is None),
    then regroup each group's outside works: a work's key is decided over its creator's citations in
    archive order, its author, title and year are its first citation's."""
    members = _citations(session, col(Citation.creator_key).in_(creator_keys), order=True)
    founds = _founds(session, members)
    todo = [c for c in members if redo is None or c.id in redo]
    decided = _decide(session, todo, founds, every)
    joined: set[int] = set()
    for chunk in chunks([c.id for c in members if c.kind == "bibliography"]):
        joined.update(session.exec(select(Citation.entry_id).where(col(Citation.entry_id).in_(chunk))))
    groups: dict[str, list[Citation]] = {}
    for c in members:
        groups.setdefault(c.creator_key, []).append(c)
    known = writes.external_works_of(session, creator_keys)
    used: set[str] = set()
    for creator, group in groups.items():
        keys = resolve.external_keys([founds[c.id] for c in group])
        works: dict[str, object] = {}
        for c, key in zip(group, keys):
            d = decided.get(c.id)
            target = d.target if d else c.target_document_id
            work = None
            if target is None and (c.kind != "bibliography" or c.id not in joined):
                if key not in works:
                    f = founds[c.id]
                    works[key] = writes.external_work(session, key, creator, f.author, f.title, f.year, known)
                work = works[key]
            if d is not None:
                stats.citations += 1
                stats.linked += d.target is not None
                stats.external += work is not None
                if writes.set_citation_target(session, c, who, d.target, d.confidence, d.evidence, work):
                    stats.changed += 1
            elif c.external_work_id != (work.id if work else None):
                c.external_work_id = work.id if work else None
                session.add(c)
        used.update(works)
    session.flush()
    writes.drop_external_works(session, [w for w in known.values() if w.key not in used])


def relink(engine: Engine, doc_ids: Optional[Iterable[int]] = None, progress: Optional[Progress] = None, *,
           creators: Iterable[str] = (), exhaustive: bool = False,
           fields: Optional[Iterable[str]] = None) -> dict:
    """Resolve the citations that the given documents' arrival or change can affect, after rebuilding
    their keys; every citation when doc_ids is None. `creators`: creator keys of citations removed
    meanwhile (a re-extraction), whose outside works are regrouped too. `fields`: when given, the only
    metadata fields that changed on those documents (a person's edit): none the resolver reads, nothing
    to redo. Only changes are written, each a linking event. `exhaustive`: every citation against every
    held document, the reference that the keys must agree with (quadratic: for tests and audits)."""
    stats = _Stats()
    if doc_ids is not None and fields is not None and not creators and not RESOLVER_FIELDS & set(fields):
        return stats.as_dict()
    if doc_ids is None or exhaustive:
        with Session(engine) as session:
            every_doc = list(session.exec(select(Document.id).order_by(Document.id)))
        index_documents(engine, every_doc, _DOCS_PER_TX, progress)   # every key rebuilt
        with Session(engine) as session:
            groups = sorted(set(session.exec(select(Citation.creator_key).distinct())) - {None})
        redo = None
    else:
        doc_ids = sorted(set(doc_ids))
        reach = index_documents(engine, doc_ids, _DOCS_PER_TX)
        with Session(engine) as session:
            redo = _reached(session, reach)
            for chunk in chunks(doc_ids):
                redo.update(session.exec(select(Citation.id).where(
                    col(Citation.document_id).in_(chunk) | col(Citation.target_document_id).in_(chunk))))
            groups = set(creators)
            for chunk in chunks(sorted(redo)):
                groups.update(session.exec(select(Citation.creator_key).distinct().where(col(Citation.id).in_(chunk))))
            groups = sorted(groups - {None})
    every = None
    if exhaustive:
        with Session(engine) as session:
            every = list(candidates(session).values())
    for start in range(0, len(groups), _GROUPS_PER_TX):
        if progress:
            progress("linking", start, len(groups))
        with session_scope(engine) as session:
            who = writes.agent(session, AgentKind.SOFTWARE, RESOLVER, __version__)
            _settle_groups(session, who, groups[start:start + _GROUPS_PER_TX], redo, every, stats)
    if progress:
        progress("linking", len(groups), len(groups))
    return stats.as_dict()


def creator_keys_of(session: Session, doc_id: int) -> set[str]:
    """The creator keys of a document's citations (before a re-extraction removes them)."""
    return set(session.exec(select(Citation.creator_key).distinct().where(
        Citation.document_id == doc_id, col(Citation.creator_key).is_not(None))))
