"""The CSV report: one row per document, for spreadsheets."""

from __future__ import annotations

import csv
import io
from pathlib import Path, PurePath

from reports.data import Catalog, DocumentRecord
from reports.registry import ReportContext
from reports.safety import clean_text

FILE_NAME = "catalog.csv"
LIST_SEPARATOR = "; "

# UTF-8 with a byte-order mark: Excel on Windows reads a CSV without one in the local code page
# and garbles every accented name; LibreOffice, Numbers, pandas and Python's csv module (with
# encoding="utf-8-sig") all take the BOM in their stride.
ENCODING = "utf-8-sig"

COLUMNS = [
    "id", "title", "subtitle", "series", "authors", "organization", "publisher", "place", "date", "date_precision",
    "date_approximate", "date_not_before", "language", "pages", "mean_ocr_confidence", "fixity",
    "fixity_checked_at", "source_files", "source_sha256", "source_formats", "text_sha256", "citations",
    "cites_documents", "cited_by_documents", "external_works_cited", "duplicates", "label", "ingested_at",
]

# A cell a spreadsheet would evaluate as a formula (CSV injection): titles and names come from
# OCR of untrusted documents, so such text cells get a leading apostrophe, which spreadsheets
# show as plain text. Numbers and dates we format ourselves never start with these.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _text(value) -> str:
    return neutralize(clean_text(value)) if value not in (None, "") else ""


def _join(values) -> str:
    return LIST_SEPARATOR.join(str(v) for v in values)


def row(record: DocumentRecord, catalog: Catalog) -> dict[str, str]:
    d = record.doc
    fixity = record.fixity
    cites = sorted({c.target_document_id for c in record.citations if c.target_document_id is not None})
    cited_by = sorted({c.document_id for c in record.cited_by})
    works = []
    for c in record.citations:
        w = catalog.external_works.get(c.external_work_id) if c.external_work_id is not None else None
        if w is not None:
            label = ", ".join(x for x in (w.author, w.title, w.year) if x)
            if label and label not in works:
                works.append(label)
    dups = []
    for rel in record.relations:
        other = rel.other_id if rel.document_id == d.id else rel.document_id
        dups.append(f"{other} ({rel.kind})")
    return {
        "id": str(d.id),
        "title": _text(d.title), "subtitle": _text(d.subtitle), "series": _text(d.series),
        "authors": _text(_join(record.authors)),
        "organization": _text(d.organization), "publisher": _text(d.publisher), "place": _text(d.place),
        "date": d.date or "", "date_precision": d.date_precision or "",
        "date_approximate": "yes" if d.date_approximate else "no",
        "date_not_before": d.date_not_before or "", "language": _text(d.language),
        "pages": str(d.page_count),
        "mean_ocr_confidence": f"{d.mean_confidence:.1f}" if d.mean_confidence is not None else "",
        "fixity": fixity.status,
        "fixity_checked_at": fixity.checked_at.isoformat(timespec="seconds") if fixity.checked_at else "",
        "source_files": _text(_join(PurePath(s.path).name for s in record.sources)),
        "source_sha256": _join(s.sha256 for s in record.sources),
        "source_formats": _text(_join(dict.fromkeys(s.format for s in record.sources))),
        "text_sha256": d.text_sha256 or "",
        "citations": str(len(record.citations)),
        "cites_documents": _join(cites), "cited_by_documents": _join(cited_by),
        "external_works_cited": _text(_join(works)),
        "duplicates": _join(dups),
        "label": _text(record.label),
        "ingested_at": d.created_at.isoformat(timespec="seconds"),
    }


def render(catalog: Catalog) -> str:
    buf = io.StringIO(newline="")
    # RFC 4180 line ends (CRLF), every field that needs it quoted.
    out = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    out.writeheader()
    for record in catalog.documents:
        out.writerow(row(record, catalog))
    return buf.getvalue()


def write(ctx: ReportContext) -> list[Path]:
    return [ctx.out.write_bytes(FILE_NAME, render(ctx.catalog).encode(ENCODING))]
