"""MinHash signatures and the near-duplicate threshold, on synthetic text and on the corpus."""

from __future__ import annotations

import itertools
import random

import pytest

from provenance.matching.similarity import NEAR_DUPLICATE_THRESHOLD, NUM_PERM, is_near_duplicate, signature, similarity
from tests.helpers.corpus_text import TROT_SAMPLE, ground_truth, ocr_file, ocr_pages, pdf_text_pages

WORDS = ("pamphlet union branch library reading circle strike committee printer press league society paper "
         "collection archive date title author accession loan member meeting handbill bulletin report").split()


def _text(seed: int, n: int = 600) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(n))


def test_signature_is_stable_and_sized():
    t = _text(1)
    assert len(signature(t)) == NUM_PERM
    assert signature(t) == signature(t)
    # signatures are stored, so they must not change between runs, processes or machines: a known value
    assert signature("the workers library a handbook for reading circles")[:3] == (535798157, 647142952, 1670355718)
    # case, punctuation and line breaks do not matter
    assert signature("the workers library a handbook for reading circles") == signature(
        "The Workers' Library: a handbook\nfor reading circles.")


def test_identical_and_unrelated():
    a, b = _text(1), _text(2)
    assert similarity(signature(a), signature(a)) == 1.0
    assert similarity(signature(a), signature(b)) < 0.2
    assert similarity(signature(""), signature(a)) == 0.0
    with pytest.raises(ValueError):
        similarity((1, 2), (1, 2, 3))


def test_estimate_tracks_true_jaccard():
    words = _text(3, 3000).split()
    a = " ".join(words[:2000])
    b = " ".join(words[1000:3000])      # half the text shared
    def shingles(t):
        w = t.split()
        return {" ".join(w[i:i + 3]) for i in range(len(w) - 2)}
    sa, sb = shingles(a), shingles(b)
    true = len(sa & sb) / len(sa | sb)
    assert abs(similarity(signature(a), signature(b)) - true) < 0.12


def test_ocr_like_noise_stays_above_threshold():
    rng = random.Random(5)
    base = _text(4, 2000).split()
    noisy = [w if rng.random() > 0.03 else w[:-1] + "c" for w in base]   # 3% of words garbled
    assert is_near_duplicate(signature(" ".join(base)), signature(" ".join(noisy)))


def test_ground_truth_vs_text_layer_and_different_documents(corpus, manifest):
    gt = {d: signature("\n".join(ground_truth(corpus, doc))) for d, doc in manifest.items()}
    digital = signature("\n".join(pdf_text_pages(str(corpus / "on-trotskyites" / "digital.pdf"))))
    assert similarity(gt["on-trotskyites"], digital) >= 0.9
    for a, b in itertools.combinations(gt, 2):
        assert similarity(gt[a], gt[b]) < NEAR_DUPLICATE_THRESHOLD / 4, (a, b)


@pytest.mark.tesseract
def test_rescans_are_near_duplicates(corpus, manifest):
    """OCR of scanned.pdf pages, OCR of the clean PNGs and the text layer of the same pages are near-duplicates;
    the same OCR against other documents is not."""
    doc = manifest["on-trotskyites"]
    pdf = str(corpus / "on-trotskyites" / "scanned.pdf")
    scanned = ocr_pages([(pdf, p) for p in TROT_SAMPLE])          # cached from the citation tests
    clean_pages = TROT_SAMPLE[:2]
    clean = ocr_pages([(str(corpus / doc["files"][p - 1]), None) for p in clean_pages])
    layer = pdf_text_pages(str(corpus / "on-trotskyites" / "digital.pdf"))
    s_scan = signature("\n".join(scanned))
    s_layer = signature("\n".join(layer[p - 1] for p in TROT_SAMPLE))
    assert similarity(s_scan, s_layer) >= NEAR_DUPLICATE_THRESHOLD + 0.2
    s_clean = signature("\n".join(clean))
    s_scan2 = signature("\n".join(scanned[:2]))
    assert similarity(s_clean, s_scan2) >= NEAR_DUPLICATE_THRESHOLD + 0.2
    for other_id, other in manifest.items():
        if other_id == "on-trotskyites":
            continue
        s_other = signature("\n".join(ground_truth(corpus, other)))
        assert similarity(s_scan, s_other) < NEAR_DUPLICATE_THRESHOLD / 4, other_id
    # different pages of the same document are different texts, not rescans
    s_other_pages = signature("\n".join(layer[p - 1] for p in (5, 9, 12, 17, 33, 41)))
    assert not is_near_duplicate(s_scan, s_other_pages)
    assert ocr_file(pdf, TROT_SAMPLE[0]) == scanned[0]


def test_partial_copy_containment_separates_excerpts_from_other_texts():
    import random

    from provenance.matching import similarity as sim
    rnd = random.Random(7)
    vocab = [f"w{i}" for i in range(3000)]
    whole = " ".join(rnd.choice(vocab) for _ in range(6000))
    excerpt = " ".join(whole.split()[1000:2000])
    other = " ".join(rnd.choice(vocab) for _ in range(1000))
    assert sim.containment(excerpt, whole) == 1.0
    assert sim.containment(other, whole) < 0.05
    sw, se, so = sim.signature(whole), sim.signature(excerpt), sim.signature(other)
    nw, ne, no = sim.shingle_count(whole), sim.shingle_count(excerpt), sim.shingle_count(other)
    assert sim.similarity(se, sw) < sim.NEAR_DUPLICATE_THRESHOLD  # an excerpt is not a duplicate...
    assert sim.is_partial_copy_candidate(se, ne, sw, nw)  # ...but it is a partial copy candidate
    assert not sim.is_partial_copy_candidate(so, no, sw, nw)
