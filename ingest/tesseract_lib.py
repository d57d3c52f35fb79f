"""Tesseract as a library (the system's libtesseract through ctypes): the model stays loaded in a worker.

The `tesseract` command loads its language model for every page it reads: about 85 ms of CPU,
6-8% of a page's OCR. A worker process instead keeps one engine per language and feeds it page
after page. The engine, its version and its settings are the very ones the command uses, and so
is the image reading for files (Leptonica's pixRead), so the TSV is the same byte for byte
(tests/test_tesseract_lib.py compares the two). ingest/tools.py runs Tesseract through this module,
and falls back to the command where the library cannot be loaded; worker_init (ingest/pages.py) only
arms the watchdog below.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import functools
import os
import signal
import threading

from PIL import Image

from archive.errors import ToolError, ToolMissing
from ingest import threads

# Tesseract's TSV renderer writes this header before the rows that GetTsvText returns.
TSV_HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"

_P = ctypes.c_void_p
_SIGNATURES = {  # name: (restype, argtypes), from tesseract/capi.h and leptonica's allheaders.h
    "TessVersion": (ctypes.c_char_p, []),
    "TessBaseAPICreate": (_P, []),
    "TessBaseAPIInit3": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_char_p]),
    "TessBaseAPISetVariable": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_char_p]),
    "TessBaseAPISetPageSegMode": (None, [_P, ctypes.c_int]),
    "TessBaseAPISetImage": (None, [_P, ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int]),
    "TessBaseAPISetImage2": (None, [_P, _P]),
    "TessBaseAPISetSourceResolution": (None, [_P, ctypes.c_int]),
    "TessBaseAPIRecognize": (ctypes.c_int, [_P, _P]),
    "TessBaseAPIGetTsvText": (_P, [_P, ctypes.c_int]),
    "TessBaseAPIDetectOrientationScript": (ctypes.c_int, [_P, ctypes.POINTER(ctypes.c_int),
                                                          ctypes.POINTER(ctypes.c_float),
                                                          ctypes.POINTER(ctypes.c_char_p),
                                                          ctypes.POINTER(ctypes.c_float)]),
    "TessDeleteText": (None, [_P]),
    "TessBaseAPIClear": (None, [_P]),
    "TessBaseAPIEnd": (None, [_P]),
    "TessBaseAPIDelete": (None, [_P]),
    "TessMonitorCreate": (_P, []),
    "TessMonitorDelete": (None, [_P]),
    "TessMonitorSetDeadlineMSecs": (None, [_P, ctypes.c_int]),
}
_LEPT_SIGNATURES = {
    "pixRead": (_P, [ctypes.c_char_p]),
    "pixDestroy": (None, [ctypes.POINTER(_P)]),
    "setMsgSeverity": (ctypes.c_int, [ctypes.c_int]),
}
_LEPT_SEVERITY_NONE = 6  # Leptonica's L_SEVERITY_NONE: it prints nothing; failures come back to us
_RAW_MODES = {"L": 1, "RGB": 3}  # Pillow modes handed over as they are, with their bytes per pixel

# The deadline Tesseract honours covers recognition, not layout analysis, and no Python signal
# handler runs while a C call lasts. In a worker process, a watchdog thread (ctypes releases the
# GIL) therefore kills the process this long after the deadline: the parent replaces the worker,
# and a page that kills two workers is recorded as failed (ingest/scheduler.py).
HARD_STOP_GRACE_S = 60.0
_hard_stop = False


def kill_on_hang(enabled: bool = True) -> None:
    """Let a page stuck inside Tesseract end this process (for worker processes only)."""
    global _hard_stop
    _hard_stop = enabled


def _kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _bind(names: tuple[str, ...], signatures: dict) -> ctypes.CDLL:
    path = next((p for p in map(ctypes.util.find_library, names) if p), None)
    if not path:
        raise OSError(f"lib{names[0]} not found")
    lib = ctypes.CDLL(path)
    for fn, (restype, argtypes) in signatures.items():
        f = getattr(lib, fn)  # AttributeError: a library too old for this API
        f.restype, f.argtypes = restype, argtypes
    return lib


@functools.cache
def _libraries() -> tuple[ctypes.CDLL, ctypes.CDLL] | None:
    if os.environ.get("ARCHIVE_TESSERACT", "").lower() == "cli":
        return None  # forced: benchmarks and tests that count or replace the command
    # One thread per engine, as for the command; OpenMP reads the limit when the library loads.
    threads.limit_this_process()
    try:
        # Leptonica 1.83 renamed its library from liblept to libleptonica.
        tess, lept = _bind(("tesseract",), _SIGNATURES), _bind(("leptonica", "lept"), _LEPT_SIGNATURES)
    except (OSError, AttributeError):
        return None
    lept.setMsgSeverity(_LEPT_SEVERITY_NONE)
    return tess, lept


def available() -> bool:
    """Whether the system's libtesseract (and Leptonica) can be used in this process."""
    return _libraries() is not None


def version() -> str:
    libs = _libraries()
    if libs is None:
        raise ToolMissing("libtesseract is not available")
    return libs[0].TessVersion().decode()


class _Engine:
    """One initialised TessBaseAPI for one language, used for one page at a time."""

    def __init__(self, lang: str):
        self.lib, self.lept = _libraries()  # type: ignore[misc]
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.handle = self.lib.TessBaseAPICreate()
        if self.lib.TessBaseAPIInit3(self.handle, None, lang.encode()) != 0:
            self.lib.TessBaseAPIDelete(self.handle)
            raise ToolMissing(f"Tesseract could not load language data for {lang}",
                              remedy="install it: apt-get install "
                                     + " ".join(f"tesseract-ocr-{code}" for code in lang.split("+")))
        # The command prints its notes ("Estimating resolution as ...") to its own stderr, which we
        # capture; a library would print them into the worker's stderr, that is the user's terminal.
        self.lib.TessBaseAPISetVariable(self.handle, b"debug_file", os.devnull.encode())

    def _set_image(self, image: Image.Image | str | os.PathLike, source: str, dpi: float | None,
                   pix: ctypes.c_void_p) -> None:
        if isinstance(image, Image.Image):
            if image.mode not in _RAW_MODES:
                image = image.convert("RGB" if image.mode in ("RGBA", "P", "CMYK", "YCbCr") else "L")
            data = image.tobytes()
            bpp = _RAW_MODES[image.mode]
            self.lib.TessBaseAPISetImage(self.handle, data, image.width, image.height, bpp, image.width * bpp)
            if dpi:  # what Leptonica reads from a file's header; without it Tesseract estimates
                self.lib.TessBaseAPISetSourceResolution(self.handle, int(round(dpi)))
        else:
            pix.value = self.lept.pixRead(os.fsencode(image))
            if not pix.value:
                raise ToolError("Tesseract (Leptonica) could not read this image", path=source)
            self.lib.TessBaseAPISetImage2(self.handle, pix)

    def tsv(self, image: Image.Image | str | os.PathLike, psm: int, timeout: float, source: str,
            dpi: float | None = None) -> str:
        with self.lock:
            self.lib.TessBaseAPISetPageSegMode(self.handle, psm)
            pix = _P()
            try:
                self._set_image(image, source, dpi, pix)
                monitor = self.lib.TessMonitorCreate()
                watchdog = threading.Timer(timeout + HARD_STOP_GRACE_S, _kill_self) if _hard_stop else None
                try:
                    self.lib.TessMonitorSetDeadlineMSecs(monitor, max(1, int(timeout * 1000)))
                    if watchdog:
                        watchdog.daemon = True
                        watchdog.start()
                    if self.lib.TessBaseAPIRecognize(self.handle, monitor) != 0:
                        raise ToolError(f"Tesseract gave up on this page (over {timeout} s or unreadable)",
                                        path=source)
                finally:
                    if watchdog:
                        watchdog.cancel()
                    self.lib.TessMonitorDelete(monitor)
                text = self.lib.TessBaseAPIGetTsvText(self.handle, 0)
                try:
                    return TSV_HEADER + (ctypes.string_at(text).decode("utf-8", "replace") if text else "")
                finally:
                    if text:
                        self.lib.TessDeleteText(text)
            finally:
                self.lib.TessBaseAPIClear(self.handle)
                if pix.value:
                    self.lept.pixDestroy(ctypes.byref(pix))

    def orientation(self, image: Image.Image | str | os.PathLike, timeout: float, source: str,
                    dpi: float | None = None) -> tuple[int, float, str, float] | None:
        """Tesseract's orientation and script detection (OSD): (degrees the page is turned
        counter-clockwise, confidence, script, script confidence), or None when it cannot
        decide (too few characters: a blank or picture-only page)."""
        with self.lock:
            self.lib.TessBaseAPISetPageSegMode(self.handle, 0)  # PSM_OSD_ONLY
            pix = _P()
            # OSD has no deadline of its own (no monitor); it classifies at most a few hundred
            # blobs, so it is short, but the watchdog still bounds a page stuck in layout analysis.
            watchdog = threading.Timer(timeout + HARD_STOP_GRACE_S, _kill_self) if _hard_stop else None
            try:
                self._set_image(image, source, dpi, pix)
                deg, conf, script, script_conf = ctypes.c_int(), ctypes.c_float(), ctypes.c_char_p(), ctypes.c_float()
                if watchdog:
                    watchdog.daemon = True
                    watchdog.start()
                ok = self.lib.TessBaseAPIDetectOrientationScript(
                    self.handle, ctypes.byref(deg), ctypes.byref(conf), ctypes.byref(script), ctypes.byref(script_conf))
                if not ok:
                    return None
                return (deg.value, float(conf.value), (script.value or b"").decode("ascii", "replace"),
                        float(script_conf.value))
            finally:
                if watchdog:
                    watchdog.cancel()
                self.lib.TessBaseAPIClear(self.handle)
                if pix.value:
                    self.lept.pixDestroy(ctypes.byref(pix))

    def close(self) -> None:
        if self.pid == os.getpid():  # an engine inherited through fork belongs to the parent
            self.lib.TessBaseAPIEnd(self.handle)
            self.lib.TessBaseAPIDelete(self.handle)


_engines: dict[str, _Engine] = {}


def run_tsv(image: Image.Image | str | os.PathLike, *, lang: str, psm: int, timeout: float, source: str,
            dpi: float | None = None) -> str:
    """Tesseract's TSV for one image (decoded pixels, at `dpi` when known) or image file, from this
    process's engine for `lang`."""
    return _engine_for(lang).tsv(image, psm, timeout, source, dpi)


def run_osd(image: Image.Image | str | os.PathLike, *, timeout: float, source: str,
            dpi: float | None = None) -> tuple[int, float, str, float] | None:
    """Orientation and script detection for one image, from this process's engine for Tesseract's
    `osd` model (package tesseract-ocr-osd); see _Engine.orientation."""
    return _engine_for("osd").orientation(image, timeout, source, dpi)


def _engine_for(lang: str) -> _Engine:
    engine = _engines.get(lang)
    if engine is None or engine.pid != os.getpid():
        engine = _engines[lang] = _Engine(lang)
    return engine


@atexit.register
def _close_all() -> None:
    # Ending the engines frees the model; without it Tesseract reports "leaks" at exit.
    for engine in _engines.values():
        engine.close()
    _engines.clear()
