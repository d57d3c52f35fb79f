"""Page orientation at OCR: when to ask Tesseract's orientation detection (OSD), how to right the
page, and what to record.

A page scanned upside down or sideways OCRs into confident-looking garbage (phototest turned 180°:
CER 0.83, mean word confidence ~43). OSD finds the turn, but it costs 0.3-0.9 s of CPU per page
(bench/ORIENTATION.md), a third of a corpus page's recognition, and still 7-15% with its character
budget cut to 10: far over the "few percent" a page that is fine may pay. Upright pages read well,
rotated ones do not, so OSD runs only after a first recognition whose mean word confidence is
under CHECK_BELOW_CONFIDENCE, that found no words, or whose words stand sideways (`sideways`):
upright pages that read well pay nothing, rotated pages one wasted recognition plus OSD.

Frame: a righted page is recognized upright, so its layout boxes, width and height are those of
the upright page (the stored image turned clockwise by `Layout.rotation`), and so is its
thumbnail; `image_sha256` stays the digest of the image as stored (it is what reuse matches on).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from PIL import Image

from archive.store.layout import Layout

# First-recognition confidence below which the page's orientation is checked. Measured: the
# corpus pages read at 85-96 (hard to clean), Tesseract's rotated phototest pages at 31-50; the
# same threshold as preprocess.RETRY_BELOW_CONFIDENCE, so a page checked is one Tesseract found hard.
CHECK_BELOW_CONFIDENCE = 80.0
# OSD confidence under which its answer is not trusted alone and the page is flagged for review.
# Tesseract's own default for accepting a turn (its min_orientation_margin parameter) is 7.
# Measured: 9.3-11 on the rotated phototest pages (640x480), 17-29 on the corpus scans.
MIN_OSD_CONFIDENCE = 7.0

# How much worse (mean word confidence) the page may read turned than as it was, for a turn that OSD
# is confident of to be kept: a sideways page Tesseract read as vertical text reads as well upright.
TURN_TOLERANCE = 2.0

# Pillow's transposes turn counter-clockwise: a clockwise turn of 90° is its ROTATE_270.
_CLOCKWISE = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}


def needs_check(confidence: Optional[float], page: Optional[Layout]) -> bool:
    """Whether a first recognition looks bad enough, or sideways, to ask OSD about the page's
    orientation."""
    return confidence is None or confidence < CHECK_BELOW_CONFIDENCE or (page is not None and sideways(page))


def sideways(page: Layout) -> bool:
    """Whether most words of three letters or more are taller than wide. Tesseract's layout analysis
    reads a page turned 90° clockwise as vertical text, well (phototest-rotated-R: CER 0, confidence
    96) but in the sideways frame; its word boxes give it away at no cost."""
    words = [w for line in page.lines for w in line.words if len(w.text) >= 3]
    tall = sum(1 for w in words if w.box[3] - w.box[1] > w.box[2] - w.box[0])
    return bool(words) and tall * 2 > len(words)


def upright(image: Image.Image, rotation: int) -> Image.Image:
    """The image turned `rotation` degrees clockwise: a lossless transpose, no resampling."""
    return image.transpose(_CLOCKWISE[rotation]) if rotation else image


@dataclass(frozen=True)
class Verdict:
    rotation: int = 0  # degrees the stored image was turned clockwise to be recognized
    checked: bool = False  # whether OSD ran
    osd_rotation: Optional[int] = None  # what OSD proposed (None: undecided or not asked)
    osd_confidence: Optional[float] = None
    script: Optional[str] = None
    first_confidence: Optional[float] = None  # the recognition that led to the check
    review: Optional[str] = None  # why the page is flagged for review; None: not flagged

    def extra(self) -> dict:
        """The figures kept in the page layout (Layout.extra["orientation"])."""
        data: dict = {"rotation": self.rotation, "checked": self.checked}
        if self.checked:
            data.update(osd_rotation=self.osd_rotation, osd_confidence=self.osd_confidence,
                        script=self.script, first_confidence=self.first_confidence)
        if self.review:
            data["review"] = self.review
        return data

    def note(self) -> str:
        """The orientation clause of the page note and of its ingest event."""
        if not self.checked:
            return "orientation: upright (read well, OSD not run)"
        if self.osd_confidence is None:
            said = "OSD undecided"
        else:
            said = f"OSD {self.osd_rotation}° at confidence {self.osd_confidence:.2f}"
        done = f"turned {self.rotation}° clockwise" if self.rotation else "not turned"
        return f"orientation: {done} ({said})" + (f"; {self.review}" if self.review else "")

    @classmethod
    def from_extra(cls, data: dict) -> "Verdict":
        return cls(rotation=int(data.get("rotation", 0)), checked=bool(data.get("checked")),
                   osd_rotation=data.get("osd_rotation"), osd_confidence=data.get("osd_confidence"),
                   script=data.get("script"), first_confidence=data.get("first_confidence"),
                   review=data.get("review"))


def judge(found, first_confidence: Optional[float], turned_confidence: Optional[float]) -> Verdict:
    """The verdict for a checked page. `found`: tools.Orientation or None (undecided);
    `turned_confidence`: the mean word confidence of the page read as OSD proposed (None when
    OSD proposed no turn). The turn is kept when it reads better than the page as it was, so a
    wrong OSD answer on a hard upright page costs time but no text; a confident one is kept when it
    reads about as well (TURN_TOLERANCE)."""
    base = dict(checked=True, first_confidence=first_confidence)
    if found is None:
        return Verdict(**base, review="orientation uncertain (OSD could not decide: too few characters)")
    base.update(osd_rotation=found.rotation, osd_confidence=found.confidence, script=found.script)
    gain = (turned_confidence or 0) - (first_confidence or 0)
    turned = bool(found.rotation) and (gain > 0 or (found.confidence >= MIN_OSD_CONFIDENCE and gain >= -TURN_TOLERANCE))
    review = None
    if found.confidence < MIN_OSD_CONFIDENCE:
        review = f"orientation uncertain (OSD confidence {found.confidence:.2f})"
    elif found.rotation and not turned:
        review = (f"orientation uncertain (OSD confidence {found.confidence:.2f} for {found.rotation}°, "
                  "but the page reads better as it is)")
    return Verdict(rotation=found.rotation if turned else 0, review=review, **base)
