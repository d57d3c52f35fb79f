"""Background jobs of the web application (ingests, fixity audits): where they run, how the pages see them.

A job is a row (archive.store.models.Job) and the work is done by a runner process
(`python -m archive.web.runner`) that the server starts when a job is queued and none is running. The
runner claims queued jobs one by one and writes their stage and progress to the row, so a page (any
server process, before or after a restart) reads the same progress; the server's own event loop and
threads never do ingest work. A runner that dies is noticed by its process id and its job marked failed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Optional

from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from archive.store import accounts
from archive.store import jobs as job_record
from archive.store.db import is_sqlite, resolve_url, session_scope
from archive.store.models import Job, utcnow
from archive.web import auth

router = APIRouter()
JobId = Annotated[int, PathParam(ge=1, le=2**53)]
FINISHED = ("done", "failed")
MiB = 1024 * 1024
NICE_ENV = "ARCHIVE_JOB_NICE"  # how far below the server's CPU priority the runner puts itself (lower_priority)


@dataclass
class JobSettings:
    """Where uploads are kept and how big they may be; how many OCR worker processes an ingest job uses, and how
    far below the pages' CPU priority jobs run (nice: 0 level with the server, 19 the lowest)."""

    storage: Path
    ingest_jobs: int = 1
    job_nice: int = 10
    max_file_bytes: int = 512 * MiB
    max_upload_bytes: int = 2048 * MiB
    max_files: int = 1000


def default_storage(engine: Engine) -> Path:
    """Beside the SQLite database file (`archive-files/`), else in the working directory."""
    database = engine.url.database if is_sqlite(engine) else None
    if database and database != ":memory:":
        return Path(database).resolve().parent / "archive-files"
    return Path.cwd().resolve() / "archive-files"


def configure(app, **settings) -> JobSettings:
    """Set the app's job settings (archive serve --storage ...); defaults for whatever is not given."""
    engine = app.state.engine
    storage = settings.pop("storage", None) or default_storage(engine)
    jobs = settings.pop("ingest_jobs", None) or max(1, (os.cpu_count() or 2) - 1)  # a core for the pages
    app.state.job_settings = JobSettings(storage=Path(storage).resolve(), ingest_jobs=jobs,
                                         **{k: v for k, v in settings.items() if v is not None})
    return app.state.job_settings


def settings(app) -> JobSettings:
    found = getattr(app.state, "job_settings", None)
    return found if found is not None else configure(app)


# --- the runner process ------------------------------------------------------------------------

_runner_lock = threading.Lock()


def engine_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def ensure_runner(app) -> None:
    """Start a runner process if a job is queued and this server's runner is not alive. (Called when a
    job is queued and whenever a job is looked at, which also covers a runner that ended just as a job
    was queued.)"""
    engine: Engine = app.state.engine
    with _runner_lock:
        proc: Optional[subprocess.Popen] = getattr(app.state, "job_runner", None)
        if proc is not None and proc.poll() is None:
            return
        with Session(engine) as s:
            if s.exec(select(Job.id).where(Job.state == "queued").limit(1)).first() is None:
                return
            # Another server process's runner (archive serve --workers) is at work: it claims the queued jobs
            # when its current one ends, so one runner at a time (ingests do not compete for the cores).
            running = s.exec(select(Job.result_json).where(Job.state == "running")).all()
        if any(_alive(json.loads(r or "{}").get("pid")) for r in running):
            return
        conf = settings(app)
        conf.storage.mkdir(parents=True, exist_ok=True)
        # The database URL goes in the environment (ARCHIVE_DB, as the CLI reads it), not the process list.
        env = {**os.environ, "ARCHIVE_DB": engine_url(engine), "ARCHIVE_INGEST_JOBS": str(conf.ingest_jobs),
               "OMP_THREAD_LIMIT": "1", NICE_ENV: str(conf.job_nice)}
        log = open(conf.storage / "jobs.log", "ab")
        try:
            # A session of its own: Ctrl-C on the server does not stop a running ingest half-way.
            app.state.job_runner = subprocess.Popen([sys.executable, "-m", "archive.web.runner"], env=env,
                                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                                    start_new_session=True)
        finally:
            log.close()


# Linux's autogroup scheduling (kernel.sched_autogroup_enabled, on by default in many distributions) shares the CPU
# between sessions first and weighs a process's nice only against its own session's. The runner has a session of
# its own (start_new_session), so its nice alone left it an equal share with the server: 0.3-0.9 of the two cores
# while page requests queued (bench/WEB_LOAD.md, 2026-12-07, second section). On PostgreSQL its session's nice is
# set too. Not on SQLite: there the runner's write transactions hold the archive's one writer lock, and a runner
# starved of CPU held it for seconds while every edit waited (edit POST max 1.9-2.4 s against 0.3-0.6 s).
AUTOGROUP = Path("/proc/self/autogroup")


def lower_priority() -> int:
    """Called by the runner as it starts: lower its CPU priority by ARCHIVE_JOB_NICE (its OCR workers and
    Tesseract runs inherit it), and on PostgreSQL its session's where the kernel groups by session, so an ingest
    takes the cores the pages leave idle and a page request never waits for OCR. Returns the niceness the runner
    now has."""
    step = max(0, min(int(os.environ.get(NICE_ENV) or 0), 19))
    nice = os.nice(step) if hasattr(os, "nice") else 0
    try:
        # (absent on kernels without autogroup, and off Linux)
        if step and AUTOGROUP.exists() and not resolve_url(None).startswith("sqlite"):
            AUTOGROUP.write_text(str(nice))
    except OSError:   # not permitted here: the process's own nice still holds within its session
        pass
    return nice


def queue(app, kind: str, user: str, params: dict) -> int:
    with session_scope(app.state.engine) as s:
        job_id = accounts.new_job(s, kind, user, params).id
    ensure_runner(app)
    return job_id


def claim_next(engine: Engine) -> Optional[int]:
    """The oldest queued job, now running in this process; None when none is queued. The claim is one
    conditional UPDATE, so two runners never take the same job."""
    while True:
        with session_scope(engine) as s:
            job_id = s.exec(select(Job.id).where(Job.state == "queued").order_by(Job.id).limit(1)).first()
            if job_id is None:
                return None
            claimed = s.exec(update(Job).where(col(Job.id) == job_id, col(Job.state) == "queued")
                             .values(state="running", stage="starting",
                                     result_json=json.dumps({"pid": os.getpid()}))).rowcount
        if claimed:
            return job_id


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def job_view(app, job_id: int) -> dict:
    """A job as JSON (archive.store.accounts.job_json: its result has the keys of the command's --json);
    a running job whose process is gone is marked failed first."""
    ensure_runner(app)  # also reaps this server's finished runner, so its pid no longer looks alive
    engine = app.state.engine
    with Session(engine) as s:
        job = s.get(Job, job_id)
        if job is None:
            raise HTTPException(status_code=404, detail=f"no job {job_id}")
        data = accounts.job_json(job)
    if data["state"] == "running" and not _alive(data["result"].get("pid")):
        result = {**data["result"], "error": "the job's process ended before it finished (killed, or the "
                  "machine restarted): start it again"}
        with session_scope(engine) as s:  # only if it is still running: it may have finished meanwhile
            s.exec(update(Job).where(col(Job.id) == job_id, col(Job.state) == "running")
                   .values(state="failed", result_json=json.dumps(result), finished_at=utcnow()))
        with Session(engine) as s:
            data = accounts.job_json(s.get(Job, job_id))
    return data


def recent(app, kind: Optional[str] = None, limit: int = 20) -> list[dict]:
    with Session(app.state.engine) as s:
        return [accounts.job_json(j) for j in accounts.jobs(s, kind, limit)]


def finish(engine: Engine, job_id: int, state: str, result: dict) -> None:
    with session_scope(engine) as s:
        accounts.job_progress(s, job_id, state=state, result=result)


class Reporter:
    """The progress callback a runner hands to ingest and audit: the job row is written at most twice a
    second (and at every change of stage and at the end of one), each write its own short transaction."""

    def __init__(self, engine: Engine, job_id: int, interval: float = 0.5):
        import time
        self._clock = time.monotonic
        self.engine, self.job_id, self.interval = engine, job_id, interval
        self._last = (None, 0.0)

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self._clock()
        last_stage, last_time = self._last
        if stage == last_stage and now - last_time < self.interval and done < total:
            return
        self._last = (stage, now)
        with session_scope(self.engine) as s:
            accounts.job_progress(s, self.job_id, stage=stage, done=done, total=total)


# --- routes: a job's page and its JSON ---------------------------------------------------------

def _job_for(request: Request, job_id: int) -> dict:
    user = auth.editor(request)
    data = job_view(request.app, job_id)
    if data["user"] != user.name and user.role != "admin":
        raise HTTPException(status_code=403, detail=f"job {job_id} is {data['user']}'s")
    return data


@router.get("/api/jobs/{job_id}")
def job_json(request: Request, job_id: JobId) -> dict:
    """A job: state (queued, running, done, failed), stage, done of total, and its result (for an ingest
    the keys of `archive ingest --json`, for an audit those of `archive verify --json`)."""
    return _job_for(request, job_id)


@router.get("/api/jobs")
def jobs_json(request: Request, kind: Optional[str] = None) -> dict:
    user = auth.editor(request)
    return {"jobs": [j for j in recent(request.app, kind) if user.role == "admin" or j["user"] == user.name]}


@router.get("/jobs/{job_id}")
@auth.needs("editor")
def job_page(request: Request, job_id: JobId):
    from archive.web.pages import render
    return render(request, "job.html", {"job": _job_for(request, job_id), "now": utcnow()})


# --- the ingest job record (`archive jobs`): inputs queued, running, done, failed -------------------

INGEST_JOBS_SHOWN = 100


def _ingest_jobs(request: Request, state: Optional[str]) -> dict:
    auth.editor(request)
    if state is not None and state not in job_record.STATES:
        raise HTTPException(status_code=422, detail=f"state must be one of {', '.join(job_record.STATES)}")
    with Session(request.app.state.engine) as s:
        # The newest inputs only, and the counts from the state index: the record holds every input ever ingested.
        return {"counts": job_record.counts(s), "jobs": job_record.listing(s, state, INGEST_JOBS_SHOWN)}


@router.get("/api/ingest-jobs")
def ingest_jobs_json(request: Request, state: Optional[str] = None) -> dict:
    """The ingest job record, as `archive jobs --json`: counts per state and the newest inputs
    (fingerprint, label, state, owner, lease, pages, document, reason)."""
    return _ingest_jobs(request, state)


@router.get("/ingest-jobs")
def ingest_jobs_page(request: Request, state: Optional[str] = None):
    from archive.web.pages import render
    return render(request, "ingest_jobs.html", {**_ingest_jobs(request, state), "state": state,
                                                "shown": INGEST_JOBS_SHOWN})
