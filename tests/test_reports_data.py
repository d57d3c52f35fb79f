"""reports.data: the catalogue read in batches (a constant number of queries), filters and full-text narrowing."""

from __future__ import annotations

from sqlmodel import Session

from archive.store.models import Citation, Document, Page, SourceFile
from archive.store.reads import DocumentFilter
from reports.data import iter_page_bodies, load_catalog
from tests.helpers.collection import build_collection
from tests.helpers.statements import Statements


def _count_statements(engine, fn):
    with Statements(engine) as seen:
        result = fn()
    return result, len(seen.sql)


def _add_plain_documents(engine, n: int, start: int) -> None:
    with Session(engine) as session:
        for i in range(start, start + n):
            doc = Document(fingerprint=f"plain-{i}", label=f"plain-{i}", page_count=1, title=f"Plain {i}")
            session.add(doc)
            session.flush()
            src = SourceFile(document_id=doc.id, path=f"/scans/p{i}.png", size=1, sha256=f"{i:064d}", format="png")
            session.add(src)
            session.flush()
            session.add(Page(document_id=doc.id, number=1, source_file_id=src.id, method="ocr", confidence=80.0,
                             text=f"plain page {i}"))
            session.add(Citation(document_id=doc.id, raw="(Plain 1)", target_document_id=doc.id - 1))
        session.commit()


def test_query_count_does_not_grow_with_documents(engine):
    build_collection(engine)

    def load():
        with Session(engine) as session:
            cat = load_catalog(session)
            pages = sum(len(b) for _, b in iter_page_bodies(session, cat.ids()))
            return len(cat.documents), pages

    (docs_small, _), small = _count_statements(engine, load)
    _add_plain_documents(engine, 40, 100)
    (docs_large, pages_large), large = _count_statements(engine, load)
    assert docs_small == 4 and docs_large == 44 and pages_large == 9 + 40
    # Batched reads: the same statements whether 4 or 44 documents (no query per document).
    assert large == small, (small, large)


def test_fixity_summary_and_relations(engine):
    ids = build_collection(engine)
    with Session(engine) as session:
        cat = load_catalog(session)
    assert cat.by_id[ids["described"]].fixity.status == "ok"
    assert cat.by_id[ids["hostile"]].fixity.status == "modified"
    assert cat.by_id[ids["rescan"]].fixity.status == "not checked"
    # A relation is seen from both of its documents.
    assert [r.other_id for r in cat.by_id[ids["described"]].relations] == [ids["rescan"]]
    assert [r.document_id for r in cat.by_id[ids["rescan"]].relations] == [ids["described"]]
    # The current value's assertion comes first; superseded ones are kept apart.
    date_live = cat.by_id[ids["described"]].current_assertions("date")
    assert [a.evidence for a, _ in date_live] == ["May 1972"]
    assert [a.evidence for a, _ in cat.by_id[ids["described"]].superseded_assertions("date")] == ["1972"]


def test_filters_and_full_text_query_narrow_the_catalogue(engine):
    ids = build_collection(engine)
    with Session(engine) as session:
        by_org = load_catalog(session, DocumentFilter(organization="socialist workers"))
        by_date = load_catalog(session, DocumentFilter(date_from="1980", date_to="1989"))
        by_text = load_catalog(session, DocumentFilter(), query="zanzibar")
        both = load_catalog(session, DocumentFilter(organization="socialist"), query="zanzibar")
    assert by_org.ids() == [ids["described"]]
    assert by_date.ids() == [ids["leaflet"]]
    assert by_text.ids() == [ids["leaflet"]]
    assert both.ids() == []
    # A cited document outside the selection is named but not "held" here.
    ref = by_org.ref(ids["leaflet"])
    assert ref.title == "Dockers' Leaflet" and not ref.held
