"""Searchable PDF/A-2b access copies: `access/doc-<id>.pdf` per document (writer "pdf-a").

Each page is the original page image, not recompressed (a JPEG's bytes as DCTDecode; a scanned
PDF's image stream copied as it is, whatever its filter: DCT, CCITT, JBIG2, Flate; PNG and TIFF
pixels as Flate, which is lossless), under an invisible text layer built from the stored OCR
layout (no second OCR pass). Born-digital documents (every page read from a text layer) are
copied byte for byte: they already are what a reader needs.

Cost grows with the pages of the documents asked for; each document is read on its own
(reads.pages, reads.page_layout one page at a time) and its copy written before the next starts.
A document longer than PART_PAGES is written in parts that qpdf joins (access_pdf_parts.join_parts),
so memory holds one part's images, not the document's.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zlib
from contextlib import ExitStack
from pathlib import Path
from typing import Optional

import pikepdf
from PIL import Image

from archive.errors import ArchiveError, UsageError
from archive.store import reads
from reports.access_pdf_parts import glyphless_font, join_parts, set_metadata, srgb_output_intent, text_layer
from reports.registry import ReportContext

FOLDER = "access"
SUMMARY = f"{FOLDER}/summary.json"
DEFAULT_DPI = 300.0
# Pages written into one part file: what a long document holds in memory at once.
PART_PAGES = 50
# Pillow modes stored as they are (as Flate of the pixels); others become RGB (alpha dropped:
# PDF/A-2b allows soft masks, but a scan's alpha carries nothing and a page with none is simpler).
_MODES = {"1": ("/DeviceGray", 1), "L": ("/DeviceGray", 8), "RGB": ("/DeviceRGB", 8)}


def write(ctx: ReportContext) -> list[Path]:
    written: list[Path] = []
    summary = []
    for record in ctx.catalog.documents:
        path, info = _one(ctx.session, record.doc, ctx.out.path_for(f"{FOLDER}/doc-{record.id}.pdf"))
        if path is not None:
            ctx.out.written.append(path)
            written.append(path)
        summary.append(info)
    written.append(ctx.out.write_text(SUMMARY, json.dumps({"documents": summary}, indent=2) + "\n"))
    return written


def _one(session, doc, target: Path) -> tuple[Optional[Path], dict]:
    """One document's copy, or its one-line reason in the summary: a moved or unreadable source
    loses that document's copy, not the run's."""
    try:
        return write_document(session, doc, target)
    except (ArchiveError, OSError) as exc:
        target.unlink(missing_ok=True)
        reason = exc.one_line() if isinstance(exc, ArchiveError) else f"{exc.__class__.__name__}: {exc}"
        return None, {"document": doc.id, "file": None, "error": reason}


def write_document(session, doc, target: Path, *, part_pages: int = PART_PAGES) -> tuple[Path, dict]:
    """Write one document's access copy to `target`; returns it and a summary (kind, sizes, pages
    without a text layer)."""
    pages = reads.pages(session, doc.id)
    sources = {s.id: s for s in reads.source_files(session, doc.id)}
    source_size = sum(s.size for s in sources.values())
    target.parent.mkdir(parents=True, exist_ok=True)
    info = {"document": doc.id, "file": f"{FOLDER}/{target.name}", "pages": len(pages), "source_bytes": source_size}
    born_digital = pages and all(p.method == "text-layer" for p in pages) and len(sources) == 1
    if born_digital:
        src = next(iter(sources.values()))
        _copy(Path(src.path), target)
        info.update(kind="original PDF copied as it is (born-digital)", bytes=target.stat().st_size)
        return target, info
    no_layout: list[int] = []
    title = doc.title or doc.label or f"document {doc.id}"
    creators = reads.authors(doc)
    parts = [pages[i:i + part_pages] for i in range(0, len(pages), part_pages)] or [[]]
    if len(parts) == 1:
        _write_part(session, doc, parts[0], sources, target, title, creators, no_layout)
    else:
        # A long document is written `part_pages` pages at a time and the parts joined by qpdf,
        # which copies their streams from the files: memory holds one part, not the document.
        with tempfile.TemporaryDirectory(prefix=".parts-", dir=target.parent) as tmp:
            files = []
            for n, part in enumerate(parts):
                files.append(Path(tmp) / f"part-{n:05d}.pdf")
                _write_part(session, doc, part, sources, files[-1], title, creators, no_layout)
            join_parts(files, target)
    info.update(kind="PDF/A-2b: original page images with an invisible OCR text layer",
                bytes=target.stat().st_size, pages_without_text_layer=no_layout)
    return target, info


def _write_part(session, doc, pages, sources, target: Path, title: str, creators: list[str],
                no_layout: list[int]) -> None:
    """`pages` of the document as one PDF/A-2b file (the first part's catalogue, metadata and
    output intent are the joined copy's)."""
    with ExitStack() as opened, pikepdf.new() as pdf:
        font = glyphless_font(pdf)
        srgb_output_intent(pdf)
        open_pdfs: dict[int, pikepdf.Pdf] = {}
        for page in pages:
            src = sources.get(page.source_file_id)
            if src is None:
                raise UsageError(f"page {page.number} of document {doc.id} has no source file")
            layout = reads.page_layout(session, page.id)
            if layout is None or not layout.lines:
                no_layout.append(page.number)
            if src.format == "pdf":
                if src.id not in open_pdfs:
                    open_pdfs[src.id] = opened.enter_context(_open_pdf(src.path))
                image, pixels, size = _pdf_page_image(pdf, open_pdfs[src.id], page.source_index, src.path)
            else:
                (image, pixels), size = _image_stream(pdf, src.path, src.format, page.source_index), None
            _add_page(pdf, image, pixels, layout, page, font, size)
        set_metadata(pdf, title=title, creators=creators)
        # Streams copied from a scanned PDF are read from it while saving, so it stays open till here.
        # Streams already encoded (the images) are written as they are, not decoded and re-encoded.
        pdf.save(target, linearize=False, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 stream_decode_level=pikepdf.StreamDecodeLevel.none)


def _copy(src: Path, target: Path) -> None:
    try:
        with open(src, "rb") as fin, open(target, "wb") as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)
    except OSError as exc:
        raise UsageError(f"cannot copy the source PDF: {exc.strerror}", path=str(src)) from exc


def _open_pdf(path: str) -> pikepdf.Pdf:
    try:
        return pikepdf.open(path)
    except (OSError, pikepdf.PdfError) as exc:
        raise UsageError(f"cannot read the source PDF: {exc}", path=path) from exc


def _pdf_page_image(pdf: pikepdf.Pdf, source: pikepdf.Pdf, index: int, path: str):
    """The largest image of a scanned PDF's page, its stream copied unchanged (qpdf copies the
    encoded bytes, filter and all)."""
    try:
        page = source.pages[index]
    except IndexError:
        raise UsageError(f"the source PDF has no page {index + 1}", path=path) from None
    xobjects = page.Resources.get("/XObject", {})
    images = [x for x in xobjects.values() if x.get("/Subtype") == "/Image"]
    if not images:
        raise UsageError(f"page {index + 1} of the source PDF holds no image to copy", path=path)
    best = max(images, key=lambda im: int(im.Width) * int(im.Height))
    image = pdf.copy_foreign(best)
    if "/SMask" in image:  # no transparency in the copy (a scan's mask is an artefact)
        del image["/SMask"]
    box = [float(v) for v in page.mediabox]
    return image, (int(best.Width), int(best.Height)), (box[2] - box[0], box[3] - box[1])


def _image_stream(pdf: pikepdf.Pdf, path: str, fmt: str, frame: int):
    try:
        im = Image.open(path)
        if fmt == "jpeg" and im.mode in ("L", "RGB"):
            # DCTDecode passthrough: the file's bytes are the stream, not one pixel decoded.
            data = Path(path).read_bytes()
            stream = pikepdf.Stream(pdf, data)
            stream.Filter = pikepdf.Name.DCTDecode
            colorspace, bits = _MODES[im.mode]
        else:
            im.seek(frame)
            if im.mode not in _MODES:
                im = im.convert("L" if im.mode in ("LA", "I;16", "I") else "RGB")
            colorspace, bits = _MODES[im.mode]
            # Compressed here, so a part holds Flate bytes rather than the decoded pixels.
            stream = pikepdf.Stream(pdf, zlib.compress(im.tobytes(), 6))
            stream.Filter = pikepdf.Name.FlateDecode
    except (OSError, EOFError) as exc:
        raise UsageError(f"cannot read the page image: {exc}", path=path) from exc
    stream.Type = pikepdf.Name.XObject
    stream.Subtype = pikepdf.Name.Image
    stream.Width, stream.Height = im.size
    stream.ColorSpace = pikepdf.Name(colorspace)
    stream.BitsPerComponent = bits
    return stream, im.size


def _placement(rotation: int, w: float, h: float) -> str:
    """The image matrix that draws the stored (unturned) image turned `rotation` degrees clockwise
    onto an upright page of w x h points."""
    return {0: f"{w} 0 0 {h} 0 0", 90: f"0 {-h} {w} 0 0 {h}",
            180: f"{-w} 0 0 {-h} {w} {h}", 270: f"0 {h} {-w} 0 {w} 0"}[rotation % 360]


def _add_page(pdf: pikepdf.Pdf, image, pixels: tuple[int, int], layout, page, font,
              size: Optional[tuple[float, float]] = None) -> None:
    """One page: the image filling it, the text layer over it. `size` (points) is a scanned PDF's
    own page size; an image's comes from its pixels and resolution."""
    rotation = (layout.rotation if layout is not None else 0) % 360
    if rotation not in (0, 90, 180, 270):
        rotation = 0
    upright = pixels if rotation in (0, 180) else (pixels[1], pixels[0])
    dpi = (layout.dpi if layout is not None and layout.dpi else None) or page.dpi or DEFAULT_DPI
    w, h = size if size else (upright[0] * 72.0 / dpi, upright[1] * 72.0 / dpi)
    content = f"q {_placement(rotation, w, h)} cm /Im0 Do Q\n".encode("ascii")
    if layout is not None and layout.lines and layout.width:
        # Layout units are pixels of the upright stored image; scale them onto the page.
        content += text_layer(layout, w / layout.width, h)
    new = pikepdf.Page(pikepdf.Dictionary(
        Type=pikepdf.Name.Page, MediaBox=[0, 0, round(w, 3), round(h, 3)],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image), Font=pikepdf.Dictionary(F1=font)),
        Contents=pikepdf.Stream(pdf, content)))
    pdf.pages.append(new)


def export_access(engine, out_dir: Path, flt: Optional[reads.DocumentFilter] = None, progress=None) -> dict:
    """`archive export --format pdf -o DIR`: the access copies of the filtered documents."""
    from sqlmodel import Session

    from reports.safety import OutputDir
    out = OutputDir(out_dir)
    results = []
    with Session(engine, autoflush=False) as session:
        docs = reads.list_documents(session, flt or reads.DocumentFilter(), with_text=False)
        for i, doc in enumerate(docs, 1):
            _, info = _one(session, doc, out.path_for(f"{FOLDER}/doc-{doc.id}.pdf"))
            results.append(info)
            if progress:
                progress(i, len(docs))
        session.rollback()
    out.write_text(SUMMARY, json.dumps({"documents": results}, indent=2) + "\n")
    return {"output": str(out.root), "documents": results}
