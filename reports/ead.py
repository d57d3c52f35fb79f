"""EAD3 finding aid of the selection (ead.xml): one archival description, one c01 per document.

control: recordid, the title, and a maintenance history (this export, and the span of the
documents' own events). archdesc level="collection": did with unittitle and unitdate (the span of
the documents' dates); dsc: a c01 level="item" per document with unitid, unittitle, unitdate
(normal= the ISO date, to its precision), origination (authors as persname, organisation as
corpname), the page count as physdescstructured, and a dao pointing at a copy when the caller
knows one (the bag links the sources it holds).

Validated against the bundled EAD3 1.1.1 XSD (reports/schemas/ead3.xsd; see SOURCES.md).
Cost: the catalogue's records, already read; the XML grows with the number of documents
(about a kilobyte each), so 10,000 documents are ~10 MB, built in memory once.
"""

from __future__ import annotations

from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Callable, Optional

from lxml import etree

from archive import __version__
from archive.errors import ArchiveError
from reports import dublin_core
from reports.safety import clean_text

EAD_NS = "http://ead3.archivists.org/schema/"
FILE_NAME = "ead.xml"


def _q(tag: str) -> str:
    return f"{{{EAD_NS}}}{tag}"


def _sub(parent, tag, text=None, **attrs):
    el = etree.SubElement(parent, _q(tag), {k: clean_text(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = clean_text(text)
    return el


def _unitdate(parent, doc) -> None:
    if not doc.date:
        return
    shown = ("circa " if doc.date_approximate else "") + doc.date
    # normal= takes ISO 8601 at the precision we know (YYYY, YYYY-MM or YYYY-MM-DD), as stored.
    _sub(parent, "unitdate", shown, normal=doc.date, certainty="approximate" if doc.date_approximate else None)


def _component(parent, record, dao_href: Optional[str]):
    doc = record.doc
    c = _sub(parent, "c01", level="item", id=f"doc-{doc.id}")
    did = _sub(c, "did")
    _sub(did, "unitid", f"{doc.id}", identifier=dublin_core.document_identifier(doc.id), label=doc.label or None)
    _sub(did, "unittitle", record.display_title)
    _unitdate(did, doc)
    if record.authors or doc.organization:
        orig = _sub(did, "origination")
        for name in record.authors:
            _sub(_sub(orig, "persname"), "part", name)
        if doc.organization:
            _sub(_sub(orig, "corpname"), "part", doc.organization)
    if doc.page_count:
        ps = _sub(did, "physdescstructured", physdescstructuredtype="spaceoccupied", coverage="whole")
        _sub(ps, "quantity", str(doc.page_count))
        _sub(ps, "unittype", "pages")
    if dao_href:
        _sub(did, "dao", daotype="derived", href=dao_href, linktitle=record.display_title)
    return c


def build(catalog, title: str, *, dao: Optional[Callable[[object], Optional[str]]] = None,
          record_id: str = "archive-tracker-selection") -> etree._Element:
    """The finding aid of the catalogue's documents; `dao(record)` gives a copy's href, or None."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    root = etree.Element(_q("ead"), nsmap={None: EAD_NS})
    control = _sub(root, "control")
    _sub(control, "recordid", record_id)
    _sub(_sub(_sub(control, "filedesc"), "titlestmt"), "titleproper", title)
    _sub(control, "maintenancestatus", value="derived")
    _sub(_sub(control, "maintenanceagency"), "agencyname", f"archive-tracker {__version__}")
    history = _sub(control, "maintenancehistory")
    times = [ev.time for r in catalog.documents for ev, _ in r.events]
    if times:
        # The documents' own history (ingest, OCR, description), summarised: one event per run
        # of a thousand documents would say nothing a reader of a finding aid needs.
        ev = _sub(history, "maintenanceevent")
        _sub(ev, "eventtype", value="derived")
        last = max(times)
        _sub(ev, "eventdatetime", last.isoformat(), standarddatetime=last.isoformat())
        _sub(ev, "agenttype", value="machine")
        _sub(ev, "agent", f"archive-tracker {__version__}")
        _sub(ev, "eventdescription", f"{len(times)} recorded events from {min(times).date().isoformat()} to "
                                     f"{last.date().isoformat()} (ingest, OCR, description) on "
                                     f"{len(catalog.documents)} documents")
    ev = _sub(history, "maintenanceevent")
    _sub(ev, "eventtype", value="created")
    _sub(ev, "eventdatetime", now.isoformat(), standarddatetime=now.isoformat())
    _sub(ev, "agenttype", value="machine")
    _sub(ev, "agent", f"archive-tracker {__version__}")
    arch = _sub(root, "archdesc", level="collection")
    did = _sub(arch, "did")
    _sub(did, "unittitle", title)
    dates = sorted(r.doc.date for r in catalog.documents if r.doc.date)
    if dates:
        span = dates[0] if dates[0] == dates[-1] else f"{dates[0]}/{dates[-1]}"
        _sub(did, "unitdate", span.replace("/", "–"), normal=span, unitdatetype="inclusive")
    if catalog.documents:
        dsc = _sub(arch, "dsc")
        for record in catalog.documents:
            _component(dsc, record, dao(record) if dao else None)
    return root


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


_SCHEMA: Optional[etree.XMLSchema] = None


def schema() -> etree.XMLSchema:
    global _SCHEMA
    if _SCHEMA is None:
        with resources.as_file(resources.files("reports") / "schemas" / "ead3.xsd") as path:
            _SCHEMA = etree.XMLSchema(etree.parse(str(path), etree.XMLParser(no_network=True)))
    return _SCHEMA


def validate(data: bytes | etree._Element) -> list[str]:
    """EAD3 schema errors ([] when valid)."""
    tree = data if isinstance(data, etree._Element) else etree.fromstring(
        data, etree.XMLParser(no_network=True, resolve_entities=False))
    s = schema()
    return [] if s.validate(tree) else [f"line {e.line}: {e.message}" for e in s.error_log]


def write(ctx) -> list[Path]:
    root = build(ctx.catalog, ctx.site_title)
    errors = validate(root)
    if errors:  # our own output: a bug, said plainly rather than published
        raise ArchiveError(f"{FILE_NAME}: not valid EAD3: {errors[0]}")
    return [ctx.out.write_bytes(FILE_NAME, to_bytes(root))]
