"""In-text citations on degraded scans: precision and recall per input form of the seed document.

The seed document (on-trotskyites) is read the way `archive ingest` reads it (ingest.pages.process_page:
real Tesseract with the preprocessing plan() chooses for the page), page by page, in every form the
corpus holds: `hard` JPEG pages 1-8 (the degraded form), held-out synthetic hard pages 9-16 (the clean
PNGs degraded by the corpus README's recipe, bench/preprocess_study.synthetic_hard, so a change is not
fitted to pages 1-8), the clean PNG pages, the scanned image-only PDF, and the born-digital text layer.
The companion documents are read from their primary inputs and scored against the manifest's listed
citations.

Expected citations of the seed are those the finder gives on the ground-truth page text (tests assert
that these are exactly the 95 printed citations); found ones are the in-text citations of the finder
on the OCR text of the pages the form covers (the other pages left empty). A found citation matches
an expected one on the same page when their raw strings (spaces removed, quotes straightened) have a
rapidfuzz ratio >= 85, the measure of tests/test_citations.fuzzy_pr.

OCR text is cached outside the repository (/tmp/archive-bench/citations-hard, keyed by the input file's
SHA-256, the page, and the Tesseract version), so reruns only re-run the finder.

    .venv/bin/python bench/citations_hard.py [--forms hard,synthetic,...] [--label AFTER] [--no-write]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rapidfuzz import fuzz  # noqa: E402

from provenance.citations import find_citations  # noqa: E402
from tests.test_citations import fuzzy_pr, norm_raw  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
CACHE = Path("/tmp/archive-bench/citations-hard")
RESULTS = ROOT / "bench" / "CITATIONS_HARD.md"
SEED = "on-trotskyites"
FORMS = ("hard", "hard-raw", "synthetic", "png-pages", "pdf-image", "pdf-text", "companions")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _ocr_job(job: tuple[str, str, int, str]) -> str:
    """(kind, path, page index, cache key) -> page text, as ingest reads it."""
    kind, path, index, key = job
    seed = int(key.split("-")[1].split("s")[1]) if kind == "synthetic" and "s" in key.split("-")[1] else 1000
    out = CACHE / f"{key}.txt"
    if out.exists():
        return out.read_text(encoding="utf-8")
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    from ingest.pages import PageTask, process_page
    if kind == "raw":   # the plain Tesseract command on the file, no preprocessing (tests/helpers/corpus_text.py)
        from tests.helpers.corpus_text import ocr_file
        text = ocr_file(path)
        CACHE.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        return text
    if kind == "synthetic":
        import tempfile

        from preprocess_study import synthetic_hard
        with tempfile.TemporaryDirectory() as td:
            p = Path(td) / f"page-{index + 1:03d}.jpg"
            synthetic_hard(index + 1, seed).save(p, "JPEG", quality=95, dpi=(200, 200))
            r = process_page(PageTask(source=str(p), path=str(p), kind="image", fmt="jpeg", index=0,
                                      number=index + 1, source_seq=0))
    else:
        fmt = "pdf" if path.endswith(".pdf") else ("png" if path.endswith(".png") else
                                                  "tiff" if path.endswith(".tiff") else "jpeg")
        r = process_page(PageTask(source=path, path=path, kind="pdf" if fmt == "pdf" else "image", fmt=fmt,
                                  index=index, number=index + 1, source_seq=0))
    if r.error:
        raise RuntimeError(r.error)
    CACHE.mkdir(parents=True, exist_ok=True)
    out.write_text(r.text, encoding="utf-8")
    return r.text


def _tesseract_version() -> str:
    import subprocess
    return subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split("\n")[0]


SYNTHETIC = range(9, 17)
SEED_BASE = 1000   # synthetic_hard's noise seed: another value gives another held-out set of the same pages


def _jobs_for(manifest: dict, form: str, doc_id: str = SEED) -> list[tuple[int, tuple[str, str, int, str]]]:
    """(page number, OCR job) for every page the form covers."""
    doc = manifest[doc_id]
    tv = hashlib.sha256(_tesseract_version().encode()).hexdigest()[:8]
    if form == "synthetic":
        return [(n, ("synthetic", "", n - 1,
                     f"synthetic-{n}{'' if SEED_BASE == 1000 else f's{SEED_BASE}'}"
                     f"-{_sha(CORPUS / SEED / 'clean' / f'page-{n:03d}.png')}-{tv}"))
                for n in SYNTHETIC]
    (inp,) = [i for i in doc["inputs"] if i["format"] == form] if not form.startswith("hard") else \
        [i for i in doc["inputs"] if i["level"] == "hard"]
    kind = "raw" if form == "hard-raw" else "file"
    files = [CORPUS / f for f in inp["files"]]
    out = []
    if len(files) == 1 and inp["format"] in ("pdf-image", "tiff-multipage", "pdf-text"):
        sha = _sha(files[0])
        for i, n in enumerate(inp["pages"]):
            out.append((n, ("file", str(files[0]), i, f"{doc_id}-{form}-{n}-{sha}-{tv}")))
    else:
        for n, f in zip(inp["pages"], files):
            out.append((n, (kind, str(f), 0, f"{doc_id}-{form}-{n}-{_sha(f)}-{tv}")))
    return out


def _in_text(pages: list[str]) -> list[tuple[int, str]]:
    return [(c.page, c.raw) for c in find_citations(pages) if c.kind == "in-text"]


def _truth(manifest: dict, doc_id: str) -> list[str]:
    return [(CORPUS / p).read_text(encoding="utf-8") for p in manifest[doc_id]["ground_truth"]["pages"]]


def measure(forms: list[str], jobs: int) -> tuple[list[dict], float]:
    manifest = {d["id"]: d for d in json.loads((CORPUS / "manifest.json").read_text())["documents"]}
    truth = _truth(manifest, SEED)
    expected_all = _in_text(truth)
    rows = []
    plan: list[tuple[str, str, list[tuple[int, tuple]]]] = []
    for form in forms:
        if form == "companions":
            for doc_id, doc in manifest.items():
                if doc_id != SEED and doc["expected"].get("citations") is not None:
                    plan.append((f"{doc_id}:{doc['format']}", doc_id, _jobs_for(manifest, doc["format"], doc_id)))
        else:
            plan.append((form, SEED, _jobs_for(manifest, form)))
    all_jobs = [j for _, _, js in plan for _, j in js]
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as ex:
        texts = dict(zip([j[3] for j in all_jobs], ex.map(_ocr_job, all_jobs)))
    ocr_s = time.perf_counter() - started
    for name, doc_id, js in plan:
        pages = [""] * manifest[doc_id]["page_count"]
        covered = []
        for n, j in js:
            pages[n - 1] = texts[j[3]]
            covered.append(n)
        if doc_id == SEED:
            expected = [e for e in expected_all if e[0] in covered]
        else:
            expected = [(c["page"], c["raw"]) for c in manifest[doc_id]["expected"]["citations"]]
        found = _in_text(pages)
        p, r = fuzzy_pr(expected, found)
        rows.append(dict(form=name, pages=f"{min(covered)}-{max(covered)}" if covered else "-", expected=len(expected),
                         found=len(found), precision=p, recall=r, missed=_unmatched(expected, found),
                         spurious=[f for j, f in enumerate(found) if j not in _matched(expected, found)]))
    gt = _in_text(truth)
    p, r = fuzzy_pr(expected_all, gt)
    rows.insert(0, dict(form="ground truth", pages=f"1-{len(truth)}", expected=len(expected_all), found=len(gt),
                        precision=p, recall=r, missed=[], spurious=[]))
    return rows, ocr_s


def _unmatched(a: list[tuple[int, str]], b: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Items of a left without a partner in b when matched greedily in order, as fuzzy_pr matches."""
    used: set[int] = set()
    out = []
    for page, raw in a:
        best = max(((fuzz.ratio(norm_raw(raw), norm_raw(r)), j) for j, (p, r) in enumerate(b)
                    if p == page and j not in used), default=(0, -1))
        if best[0] >= 85:
            used.add(best[1])
        else:
            out.append((page, raw))
    return out


def _matched(a: list[tuple[int, str]], b: list[tuple[int, str]]) -> set[int]:
    """Indexes of b matched by items of a (greedy, as fuzzy_pr)."""
    used: set[int] = set()
    for page, raw in a:
        best = max(((fuzz.ratio(norm_raw(raw), norm_raw(r)), j) for j, (p, r) in enumerate(b)
                    if p == page and j not in used), default=(0, -1))
        if best[0] >= 85:
            used.add(best[1])
    return used


def table(rows: list[dict]) -> list[str]:
    lines = ["| form | pages | expected | found | precision | recall |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['form']} | {r['pages']} | {r['expected']} | {r['found']} | {r['precision']:.2f} | "
                     f"{r['recall']:.2f} |")
    return lines


def details(rows: list[dict]) -> list[str]:
    out = []
    for r in rows:
        for page, raw in r["missed"]:
            out.append(f"- {r['form']} p{page} missed: `{raw}`")
        for page, raw in r["spurious"]:
            out.append(f"- {r['form']} p{page} spurious or garbled: `{raw}`")
    return out


def write(label: str, rows: list[dict], command: str, ocr_s: float) -> None:
    head = ["# In-text citations on degraded scans", "",
            "Written by `bench/citations_hard.py` (see its docstring for the method). Precision and recall",
            "of in-text citations per input form of on-trotskyites (OCR as `archive ingest` reads the page),",
            "and per companion document against the manifest's listed citations.", ""]
    sections: dict[str, list[str]] = {}
    if RESULTS.exists():
        cur = None
        for line in RESULTS.read_text(encoding="utf-8").splitlines():
            if line.startswith("## "):
                cur = line[3:].strip()
                sections[cur] = []
            elif cur:
                sections[cur].append(line)
    body = ["", f"Command: `{command}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
                f"git {_git_rev()}; OCR {ocr_s:.0f} s, cached after the first run)", ""]
    body += table(rows) + ["", "Unmatched (the expected ones not found, then found ones with no expected partner):", ""]
    body += (details(rows) or ["- none"]) + [""]
    sections[label] = body
    first = ("Summary", "BEFORE", "AFTER")   # a Summary section written by hand is kept, first
    order = [k for k in first if k in sections] + [k for k in sections if k not in first]
    text = head + [line for k in order for line in [f"## {k}"] + sections[k]]
    RESULTS.write_text("\n".join(text).rstrip() + "\n", encoding="utf-8")


def _git_rev() -> str:
    import subprocess
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--forms", default=",".join(FORMS), help=f"comma-separated, of {', '.join(FORMS)}")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--label", default="AFTER")
    ap.add_argument("--synthetic", default="9-16", help="pages degraded for the synthetic form (up to 9-44)")
    ap.add_argument("--seed", type=int, default=1000, help="noise seed of the synthetic pages")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--details", action="store_true", help="print unmatched citations")
    a = ap.parse_args()
    forms = [f for f in a.forms.split(",") if f]
    global SYNTHETIC, SEED_BASE
    SEED_BASE = a.seed
    lo, hi = (int(x) for x in a.synthetic.split("-"))
    SYNTHETIC = range(lo, hi + 1)
    rows, ocr_s = measure(forms, a.jobs)
    print("\n".join(table(rows)))
    if a.details:
        print("\n".join(details(rows)))
    if not a.no_write:
        write(a.label, rows, ".venv/bin/python bench/citations_hard.py " + shlex.join(sys.argv[1:]), ocr_s)


if __name__ == "__main__":
    main()
