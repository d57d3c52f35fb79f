"""Rescans and near-duplicates: documents holding the same text, found by index.

Each document's MinHash signature, LSH band keys and sampled shingles (provenance.matching.similarity) are
stored when it is described; a document is compared only with those sharing its text hash or one of its
keys, never with the whole archive, and no document's text is read unless a partial copy is to be
measured exactly. The comparison of a retrieved pair is the one an all-pairs scan makes
(`exhaustive=True` does that scan, for the tests that show the two agree).
"""

from __future__ import annotations

import json
from typing import Iterable, Optional

from sqlalchemy import func
from sqlalchemy import update as sa_update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from archive import __version__
from archive.store import writes
from archive.store.db import session_scope
from archive.store.models import AgentKind, Document, SimilarityKey
from archive.store.reads import chunks, relation_decisions
from provenance.matching import similarity
from provenance.matching.linking import quality_ranks

DETECTOR = "archive-tracker duplicate detector"
_PARTIAL_SAMPLES = 2   # sampled shingles two texts must share to be compared as a partial copy


def text_signatures(session: Session, doc_ids: Iterable[int]) -> dict[int, tuple[Optional[str], set[str]]]:
    """Each document's signature and shingle count (as stored in Document.minhash) and its retrieval keys, read
    from its text once; computed outside the transaction that stores them (store_signatures), since a
    document's text never changes once written."""
    out: dict[int, tuple[Optional[str], set[str]]] = {}
    for chunk in chunks(sorted(set(doc_ids)), 50):   # texts of a few documents in memory at a time
        for doc_id, text in session.exec(select(Document.id, Document.text).where(col(Document.id).in_(chunk))):
            tk = similarity.text_keys(text) if text else None
            out[doc_id] = ((json.dumps({"sig": list(tk.signature), "n": tk.shingles, "s": len(tk.samples)}),
                            set(tk.bands + tk.samples)) if tk else (None, set()))
    return out


def store_signatures(session: Session, signatures: dict[int, tuple[Optional[str], set[str]]]) -> None:
    """Store what text_signatures computed."""
    if signatures:
        session.exec(sa_update(Document), params=[{"id": d, "minhash": mh} for d, (mh, _) in signatures.items()])
    writes.replace_keys(session, SimilarityKey, {d: keys for d, (_, keys) in signatures.items()})


def _signatures(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, list[int], int, int]]:
    """id -> (text hash, signature, shingle count, sampled shingles) of documents with text."""
    out = {}
    for chunk in chunks(sorted(set(ids))):
        for d, sha, mh in session.exec(select(Document.id, Document.text_sha256, Document.minhash)
                                       .where(col(Document.id).in_(chunk), col(Document.minhash).is_not(None))):
            data = json.loads(mh)
            out[d] = (sha, data["sig"], data["n"], data.get("s", 0))
    return out


def _candidates(session: Session, doc_id: int, sha: str, samples: int) -> set[int]:
    """Documents sharing this one's text hash, an LSH band, or enough sampled shingles."""
    found = set(session.exec(select(Document.id).where(Document.text_sha256 == sha, Document.id != doc_id,
                                                       col(Document.minhash).is_not(None))))
    mine = select(SimilarityKey.key).where(SimilarityKey.document_id == doc_id)
    found.update(session.exec(select(SimilarityKey.document_id).distinct().where(
        col(SimilarityKey.key).in_(mine.where(col(SimilarityKey.key).startswith("b"))),
        SimilarityKey.document_id != doc_id)))
    need = 1 if samples < 4 * _PARTIAL_SAMPLES else _PARTIAL_SAMPLES
    found.update(session.exec(
        select(SimilarityKey.document_id).where(
            col(SimilarityKey.key).in_(mine.where(col(SimilarityKey.key).startswith("s"))),
            SimilarityKey.document_id != doc_id)
        .group_by(SimilarityKey.document_id).having(func.count() >= need)))
    return found


def _text(session: Session, doc_id: int) -> str:
    return session.exec(select(Document.text).where(Document.id == doc_id)).one()


def _compare(session: Session, a: int, b: int, sigs: dict) -> Optional[tuple]:
    (sha_a, sig_a, n_a, _), (sha_b, sig_b, n_b, _) = sigs[a], sigs[b]
    if sha_a == sha_b:
        return (a, b, "identical-text", 1.0, "text_sha256")
    score = similarity.similarity(sig_a, sig_b)
    if score >= similarity.NEAR_DUPLICATE_THRESHOLD:
        return (a, b, "near-duplicate", score, f"MinHash Jaccard over {similarity.SHINGLE}-word shingles")
    # the shorter text is the copy; of two as long, the older record (as an all-pairs scan takes them)
    (small, sig_s, n_s), (large, sig_l, n_l) = sorted([(a, sig_a, n_a), (b, sig_b, n_b)],
                                                      key=lambda t: (t[2], t[0] != a))
    if similarity.is_partial_copy_candidate(sig_s, n_s, sig_l, n_l):
        share = similarity.containment(_text(session, small), _text(session, large))
        if share >= similarity.PARTIAL_COPY_THRESHOLD:
            return (a, b, "partial-copy", share,
                    f"{share:.0%} of document {small}'s {similarity.SHINGLE}-word shingles are in document {large}")
    return None


def find_duplicates(engine: Engine, doc_ids: Optional[list[int]] = None, *,
                    exhaustive: bool = False) -> list[tuple[int, int, str, float]]:
    """Rescans (the same text hash), near-duplicates (MinHash similarity over word shingles) and partial
    copies (most of a shorter text's shingles inside a longer one) of the given documents (all when
    None) among the documents the archive holds. Their keys must be stored (store_signatures)."""
    with Session(engine) as session:
        if doc_ids is None:
            doc_ids = list(session.exec(select(Document.id).where(col(Document.minhash).is_not(None))
                                        .order_by(Document.id)))
        wanted = sorted(set(doc_ids))
        pairs: set[tuple[int, int]] = set()
        every = sorted(_signatures(session, session.exec(select(Document.id)))) if exhaustive else None
        for chunk in chunks(wanted, 200):
            sigs = _signatures(session, chunk)
            for d in chunk:
                if d not in sigs:
                    continue
                others = every if every is not None else _candidates(session, d, sigs[d][0], sigs[d][3])
                pairs.update((min(d, o), max(d, o)) for o in others if o != d)
        sigs = _signatures(session, {x for p in pairs for x in p})
        # A pair a person rejected is never related again (archive.store.models.Decision).
        rejected = {p for p, d in relation_decisions(session, {x for p in pairs for x in p}).items()
                    if d.verdict == "rejected"}
        found = [r for a, b in sorted(pairs) if (a, b) not in rejected and a in sigs and b in sigs
                 and (r := _compare(session, a, b, sigs))]
        rank = quality_ranks(session, {x for r in found for x in r[:2]})
    groups = _groups([(a, b) for a, b, *_ in found])
    with session_scope(engine) as session:
        who = writes.agent(session, AgentKind.SOFTWARE, DETECTOR,
                          f"{__version__}/minhash-{similarity.NUM_PERM}x{similarity.SHINGLE}")
        for a, b, kind, score, method in found:
            canonical = max(groups[a], key=lambda x: rank.get(x, ()))
            writes.relate(session, a, b, kind, round(score, 4), method, canonical, who)
    return [(a, b, kind, score) for a, b, kind, score, _ in found]


def _groups(edges: list[tuple[int, int]]) -> dict[int, set[int]]:
    group: dict[int, set[int]] = {}
    for a, b in edges:
        merged = group.get(a, {a}) | group.get(b, {b})
        for x in merged:
            group[x] = merged
    return group
