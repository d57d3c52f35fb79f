"""Character and word error rates against ground truth, after the archive's own normalization."""

from __future__ import annotations

from pathlib import Path

from rapidfuzz.distance import Levenshtein

from ingest.normalize import normalize_page


def ground_truth_pages(corpus: Path, doc: dict, pages: list[int]) -> list[str]:
    files = doc["ground_truth"]["pages"]
    return [(corpus / files[n - 1]).read_text(encoding="utf-8") for n in pages]


def error_rates(hypothesis: list[str], reference: list[str]) -> tuple[float, float]:
    """(CER, WER) summed over pages: total edits / total reference length."""
    char_edits = char_total = word_edits = word_total = 0
    for hyp, ref in zip(hypothesis, reference, strict=True):
        h, r = normalize_page(hyp), normalize_page(ref)
        char_edits += Levenshtein.distance(h, r)
        char_total += len(r)
        word_edits += Levenshtein.distance(h.split(), r.split())
        word_total += len(r.split())
    return char_edits / max(char_total, 1), word_edits / max(word_total, 1)
