"""Page images from image files (PNG, JPEG, TIFF frames, ...) within a pixel budget."""

from __future__ import annotations

import os
import re
import warnings

from PIL import Image, UnidentifiedImageError

from archive.errors import InputError

# A US-letter page at 600 dpi is 34 Mpx; anything far beyond that is a decompression bomb
# or a poster that would take Tesseract minutes and gigabytes.
MAX_PIXELS = 100_000_000


def check_pixels(width: int, height: int, *, source: str) -> None:
    if width * height > MAX_PIXELS:
        raise InputError(
            f"image is {width}x{height} pixels ({width * height / 1e6:.0f} Mpx), over the "
            f"{MAX_PIXELS / 1e6:.0f} Mpx limit (decompression-bomb guard)", path=source,
            remedy="downsample the scan before ingesting it")


def _open(path: str | os.PathLike, source: str) -> Image.Image:
    # Pillow's own guard, at our limit in every process (workers set it too): it refuses before
    # decoding a single pixel, from the size the header claims.
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        claimed = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(claimed.group(1)) / 1e6:,.0f} Mpx" if claimed else "too many pixels"
        raise InputError(f"image claims {size}, over the {MAX_PIXELS / 1e6:.0f} Mpx limit (decompression-bomb guard)",
                         path=source, remedy="downsample the scan before ingesting it") from None
    except UnidentifiedImageError:
        raise InputError("not a readable image", path=source) from None
    except OSError as exc:
        raise InputError(f"cannot open image: {exc}", path=source) from None
    check_pixels(*im.size, source=source)
    return im


def _dpi(im: Image.Image) -> float | None:
    # The horizontal resolution the file states; 0 or 1 (an unset field in many writers) is none.
    dpi = im.info.get("dpi")
    return float(dpi[0]) if dpi and dpi[0] and float(dpi[0]) > 1 else None


def file_dpi(path: str | os.PathLike) -> float | None:
    """An image file's resolution as load_frame reads it, from the header alone (no pixel decoded);
    None when unstated or when the file cannot be read here (the worker reports the real error)."""
    try:
        with Image.open(path) as im:
            return _dpi(im)
    except Exception:  # noqa: BLE001 - any unreadable file: no resolution
        return None


def frame_count(path: str | os.PathLike, *, source: str) -> int:
    with _open(path, source) as im:
        return getattr(im, "n_frames", 1)


def load_frame(path: str | os.PathLike, index: int, *, source: str) -> tuple[Image.Image, float | None]:
    """Frame `index` of the file, decoded, with its resolution in dpi when the file says."""
    with _open(path, source) as im:
        try:
            im.seek(index)
            check_pixels(*im.size, source=source)
            im.load()
        except (OSError, EOFError, ValueError) as exc:
            raise InputError(f"cannot decode image frame {index + 1}: {exc}", path=source) from None
        dpi_x = _dpi(im)
        frame = im.copy()
    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        # Transparent pixels over white, as a page would be printed.
        rgba = frame.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        frame = Image.alpha_composite(background, rgba).convert("RGB")
    elif frame.mode not in ("1", "L", "RGB"):
        frame = frame.convert("RGB")
    return frame, dpi_x
