"""The printable catalogue (PDF, with fpdf2): a title page, a summary list, then one or more pages per document."""

from __future__ import annotations

import io
from pathlib import Path, PurePath
from typing import Optional

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from archive import __version__
from archive.store.fields import FIELD_LABELS
from archive.store.vocabulary import AgentKind, Outcome
from reports.data import Catalog, DocumentRecord, iter_page_bodies
from reports.registry import ReportContext
from reports.safety import clean_text

FILE_NAME = "catalog.pdf"

# DejaVu comes with Debian's fonts-dejavu-core (scripts/bootstrap.sh installs it): it covers Latin,
# Greek and Cyrillic, which the PDF core fonts (Latin-1 only) do not.
FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
             Path("/usr/local/share/fonts"), Path.home() / ".fonts"]
FONT_FILES = {("serif", ""): "DejaVuSerif.ttf", ("serif", "B"): "DejaVuSerif-Bold.ttf",
              ("sans", ""): "DejaVuSans.ttf", ("sans", "B"): "DejaVuSans-Bold.ttf",
              ("mono", ""): "DejaVuSansMono.ttf"}
CORE_FONTS = {"serif": "Times", "sans": "Helvetica", "mono": "Courier"}
INK, MUTED, ACCENT, RULE = (29, 27, 24), (107, 100, 91), (122, 46, 29), (200, 190, 172)
# The fields listed under a document's heading; the title is the heading itself.
FIELDS = [(name, label) for name, label in FIELD_LABELS if name != "title"]


def _find_fonts() -> Optional[dict[tuple[str, str], Path]]:
    found = {}
    for key, name in FONT_FILES.items():
        path = next((d / name for d in FONT_DIRS if (d / name).is_file()), None)
        if path is None:
            return None
        found[key] = path
    return found


class _Catalogue(FPDF):
    def __init__(self, title: str, generated: str):
        super().__init__(format="A4", unit="mm")
        self.catalogue_title = title
        self.generated = generated
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=18)
        fonts = _find_fonts()
        self.unicode = fonts is not None
        if fonts:
            for (family, style), path in fonts.items():
                self.add_font(family, style, str(path))
        self._widths: dict[tuple, float] = {}
        self.set_title(title)
        self.set_creator(f"archive-tracker {__version__}")

    def font(self, family: str, style: str = "", size: float = 10) -> None:
        if self.unicode:
            self.set_font(family, style if (family, style) in FONT_FILES else "", size)
        else:
            self.set_font(CORE_FONTS[family], style, size)

    def text_of(self, value) -> str:
        """Untrusted text made printable: control characters out, and with no Unicode font,
        anything outside Latin-1 as '?' rather than an exception."""
        text = clean_text(value)
        if not self.unicode:
            text = text.encode("latin-1", "replace").decode("latin-1")
        return text

    def footer(self) -> None:
        self.set_y(-12)
        self.font("sans", "", 7.5)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.text_of(f"{self.catalogue_title} · generated {self.generated}"), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"{self.page_no()}", align="R")
        self.set_text_color(*INK)

    # -- building blocks ------------------------------------------------------------------

    def word_width(self, word: str) -> float:
        # fpdf2's multi_cell re-measures the growing line for every character it adds, which made
        # a 1,000-document catalogue take minutes; words measured once and cached keep it to seconds.
        key = (self.font_family, self.font_style, self.font_size_pt, word)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = self.get_string_width(word)
        return width

    def wrap(self, text: str, width: float) -> list[str]:
        """Greedy word wrap of `text` (already printable) to `width` mm in the current font; a word
        wider than the line (a digest, a URL) is cut between characters."""
        space = self.word_width(" ")
        lines: list[str] = []
        for paragraph in text.split("\n"):
            current, used = [], 0.0
            for word in paragraph.split():
                w = self.word_width(word)
                while w > width:  # cut an overlong word into pieces that fit
                    cut = max(1, int(len(word) * width / w))
                    while cut > 1 and self.word_width(word[:cut]) > width:
                        cut -= 1
                    if current:
                        lines.append(" ".join(current))
                        current, used = [], 0.0
                    lines.append(word[:cut])
                    word = word[cut:]
                    w = self.word_width(word)
                if current and used + space + w > width:
                    lines.append(" ".join(current))
                    current, used = [word], w
                else:
                    used += (space if current else 0.0) + w
                    current.append(word)
            lines.append(" ".join(current))
        return lines

    def lines_at(self, text: str, x: float, width: float, h: float, link=None) -> None:
        for line in self.wrap(self.text_of(text), width):
            self.set_x(x)
            self.cell(width, h, line, link=link or "", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def para(self, text, *, family="serif", style="", size=10, color=INK, h=None, indent=0.0) -> None:
        self.font(family, style, size)
        self.set_text_color(*color)
        self.lines_at(text, self.l_margin + indent, self.epw - indent, h or size * 0.5)
        self.set_text_color(*INK)

    def heading(self, text: str) -> None:
        if self.get_y() > self.h - 40:  # keep a heading with at least a few lines of its section
            self.add_page()
        self.ln(3)
        self.font("sans", "B", 9)
        self.set_text_color(*ACCENT)
        self.cell(0, 5, self.text_of(text.upper()), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)
        self.set_text_color(*INK)

    def field(self, label: str, value: str, note: str = "") -> None:
        label_w = 30
        self.font("sans", "B", 8)
        self.set_text_color(*MUTED)
        y = self.get_y()
        self.cell(label_w, 5, self.text_of(label))
        self.set_text_color(*INK)
        self.set_xy(self.l_margin + label_w, y)
        self.font("serif", "", 10)
        self.lines_at(value, self.l_margin + label_w, self.epw - label_w, 5)
        if note:
            self.para(note, family="sans", size=7.5, color=MUTED, h=3.6, indent=label_w)
        self.ln(0.6)


def _provenance_note(record: DocumentRecord, field: str) -> str:
    notes = []
    for a, who in record.current_assertions(field)[:2]:
        if who.kind == AgentKind.PERSON:
            notes.append(f"set by {who.label}" + (f": {a.note}" if a.note else ""))
        elif a.evidence:
            where = f"p. {a.page}, " if a.page else ""
            ev = " ".join(a.evidence.split())
            ev = ev if len(ev) <= 90 else ev[:89] + "…"
            notes.append(f"{where}“{ev}” ({a.method}, {a.confidence:.2f})")
        else:
            notes.append(f"{a.method} ({who.label}, {a.confidence:.2f})")
    return "; ".join(notes)


def _value(record: DocumentRecord, field: str) -> str:
    if field == "authors":
        return "; ".join(record.authors)
    d = record.doc
    if field == "date" and d.date:
        return ("c. " if d.date_approximate else "") + d.date
    value = getattr(d, field)
    return "" if value is None else str(value)


def _summary(pdf: _Catalogue, catalog: Catalog, links: dict[int, int]) -> None:
    pdf.heading(f"Contents: {len(catalog.documents)} documents")
    for r in catalog.documents:
        d = r.doc
        bits = " · ".join(x for x in (d.organization or d.publisher, ("c. " if d.date_approximate else "") + d.date
                                       if d.date else None, f"{d.page_count} p.") if x)
        pdf.font("serif", "", 9.5)
        y = pdf.get_y()
        pdf.set_x(pdf.l_margin)
        pdf.cell(12, 4.8, str(d.id), align="R", link=links[r.id])
        pdf.set_xy(pdf.l_margin + 15, y)
        pdf.lines_at(f"{r.display_title}  —  {bits}", pdf.l_margin + 15, pdf.epw - 15, 4.8, link=links[r.id])


def _document(pdf: _Catalogue, record: DocumentRecord, catalog: Catalog, first_thumb: Optional[bytes],
              threshold: float, link: int) -> None:
    pdf.add_page()
    pdf.set_link(link, page=pdf.page_no())
    d = record.doc
    top, start_page = pdf.get_y(), pdf.page_no()
    thumb_w, thumb_bottom = 0.0, top
    if first_thumb:
        try:
            info = pdf.image(io.BytesIO(first_thumb), x=pdf.w - pdf.r_margin - 38, y=top, w=38)
            thumb_w = 42.0
            thumb_bottom = top + float(info.rendered_height)
        except Exception:  # noqa: BLE001 - a damaged thumbnail must not stop the catalogue
            thumb_w = 0.0
    pdf.font("sans", "B", 8)
    pdf.set_text_color(*ACCENT)
    pdf.cell(0, 5, f"DOCUMENT {d.id}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.font("serif", "B", 16)
    pdf.lines_at(record.display_title, pdf.l_margin, pdf.epw - thumb_w, 7.5)
    pdf.ln(2)
    if thumb_w:
        pdf.set_right_margin(pdf.r_margin + thumb_w)
    for field, label in FIELDS:
        value = _value(record, field)
        if value:
            pdf.field(label, value, _provenance_note(record, field))
    if not d.title:
        pdf.field("Title", "not recorded", f"label: {record.label}")
    pdf.field("Extent", f"{d.page_count} page{'s' if d.page_count != 1 else ''}"
              + (f"; mean OCR confidence {d.mean_confidence:.1f}" if d.mean_confidence is not None else ""))
    fx = record.fixity
    pdf.field("Fixity", fx.status + (f", checked {fx.checked_at:%Y-%m-%d %H:%M} UTC" if fx.checked_at else ""))
    if thumb_w:
        pdf.set_right_margin(pdf.r_margin - thumb_w)
        if pdf.page_no() == start_page and pdf.get_y() < thumb_bottom:
            pdf.set_y(thumb_bottom + 2)

    pdf.heading("Source files")
    for s in record.sources:
        pdf.para(f"{PurePath(s.path).name}  ·  {s.format}  ·  {s.size:,} bytes  ·  "
                 + (f"fixity {s.last_fixity}" if s.last_fixity else "not checked since ingest"),
                 family="sans", size=8.5, h=4.2)
        pdf.para(f"SHA-256 {s.sha256}", family="mono", size=7.5, color=MUTED, h=3.8)
    low = [p.number for p in record.pages if p.confidence is not None and p.confidence < threshold]
    if low:
        pdf.para(f"Pages below OCR confidence {threshold:.0f}: " + ", ".join(map(str, low)), family="sans",
                 size=8.5, h=4.2, color=ACCENT)

    if record.citations:
        pdf.heading(f"Citations ({len(record.citations)})")
        for c in record.citations:
            target = ""
            if c.target_document_id is not None and c.target_document_id != record.id:
                ref = catalog.ref(c.target_document_id)
                target = f"  →  document {ref.id}: {ref.display}"
            elif c.external_work_id in catalog.external_works:
                w = catalog.external_works[c.external_work_id]
                target = "  →  not held: " + ", ".join(x for x in (w.author, w.title, w.year) if x)
            page = f"p. {c.page}: " if c.page else ""
            pdf.para(f"{page}{' '.join(c.raw.split())}{target}", size=9, h=4.4)
    if record.cited_by:
        pdf.heading(f"Cited by ({len(record.cited_by)})")
        for c in record.cited_by:
            ref = catalog.ref(c.document_id)
            pdf.para(f"Document {ref.id}: {ref.display}" + (f", p. {c.page}" if c.page else "")
                     + f": {' '.join(c.raw.split())}", size=9, h=4.4)
    if record.relations:
        pdf.heading("Duplicates and rescans")
        for rel in record.relations:
            other = rel.other_id if rel.document_id == record.id else rel.document_id
            ref = catalog.ref(other)
            pdf.para(f"{rel.kind}: document {ref.id}, {ref.display} (score {rel.score:.3f}, {rel.method})",
                     size=9, h=4.4)
    if record.events:
        pdf.heading(f"History ({len(record.events)} events)")
        kinds: dict[str, list] = {}
        for ev, who in record.events:
            kinds.setdefault(ev.type, []).append((ev, who))
        for etype, evs in kinds.items():
            first, last = evs[0][0].time, evs[-1][0].time
            failed = sum(1 for ev, _ in evs if ev.outcome != Outcome.SUCCESS)
            agents = sorted({who.label for _, who in evs})
            when = f"{first:%Y-%m-%d %H:%M}" + (f" to {last:%Y-%m-%d %H:%M}" if last != first else "")
            pdf.para(f"{etype} ×{len(evs)}" + (f" ({failed} not successful)" if failed else "")
                     + f" · {when} UTC · {', '.join(agents)}", family="sans", size=8, h=4)


def render(ctx: ReportContext) -> bytes:
    catalog = ctx.catalog
    pdf = _Catalogue(ctx.site_title, f"{catalog.generated_at:%Y-%m-%d %H:%M} UTC")
    pdf.add_page()
    pdf.ln(30)
    pdf.para(ctx.site_title, family="serif", style="B", size=24, h=11)
    pdf.ln(3)
    total_pages = sum(r.doc.page_count for r in catalog.documents)
    pdf.para(f"{len(catalog.documents)} documents, {total_pages} pages. Generated "
             f"{catalog.generated_at:%Y-%m-%d %H:%M} UTC by archive-tracker {__version__}.", family="sans", size=10,
             color=MUTED)
    if catalog.filters:
        pdf.para("Selection: " + ", ".join(f"{k} “{v}”" for k, v in catalog.filters.items()), family="sans",
                 size=10, color=MUTED)
    pdf.para("Titles, names and page text come from the documents themselves, mostly by OCR, and may contain "
             "errors. Each metadata value is followed by its evidence: the page and the words it was read from, "
             "or the person who set it.", family="sans", size=9, color=MUTED)
    links = {r.id: pdf.add_link() for r in catalog.documents}
    _summary(pdf, catalog, links)
    for doc_id, bodies in iter_page_bodies(ctx.session, catalog.ids()):
        first = next((p.thumbnail for p in bodies if p.thumbnail), None)
        _document(pdf, catalog.by_id[doc_id], catalog, first, ctx.ocr_threshold, links[doc_id])
    return bytes(pdf.output())


def write(ctx: ReportContext) -> list[Path]:
    return [ctx.out.write_bytes(FILE_NAME, render(ctx))]
