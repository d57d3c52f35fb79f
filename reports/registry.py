"""The report writers by format name, and what every writer is handed (a ReportContext)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from sqlmodel import Session

from archive.errors import UsageError
from archive.store import reads
from reports.data import Catalog
from reports.safety import OutputDir

DEFAULT_OCR_THRESHOLD = 70.0
DEFAULT_SITE_TITLE = "Catalogue of the collection"


@dataclass
class ReportContext:
    """One report run: the open read session, the catalogue, the output folder and the options."""

    session: Session
    catalog: Catalog
    out: OutputDir
    formats: tuple[str, ...]  # every format of this run (the HTML index links the others)
    ocr_threshold: float = DEFAULT_OCR_THRESHOLD
    site_title: str = DEFAULT_SITE_TITLE
    progress: Optional[Callable[..., None]] = None  # (stage, done, total), for long per-document exports
    options: dict = field(default_factory=dict)  # writer-specific settings (bag: source_organization)
    _export: Optional[dict] = field(default=None, repr=False)

    def export(self) -> dict:
        """The JSON export contract for exactly the catalogue's documents (computed once per run)."""
        if self._export is None:
            flt = reads.DocumentFilter(ids=tuple(self.catalog.ids()))
            self._export = reads.export(self.session, flt)
        return self._export


@dataclass(frozen=True)
class Writer:
    name: str
    description: str
    main_file: str  # the file a person opens first, relative to the output folder
    label: str  # what a reader of the catalogue calls it
    module: str
    function: str = "write"
    # True: a folder of files per document (hocr/, alto/, mets/), which `archive export --format`
    # also offers; False: one catalogue-wide output, written by `archive report` only.
    per_document: bool = False

    def load(self) -> Callable[[ReportContext], list[Path]]:
        # Imported on use: a CSV run never loads the PDF library.
        return getattr(importlib.import_module(self.module), self.function)


# Order matters for `all`: the HTML catalogue comes last so that its index can link every
# download that was actually written.
WRITERS: dict[str, Writer] = {w.name: w for w in (
    Writer("json", "the JSON export contract (archive.store.reads.export)", "catalog.json", "JSON data",
           "reports.json_export"),
    Writer("dc", "Dublin Core records (OAI-DC XML)", "catalog-dc.xml", "Dublin Core XML",
           "reports.dublin_core"),
    Writer("csv", "one row per document, for spreadsheets", "catalog.csv", "spreadsheet (CSV)",
           "reports.csv_export"),
    Writer("pdf", "a printable catalogue", "catalog.pdf", "printable PDF", "reports.pdf"),
    # ALTO before METS: a METS file lists the ALTO files written in the same run.
    Writer("hocr", "hOCR per document: word boxes and confidences", "hocr", "hOCR (per document)",
           "reports.hocr", per_document=True),
    Writer("alto", "ALTO 4 XML per page, validated against the bundled XSD", "alto", "ALTO XML (per page)",
           "reports.alto", per_document=True),
    Writer("mets", "METS + PREMIS per document, validated against the bundled METS XSD", "mets",
           "METS/PREMIS (per document)", "reports.mets", per_document=True),
    Writer("ead", "an EAD3 finding aid of the selection, validated against the bundled XSD", "ead.xml",
           "EAD3 finding aid", "reports.ead"),
    Writer("iiif", "IIIF Presentation 3 manifest per document, with page images", "iiif",
           "IIIF manifests (per document)", "reports.iiif", per_document=True),
    Writer("pdf-a", "searchable PDF/A-2b access copies, one per document", "access",
           "searchable PDF copies", "reports.access_pdf", per_document=True),
    # After every per-document writer it packs (METS, ALTO, hOCR, PDF/A), which it runs itself.
    Writer("bag", "a BagIt bag (SHA-256) of the sources, metadata and per-document exports", "bag",
           "BagIt bag", "reports.bag", per_document=True),
    Writer("html", "a static HTML catalogue (open index.html)", "index.html", "web catalogue", "reports.html"),
)}


def export_formats() -> list[str]:
    """The formats `archive export` writes as folders of per-document files."""
    return [name for name, w in WRITERS.items() if w.per_document]


def formats_for(choice: str) -> tuple[str, ...]:
    if choice == "all":
        return tuple(WRITERS)
    if choice not in WRITERS:
        raise UsageError(f"unknown report format {choice!r}: choose one of {', '.join(WRITERS)} or all")
    return (choice,)


def get_writer(name: str) -> Writer:
    try:
        return WRITERS[name]
    except KeyError:
        raise UsageError(f"unknown report format {name!r}: choose one of {', '.join(WRITERS)}") from None
