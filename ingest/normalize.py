"""Document text normalization, and the text hash that makes two scans of one text comparable.

The rules (also in the README):
1. Unicode NFC; ligatures (ﬁ, ﬂ, ...) spelled out; curly quotes and apostrophes made straight;
   soft hyphens removed.
2. On each page, a line that holds only a page number ("12", "- 12 -", "Page 12", "xiv")
   among the first two or last two non-blank lines is dropped.
3. A word hyphenated across a line end is rejoined when the next line starts in lower case
   ("organi-\\nzation" -> "organization").
4. Every run of whitespace, line and page breaks included, becomes one space; the pages are
   joined in order.
`text_sha256` is the SHA-256 of that text in UTF-8.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Iterable

_TRANSLATE = str.maketrans({
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ad": None,
})
_PAGE_NUMBER = re.compile(
    r"^\s*(?:page\s+)?[-–—]?\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*[-–—]?\s*$", re.IGNORECASE)
_HYPHEN_BREAK = re.compile(r"(\w)[-‐]\s*\n\s*(?=[a-zà-ÿ])")
_SPACE = re.compile(r"\s+")


def clean_chars(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_TRANSLATE)


def drop_page_numbers(page_text: str) -> str:
    lines = page_text.split("\n")
    content = [i for i, line in enumerate(lines) if line.strip()]
    edge = set(content[:2] + content[-2:])
    return "\n".join(line for i, line in enumerate(lines)
                     if not (i in edge and _PAGE_NUMBER.match(line) and len(content) > 1))


def normalize_page(page_text: str) -> str:
    text = drop_page_numbers(clean_chars(page_text))
    text = _HYPHEN_BREAK.sub(r"\1", text)
    return _SPACE.sub(" ", text).strip()


def normalize_document(pages: Iterable[str]) -> str:
    return " ".join(p for p in (normalize_page(t) for t in pages) if p)


def text_sha256(normalized: str) -> str:
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()
