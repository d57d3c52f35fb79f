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


def report(db_url: str, corpus: Path) -> list[dict]:
    """CER and WER of every corpus document held in the database at `db_url`."""
    import json

    from sqlmodel import Session

    from archive.store import reads
    from archive.store.db import make_engine

    manifest = {d["id"]: d for d in json.loads((corpus / "manifest.json").read_text())["documents"]}
    rows = []
    engine = make_engine(db_url, create=False)
    with Session(engine) as s:
        for doc in reads.list_documents(s):
            src = reads.source_files(s, doc.id)[0]
            try:
                cid = Path(src.path).resolve().relative_to(corpus.resolve()).parts[0]
            except ValueError:
                continue
            inp = next(i for i in manifest[cid]["inputs"]
                       if any((corpus / f).resolve() == Path(src.path).resolve() for f in i["files"]))
            pages = reads.pages(s, doc.id)
            cer, wer = error_rates([p.text for p in pages], ground_truth_pages(corpus, manifest[cid], inp["pages"]))
            rows.append({"document": cid, "format": inp["format"], "level": inp["level"], "pages": len(pages),
                         "cer": cer, "wer": wer, "mean_confidence": doc.mean_confidence})
    return rows


if __name__ == "__main__":
    import sys
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    for r in report(sys.argv[1], Path(sys.argv[2]) if len(sys.argv) > 2 else root.parent / "shared" / "corpus"):
        print(f"{r['document']:30} {r['format']:15} {str(r['level']):8} pages={r['pages']:3} "
              f"CER={r['cer'] * 100:.2f}% WER={r['wer'] * 100:.2f}% confidence={r['mean_confidence']}")
