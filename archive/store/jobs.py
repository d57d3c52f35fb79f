"""The ingest job record (models.IngestJob): register inputs, claim them under a lease, renew, finish, list.

A claim is one conditional UPDATE (state not done, and no owner, or this owner, or a lease run out):
atomic on PostgreSQL (the row lock; READ COMMITTED re-checks the condition) and on SQLite (the write
lock), so of two coordinators racing for an input exactly one gets it. Registration is INSERT ... ON
CONFLICT DO NOTHING on the fingerprint. A coordinator that died on this host is recognised at once
(its pid is gone) and its claims taken over; elsewhere its lease runs out.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable, Optional

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session

from archive.store.db import session_scope
from archive.store.models import IngestJob

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATES = (QUEUED, RUNNING, DONE, FAILED)
LEASE_S = 60.0  # a claim not renewed for this long may be taken by another coordinator


def new_owner() -> str:
    """This coordinator's name in the job record: host, pid and a random token."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _dead_here(owner: Optional[str]) -> bool:
    """Whether `owner` was a process on this host that no longer runs."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


@dataclass(frozen=True)
class Claim:
    fingerprint: str
    taken: bool
    owner: Optional[str] = None  # who holds it when not taken
    lease_until: Optional[datetime] = None
    state: Optional[str] = None  # the row's state when not taken (done: finished meanwhile)


def register(engine: Engine, items: Iterable[tuple[str, str, int]]) -> None:
    """Queue each (fingerprint, label, pages) not yet recorded, in one transaction."""
    rows = [{"fingerprint": fp, "label": label, "pages": pages, "state": QUEUED, "attempts": 0,
             "created_at": _now(), "updated_at": _now()} for fp, label, pages in items]
    if not rows:
        return
    with session_scope(engine) as session:
        dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
        table = IngestJob.__table__
        for start in range(0, len(rows), 500):
            stmt = dialect.insert(table).values(rows[start:start + 500])
            session.execute(stmt.on_conflict_do_nothing(index_elements=["fingerprint"]))


def claim(engine: Engine, fingerprint: str, owner: str, lease_s: float = LEASE_S) -> Claim:
    """Take the input for `owner` if nobody else holds a live claim on it and it is not done."""
    table = IngestJob.__table__
    now = _now()
    values = {"state": RUNNING, "owner": owner, "lease_until": now + timedelta(seconds=lease_s),
              "attempts": table.c.attempts + 1, "updated_at": now, "reason": None}
    with session_scope(engine) as session:
        got = session.execute(update(table).where(
            table.c.fingerprint == fingerprint, table.c.state != DONE,
            (table.c.owner.is_(None)) | (table.c.owner == owner) | (table.c.lease_until < now)
        ).values(**values)).rowcount
        if got:
            return Claim(fingerprint, True)
        row = session.execute(select(table.c.owner, table.c.lease_until, table.c.state)
                              .where(table.c.fingerprint == fingerprint)).one_or_none()
        if row is None:
            return Claim(fingerprint, False, state=None)
        if row.state != DONE and _dead_here(row.owner):
            # Its coordinator was killed on this host: take over at once (the same condition, on its name).
            got = session.execute(update(table).where(
                table.c.fingerprint == fingerprint, table.c.state != DONE, table.c.owner == row.owner
            ).values(**values)).rowcount
            if got:
                return Claim(fingerprint, True)
        return Claim(fingerprint, False, owner=row.owner, lease_until=row.lease_until, state=row.state)


def renew(engine: Engine, owner: str, lease_s: float = LEASE_S) -> int:
    """Extend every running claim of `owner`; the number of claims it holds."""
    table = IngestJob.__table__
    now = _now()
    with session_scope(engine) as session:
        return session.execute(update(table).where(table.c.owner == owner, table.c.state == RUNNING)
                               .values(lease_until=now + timedelta(seconds=lease_s), updated_at=now)).rowcount


def release(engine: Engine, owner: str) -> int:
    """Give back what `owner` claimed and did not finish (an interrupted or failed run): queued again."""
    table = IngestJob.__table__
    with session_scope(engine) as session:
        return session.execute(update(table).where(table.c.owner == owner, table.c.state == RUNNING)
                               .values(state=QUEUED, owner=None, lease_until=None, updated_at=_now())).rowcount


def finish(session: Session, fingerprint: str, document_id: int) -> None:
    """Done, in the caller's transaction: the one that commits the document."""
    table = IngestJob.__table__
    session.execute(update(table).where(table.c.fingerprint == fingerprint).values(
        state=DONE, document_id=document_id, lease_until=None, reason=None, updated_at=_now()))


def record_failed(session: Session, fingerprint: str, label: str, reason: str) -> None:
    """Failed, in the caller's transaction (the one recording the failed ingestion), recorded or not
    before (an input that could not even be planned); never over a done job. A rerun may claim it again."""
    table = IngestJob.__table__
    now = _now()
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(fingerprint=fingerprint, label=label, state=FAILED, reason=reason,
                                        attempts=1, pages=0, created_at=now, updated_at=now)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["fingerprint"],
        set_={"state": FAILED, "owner": None, "lease_until": None, "reason": reason, "updated_at": now},
        where=table.c.state != DONE))


def listing(session: Session, state: Optional[str] = None, limit: Optional[int] = None) -> list[dict]:
    """Jobs, newest first; a running claim whose lease ran out is shown as queued ("stale")."""
    now = _now()
    q = select(IngestJob).order_by(IngestJob.id.desc())
    if limit:
        q = q.limit(limit)
    out = []
    for (job,) in session.execute(q):
        shown = job.state
        stale = job.state == RUNNING and (job.lease_until is None or job.lease_until < now or _dead_here(job.owner))
        if stale:
            shown = QUEUED
        if state and shown != state:
            continue
        out.append({"fingerprint": job.fingerprint, "label": job.label, "state": shown, "stale_claim": stale,
                    "owner": job.owner, "lease_until": job.lease_until.isoformat() if job.lease_until else None,
                    "attempts": job.attempts, "pages": job.pages, "document": job.document_id,
                    "reason": job.reason, "updated_at": job.updated_at.isoformat()})
    return out



def counts(session: Session) -> dict[str, int]:
    """How many inputs are in each stored state: one GROUP BY over the state index, whatever the record's
    size (a running claim whose lease ran out still counts as running here; `listing` shows it queued)."""
    found = dict(session.execute(select(IngestJob.state, func.count()).group_by(IngestJob.state)).all())
    return {state: int(found.get(state, 0)) for state in STATES}
