"""Worker side of ingest: one page in (a path and an index), its text and how it was obtained out.

Runs in worker processes: takes paths and options, returns small frozen dataclasses,
never touches the database.
"""

from __future__ import annotations

import functools
import hashlib
import io
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Callable

from PIL import Image

from archive.errors import ArchiveError
from archive.store import layout
from archive.store.vocabulary import PageMethod
from ingest import images, orientation, pdf, preprocess, tesseract_lib, threads, tools
from ingest.ocr import DEFAULT_PSM, OcrEngine, OcrText, TesseractEngine, rescaled

PAGE_TIMEOUT_S = 900  # everything one page may take (Tesseract has its own, shorter timeout)
_DIRECT_OCR_FORMATS = {"png", "jpeg"}  # single-frame files Tesseract can read as they are


@dataclass(frozen=True)
class PageTask:
    source: str  # path as given (display form, for messages)
    path: str  # path to open
    kind: str  # pdf | image
    fmt: str  # detected format of the file
    index: int  # page (PDF) or frame (TIFF) index inside the file, 0-based
    number: int  # page number in the document, 1-based
    source_seq: int  # which source file of the document
    lang: str = "eng"
    psm: int = DEFAULT_PSM
    password: str | None = None
    file_sha256: str | None = None  # for single-frame image files: the image digest is the file's
    # The page image's digest known before any decoding (the file's for a single-frame image file,
    # embedded_image_key's for a PDF page that is one plain scan): the parent looks it up to
    # reuse an earlier OCR result.
    image_key: str | None = None
    ocr: OcrEngine | None = None  # the engine for a page to OCR; None: Tesseract at `psm`


@dataclass(frozen=True)
class PageResult:
    number: int
    source_seq: int
    source_index: int
    method: str  # a PageMethod value
    text: str
    engine: str | None = None
    engine_version: str | None = None
    language: str | None = None
    psm: int | None = None
    confidence: float | None = None
    preprocessing: tuple[str, ...] = ()
    image_sha256: str | None = None
    width: int | None = None
    height: int | None = None
    dpi: float | None = None
    note: str | None = None
    seconds: float = 0.0
    error: str | None = None  # one line; set when the page could not be read at all
    thumbnail: bytes | None = None  # a small JPEG of the page, for catalogues
    layout: bytes | None = None  # archive.store.layout.encode of the page's lines and words
    rotation: int = 0  # degrees the page image was turned clockwise to be read upright (OCR)
    osd_confidence: float | None = None  # Tesseract OSD's confidence, when it was asked
    review: str | None = None  # why the page is flagged for review (e.g. "orientation uncertain ...")


@functools.lru_cache(maxsize=4)
def _reader(path: str, password: str | None, source: str):
    # One open reader per PDF per worker process: pages of the same file reuse it.
    return pdf.open_pdf(path, source=source, password=password)


def process_page(task: PageTask) -> PageResult:
    """Text for one page: the PDF text layer when usable, else OCR of the page image."""
    started = time.perf_counter()
    try:
        with tools.deadline(PAGE_TIMEOUT_S, f"page {task.number} took longer than {PAGE_TIMEOUT_S} s",
                            task.source):
            result = _process(task)
    except ArchiveError as exc:
        result = PageResult(task.number, task.source_seq, task.index, PageMethod.NONE.value, "", error=exc.one_line())
    except Exception as exc:  # noqa: BLE001 - a worker must never take the batch down
        result = PageResult(task.number, task.source_seq, task.index, PageMethod.NONE.value, "",
                            error=f"{task.source}: page {task.number}: unexpected {exc.__class__.__name__}: {exc}")
    return _with_time(result, time.perf_counter() - started)


def _with_time(result: PageResult, seconds: float) -> PageResult:
    return replace(result, seconds=round(seconds, 3))


def _process(task: PageTask) -> PageResult:
    if task.kind == "pdf":
        reader = _reader(task.path, task.password, task.source)
        text, text_layout = pdf.extract_text_and_layout(reader, task.index)
        has_images = pdf.page_has_images(reader, task.index)
        usable, why = pdf.text_layer_verdict(text, has_images)
        if usable:
            pdf.forget_large_objects(reader)  # a figure's image stream, read to see the page has one
            # No thumbnail here: the parent renders a document's text-layer pages in one pdftoppm
            # run (with_pdf_thumbnails), where one run per page cost more than reading the text.
            return PageResult(task.number, task.source_seq, task.index, PageMethod.TEXT_LAYER.value, text,
                              engine="pypdf", engine_version=pypdf_version(), note=why,
                              layout=layout.encode(text_layout) if text_layout is not None else None)
        key = pdf.embedded_image_key(reader, task.index)
        image = _decode_jpeg(key) if key is not None and key.jpeg is not None else None
        if image is not None:
            dpi, how = key.dpi, "embedded page image"
        else:
            image, dpi, how = pdf.page_image(reader, task.index, task.path, source=task.source,
                                             password=task.password)
        # The pixels are decoded now: the reader need not keep the page's image stream (pypdf caches
        # every object it reads, so a worker's memory would otherwise grow with the pages it did).
        pdf.forget_large_objects(reader)
        return _ocr(task, image, dpi, note=f"{why}; OCR of the {how}",
                    image_sha=key.digest if key is not None and how == "embedded page image" else _image_digest(image))
    image, dpi = images.load_frame(task.path, task.index, source=task.source)
    direct = task.path if task.fmt in _DIRECT_OCR_FORMATS and task.index == 0 else None
    return _ocr(task, image, dpi, note="page image", image_sha=task.file_sha256 or _image_digest(image),
                direct_path=direct)


def _ocr(task: PageTask, image: Image.Image, dpi: float | None, *, note: str, image_sha: str,
         direct_path: str | None = None) -> PageResult:
    engine = task.ocr or TesseractEngine(task.psm)
    ocr, steps = _read(engine, task, image, dpi, direct_path)
    verdict = orientation.Verdict()
    # A first reading that went badly may be of a page turned sideways or upside down: ask OSD,
    # read the page as it proposes, keep the better reading (ingest/orientation.py).
    detect = getattr(engine, "orientation", None)
    if detect is not None and orientation.needs_check(ocr.confidence, ocr.layout):
        found = detect(image, source=task.source, dpi=dpi)
        turned = turned_steps = None
        if found is not None and found.rotation:
            turned, turned_steps = _read(engine, task, orientation.upright(image, found.rotation), dpi, None)
        verdict = orientation.judge(found, ocr.confidence, turned.confidence if turned else None)
        if verdict.rotation:
            ocr, steps, image = turned, turned_steps, orientation.upright(image, verdict.rotation)
    retry = preprocess.retry_steps(ocr.confidence if ocr.confidence is not None else 0.0, steps)
    if retry:
        prepared, _ = preprocess.apply(image, retry, dpi)
        second = engine.recognize(prepared, lang=task.lang, source=task.source)
        if (second.confidence or 0) > (ocr.confidence or 0):
            ocr, steps = second, list(retry)
    # Width, height, layout and thumbnail are those of the upright page (see ingest/orientation.py).
    width, height = image.size
    method = PageMethod.OCR if ocr.text.strip() else PageMethod.NONE
    note = note if ocr.text.strip() else f"{note}; no text found"
    page_layout = None
    if ocr.layout is not None:
        page_layout = replace(rescaled(ocr.layout, width, height), rotation=verdict.rotation,
                              extra={**ocr.layout.extra, "orientation": verdict.extra()})
    return PageResult(
        task.number, task.source_seq, task.index, method.value, ocr.text,
        engine=engine.name, engine_version=engine.version(), language=task.lang, psm=task.psm,
        confidence=ocr.confidence, preprocessing=tuple(steps), image_sha256=image_sha,
        width=width, height=height, dpi=dpi, note=f"{note}; {verdict.note()}",
        thumbnail=thumbnail(image), layout=layout.encode(page_layout) if page_layout is not None else None,
        rotation=verdict.rotation, osd_confidence=verdict.osd_confidence, review=verdict.review)


def _read(engine: OcrEngine, task: PageTask, image: Image.Image, dpi: float | None,
          direct_path: str | None) -> tuple[OcrText, list[str]]:
    """One recognition of the page as planned for its statistics: (result, preprocessing steps)."""
    steps = preprocess.plan(image, dpi)
    if steps:
        # The prepared page goes without its dpi, and Tesseract estimates one from the text size:
        # measured on the hard pages, that read better (CER 1.71%) than the true 200 dpi (1.80%).
        prepared, _ = preprocess.apply(image, steps, dpi)
        return engine.recognize(prepared, lang=task.lang, source=task.source), steps
    return engine.recognize(image, lang=task.lang, source=task.source, path=direct_path, dpi=dpi), steps


THUMBNAIL_WIDTH = 360


def thumbnail(image: Image.Image) -> bytes:
    """A small grayscale JPEG of the page (a few kB), so catalogues need no access to the sources."""
    small = image.convert("L")
    small.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * 3), Image.Resampling.BILINEAR, reducing_gap=2.0)
    buf = io.BytesIO()
    small.save(buf, format="JPEG", quality=70, optimize=True)
    return buf.getvalue()


THUMBNAIL_DPI = 40  # a 360 px wide thumbnail of a letter-size page needs no more
_THUMBNAIL_RUN = 50  # pages rendered per pdftoppm run: bounds the parent's memory on long files


def with_pdf_thumbnails(tasks: list[PageTask], results: dict[int, PageResult], jobs: int = 1, *,
                        render: Callable[..., list[tuple[int, Image.Image]]] | None = None) -> dict[int, PageResult]:
    """Thumbnails for the PDF pages read from their text layer (never rendered for OCR): each run of
    consecutive such pages of a file rendered small in one pdftoppm call (`render`, by default
    tools.rasterize_pdf_pages), `jobs` calls at a time (the workers are idle by then). A page that
    cannot be rendered simply has no thumbnail."""
    rasterize = render or tools.rasterize_pdf_pages
    wanted = [t for t in tasks if t.kind == "pdf" and results[t.number].method == PageMethod.TEXT_LAYER
              and results[t.number].thumbnail is None]
    size = max(1, min(_THUMBNAIL_RUN, -(-len(wanted) // max(1, jobs))))
    runs: list[list[PageTask]] = []
    for t in wanted:
        if runs and runs[-1][-1].path == t.path and runs[-1][-1].index + 1 == t.index and len(runs[-1]) < size:
            runs[-1].append(t)
        else:
            runs.append([t])

    def render_run(run: list[PageTask]) -> list[tuple[int, bytes]]:
        first = run[0]
        try:
            rendered = dict(rasterize(first.path, first.index, run[-1].index, dpi=THUMBNAIL_DPI,
                                      source=first.source, password=first.password))
        except ArchiveError:
            return []
        return [(t.number, thumbnail(rendered[t.index])) for t in run if t.index in rendered]

    if not runs:
        return results  # no text-layer page (image documents, scans): nothing to render
    out = dict(results)
    # Threads suffice: the time is in pdftoppm processes and in Pillow's encoder, both outside the GIL.
    with ThreadPoolExecutor(max(1, min(jobs, len(runs)))) as pool:
        for done in pool.map(render_run, runs):
            for number, jpeg in done:
                out[number] = replace(out[number], thumbnail=jpeg)
    return out


def _decode_jpeg(key: pdf.EmbeddedImage) -> Image.Image | None:
    """A plain embedded JPEG decoded as the JPEG file it is: the very pixels an image file of these
    bytes gives (pypdf's own route re-encodes the image once more, at a cost and a small change)."""
    try:
        im = Image.open(io.BytesIO(key.jpeg), formats=["JPEG"])
        if im.mode != key.mode or im.size != key.size:
            return None  # the stream disagrees with its dictionary (CMYK, say): the general route decides
        im.load()
        return im
    except Exception:  # noqa: BLE001 - undecodable: the general route reports or rasterizes
        return None


def _image_digest(image: Image.Image) -> str:
    h = hashlib.sha256()
    h.update(f"{image.mode}:{image.size}".encode())
    h.update(image.tobytes())
    return h.hexdigest()


@functools.cache
def pypdf_version() -> str:
    import pypdf as _p
    return _p.__version__


def worker_init() -> None:
    threads.limit_this_process()
    Image.MAX_IMAGE_PIXELS = images.MAX_PIXELS
    tesseract_lib.kill_on_hang()  # a worker may die for a page stuck in C; the parent replaces it

