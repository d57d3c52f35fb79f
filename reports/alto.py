"""ALTO 4: one file per page (alto/doc-<id>/page-0001.xml), from the page's stored layout.

Description names the OCR engine and version from the page row; Layout > Page > PrintSpace >
TextBlock > TextLine > String (HPOS/VPOS/WIDTH/HEIGHT, WC as 0-1) with SP between words.
MeasurementUnit is pixel for OCR'd pages and for text-layer pages of known resolution; a text
layer of unknown resolution is written in inch1200 (1/1200 inch, exact for PDF points), ALTO's
own unit for that. A page without a layout gets an empty PrintSpace, never guessed boxes.

Validation: against the bundled ALTO 4.4 schema (reports/schemas/alto-4-4.xsd; schemas/SOURCES.md).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Optional

from lxml import etree

from reports.pagestream import POINTS_PER_INCH, blocks, frame, pages_with_layout, scaled
from reports.safety import clean_text

ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_FILE = "alto-4-4.xsd"
SCHEMA_LOCATION = f"{ALTO_NS} http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"


def file_name(doc_id: int, page: int) -> str:
    return f"alto/doc-{int(doc_id)}/page-{int(page):04d}.xml"


def _q(tag: str) -> str:
    return f"{{{ALTO_NS}}}{tag}"


def _pos(el, box) -> None:
    x0, y0, x1, y1 = box
    el.set("HPOS", str(x0))
    el.set("VPOS", str(y0))
    el.set("WIDTH", str(x1 - x0))
    el.set("HEIGHT", str(y1 - y0))


def page_document(row, lay, image_name: Optional[str]) -> etree._Element:
    root = etree.Element(_q("alto"), nsmap={None: ALTO_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    root.set("SCHEMAVERSION", "4.4")
    desc = etree.SubElement(root, _q("Description"))
    f = frame(row, lay) if lay is not None else None
    inch1200 = f is not None and f.unit == "pt"
    etree.SubElement(desc, _q("MeasurementUnit")).text = "inch1200" if inch1200 else "pixel"
    if image_name:
        src = etree.SubElement(desc, _q("sourceImageInformation"))
        etree.SubElement(src, _q("fileName")).text = clean_text(image_name)
    if row.engine:
        proc = etree.SubElement(desc, _q("OCRProcessing"), ID="OCR_0")
        step = etree.SubElement(proc, _q("ocrProcessingStep"))
        if row.language:
            etree.SubElement(step, _q("processingStepSettings")).text = clean_text(f"language {row.language}")
        sw = etree.SubElement(step, _q("processingSoftware"))
        etree.SubElement(sw, _q("softwareName")).text = clean_text(row.engine)
        if row.engine_version:
            etree.SubElement(sw, _q("softwareVersion")).text = clean_text(row.engine_version)
    layout_el = etree.SubElement(root, _q("Layout"))
    page = etree.SubElement(layout_el, _q("Page"), ID=f"P{row.number}", PHYSICAL_IMG_NR=str(row.number))
    if f is None:
        page.append(etree.Comment(" no stored layout for this page: word positions unknown "))
        etree.SubElement(page, _q("PrintSpace"))
        return root
    if inch1200:
        # Points to 1/1200 inch: x 1200/72.
        f = type(f)(round(f.width * 1200 / POINTS_PER_INCH), round(f.height * 1200 / POINTS_PER_INCH), "pt",
                    1200 / POINTS_PER_INCH, f.note)
    page.set("WIDTH", str(f.width))
    page.set("HEIGHT", str(f.height))
    space = etree.SubElement(page, _q("PrintSpace"))
    _pos(space, (0, 0, f.width, f.height))
    li = wi = 0
    for bi, (_, lines) in enumerate(blocks(lay), start=1):
        block = etree.SubElement(space, _q("TextBlock"), ID=f"P{row.number}_B{bi}")
        _pos(block, scaled((min(ln.box[0] for ln in lines), min(ln.box[1] for ln in lines),
                            max(ln.box[2] for ln in lines), max(ln.box[3] for ln in lines)), f))
        for line in lines:
            li += 1
            tl = etree.SubElement(block, _q("TextLine"), ID=f"P{row.number}_L{li}")
            _pos(tl, scaled(line.box, f))
            for k, word in enumerate(line.words):
                wi += 1
                if k:
                    etree.SubElement(tl, _q("SP"))
                s = etree.SubElement(tl, _q("String"), ID=f"P{row.number}_W{wi}", CONTENT=clean_text(word.text))
                _pos(s, scaled(word.box, f))
                if word.confidence is not None:
                    s.set("WC", f"{max(0.0, min(100.0, word.confidence)) / 100:.3f}")
    return root


_SCHEMA: Optional[etree.XMLSchema] = None


def schema() -> etree.XMLSchema:
    """The bundled ALTO 4.4 schema."""
    global _SCHEMA
    if _SCHEMA is None:
        with resources.as_file(resources.files("reports") / "schemas" / SCHEMA_FILE) as path:
            _SCHEMA = etree.XMLSchema(etree.parse(str(path), etree.XMLParser(no_network=True)))
    return _SCHEMA


def write(ctx) -> list[Path]:
    progress = getattr(ctx, "progress", None)
    out = []
    docs = ctx.catalog.documents
    for i, record in enumerate(docs, start=1):
        names = {s.id: Path(s.path).name for s in record.sources}
        for row, lay in pages_with_layout(ctx.session, record.id):
            tree = page_document(row, lay, names.get(row.source_file_id))
            data = etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)
            out.append(ctx.out.write_bytes(file_name(record.id, row.number), data))
        if progress:
            progress("alto", i, len(docs))
    return out


def validate(data: bytes | etree._Element) -> list[str]:
    """Schema errors of an ALTO file ([] when valid)."""
    s = schema()
    tree = data if isinstance(data, etree._Element) else etree.fromstring(
        data, etree.XMLParser(no_network=True, resolve_entities=False))
    return [] if s.validate(tree) else [f"line {e.line}: {e.message}" for e in s.error_log]
