"""The real-world set (../shared/realworld: malformed and encrypted PDFs, JBIG2 and CCITT scans,
huge images, fonts without Unicode maps) ingested once with the real CLI and the real Tesseract."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlmodel import Session, select

from archive.store import reads
from archive.store.db import make_engine
from archive.store.models import Document, Page
from tests.helpers.cli import archive_exe

pytestmark = [pytest.mark.slow, pytest.mark.tesseract]

# Passwords the source repositories document (SOURCES.md), for the files that need one.
PASSWORDS = {"asdfzxcv": ["encryption/r2-user-password.pdf", "encryption/r3-user-password.pdf",
                          "encryption/r4-user-password.pdf", "encryption/r4-aes-user-password.pdf"],
             "foo": ["encryption/r6-both-passwords.pdf"], "password": ["crazyones-encrypted-256.pdf"],
             "test": ["encrypted-file.pdf"]}
SAMPLE_PASSWORD = ("openpassword", "pypdf-samples/005-libreoffice-writer-password/libreoffice-writer-password.pdf")


def _probe(realworld: Path) -> dict[str, dict]:
    with open(realworld / "probe.tsv", encoding="utf-8") as fh:
        rows = [line for line in fh if not line.startswith("#")]
    return {r["file"]: r for r in csv.DictReader(rows, delimiter="\t")}


def _all_files(root: Path) -> set[str]:
    found = set()
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            found.add(str(Path(dirpath) / name))
    return found


@pytest.fixture(scope="module")
def ingested(realworld, tmp_path_factory):
    """The whole set, once, with two jobs, on SQLite: (summary, db url, stderr)."""
    db = tmp_path_factory.mktemp("realworld") / "archive.db"
    url = f"sqlite:///{db}"
    proc = subprocess.run([archive_exe(), "--db", url, "ingest", "--jobs", "2", "--json", str(realworld)],
                          capture_output=True, timeout=1500, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode in (0, 1), stderr
    return json.loads(proc.stdout), url, stderr


def test_every_input_path_is_accounted_for_once(ingested, realworld):
    summary, _url, stderr = ingested
    assert "Traceback" not in stderr and "internal error" not in stderr
    reported: list[str] = [p for item in summary["ingested"] for p in item["paths"]]
    reported += [item["path"] for item in summary["skipped"] + summary["failed"]]
    assert len(reported) == len(set(reported)), "a path was reported twice"
    assert set(reported) == _all_files(realworld)


def test_failures_are_exactly_the_unopenable_files_with_their_remedy(ingested, realworld):
    summary, _url, _ = ingested
    probe = _probe(realworld)
    want_malformed = {f for f, r in probe.items() if r["pages_or_error"] == "PdfReadError"}
    want_password = {f for f, r in probe.items() if r["pages_or_error"] == "FileNotDecryptedError"}
    assert len(want_malformed) == 2 and len(want_password) == 8  # as SOURCES.md describes the probe
    failed = {os.path.relpath(item["path"], realworld): item["reason"] for item in summary["failed"]}
    assert set(failed) == want_malformed | want_password
    for f in want_password:
        assert "encrypted PDF: the password is needed" in failed[f] and "--password" in failed[f]
    for f in want_malformed:
        assert "malformed PDF" in failed[f]
    assert all("\n" not in r for r in failed.values())
    # Every other PDF and every image became a document.
    ingested_paths = {os.path.relpath(p, realworld) for item in summary["ingested"] for p in item["paths"]}
    assert {f for f in probe if f not in failed} <= ingested_paths


def test_the_database_holds_one_complete_document_per_ingested_input(ingested):
    summary, url, _ = ingested
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            docs = list(s.exec(select(Document)))
            assert len(docs) == len(summary["ingested"])
            for d in docs:
                assert len(reads.pages(s, d.id)) == d.page_count > 0
                assert reads.source_files(s, d.id)
            failures = reads.events(s, failures_only=True)
            assert {e.path for e, _ in failures} == {f["path"] for f in summary["failed"]}
    finally:
        engine.dispose()


def _page(url: str, realworld: Path, rel: str, number: int = 1) -> Page:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            src = reads.source_files(s)
            doc_id = next(x.document_id for x in src if x.path == str(realworld / rel))
            return reads.pages(s, doc_id)[number - 1]
    finally:
        engine.dispose()


def test_text_layers_without_unicode_mapping_are_replaced_by_ocr(ingested, realworld):
    _summary, url, _ = ingested
    for rel in ("ocrmypdf/truetype_font_nomapping.pdf", "ocrmypdf/type3_font_nomapping.pdf"):
        page = _page(url, realworld, rel)
        assert page.method == "ocr" and page.engine == "Tesseract", (rel, page.method, page.note)
        assert "garbage" in page.note or "Unicode" in page.note, page.note
    # The TrueType one renders the word "Phone" (its text layer yields '"7+%-').
    assert "Phone" in _page(url, realworld, "ocrmypdf/truetype_font_nomapping.pdf").text
    # A usable text layer is kept as it is.
    crazy = _page(url, realworld, "pypdf-resources/crazyones.pdf")
    assert crazy.method == "text-layer" and "crazy ones" in crazy.text.lower()


def test_jbig2_and_ccitt_scans_are_read(ingested, realworld):
    _summary, url, _ = ingested
    reference = (realworld / "ocrmypdf" / "linn.txt").read_text(encoding="utf-8")
    ref_words = {w.lower() for w in reference.split() if len(w) >= 6 and w.isalpha()}
    for rel in ("ocrmypdf/linn.pdf", "ocrmypdf/jbig2.pdf", "ocrmypdf/ccitt.pdf"):
        page = _page(url, realworld, rel)
        got = {w.lower().strip(".,;:") for w in page.text.split()}
        assert len(ref_words & got) >= 0.8 * len(ref_words), (rel, len(ref_words & got), len(ref_words))


def test_huge_pages_stay_within_the_pixel_budget(ingested, realworld):
    from ingest.images import MAX_PIXELS
    from ingest.pdf import RASTER_MAX_PIXELS
    _summary, url, _ = ingested
    for rel in ("ocrmypdf/hugemono.pdf", "ocrmypdf/enormous.pdf", "ocrmypdf/poster.pdf"):
        page = _page(url, realworld, rel)
        assert page.width and page.height and page.width * page.height <= RASTER_MAX_PIXELS, (rel, page.note)
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            sizes = [p.width * p.height for p in s.exec(select(Page)) if p.width and p.height]
        assert max(sizes) <= MAX_PIXELS
    finally:
        engine.dispose()


def test_documented_passwords_open_every_encrypted_file(ingested, realworld, run_cli):
    _summary, url, _ = ingested
    runs = [(pw, [str(realworld / "pypdf-resources" / f) for f in files]) for pw, files in PASSWORDS.items()]
    runs.append((SAMPLE_PASSWORD[0], [str(realworld / SAMPLE_PASSWORD[1])]))
    for password, files in runs:
        result = run_cli(url, "ingest", "--jobs", "1", "--password", password, "--json", *files)
        out = json.loads(result.stdout)
        assert result.exit_code == 0 and not out["failed"], (password, out["failed"])
        assert len(out["ingested"]) + len(out["skipped"]) == len(files)
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            src = {x.path: x.document_id for x in reads.source_files(s)}
            crazy = s.get(Document, src[str(realworld / "pypdf-resources/crazyones-encrypted-256.pdf")])
            assert "crazy ones" in crazy.text.lower()
    finally:
        engine.dispose()


SUBSET = ["ocrmypdf/invalid.pdf", "pypdf-samples/017-unreadable-meta-data/unreadablemetadata.pdf",
          "pypdf-resources/encryption/r2-user-password.pdf", "pypdf-resources/encryption/r6-empty-password.pdf",
          "ocrmypdf/truetype_font_nomapping.pdf", "pypdf-resources/test Orient.pdf",
          "pypdf-resources/crazyones.pdf", "tesseract/phototest.tif", "ocrmypdf/kcs.pdf"]


@pytest.mark.postgres
def test_subset_on_postgresql(realworld, request):
    """A smaller subset through the CLI on a real PostgreSQL server, then full-text search there."""
    if "postgres" not in os.environ.get("ARCHIVE_TEST_BACKENDS", "sqlite,postgres"):
        pytest.skip("PostgreSQL is not among ARCHIVE_TEST_BACKENDS")
    url = request.getfixturevalue("postgres_db_url")
    proc = subprocess.run([archive_exe(), "--db", url, "ingest", "--jobs", "2", "--json",
                           *[str(realworld / f) for f in SUBSET]], capture_output=True, timeout=600)
    assert proc.returncode == 1, proc.stderr
    summary = json.loads(proc.stdout)
    failed = {os.path.relpath(f["path"], realworld) for f in summary["failed"]}
    assert failed == set(SUBSET[:3])
    assert len(summary["ingested"]) == len(SUBSET) - 3
    search = subprocess.run([archive_exe(), "--db", url, "search", "--json", '"quick brown"'],
                            capture_output=True, timeout=60)
    hits = json.loads(search.stdout)
    assert search.returncode == 0 and hits and all(h["page"] == 1 for h in hits)
    phototest = _page(url, realworld, "tesseract/phototest.tif")
    assert {h["document"] for h in hits} == {phototest.document_id}


def test_missing_jbig2dec_is_named_and_the_page_still_read(realworld, monkeypatch):
    """Without jbig2dec pypdf cannot decode a JBIG2 scan: the page is rendered by poppler
    instead and the page note names the missing decoder and how to install it."""
    import dataclasses

    import pypdf.filters

    from ingest import pdf
    config = dataclasses.replace(pypdf.filters.get_configuration(), jbig2dec_binary=None)
    monkeypatch.setattr(pypdf.filters, "get_configuration", lambda: config)
    path = realworld / "ocrmypdf" / "linn.pdf"
    reader = pdf.open_pdf(path, source=str(path))
    image, dpi, how = pdf.page_image(reader, 0, path, source=str(path))
    assert "jbig2dec" in how and "apt-get install jbig2dec" in how, how
    assert image.size == (2550, 3300) and dpi == 300  # poppler rendered the whole page
