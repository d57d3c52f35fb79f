"""Build reports: read the catalogue once, run each requested writer, say what was written."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from sqlalchemy.engine import Engine
from sqlmodel import Session

from archive.store import reads
from reports.data import load_catalog
from reports.registry import DEFAULT_OCR_THRESHOLD, DEFAULT_SITE_TITLE, ReportContext, formats_for, get_writer
from reports.safety import OutputDir


@dataclass
class ReportResult:
    output: Path
    documents: int
    formats: dict[str, dict] = field(default_factory=dict)
    seconds_reading: float = 0.0

    def as_json(self) -> dict:
        return {"output": str(self.output), "documents": self.documents,
                "seconds_reading": round(self.seconds_reading, 3), "formats": self.formats}


def build_reports(engine: Engine, out_dir: Path | str, fmt: str = "html", *,
                  flt: reads.DocumentFilter = reads.DocumentFilter(), query: Optional[str] = None,
                  ocr_threshold: float = DEFAULT_OCR_THRESHOLD, site_title: str = DEFAULT_SITE_TITLE,
                  filters: Optional[dict[str, str]] = None,
                  progress: Optional[Callable[..., None]] = None,
                  options: Optional[dict] = None) -> ReportResult:
    """Write the catalogue in `fmt` (a format name or "all") into `out_dir`. Reads only."""
    formats = formats_for(fmt)
    out = OutputDir(out_dir)
    # autoflush off and a rollback at the end: this session never writes, even by accident.
    with Session(engine, autoflush=False) as session:
        started = time.perf_counter()
        catalog = load_catalog(session, flt, query, filters=filters)
        result = ReportResult(out.root, len(catalog.documents), seconds_reading=time.perf_counter() - started)
        ctx = ReportContext(session=session, catalog=catalog, out=out, formats=formats,
                            ocr_threshold=ocr_threshold, site_title=site_title, progress=progress,
                            options=dict(options or {}))
        try:
            for name in formats:
                writer = get_writer(name)
                before = len(out.written)
                started = time.perf_counter()
                writer.load()(ctx)
                files = [p.relative_to(out.root).as_posix() for p in out.written[before:]]
                result.formats[name] = {"main": writer.main_file, "files": files, "count": len(files),
                                        "seconds": round(time.perf_counter() - started, 3)}
        finally:
            session.rollback()
    return result
