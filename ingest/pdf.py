"""PDF pages: opening (and decrypting), the text layer and whether it is usable, the page image and its
stored digest; the one module that knows pypdf's object model."""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import unicodedata
import warnings
from typing import NamedTuple

import pypdf
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError
from pypdf.generic import IndirectObject, StreamObject

from archive.errors import EncryptedPDF, InputError, ToolError
from archive.store.layout import Layout, Line, Word, union
from ingest import tools
from ingest.images import check_pixels

RASTER_DPI = 300
# Rasterized pages stay within this many pixels: a US-letter page at 600 dpi is 34 Mpx, and a
# 30-inch poster at 300 dpi (81 Mpx) would cost Tesseract minutes and gigabytes for no gain.
RASTER_MAX_PIXELS = 40_000_000
RASTER_MIN_DPI = 30
# A page made only of images gains nothing from rendering far above their own resolution;
# render at least this much, though, so that small text in a low-resolution scan stays legible.
IMAGE_PAGE_MIN_DPI = 150
MIN_TEXT_CHARS = 20  # fewer characters than this on a page that carries an image: OCR the image

JBIG2_HINT = "install jbig2dec (apt-get install jbig2dec, or scripts/bootstrap.sh) to read JBIG2 scans directly"

logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed files are reported by us, once


OPEN_TIMEOUT_S = 120  # parsing the page tree; a crafted file can make pypdf loop


def open_pdf(path: str | os.PathLike, *, source: str, password: str | None = None) -> PdfReader:
    """A reader for the file, decrypted with the empty password or the one given."""
    try:
        with tools.deadline(OPEN_TIMEOUT_S, f"reading the PDF's structure took longer than {OPEN_TIMEOUT_S} s "
                                      f"(a malformed or hostile file)", source), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # A file object, not a path: pypdf then reads objects from disk as it needs them,
            # where a path makes it load the whole file (a 500-page scan) into memory. The file stays
            # open as long as the reader lives.
            reader = PdfReader(open(path, "rb"), strict=False)
            if reader.is_encrypted:
                ok = reader.decrypt(password or "")
                if not ok:
                    raise EncryptedPDF(
                        "encrypted PDF: the password is needed" if not password else
                        "encrypted PDF: the password given does not open it", path=source,
                        remedy="supply it with --password, or decrypt a copy with qpdf --decrypt")
            len(reader.pages)  # parses the page tree: broken files fail here, not later
    except (EncryptedPDF, InputError):
        raise
    except FileNotDecryptedError:
        raise EncryptedPDF("encrypted PDF: the password is needed", path=source,
                           remedy="supply it with --password, or decrypt a copy with qpdf --decrypt") from None
    except NotImplementedError as exc:  # unsupported encryption algorithm
        raise EncryptedPDF(f"encrypted PDF with an unsupported scheme: {exc}", path=source,
                           remedy="decrypt a copy with qpdf --decrypt") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, AssertionError, OSError, UnicodeError, ZeroDivisionError) as exc:
        raise InputError(f"malformed PDF: {_short(exc)}", path=source) from None
    if len(reader.pages) == 0:
        raise InputError("the PDF has no pages", path=source)
    return reader


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0]}" if text else exc.__class__.__name__


def extract_text(reader: PdfReader, index: int) -> str:
    return extract_text_and_layout(reader, index)[0]


def extract_text_and_layout(reader: PdfReader, index: int) -> tuple[str, Layout | None]:
    """The page's text layer and its layout (lines with their positions, font sizes and names),
    read in one pass of pypdf's text visitor. Word boxes are estimated (pypdf gives where each
    run of text starts and its size, not its glyph widths); line positions and sizes are exact."""
    runs: list[tuple[str, float, float, float, str | None]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text or not text.strip():
            return
        a, b, c, d, e, f = _mult(tm, cm)
        size = abs(font_size * math.hypot(c, d)) or abs(font_size)
        font = None
        if font_dict is not None:
            try:
                font = str(font_dict.get("/BaseFont") or "").lstrip("/") or None
            except Exception:  # noqa: BLE001 - a broken font dictionary names no font
                font = None
        runs.append((text, e, f, size, font))

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            page = reader.pages[index]
            text = page.extract_text(visitor_text=visit) or ""
    except Exception:  # noqa: BLE001 - a page whose content stream pypdf cannot read: OCR it
        return "", None
    # NUL cannot be stored in PostgreSQL text (nor means anything): mark it as an unmapped
    # glyph, which the verdict below counts like any other.
    text = text.replace("\x00", "\ufffd")
    try:
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        origin = (float(box.left), float(box.bottom))
    except Exception:  # noqa: BLE001
        return text, None
    return text, _text_layout(runs, width, height, origin)


def _mult(m, n):
    """The product of two PDF matrices [a b c d e f] (m applied first)."""
    return (m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3],
            m[2] * n[0] + m[3] * n[2], m[2] * n[1] + m[3] * n[3],
            m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5])


_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)


def _text_layout(runs, width: float, height: float, origin: tuple[float, float]) -> Layout:
    """Runs of text (text, x, baseline y, size, font) in PDF space grouped into lines, top-left origin."""
    lines: list[list[tuple[str, float, float, float, str | None]]] = []
    for run in runs:
        for piece in run[0].replace("\r", "\n").split("\n"):
            if not piece.strip():
                continue
            item = (piece, run[1] - origin[0], height - (run[2] - origin[1]), run[3], run[4])
            last = lines[-1][-1] if lines else None
            if last is not None and abs(last[2] - item[2]) <= 0.4 * max(last[3], item[3], 1.0) and item[1] >= last[1]:
                lines[-1].append(item)
            else:
                lines.append([item])
    out = []
    for number, items in enumerate(lines):
        words: list[Word] = []
        for i, (piece, x, baseline, size, _font) in enumerate(items):
            end = items[i + 1][1] if i + 1 < len(items) else x + 0.5 * size * len(piece)
            advance = max(end - x, 0.5 * size * len(piece.strip())) / max(len(piece), 1)
            top, bottom = round(baseline - 0.8 * size), round(baseline + 0.2 * size)
            for m in re.finditer(r"\S+", piece):
                words.append(Word(m.group(), (round(x + m.start() * advance), top,
                                              round(x + m.end() * advance), bottom)))
        if not words:
            continue
        sizes = sorted(it[3] for it in items)
        fonts = [it[4] for it in items if it[4]]
        font = max(set(fonts), key=fonts.count) if fonts else None
        out.append(Line(tuple(words), union([w.box for w in words]), block=0, par=number,
                        size=round(sizes[len(sizes) // 2], 2), font=font,
                        bold=bool(_BOLD.search(font)) if font else None))
    return Layout(width=round(width), height=round(height), unit="pt", source="pdf-text-layer", lines=tuple(out),
                  extra={"word_boxes": "estimated"})


def text_layer_verdict(text: str, has_images: bool) -> tuple[bool, str]:
    """Is this text layer real text? (usable, reason). Catches fonts without Unicode maps
    (private-use or control characters, replacement characters) and OCR junk layers."""
    stripped = "".join(text.split())
    if not stripped:
        return False, "no text layer"
    if len(stripped) < MIN_TEXT_CHARS and has_images:
        return False, f"text layer holds only {len(stripped)} characters beside an image"
    n = len(stripped)
    bad = sum(1 for ch in stripped if unicodedata.category(ch) in ("Co", "Cc", "Cs", "Cn") or ch == "\ufffd")
    if bad / n > 0.05:
        return False, "text layer has no Unicode mapping (private-use or unmapped glyphs)"
    letters = sum(1 for ch in stripped if ch.isalpha())
    if letters / n < 0.5:
        return False, "text layer is mostly non-letters (garbage)"
    words = text.split()
    wordlike = sum(1 for w in words if _wordlike(w))
    if len(words) >= 5 and wordlike / len(words) < 0.5:
        return False, "text layer does not read as words (garbage)"
    return True, "text layer is usable"


def _wordlike(token: str) -> bool:
    core = token.strip(".,;:!?\"'()[]{}«»“”‘’-–—*")
    if not core:
        return True
    if core.isdigit():
        return True
    if not any(c.isalpha() for c in core) or len(core) > 25:
        return False
    vowels = sum(1 for c in core.lower() if c in "aeiouyàâäéèêëîïôöùûüáíóúåæøœ")
    # A real word in most Latin-script languages has a vowel; junk like "Xq#kz" rarely does.
    return vowels > 0 or len(core) <= 3


def page_has_images(reader: PdfReader, index: int) -> bool:
    try:
        resources = reader.pages[index].get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        return any(x.get_object().get("/Subtype") in ("/Image", "/Form") for x in xobjects.values())
    except Exception:  # noqa: BLE001
        return False


def page_image(reader: PdfReader, index: int, path: str | os.PathLike, *, source: str,
               password: str | None = None) -> tuple[Image.Image, float | None, str]:
    """The page as an image for OCR: the scanned image itself when the page is one image
    filling the page (no re-rendering loss), else the page rasterized by pdftoppm."""
    page = reader.pages[index]
    try:
        width_in = float(page.mediabox.width) / 72
        height_in = float(page.mediabox.height) / 72
    except Exception:  # noqa: BLE001
        width_in = height_in = 0.0
    try:
        embedded = _single_page_image(page, width_in, height_in)
        hint = ""
    except DependencyError as exc:
        # pypdf needs jbig2dec for JBIG2 scans; poppler reads them on its own, so say it, and go on.
        embedded, hint = None, f" ({str(exc).rstrip('.')}: {JBIG2_HINT})"
    if embedded is not None:
        image, dpi = embedded
        if page.rotation % 360:
            image = image.rotate(-(page.rotation % 360), expand=True)
        return image, dpi, "embedded page image"
    dpi = raster_dpi(page, width_in, height_in)
    image = tools.rasterize_pdf_page(path, index, dpi=dpi, source=source, password=password)
    return image, float(dpi), f"rasterized at {dpi} dpi{hint}"


def raster_dpi(page: pypdf.PageObject, width_in: float, height_in: float) -> int:
    """The resolution to render a page at: 300 dpi, less for a page of low-resolution images
    only, and always within RASTER_MAX_PIXELS (huge pages get a lower resolution)."""
    dpi = RASTER_DPI
    image_dpi = _image_only_dpi(page, width_in, height_in)
    if image_dpi is not None:
        dpi = max(IMAGE_PAGE_MIN_DPI, min(dpi, math.ceil(image_dpi)))
    if width_in > 0 and height_in > 0:
        budget = int(math.sqrt(RASTER_MAX_PIXELS / (width_in * height_in)))
        dpi = max(RASTER_MIN_DPI, min(dpi, budget))
    return dpi


def _image_only_dpi(page: pypdf.PageObject, width_in: float, height_in: float) -> float | None:
    """The highest resolution of the page's images, taken as if each filled the page; None
    when the page has fonts (vector text deserves full resolution) or no images."""
    if width_in <= 0 or height_in <= 0:
        return None
    try:
        resources = page.get("/Resources") or {}
        if resources.get("/Font"):
            return None
        best = None
        for ref in (resources.get("/XObject") or {}).values():
            xo = ref.get_object()
            if xo.get("/Subtype") != "/Image":
                return None  # forms may hold text: do not guess
            w, h = int(xo.get("/Width", 0)), int(xo.get("/Height", 0))
            dpi = max(w / width_in, h / height_in)
            best = dpi if best is None else max(best, dpi)
        return best
    except Exception:  # noqa: BLE001 - malformed resources: render at the default
        return None


def _single_page_image(page: pypdf.PageObject, width_in: float, height_in: float):
    try:
        if width_in <= 0 or not one_page_shaped_image(page, width_in, height_in):
            return None  # decided from the image dictionaries, before decoding any pixels
        images = list(page.images)
        if len(images) != 1:
            return None
        img = images[0].image
        if img is None:
            return None
        w, h = img.size
        check_pixels(w, h, source="")
        # The image must have the page's shape (a full-page scan), not be a figure on a text page.
        if abs((w / h) - (width_in / height_in)) > 0.03 * (width_in / height_in):
            return None
        if img.mode not in ("1", "L", "RGB"):
            img = img.convert("RGB")
        return img, round(w / width_in, 1)
    except (InputError, ToolError):
        return None
    except DependencyError:
        raise
    except Exception:  # noqa: BLE001 - undecodable embedded image (masks, odd colour spaces): rasterize
        return None


def one_page_shaped_image(page: pypdf.PageObject, width_in: float, height_in: float) -> bool:
    """Does the page hold exactly one image XObject, within the pixel limit, with the page's shape?"""
    xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
    if len(xobjects) != 1:
        return False
    xo = next(iter(xobjects.values())).get_object()
    if xo.get("/Subtype") != "/Image":
        return False
    w, h = int(xo.get("/Width", 0)), int(xo.get("/Height", 0))
    if w <= 0 or h <= 0:
        return False
    check_pixels(w, h, source="")  # a decompression bomb is rasterized at a bounded size instead
    return abs((w / h) - (width_in / height_in)) <= 0.03 * (width_in / height_in)


_PIXEL_KEYS = ("/Width", "/Height", "/BitsPerComponent", "/ColorSpace", "/Filter", "/DecodeParms", "/Decode")
_INLINE_IMAGE = re.compile(rb"(?:^|\s)BI\s")


class EmbeddedImage(NamedTuple):
    digest: str  # names the image by its stored bytes (see embedded_image_key)
    dpi: float  # its resolution on the page
    jpeg: bytes | None  # the JPEG file it is, when stored as one that needs nothing else to decode
    mode: str  # the Pillow mode its colour space means (L or RGB)
    size: tuple[int, int]


def embedded_image_key(reader: PdfReader, index: int, *, text_free: bool = False) -> EmbeddedImage | None:
    """The digest and dpi of the scan a PDF page consists of, from the image's stored (encoded) bytes,
    without decoding a pixel; None unless the page is one plain, page-shaped image XObject.

    A JPEG embedded as it is (DCTDecode, grey or RGB, no decode array, no rotation) gets the
    plain SHA-256 of its bytes, which is the digest of the JPEG file it was made from, so a
    page OCR'd as an image file is recognised inside a PDF and the other way round. Any other
    image's digest also covers the parameters that shape its pixels and the page rotation.
    `text_free` (the parent's look-up) also requires a page without fonts, whose text layer
    is therefore empty and which goes to OCR for certain."""
    try:
        page = reader.pages[index]
        resources = page.get("/Resources") or {}
        if text_free and resources.get("/Font"):
            return None
        width_in, height_in = float(page.mediabox.width) / 72, float(page.mediabox.height) / 72
        if width_in <= 0 or height_in <= 0 or not one_page_shaped_image(page, width_in, height_in):
            return None
        contents = page.get_contents()
        if _INLINE_IMAGE.search(contents.get_data() if contents is not None else b""):
            return None  # inline images beside it: the page is rasterized
        xo = next(iter(resources["/XObject"].values())).get_object()
        if any(k in xo for k in ("/SMask", "/Mask", "/ImageMask")):
            return None
        params = {k: xo.raw_get(k) for k in _PIXEL_KEYS if k in xo}
        if not all(_direct(v) for v in params.values()):
            return None  # an indirect colour space or parameter: no stable name for it
        raw = _stored_bytes(xo)
        rotation = page.rotation % 360
        dpi = round(int(params["/Width"]) / width_in, 1)
        plain = (str(params.get("/Filter")) in ("/DCTDecode", "[/DCTDecode]") and rotation == 0
                 and str(params.get("/ColorSpace")) in ("/DeviceGray", "/DeviceRGB")
                 and str(params.get("/BitsPerComponent", 8)) == "8"
                 and "/Decode" not in params and "/DecodeParms" not in params)
        h = hashlib.sha256()
        if not plain:
            h.update(("pdf-image;" + ";".join(f"{k}={v}" for k, v in params.items())
                      + f";rotate={rotation}\n").encode())
        h.update(raw)
        return EmbeddedImage(h.hexdigest(), dpi, bytes(raw) if plain else None,
                             "L" if str(params.get("/ColorSpace")) == "/DeviceGray" else "RGB",
                             (int(params["/Width"]), int(params.get("/Height", 0))))
    except Exception:  # noqa: BLE001 - malformed or unusual page: no key, the page is simply OCR'd
        return None


def embedded_image_keys(reader: PdfReader) -> list[tuple[str, float] | None]:
    """embedded_image_key (text-free pages only) of every page, for the parent's look-up: reads
    each page's stored image bytes once and lets them go, so memory stays flat over long files."""
    keys: list[tuple[str, float] | None] = []
    for index in range(len(reader.pages)):
        key = embedded_image_key(reader, index, text_free=True)
        keys.append((key.digest, key.dpi) if key is not None else None)
        forget_large_objects(reader)
    return keys


def _direct(value) -> bool:
    if isinstance(value, IndirectObject):
        return False
    if isinstance(value, (list, tuple)):
        return all(_direct(v) for v in value)
    if isinstance(value, dict):
        return all(_direct(v) for v in value.values())
    return True


_LARGE_OBJECT_BYTES = 64 * 1024


def forget_large_objects(reader: PdfReader) -> None:
    """Drop images and large streams from the reader's object cache (re-read from disk if needed)."""
    cache = getattr(reader, "resolved_objects", None)
    if not isinstance(cache, dict):
        return
    for key in [k for k, v in cache.items() if isinstance(v, StreamObject)
                and (v.get("/Subtype") in ("/Image", "/Form") or len(_stored_bytes(v) or b"") > _LARGE_OBJECT_BYTES)]:
        del cache[key]


def _stored_bytes(stream: StreamObject) -> bytes | None:
    # pypdf keeps a stream's stored bytes (still encoded, decrypted if the file was encrypted) in
    # a private attribute, with no public accessor: this is the one place that reads it.
    return stream._data
