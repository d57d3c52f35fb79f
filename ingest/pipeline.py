"""Parent side of ingest: plan documents, run page work in parallel, write one document per transaction."""

from __future__ import annotations

import json
import os
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Callable, Optional

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from archive import store
from archive.db import session_scope
from archive.errors import ArchiveError
from archive.models import Document, Page, SourceFile
from archive.vocabulary import AgentKind, EventType, Outcome, PageMethod
from ingest import images, normalize, pdf, preprocess
from ingest.discover import InputGroup, discover
from ingest.fixity import display_path, fingerprint, sha256_file
from ingest.ocr import DEFAULT_PSM
from ingest.pages import PageResult, PageTask, process_page, pypdf_version, with_pdf_thumbnails, worker_init
from ingest.tools import check_language, tesseract


@dataclass(frozen=True)
class IngestOptions:
    jobs: int = 0  # 0: one per core
    lang: str = "eng"
    psm: int = DEFAULT_PSM
    password: Optional[str] = None


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
    futures: list[tuple[PageTask, Future]] = field(default_factory=list)
    cached: dict[int, PageResult] = field(default_factory=dict)
    key_dpi: dict[int, float] = field(default_factory=dict)  # page number -> dpi of an embedded image key


Progress = Callable[[str, int, int], None]  # (stage, done, total)


class SerialExecutor(Executor):
    """The same interface as a process pool, in this process: for --jobs 1 and for debugging."""

    def submit(self, fn, /, *args, **kwargs):  # noqa: D401
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001
            fut.set_exception(exc)
        return fut


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def ingest(engine: Engine, paths: list[str], options: IngestOptions = IngestOptions(),
           progress: Optional[Progress] = None) -> IngestSummary:
    """Ingest every document found under `paths`. Bad inputs are recorded and reported; they
    never stop the batch. Each document is committed in its own transaction."""
    progress = progress or (lambda stage, done, total: None)
    check_language(options.lang)
    tesseract()  # fail early, with the install hint, if Tesseract is missing
    summary = IngestSummary()
    found = discover(paths)
    summary.skipped += [{"path": p, "reason": r} for p, r in found.skipped]
    for p, r in found.failed:
        _fail(engine, summary, p, r)

    planned: list[_Planned] = []
    # Looking up embedded PDF images costs a read of their stored bytes: only worth it when the
    # archive holds OCR results that could match (none on a first ingest).
    look_up_pdf_images = _holds_ocr_results(engine, options) if found.groups else False
    hashed: list[tuple[InputGroup, list[SourceInfo], str]] = []
    for i, group in enumerate(found.groups):
        progress("hashing", i, len(found.groups))
        sources = _hash(engine, group, summary)
        if sources is not None:
            hashed.append((group, sources, fingerprint([s.sha256 for s in sources])))
    progress("hashing", len(found.groups), len(found.groups))
    # Inputs already held are looked up together and their no-op events written together: re-ingesting
    # a folder of a thousand held files costs the hashing, not a thousand queries and commits.
    held = _held(engine, [fp for _, _, fp in hashed])
    noops: list[tuple[int, str]] = []
    for group, sources, fp in hashed:
        if fp in held:
            summary.skipped.append({"path": group.label, "reason": f"already in the archive as document {held[fp]}"})
            noops.append((held[fp], f"no-op: {group.label} (SHA-256 {fp[:12]}…) is already held"))
            continue
        item = _plan(engine, group, sources, options, summary, look_up_pdf_images)
        if item is not None:
            planned.append(item)
    _record_noops(engine, noops)

    jobs = options.jobs or default_jobs()
    total_pages = sum(len(p.tasks) for p in planned)
    def make_executor() -> Executor:
        return SerialExecutor() if jobs == 1 else ProcessPoolExecutor(jobs, initializer=worker_init)

    _run(engine, planned, make_executor, jobs, total_pages, summary, progress)
    return summary


def _fail(engine: Engine, summary: IngestSummary, path: str, reason: str) -> None:
    summary.failed.append({"path": path, "reason": reason})
    with session_scope(engine) as session:
        store.record_failure(session, path, reason)


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


def _held(engine: Engine, fingerprints: list[str]) -> dict[str, int]:
    """fingerprint -> id of the document already holding it, for those the archive holds."""
    wanted = sorted(set(fingerprints))
    found: dict[str, int] = {}
    with Session(engine) as session:
        for start in range(0, len(wanted), _KEYS_PER_QUERY):
            for doc_id, fp in session.exec(select(Document.id, Document.fingerprint).where(
                    col(Document.fingerprint).in_(wanted[start:start + _KEYS_PER_QUERY]))):
                found.setdefault(fp, doc_id)
    return found


def _plan(engine: Engine, group: InputGroup, sources: list[SourceInfo], options: IngestOptions,
          summary: IngestSummary, look_up_pdf_images: bool = False) -> Optional[_Planned]:
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
                    image_key=key[0] if key else None))
    except ArchiveError as exc:
        # The path is reported beside the reason: keep the reason and its remedy only.
        _fail(engine, summary, group.label, " ".join(f"{exc.reason} ({exc.remedy})".split()) if exc.remedy
              else " ".join(exc.reason.split()))
        return None
    item = _Planned(group, sources, tasks, key_dpi=key_dpi)
    _reuse_ocr(engine, item)
    return item


_NOOPS_PER_TRANSACTION = 500


def _record_noops(engine: Engine, held: list[tuple[int, str]]) -> None:
    """The no-op ingestion events of inputs already held, a few hundred per transaction: re-ingesting
    a folder of a thousand held files then costs the hashing, not a thousand commits."""
    for start in range(0, len(held), _NOOPS_PER_TRANSACTION):
        with session_scope(engine) as session:
            me = store.project_agent(session)
            for doc_id, detail in held[start:start + _NOOPS_PER_TRANSACTION]:
                store.event(session, EventType.INGESTION, me, Outcome.SUCCESS, detail, document_id=doc_id)


def _holds_ocr_results(engine: Engine, options: IngestOptions) -> bool:
    with Session(engine) as session:
        return session.exec(select(Page.id).where(
            Page.engine == "Tesseract", col(Page.image_sha256).is_not(None), Page.language == options.lang,
            Page.psm == options.psm).limit(1)).first() is not None


_KEYS_PER_QUERY = 500  # within every backend's limit on bound parameters


def _reuse_ocr(engine: Engine, item: _Planned) -> None:
    """A page image already OCR'd with the same engine, version, language and settings is not
    OCR'd again: its earlier result is copied. The image is named by a digest known before
    decoding it: an image file's own digest, or an embedded PDF scan's (embedded_image_key), and
    its resolution must match too (the preprocessing plan depends on it)."""
    keyed = [t for t in item.tasks if t.image_key]
    if not keyed:
        return
    version = tesseract().version
    wanted = sorted({t.image_key for t in keyed})
    # Small rows first (a reused image's digest is on every copy of the page); whole pages only for a match.
    candidates: dict[str, list[tuple[int, str, Optional[float]]]] = {}
    with Session(engine) as session:
        for start in range(0, len(wanted), _KEYS_PER_QUERY):
            for pid, key, prep, dpi in session.exec(
                    select(Page.id, Page.image_sha256, Page.preprocessing, Page.dpi).where(
                        col(Page.image_sha256).in_(wanted[start:start + _KEYS_PER_QUERY]),
                        Page.engine == "Tesseract", Page.engine_version == version,
                        Page.language == keyed[0].lang, Page.psm == keyed[0].psm).order_by(Page.id)):
                if _same_preprocessing(prep):
                    candidates.setdefault(key, []).append((pid, key, dpi))
        file_dpi: dict[str, Optional[float]] = {}
        for t in keyed:
            found = candidates.get(t.image_key)
            if not found:
                continue
            if t.kind == "pdf":
                dpi = item.key_dpi.get(t.number)
            else:
                dpi = file_dpi[t.path] if t.path in file_dpi else file_dpi.setdefault(t.path, images.file_dpi(t.path))
            # Same bytes at another resolution (a JPEG placed on a page of another size) may be
            # preprocessed differently: the resolution must match as well.
            match = next((pid for pid, _, prior_dpi in found
                          if prior_dpi == dpi or (prior_dpi is not None and dpi is not None
                                                  and abs(prior_dpi - dpi) <= 0.5)), None)
            if match is None:
                continue
            prior = session.get(Page, match)
            item.cached[t.number] = PageResult(
                t.number, t.source_seq, t.index, prior.method, prior.text, engine=prior.engine,
                engine_version=prior.engine_version, language=prior.language, psm=prior.psm,
                confidence=prior.confidence, preprocessing=tuple(_steps(prior.preprocessing)),
                image_sha256=prior.image_sha256, width=prior.width, height=prior.height, dpi=prior.dpi,
                thumbnail=prior.thumbnail,
                note=f"OCR result reused from page {prior.number} of document {prior.document_id} (same image)")


def _steps(preprocessing_json: str) -> list[str]:
    data = json.loads(preprocessing_json or "[]")
    return data.get("steps", []) if isinstance(data, dict) else data


def _same_preprocessing(preprocessing_json: str) -> bool:
    data = json.loads(preprocessing_json or "[]")
    return not isinstance(data, dict) or data.get("version") == preprocess.PREPROCESS_VERSION


def _run(engine: Engine, planned: list[_Planned], make_executor: Callable[[], Executor], jobs: int, total: int,
         summary: IngestSummary, progress: Progress) -> None:
    window = max(4, jobs * 3)  # pages submitted and not finished: enough to keep every worker busy
    # Finished pages waiting for an earlier document's slow page are held as results (text and a
    # thumbnail, some kB each): up to this many, so one slow page does not leave the other workers idle.
    ahead = max(64, window)
    pending = deque(planned)
    queue: deque[tuple[_Planned, PageTask]] = deque(
        (item, t) for item in planned for t in item.tasks if t.number not in item.cached)
    executor = make_executor()
    in_flight = 0
    crashes: dict[tuple[int, int], int] = {}
    done = sum(len(item.cached) for item in planned)
    progress("pages", done, total)

    def unfinished(waited: int) -> list[Future]:
        return [f for item in pending for _, f in item.futures[waited if item is pending[0] else 0:] if not f.done()]

    def top_up(waited: int = 0) -> None:
        nonlocal in_flight
        running = len(unfinished(waited)) if queue else 0
        while queue and in_flight < ahead and running < window:
            item, task = queue.popleft()
            item.futures.append((task, executor.submit(process_page, task)))
            in_flight += 1
            running += 1

    def restart(waited: int) -> None:
        # A worker process died (a crash in a C library, the OOM killer): every future of that
        # pool is lost. Start a new pool and resubmit what was in flight, except a page that has
        # now been in flight during two crashes: that one is reported as failed.
        nonlocal executor, in_flight
        executor.shutdown(wait=False, cancel_futures=True)
        executor = make_executor()
        lost = [(item, i) for item in pending for i in range(waited if item is pending[0] else 0, len(item.futures))]
        in_flight = 0
        for item, i in lost:
            task = item.futures[i][0]
            key = (id(item), task.number)
            crashes[key] = crashes.get(key, 0) + 1
            if crashes[key] >= 2:
                failed: Future = Future()
                failed.set_result(PageResult(task.number, task.source_seq, task.index, PageMethod.NONE.value, "",
                                             error=f"{task.source}: page {task.number}: the worker process "
                                                   f"died twice on this page"))
                item.futures[i] = (task, failed)
            else:
                item.futures[i] = (task, executor.submit(process_page, task))
            in_flight += 1

    try:
        top_up()
        while pending:
            head = pending[0]
            expected = len(head.tasks) - len(head.cached)
            results: dict[int, PageResult] = dict(head.cached)
            waited = 0
            while waited < expected:
                if waited >= len(head.futures):
                    top_up(waited)
                    continue
                fut = head.futures[waited][1]
                if not fut.done():
                    # Wake for any page finishing, not only this one, to hand its worker the next page.
                    wait([fut, *unfinished(waited)], return_when=FIRST_COMPLETED)
                    top_up(waited)
                    continue
                try:
                    res = fut.result()
                except BrokenProcessPool:
                    restart(waited)
                    continue
                results[res.number] = res
                waited += 1
                in_flight -= 1
                done += 1
                progress("pages", done, total)
                top_up(waited)
            pending.popleft()
            head.futures.clear()
            results = with_pdf_thumbnails(head.tasks, results, jobs)
            _write(engine, head, [results[t.number] for t in head.tasks], summary)
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)


def _write(engine: Engine, item: _Planned, results: list[PageResult], summary: IngestSummary) -> None:
    label = item.group.label
    errors = [r.error for r in results if r.error]
    if len(errors) == len(results):
        _fail(engine, summary, label, errors[0] if len(errors) == 1 else f"{errors[0]} (and {len(errors) - 1} more pages)")
        return
    texts = [r.text for r in results]
    norm = normalize.normalize_document(texts)
    confs = [r.confidence for r in results if r.confidence is not None]
    fp = fingerprint([s.sha256 for s in item.sources])
    try:
        with session_scope(engine) as session:
            me = store.project_agent(session)
            agents = {
                "Tesseract": store.agent(session, AgentKind.SOFTWARE, "Tesseract", tesseract().version),
                "pypdf": store.agent(session, AgentKind.SOFTWARE, "pypdf", pypdf_version()),
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
                            preprocessing=_preprocessing_json(r))
                who = agents.get(r.engine or "", me)
                outcome = Outcome.FAILURE if r.error else (Outcome.WARNING if r.method == PageMethod.NONE else Outcome.SUCCESS)
                pages.append((page, r.source_seq, who, outcome, _page_detail(r)))
            store.add_document(session, doc, sources, pages, events)
            doc_id = doc.id
    except IntegrityError:
        # Another process committed the same input meanwhile: that document stands, this is a no-op.
        summary.skipped.append({"path": label, "reason": "already in the archive (ingested concurrently)"})
        return
    summary.ingested.append({"document": doc_id, "paths": [display_path(p) for p in item.group.paths],
                             "pages": len(results), "warnings": errors})


def _preprocessing_json(r: PageResult) -> str:
    if r.engine != "Tesseract":
        return "[]"
    return json.dumps({"version": preprocess.PREPROCESS_VERSION, "steps": list(r.preprocessing)})


def _page_detail(r: PageResult) -> str:
    if r.error:
        return f"page {r.number}: {r.error}"
    if r.engine == "Tesseract":
        conf = f"{r.confidence:.1f}" if r.confidence is not None else "n/a"
        prep = ", ".join(r.preprocessing) or "none"
        return (f"page {r.number}: OCR, lang {r.language}, psm {r.psm}, mean word confidence {conf}, "
                f"preprocessing: {prep}; {r.note or ''}").strip("; ")
    return f"page {r.number}: {r.method} via {r.engine or 'none'}; {r.note or ''}".strip("; ")

