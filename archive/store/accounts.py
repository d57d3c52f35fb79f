"""People who sign in to the web application, and the background jobs it runs: the rows, not the
policy (password hashing and sessions are archive.web.auth's)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Optional

from sqlalchemy import bindparam, delete, func
from sqlmodel import Session, col, select

from archive.errors import UsageError
from archive.store.models import Job, LoginFailure, User, utcnow
from archive.store.plain import Plain

ROLES = ("viewer", "editor", "admin")  # each can do what the ones before it can


def role_at_least(role: str, needed: str) -> bool:
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def add_user(session: Session, name: str, role: str, password_hash: str) -> User:
    name = name.strip()
    if not name or len(name) > 100 or any(ch.isspace() and ch != " " for ch in name):
        raise UsageError(f"user name {name!r}: give 1-100 characters, no tabs or line breaks")
    if role not in ROLES:
        raise UsageError(f"role {role!r}: one of {', '.join(ROLES)}")
    existing = session.exec(select(User).where(User.name == name)).first()
    if existing is not None:
        existing.role, existing.password_hash, existing.disabled = role, password_hash, False
        session.add(existing)
        return existing
    user = User(name=name, role=role, password_hash=password_hash)
    session.add(user)
    session.flush()
    return user


# Read for every request of a signed-in user: built once (building it cost more than running it).
_ENABLED_USER = select(User).where(User.id == bindparam("uid"), User.disabled == False)  # noqa: E712
_PLAIN_ENABLED_USER = Plain.of(_ENABLED_USER, User)


def get_user(session: Session, user_id: int):
    """The enabled user with this id as a plain record (archive/store/plain.py: every signed-in request reads it),
    None if there is none."""
    return _PLAIN_ENABLED_USER.first(session, uid=user_id)


def user_by_name(session: Session, name: str) -> Optional[User]:
    return session.exec(select(User).where(User.name == name, User.disabled == False)).first()  # noqa: E712


def users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.name)))


# --- failed sign-ins (the login rate limit's count, shared by every server process) ---------------

def login_failures(session: Session, keys: tuple[str, ...], since: datetime) -> int:
    """The most failures since `since` under any one of the keys."""
    rows = session.exec(select(LoginFailure.key, func.count()).where(col(LoginFailure.key).in_(keys),
                                                                     LoginFailure.at >= since)
                        .group_by(LoginFailure.key)).all()
    return max((n for _, n in rows), default=0)


def record_login_failure(session: Session, keys: tuple[str, ...], forget_before: datetime) -> None:
    """One failure under each key; failures older than `forget_before` under them are dropped."""
    session.exec(delete(LoginFailure).where(col(LoginFailure.key).in_(keys), LoginFailure.at < forget_before))
    for key in keys:
        session.add(LoginFailure(key=key))


def clear_login_failures(session: Session, keys: tuple[str, ...]) -> None:
    session.exec(delete(LoginFailure).where(col(LoginFailure.key).in_(keys)))


# --- background jobs -------------------------------------------------------------------------

def new_job(session: Session, kind: str, user: str, params: dict) -> Job:
    job = Job(kind=kind, user=user, params_json=json.dumps(params, ensure_ascii=False))
    session.add(job)
    session.flush()
    return job


def job_progress(session: Session, job_id: int, *, state: Optional[str] = None, stage: Optional[str] = None,
                 done: Optional[int] = None, total: Optional[int] = None, result: Optional[dict] = None) -> None:
    job = session.get(Job, job_id)
    if job is None:
        return
    for name, value in (("state", state), ("stage", stage), ("done", done), ("total", total)):
        if value is not None:
            setattr(job, name, value)
    if result is not None:
        job.result_json = json.dumps(result, ensure_ascii=False, default=str)
    if state in ("done", "failed"):
        job.finished_at = utcnow()
    session.add(job)


def jobs(session: Session, kind: Optional[str] = None, limit: int = 20) -> list[Job]:
    stmt = select(Job).order_by(col(Job.id).desc()).limit(limit)
    if kind:
        stmt = stmt.where(Job.kind == kind)
    return list(session.exec(stmt))


def job_json(job: Job) -> dict:
    return {"id": job.id, "kind": job.kind, "state": job.state, "user": job.user, "stage": job.stage,
            "done": job.done, "total": job.total, "params": json.loads(job.params_json or "{}"),
            "result": json.loads(job.result_json or "{}"), "created_at": job.created_at.isoformat(),
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}
