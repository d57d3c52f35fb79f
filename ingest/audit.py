"""Fixity audit: re-hash held source files and record each check as a PREMIS fixity-check event."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Optional

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from archive.store import writes
from archive.store.db import session_scope
from archive.store.models import Event, SourceFile
from archive.store.vocabulary import EventType, FixityResult, Outcome
from ingest.fixity import resolve_stored_path, sha256_file


@dataclass
class AuditReport:
    checked: int = 0
    ok: list[dict] = field(default_factory=list)
    modified: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)
    resumed_from: Optional[datetime] = None  # start of the interrupted audit this one completed
    already_checked: int = 0  # files that audit had checked before it stopped

    @property
    def failed(self) -> bool:
        return bool(self.modified or self.missing)

    def as_json(self) -> dict:
        return {"checked": self.checked, "ok": len(self.ok), "modified": self.modified, "missing": self.missing,
                "resumed_from": self.resumed_from.isoformat() if self.resumed_from else None,
                "already_checked": self.already_checked}


def check_file(src: SourceFile) -> tuple[str, str, Optional[str]]:
    """(status, detail, sha256 now) for one held file: ok, modified or missing."""
    path = resolve_stored_path(src.path)
    try:
        digest, size = sha256_file(path)
    except FileNotFoundError:
        return FixityResult.MISSING.value, f"{src.path}: missing (expected SHA-256 {src.sha256})", None
    except OSError as exc:
        return (FixityResult.MISSING.value,
                f"{src.path}: unreadable ({exc.strerror or exc}); expected SHA-256 {src.sha256}", None)
    if digest != src.sha256:
        return FixityResult.MODIFIED.value, (f"{src.path}: modified: SHA-256 now {digest} ({size} bytes), "
                            f"expected {src.sha256} ({src.size} bytes)"), digest
    return FixityResult.OK.value, f"{src.path}: SHA-256 {digest} matches", digest


AUDIT_STARTED = "fixity audit started"
AUDIT_COMPLETED = "fixity audit completed"


def _audit_marker(session: Session, detail: str) -> None:
    # Audit-level events (no document, no file) bracket a whole-archive audit; an audit whose
    # "started" event has no "completed" event after it was interrupted, and is resumed.
    writes.event(session, EventType.FIXITY_CHECK, writes.project_agent(session), Outcome.SUCCESS, detail)


def last_audit_marker(session: Session) -> Optional[Event]:
    """The newest whole-archive audit marker: its start, or its end."""
    return session.exec(select(Event).where(
        Event.type == EventType.FIXITY_CHECK.value, col(Event.document_id).is_(None),
        col(Event.source_file_id).is_(None), col(Event.detail).startswith("fixity audit "))
        .order_by(col(Event.id).desc()).limit(1)).first()


def interrupted_audit(session: Session) -> Optional[datetime]:
    """When the last whole-archive audit started, if it never completed; else None."""
    last = last_audit_marker(session)
    if last is not None and last.detail.startswith(AUDIT_STARTED):
        return last.time
    return None


def verify(engine: Engine, doc_ids: Optional[list[int]] = None, *, resume_after: int = 0, resume: bool = True,
           progress: Optional[Callable[[int, int], None]] = None, batch: int = 200) -> AuditReport:
    """Check every held file (or those of `doc_ids`), committing every `batch` checks so an
    interrupted audit keeps what it recorded.

    A whole-archive audit that was interrupted (Ctrl-C, a crash) is resumed by the next one:
    files checked since it started are not re-hashed, and their results are part of the report,
    so the report lists every mismatch of the audit. `resume=False` starts afresh;
    `resume_after` (manual) skips files with a lower id."""
    report = AuditReport()
    whole = not doc_ids and not resume_after
    with Session(engine) as session:
        since = interrupted_audit(session) if whole and resume else None
        stmt = select(SourceFile.id).where(SourceFile.id > resume_after).order_by(SourceFile.id)
        if doc_ids:
            stmt = stmt.where(col(SourceFile.document_id).in_(doc_ids))
        if since is not None:
            stmt = stmt.where(col(SourceFile.last_fixity_at).is_(None) | (col(SourceFile.last_fixity_at) < since))
            for src in session.exec(select(SourceFile).where(col(SourceFile.last_fixity_at) >= since)
                                    .order_by(SourceFile.id)):
                _tally(report, src, src.last_fixity or FixityResult.MISSING.value)
            report.resumed_from = since
            report.already_checked = report.checked
        ids = list(session.exec(stmt))
    if whole and since is None:
        with session_scope(engine) as session:
            _audit_marker(session, f"{AUDIT_STARTED}: {len(ids)} files")
    total = report.checked + len(ids)
    if progress:
        progress(report.checked, total)
    for start in range(0, len(ids), batch):
        with session_scope(engine) as session, session.no_autoflush:
            # No autoflush: the batch's updates and events go out together at commit
            # (executemany), not one flush per file; this is most of an audit's database time.
            me = writes.project_agent(session)
            for src in session.exec(select(SourceFile).where(col(SourceFile.id).in_(ids[start:start + batch]))
                                    .order_by(SourceFile.id)):
                status, detail, _ = check_file(src)
                writes.record_fixity(session, src, status, detail, me)
                _tally(report, src, status)
        if progress:
            progress(report.checked, total)
    if whole:
        with session_scope(engine) as session:
            _audit_marker(session, f"{AUDIT_COMPLETED}: {report.checked} files, {len(report.ok)} ok, "
                                   f"{len(report.modified)} modified, {len(report.missing)} missing")
    return report


def _tally(report: AuditReport, src: SourceFile, status: str) -> None:
    entry = {"document": src.document_id, "source_file": src.id, "path": src.path, "status": status}
    getattr(report, status).append(entry)
    report.checked += 1
