"""Page-image preprocessing before OCR: a cheap plan from image statistics, then named, versioned steps.

Measured in bench/PREPROCESS.md: clean and lightly scanned pages OCR best as they are, so
`plan` returns [] for them and they pay only the statistics (~10-20 ms). Noisy,
low-contrast pages get deskew, denoise, local (Sauvola) binarization and despeckling. On
the corpus 'hard' level that brings the character error rate under a third of raw
Tesseract's. Contrast normalization was measured too and did not help. Upscaling helps
only pages whose thin strokes are under 2 px wide, where it replaces denoising.

Only numpy and Pillow are used: integral images give the box sums that Sauvola and
despeckling need, and a shear projection profile gives the skew angle, so no OpenCV or
scikit-image is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image, ImageChops, ImageFilter

# Bump whenever a step's output or plan's decision changes: recorded in page provenance.
# 3: pages that read badly are checked for orientation and read upright (ingest/orientation.py);
# results of version 2 were made without that check, so they are not reused.
PREPROCESS_VERSION = "3"

GRAYSCALE = "grayscale"
DESKEW = "deskew"
DENOISE = "denoise"
BINARIZE = "binarize-sauvola"
DESPECKLE = "despeckle"
UPSCALE = "upscale-2x"

# The chain for a degraded page, in order. Deskew runs on grayscale (interpolation needs
# grey levels), denoising before thresholding, despeckling on the binary result.
DEGRADED_STEPS: tuple[str, ...] = (GRAYSCALE, DESKEW, DENOISE, BINARIZE, DESPECKLE)

# Signal-to-noise ratio (paper minus ink level, over the noise sigma) below which a page
# counts as degraded. Measured: clean pages ~500, scanned (sigma 4, JPEG q60) ~100, hard
# (sigma 14, low contrast) ~19. 40 sits between them with a factor of 2.5 to each side.
SNR_DEGRADED = 40.0

# Below this width (px) of the thin strokes, the degraded chain upscales instead of
# denoising. Measured: 3-5 px on the corpus pages (200-300 dpi), 1 px on a 150 dpi book scan.
THIN_STROKE_PX = 2.0

# Mean Tesseract word confidence below which an unprocessed page earns a second OCR
# with the degraded chain. Measured (bench/PREPROCESS.md): raw clean and scanned pages score
# 95-96 and raw hard pages 85-91, so on the corpus it never fires (plan catches the hard
# pages). A safety net for pages the statistics miss, set low to keep retries rare.
RETRY_BELOW_CONFIDENCE = 80.0

_DEFAULT_DPI = 300.0  # when the file carries no resolution; the common archival scan setting
_MAX_SKEW_DEG = 8.0  # search range; wider skews are rare on flatbed scans
_MIN_ROTATE_DEG = 0.1  # below this, rotating only blurs: Tesseract copes with small skew
# Bilinear, not bicubic: 40 ms instead of 90 on a 200 dpi page, and no worse a CER on the
# hard pages (bench/PREPROCESS.md), where the next steps blur and threshold anyway.
_ROTATE_RESAMPLE = Image.BILINEAR
# Resolution of the reduced page on which Sauvola's threshold surface is computed. Measured
# on the hard pages: the same CER as at half size (100 dpi there), at a quarter of the box-sum work.
_SAUVOLA_DPI = 50

Step = Callable[[Image.Image, float], tuple[Image.Image, float]]


class UnknownStepError(ValueError):
    """A step name that this version of the module does not know."""


def _gray(image: Image.Image) -> Image.Image:
    return image if image.mode == "L" else image.convert("L")


def _dpi_or_default(dpi: float | None) -> float:
    # Files with a missing or absurd resolution tag (72 dpi from a camera) fall back to 300.
    return float(dpi) if dpi and 100 <= dpi <= 1200 else _DEFAULT_DPI


def _sample_rows(image: Image.Image) -> np.ndarray:
    return np.asarray(_gray(image))[::12].astype(np.int16)  # every 12th full-resolution row


def _levels(rows: np.ndarray) -> dict[str, float]:
    # Noise from differences between pixels 3 apart. Scanner blur and JPEG smooth away the
    # pixel-to-pixel noise, but a 3 px lag escapes that correlation while staying far shorter
    # than lighting gradients. The interquartile range ignores the minority of text edges.
    diff = (rows[:, 3:] - rows[:, :-3]).ravel()
    q1, q3 = np.percentile(diff, [25, 75])
    sigma = float(q3 - q1) / 1.349 / float(np.sqrt(2.0))
    paper = float(np.percentile(rows, 75))
    ink = float(np.percentile(rows, 0.5))
    return {"paper": paper, "ink": ink, "sigma": sigma, "snr": (paper - ink) / max(sigma, 0.5)}


def _thin_stroke_px(rows: np.ndarray, paper: float, ink: float) -> float:
    # Widths of the horizontal ink runs, split at the midpoint between paper and ink: the
    # 25th percentile is the width of the thin strokes (hairlines, serifs, bowls of a and e).
    padded = np.pad(rows < (paper + ink) / 2, ((0, 0), (1, 1))).astype(np.int8)
    edges = np.diff(padded, axis=1).ravel()
    runs = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    return float(np.percentile(runs, 25)) if runs.size else 0.0


def page_statistics(image: Image.Image) -> dict[str, float]:
    """Paper and ink levels, noise sigma, their ratio (snr) and thin-stroke width, from sampled rows."""
    rows = _sample_rows(image)
    stats = _levels(rows)
    stats["thin_stroke_px"] = _thin_stroke_px(rows, stats["paper"], stats["ink"])
    return stats


def plan(image: Image.Image, dpi: float | None) -> list[str]:
    """Cheap decision from image statistics (no OCR): which steps this page needs. A clean page returns []
    and pays nothing."""
    if image.mode == "1":
        return []  # already bilevel: nothing left to clean at grey level
    rows = _sample_rows(image)
    levels = _levels(rows)
    if levels["snr"] >= SNR_DEGRADED:
        return []
    if _thin_stroke_px(rows, levels["paper"], levels["ink"]) < THIN_STROKE_PX:
        # Blurring (or a median) erases 1 px strokes, and thresholding them at this size
        # breaks letters, so upscale first. Measured on a real 150 dpi scan in bench/PREPROCESS.md.
        return [GRAYSCALE, DESKEW, UPSCALE, BINARIZE, DESPECKLE]
    return list(DEGRADED_STEPS)


def retry_steps(first_confidence: float, steps_done: Sequence[str]) -> list[str] | None:
    """Optional second chance: given the first OCR's mean confidence (0-100), the steps to try next, or None
    to keep the first result."""
    # Only a page that went through unprocessed gets a second chance. The caller keeps
    # whichever of the two results has the higher mean confidence. A confidence of 0 means
    # no word at all (ingest passes 0 for None): a blank page, where cleaning could only
    # turn dust into words.
    if steps_done or not 0 < first_confidence < RETRY_BELOW_CONFIDENCE:
        return None
    return list(DEGRADED_STEPS)


# --- steps -------------------------------------------------------------------------------


def _box_sum(values: np.ndarray, radius: int, pad_mode: str, dtype: type) -> np.ndarray:
    """Sum over the (2r+1)^2 window centred on each pixel, via an integral image."""
    padded = np.pad(values, radius, mode=pad_mode)  # type: ignore[call-overload]
    integral = np.zeros((padded.shape[0] + 1, padded.shape[1] + 1), dtype)
    np.cumsum(padded, axis=0, dtype=dtype, out=integral[1:, 1:])
    np.cumsum(integral[1:, 1:], axis=1, dtype=dtype, out=integral[1:, 1:])
    w = 2 * radius + 1
    return integral[w:, w:] - integral[:-w, w:] - integral[w:, :-w] + integral[:-w, :-w]


def max_filter(values: np.ndarray, radius: int) -> np.ndarray:
    """Maximum over the (2r+1)^2 window, as two 1-D passes of shifted maxima (edges repeated)."""
    # Pillow's MaxFilter ranks the whole window at every pixel (~140 ms at 100 dpi); the
    # separable form is 4r array maxima (~2 ms).
    out = np.pad(values, radius, mode="edge")
    h, w = values.shape
    rows = out[:, 2 * radius:2 * radius + w].copy()
    for d in range(2 * radius):
        np.maximum(rows, out[:, d:d + w], out=rows)
    result = rows[2 * radius:2 * radius + h].copy()
    for d in range(2 * radius):
        np.maximum(result, rows[d:d + h], out=result)
    return result


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Boolean dilation by a (2r+1)^2 square (zeros beyond the edges)."""
    return max_filter(np.pad(mask, radius), radius)[radius:-radius, radius:-radius]


# Ink pixels that the skew search looks at: enough to place every text line's peak, few
# enough that its ~55 candidate angles cost a few ms. Measured: 20k at 100 dpi still
# finds the corpus skews within 0.03 deg.
_SKEW_SAMPLE = 20_000


def estimate_skew(image: Image.Image, dpi: float | None) -> float:
    """Skew of the text lines in degrees, counter-clockwise positive (rotate by minus this to fix)."""
    res = _dpi_or_default(dpi)
    factor = max(1, int(np.ceil(res / 100.0)))  # ~100 dpi is enough to see text lines
    gray = _gray(image)
    small = gray.reduce(factor) if factor > 1 else gray
    pixels = np.asarray(small)
    # Ink = clearly darker than the local paper (a 5x5 max), so shadows and uneven
    # lighting do not count as ink. uint8 throughout: the paper is never darker than the pixel.
    darkness = max_filter(pixels, 2) - pixels
    counts = np.cumsum(np.bincount(darkness.ravel(), minlength=256))
    p995 = int(np.searchsorted(counts, 0.995 * counts[-1]))  # 99.5th percentile, from the histogram
    threshold = max(10.0, 0.5 * p995)
    ys, xs = np.nonzero(darkness > threshold)
    if len(ys) < 200:
        return 0.0  # a blank page has no lines to align
    step = max(1, len(ys) // _SKEW_SAMPLE)  # every step-th in row order: spread over the whole page
    yf = ys[::step].astype(np.float32)
    xf = xs[::step].astype(np.float32) - small.width / 2

    def sharpness(angle: float) -> float:
        # Shearing each ink pixel onto its row at this slope: when the slope matches the
        # text lines, the row histogram has tall peaks and empty gaps, so its energy peaks.
        rows = (yf + xf * np.float32(np.tan(np.radians(angle)))).astype(np.int32)
        hist = np.bincount(rows - rows.min()).astype(np.float64)
        return float(hist @ hist)

    def best(angles: np.ndarray) -> float:
        return float(angles[int(np.argmax([sharpness(a) for a in angles]))])

    angle = best(np.arange(-_MAX_SKEW_DEG, _MAX_SKEW_DEG + 1e-9, 0.5))
    angle = best(np.arange(angle - 0.5, angle + 0.5 + 1e-9, 0.1))
    angle = best(np.arange(angle - 0.1, angle + 0.1 + 1e-9, 0.02))
    return round(angle, 2)


def _grayscale(image: Image.Image, dpi: float) -> tuple[Image.Image, float]:
    return _gray(image), dpi


def _deskew(image: Image.Image, dpi: float) -> tuple[Image.Image, float]:
    gray = _gray(image)
    angle = estimate_skew(gray, dpi)
    if abs(angle) < _MIN_ROTATE_DEG:
        return gray, dpi
    # White fill: corners brought in by the rotation must not read as ink.
    return gray.rotate(-angle, resample=_ROTATE_RESAMPLE, expand=False, fillcolor=255), dpi


def _denoise(image: Image.Image, dpi: float) -> tuple[Image.Image, float]:
    # A 1 px gaussian averages out the grain so that thresholding gives smooth strokes and
    # no pepper. On the hard pages it did as well as a 3x3 median, at a fifth of the cost
    # (bench/PREPROCESS.md). Its radius is in pixels, not inches, because scanner noise is per pixel.
    return _gray(image).filter(ImageFilter.GaussianBlur(1.0)), dpi


def _binarize_sauvola(image: Image.Image, dpi: float, k: float = 0.2,
                      window_in: float = 0.12) -> tuple[Image.Image, float]:
    # Sauvola: threshold = local mean * (1 + k * (local std / 128 - 1)). Being local, it
    # follows side shadows and uneven lighting, and faint bleed-through stays under it. The
    # surface is smooth at window scale, so it is computed at ~50 dpi and enlarged as 8-bit
    # grey levels: no full-size float array, and rounding the threshold moves a decision by
    # at most half a grey level.
    gray = _gray(image)
    scale = max(1, int(dpi // _SAUVOLA_DPI))
    small = gray.reduce(scale)
    values = np.asarray(small, dtype=np.float64)
    radius = max(1, int(dpi / scale * window_in) // 2)
    area = (2 * radius + 1) ** 2
    mean = _box_sum(values, radius, "edge", np.float64) / area
    sq_mean = _box_sum(values * values, radius, "edge", np.float64) / area
    std = np.sqrt(np.maximum(sq_mean - mean * mean, 0.0))
    surface = np.clip(mean * (1.0 + k * (std / 128.0 - 1.0)) + 0.5, 0, 255).astype(np.uint8)
    threshold = Image.fromarray(surface, "L").resize(gray.size, Image.BILINEAR)
    above = np.asarray(gray) > np.asarray(threshold)
    return Image.fromarray(above.view(np.uint8) * np.uint8(255), "L"), dpi


_INK_LUT = [0] * 128 + [255] * 128  # below 128 is ink, as in the binarized page


def _despeckle(image: Image.Image, dpi: float, blob_in: float = 0.05,
               gap_in: float = 0.04) -> tuple[Image.Image, float]:
    # Removes ink blobs that fit in a blob_in-wide box and have no other ink within gap_in
    # around that box: dust and speckles in margins and between lines, which Tesseract would
    # read as stray punctuation. A period, comma or i-dot has its letter within a word
    # space (~0.04 in at 11 pt), so it survives. The rule is exact, not a morphological
    # approximation: when the ring around a box is empty, every blob touching the box lies
    # inside it, so clearing the box removes only such blobs.
    # It runs on 2x2 cells, a cell being ink when any of its pixels is: a cell ring that is
    # empty is a pixel ring that is empty, so the rule stays exact at a quarter of the work.
    gray = image if image.mode == "L" else _gray(image)
    ink = np.asarray(gray.point(_INK_LUT).reduce(2)) < 255  # a partial edge cell averages its own pixels
    inner_r = max(1, int(round(dpi * blob_in / 4)))  # in cells: a box of 2(2r+1) px
    outer_r = inner_r + max(1, int(round(dpi * gap_in / 2)))
    ys, xs = np.nonzero(ink)
    if not len(ys):
        return gray, dpi
    padded = np.pad(ink, outer_r).astype(np.int32)
    integral = np.zeros((padded.shape[0] + 1, padded.shape[1] + 1), np.int32)
    np.cumsum(padded, axis=0, out=integral[1:, 1:])
    np.cumsum(integral[1:, 1:], axis=1, out=integral[1:, 1:])

    def box(r: int) -> np.ndarray:
        # Sum over the (2r+1)^2 cells centred on each ink cell, read off the integral image.
        top, bottom = ys + outer_r - r, ys + outer_r + r + 1
        left, right = xs + outer_r - r, xs + outer_r + r + 1
        return integral[bottom, right] - integral[top, right] - integral[bottom, left] + integral[top, left]

    isolated = box(inner_r) == box(outer_r)
    if not isolated.any():
        return gray, dpi
    centres = np.zeros(ink.shape, bool)
    centres[ys[isolated], xs[isolated]] = True
    cleared = _dilate(centres, inner_r).view(np.uint8) * np.uint8(255)
    clear = Image.fromarray(cleared, "L").resize((2 * cleared.shape[1], 2 * cleared.shape[0]), Image.NEAREST)
    return ImageChops.lighter(gray, clear.crop((0, 0) + gray.size)), dpi


def _upscale_2x(image: Image.Image, dpi: float) -> tuple[Image.Image, float]:
    return image.resize((image.width * 2, image.height * 2), Image.BICUBIC), dpi * 2


STEPS: dict[str, Step] = {
    GRAYSCALE: _grayscale,
    DESKEW: _deskew,
    DENOISE: _denoise,
    BINARIZE: _binarize_sauvola,
    DESPECKLE: _despeckle,
    UPSCALE: _upscale_2x,
}


def apply(image: Image.Image, steps: Sequence[str], dpi: float | None) -> tuple[Image.Image, float | None]:
    """Run the steps in order; returns the new image and its effective dpi (changed by upscaling)."""
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        raise UnknownStepError(f"unknown preprocessing step(s) {unknown}; known: {sorted(STEPS)}")
    if not steps:
        return image, dpi
    # Steps scale their windows by resolution, so they work from the file's dpi (or 300).
    # The caller gets back None when it gave None, unless upscaling changed the scale.
    work = _dpi_or_default(dpi)
    for name in steps:
        image, work = STEPS[name](image, work)
    if dpi is None and UPSCALE not in steps:
        return image, None
    return image, work
