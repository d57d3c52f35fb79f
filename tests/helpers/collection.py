"""A small collection made directly through the models, shared by the report tests.

Four documents: a described pamphlet with evidence, a person's correction, citations and page images;
a document whose every field is hostile (markup, traversal paths, control characters); an untitled
rescan of the first; and a plain dated leaflet. Two external works, one cited by two documents.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone

from PIL import Image, ImageDraw
from sqlmodel import Session

from archive.store import writes
from archive.store.models import (
    AgentKind,
    Assertion,
    Citation,
    Document,
    DocumentRelation,
    EventType,
    ExternalWork,
    Page,
    SourceFile,
)

HOSTILE_TITLE = "<script>alert(1)</script>"
HOSTILE_SUBTITLE = '"><img src=x onerror=alert(2)> & friends'
HOSTILE_TEXT = "Page text <script>alert(3)</script>\x0c with a form feed and <b>markup</b>"
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)


def jpeg(label: str, size=(120, 160)) -> bytes:
    img = Image.new("L", size, 236)
    draw = ImageDraw.Draw(img)
    for y in range(20, size[1] - 15, 9):
        draw.line((12, y, size[0] - 12, y), fill=90, width=2)
    draw.text((12, 4), label, fill=0)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70)
    return buf.getvalue()


def _doc(session, fingerprint: str, label: str, pages: list[tuple[str, str, float | None]], **meta) -> Document:
    texts = [t for t, _, _ in pages]
    confs = [c for _, _, c in pages if c is not None]
    authors = meta.pop("authors", [])
    doc = Document(fingerprint=fingerprint, label=label, page_count=len(pages), text="\n\f".join(texts),
                   text_sha256=(fingerprint * 4)[:64], created_at=T0,
                   mean_confidence=sum(confs) / len(confs) if confs else None, **meta)
    writes.set_authors(doc, authors)
    session.add(doc)
    session.flush()
    return doc


def _source(session, doc: Document, path: str, fmt: str, sha: str, fixity: str | None = None) -> SourceFile:
    src = SourceFile(document_id=doc.id, sequence=0, path=path, size=123456, sha256=sha, format=fmt,
                     ingested_at=T0, last_fixity=fixity, last_fixity_at=T0 + timedelta(days=30) if fixity else None)
    session.add(src)
    session.flush()
    return src


def _pages(session, doc: Document, src: SourceFile, pages, agent) -> None:
    for n, (text, method, conf) in enumerate(pages, start=1):
        session.add(Page(document_id=doc.id, number=n, source_file_id=src.id, source_index=n - 1, method=method,
                         engine="Tesseract" if method == "ocr" else None, engine_version="5.3.0" if method == "ocr"
                         else None, confidence=conf, text=text, thumbnail=jpeg(f"{doc.id}/{n}")))
        writes.event(session, EventType.OCR if method == "ocr" else EventType.TEXT_EXTRACTION, agent,
                    detail=f"page {n}", document_id=doc.id, source_file_id=src.id, page_number=n,
                    time=T0 + timedelta(seconds=n))


def _assert(session, doc, field, value, agent, *, page=None, evidence=None, text=None, method="rule",
            confidence=0.9, note=None, superseded=False) -> Assertion:
    start = end = None
    if evidence is not None and text is not None:
        start = text.index(evidence)
        end = start + len(evidence)
    a = Assertion(document_id=doc.id, field=field, value_json=json.dumps(value), confidence=confidence,
                  method=method, page=page, span_start=start, span_end=end, evidence=evidence, agent_id=agent.id,
                  note=note, superseded=superseded, created_at=T0 + timedelta(hours=1))
    session.add(a)
    return a


def build_collection(engine) -> dict[str, int]:
    """Write the sample collection; returns the ids by role: described, hostile, rescan, leaflet."""
    with Session(engine, expire_on_commit=False) as session:
        software = writes.project_agent(session)
        ocr = writes.agent(session, AgentKind.SOFTWARE, "Tesseract", "5.3.0")
        extractor = writes.agent(session, AgentKind.SOFTWARE, "provenance.metadata", "0.1")
        archivist = writes.person(session, "Jane Archivist")

        p1 = ("THE WORKERS' LIBRARY\nA Catalogue of Pamphlets\nby Ada Smith and Ben Jones\n"
              "Published by Pioneer Publishers")
        p2 = "Contents continued. As Whitcombe argued (Whitcombe 2) the press grew. See also (Marx 1867)."
        p3 = "New York, May 1972. Printed in the U.S.A. by the Socialist Workers Party."
        pages_a = [(p1, "ocr", 91.5), (p2, "ocr", 55.2), (p3, "ocr", 88.0)]
        a = _doc(session, "a" * 16, "workers-library", pages_a, title="The Workers' Library",
                 subtitle="A Catalogue of Pamphlets", authors=["Ada Smith", "Ben Jones"],
                 organization="Socialist Workers Party", publisher="Pioneer Publishers", place="New York",
                 date="1972-05", date_precision="month", language="eng")
        src_a = _source(session, a, "/scans/workers-library/scan.pdf", "pdf", "1" * 64, fixity="ok")
        writes.event(session, EventType.INGESTION, software, detail="ingested scan.pdf", document_id=a.id, time=T0)
        writes.event(session, EventType.MESSAGE_DIGEST, software, detail="sha256 " + "1" * 64, document_id=a.id,
                    source_file_id=src_a.id, time=T0)
        _pages(session, a, src_a, pages_a, ocr)
        writes.event(session, EventType.FIXITY_CHECK, software, detail="sha256 matches", document_id=a.id,
                    source_file_id=src_a.id, time=T0 + timedelta(days=30))
        writes.event(session, EventType.METADATA_EXTRACTION, extractor, detail="title, authors, publisher, date",
                    document_id=a.id, time=T0 + timedelta(hours=1))
        _assert(session, a, "title", "The Workers' Library", extractor, page=1, evidence="THE WORKERS' LIBRARY",
                text=p1, method="title-block", confidence=0.92)
        _assert(session, a, "authors", ["Ada Smith", "Ben Jones"], extractor, page=1,
                evidence="by Ada Smith and Ben Jones", text=p1, method="byline")
        _assert(session, a, "publisher", "Pioneer Publishers", extractor, page=1,
                evidence="Published by Pioneer Publishers", text=p1, method="imprint")
        _assert(session, a, "date", "1972", extractor, page=3, evidence="1972", text=p3, method="colophon-year",
                superseded=True)
        _assert(session, a, "date", "1972-05", extractor, page=3, evidence="May 1972", text=p3, method="colophon")
        _assert(session, a, "organization", "Socialist Workers Party", archivist, method="manual", confidence=1.0,
                note="Named on the back cover, which was not scanned")

        pages_b = [(HOSTILE_TEXT, "ocr", 42.0)]
        b = _doc(session, "b" * 16, "../../etc/passwd", pages_b, title=HOSTILE_TITLE, subtitle=HOSTILE_SUBTITLE,
                 authors=["<i>Mallory</i>", "=HYPERLINK(\"http://x\")"], organization="<b>Org</b> & Co",
                 publisher="-2+3", place="../../tmp", date="1969", date_precision="year", date_approximate=True)
        src_b = _source(session, b, "../../../evil<script>.html", "png", "2" * 64, fixity="modified")
        _pages(session, b, src_b, pages_b, ocr)
        writes.event(session, EventType.FIXITY_CHECK, software, "failure", detail="sha256 differs <script>x</script>",
                    document_id=b.id, source_file_id=src_b.id, time=T0 + timedelta(days=30))
        _assert(session, b, "title", HOSTILE_TITLE, extractor, page=1, evidence="<script>alert(3)</script>",
                text=HOSTILE_TEXT, method="title-block")

        pages_c = [(p1, "text-layer", None), (p2, "text-layer", None), (p3, "text-layer", None)]
        c = _doc(session, "c" * 16, "workers-library-rescan", pages_c)
        src_c = _source(session, c, "/scans/rescans/workers-library-2.pdf", "pdf", "3" * 64)
        _pages(session, c, src_c, pages_c, software)

        pages_d = [("A leaflet about the zanzibar dockers, 1985.", "ocr", 77.0), ("", "none", None)]
        d = _doc(session, "d" * 16, "leaflet", pages_d, title="Dockers' Leaflet", publisher="Pathfinder Press",
                 place="London", date="1985-02-11", date_precision="day")
        src_d = _source(session, d, "/scans/leaflet.tiff", "tiff", "4" * 64, fixity="ok")
        _pages(session, d, src_d, pages_d, ocr)

        w1 = ExternalWork(key="marx|capital|1867", author="Marx", title="Capital", year="1867")
        w2 = ExternalWork(key="whitcombe||", author="Whitcombe")
        session.add_all([w1, w2])
        session.flush()
        session.add_all([
            Citation(document_id=a.id, page=2, raw="(Whitcombe 2)", author="Whitcombe", locator="2",
                     external_work_id=w2.id, confidence=0.6),
            Citation(document_id=a.id, page=2, raw="(Marx 1867)", author="Marx", year="1867", external_work_id=w1.id),
            Citation(document_id=a.id, page=3, raw="see the Dockers' Leaflet", target_document_id=d.id,
                     confidence=0.85, match_evidence="title match"),
            Citation(document_id=b.id, page=1, raw="<script>cite()</script> (Smith 1972)", author="Smith",
                     year="1972", target_document_id=a.id, confidence=0.9, match_evidence="author and year"),
            Citation(document_id=b.id, page=1, raw="(Marx 1867, 12)", author="Marx", year="1867", locator="12",
                     external_work_id=w1.id),
        ])
        session.add(DocumentRelation(document_id=a.id, other_id=c.id, kind="near-duplicate", score=0.97,
                                     method="shingles", canonical_id=a.id, created_at=T0 + timedelta(hours=2)))
        writes.event(session, EventType.DUPLICATE_DETECTION, software, detail="near-duplicate of document 1",
                    document_id=c.id, time=T0 + timedelta(hours=2))
        session.commit()
        return {"described": a.id, "hostile": b.id, "rescan": c.id, "leaflet": d.id,
                "work_shared": w1.id, "work_single": w2.id}
