"""Fixity audit: re-hash held source files and record each check as a PREMIS fixity-check event."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from archive import store
from archive.db import session_scope
from archive.models import SourceFile
from ingest.fixity import resolve_stored_path, sha256_file


@dataclass
class AuditReport:
    checked: int = 0
    ok: list[dict] = field(default_factory=list)
    modified: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.modified or self.missing)

    def as_json(self) -> dict:
        return {"checked": self.checked, "ok": len(self.ok), "modified": self.modified, "missing": self.missing}


def check_file(src: SourceFile) -> tuple[str, str, Optional[str]]:
    """(status, detail, sha256 now) for one held file: ok, modified or missing."""
    path = resolve_stored_path(src.path)
    try:
        digest, size = sha256_file(path)
    except FileNotFoundError:
        return "missing", f"{src.path}: missing (expected SHA-256 {src.sha256})", None
    except OSError as exc:
        return "missing", f"{src.path}: unreadable ({exc.strerror or exc}); expected SHA-256 {src.sha256}", None
    if digest != src.sha256:
        return "modified", (f"{src.path}: modified: SHA-256 now {digest} ({size} bytes), "
                            f"expected {src.sha256} ({src.size} bytes)"), digest
    return "ok", f"{src.path}: SHA-256 {digest} matches", digest


def verify(engine: Engine, doc_ids: Optional[list[int]] = None, *, resume_after: int = 0,
           progress: Optional[Callable[[int, int], None]] = None, batch: int = 200) -> AuditReport:
    """Check every held file (or those of `doc_ids`), committing every `batch` checks so an
    interrupted audit keeps what it recorded; `resume_after` skips files with a lower id."""
    report = AuditReport()
    with Session(engine) as session:
        stmt = select(SourceFile.id).where(SourceFile.id > resume_after).order_by(SourceFile.id)
        if doc_ids:
            stmt = stmt.where(col(SourceFile.document_id).in_(doc_ids))
        ids = list(session.exec(stmt))
    total = len(ids)
    for start in range(0, total, batch):
        with session_scope(engine) as session:
            for src in session.exec(select(SourceFile).where(col(SourceFile.id).in_(ids[start:start + batch]))
                                    .order_by(SourceFile.id)):
                status, detail, _ = check_file(src)
                store.record_fixity(session, src, status, detail)
                entry = {"document": src.document_id, "source_file": src.id, "path": src.path, "status": status}
                getattr(report, status).append(entry)
                report.checked += 1
        if progress:
            progress(report.checked, total)
    return report
