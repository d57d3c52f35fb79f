"""Metadata commands: a person's assertion (`set`) and re-running extraction (`extract`)."""

from __future__ import annotations

import click
from sqlmodel import Session

from archive.cli.common import Progress, State, emit_json, pass_state, say
from archive.errors import UsageError
from archive.store import reads, writes
from archive.store.db import session_scope
from archive.store.fields import METADATA_FIELDS, parse_value


@click.command("set")
@click.argument("doc")
@click.argument("field", type=click.Choice(METADATA_FIELDS))
@click.argument("value")
@click.option("--by", "by", required=True, metavar="NAME", help="The person making this assertion.")
@click.option("--note", default=None, help="Why: the source or reasoning.")
@click.option("--approximate", is_flag=True, help="For dates: the date is approximate (circa).")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def set_cmd(state: State, doc: str, field: str, value: str, by: str, note: str | None, approximate: bool,
            as_json: bool) -> None:
    """Record a person's value for FIELD ('' clears it; authors as "A; B"). It outranks any extraction."""
    from provenance.pipeline import update
    if not by.strip():
        raise UsageError("--by needs a name")
    parsed, qualifiers = parse_value(field, value)
    if approximate:
        qualifiers["approximate"] = True
    with session_scope(state.engine) as session:
        d = reads.get_document(session, doc)
        who = writes.person(session, by)
        writes.add_assertion(session, d, field, parsed, who, method="manual", confidence=1.0,
                            normalized=parsed if isinstance(parsed, str) else None, qualifiers=qualifiers,
                            note=note)
        changed = writes.refresh_metadata(session, d)
        doc_id = d.id
    update(state.engine, [doc_id], extract_values=False, fields=[field])  # copies share it; links if they read it
    if as_json:
        emit_json({"document": doc_id, "field": field, "value": parsed, "changed": bool(changed)})
    else:
        say(state, f"document {doc_id}: {field} set by {by}" + ("" if changed else " (value unchanged)"))


@click.command("extract")
@click.argument("docs", nargs=-1)
@click.option("--json", "as_json", is_flag=True)
@pass_state
def extract_cmd(state: State, docs: tuple[str, ...], as_json: bool) -> None:
    """Re-run metadata and citation extraction (all documents by default); never overrides a person."""
    from provenance.pipeline import update
    with Session(state.engine) as session:
        ids = [reads.get_document(session, d).id for d in docs] or None
    progress = Progress(state, "extract")
    try:
        stats = update(state.engine, ids, progress)
    finally:
        progress.close()
    if as_json:
        emit_json(stats)
    else:
        say(state, f"{stats['documents']} documents described; {stats['citations']} citations, "
                   f"{stats['linked']} linked to held documents, {stats['changed']} links changed")


COMMANDS = [set_cmd, extract_cmd]
