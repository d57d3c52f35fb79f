"""`archive serve` (the web application) and `archive user add` (who may sign in to it)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from archive.cli.common import Progress, State, emit_json, pass_state, say
from archive.errors import UsageError
from archive.store.accounts import ROLES


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--anonymous-read", is_flag=True, help="Let people read without signing in (edits still need one).")
@click.option("--secure-cookies", is_flag=True, help="Behind HTTPS: send the session cookie only over HTTPS.")
@click.option("--storage", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where uploaded scans are kept (uploads/ inside it). Default: archive-files/ beside the "
                   "SQLite database, else in the working directory.")
@click.option("--ingest-jobs", type=click.IntRange(1, 256), default=None, show_default="cores - 1",
              help="Worker processes for the OCR of an ingest started from the browser.")
@click.option("--job-nice", type=click.IntRange(0, 19), default=10, show_default=True,
              help="How far below the pages' CPU priority ingests and audits run (nice): they take the cores the "
                   "pages leave idle. 0 runs them level with the server.")
@click.option("--max-upload-mb", type=click.IntRange(1), default=2048, show_default=True,
              help="The largest upload (all its files together), in MiB.")
@click.option("--max-file-mb", type=click.IntRange(1), default=512, show_default=True,
              help="The largest uploaded file, in MiB.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Server processes (uvicorn's): one per core serves more people at once. They share the "
                   "database, the sign-in limit and the session secret (ARCHIVE_SECRET, else one random per start).")
@pass_state
def serve_cmd(state: State, host: str, port: int, anonymous_read: bool, secure_cookies: bool,
              storage: Path | None, ingest_jobs: int | None, job_nice: int, max_upload_mb: int, max_file_mb: int,
              workers: int) -> None:
    """Serve the archive in a browser. Sessions are signed with ARCHIVE_SECRET (random per start without it)."""
    import secrets

    import uvicorn

    from archive.web import app as web_app
    from archive.web import jobs
    settings = {"anonymous_read": anonymous_read, "secure_cookies": secure_cookies,
                "storage": str(storage) if storage else None, "ingest_jobs": ingest_jobs, "job_nice": job_nice,
                "max_upload_bytes": max_upload_mb * jobs.MiB, "max_file_bytes": max_file_mb * jobs.MiB}
    # Every process builds the same app from the environment (the database URL stays out of the process list),
    # with one secret for all of them, or a session signed by one would be refused by the others. With one
    # process the app built here is the one served.
    os.environ.update({"ARCHIVE_DB": jobs.engine_url(state.engine),
                       "ARCHIVE_SECRET": os.environ.get("ARCHIVE_SECRET") or secrets.token_urlsafe(32),
                       web_app.SETTINGS_ENV: json.dumps(settings)})
    app = web_app.from_environment()
    conf = jobs.settings(app)
    bring_keys_up_to_date(state)
    if workers == 1:
        target, options = app, {}
    else:
        target, options = f"{web_app.__name__}:from_environment", {"factory": True, "workers": workers}
    say(state, f"archive: uploads are kept in {conf.storage / 'uploads'}")
    say(state, f"archive: serving on http://{host}:{port}/ with {workers} process{'es' if workers > 1 else ''} "
               "(Ctrl-C to stop)")
    uvicorn.run(target, host=host, port=port, log_level="warning", **options)


def bring_keys_up_to_date(state: State) -> None:
    """Before the first request: the blocking keys of documents indexed under older rules (an archive made by an
    earlier release) built anew. Every update starts with this; left to the first one, a person's first edit
    after an upgrade waited for the whole archive's keys (48 s at 10,000 documents, bench/SCALE.md)."""
    from provenance.pipeline import backfill
    progress = Progress(state, "serve")
    try:
        n = backfill(state.engine, progress=progress)
    finally:
        progress.close()
    if n:
        say(state, f"archive: the matching keys of {n} documents rebuilt under this release's rules")


@click.group("user")
def user_group() -> None:
    """People who may sign in to `archive serve`."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when not given (give it only in scripts: it shows in the process list).")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def user_add(state: State, name: str, role: str, password: str, as_json: bool) -> None:
    """Add NAME with ROLE (or change an existing user's role and password)."""
    from archive.store import accounts
    from archive.store.db import session_scope
    from archive.web.auth import hash_password
    if len(password) < 8:
        raise UsageError("the password needs at least 8 characters")
    with session_scope(state.engine) as session:
        user = accounts.add_user(session, name, role, hash_password(password))
        out = {"user": user.name, "role": user.role, "id": user.id}
    if as_json:
        emit_json(out)
    else:
        say(state, f"user {out['user']}: {out['role']}")


COMMANDS = [serve_cmd, user_group]
