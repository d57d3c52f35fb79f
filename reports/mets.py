"""METS + PREMIS 3 per document (mets/doc-<id>.mets.xml).

dmdSec: the document's Dublin Core record (reports.dublin_core.record). amdSec: a PREMIS object
for each source file (SHA-256 fixity, size, format), the document's events from the Event table
and their agents. fileSec: the source files, and the ALTO files when ALTO was written in the same
run. structMap: the pages in order, each pointing at its source file (BEGIN = the page's 1-based
index inside that file) and its ALTO file.

Validated against the bundled METS 1.12.1, PREMIS 3.0 and OAI Dublin Core schemas together
(reports/schemas/mets-premis-dc.xsd loads all three: METS wraps metadata with lax processing, so
the PREMIS and DC sections are checked only when their schemas are loaded beside METS's).
"""

from __future__ import annotations

from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Optional

from lxml import etree

from archive import __version__
from reports import alto, dublin_core
from reports.pagestream import page_rows
from reports.safety import clean_text

METS_NS = "http://www.loc.gov/METS/"
PREMIS_NS = "http://www.loc.gov/premis/v3"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"mets": METS_NS, "premis": PREMIS_NS, "xlink": XLINK_NS, "xsi": XSI_NS}
LOCATION = f"{METS_NS} http://www.loc.gov/standards/mets/mets.xsd {PREMIS_NS} " \
           "http://www.loc.gov/standards/premis/v3/premis-v3-0.xsd"
ID_TYPE = "local"


def file_name(doc_id: int) -> str:
    return f"mets/doc-{int(doc_id)}.mets.xml"


def _m(tag):
    return f"{{{METS_NS}}}{tag}"


def _p(tag):
    return f"{{{PREMIS_NS}}}{tag}"


def _sub(parent, tag, text=None, **attrs):
    el = etree.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        el.text = clean_text(text)
    return el


def _wrap(parent, section: str, ident: str, mdtype: str):
    sec = _sub(parent, _m(section), ID=ident)
    return _sub(_sub(sec, _m("mdWrap"), MDTYPE=mdtype), _m("xmlData"))


def _ident(parent, prefix: str, value: str):
    el = _sub(parent, _p(f"{prefix}Identifier"))
    _sub(el, _p(f"{prefix}IdentifierType"), ID_TYPE)
    _sub(el, _p(f"{prefix}IdentifierValue"), value)
    return el


def _dc_dict(record) -> dict:
    """The fields dublin_core.record reads, from the catalogue's record (no page text is read)."""
    d = record.doc
    return {"id": d.id, "title": d.title, "subtitle": d.subtitle, "authors": record.authors,
            "organization": d.organization, "publisher": d.publisher, "place": d.place, "date": d.date,
            "date_approximate": d.date_approximate, "date_not_before": d.date_not_before,
            "language": d.language, "page_count": d.page_count, "mean_ocr_confidence": d.mean_confidence,
            "source_files": [{"format": s.format, "sha256": s.sha256, "path": s.path} for s in record.sources],
            "pages": [{"method": p.method} for p in record.pages],
            "citations": [{"target": c.target_document_id, "external_work": c.external_work_id, "author": c.author,
                           "title": c.title, "year": c.year, "raw": c.raw} for c in record.citations],
            "cited_by": sorted({c.document_id for c in record.cited_by}),
            "duplicates": [{"kind": r.kind, "document": r.other_id if r.document_id == d.id else r.document_id}
                           for r in record.relations]}


def document(session, record, *, with_alto: bool) -> etree._Element:
    doc = record.doc
    root = etree.Element(_m("mets"), nsmap=NSMAP, OBJID=dublin_core.document_identifier(doc.id),
                         LABEL=clean_text(record.display_title), TYPE="document")
    root.set(f"{{{XSI_NS}}}schemaLocation", LOCATION)
    hdr = _sub(root, _m("metsHdr"), CREATEDATE=datetime.now(timezone.utc).replace(microsecond=0).isoformat())
    _sub(_sub(hdr, _m("agent"), ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE"), _m("name"),
         f"archive-tracker {__version__}")
    _wrap(root, "dmdSec", "DMD1", "DC").append(dublin_core.record(_dc_dict(record), {}))
    amd = _sub(root, _m("amdSec"), ID="AMD1")
    for s in record.sources:
        obj = _sub(_wrap(amd, "techMD", f"TECH-SF{s.id}", "PREMIS:OBJECT"), _p("object"))
        obj.set(f"{{{XSI_NS}}}type", "premis:file")
        _ident(obj, "object", f"archive-tracker:sourcefile:{s.id}")
        ch = _sub(obj, _p("objectCharacteristics"))
        _sub(ch, _p("compositionLevel"), "0")
        fx = _sub(ch, _p("fixity"))
        _sub(fx, _p("messageDigestAlgorithm"), "SHA-256")
        _sub(fx, _p("messageDigest"), s.sha256)
        _sub(fx, _p("messageDigestOriginator"), "archive-tracker")
        _sub(ch, _p("size"), str(s.size))
        _sub(_sub(_sub(ch, _p("format")), _p("formatDesignation")), _p("formatName"),
             dublin_core.MEDIA_TYPES.get((s.format or "").lower(), s.format))
        _sub(obj, _p("originalName"), Path(s.path).name)
    agents = {}
    for ev, who in record.events:
        agents[who.id] = who
        e = _sub(_wrap(amd, "digiprovMD", f"EVT{ev.id}", "PREMIS:EVENT"), _p("event"))
        _ident(e, "event", f"archive-tracker:event:{ev.id}")
        _sub(e, _p("eventType"), ev.type)
        _sub(e, _p("eventDateTime"), ev.time.isoformat())
        detail = ev.detail + (f" (page {ev.page_number})" if ev.page_number else "")
        if detail.strip():
            _sub(_sub(e, _p("eventDetailInformation")), _p("eventDetail"), detail)
        _sub(_sub(e, _p("eventOutcomeInformation")), _p("eventOutcome"), ev.outcome)
        la = _ident(e, "linkingAgent", f"archive-tracker:agent:{who.id}")
        _sub(la, _p("linkingAgentRole"), "executing program" if who.kind == "software" else "implementer")
        if ev.source_file_id:
            _ident(e, "linkingObject", f"archive-tracker:sourcefile:{ev.source_file_id}")
    for who in agents.values():
        a = _sub(_wrap(amd, "digiprovMD", f"AGT{who.id}", "PREMIS:AGENT"), _p("agent"))
        _ident(a, "agent", f"archive-tracker:agent:{who.id}")
        _sub(a, _p("agentName"), who.name)
        _sub(a, _p("agentType"), who.kind)
        if who.version:
            _sub(a, _p("agentVersion"), who.version)
    pages = page_rows(session, doc.id)
    files = _sub(root, _m("fileSec"))
    grp = _sub(files, _m("fileGrp"), USE="ORIGINAL")
    for s in record.sources:
        f = _sub(grp, _m("file"), ID=f"SF{s.id}", SEQ=s.sequence + 1, SIZE=s.size, CHECKSUM=s.sha256,
                 CHECKSUMTYPE="SHA-256", ADMID=f"TECH-SF{s.id}",
                 MIMETYPE=dublin_core.MEDIA_TYPES.get((s.format or "").lower(), "application/octet-stream"))
        loc = _sub(f, _m("FLocat"), LOCTYPE="OTHER", OTHERLOCTYPE="FILENAME")
        loc.set(f"{{{XLINK_NS}}}href", Path(s.path).name)
    if with_alto and pages:
        agrp = _sub(files, _m("fileGrp"), USE="ALTO")
        for row in pages:
            f = _sub(agrp, _m("file"), ID=f"ALTO{row.number}", MIMETYPE="text/xml")
            loc = _sub(f, _m("FLocat"), LOCTYPE="URL")
            loc.set(f"{{{XLINK_NS}}}href", "../" + alto.file_name(doc.id, row.number))
    smap = _sub(root, _m("structMap"), TYPE="PHYSICAL")
    top = _sub(smap, _m("div"), TYPE="document", DMDID="DMD1", ADMID="AMD1", LABEL=clean_text(record.display_title))
    for row in pages:
        div = _sub(top, _m("div"), TYPE="page", ORDER=row.number, ORDERLABEL=str(row.number))
        if row.source_file_id:
            _sub(_sub(div, _m("fptr")), _m("area"), FILEID=f"SF{row.source_file_id}", BEGIN=row.source_index + 1)
        if with_alto:
            _sub(div, _m("fptr"), FILEID=f"ALTO{row.number}")
    if len(files) == 0:
        root.remove(files)
    return root


_SCHEMA: Optional[etree.XMLSchema] = None


def schema() -> etree.XMLSchema:
    global _SCHEMA
    if _SCHEMA is None:
        with resources.as_file(resources.files("reports") / "schemas" / "mets-premis-dc.xsd") as path:
            _SCHEMA = etree.XMLSchema(etree.parse(str(path), etree.XMLParser(no_network=True)))
    return _SCHEMA


def validate(data: bytes | etree._Element) -> list[str]:
    """Schema errors of a METS file ([] when valid)."""
    tree = data if isinstance(data, etree._Element) else etree.fromstring(
        data, etree.XMLParser(no_network=True, resolve_entities=False))
    s = schema()
    return [] if s.validate(tree) else [f"line {e.line}: {e.message}" for e in s.error_log]


def write(ctx) -> list[Path]:
    progress = getattr(ctx, "progress", None)
    with_alto = "alto" in ctx.formats
    out = []
    docs = ctx.catalog.documents
    for i, record in enumerate(docs, start=1):
        data = etree.tostring(document(ctx.session, record, with_alto=with_alto), xml_declaration=True,
                              encoding="UTF-8", pretty_print=True)
        out.append(ctx.out.write_bytes(file_name(record.id), data))
        if progress:
            progress("mets", i, len(docs))
    return out
