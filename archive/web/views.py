"""What the pages and the API show, built once from archive.store.reads and written through
archive.store.writes (so the browser and the command line share every rule)."""

from __future__ import annotations

import json
from typing import Optional

from sqlalchemy import bindparam
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from archive.errors import UsageError
from archive.store import reads, writes
from archive.store.db import session_scope
from archive.store.fields import METADATA_FIELDS, parse_value
from archive.store.models import Assertion

PAGE_SIZE = 50


def catalogue(session: Session, flt: reads.DocumentFilter, *, page: int, sort: str, descending: bool) -> dict:
    """One page of the catalogue with its total and facets: a count, a GROUP BY per facet and one
    page of rows by index, whatever the archive's size."""
    page = max(page, 1)
    docs = reads.list_documents(session, flt, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, with_text=False,
                                sort=sort, descending=descending)
    return {"total": reads.count_documents(session, flt), "page": page, "page_size": PAGE_SIZE,
            "documents": [summary(d) for d in docs], "facets": reads.facet_counts(session, flt)}


def summary(d) -> dict:
    return {"id": d.id, "label": d.label, "title": d.title, "authors": reads.authors(d),
            "organization": d.organization, "publisher": d.publisher, "place": d.place, "date": d.date,
            "page_count": d.page_count, "mean_ocr_confidence": d.mean_confidence}


def search(session: Session, q: str, flt: reads.DocumentFilter, *, limit: int, page: int = 1) -> dict:
    """One page of hits with the keys of `archive search --json` (`more`: whether another page follows), the
    number of matching documents and their facets (the filter applied inside the search and the facet queries:
    nothing is loaded to be filtered)."""
    page = max(page, 1)
    hits = reads.search(session, q, limit=limit + 1, offset=(page - 1) * limit, flt=flt)
    return {"query": q, "page": page, "hits": [h.as_json() for h in hits[:limit]], "more": len(hits) > limit,
            **reads.search_facets(session, q, flt)}


def query_string(params: dict, **changes) -> str:
    """The page's query string with some parameters changed (None drops one): links keep the filters."""
    from urllib.parse import urlencode
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "", False, [])}
    return "?" + urlencode(merged, doseq=True)


def facet_links(params: dict, name: str, values: list) -> list[tuple[object, int, str]]:
    """(value, count, query string) for each of a facet's values: the page's parameters with that value as an
    exact filter, as query_string would write them. The other parameters are encoded once per facet, not once per
    value (45 links cost a search page 2 ms)."""
    from urllib.parse import quote_plus, urlencode
    exact = [e for e in params.get("exact") or [] if e != name] + [name]
    merged = {k: v for k, v in {**params, "page": None, "exact": exact, name: ""}.items()
              if k == name or v not in (None, "", False, [])}
    keys = list(merged)
    at = keys.index(name)
    before, after = (urlencode({k: merged[k] for k in part}, doseq=True) for part in (keys[:at], keys[at + 1:]))
    out = []
    for value, n in values:
        if value in (None, "", False, []):   # dropped from the link, as query_string drops it
            out.append((value, n, query_string(params, page=None, exact=exact, **{name: value})))
            continue
        pair = f"{quote_plus(name)}={quote_plus(str(value))}"
        out.append((value, n, "?" + "&".join(p for p in (before, pair, after) if p)))
    return out


_NEWEST = (select(Assertion.id).where(Assertion.document_id == bindparam("doc"), Assertion.field == bindparam("field"))
           .order_by(col(Assertion.id).desc()).limit(1))


def field_version(session: Session, doc_id: int, field: str) -> int:
    """The newest assertion about the field: an edit names the version it started from, and is refused if
    another assertion (a colleague's edit, a re-extraction) arrived since."""
    return session.exec(_NEWEST, params={"doc": doc_id, "field": field}).first() or 0


class Conflict(Exception):
    def __init__(self, current, version: int):
        super().__init__("the field changed since you opened it")
        self.current, self.version = current, version


def set_field(engine: Engine, doc_id: int, field: str, value: str, *, by: str, note: str, version: int) -> dict:
    """A person's value for a field, as `archive set` records it, unless the field changed since `version`."""
    from provenance.pipeline import update
    if field not in METADATA_FIELDS:
        raise UsageError(f"unknown field {field!r}: one of {', '.join(METADATA_FIELDS)}")
    if not note.strip():
        raise UsageError("give a reason for the change")
    parsed, qualifiers = parse_value(field, value)
    with session_scope(engine) as session:
        d = reads.get_document(session, doc_id, with_text=False)
        now = field_version(session, d.id, field)
        if now != version:
            raise Conflict(reads.document_json(session, d, include_text=False).get(field), now)
        who = writes.person(session, by)
        writes.add_assertion(session, d, field, parsed, who, method="manual", confidence=1.0,
                             normalized=parsed if isinstance(parsed, str) else None, qualifiers=qualifiers,
                             note=note.strip())
        changed = writes.refresh_metadata(session, d)
    update(engine, [doc_id], extract_values=False, fields=[field])  # copies share it; links if they read it
    return {"document": doc_id, "field": field, "value": parsed, "changed": bool(changed)}


def highlighted(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[str, Optional[str]]]:
    """The page text cut into (piece, field or None) so the template can mark each evidence span
    (escaped by the template like any other text)."""
    out, at = [], 0
    for start, end, field in sorted(s for s in spans if 0 <= s[0] < s[1] <= len(text)):
        if start < at:
            continue  # overlapping spans: the first wins
        out.append((text[at:start], None))
        out.append((text[start:end], field))
        at = end
    out.append((text[at:], None))
    return [p for p in out if p[0]]


def document_view(session: Session, doc_id: int) -> dict:
    """Everything the document page shows, each table read once (the pages, citations and relations serve both
    the document's JSON and its links; every page's layout in one read; no page image)."""
    d = reads.document_record(session, doc_id)
    rows = reads.document_rows(session, d.id)
    data = reads.document_json(session, d, read=rows)
    prov = data["metadata_provenance"]
    spans: dict[int, list] = {}
    for field, claims in prov.items():
        for c in claims:
            if c["span"] and c["page"] and not c["superseded"]:
                spans.setdefault(c["page"], []).append((c["span"][0], c["span"][1], field))
    layouts = reads.document_layouts(session, d.id)
    pages = []
    for p in rows.pages:
        lay = layouts.get(p.id)
        words = []
        if lay is not None and lay.unit == "px":
            words = [{"text": w.text, "box": list(w.box), "confidence": w.confidence}
                     for line in lay.lines for w in line.words]
        pages.append({"number": p.number, "pieces": highlighted(p.text, spans.get(p.number, [])),
                      "has_image": p.number in rows.imaged, "words": words,
                      "size": [lay.width, lay.height] if lay is not None else None})
    versions = {a.field: a.id for a, _who in rows.assertions}   # oldest first: each field's newest (field_version)
    fields = [{"name": f, "value": data[f], "version": versions.get(f, 0),
               "claims": prov.get(f, [])} for f in METADATA_FIELDS if f in data or f in prov]
    from archive.web.decisions import links_view  # (decisions builds on this module)
    return {"doc": data, "fields": fields, "pages": pages, "json": json.dumps,
            "links": links_view(session, d.id, rows)}
