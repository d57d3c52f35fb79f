"""hOCR: one XHTML file per document (hocr/doc-<id>.hocr), a page at a time.

ocr_page > ocr_carea > ocr_par > ocr_line > ocrx_word, each with its bbox; words carry x_wconf
(Tesseract's 0-100 confidence). Boxes are the stored layout's: pixels of the page image for OCR;
for a text layer, pixels when the page's resolution is known, else PDF points, which the page
says in a comment (hOCR has no unit property). A page without a stored layout is an empty
ocr_page with a comment: its words' positions are unknown and are not guessed.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from archive import __version__
from reports.pagestream import blocks, frame, pages_with_layout, scaled
from reports.safety import clean_text

XHTML_NS = "http://www.w3.org/1999/xhtml"


def file_name(doc_id: int) -> str:
    return f"hocr/doc-{int(doc_id)}.hocr"


def _bbox(box) -> str:
    return "bbox {} {} {} {}".format(*box)


def _q(tag: str) -> str:
    return f"{{{XHTML_NS}}}{tag}"


def _el(parent, cls: str, ident: str, title: str, tag: str = "span") -> etree._Element:
    return etree.SubElement(parent, _q(tag), {"class": cls, "id": ident, "title": title})


def page_element(row, lay, image: str | None = None) -> etree._Element:
    """One ocr_page div (the layout is dropped by the caller once this is written)."""
    n = row.number
    if lay is None:
        div = etree.Element(_q("div"), {"class": "ocr_page", "id": f"page_{n}", "title": f"ppageno {n - 1}"},
                            nsmap={None: XHTML_NS})
        div.append(etree.Comment(f" page {n}: no stored layout (read before layouts were kept, or no text); "
                                 "word positions unknown "))
        return div
    f = frame(row, lay)
    # hOCR's image property is a quoted string: a quote in a file name would end it.
    image_prop = f'image "{clean_text(image).replace(chr(34), chr(39))}"; ' if image else ""
    # Each page is serialized on its own (streaming): it declares the XHTML namespace as the default.
    div = etree.Element(_q("div"), {"class": "ocr_page", "id": f"page_{n}",
                                    "title": f"{image_prop}{_bbox((0, 0, f.width, f.height))}; ppageno {n - 1}"},
                        nsmap={None: XHTML_NS})
    div.append(etree.Comment(f" coordinates: {f.note} "))
    li = wi = 0
    for bi, (_, lines) in enumerate(blocks(lay), start=1):
        area_box = scaled(_union([ln.box for ln in lines]), f)
        area = _el(div, "ocr_carea", f"block_{n}_{bi}", _bbox(area_box), "div")
        par = _el(area, "ocr_par", f"par_{n}_{bi}", _bbox(area_box), "p")
        for line in lines:
            li += 1
            title = _bbox(scaled(line.box, f))
            if line.size:  # a text layer's font size (pt) or an OCR line's height, in the page's frame
                title += f"; x_size {line.size * f.scale:.4g}"
            ln = _el(par, "ocr_line", f"line_{n}_{li}", title)
            for k, word in enumerate(line.words):
                wi += 1
                if k:
                    ln[-1].tail = " "
                wt = _bbox(scaled(word.box, f))
                if word.confidence is not None:
                    wt += f"; x_wconf {round(word.confidence)}"
                _el(ln, "ocrx_word", f"word_{n}_{wi}", wt).text = clean_text(word.text)
            ln.tail = "\n"
    return div


def _union(boxes):
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def write_document(ctx, record) -> Path:
    with ctx.out.open_stream(file_name(record.id)) as fh, etree.xmlfile(fh, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(_q("html"), nsmap={None: XHTML_NS}, attrib={"lang": "en"}):
            head = etree.Element(_q("head"), nsmap={None: XHTML_NS})
            etree.SubElement(head, _q("title")).text = clean_text(record.display_title)
            etree.SubElement(head, _q("meta"), {"http-equiv": "Content-Type",
                                                "content": "text/html; charset=utf-8"})
            etree.SubElement(head, _q("meta"), {"name": "ocr-system", "content": f"archive-tracker {__version__}"})
            etree.SubElement(head, _q("meta"), {"name": "ocr-capabilities",
                                            "content": "ocr_page ocr_carea ocr_par ocr_line ocrx_word"})
            xf.write(head)
            with xf.element(_q("body")):
                names = {s.id: Path(s.path).name for s in record.sources}
                for row, lay in pages_with_layout(ctx.session, record.id):
                    xf.write(page_element(row, lay, names.get(row.source_file_id)))
                    xf.flush()
    return ctx.out.root / file_name(record.id)


def write(ctx) -> list[Path]:
    progress = getattr(ctx, "progress", None)
    out = []
    docs = ctx.catalog.documents
    for i, record in enumerate(docs, start=1):
        out.append(write_document(ctx, record))
        if progress:
            progress("hocr", i, len(docs))
    return out
