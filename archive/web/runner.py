"""The job runner: `python -m archive.web.runner` (started by archive.web.jobs, database from ARCHIVE_DB) claims
queued jobs one at a time and runs them through the same library calls as the command line:
an ingest is ingest.pipeline.ingest then the provenance stage for what is undescribed (as `archive ingest`),
an audit is ingest.audit.verify (as `archive verify`). Their summaries are the jobs' results."""

from __future__ import annotations

import json
import os
import signal
import sys

from sqlalchemy.engine import Engine
from sqlmodel import Session

from archive.errors import ArchiveError
from archive.store.db import make_engine
from archive.store.models import Job
from archive.web.jobs import Reporter, claim_next, finish, lower_priority


def run_ingest(engine: Engine, job_id: int, params: dict, reporter: Reporter) -> dict:
    from ingest.pipeline import IngestOptions, ingest
    from provenance.pipeline import describe, undescribed
    jobs = int(os.environ.get("ARCHIVE_INGEST_JOBS") or 1)
    if params.get("folder"):  # an upload: its paths are relative to its folder, as the names were sent
        os.chdir(params["folder"])
    summary = ingest(engine, list(params["paths"]), IngestOptions(jobs=jobs, lang=params.get("lang") or "eng"),
                     progress=reporter)
    doc_ids = undescribed(engine)
    if doc_ids:
        describe(engine, doc_ids, progress=lambda stage, done, total: reporter(f"describe: {stage}", done, total))
    return summary.as_json()


def run_audit(engine: Engine, job_id: int, params: dict, reporter: Reporter) -> dict:
    from ingest.audit import verify
    report = verify(engine, params.get("documents") or None, resume=not params.get("restart"),
                    progress=lambda done, total: reporter("checking files", done, total))
    return report.as_json()


KINDS = {"ingest": run_ingest, "audit": run_audit}


def run_one(engine: Engine, job_id: int) -> None:
    with Session(engine) as s:
        job = s.get(Job, job_id)
        kind, params = job.kind, json.loads(job.params_json or "{}")
    reporter = Reporter(engine, job_id)
    try:
        result = KINDS[kind](engine, job_id, params, reporter)
    except ArchiveError as exc:
        finish(engine, job_id, "failed", {"error": exc.one_line()})
        return
    except BaseException as exc:  # the job must not stay "running"; the error is its result
        reason = "interrupted" if isinstance(exc, (KeyboardInterrupt, SystemExit)) else \
            f"{exc.__class__.__name__}: {exc}".splitlines()[0]
        finish(engine, job_id, "failed", {"error": reason})
        if not isinstance(exc, Exception):
            raise
        return
    finish(engine, job_id, "done", result)


def main() -> int:
    # SIGTERM (a stop, a shutdown) ends the job as failed, with its reason, rather than leaving it "running".
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    lower_priority()
    engine = make_engine(os.environ.get("ARCHIVE_DB"))
    while (job_id := claim_next(engine)) is not None:
        run_one(engine, job_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
