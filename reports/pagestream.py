"""A document's pages for the per-page exports (hOCR, ALTO, METS): small rows without text or
thumbnail, and each page's layout read only when that page is written.

Cost: one query for a document's page rows (a few numbers each, so a 1,000-page document is a
few hundred kilobytes), then one primary-key read per page for its layout, dropped once the page
is written. Nothing here grows with the size of the archive, only with the document at hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional

from sqlmodel import Session, select

from archive.store import reads
from archive.store.layout import Layout
from archive.store.models import Page

# A text layer's boxes are PDF points (1/72 inch); ALTO's inch1200 unit holds them exactly enough.
POINTS_PER_INCH = 72.0


@dataclass(frozen=True)
class PageRow:
    id: int
    number: int
    method: str
    engine: Optional[str]
    engine_version: Optional[str]
    language: Optional[str]
    width: Optional[int]
    height: Optional[int]
    dpi: Optional[float]
    source_file_id: Optional[int]
    source_index: int


_COLUMNS = (Page.id, Page.number, Page.method, Page.engine, Page.engine_version, Page.language, Page.width,
            Page.height, Page.dpi, Page.source_file_id, Page.source_index)


def page_rows(session: Session, doc_id: int) -> list[PageRow]:
    rows = session.exec(select(*_COLUMNS).where(Page.document_id == doc_id).order_by(Page.number))
    return [PageRow(*row) for row in rows]


def pages_with_layout(session: Session, doc_id: int) -> Iterator[tuple[PageRow, Optional[Layout]]]:
    """(page, its layout or None) in page order; one layout in memory at a time."""
    for row in page_rows(session, doc_id):
        yield row, reads.page_layout(session, row.id)


@dataclass(frozen=True)
class Frame:
    """The coordinate frame a page's boxes are written in: `scale` turns a layout box into it."""

    width: int
    height: int
    unit: str  # "px" or "pt"
    scale: float
    note: str


def frame(row: PageRow, lay: Layout) -> Frame:
    if lay.unit == "px":
        return Frame(lay.width, lay.height, "px", 1.0, "pixels of the stored page image")
    # A text-layer page: its pixel size is known only when the page was also rendered at a known dpi.
    dpi = lay.dpi or row.dpi
    if dpi:
        s = dpi / POINTS_PER_INCH
        return Frame(round(lay.width * s), round(lay.height * s), "px", s,
                     f"PDF points scaled to pixels at {dpi:g} dpi")
    return Frame(lay.width, lay.height, "pt", 1.0, "PDF points (1/72 inch): no pixel size is known for this page")


def scaled(box, f: Frame) -> tuple[int, int, int, int]:
    """A box in the frame, clamped to the page (a text layer can place a glyph past the edge)."""
    x0, y0, x1, y1 = (round(v * f.scale) for v in box)
    x0, x1 = max(0, min(x0, f.width)), max(0, min(x1, f.width))
    y0, y1 = max(0, min(y0, f.height)), max(0, min(y1, f.height))
    return x0, y0, max(x1, x0), max(y1, y0)


def blocks(lay: Layout):
    """The layout's lines grouped into (block, paragraph) runs, in reading order."""
    group: list = []
    key = None
    for line in lay.lines:
        k = (line.block, line.par) if lay.source == "tesseract" else (0, 0)
        if group and k != key:
            yield key, group
            group = []
        key = k
        group.append(line)
    if group:
        yield key, group
