"""`archive jobs`: the ingest job record (archive.store.jobs): what is queued, running, done, failed."""

from __future__ import annotations

import click
from sqlmodel import Session

from archive.cli.common import State, emit_json, pass_state
from archive.store import jobs as job_record


@click.command()
@click.option("--state", "only", type=click.Choice(job_record.STATES), default=None, help="Only jobs in this state.")
@click.option("--limit", type=click.IntRange(1), default=None, help="At most N jobs, newest first.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def jobs(state: State, only: str | None, limit: int | None, as_json: bool) -> None:
    """Ingest jobs, one per input (keyed by its SHA-256): queued, running (owner, lease), done, failed."""
    with Session(state.engine) as session:
        rows = job_record.listing(session, only, limit)
    counts = dict.fromkeys(job_record.STATES, 0)
    for r in rows:
        counts[r["state"]] += 1
    if as_json:
        emit_json({"counts": counts, "jobs": rows})
        return
    click.echo(", ".join(f"{n} {s}" for s, n in counts.items()))
    for r in rows:
        if r["state"] == job_record.DONE:
            what = f"document {r['document']}"
        elif r["state"] == job_record.RUNNING:
            what = f"{r['owner']}, lease until {r['lease_until']}"
        elif r["state"] == job_record.FAILED:
            what = r["reason"] or ""
        else:
            what = f"claim of {r['owner']} lapsed" if r["stale_claim"] else "waiting"
        click.echo(f"{r['state']:<8} {r['fingerprint'][:12]}  {r['pages']:>4} p.  {r['label']}  ({what})")


COMMANDS = [jobs]
