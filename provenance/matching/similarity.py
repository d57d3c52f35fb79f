"""Near-duplicate detection (rescans, other copies of one text) by MinHash over word shingles."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

import numpy as np

NUM_PERM = 128        # standard error of the Jaccard estimate sqrt(J(1-J)/128): 0.044 at J=0.5, less near 0 and 1
SHINGLE = 3           # words per shingle: long enough to ignore shared vocabulary, short enough for OCR slips

# Measured on the shared corpus (../shared/corpus; whole documents, this module's signature(), 128 x 3-word):
#   the same text by another route -- on-trotskyites, 45 pages: ground truth vs digital.pdf text layer 1.00,
#     vs clean-PNG OCR 1.00, vs scanned.pdf OCR 0.98; text layer vs scanned OCR 0.98; clean OCR vs scanned
#     OCR 0.98; pages 1-8 of the 'hard' JPEGs (200 dpi, heavy noise) vs the same pages' text layer 0.77
#     (exact Jaccard 0.76); each companion's OCR (clean PNG, G4 TIFF, scanned PDF, scanned JPEG) or text
#     layer vs its ground truth 0.97-1.00;
#   different documents -- all pairs of the 6 documents, ground truth and OCR forms mixed: 0.00-0.08
#     (the highest between two papers that quote and describe the same sources).
# The gap runs from 0.08 to 0.77; 0.5 sits inside it with room on both sides (the estimate's standard
# error is <= 0.045): a heavily degraded rescan still matches, and documents that share quotations or a
# subject do not. An excerpt (pages 1-8 of the 45) scores 0.19 against the whole: not a duplicate.
NEAR_DUPLICATE_THRESHOLD = 0.5

_EMPTY = (1 << 32) - 1


def _param(kind: str, i: int) -> int:
    # parameters from a fixed hash, not a random generator, so signatures stored in the archive stay
    # comparable across runs, machines and numpy versions
    return int.from_bytes(hashlib.blake2b(f"minhash-{kind}-{i}".encode(), digest_size=8).digest(), "little")


# multiply-shift hashing, h(x) = ((a*x + b) mod 2^64) >> 32 with odd a: a universal family that numpy's
# wrapping uint64 arithmetic computes exactly
_A = np.array([_param("a", i) | 1 for i in range(NUM_PERM)], dtype=np.uint64)
_B = np.array([_param("b", i) for i in range(NUM_PERM)], dtype=np.uint64)


def normalize(text: str) -> list[str]:
    """Words of the text: accents stripped, lower-cased, soft hyphens at line ends rejoined, punctuation gone."""
    text = re.sub(r"(?<=[a-z])-\s*\n\s*(?=[a-z])", "", text)
    if not text.isascii():  # ASCII has nothing to decompose
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold()
    # page numbers and other bare numbers differ between renderings (running heads, OCR of digits)
    return [w for w in re.findall(r"[a-z0-9]+", text) if not w.isdigit()]


def _grams(words: Sequence[str]) -> list[str]:
    if len(words) < SHINGLE:
        return [" ".join(words)] if words else []
    return [" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]


def _hash(gram: str) -> int:
    # a stable 64-bit hash (Python's hash() is salted per process)
    return int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "little")


def _shingle_hashes(words: Sequence[str]) -> np.ndarray:
    vals = {_hash(g) for g in _grams(words)}
    return np.fromiter(vals, dtype=np.uint64, count=len(vals))


def signature(text: str) -> tuple[int, ...]:
    """MinHash signature (NUM_PERM values) of the text's word shingles."""
    return _minhash(_shingle_hashes(normalize(text)))


def _minhash(h: np.ndarray) -> tuple[int, ...]:
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


# A shorter text whose shingles lie mostly inside a longer one is a partial copy of it (an excerpt,
# a rescan of some of the pages): pages 1-8 of the hard-level rescan of on-trotskyites lie 0.86
# inside its 45-page text layer, while the corpus's different documents share under 0.1 of their
# shingles. The MinHash estimate picks candidates; the exact containment decides.
PARTIAL_COPY_THRESHOLD = 0.6
_CANDIDATE_CONTAINMENT = 0.35


def shingle_count(text: str) -> int:
    return int(_shingle_hashes(normalize(text)).size)


def estimated_containment(sig_a: Sequence[int], n_a: int, sig_b: Sequence[int], n_b: int) -> float:
    """Estimated share of A's shingles found in B, from the Jaccard estimate and the set sizes."""
    if n_a == 0:
        return 0.0
    j = similarity(sig_a, sig_b)
    return min(1.0, j / (1 + j) * (n_a + n_b) / n_a)


def containment(text_a: str, text_b: str) -> float:
    """Exact share of A's word shingles that occur in B."""
    a = set(_shingle_hashes(normalize(text_a)).tolist())
    if not a:
        return 0.0
    b = set(_shingle_hashes(normalize(text_b)).tolist())
    return len(a & b) / len(a)


def is_partial_copy_candidate(sig_a: Sequence[int], n_a: int, sig_b: Sequence[int], n_b: int) -> bool:
    return n_a < n_b and estimated_containment(sig_a, n_a, sig_b, n_b) >= _CANDIDATE_CONTAINMENT


# --- keys for retrieval by index (provenance.matching.duplicates) -------------------------------------------------
# Two documents are compared only if they share a key; the comparison itself (above) is unchanged.
# - LSH bands of the signature: 42 bands of 3 values. A pair at the near-duplicate threshold (J = 0.5)
#   shares a band with probability 1 - (1 - 0.5^3)^42 = 0.996, at J = 0.6 0.99996; unrelated texts
#   (J <= 0.08 on the corpus) with probability <= 0.02.
# - Sampled shingles: every shingle whose hash is 0 mod 8, leaving out shingles of stopwords alone. A
#   partial copy lies mostly inside the longer text, so it shares most of its sampled shingles with it
#   even where the Jaccard similarity of the two is low (pages 1-8 of 45: J = 0.19).
BAND_ROWS = 3
BANDS = NUM_PERM // BAND_ROWS
SAMPLE_MOD = 8
_STOP = frozenset("the a an and of to in on at by for with from or as is are was were be it its this that "
                  "which who not but have has had their they we our he she his her them".split())


@dataclass(frozen=True)
class TextKeys:
    signature: tuple[int, ...]
    shingles: int             # how many distinct shingles the text has
    bands: tuple[str, ...]    # 'b<band>:<digest>'
    samples: tuple[str, ...]  # 's:<shingle hash>'


def text_keys(text: str) -> TextKeys:
    """Signature, shingle count and retrieval keys of a text, normalizing and hashing it once."""
    grams = _grams(normalize(text))
    hashes: set[int] = set()
    samples: set[int] = set()
    for g in grams:
        h = _hash(g)
        hashes.add(h)
        if h % SAMPLE_MOD == 0 and not all(w in _STOP for w in g.split()):
            samples.add(h)
    sig = _minhash(np.fromiter(hashes, dtype=np.uint64, count=len(hashes)))
    return TextKeys(sig, len(hashes), band_keys(sig), tuple(f"s:{h:016x}" for h in sorted(samples)))


def band_keys(sig: Sequence[int]) -> tuple[str, ...]:
    """The signature's LSH band keys; none for an empty text."""
    if all(x == _EMPTY for x in sig):
        return ()
    return tuple(f"b{b}:" + hashlib.blake2b(",".join(map(str, sig[b * BAND_ROWS:(b + 1) * BAND_ROWS])).encode(),
                                           digest_size=8).hexdigest() for b in range(BANDS))
