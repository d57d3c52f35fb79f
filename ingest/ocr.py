"""OCR engines behind one small protocol; Tesseract through its TSV output (text and word confidences)."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, replace
from typing import Optional, Protocol

from PIL import Image

from archive.store.layout import Layout, Line, Word
from ingest import tools

DEFAULT_PSM = 3  # Tesseract's fully automatic page segmentation


@dataclass(frozen=True)
class OcrText:
    text: str
    confidence: float | None  # mean word confidence 0-100, None when no word was found
    words: int
    layout: Optional[Layout] = None  # the words' boxes, in the pixels of the image recognized


class OcrEngine(Protocol):
    name: str

    def version(self) -> str: ...

    def recognize(self, image: Image.Image | str | os.PathLike, *, lang: str, source: str,
                  path: str | os.PathLike | None = None, dpi: float | None = None) -> OcrText: ...


class TesseractEngine:
    name = "Tesseract"

    def __init__(self, psm: int = DEFAULT_PSM):
        self.psm = psm

    def version(self) -> str:
        return tools.tesseract().version

    def recognize(self, image: Image.Image | str | os.PathLike, *, lang: str, source: str,
                  path: str | os.PathLike | None = None, dpi: float | None = None) -> OcrText:
        """`path`: the image file these very pixels were decoded from, at `dpi` (see tools.run_tesseract_tsv)."""
        tsv = tools.run_tesseract_tsv(image, lang=lang, psm=self.psm, source=source, path=path, dpi=dpi)
        return parse_tsv(tsv)

    def orientation(self, image: Image.Image, *, source: str, dpi: float | None = None) -> tools.Orientation | None:
        """Tesseract's orientation detection (OSD) for the page: None when it cannot decide."""
        return tools.detect_orientation(image, source=source, dpi=dpi)


def parse_tsv(tsv: str) -> OcrText:
    """Rebuild Tesseract's plain-text layout from its TSV: words joined by spaces, one line
    per text line, a blank line between paragraphs and blocks; mean of the word confidences; and
    the layout (lines of words with their boxes), whose text() is that same text."""
    reader = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if not header:
        return OcrText("", None, 0)
    col = {name: i for i, name in enumerate(header)}
    lines: list[tuple[tuple[str, str, str, str], list[Word]]] = []
    page_size = (0, 0)
    confs: list[float] = []
    for row in reader:
        if len(row) < len(header):
            continue
        if row[col["level"]] == "1":
            page_size = (int(row[col["width"]]), int(row[col["height"]]))
            continue
        if row[col["level"]] != "5":
            continue
        word = row[col["text"]]
        if not word.strip():
            continue
        conf = float(row[col["conf"]])
        if conf >= 0:
            confs.append(conf)
        left, top = int(row[col["left"]]), int(row[col["top"]])
        box = (left, top, left + int(row[col["width"]]), top + int(row[col["height"]]))
        line = (row[col["page_num"]], row[col["block_num"]], row[col["par_num"]], row[col["line_num"]])
        if not lines or lines[-1][0] != line:
            lines.append((line, []))
        # One decimal is all a confidence means (and halves the stored layout).
        lines[-1][1].append(Word(word, box, round(conf, 1) if conf >= 0 else None))
    layout = Layout(width=page_size[0], height=page_size[1], unit="px", source="tesseract", lines=tuple(
        _line(words, int(key[1]), int(key[2])) for key, words in lines))
    mean = round(sum(confs) / len(confs), 2) if confs else None
    return OcrText(layout.text(), mean, len(confs), layout)


def _line(words: list[Word], block: int, par: int) -> Line:
    box = (min(w.box[0] for w in words), min(w.box[1] for w in words),
           max(w.box[2] for w in words), max(w.box[3] for w in words))
    # The type size of an OCR'd line: its words' median height (one tall word or a stray mark
    # does not make a line look like display type).
    heights = sorted(w.box[3] - w.box[1] for w in words)
    return Line(tuple(words), box, block=block, par=par, size=float(heights[len(heights) // 2]))


def rescaled(layout: Layout, width: int, height: int) -> Layout:
    """The layout of an image recognized at another size (preprocessing upscaled it), in the
    pixels of the page image as stored."""
    if not layout.width or (layout.width, layout.height) == (width, height):
        return replace(layout, width=width, height=height)
    fx, fy = width / layout.width, height / (layout.height or 1)

    def box(b):
        return (round(b[0] * fx), round(b[1] * fy), round(b[2] * fx), round(b[3] * fy))

    return replace(layout, width=width, height=height, lines=tuple(
        replace(ln, box=box(ln.box), size=round((ln.size or 0) * fy, 1),
                words=tuple(replace(w, box=box(w.box)) for w in ln.words)) for ln in layout.lines))
