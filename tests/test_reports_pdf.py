"""The PDF catalogue opens with pypdf, has a page per document (and a title page), and shows the text as text."""

from __future__ import annotations

import io

from pypdf import PdfReader

from reports.build import build_reports
from tests.helpers.collection import build_collection


def test_pdf_has_a_page_per_document(engine, tmp_path):
    ids = build_collection(engine)
    result = build_reports(engine, tmp_path, "pdf")
    reader = PdfReader(io.BytesIO((tmp_path / "catalog.pdf").read_bytes()))
    assert len(reader.pages) >= result.documents + 1 == 5
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "The Workers' Library" in text
    assert "<script>alert(1)</script>" in text  # hostile titles print as plain characters
    assert "set by Jane Archivist" in text  # a person's assertion, with who set it
    assert "1" * 64 in text.replace("\n", "")  # fixity: the SHA-256 of the source file
    # Every document starts a page of its own.
    doc_ids = [ids[k] for k in ("described", "hostile", "rescan", "leaflet")]
    starts = [i for i, page in enumerate(reader.pages) for doc_id in doc_ids
              if f"DOCUMENT {doc_id}\n" in page.extract_text() + "\n"]
    assert len(set(starts)) == 4
