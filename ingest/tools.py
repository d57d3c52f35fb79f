"""The one place that runs external programs (Tesseract, as a command or its library; poppler's pdftoppm):
versions, timeouts, errors."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from archive.errors import ToolError, ToolMissing
from ingest import tesseract_lib, threads

TESSERACT_TIMEOUT_S = 300  # per page; a page that takes longer is reported, not waited on forever
RASTERIZE_TIMEOUT_S = 120
_INSTALL_HINT = {
    "tesseract": "install it: apt-get install tesseract-ocr tesseract-ocr-eng (or run scripts/bootstrap.sh)",
    "pdftoppm": "install it: apt-get install poppler-utils (or run scripts/bootstrap.sh)",
}


@dataclass(frozen=True)
class Tool:
    name: str
    version: str


class _Overtime(BaseException):
    """Raised by the alarm; a BaseException so that no library's `except Exception` swallows it."""


@contextlib.contextmanager
def deadline(seconds: float, message: str, source: str):
    """Bound pure-Python work (pypdf parsing a hostile file) by a wall-clock alarm: raises
    ToolError(message) when it runs over. Only in a main thread (where signals are delivered);
    inside another deadline it adds nothing (the outer one still bounds the work)."""
    if (threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM")
            or signal.getitimer(signal.ITIMER_REAL)[0]):
        yield
        return

    def on_alarm(_signum, _frame):
        raise _Overtime()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Overtime:
        raise ToolError(message, path=source) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _which(program: str) -> str:
    path = shutil.which(program)
    if not path:
        raise ToolMissing(f"{program} is not installed", remedy=_INSTALL_HINT.get(program))
    return path


@functools.cache
def tesseract() -> Tool:
    if tesseract_lib.available():
        return Tool("Tesseract", tesseract_lib.version())
    exe = _which("tesseract")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    m = re.search(r"tesseract\s+v?(\d+\.\d+(?:\.\d+)?)", out.stdout + out.stderr, re.I)
    return Tool("Tesseract", m.group(1) if m else "unknown")


@functools.cache
def tesseract_languages() -> frozenset[str]:
    out = subprocess.run([_which("tesseract"), "--list-langs"], capture_output=True, text=True, timeout=30)
    return frozenset(line.strip() for line in out.stdout.splitlines()[1:] if line.strip())


def check_language(lang: str) -> None:
    missing = [code for code in lang.split("+") if code not in tesseract_languages()]
    if missing:
        raise ToolMissing(
            f"Tesseract has no language data for {', '.join(missing)}",
            remedy=f"install it: apt-get install {' '.join('tesseract-ocr-' + m for m in missing)}")


@functools.cache
def pdftoppm() -> Tool:
    exe = _which("pdftoppm")
    out = subprocess.run([exe, "-v"], capture_output=True, text=True, timeout=30)
    m = re.search(r"version\s+(\S+)", out.stdout + out.stderr)
    return Tool("poppler pdftoppm", m.group(1) if m else "unknown")


_PNM_MODES = frozenset({"1", "L", "RGB"})  # modes Netpbm stores as they are


def run_tesseract_tsv(image: Image.Image | str | os.PathLike, *, lang: str, psm: int, source: str,
                      timeout: int = TESSERACT_TIMEOUT_S, path: str | os.PathLike | None = None,
                      dpi: float | None = None) -> str:
    """Run Tesseract once on an image and return its TSV.

    In process through libtesseract where it loads (no model load per page), else the command.
    `path` names the PNG or JPEG file the pixels were decoded from and `dpi` its resolution: the
    library takes the pixels already decoded (no second decoding) at that resolution, and the
    command reads the file itself (no temporary copy)."""
    if tesseract_lib.available():
        if path is not None and isinstance(image, Image.Image) and image.mode not in ("L", "RGB"):
            image = path  # palette, 16-bit, CMYK...: let Leptonica read the file as the command does
        return tesseract_lib.run_tsv(image, lang=lang, psm=psm, timeout=timeout, source=source,
                                     dpi=dpi if isinstance(image, Image.Image) else None)
    return run_tesseract_command(path if path is not None else image, lang=lang, psm=psm, source=source,
                                 timeout=timeout)


@dataclass(frozen=True)
class Orientation:
    """What Tesseract's orientation detection (OSD) found on a page."""
    rotation: int  # degrees to turn the image clockwise to read it upright: 0, 90, 180 or 270
    confidence: float  # Tesseract's orientation confidence (its margin over the runner-up; 0 to ~30)
    script: str
    script_confidence: float


def detect_orientation(image: Image.Image | str | os.PathLike, *, source: str, dpi: float | None = None,
                       timeout: int = TESSERACT_TIMEOUT_S) -> Orientation | None:
    """Tesseract OSD on one image (the `osd` model): None when it cannot decide (too few
    characters, as on a blank page). Through libtesseract where it loads, else `tesseract --psm 0`."""
    if tesseract_lib.available():
        found = tesseract_lib.run_osd(image, timeout=timeout, source=source,
                                      dpi=dpi if isinstance(image, Image.Image) else None)
        if found is None:
            return None
        degrees, conf, script, script_conf = found
        # The library reports how far the page is turned counter-clockwise; undoing that is the
        # same angle clockwise's complement (the command's "Rotate:" line).
        return Orientation((360 - degrees) % 360, round(conf, 2), script, round(script_conf, 2))
    return _osd_command(image, source=source, timeout=timeout)


def _osd_command(image: Image.Image | str | os.PathLike, *, source: str, timeout: int) -> Orientation | None:
    exe = _which("tesseract")
    with tempfile.TemporaryDirectory(prefix="archive-osd-") as tmp:
        in_path = _input_file(image, tmp)
        try:
            proc = subprocess.run([exe, in_path, "-", "--psm", "0"], capture_output=True, timeout=timeout,
                                  env=threads.one_thread_env())
        except subprocess.TimeoutExpired:
            raise ToolError(f"Tesseract orientation detection took longer than {timeout} s", path=source) from None
    out = proc.stdout.decode("utf-8", "replace")
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    if proc.returncode != 0 or "Rotate" not in fields:
        err = proc.stderr.decode("utf-8", "replace")
        if "Too few characters" in err or proc.returncode == 0:
            return None  # undecided, not an error: the caller flags the page
        if "osd.traineddata" in err or "Failed loading language" in err:
            raise ToolMissing("Tesseract has no orientation model (osd.traineddata)",
                              remedy="install it: apt-get install tesseract-ocr-osd")
        lines = err.strip().splitlines()
        raise ToolError(f"Tesseract orientation detection failed: {lines[-1] if lines else proc.returncode}",
                        path=source)
    return Orientation(int(fields["Rotate"].strip()), float(fields.get("Orientation confidence", "0").strip()),
                       fields.get("Script", "").strip(), float(fields.get("Script confidence", "0").strip()))


def _input_file(image: Image.Image | str | os.PathLike, tmp: str) -> str:
    """A file the command can read: the image file itself, or decoded pixels written to `tmp`."""
    if not isinstance(image, Image.Image):
        return os.fspath(image)
    # Netpbm (PGM/PPM/PBM) is raw pixels: writing it costs next to nothing, where even a
    # fast PNG (compress_level=1) spent ~0.3 s of CPU per 300 dpi page encoding.
    raw = image.mode in _PNM_MODES
    in_path = os.path.join(tmp, "page.pnm" if raw else "page.png")
    image.save(in_path, format="PPM" if raw else "PNG", compress_level=1)
    return in_path


def run_tesseract_command(image: Image.Image | str | os.PathLike, *, lang: str, psm: int, source: str,
                          timeout: int = TESSERACT_TIMEOUT_S) -> str:
    """The `tesseract` command's TSV for decoded pixels (written to a temporary file) or an image
    file, run with one OpenMP thread (ingest.threads)."""
    exe = _which("tesseract")
    with tempfile.TemporaryDirectory(prefix="archive-ocr-") as tmp:
        in_path = _input_file(image, tmp)
        out_base = os.path.join(tmp, "out")
        cmd = [exe, in_path, out_base, "-l", lang, "--psm", str(psm), "tsv"]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, env=threads.one_thread_env())
        except subprocess.TimeoutExpired:
            raise ToolError(f"Tesseract took longer than {timeout} s on this page", path=source) from None
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ToolError(f"Tesseract failed: {err[-1] if err else 'exit ' + str(proc.returncode)}", path=source)
        return Path(out_base + ".tsv").read_text(encoding="utf-8", errors="replace")


def rasterize_pdf_page(pdf: str | os.PathLike, index: int, *, dpi: int, source: str,
                       password: str | None = None, timeout: int = RASTERIZE_TIMEOUT_S) -> Image.Image:
    """Render one PDF page (0-based index) to an 8-bit grayscale image with pdftoppm."""
    return rasterize_pdf_pages(pdf, index, index, dpi=dpi, source=source, password=password, timeout=timeout)[0][1]


def rasterize_pdf_pages(pdf: str | os.PathLike, first: int, last: int, *, dpi: int, source: str,
                        password: str | None = None,
                        timeout: int = RASTERIZE_TIMEOUT_S) -> list[tuple[int, Image.Image]]:
    """Render PDF pages first..last (0-based, inclusive) to 8-bit grayscale images in one pdftoppm
    run (it parses the file once: 45 small pages in one run cost a quarter of 45 runs)."""
    exe = _which("pdftoppm")
    with tempfile.TemporaryDirectory(prefix="archive-raster-") as tmp:
        out_base = os.path.join(tmp, "page")
        # Plain PGM output: pdftoppm's PNG writer cost ~0.7 s of CPU per 300 dpi page (and wrote RGB
        # despite -gray), ten times the rendering itself; PGM is written and read back for free.
        cmd = [exe, "-f", str(first + 1), "-l", str(last + 1), "-r", str(dpi), "-gray"]
        if password:
            cmd += ["-upw", password]
        cmd += [os.fspath(pdf), out_base]
        pages = f"page {first + 1}" if first == last else f"pages {first + 1}-{last + 1}"
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ToolError(f"rasterizing {pages} took longer than {timeout} s", path=source) from None
        produced = sorted(Path(tmp).glob("page*.pgm"))
        if proc.returncode != 0 or not produced:
            err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ToolError(f"pdftoppm could not render {pages}: {err[-1] if err else 'no output'}", path=source)
        images = []
        for path in produced:  # page-7.pgm, page-07.pgm: pdftoppm pads to the page count's digits
            with Image.open(path) as im:
                im.load()
                images.append((int(path.stem.rsplit("-", 1)[1]) - 1, im.copy()))
        return images
