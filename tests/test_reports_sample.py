"""The report tests' sample collection (tests/helpers/collection.py) is what they expect."""

from __future__ import annotations

from sqlmodel import Session

from tests.helpers.collection import build_collection


def test_sample_collection_is_complete(engine):
    from reports.data import load_catalog
    ids = build_collection(engine)
    with Session(engine) as session:
        cat = load_catalog(session)
    assert [r.id for r in cat.documents] == sorted(ids[k] for k in ("described", "hostile", "rescan", "leaflet"))
    described = cat.by_id[ids["described"]]
    assert len(described.pages) == 3 and all(p.has_thumbnail for p in described.pages)
    assert {c.document_id for c in described.cited_by} == {ids["hostile"]}
    assert any(a.note and who.kind == "person" for a, who in described.assertions)
