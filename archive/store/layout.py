"""A page's layout: its lines of words with their boxes, confidences and type sizes.

Made at ingest from what reading the page already gave (Tesseract's TSV of an OCR'd page; the
positions and font sizes of a PDF text layer), stored compressed, one row per page
(models.PageLayout), and read by description (the dominant type of a title page), by exports
(hOCR, ALTO, the text layer of an access copy) and by whoever shows a word's box.

Coordinates run from the top-left corner of the page as it was read: pixels of the (upright)
page image for OCR, PDF points for a text layer. Boxes are (x0, y0, x1, y1), x1 and y1 exclusive.
The OCR'd text of a page is exactly `Layout.text()`: words joined by spaces, lines by a newline,
paragraphs by a blank line, so a span of the page text maps to the words under it (`words_in`).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from typing import Iterator, Optional

LAYOUT_VERSION = 1

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Word:
    text: str
    box: Box
    confidence: Optional[float] = None  # 0-100, OCR only


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]
    box: Box
    block: int = 0  # Tesseract's block and paragraph numbers; a text layer's are 0 and its line order
    par: int = 0
    size: Optional[float] = None  # type size: a text layer's font size (pt); an OCR line's box height (px)
    font: Optional[str] = None  # a text layer's font name, where known
    bold: Optional[bool] = None

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    unit: str  # "px" (a page image) or "pt" (a PDF page)
    source: str  # "tesseract" | "pdf-text-layer"
    lines: tuple[Line, ...] = ()
    rotation: int = 0  # degrees the page image was turned clockwise to read it upright
    dpi: Optional[float] = None
    extra: dict = field(default_factory=dict, compare=False)  # e.g. the orientation detection's figures

    def text(self) -> str:
        return "".join(piece for piece, _ in self._pieces())

    def word_spans(self) -> Iterator[tuple[int, int, Word, int]]:
        """(start, end, word, line index) of each word in `text()`."""
        offset = 0
        for piece, where in self._pieces():
            if where is not None:
                yield offset, offset + len(piece), where[0], where[1]
            offset += len(piece)

    def words_in(self, start: int, end: int) -> list[tuple[Word, int]]:
        """The words a span of `text()` covers, with their line index."""
        return [(w, li) for s, e, w, li in self.word_spans() if s < end and e > start]

    def _pieces(self) -> Iterator[tuple[str, Optional[tuple[Word, int]]]]:
        previous: Optional[Line] = None
        for li, line in enumerate(self.lines):
            if previous is not None:
                same_par = (line.block, line.par) == (previous.block, previous.par)
                yield ("\n" if same_par or self.source != "tesseract" else "\n\n"), None
            for wi, word in enumerate(line.words):
                if wi:
                    yield " ", None
                yield word.text, (word, li)
            previous = line


def union(boxes: list[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def encode(layout: Layout) -> bytes:
    data = {
        "v": LAYOUT_VERSION, "w": layout.width, "h": layout.height, "unit": layout.unit, "src": layout.source,
        "rot": layout.rotation, "dpi": layout.dpi, "extra": layout.extra,
        "lines": [{"b": list(ln.box), "blk": ln.block, "par": ln.par, "size": ln.size, "font": ln.font,
                   "bold": ln.bold,
                   "w": [[w.text, *w.box, w.confidence] for w in ln.words]} for ln in layout.lines],
    }
    return zlib.compress(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), 6)


def decode(blob: bytes) -> Layout:
    data = json.loads(zlib.decompress(blob).decode("utf-8"))
    lines = tuple(
        Line(words=tuple(Word(w[0], (w[1], w[2], w[3], w[4]), w[5]) for w in ln["w"]), box=tuple(ln["b"]),
             block=ln["blk"], par=ln["par"], size=ln["size"], font=ln["font"], bold=ln["bold"])
        for ln in data["lines"])
    return Layout(width=data["w"], height=data["h"], unit=data["unit"], source=data["src"], lines=lines,
                  rotation=data["rot"], dpi=data["dpi"], extra=data.get("extra") or {})
