"""The HTML catalogue: a static site (index, a page per document, name indexes, citation graph, OCR quality)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path, PurePath
from typing import Optional

from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup, escape
from PIL import Image

from archive import __version__
from archive.store.fields import FIELD_LABELS
from archive.store.vocabulary import AgentKind
from reports import graph as graphs
from reports.data import Catalog, DocumentRecord, PageBody, iter_page_bodies
from reports.registry import WRITERS, ReportContext
from reports.safety import clean_text, doc_page_name

STATIC_FILES = ("catalog.css", "catalog.js")
# The metadata fields shown on a document page, in catalogue order, with their labels.
FIELDS = list(FIELD_LABELS)
_JPEG, _PNG = b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"


def environment() -> Environment:
    env = Environment(loader=PackageLoader("reports", "templates"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, finalize=_finalize, auto_reload=False)
    env.filters.update(when=fmt_time, conf=fmt_conf, num=fmt_num, size=fmt_size, clean=clean_text)
    return env


def _finalize(value):
    """Every {{ expression }}: None prints as nothing, and text loses the control characters that
    OCR leaves (form feeds, NULs) before autoescaping; Markup we built ourselves passes through."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return clean_text(value)
    return value


# --- small formatters -------------------------------------------------------------------

def fmt_time(value: Optional[datetime]) -> str:
    if value is None:
        return ""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def fmt_conf(value: Optional[float]) -> str:
    return f"{value:.1f}" if value is not None else "—"


def fmt_num(value: float) -> str:
    return f"{value:g}"


def fmt_size(n: Optional[int]) -> str:
    if n is None:
        return ""
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"


def fmt_date(record: DocumentRecord) -> str:
    d = record.doc
    if not d.date:
        return ""
    return ("c. " if d.date_approximate else "") + d.date


def thumb_name(doc_id: int, number: int, data: bytes) -> Optional[str]:
    """The file name of a page thumbnail, from its actual content (never trusting an extension)."""
    if data.startswith(_JPEG):
        ext = "jpg"
    elif data.startswith(_PNG):
        ext = "png"
    else:
        return None
    return f"thumbnails/doc-{int(doc_id)}-p{int(number):04d}.{ext}"


def image_size(data: bytes) -> Optional[tuple[int, int]]:
    """Width and height from the image header (Pillow reads no pixels here), or None when the
    bytes are not an image Pillow knows: such a thumbnail is left out rather than published."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            return img.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


# --- views: what the templates show, prepared here so that templates stay simple ---------------

@dataclass
class Links:
    """Relative links from a page at `root` (the output folder or documents/) to everything else."""

    root: str  # "" at the top, "../" from documents/
    catalog: Catalog

    def doc(self, doc_id: int) -> Optional[str]:
        if doc_id in self.catalog.by_id:
            return f"{self.root}documents/{doc_page_name(doc_id)}"
        return None

    def work(self, work_id: int) -> str:
        return f"{self.root}works.html#work-{int(work_id)}"


def _value(record: DocumentRecord, field: str):
    if field == "authors":
        return "; ".join(record.authors)
    if field == "date":
        d = record.doc
        if not d.date:
            return ""
        extra = [x for x in (d.date_precision, "approximate" if d.date_approximate else None) if x]
        return fmt_date(record) + (f" ({', '.join(extra)})" if extra else "")
    value = getattr(record.doc, field)
    return "" if value is None else str(value)


def _assertion_view(a, who, record: DocumentRecord, field: str, page_numbers: set[int], marked: set[int]) -> dict:
    value = json.loads(a.value_json)
    shown = "; ".join(value) if isinstance(value, list) else ("" if value is None else str(value))
    current = record.authors if field == "authors" else getattr(record.doc, field, None)
    # Link to the highlighted words when they were marked in the page text, else to the page.
    anchor = f"ev-{a.id}" if a.id in marked else (f"page-{a.page}" if a.page in page_numbers else None)
    return {
        "id": a.id, "person": who.kind == AgentKind.PERSON, "agent": who.label, "agent_kind": who.kind,
        "method": a.method, "confidence": a.confidence, "page": a.page, "anchor": anchor,
        "evidence": a.evidence, "note": a.note, "time": a.created_at,
        "value": shown, "is_current": value == current, "superseded": a.superseded,
    }


def metadata_rows(record: DocumentRecord, marked: set[int] = frozenset()) -> list[dict]:
    pages = {p.number for p in record.pages}
    rows = []
    for field, label in FIELDS:
        live = [_assertion_view(a, who, record, field, pages, marked) for a, who in record.current_assertions(field)]
        old = [_assertion_view(a, who, record, field, pages, marked)
               for a, who in record.superseded_assertions(field)]
        value = _value(record, field)
        if value or live or old:
            rows.append({"field": field, "label": label, "value": value, "live": live, "old": old})
    return rows


def marked_text(text: str, spans: list[tuple[int, int, int, Optional[str]]], marked: set[int]) -> Markup:
    """Page text, escaped, with each evidence span (start, end, assertion id, evidence) in a <mark>;
    the ids of the marked assertions are added to `marked`. A span is marked only when it fits the
    text and matches its recorded evidence; overlapping spans after the first are skipped."""
    out, at = [], 0
    for start, end, a_id, evidence in sorted(spans):
        if start is None or end is None or not (at <= start < end <= len(text)):
            continue
        if evidence is not None and " ".join(text[start:end].split()) != " ".join(evidence.split()):
            continue  # offsets from another version of the text: do not point at the wrong words
        # Offsets count characters of the stored text: slice first, clean each piece after.
        out.append(escape(clean_text(text[at:start])))
        out.append(Markup('<mark id="ev-{}">{}</mark>').format(int(a_id), clean_text(text[start:end])))
        marked.add(a_id)
        at = end
    out.append(escape(clean_text(text[at:])))
    return Markup("").join(out)


def page_views(record: DocumentRecord, bodies: list[PageBody], thumbs: dict[int, tuple[str, tuple[int, int]]],
               threshold: float, root: str, marked: set[int]) -> list[dict]:
    spans: dict[int, list] = {}
    for a, _who in record.assertions:
        if a.page is not None and a.span_start is not None and not a.superseded:
            spans.setdefault(a.page, []).append((a.span_start, a.span_end, a.id, a.evidence))
    views = []
    for p in bodies:
        views.append({"number": p.number, "method": p.method, "confidence": p.confidence,
                      "low": p.confidence is not None and p.confidence < threshold,
                      "thumb": (root + thumbs[p.number][0]) if p.number in thumbs else None,
                      "thumb_size": thumbs[p.number][1] if p.number in thumbs else None,
                      "text": marked_text(p.text, spans.get(p.number, []), marked), "empty": not p.text.strip()})
    return views


def citation_views(record: DocumentRecord, links: Links) -> tuple[list[dict], list[dict]]:
    cat = links.catalog
    out = []
    for c in record.citations:
        target = cat.ref(c.target_document_id) if c.target_document_id not in (None, record.id) else None
        work = cat.external_works.get(c.external_work_id) if c.external_work_id is not None else None
        out.append({"raw": c.raw, "page": c.page, "kind": c.kind, "author": c.author, "title": c.title,
                    "year": c.year, "locator": c.locator, "confidence": c.confidence, "evidence": c.match_evidence,
                    "target": target, "target_href": links.doc(target.id) if target else None,
                    "work": work, "work_href": links.work(work.id) if work else None,
                    "self": c.target_document_id == record.id})
    into = []
    for c in record.cited_by:
        ref = cat.ref(c.document_id)
        into.append({"raw": c.raw, "page": c.page, "source": ref, "href": links.doc(ref.id)})
    return out, into


def relation_views(record: DocumentRecord, links: Links) -> list[dict]:
    views = []
    for rel in record.relations:
        other = rel.other_id if rel.document_id == record.id else rel.document_id
        ref = links.catalog.ref(other)
        views.append({"other": ref, "href": links.doc(other), "kind": rel.kind, "score": rel.score,
                      "method": rel.method, "canonical": rel.canonical_id, "this_canonical":
                      rel.canonical_id == record.id, "time": rel.created_at})
    return views


def source_views(record: DocumentRecord) -> list[dict]:
    return [{"sequence": s.sequence, "name": PurePath(s.path).name, "size": s.size, "sha256": s.sha256,
             "format": s.format, "ingested_at": s.ingested_at, "fixity": s.last_fixity,
             "fixity_at": s.last_fixity_at} for s in record.sources]


def _name_groups(catalog: Catalog, attr: str, prefix: str) -> tuple[list[dict], dict[str, str]]:
    groups: dict[str, list[DocumentRecord]] = {}
    for r in catalog.documents:
        value = getattr(r.doc, attr)
        if value and value.strip():
            groups.setdefault(" ".join(value.split()), []).append(r)
    names = sorted(groups, key=lambda s: (s.casefold(), s))
    anchors = {name: f"{prefix}-{i + 1}" for i, name in enumerate(names)}
    return [{"name": n, "anchor": anchors[n], "records": groups[n]} for n in names], anchors


def _work_views(catalog: Catalog, links: Links) -> list[dict]:
    citing: dict[int, list] = {}
    for r in catalog.documents:
        for c in r.citations:
            if c.external_work_id in catalog.external_works:
                citing.setdefault(c.external_work_id, []).append((r, c))
    views = []
    for w_id, cites in citing.items():
        w = catalog.external_works[w_id]
        views.append({"id": w_id, "author": w.author, "title": w.title, "year": w.year,
                      "documents": len({r.id for r, _ in cites}),
                      "cites": [{"record": r, "href": links.doc(r.id), "page": c.page, "raw": c.raw}
                                for r, c in cites]})
    views.sort(key=lambda v: (-v["documents"], (v["author"] or "").casefold(), (v["title"] or "").casefold(), v["id"]))
    return views


# --- the writer -------------------------------------------------------------------------

class _Site:
    def __init__(self, ctx: ReportContext):
        self.ctx = ctx
        self.cat = ctx.catalog
        self.env = environment()
        # Per-document formats are folders (hocr/, alto/, ...), not one download to link.
        self.downloads = [(WRITERS[f].main_file, WRITERS[f].label) for f in ctx.formats
                          if f != "html" and not WRITERS[f].per_document]
        self.orgs, self.org_anchor = _name_groups(self.cat, "organization", "org")
        self.pubs, self.pub_anchor = _name_groups(self.cat, "publisher", "pub")
        self.nav = [("index.html", "Documents"), ("organizations.html", "Organizations"),
                    ("publishers.html", "Publishers"), ("works.html", "Works cited"),
                    ("citations.html", "Citation graph"), ("ocr-quality.html", "OCR quality")]
        self.thumbs: dict[int, dict[int, tuple[str, tuple[int, int]]]] = {}
        self.templates: dict[str, Template] = {}

    def render(self, name: str, template: str, root: str, current: str, **context) -> None:
        if template not in self.templates:
            self.templates[template] = self.env.get_template(template)
        html = self.templates[template].render(
            root=root, site_title=self.ctx.site_title, nav=self.nav, current=current, downloads=self.downloads,
            generated_at=self.cat.generated_at, version=__version__, filters=self.cat.filters,
            threshold=self.ctx.ocr_threshold, fmt_date=fmt_date, **context)
        self.ctx.out.write_text(name, html)

    def write(self) -> None:
        for name in STATIC_FILES:
            self.ctx.out.write_bytes(f"static/{name}", (resources.files("reports") / "static" / name).read_bytes())
        # Document pages first: they write the thumbnails that the OCR-quality page shows again.
        for doc_id, bodies in iter_page_bodies(self.ctx.session, self.cat.ids()):
            self.document_page(self.cat.by_id[doc_id], bodies)
        top = Links("", self.cat)
        self.render("index.html", "index.html", "", "index.html", records=self.cat.documents, links=top,
                    org_anchor=self.org_anchor, pub_anchor=self.pub_anchor)
        self.render("organizations.html", "names.html", "", "organizations.html", heading="Organizations",
                    groups=self.orgs, missing=sum(1 for r in self.cat.documents if not r.doc.organization),
                    what="organization", links=top)
        self.render("publishers.html", "names.html", "", "publishers.html", heading="Publishers",
                    groups=self.pubs, missing=sum(1 for r in self.cat.documents if not r.doc.publisher),
                    what="publisher", links=top)
        self.render("works.html", "works.html", "", "works.html", works=_work_views(self.cat, top))
        self.citation_graph(top)
        self.ocr_quality(top)

    def document_page(self, record: DocumentRecord, bodies: list[PageBody]) -> None:
        thumbs = {}
        for p in bodies:
            name = thumb_name(record.id, p.number, p.thumbnail) if p.thumbnail else None
            size = image_size(p.thumbnail) if name else None
            if name and size:
                self.ctx.out.write_bytes(name, p.thumbnail)
                thumbs[p.number] = (name, size)
        self.thumbs[record.id] = thumbs
        links = Links("../", self.cat)
        cites_out, cites_in = citation_views(record, links)
        d = record.doc
        marked: set[int] = set()
        pages = page_views(record, bodies, thumbs, self.ctx.ocr_threshold, "../", marked)
        self.render(f"documents/{doc_page_name(record.id)}", "document.html", "../", "",
                    r=record, d=d, links=links, metadata=metadata_rows(record, marked), sources=source_views(record),
                    pages=pages,
                    cites_out=cites_out, cites_in=cites_in, relations=relation_views(record, links),
                    events=record.events, fixity=record.fixity,
                    org_anchor=self.org_anchor.get(" ".join((d.organization or "").split())),
                    pub_anchor=self.pub_anchor.get(" ".join((d.publisher or "").split())))

    def citation_graph(self, links: Links) -> None:
        g = graphs.build_graph(self.cat, lambda i: f"documents/{doc_page_name(i)}", links.work)
        picture = graphs.svg_text(g)
        self.ctx.out.write_text("citations.svg", '<?xml version="1.0" encoding="UTF-8"?>\n' + picture)
        held = [(r, c) for r in self.cat.documents for c in r.citations
                if c.target_document_id is not None and c.target_document_id != r.id]
        self.render("citations.html", "citations.html", "", "citations.html", graph=g,
                    svg=Markup(picture),  # built by lxml: every label inside is already escaped
                    held=[{"record": r, "href": links.doc(r.id), "page": c.page, "raw": c.raw,
                           "target": self.cat.ref(c.target_document_id),
                           "target_href": links.doc(c.target_document_id)} for r, c in held])

    def ocr_quality(self, links: Links) -> None:
        threshold = self.ctx.ocr_threshold
        low, blank, bands = [], [], {"below 50": 0, "50–70": 0, "70–85": 0, "85 and above": 0}
        for r in self.cat.documents:
            for p in r.pages:
                if p.confidence is not None:
                    c = p.confidence
                    bands["below 50" if c < 50 else "50–70" if c < 70 else "70–85" if c < 85 else "85 and above"] += 1
                    if c < threshold:
                        low.append({"record": r, "page": p, "href": links.doc(r.id),
                                    "thumb": self.thumbs.get(r.id, {}).get(p.number, (None,))[0]})
                elif p.text_length == 0:
                    blank.append({"record": r, "page": p, "href": links.doc(r.id)})
        low.sort(key=lambda v: (v["page"].confidence, v["record"].id, v["page"].number))
        self.render("ocr-quality.html", "ocr.html", "", "ocr-quality.html", low=low, blank=blank, bands=bands,
                    ocr_pages=sum(bands.values()))


def write(ctx: ReportContext) -> list[Path]:
    before = len(ctx.out.written)
    _Site(ctx).write()
    return ctx.out.written[before:]

