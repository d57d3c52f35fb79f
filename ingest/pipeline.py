"""Parent side of ingest: plan documents, run their pages (ingest.scheduler), write one document per transaction.

What the archive already holds (inputs, OCR results to reuse) is looked up in ingest.reuse."""

from __future__ import annotations

import os
import threading
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Callable, Optional

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from archive.errors import ArchiveError
from archive.store import jobs as job_record
from archive.store import writes
from archive.store.db import session_scope
from archive.store.models import Document, Page, SourceFile
from archive.store.vocabulary import AgentKind, EventType, Outcome, PageMethod
from ingest import images, normalize, pdf, reuse
from ingest.discover import InputGroup, discover
from ingest.fixity import display_path, fingerprint, sha256_file
from ingest.ocr import DEFAULT_PSM, OcrEngine, TesseractEngine
from ingest.pages import PageResult, PageTask, process_page, pypdf_version, with_pdf_thumbnails, worker_init
from ingest.scheduler import Scheduler, default_jobs, make_executor
from ingest.tools import check_language, tesseract


@dataclass(frozen=True)
class IngestOptions:
    jobs: int = 0  # 0: one per core
    lang: str = "eng"
    psm: int = DEFAULT_PSM
    password: Optional[str] = None
    cluster: Optional[str] = None  # a Dask scheduler's address: page work runs on its workers
    send_bytes: bool = False  # with `cluster`: send each source's bytes instead of its path (no shared storage)


@dataclass
class IngestSummary:
    ingested: list[dict] = field(default_factory=list)  # {"document", "paths", "pages", "warnings"}
    skipped: list[dict] = field(default_factory=list)  # {"path", "reason"}
    failed: list[dict] = field(default_factory=list)  # {"path", "reason"}

    def as_json(self) -> dict:
        return {"ingested": self.ingested, "skipped": self.skipped, "failed": self.failed}


@dataclass(frozen=True)
class SourceInfo:
    path: str
    size: int
    sha256: str
    format: str


@dataclass
class _Planned:
    group: InputGroup
    sources: list[SourceInfo]
    tasks: list[PageTask]
    fingerprint: str  # the input's identity (ingest.fixity.fingerprint): its document's and job record's key
    cached: dict[int, PageResult] = field(default_factory=dict)  # page number -> an earlier OCR result, reused


Progress = Callable[[str, int, int], None]  # (stage, done, total)


def ingest(engine: Engine, paths: list[str], options: IngestOptions = IngestOptions(),
           progress: Optional[Progress] = None, *, ocr: Optional[OcrEngine] = None,
           new_executor: Optional[Callable[[int], Executor]] = None) -> IngestSummary:
    """Ingest every document found under `paths`. Bad inputs are recorded and reported; they
    never stop the batch. Each document is committed in its own transaction.

    `ocr`: the engine for pages without a usable text layer (it must pickle, to reach the worker
    processes); Tesseract at `options.psm` by default. `new_executor(jobs)`: the executor pages run
    on, a new one after a worker died; worker processes by default (in this process for one job), or
    the Dask cluster at `options.cluster` (ingest.cluster).

    Every input planned is claimed in the job record (archive.store.jobs) before its pages are sent:
    one held by another live coordinator is skipped, one left by a killed coordinator is taken over."""
    progress = progress or (lambda stage, done, total: None)
    ocr_engine = ocr or TesseractEngine(options.psm)
    check_language(options.lang)
    tesseract()  # fail early, with the install hint, if Tesseract is missing
    client = None
    if options.cluster:
        from ingest import cluster
        client = cluster.connect(options.cluster, lang=options.lang)  # unreachable: exit 3 before any work
    try:
        return _ingest(engine, paths, options, progress, ocr_engine, new_executor, client)
    finally:
        if client is not None:
            client.close()


def _ingest(engine: Engine, paths: list[str], options: IngestOptions, progress: Progress, ocr_engine: OcrEngine,
            new_executor: Optional[Callable[[int], Executor]], client) -> IngestSummary:
    summary = IngestSummary()
    found = discover(paths)
    summary.skipped += [{"path": p, "reason": r} for p, r in found.skipped]
    for p, r in found.failed:
        _fail(engine, summary, p, r)

    planned: list[_Planned] = []
    # Looking up embedded PDF images costs a read of their stored bytes: only worth it when the
    # archive holds OCR results that could match (none on a first ingest).
    look_up_pdf_images = (reuse.holds_ocr_results(engine, ocr_engine.name, options.lang, options.psm)
                          if found.groups else False)
    hashed: list[tuple[InputGroup, list[SourceInfo], str]] = []
    for i, group in enumerate(found.groups):
        progress("hashing", i, len(found.groups))
        sources = _hash(engine, group, summary)
        if sources is not None:
            hashed.append((group, sources, fingerprint([s.sha256 for s in sources])))
    progress("hashing", len(found.groups), len(found.groups))
    # Inputs already held are looked up together and their no-op events written together: re-ingesting
    # a folder of a thousand held files costs the hashing, not a thousand queries and commits.
    held = reuse.held(engine, [fp for _, _, fp in hashed])
    noops: list[tuple[int, str]] = []
    for group, sources, fp in hashed:
        if fp in held:
            summary.skipped.append({"path": group.label, "reason": f"already in the archive as document {held[fp]}"})
            noops.append((held[fp], f"no-op: {group.label} (SHA-256 {fp[:12]}…) is already held"))
            continue
        item = _plan(engine, group, sources, options, summary, ocr_engine, look_up_pdf_images, fp)
        if item is not None:
            planned.append(item)
    _record_noops(engine, noops)

    owner = job_record.new_owner()
    planned = _claim(engine, planned, owner, summary)
    lease = _Lease(engine, owner)
    lease.start()
    try:
        if client is not None:
            from ingest import cluster
            jobs = cluster.worker_slots(client)
            gave_up, resubmit_on = cluster.lost_task_errors()
            executor = cluster.ClusterExecutor(client, send_bytes=options.send_bytes, address=options.cluster or "")
            _run(engine, planned, lambda: executor, jobs, summary, progress, ocr_engine,
                 local_jobs=min(jobs, default_jobs()), gave_up=gave_up, resubmit_on=resubmit_on,
                 lost=_killed_workers, check=executor.check)
        else:
            jobs = options.jobs or default_jobs()
            executor_for = new_executor or (lambda n: make_executor(n, initializer=worker_init))
            _run(engine, planned, lambda: executor_for(jobs), jobs, summary, progress, ocr_engine)
    finally:
        lease.stop()
        try:
            job_record.release(engine, owner)  # what an interruption left unfinished is queued again
        except Exception:  # noqa: BLE001 - the database itself may be why we stop: its lease then runs out
            pass
    return summary


def _claim(engine: Engine, planned: list[_Planned], owner: str, summary: IngestSummary) -> list[_Planned]:
    """Record every planned input as a job and keep those this coordinator could claim."""
    job_record.register(engine, [(p.fingerprint, p.group.label, len(p.tasks)) for p in planned])
    mine = []
    for item in planned:
        got = job_record.claim(engine, item.fingerprint, owner)
        if got.taken:
            mine.append(item)
        elif got.state == job_record.DONE:
            summary.skipped.append({"path": item.group.label, "reason": "already in the archive (ingested meanwhile)"})
        else:
            until = f", claim until {got.lease_until:%Y-%m-%d %H:%M:%S} UTC" if got.lease_until else ""
            summary.skipped.append({"path": item.group.label,
                                    "reason": f"being ingested by another coordinator ({got.owner}{until})"})
    return mine


class _Lease(threading.Thread):
    """Renews this coordinator's claims while it runs (a slow page must not let them lapse)."""

    def __init__(self, engine: Engine, owner: str, lease_s: float = job_record.LEASE_S):
        super().__init__(name="archive-lease", daemon=True)
        self.engine, self.owner, self.lease_s = engine, owner, lease_s
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.lease_s / 4):
            try:
                job_record.renew(self.engine, self.owner, self.lease_s)
            except Exception:  # noqa: BLE001 - a database hiccup: the next renewal tries again
                pass

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


def _fail(engine: Engine, summary: IngestSummary, path: str, reason: str, fingerprint: Optional[str] = None) -> None:
    summary.failed.append({"path": path, "reason": reason})
    with session_scope(engine) as session:
        writes.record_failure(session, path, reason)
        if fingerprint:
            job_record.record_failed(session, fingerprint, path, reason)


def _hash(engine: Engine, group: InputGroup, summary: IngestSummary) -> Optional[list[SourceInfo]]:
    """SHA-256 and size of each of the group's files (each read once, streamed)."""
    sources: list[SourceInfo] = []
    try:
        for path, fmt in zip(group.paths, group.formats):
            digest, size = sha256_file(path)
            sources.append(SourceInfo(display_path(os.path.abspath(path)), size, digest, fmt))
    except OSError as exc:
        _fail(engine, summary, group.label, f"cannot read: {exc.strerror or exc}")
        return None
    return sources


def _plan(engine: Engine, group: InputGroup, sources: list[SourceInfo], options: IngestOptions,
          summary: IngestSummary, ocr: OcrEngine,
          look_up_pdf_images: bool = False, fp: str = "") -> Optional[_Planned]:
    """List the page tasks of a group not yet held, and find earlier OCR results to reuse."""
    tasks: list[PageTask] = []
    key_dpi: dict[int, float] = {}
    number = 0
    try:
        for seq, (path, src) in enumerate(zip(group.paths, sources)):
            if group.kind == "pdf":
                reader = pdf.open_pdf(path, source=src.path, password=options.password)
                count = len(reader.pages)
                keys = pdf.embedded_image_keys(reader) if look_up_pdf_images else [None] * count
                del reader
                kind = "pdf"
            else:
                count = images.frame_count(path, source=src.path)
                keys = [(src.sha256, None)] if count == 1 else [None] * count
                kind = "image"
            for index in range(count):
                number += 1
                key = keys[index]
                if key is not None and key[1] is not None:
                    key_dpi[number] = key[1]
                tasks.append(PageTask(
                    source=src.path, path=os.fspath(path), kind=kind, fmt=src.format, index=index,
                    number=number, source_seq=seq, lang=options.lang, psm=options.psm,
                    password=options.password, file_sha256=src.sha256 if kind == "image" and count == 1 else None,
                    image_key=key[0] if key else None, ocr=ocr))
    except ArchiveError as exc:
        # The path is reported beside the reason: keep the reason and its remedy only.
        _fail(engine, summary, group.label, " ".join(f"{exc.reason} ({exc.remedy})".split()) if exc.remedy
              else " ".join(exc.reason.split()), fingerprint=fp)
        return None
    return _Planned(group, sources, tasks, cached=reuse.reusable_ocr(engine, tasks, key_dpi, ocr), fingerprint=fp)


_NOOPS_PER_TRANSACTION = 500


def _record_noops(engine: Engine, held: list[tuple[int, str]]) -> None:
    """The no-op ingestion events of inputs already held, a few hundred per transaction: re-ingesting
    a folder of a thousand held files then costs the hashing, not a thousand commits."""
    for start in range(0, len(held), _NOOPS_PER_TRANSACTION):
        with session_scope(engine) as session:
            me = writes.project_agent(session)
            for doc_id, detail in held[start:start + _NOOPS_PER_TRANSACTION]:
                writes.event(session, EventType.INGESTION, me, Outcome.SUCCESS, detail, document_id=doc_id)


def _run(engine: Engine, planned: list[_Planned], new_executor: Callable[[], Executor], jobs: int,
         summary: IngestSummary, progress: Progress, ocr: OcrEngine, *, local_jobs: Optional[int] = None,
         gave_up: tuple[type[BaseException], ...] = (), resubmit_on: tuple[type[BaseException], ...] = (),
         lost: Callable[[PageTask], PageResult] | None = None, check: Optional[Callable[[], None]] = None) -> None:
    """OCR (or read) every page not reused, and write each document as soon as its pages are done.
    `jobs`: tasks run at once; `local_jobs`: this machine's share (thumbnails), `jobs` by default."""
    total = sum(len(item.tasks) for item in planned)
    done = sum(len(item.cached) for item in planned)
    progress("pages", done, total)

    def counted(_result: PageResult) -> None:
        nonlocal done
        done += 1
        progress("pages", done, total)

    def write(index: int, results: list[PageResult]) -> None:
        item = planned[index]
        by_number = {**item.cached, **{r.number: r for r in results}}
        by_number = with_pdf_thumbnails(item.tasks, by_number, local_jobs or jobs)
        _write(engine, item, [by_number[t.number] for t in item.tasks], summary, ocr)

    scheduler = Scheduler(process_page, new_executor, jobs, lost_twice=lost or _died_twice, gave_up=gave_up,
                          resubmit_on=resubmit_on, check=check)
    scheduler.run([[t for t in item.tasks if t.number not in item.cached] for item in planned], write, counted)


def _died_twice(task: PageTask) -> PageResult:
    return PageResult(task.number, task.source_seq, task.index, PageMethod.NONE.value, "",
                      error=f"{task.source}: page {task.number}: the worker process died twice on this page")


def _killed_workers(task: PageTask) -> PageResult:
    return PageResult(task.number, task.source_seq, task.index, PageMethod.NONE.value, "",
                      error=f"{task.source}: page {task.number}: every Dask worker this page was sent to died "
                            "(the scheduler's allowed-failures ran out)")


def _write(engine: Engine, item: _Planned, results: list[PageResult], summary: IngestSummary,
           ocr: OcrEngine) -> None:
    label = item.group.label
    errors = [r.error for r in results if r.error]
    fp = item.fingerprint
    if len(errors) == len(results):
        _fail(engine, summary, label,
              errors[0] if len(errors) == 1 else f"{errors[0]} (and {len(errors) - 1} more pages)", fingerprint=fp)
        return
    texts = [r.text for r in results]
    norm = normalize.normalize_document(texts)
    confs = [r.confidence for r in results if r.confidence is not None]
    # The engine's version as the workers report it (on a cluster they, not this machine, ran it).
    ocr_version = next((r.engine_version for r in results if r.engine == ocr.name and r.engine_version), None)
    try:
        with session_scope(engine) as session:
            me = writes.project_agent(session)
            agents = {
                ocr.name: writes.agent(session, AgentKind.SOFTWARE, ocr.name, ocr_version or ocr.version()),
                "pypdf": writes.agent(session, AgentKind.SOFTWARE, "pypdf", pypdf_version()),
            }
            doc = Document(fingerprint=fp, label=label, page_count=len(results), text=norm,
                           text_sha256=normalize.text_sha256(norm),
                           mean_confidence=round(sum(confs) / len(confs), 2) if confs else None)
            sources = [SourceFile(sequence=i, path=s.path, size=s.size, sha256=s.sha256, format=s.format)
                       for i, s in enumerate(item.sources)]
            events = [(EventType.INGESTION, me, Outcome.WARNING if errors else Outcome.SUCCESS,
                       f"ingested {label} as a {item.group.kind} document of {len(results)} pages"
                       + (f"; {len(errors)} pages unreadable" if errors else ""), None)]
            for i, s in enumerate(item.sources):
                events.append((EventType.MESSAGE_DIGEST, me, Outcome.SUCCESS,
                               f"SHA-256 {s.sha256} over {s.size} bytes of {s.path}", i))
                events.append((EventType.FORMAT_IDENTIFICATION, me, Outcome.SUCCESS,
                               f"{s.format} (identified from the file's content)", i))
            pages = []
            for r in results:
                page = Page(number=r.number, source_index=r.source_index, method=r.method, engine=r.engine,
                            engine_version=r.engine_version, language=r.language, psm=r.psm,
                            confidence=r.confidence, image_sha256=r.image_sha256, width=r.width,
                            height=r.height, dpi=r.dpi, text=r.text, note=r.error or r.note, thumbnail=r.thumbnail,
                            preprocessing=reuse.preprocessing_json(r, ocr.name))
                who = agents.get(r.engine or "", me)
                # A page flagged for review (its orientation uncertain) is a WARNING, as is one without text.
                outcome = (Outcome.FAILURE if r.error
                           else Outcome.WARNING if r.method == PageMethod.NONE or r.review else Outcome.SUCCESS)
                pages.append((page, r.source_seq, who, outcome, _page_detail(r, ocr.name)))
            writes.add_document(session, doc, sources, pages, events,
                                layouts={r.number: r.layout for r in results if r.layout is not None})
            doc_id = doc.id
            job_record.finish(session, fp, doc_id)  # done with the document, in its transaction
    except IntegrityError:
        # Another process committed the same input meanwhile: that document stands, this is a no-op.
        summary.skipped.append({"path": label, "reason": "already in the archive (ingested concurrently)"})
        return
    summary.ingested.append({"document": doc_id, "paths": [display_path(p) for p in item.group.paths],
                             "pages": len(results), "warnings": errors})


def _page_detail(r: PageResult, ocr_engine_name: str) -> str:
    if r.error:
        return f"page {r.number}: {r.error}"
    if r.engine == ocr_engine_name:
        conf = f"{r.confidence:.1f}" if r.confidence is not None else "n/a"
        prep = ", ".join(r.preprocessing) or "none"
        osd = f", OSD confidence {r.osd_confidence:.2f}" if r.osd_confidence is not None else ""
        return (f"page {r.number}: OCR, lang {r.language}, psm {r.psm}, mean word confidence {conf}, "
                f"preprocessing: {prep}, rotation {r.rotation}{osd}; {r.note or ''}").strip("; ")
    return f"page {r.number}: {r.method} via {r.engine or 'none'}; {r.note or ''}".strip("; ")

