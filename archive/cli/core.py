"""Core commands: ingest, list, show, search, history, verify, export."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from sqlmodel import Session

from archive.cli.common import Progress, State, emit_json, pass_state, say
from archive.errors import EXIT_FAILURES, EXIT_OK, UsageError
from archive.store import reads
from archive.store.fields import METADATA_FIELDS
from archive.store.vocabulary import AgentKind

FILTER_OPTIONS = [
    click.option("--organization", help="Only documents whose organization contains this text."),
    click.option("--publisher", help="Only documents whose publisher contains this text."),
    click.option("--place", help="Only documents whose place contains this text."),
    click.option("--from", "date_from", metavar="DATE", help="Only documents dated on or after (YYYY[-MM[-DD]])."),
    click.option("--to", "date_to", metavar="DATE", help="Only documents dated on or before (YYYY[-MM[-DD]])."),
]


def filter_options(fn):
    for opt in reversed(FILTER_OPTIONS):
        fn = opt(fn)
    return fn


def make_filter(organization=None, publisher=None, place=None, date_from=None, date_to=None, ids=None):
    import re
    for name, value in (("--from", date_from), ("--to", date_to)):
        if value and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
            raise UsageError(f"{name} {value!r}: dates are YYYY, YYYY-MM or YYYY-MM-DD")
    return reads.DocumentFilter(organization, publisher, place, date_from, date_to, ids)


def post_ingest(state: State) -> None:
    """Metadata, citations and links for every document not yet described: those just ingested,
    and any that an earlier, interrupted ingest committed but never reached (the provenance stage)."""
    from provenance.pipeline import describe, undescribed
    doc_ids = undescribed(state.engine)
    if doc_ids:
        progress = Progress(state, "describe")
        try:
            describe(state.engine, doc_ids, progress=progress)
        finally:
            progress.close()


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=False, path_type=str))
@click.option("--jobs", "-j", type=click.IntRange(0, 256), default=0, show_default="number of cores",
              help="Worker processes for text extraction and OCR.")
@click.option("--lang", default="eng", show_default=True, help="Tesseract language(s), e.g. eng or eng+fra.")
@click.option("--password", default=None, help="Password for encrypted PDFs.")
@click.option("--cluster", envvar="ARCHIVE_CLUSTER", default=None, metavar="ADDRESS",
              help="Run page work on the Dask scheduler at ADDRESS (e.g. tcp://scheduler:8786; env ARCHIVE_CLUSTER) "
                   "instead of local worker processes (--jobs is then unused: the cluster has its workers).")
@click.option("--send-bytes", is_flag=True,
              help="With --cluster: send each source file's bytes to the workers (no shared storage) "
                   "instead of its path.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@pass_state
def ingest(state: State, paths: tuple[str, ...], jobs: int, lang: str, password: str | None, cluster: str | None,
           send_bytes: bool, as_json: bool) -> None:
    """Ingest scans: PDFs, multi-page TIFFs, folders of page images, lone images."""
    from ingest.pipeline import IngestOptions
    from ingest.pipeline import ingest as run_ingest
    if send_bytes and not cluster:
        raise UsageError("--send-bytes needs --cluster (or ARCHIVE_CLUSTER)")
    progress = Progress(state, "ingest")
    try:
        summary = run_ingest(state.engine, list(paths),
                             IngestOptions(jobs=jobs, lang=lang, password=password, cluster=cluster or None,
                                           send_bytes=send_bytes),
                             progress=progress)
    finally:
        progress.close()
    post_ingest(state)
    if as_json:
        emit_json(summary.as_json())
    if not state.quiet:
        for item in summary.ingested:
            click.echo(f"ingested  document {item['document']}: {item['paths'][0]}"
                       + (f" (+{len(item['paths']) - 1} files)" if len(item["paths"]) > 1 else "")
                       + f", {item['pages']} pages", err=True)
            for w in item["warnings"]:
                click.echo(f"  warning: {w}", err=True)
        for item in summary.skipped:
            click.echo(f"skipped   {item['path']}: {item['reason']}", err=True)
        for item in summary.failed:
            click.echo(f"failed    {item['path']}: {item['reason']}", err=True)
        click.echo(f"{len(summary.ingested)} ingested, {len(summary.skipped)} skipped, "
                   f"{len(summary.failed)} failed", err=True)
    sys.exit(EXIT_FAILURES if summary.failed else EXIT_OK)


@click.command("list")
@filter_options
@click.option("--limit", type=click.IntRange(1), default=None, help="At most N documents (a page).")
@click.option("--offset", type=click.IntRange(0), default=0, help="Skip the first N matching documents.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def list_cmd(state: State, as_json: bool, limit: int | None, offset: int, **filters) -> None:
    """List the documents held."""
    with Session(state.engine) as session:
        docs = reads.list_documents(session, make_filter(**filters), limit=limit, offset=offset, with_text=False)
        rows = [{"id": d.id, "title": d.title, "authors": reads.authors(d), "organization": d.organization,
                 "publisher": d.publisher, "place": d.place, "date": d.date, "page_count": d.page_count,
                 "mean_ocr_confidence": d.mean_confidence, "label": d.label} for d in docs]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        bits = [b for b in (r["organization"], r["publisher"], r["place"], r["date"]) if b]
        click.echo(f"{r['id']:>5}  {r['title'] or '(untitled) ' + r['label']}"
                   + (f"  [{'; '.join(bits)}]" if bits else "") + f"  {r['page_count']} p.")


@click.command()
@click.argument("doc")
@click.option("--json", "as_json", is_flag=True)
@click.option("--provenance", is_flag=True, help="Show each metadata value with its evidence or author.")
@click.option("--text", "with_text", is_flag=True, help="Include each page's text.")
@pass_state
def show(state: State, doc: str, as_json: bool, provenance: bool, with_text: bool) -> None:
    """Show one document: metadata, files, pages."""
    with Session(state.engine) as session:
        d = reads.get_document(session, doc)
        data = reads.document_json(session, d, include_text=with_text or as_json)
    if as_json:
        emit_json(data)
        return
    click.echo(f"Document {data['id']}: {data['title'] or '(untitled)'}  [{data['label']}]")
    for key in METADATA_FIELDS:
        value = data[key]
        if value in (None, [], ""):
            value = "—"
        elif isinstance(value, list):
            value = "; ".join(value)
        click.echo(f"  {key:<16}{value}")
        if provenance:
            for a in data["metadata_provenance"].get(key, []):
                if a["superseded"]:
                    continue
                if a["agent_kind"] == AgentKind.PERSON:
                    click.echo(f"      set by {a['agent']} at {a['time']}" + (f": {a['note']}" if a["note"] else ""))
                else:
                    where = f"page {a['page']}" if a["page"] else "no page"
                    box = f" at {tuple(a['box'])}" if a.get("box") else ""
                    click.echo(f"      {a['method']} ({a['agent']}, confidence {a['confidence']:.2f}), {where}: "
                               f"{json.dumps(a['evidence'], ensure_ascii=False)}{box}")
    click.echo(f"  pages           {data['page_count']} (mean OCR confidence "
               f"{data['mean_ocr_confidence'] if data['mean_ocr_confidence'] is not None else 'n/a'})")
    click.echo(f"  text_sha256     {data['text_sha256']}")
    click.echo("  source files:")
    for s in data["source_files"]:
        click.echo(f"    {s['path']}  {s['format']}  {s['size']} bytes  sha256 {s['sha256']}"
                   + (f"  fixity {s['last_fixity']}" if s["last_fixity"] else ""))
    click.echo("  pages:")
    for p in data["pages"]:
        conf = f"{p['ocr_confidence']:.1f}" if p["ocr_confidence"] is not None else "—"
        click.echo(f"    {p['number']:>4}  {p['method']:<10} confidence {conf}")
        if with_text and p["text"]:
            click.echo("      " + p["text"].replace("\n", "\n      "))


@click.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@filter_options
@click.option("--json", "as_json", is_flag=True)
@pass_state
def search(state: State, query: str, limit: int, as_json: bool, **filters) -> None:
    """Full-text search over every page, ranked; "quoted phrases" match exactly."""
    flt = make_filter(**filters)
    with Session(state.engine) as session:
        hits = reads.search(session, query, limit=limit, flt=flt)   # the filter inside the query
    if as_json:
        emit_json([h.as_json() for h in hits])
        return
    if not hits:
        say(state, f"no matches for {query!r}")
    for h in hits:
        click.echo(f"document {h.document_id} page {h.page}: {h.title or ''}\n    {' '.join(h.snippet.split())}")


@click.command()
@click.argument("doc")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def history(state: State, doc: str, as_json: bool) -> None:
    """A document's provenance events, oldest first."""
    with Session(state.engine) as session:
        d = reads.get_document(session, doc)
        rows = [reads.event_json(ev, who) for ev, who in reads.events(session, d.id)]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        page = f" p.{r['page']}" if r["page"] else ""
        click.echo(f"{r['time']}  {r['type']}{page}  [{r['outcome']}]  {r['agent']}: {r['detail']}")


@click.command()
@click.argument("docs", nargs=-1)
@click.option("--restart", is_flag=True,
              help="Start a new audit even if the last one was interrupted (by default it is resumed).")
@click.option("--resume-after", type=int, default=0, metavar="ID",
              help="Only check source files with a higher id (manual resume; normally not needed).")
@click.option("--bag", "bag_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Audit a BagIt bag instead (one `archive export --format bag` wrote): its manifests, "
                   "and its sources against this archive's records. Records nothing.")
@click.option("--fast", is_flag=True, help="--bag: check only file counts and sizes (Payload-Oxum).")
@click.option("--json", "as_json", is_flag=True)
@pass_state
def verify(state: State, docs: tuple[str, ...], restart: bool, resume_after: int, bag_dir: Path | None,
           fast: bool, as_json: bool) -> None:
    """Re-hash held source files: ok, modified or missing; every check is recorded.
    An interrupted audit of the whole archive is resumed by the next `archive verify`.
    With --bag DIR: validate a bag we exported instead."""
    if bag_dir is not None:
        _verify_bag(state, bag_dir, fast, as_json)
        return
    from ingest.audit import verify as run_verify
    with Session(state.engine) as session:
        ids = [reads.get_document(session, d).id for d in docs] or None
    progress = Progress(state, "verify")
    lines = _ProgressLines(state, "verify") if not progress.enabled else None
    try:
        report = run_verify(state.engine, ids, resume_after=resume_after, resume=not restart,
                            progress=lines or progress)
    except KeyboardInterrupt:
        progress.close()
        click.echo("archive: verify interrupted; the checks so far are recorded: run `archive verify` "
                   "again to resume", err=True)
        sys.exit(130)
    finally:
        progress.close()
    if as_json:
        emit_json(report.as_json())
    if not state.quiet:
        if report.resumed_from:
            click.echo(f"resumed the audit started {report.resumed_from.isoformat(timespec='seconds')} "
                       f"({report.already_checked} files were already checked)", err=True)
        for item in report.modified:
            click.echo(f"MODIFIED  {item['path']} (document {item['document']})", err=True)
        for item in report.missing:
            click.echo(f"MISSING   {item['path']} (document {item['document']})", err=True)
        click.echo(f"{report.checked} files checked: {len(report.ok)} ok, {len(report.modified)} modified, "
                   f"{len(report.missing)} missing", err=True)
    sys.exit(EXIT_FAILURES if report.failed else EXIT_OK)


def _verify_bag(state: State, bag_dir: Path, fast: bool, as_json: bool) -> None:
    from reports.bag import audit
    with Session(state.engine) as session:
        result = audit(session, bag_dir, fast=fast)
    if as_json:
        emit_json(result)
    if not state.quiet:
        for rel in result["modified"]:
            click.echo(f"MODIFIED  {bag_dir / rel}", err=True)
        for rel in result["missing"]:
            click.echo(f"MISSING   {bag_dir / rel}", err=True)
        for err in result["errors"]:
            click.echo(f"INVALID   {err}", err=True)
        for item in result["excluded"]:
            click.echo(f"EXCLUDED  {item['path']} (document {item['document']}): {item['reason']}", err=True)
        origin = {True: "its sources match this archive's records", False: "not (all) from this archive",
                  None: "no archive-tracker source list"}[result["from_this_archive"]]
        click.echo(f"bag {bag_dir}: {'valid' if result['valid'] else 'NOT valid'}; {origin}", err=True)
    sys.exit(EXIT_OK if result["valid"] else EXIT_FAILURES)


class _ProgressLines:
    """Progress as a line on stderr every tenth of the way, when stderr is not a terminal (logs, cron)."""

    def __init__(self, state: State, label: str, unit: str = "files"):
        self.enabled = not state.quiet
        self.label = label
        self.unit = unit
        self._next = 0.0

    def __call__(self, done: int, total: int) -> None:
        if self.enabled and total and (done / total >= self._next or done == total):
            click.echo(f"{self.label}: {done}/{total} {self.unit}", err=True)
            self._next = (int(done * 10 / total) + 1) / 10


def _export_formats() -> list[str]:
    from reports.registry import export_formats
    # ead: one finding aid, but written into -o DIR like the folder formats (report's writer).
    # pdf: the access copies (writer "pdf-a"; report's "pdf" is the printable catalogue).
    return ["json", "dc", "ead", "pdf", *(f for f in export_formats() if f != "pdf-a")]


@click.command()
@click.option("--format", "fmt", type=click.Choice(_export_formats()), default="json", show_default=True,
              help="json or dc: one file (or stdout); pdf: a searchable PDF/A access copy per document; "
                   "the others (hocr, alto, mets, ...): a folder of files per document, into -o DIR.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="The file to write (json, dc; default stdout), or the folder (per-document formats).")
@filter_options
@click.option("--source-organization", metavar="NAME", help="bag: the Source-Organization of bag-info.txt.")
@click.option("--iiif-base", metavar="URL", help="iiif: the URL the output folder is published at "
              "(manifests at URL/iiif/doc-<id>/manifest.json; default: file:// URIs).")
@click.option("--json", "as_json", is_flag=True, help="Per-document formats: print what was written as JSON.")
@pass_state
def export(state: State, fmt: str, output: Path | None, source_organization: str | None, iiif_base: str | None,
           as_json: bool,
           **filters) -> None:
    """Export the catalogue: JSON (the export contract), Dublin Core XML, or per-document files
    (PDF/A access copies, hOCR, ALTO, METS and the other per-document formats of `archive report`)."""
    flt = make_filter(**filters)
    if fmt == "pdf":
        _export_access(state, output, as_json, flt)
        return
    if fmt not in ("json", "dc"):
        if output is None:
            raise UsageError(f"--format {fmt} writes a folder of files: give it with -o DIR")
        from reports.build import build_reports
        progress = Progress(state, "export")
        lines = _ProgressLines(state, "export", "documents") if not progress.enabled else None
        try:
            result = build_reports(state.engine, output, fmt, flt=flt,
                                   progress=(lambda stage, done, total: lines(done, total)) if lines else progress,
                                   options={"source_organization": source_organization,
                                            "iiif_base": iiif_base})
        finally:
            progress.close()
        info = result.formats[fmt]
        if as_json:
            emit_json(result.as_json())
        say(state, f"{fmt}: {info['count']} files for {result.documents} documents in {result.output / info['main']} "
                   f"({info['seconds']:.2f} s)")
        return
    if output is not None and output.is_dir():
        raise UsageError(f"--format {fmt} writes one file, and this is a folder", path=str(output))
    with Session(state.engine) as session:
        if fmt == "json":
            data = json.dumps(reads.export(session, flt), indent=2, ensure_ascii=False)
        else:
            from reports.dublin_core import render
            data = render(reads.export(session, flt))
    if output:
        output.write_text(data + ("\n" if not data.endswith("\n") else ""), encoding="utf-8")
        say(state, f"wrote {output}")
    else:
        click.echo(data)


def _export_access(state: State, output: Path | None, as_json: bool, flt) -> None:
    from reports.access_pdf import export_access
    if output is None:
        raise UsageError("--format pdf writes one file per document: give the folder with -o")
    result = export_access(state.engine, output, flt, progress=_ProgressLines(state, "access copies"))
    failed = [d for d in result["documents"] if d.get("error")]
    if as_json:
        emit_json(result)
    else:
        for d in result["documents"]:
            if d.get("error"):
                click.echo(f"failed    document {d['document']}: {d['error']}", err=True)
            else:
                click.echo(f"{d['file']}  {d['pages']} pages  {d['bytes']} bytes (source {d['source_bytes']})  "
                           f"{d['kind']}")
    sys.exit(EXIT_FAILURES if failed else EXIT_OK)


COMMANDS = [ingest, list_cmd, show, search, history, verify, export]
