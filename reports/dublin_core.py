"""Dublin Core: each document as an OAI-DC record, in a collection file valid against the bundled schemas."""

from __future__ import annotations

from datetime import datetime, timezone
from importlib import resources
from pathlib import Path, PurePath
from typing import Iterable, Optional

from lxml import etree

from archive.store.vocabulary import PageMethod, RelationKind
from reports.safety import clean_text

FILE_NAME = "catalog-dc.xml"
COLLECTION_NS = "urn:archive-tracker:dc-collection:1"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC_LOCATION = f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"

# Source formats as detected at ingest, to Internet media types (DCMI recommends MIME types in dc:format).
MEDIA_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg",
               "tiff": "image/tiff", "tif": "image/tiff", "gif": "image/gif", "bmp": "image/bmp",
               "webp": "image/webp", "jp2": "image/jp2", "pnm": "image/x-portable-anymap"}

RELATION_WORDS = {RelationKind.IDENTICAL_TEXT.value: "Same text as",
                  RelationKind.NEAR_DUPLICATE.value: "Rescan or near-duplicate of"}


def document_identifier(doc_id: int) -> str:
    """The archive's own identifier of a document, used in dc:identifier and dc:relation."""
    return f"archive-tracker:document:{int(doc_id)}"


def _add(parent: etree._Element, name: str, values: Iterable[Optional[str]]) -> None:
    seen = set()
    for value in values:
        text = " ".join(clean_text(value).split()) if value is not None else ""
        if text and text not in seen:
            seen.add(text)
            etree.SubElement(parent, f"{{{DC_NS}}}{name}").text = text


def _doc_label(doc_id: int, titles: dict[int, Optional[str]]) -> str:
    title = titles.get(doc_id)
    return f"{document_identifier(doc_id)}" + (f" ({title})" if title else "")


def _work_label(c: dict) -> str:
    return ", ".join(str(x) for x in (c.get("author"), c.get("title"), c.get("year")) if x) or c.get("raw") or ""


def record(doc: dict, titles: dict[int, Optional[str]]) -> etree._Element:
    """One document of the export contract as an oai_dc:dc element."""
    dc = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS})
    dc.set(f"{{{XSI_NS}}}schemaLocation", OAI_DC_LOCATION)
    title = doc.get("title")
    if title and doc.get("subtitle"):
        title = f"{title}: {doc['subtitle']}"
    _add(dc, "title", [title])
    _add(dc, "creator", doc.get("authors") or [])
    # The organization behind a pamphlet is a contributor, not its creator: Simple DC's creator
    # is kept for the named authors.
    _add(dc, "contributor", [doc.get("organization")])
    _add(dc, "publisher", [doc.get("publisher")])
    # dc:date is a publication date only: an inferred "not before" bound goes to the description.
    _add(dc, "date", [doc.get("date")])
    _add(dc, "type", ["Text"])  # DCMI Type Vocabulary
    sources = doc.get("source_files") or []
    _add(dc, "format", [MEDIA_TYPES.get((s.get("format") or "").lower(), s.get("format")) for s in sources]
         + [f"{doc['page_count']} pages" if doc.get("page_count") else None])
    _add(dc, "identifier", [document_identifier(doc["id"])] + [f"urn:sha256:{s['sha256']}" for s in sources])
    # Only the file name: a published record should not reveal where the scans sit on disk.
    _add(dc, "source", [PurePath(s["path"]).name for s in sources if s.get("path")])
    _add(dc, "language", [doc.get("language")])
    # The series the work was issued in: DCMI's "Is Part Of", in words like the other relations.
    relations = [f"Is part of the series {doc['series']}"] if doc.get("series") else []
    for c in doc.get("citations") or []:
        if c.get("target") is not None and c["target"] != doc["id"]:
            relations.append(f"References {_doc_label(c['target'], titles)}")
        elif c.get("external_work") is not None:
            relations.append(f"References {_work_label(c)}")
    relations += [f"Is referenced by {_doc_label(i, titles)}" for i in doc.get("cited_by") or []]
    for dup in doc.get("duplicates") or []:
        words = RELATION_WORDS.get(dup.get("kind"), f"Related ({dup.get('kind')}) to")
        relations.append(f"{words} {_doc_label(dup['document'], titles)}")
    _add(dc, "relation", relations)
    _add(dc, "description", _descriptions(doc))
    return dc


def _descriptions(doc: dict) -> list[str]:
    out = []
    if doc.get("place"):
        out.append(f"Place of publication: {doc['place']}")
    if doc.get("date") and doc.get("date_approximate"):
        out.append(f"Date approximate: {doc['date']}")
    if not doc.get("date") and doc.get("date_not_before"):
        out.append(f"Undated; not before {doc['date_not_before']} (inferred)")
    pages = doc.get("pages") or []
    ocr = sum(1 for p in pages if p.get("method") == PageMethod.OCR)
    layer = sum(1 for p in pages if p.get("method") == PageMethod.TEXT_LAYER)
    if pages:
        how = []
        if layer:
            how.append(f"{layer} from the PDF text layer")
        if ocr:
            conf = doc.get("mean_ocr_confidence")
            how.append(f"{ocr} by OCR" + (f" (mean word confidence {conf:.0f}/100)" if conf is not None else ""))
        out.append(f"Digitized, {len(pages)} pages; text: " + ("; ".join(how) if how else "none extracted"))
    return out


def render(export: dict) -> str:
    """The export contract dict as an XML collection of OAI-DC records (UTF-8, with declaration)."""
    docs = export.get("documents") or []
    titles = {d["id"]: d.get("title") for d in docs}
    root = etree.Element(f"{{{COLLECTION_NS}}}collection", nsmap={None: COLLECTION_NS})
    root.set("generated", datetime.now(timezone.utc).replace(microsecond=0).isoformat())
    root.set("count", str(len(docs)))
    for doc in docs:
        rec = etree.SubElement(root, f"{{{COLLECTION_NS}}}record", id=str(int(doc["id"])))
        rec.append(record(doc, titles))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8")


_SCHEMA: Optional[etree.XMLSchema] = None


def schema() -> etree.XMLSchema:
    """The bundled schema of the collection file (it imports oai_dc.xsd, simpledc and xml.xsd)."""
    global _SCHEMA
    if _SCHEMA is None:
        with resources.as_file(resources.files("reports") / "schemas" / "dc-collection.xsd") as path:
            # no_network: every import resolves to a bundled file beside it, never to a URL.
            parser = etree.XMLParser(no_network=True, resolve_entities=False)
            _SCHEMA = etree.XMLSchema(etree.parse(str(path), parser))
    return _SCHEMA


def validate(xml: str | bytes) -> list[str]:
    """Schema errors of a collection file ([] when valid)."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    doc = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))
    s = schema()
    if s.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in s.error_log]


def write(ctx) -> list[Path]:
    return [ctx.out.write_text(FILE_NAME, render(ctx.export()))]
