"""Ingest does no needless work: OCR results reused by image digest, text layers never OCR'd,
PDFs read as needed (not whole), and the same text whatever the number of jobs. Behaviour, not timings."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlmodel import Session

from archive.store import reads
from archive.store.db import make_engine
from ingest import tools
from ingest.pipeline import IngestOptions, ingest
from testkit.pdfwrite import PdfObjects, write_image_pdf
from tests.helpers.ocr import CountingTesseract

pytestmark = pytest.mark.tesseract

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
LINES = [
    ("The committee met in the hall", "on Tuesday evening at eight."),
    ("Members are asked to bring", "their cards and the dues book."),
    ("A report on the printing fund", "will be read by the secretary."),
    ("Leaflets for the district", "are ready at the office."),
]


def _page_image(path: Path, lines: tuple[str, str]) -> Path:
    """A small 300 dpi page image of two printed lines (quick to OCR)."""
    img = Image.new("L", (1275, 420), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT), 44) if FONT.exists() else ImageFont.load_default(44)
    for i, line in enumerate(lines):
        draw.text((70, 90 + 110 * i), line, fill=0, font=font)
    img.save(path, "JPEG", quality=90, dpi=(300, 300))
    return path


@pytest.fixture
def counted(tmp_path) -> CountingTesseract:
    """The real Tesseract as the injected OCR engine, counting every recognition it runs."""
    if not shutil.which("tesseract"):
        pytest.skip("Tesseract is not installed")
    return CountingTesseract(tmp_path / "tesseract-calls.log")


def test_the_tesseract_command_runs_with_one_thread(tmp_path, monkeypatch):
    """Where the library cannot be loaded, the command runs with one OpenMP thread per process:
    we run one process per core ourselves."""
    real = shutil.which("tesseract")
    if not real:
        pytest.skip("Tesseract is not installed")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "threads.log"
    wrapper = bindir / "tesseract"
    wrapper.write_text(f'#!/bin/sh\necho "threads=$OMP_THREAD_LIMIT" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    page = _page_image(tmp_path / "page.jpg", LINES[0])
    tsv = tools.run_tesseract_command(page, lang="eng", psm=3, source="page.jpg")
    assert "committee" in tsv
    assert log.read_text().splitlines() == ["threads=1"]


@pytest.fixture
def pages_dir(tmp_path) -> Path:
    d = tmp_path / "first"
    d.mkdir()
    for i, lines in enumerate(LINES[:3], 1):
        _page_image(d / f"page-{i:03d}.jpg", lines)
    return d


def _pages(engine, doc_id: int):
    with Session(engine) as s:
        return reads.pages(s, doc_id)


def test_known_page_images_are_not_ocrd_again(tmp_path, pages_dir, counted):
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    first = ingest(engine, [str(pages_dir)], IngestOptions(jobs=2), ocr=counted)
    assert len(first.ingested) == 1 and counted.calls() == 3
    before = {p.image_sha256: p for p in _pages(engine, first.ingested[0]["document"])}

    # The same images in another folder, in another order, with a new page among them.
    again = tmp_path / "second"
    again.mkdir()
    for src, name in zip(sorted(pages_dir.iterdir()), ("page-003.jpg", "page-001.jpg", "page-004.jpg")):
        shutil.copyfile(src, again / name)
    _page_image(again / "page-002.jpg", LINES[3])
    second = ingest(engine, [str(again)], IngestOptions(jobs=2), ocr=counted)
    assert len(second.ingested) == 1
    assert counted.calls() == 1, "only the new page image is OCR'd"
    pages = _pages(engine, second.ingested[0]["document"])
    reused = [p for p in pages if p.note and "reused" in p.note]
    assert len(reused) == 3
    for p in reused:
        assert p.text == before[p.image_sha256].text and p.text.strip()
    assert "Leaflets" in pages[1].text  # the new page, OCR'd in its place in the order


def test_scans_embedded_in_a_pdf_reuse_earlier_ocr(tmp_path, pages_dir, counted):
    engine = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    first = ingest(engine, [str(pages_dir)], IngestOptions(jobs=2), ocr=counted)
    assert counted.calls() == 3
    # The same JPEGs embedded byte for byte in a PDF, plus one new page: only that one is OCR'd.
    new = _page_image(tmp_path / "new.jpg", LINES[3])
    scans = sorted(pages_dir.iterdir())
    made = tmp_path / "made-from-the-scans.pdf"
    write_image_pdf([scans[2], new, scans[0], scans[1]], made)
    second = ingest(engine, [str(made)], IngestOptions(jobs=2), ocr=counted)
    assert len(second.ingested) == 1
    assert counted.calls() == 1
    pages = _pages(engine, second.ingested[0]["document"])
    assert [bool(p.note and "reused" in p.note) for p in pages] == [True, False, True, True]
    held = {p.image_sha256: p.text for p in _pages(engine, first.ingested[0]["document"])}
    assert pages[0].text == held[pages[0].image_sha256]
    # And a second PDF holding those embedded scans again is not OCR'd at all.
    write_image_pdf([new, scans[1]], tmp_path / "another.pdf")
    third = ingest(engine, [str(tmp_path / "another.pdf")], IngestOptions(jobs=1), ocr=counted)
    assert len(third.ingested) == 1 and counted.calls() == 0


def _text_and_bulk_pdf(path: Path, bulk_pages: int, bulk_bytes: int) -> None:
    """A born-digital first page, then pages each carrying a large raw image the first never uses."""
    n = 1 + bulk_pages
    with open(path, "wb") as fh:
        pdf = PdfObjects(fh)
        pdf.add(b"<< /Type /Catalog /Pages 2 0 R >>")
        kids = " ".join(f"{4 + 3 * i} 0 R" for i in range(n))
        pdf.add(f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode())
        pdf.add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
        side = int(bulk_bytes ** 0.5)
        for i in range(n):
            if i == 0:
                text = (b"BT /F1 14 Tf 72 700 Td (The annual report of the printing fund was read and) Tj "
                        b"0 -20 Td (adopted by the members present at the general meeting.) Tj ET")
                pdf.add(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                        f"/Contents {5 + 3 * i} 0 R >>".encode())
                pdf.add(f"<< /Length {len(text)} >>".encode(), text)
                pdf.add(b"<< >>")  # keeps the numbering regular
                continue
            draw = b"q 612 0 0 792 0 0 cm /Im0 Do Q"
            pdf.add(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im0 "
                    f"{6 + 3 * i} 0 R >> >> /Contents {5 + 3 * i} 0 R >>".encode())
            pdf.add(f"<< /Length {len(draw)} >>".encode(), draw)
            pdf.add(f"<< /Type /XObject /Subtype /Image /Width {side} /Height {side} /ColorSpace /DeviceGray "
                    f"/BitsPerComponent 8 /Length {side * side} >>".encode(), bytes([200]) * (side * side))
        pdf.finish()


def _bytes_read() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


def test_pdf_pages_are_read_as_needed_and_text_layers_skip_ocr(tmp_path, counted):
    if not Path("/proc/self/io").exists():
        pytest.skip("needs Linux /proc/self/io to count the bytes read")
    from ingest.pages import PageTask, process_page
    big = tmp_path / "report-with-plates.pdf"
    _text_and_bulk_pdf(big, bulk_pages=12, bulk_bytes=4_000_000)
    size = big.stat().st_size
    assert size > 45_000_000
    before = _bytes_read()
    result = process_page(PageTask(source=str(big), path=str(big), kind="pdf", fmt="pdf", index=0,
                                   number=1, source_seq=0, ocr=counted))
    read = _bytes_read() - before
    assert result.method == "text-layer" and "printing fund" in result.text
    assert read < size / 20, f"read {read} bytes of a {size}-byte PDF to get its first page"
    assert counted.calls() == 0, "a text-layer page never reaches Tesseract"

    # Through the whole pipeline too: the born-digital page is taken from its text layer.
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    small = tmp_path / "minutes.pdf"
    _text_and_bulk_pdf(small, bulk_pages=0, bulk_bytes=0)
    summary = ingest(engine, [str(small)], IngestOptions(jobs=2), ocr=counted)
    pages = _pages(engine, summary.ingested[0]["document"])
    assert [p.method for p in pages] == ["text-layer"] and pages[0].engine == "pypdf"
    assert counted.calls() == 0


def test_one_and_two_jobs_give_identical_pages(tmp_path, pages_dir):
    made = tmp_path / "scans.pdf"
    write_image_pdf(sorted(pages_dir.iterdir()), made)
    seen = []
    for jobs in (1, 2):
        engine = make_engine(f"sqlite:///{tmp_path / f'j{jobs}.db'}")
        summary = ingest(engine, [str(pages_dir), str(made)], IngestOptions(jobs=jobs))
        assert len(summary.ingested) == 2 and not summary.failed
        docs = sorted(summary.ingested, key=lambda d: d["paths"][0])
        seen.append([[(p.number, p.method, p.text, p.image_sha256, p.preprocessing)
                      for p in _pages(engine, d["document"])] for d in docs])
    assert seen[0] == seen[1]
    assert all(p[2].strip() for doc in seen[0] for p in doc)


def test_jobs_default_to_the_core_count(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    from ingest.pages import worker_init
    from ingest.scheduler import make_executor
    made = []

    def recording(jobs):  # the default executor, recorded
        executor = make_executor(jobs, initializer=worker_init)
        if isinstance(executor, ProcessPoolExecutor):
            made.append(jobs)
        return executor

    minutes = tmp_path / "minutes.pdf"
    _text_and_bulk_pdf(minutes, bulk_pages=0, bulk_bytes=0)
    engine = make_engine(f"sqlite:///{tmp_path / 'd.db'}")
    summary = ingest(engine, [str(minutes)], IngestOptions(), new_executor=recording)  # jobs=0: the default
    assert summary.ingested
    cores = len(os.sched_getaffinity(0))
    assert made == ([cores] if cores > 1 else [])  # one core: the in-process serial executor


def test_text_layer_thumbnails_come_from_one_render_per_run_of_pages(corpus):
    """The parent renders a document's text-layer pages small, one pdftoppm run per run of
    consecutive pages, instead of one run per page."""
    import io

    from ingest import pages as pages_mod
    from ingest.pages import PageResult, PageTask
    pdf_path = str(corpus / "on-trotskyites" / "digital.pdf")
    calls = []
    real = tools.rasterize_pdf_pages

    def counted(path, first, last, **kw):
        calls.append((first, last))
        return real(path, first, last, **kw)

    tasks = [PageTask(source="digital.pdf", path=pdf_path, kind="pdf", fmt="pdf", index=i, number=i + 1, source_seq=0)
             for i in range(10)]
    own = b"\xff\xd8own"
    results = {t.number: PageResult(t.number, 0, t.index, "text-layer", "text") for t in tasks}
    results[6] = PageResult(6, 0, 5, "ocr", "text", thumbnail=own)  # already has the OCR image's thumbnail
    out = pages_mod.with_pdf_thumbnails(tasks, results, render=counted)
    assert calls == [(0, 4), (6, 9)]
    assert out[6].thumbnail == own
    # With two workers idle, a long run is split in two renders that run side by side.
    calls.clear()
    plain = {t.number: PageResult(t.number, 0, t.index, "text-layer", "text") for t in tasks}
    split = pages_mod.with_pdf_thumbnails(tasks, plain, jobs=2, render=counted)
    assert sorted(calls) == [(0, 4), (5, 9)] and all(split[n].thumbnail for n in plain)
    assert split[7].thumbnail == out[7].thumbnail
    for n in (1, 2, 3, 4, 5, 7, 8, 9, 10):
        with Image.open(io.BytesIO(out[n].thumbnail)) as im:
            assert im.format == "JPEG" and 300 <= im.width <= pages_mod.THUMBNAIL_WIDTH and im.height > im.width
