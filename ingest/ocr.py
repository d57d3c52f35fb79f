"""OCR engines behind one small protocol; Tesseract through its TSV output (text and word confidences)."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from ingest import tools

DEFAULT_PSM = 3  # Tesseract's fully automatic page segmentation


@dataclass(frozen=True)
class OcrText:
    text: str
    confidence: float | None  # mean word confidence 0-100, None when no word was found
    words: int


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


def parse_tsv(tsv: str) -> OcrText:
    """Rebuild Tesseract's plain-text layout from its TSV: words joined by spaces, one line
    per text line, a blank line between paragraphs and blocks; mean of the word confidences."""
    reader = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if not header:
        return OcrText("", None, 0)
    col = {name: i for i, name in enumerate(header)}
    paragraphs: list[list[list[str]]] = []
    last_par = last_line = None
    confs: list[float] = []
    for row in reader:
        if len(row) < len(header) or row[col["level"]] != "5":
            continue
        word = row[col["text"]]
        if not word.strip():
            continue
        conf = float(row[col["conf"]])
        if conf >= 0:
            confs.append(conf)
        par = (row[col["page_num"]], row[col["block_num"]], row[col["par_num"]])
        line = par + (row[col["line_num"]],)
        if par != last_par:
            paragraphs.append([])
            last_par = par
            last_line = None
        if line != last_line:
            paragraphs[-1].append([])
            last_line = line
        paragraphs[-1][-1].append(word)
    text = "\n\n".join("\n".join(" ".join(words) for words in lines) for lines in paragraphs)
    mean = round(sum(confs) / len(confs), 2) if confs else None
    return OcrText(text, mean, len(confs))
