"""How each line of a page's text was set, from the page's stored layout: type size, bold, box, OCR confidence.

The page text and its layout come from one reading of the page, but not always with the same line
breaks (a PDF text layer's text is pypdf's, its layout lines are runs grouped by baseline; two
columns set side by side are one layout line), so lines are matched by their words: the two word
sequences are aligned (difflib), and each text line takes the type of the layout lines its words
fell on. A text line whose words mostly found no partner has no type; everything here then reads as
if there were no layout.

Sizes are in the layout's unit (a text layer's points; an OCR line's box height in pixels, which
follows the type size, a line in capitals alone scaled up to what its type would fill in upper and
lower case); only their ratios to the page's body size are used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from statistics import median
from typing import Optional, Sequence

from archive.store.layout import Box, Layout, union
from provenance.text import Line, fold


@dataclass(frozen=True)
class LineType:
    """How one text line was set."""

    size: float
    bold: Optional[bool]
    box: Box
    confidence: Optional[float]      # mean OCR word confidence (0-100); None for a text layer


@dataclass(frozen=True)
class PageType:
    """The type of a page's text lines (by line index) and the size of its running text."""

    lines: dict[int, LineType]
    body_size: float
    unit: str
    words: tuple[tuple[int, int, Box], ...] = ()     # (start, end) of each matched word in the page text, its box

    def box(self, start: int, end: int) -> Optional[Box]:
        """Where a span of the page text is printed: the union of its words' boxes (None if none matched)."""
        boxes = [b for s, e, b in self.words if s < end and e > start]
        return union(boxes) if boxes else None

    def size(self, index: int) -> Optional[float]:
        t = self.lines.get(index)
        return t.size if t is not None else None

    def ratio(self, index: int) -> Optional[float]:
        """The line's type size over the body's: 1.0 for running text, 2.0 for type twice as large."""
        t = self.lines.get(index)
        return t.size / self.body_size if t is not None and self.body_size > 0 else None


_NOT_WORD = re.compile(r"[^\w]")
_CAPS_ONLY = re.compile(r"[^a-z]*[A-Z][^a-z]*[A-Z][^a-z]*")
_CAPS_HEIGHT = 1.25


@lru_cache(maxsize=65536)
def _key(word: str) -> str:
    # A word's letters and digits, folded; a speck of punctuation (OCR of rules and dirt) as it is, so
    # that a line read as specks still finds its place, and its size, in the layout.
    return _NOT_WORD.sub("", fold(word, ascii_as_is=True)) or word


def page_type(lines: Sequence[Line], layout: Optional[Layout]) -> Optional[PageType]:
    """Each text line's type on this page, or None when the layout is missing or does not fit the text."""
    if layout is None or not layout.lines:
        return None
    lay_words = [(k, li, w) for li, ln in enumerate(layout.lines) for w in ln.words if (k := _key(w.text))]
    txt_words = [(k, ln.index, ln.start + m.start(), ln.start + m.end())
                 for ln in lines for m in re.finditer(r"\S+", ln.text) if (k := _key(m.group()))]
    if not lay_words or not txt_words:
        return None
    a_keys, b_keys = [k for k, _, _ in lay_words], [k for k, *_ in txt_words]
    # An OCR'd page's text is its layout's text: the same words in the same order, matched one to one.
    blocks = [(0, 0, len(a_keys))] if a_keys == b_keys else \
        SequenceMatcher(None, a_keys, b_keys, autojunk=False).get_matching_blocks()
    hits: dict[int, list[tuple[int, object]]] = {}
    spans: list[tuple[int, int, Box]] = []
    for a, b, n in blocks:
        for j in range(n):
            _, li, w = lay_words[a + j]
            _, idx, s, e = txt_words[b + j]
            hits.setdefault(idx, []).append((li, w))
            spans.append((s, e, w.box))
    if sum(len(v) for v in hits.values()) < 0.5 * len(txt_words):
        return None                       # not the same reading: say nothing rather than guess
    counts: dict[int, int] = {}
    for _, idx, _, _ in txt_words:
        counts[idx] = counts.get(idx, 0) + 1
    out: dict[int, LineType] = {}
    for idx, got in hits.items():
        if len(got) < 0.5 * counts[idx]:
            continue
        lay_lines = [layout.lines[li] for li, _ in got]
        sizes = [ln.size for ln in lay_lines if ln.size]
        if not sizes:
            continue
        bolds = [ln.bold for ln in lay_lines if ln.bold is not None]
        confs = [w.confidence for _, w in got if w.confidence is not None and w.confidence >= 0]
        size = float(median(sizes))
        if layout.unit == "px" and _CAPS_ONLY.fullmatch(" ".join(str(w.text) for _, w in got)):
            # An OCR line's box is as tall as its letters reach: capitals stand about three quarters
            # of the ascender-to-descender height that a line of upper and lower case fills.
            size *= _CAPS_HEIGHT
        out[idx] = LineType(size=size, bold=(sum(bolds) > len(bolds) / 2) if bolds else None,
                            box=union([w.box for _, w in got]),
                            confidence=sum(confs) / len(confs) if confs else None)
    if not out:
        return None
    # The running text's size: the median size of the page's characters (most of them are the text's).
    sized = sorted((out[ln.index].size, len(ln.text)) for ln in lines if ln.index in out)
    half, seen, body = sum(n for _, n in sized) / 2, 0, sized[-1][0]
    for size, n in sized:
        seen += n
        if seen >= half:
            body = size
            break
    return PageType(out, body, layout.unit, tuple(spans))
