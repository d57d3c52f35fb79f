"""Citation and duplicate commands: citations, cites, cited-by, works, duplicates, graph, relink."""

from __future__ import annotations

from pathlib import Path

import click
from sqlmodel import Session

from archive.cli.common import Progress, State, emit_json, pass_state, say
from archive.errors import UsageError
from archive.store import reads


def _doc_line(doc, n: int) -> str:
    return f"{doc.id:>5}  {doc.title or '(untitled) ' + doc.label}" + (f"  [{doc.date}]" if doc.date else "") + \
        f"  ({n} citation{'s' if n != 1 else ''})"


@click.command("citations")
@click.argument("doc")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def citations_cmd(state: State, doc: str, as_json: bool) -> None:
    """Every citation found in a document, resolved or not."""
    with Session(state.engine) as session:
        d = reads.get_document(session, doc)
        rows = [{"id": c.id, "page": c.page, "kind": c.kind, "raw": c.raw, "author": c.author, "title": c.title,
                 "year": c.year, "locator": c.locator, "place": c.place, "publisher": c.publisher,
                 "note_number": c.note_number, "target": c.target_document_id,
                 "external_work": c.external_work_id, "confidence": c.confidence, "evidence": c.match_evidence,
                 "entry": c.entry_id} for c in reads.citations(session, d.id)]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        where = f"-> document {r['target']}" if r["target"] else "(not held)"
        click.echo(f"p.{r['page'] or '?':<4} {r['kind']:<12} {r['raw']}  {where}")


def _relations_cmd(name: str, fetch, help_text: str):
    @click.command(name, help=help_text)
    @click.argument("doc")
    @click.option("--json", "as_json", is_flag=True)
    @pass_state
    def command(state: State, doc: str, as_json: bool) -> None:
        with Session(state.engine) as session:
            d = reads.get_document(session, doc)
            rows = fetch(session, d.id)
            data = [{"document": other.id, "title": other.title, "date": other.date, "citations": n}
                    for other, n in rows]
            lines = [_doc_line(other, n) for other, n in rows]
        if as_json:
            emit_json(data)
        else:
            for line in lines:
                click.echo(line)
            if not lines:
                say(state, "none")
    return command


cites_cmd = _relations_cmd("cites", reads.cites, "Held documents that DOC cites.")
cited_by_cmd = _relations_cmd("cited-by", reads.cited_by, "Held documents that cite DOC.")


@click.command("works")
@click.option("--limit", type=int, default=None, help="Show only the most cited N.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def works_cmd(state: State, limit: int | None, as_json: bool) -> None:
    """Cited works the archive does not hold, most cited first, and who cites them."""
    with Session(state.engine) as session:
        works = reads.external_works(session, limit)
    if as_json:
        emit_json(works)
        return
    for w in works:
        name = " ".join(x for x in (w["author"], f"“{w['title']}”" if w["title"] else None, w["year"]) if x)
        click.echo(f"{w['citations']:>4}  {name}  cited by {', '.join(map(str, w['cited_by']))}")


@click.command("duplicates")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def duplicates_cmd(state: State, as_json: bool) -> None:
    """Rescans and near-duplicates: documents holding the same work."""
    with Session(state.engine) as session:
        rows = [{"document": r.document_id, "other": r.other_id, "kind": r.kind, "score": r.score,
                 "method": r.method, "canonical": r.canonical_id} for r in reads.relations(session)]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        click.echo(f"{r['document']:>5} ~ {r['other']:<5} {r['kind']:<15} score {r['score']:.3f}  "
                   f"canonical: {r['canonical']}")


@click.command("graph")
@click.option("--format", "fmt", type=click.Choice(["graphml", "dot", "json"]), default="json", show_default=True)
@click.option("--external", is_flag=True, help="Include cited works the archive does not hold.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@pass_state
def graph_cmd(state: State, fmt: str, external: bool, output: Path | None) -> None:
    """The citation graph of the collection."""
    from reports.graph_formats import WRITERS
    with Session(state.engine) as session:
        text = WRITERS[fmt](reads.citation_graph(session, external=external))
    if output:
        output.write_text(text, encoding="utf-8")
        say(state, f"wrote {output}")
    else:
        click.echo(text, nl=False)


@click.command("relink")
@click.argument("docs", nargs=-1)
@click.option("--all", "whole", is_flag=True, help="The whole archive (the default when no DOC is given).")
@click.option("--exhaustive", is_flag=True,
              help="Compare every citation with every document and every pair of documents, without the "
                   "indexes (slow: for audits).")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def relink_cmd(state: State, docs: tuple[str, ...], whole: bool, exhaustive: bool, as_json: bool) -> None:
    """Re-run duplicate detection, metadata sharing and citation resolution: for DOCs and what they
    can affect, or for the whole archive."""
    from provenance.pipeline import update
    if docs and (whole or exhaustive):
        raise UsageError("give documents or --all/--exhaustive, not both")
    with Session(state.engine) as session:
        ids = [reads.get_document(session, d).id for d in docs] or None
    progress = Progress(state, "relink")
    try:
        stats = update(state.engine, ids, progress, extract_values=False, exhaustive=exhaustive)
    finally:
        progress.close()
    if as_json:
        emit_json(stats)
    else:
        say(state, f"{stats['citations']} citations: {stats['linked']} linked to held documents, "
                   f"{stats['external']} to outside works, {stats['changed']} changed; "
                   f"{stats['duplicates']} duplicate pairs")


COMMANDS = [citations_cmd, cites_cmd, cited_by_cmd, works_cmd, duplicates_cmd, graph_cmd, relink_cmd]
