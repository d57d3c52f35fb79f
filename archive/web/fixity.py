"""The fixity dashboard (/fixity) and its JSON (/api/fixity): each held file's last check, the failures,
the last audit, and starting an audit (a background job running `archive verify`'s library call).

Pages are read by key (source file id > the last one shown, by the primary key), never by OFFSET, so
the hundredth page costs what the first does; the counts are one GROUP BY.
"""

from __future__ import annotations

from typing import Annotated, Optional

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import func
from sqlmodel import Session, col, select

from archive.store import accounts
from archive.store.models import SourceFile
from archive.store.vocabulary import FixityResult
from archive.web import auth, jobs
from archive.web.api import reading
from ingest import audit

router = APIRouter()
PAGE_SIZE = 50
STATUSES = ("failures", "modified", "missing", "ok", "unchecked")
After = Annotated[int, Query(ge=0, le=2**53)]


def counts(session: Session) -> dict:
    rows = dict(session.exec(select(SourceFile.last_fixity, func.count()).group_by(SourceFile.last_fixity)).all())
    out = {s.value: rows.get(s.value, 0) for s in FixityResult}
    out["unchecked"] = rows.get(None, 0)
    out["files"] = sum(rows.values())
    return out


def last_audit(session: Session) -> Optional[dict]:
    """The newest whole-archive audit marker (ingest.audit writes one when an audit starts and ends)."""
    ev = audit.last_audit_marker(session)
    if ev is None:
        return None
    return {"time": ev.time.isoformat(), "detail": ev.detail, "completed": ev.detail.startswith(audit.AUDIT_COMPLETED),
            "interrupted": ev.detail.startswith(audit.AUDIT_STARTED)}


def file_page(session: Session, status: Optional[str], after: int, limit: int = PAGE_SIZE) -> dict:
    """One page of files (the keys of `archive verify --json` entries, with `checked_at`) after `after`."""
    stmt = select(SourceFile.id, SourceFile.document_id, SourceFile.path, SourceFile.last_fixity,
                  SourceFile.last_fixity_at).where(SourceFile.id > after)
    if status == "failures":
        stmt = stmt.where(col(SourceFile.last_fixity).in_([FixityResult.MODIFIED.value, FixityResult.MISSING.value]))
    elif status == "unchecked":
        stmt = stmt.where(col(SourceFile.last_fixity).is_(None))
    elif status:
        stmt = stmt.where(SourceFile.last_fixity == status)
    rows = session.exec(stmt.order_by(SourceFile.id).limit(limit + 1)).all()
    files = [{"document": doc, "source_file": sid, "path": path, "status": st,
              "checked_at": at.isoformat() if at else None} for sid, doc, path, st, at in rows[:limit]]
    return {"files": files, "next_after": files[-1]["source_file"] if len(rows) > limit else None}


def overview(session: Session, status: Optional[str], after: int) -> dict:
    if status is not None and status not in STATUSES:
        raise HTTPException(status_code=400, detail=f"status {status!r}: one of {', '.join(STATUSES)}")
    # The counts are one GROUP BY over every file (~60 ms at 100,000): on the first page only, so that paging
    # through costs what a page of the primary key costs.
    return {"counts": counts(session) if not after else None, "last_audit": last_audit(session), "status": status,
            "after": after, **file_page(session, status, after)}


@router.get("/api/fixity")
def fixity_json(request: Request, status: Optional[str] = None, after: After = 0) -> dict:
    """Counts by last check (on the first page), the last audit, and a page of files (`after`: the last
    source_file shown; `status`: failures, modified, missing, ok or unchecked)."""
    with reading(request) as session:
        return overview(session, status or None, after)


@router.get("/fixity")
def fixity_page(request: Request, status: Optional[str] = None, after: After = 0):
    from archive.web.pages import render
    with reading(request) as session:
        data = overview(session, status or None, after)
        audits = [accounts.job_json(j) for j in accounts.jobs(session, "audit", 5)]  # the same connection
        return render(request, "fixity.html", {"data": data, "statuses": STATUSES, "audits": audits})


def _start(request: Request) -> int:
    user = auth.editor(request)
    return jobs.queue(request.app, "audit", user.name, {"documents": None})


@router.post("/fixity/audit", dependencies=auth.CHANGE)
@auth.needs("editor")
def start_audit(request: Request):
    return RedirectResponse(f"/jobs/{_start(request)}", status_code=303)


@router.post("/api/fixity/audit", status_code=202, dependencies=auth.CHANGE)
@auth.needs("editor")
def api_start_audit(request: Request):
    """Start a fixity audit of every held file (resuming an interrupted one), as `archive verify`; its result
    has the keys of `archive verify --json`."""
    return JSONResponse(jobs.job_view(request.app, _start(request)), status_code=202)
