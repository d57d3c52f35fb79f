"""Citation finding and resolution on documents in many citation styles, as text, as born-digital PDFs and as scans."""

from __future__ import annotations

import re

import pytest
from rapidfuzz import fuzz

from provenance import bibliography as bib
from provenance.citations import FoundCitation, find_citations
from tests.citation_docs import DOCS, Doc


# ---------------------------------------------------------------- scoring against what a careful reader records
def _n(s: str | None) -> str:
    s = (s or "").translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"}))
    return re.sub(r"\s+", "", s)


def _surnames(name: str) -> set[str]:
    if not (bib.is_person(name) or re.search(r"\s(and|&)\s|,", name)):
        return {bib.norm_words(name)}
    return {bib.norm_words(bib.surname(p)) for p in bib.person_names(name)}


def _author_ok(expected: str | None, found: FoundCitation) -> bool:
    """The cited creator: the same surnames (or the same body), however the names are written."""
    if expected is None:
        return found.author is None or found.author == found.title
    if not found.author:
        return False
    return _surnames(expected) <= _surnames(found.author) or bib.norm_words(expected) in bib.norm_words(found.author)


def _pr(tp: int, n_found: int, n_expected: int) -> tuple[float, float]:
    return (tp / n_found if n_found else 1.0), (tp / n_expected if n_expected else 1.0)


def score_doc(doc: Doc, found: list[FoundCitation], *, fuzzy: float = 100) -> dict:
    """Precision, recall and field accuracy of in-text citations, notes and reference-list entries.
    fuzzy < 100 tolerates OCR letter errors in the raw text."""
    problems: list[str] = []

    def same(a: str, b: str) -> bool:
        return _n(a) == _n(b) if fuzzy >= 100 else fuzz.ratio(_n(a), _n(b)) >= fuzzy

    def contains(fragment: str, raw: str) -> bool:
        return _n(fragment) in _n(raw) if fuzzy >= 100 else fuzz.partial_ratio(_n(fragment), _n(raw)) >= fuzzy

    out: dict = {}
    for kind, expected in (("cites", doc.cites), ("notes", doc.notes)):
        pool = [c for c in found if c.kind == ("in-text" if kind == "cites" else "note")]
        used: set[int] = set()
        tp = good = 0
        for e in expected:
            if kind == "cites":
                page, raw, author, year = e
                cands = [k for k, c in enumerate(pool) if k not in used and c.page == page and same(raw, c.raw)]
            else:
                page, number, raw, author, year = e
                cands = [k for k, c in enumerate(pool) if k not in used and c.page == page
                         and c.note_number == number and contains(raw, c.raw)]
            if not cands:
                problems.append(f"missed {kind[:-1]} {e}")
                continue
            best = next((k for k in cands if _author_ok(author, pool[k]) and pool[k].year == year), cands[0])
            used.add(best)
            tp += 1
            c = pool[best]
            if _author_ok(author, c) and c.year == year:
                good += 1
            else:
                problems.append(f"fields of {e}: author={c.author!r} year={c.year!r}")
        for k, c in enumerate(pool):
            if k not in used:
                problems.append(f"extra {c.kind} p.{c.page} {c.note_number or ''} {c.raw!r}")
        out[f"{kind}_p"], out[f"{kind}_r"] = _pr(tp, len(pool), len(expected))
        out[f"{kind}_fields"] = good / tp if tp else 1.0
    entries = [c for c in found if c.kind == "bibliography"]
    used: set[int] = set()
    tp = fields = total = 0
    for e in doc.entries:
        author, title = e[0], e[1]
        key = _n(title or author).lower()
        cands = [(fuzz.partial_ratio(key, _n(c.raw).lower()), k) for k, c in enumerate(entries) if k not in used]
        score, k = max(cands, default=(0, -1))
        if score < 90:
            problems.append(f"missed entry {e}")
            continue
        used.add(k)
        tp += 1
        c = entries[k]
        got = (c.author, c.title, c.year, c.place, c.publisher)
        for name, want, have in zip(("author", "title", "year", "place", "publisher"), e, got):
            total += 1
            if (want or None) == (re.sub(r"\s+", " ", have).strip() if have else None):
                fields += 1
            else:
                problems.append(f"entry {title!r}: {name} {have!r} != {want!r}")
    for k, c in enumerate(entries):
        if k not in used:
            problems.append(f"extra entry {c.raw!r}")
    out["entries_p"], out["entries_r"] = _pr(tp, len(entries), len(doc.entries))
    out["entries_fields"] = fields / total if total else 1.0
    out["problems"] = problems
    return out
