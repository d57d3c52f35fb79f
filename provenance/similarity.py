"""Near-duplicate detection (rescans, other copies of one text) by MinHash over word shingles."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Sequence

import numpy as np

NUM_PERM = 128        # standard error of the Jaccard estimate ~ 1/sqrt(128) ~ 0.09 at J=0.5, less near 0 and 1
SHINGLE = 3           # words per shingle: long enough to ignore shared vocabulary, short enough for OCR slips

# Measured on /work/shared/corpus (whole texts, this module's signature()):
#   on-trotskyites, the same text by different routes (45 pages each):
#     ground truth vs digital.pdf text layer 0.99, vs clean-PNG OCR 0.95, vs scanned.pdf OCR 0.93;
#     digital.pdf text vs clean-PNG OCR 0.95, vs scanned.pdf OCR 0.91; clean OCR vs scanned OCR 0.92.
#     A 6-page sample (pages 1-6): scanned OCR vs digital text 0.87-0.92.
#   different documents (ground truth, all 15 pairs of the 6 documents): 0.00 - 0.02.
# The gap is 0.02 .. 0.87; a threshold of 0.5 sits well inside it, tolerates a heavily degraded scan (hard
# JPEG OCR of pages 1-8 vs their digital text: 0.70) and still rejects texts that merely share quotations.
NEAR_DUPLICATE_THRESHOLD = 0.5

_EMPTY = (1 << 32) - 1
_rng = np.random.default_rng(20240611)   # fixed seed: signatures must be comparable across runs and machines
# multiply-shift hashing, h(x) = ((a*x + b) mod 2^64) >> 32 with odd a: a universal family that numpy's
# wrapping uint64 arithmetic computes exactly
_A = _rng.integers(0, 1 << 63, size=NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _rng.integers(0, 1 << 63, size=NUM_PERM, dtype=np.uint64)


def normalize(text: str) -> list[str]:
    """Words of the text: accents stripped, lower-cased, soft hyphens at line ends rejoined, punctuation gone."""
    text = re.sub(r"(?<=[a-z])-\s*\n\s*(?=[a-z])", "", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    # page numbers and other bare numbers differ between renderings (running heads, OCR of digits)
    return [w for w in re.findall(r"[a-z0-9]+", text) if not w.isdigit()]


def _shingle_hashes(words: Sequence[str]) -> np.ndarray:
    if len(words) < SHINGLE:
        grams = [" ".join(words)] if words else []
    else:
        grams = [" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]
    # a stable 64-bit hash (Python's hash() is salted per process)
    vals = {int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little") for g in grams}
    return np.fromiter(vals, dtype=np.uint64, count=len(vals))


def signature(text: str) -> tuple[int, ...]:
    """MinHash signature (NUM_PERM values) of the text's word shingles."""
    h = _shingle_hashes(normalize(text))
    if h.size == 0:
        return tuple([_EMPTY] * NUM_PERM)
    with np.errstate(over="ignore"):
        mins = np.full(NUM_PERM, _EMPTY, dtype=np.uint64)
        for chunk in range(0, h.size, 4096):   # bounded memory for long documents
            part = h[chunk:chunk + 4096]
            vals = (_A[:, None] * part[None, :] + _B[:, None]) >> np.uint64(32)
            mins = np.minimum(mins, vals.min(axis=1))
    return tuple(int(x) for x in mins)


def similarity(sig_a: Sequence[int], sig_b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    if len(sig_a) != len(sig_b) or not sig_a:
        raise ValueError("signatures must have the same non-zero length")
    empty = _EMPTY
    if all(x == empty for x in sig_a) or all(x == empty for x in sig_b):
        return 1.0 if tuple(sig_a) == tuple(sig_b) else 0.0
    same = sum(1 for x, y in zip(sig_a, sig_b) if x == y)
    return same / len(sig_a)


def is_near_duplicate(sig_a: Sequence[int], sig_b: Sequence[int]) -> bool:
    """True when two signatures come from the same text (a rescan, another copy, another rendering)."""
    return similarity(sig_a, sig_b) >= NEAR_DUPLICATE_THRESHOLD
