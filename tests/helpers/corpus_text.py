"""Text of the shared corpus for the citation, resolution and similarity tests: ground truth, the
PDF text layers, and real Tesseract OCR of the scans (cached for the session)."""

from __future__ import annotations

import functools
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

# Pages of on-trotskyites OCR'd from scanned.pdf in the tests: they hold citations broken across lines,
# titles in quotes, bare names after quotations, and the look-alikes '(Charlie Chaplin)', '(ACDLT)',
# '(Gestapo)', '(the Economist)' that are not citations.
TROT_SAMPLE = (2, 15, 23, 27, 31, 38)


# ---------------------------------------------------------------- OCR text, cached for the session
def _tesseract(image) -> str:
    import pytesseract

    return pytesseract.image_to_string(image, lang="eng")


@functools.lru_cache(maxsize=None)
def ocr_file(path: str, page: int | None = None) -> str:
    """OCR text of one image file, one page of a multi-page TIFF, or one page of an image-only PDF."""
    from PIL import Image

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    if path.endswith(".pdf"):
        with tempfile.TemporaryDirectory() as td:
            # TIFF rather than PNG output: the same pixels (and the same OCR text), but pdftoppm's PNG
            # encoder takes ~8 s of CPU per 300 dpi page against 0.15 s for TIFF
            subprocess.run(["pdftoppm", "-r", "300", "-gray", "-tiff", "-f", str(page), "-l", str(page), path,
                            f"{td}/p"], check=True, timeout=300)
            (tif,) = Path(td).glob("p*.tif")
            with Image.open(tif) as im:
                return _tesseract(im)
    with Image.open(path) as im:
        if page is not None:
            im.seek(page - 1)
        return _tesseract(im.copy())


def ocr_pages(jobs: list[tuple[str, int | None]]) -> list[str]:
    """OCR several pages with two workers (pytesseract runs Tesseract as a subprocess)."""
    with ThreadPoolExecutor(max_workers=2) as ex:
        return list(ex.map(lambda j: ocr_file(*j), jobs))


@functools.lru_cache(maxsize=None)
def pdf_text_pages(path: str) -> tuple[str, ...]:
    from pypdf import PdfReader

    return tuple(p.extract_text() or "" for p in PdfReader(path).pages)


def ground_truth(corpus: Path, doc: dict) -> list[str]:
    return [(corpus / p).read_text(encoding="utf-8") for p in doc["ground_truth"]["pages"]]
