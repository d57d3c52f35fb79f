"""Benchmark: PDF/A access copies of the 45-page seed scan against OCRmyPDF, and peak memory on a
long generated document. Writes bench/ACCESS_PDF.md (unless --no-write).

    .venv/bin/pip install ocrmypdf          # baseline only (not a project dependency); needs ghostscript
    .venv/bin/python bench/access_pdf_bench.py --jobs 2
    .venv/bin/python bench/access_pdf_bench.py --long-pages 200 --skip-ocrmypdf --json

The scan is ingested first (OCR, not timed); then `archive export --format pdf` is timed against
`ocrmypdf --output-type pdfa --skip-text` and `--force-ocr` on the same PDF with the same --jobs.
Each run is a child process under /usr/bin/time -v, which reports its peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SEED = ROOT.parent / "shared" / "corpus" / "on-trotskyites" / "scanned.pdf"
ARCHIVE = ROOT / ".venv" / "bin" / "archive"
OCRMYPDF = ROOT / ".venv" / "bin" / "ocrmypdf"


def timed(cmd: list[str], env: dict | None = None) -> dict:
    """Run `cmd` under /usr/bin/time -v: wall seconds and peak RSS (MB)."""
    started = time.perf_counter()
    run = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"failed ({run.returncode}): {' '.join(cmd)}\n{run.stderr[-2000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(int(rss.group(1)) / 1024, 1) if rss else None}


def seed_benchmark(tmp: Path, jobs: int, skip_ocrmypdf: bool) -> dict:
    db = f"sqlite:///{tmp / 'seed.db'}"
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    print(f"ingesting {SEED} (OCR, not timed) ...", file=sys.stderr)
    subprocess.run([str(ARCHIVE), "--db", db, "-q", "ingest", "-j", str(jobs), str(SEED)], check=True, env=env)
    ours = timed([str(ARCHIVE), "--db", db, "-q", "export", "--format", "pdf", "-o", str(tmp / "ours")], env)
    (copy,) = (tmp / "ours" / "access").glob("doc-*.pdf")
    ours["bytes"] = copy.stat().st_size
    result = {"source": str(SEED.relative_to(ROOT.parent)), "source_bytes": SEED.stat().st_size, "jobs": jobs,
              "archive export --format pdf": ours}
    if not skip_ocrmypdf:
        if not OCRMYPDF.exists():
            raise SystemExit(f"{OCRMYPDF} is missing: .venv/bin/pip install ocrmypdf (needs ghostscript)")
        # Debian 12's Ghostscript 10.0.0 makes OCRmyPDF refuse --skip-text with a PDF/A output
        # (it corrupts existing text); --skip-text runs with --output-type pdf instead, and says so.
        for mode, kind in (("--skip-text", "pdf"), ("--force-ocr", "pdfa-2")):
            out = tmp / f"ocrmypdf{mode}.pdf"
            print(f"ocrmypdf {mode} --output-type {kind} ...", file=sys.stderr)
            r = timed([str(OCRMYPDF), "-q", "--output-type", kind, mode, "--jobs", str(jobs),
                       str(SEED), str(out)], env)
            r["bytes"] = out.stat().st_size
            result[f"ocrmypdf {mode} --output-type {kind}"] = r
    return result


def long_document(tmp: Path, pages: int) -> dict:
    """A generated document of `pages` JPEG pages with a synthetic layout each (rows inserted
    directly: OCR of hundreds of pages is not what is measured), exported under /usr/bin/time."""
    from PIL import Image, ImageDraw
    from sqlalchemy import insert
    from sqlmodel import Session

    from archive.store import layout as lay
    from archive.store import models
    from archive.store.db import make_engine

    folder = tmp / "long"
    folder.mkdir()
    files = []
    for i in range(pages):  # distinct files so no cache hides the cost of reading each
        im = Image.new("L", (2550, 3300), 255)
        d = ImageDraw.Draw(im)
        for row in range(40):
            d.text((200, 200 + row * 70), f"page {i + 1} line {row + 1} " * 6, fill=0)
        path = folder / f"p{i:04d}.jpg"
        im.save(path, quality=85, dpi=(300, 300))
        files.append(path)
    db = f"sqlite:///{tmp / 'long.db'}"
    engine = make_engine(db)
    words = tuple(lay.Word(f"w{j}", (200 + j * 100, 200, 290 + j * 100, 240), 95.0) for j in range(20))
    lines = tuple(lay.Line(words=words, box=(200, 200 + r * 70, 2290, 240 + r * 70)) for r in range(1))
    blob = lay.encode(lay.Layout(width=2550, height=3300, unit="px", source="tesseract", lines=lines, dpi=300.0))
    text = " ".join(w.text for w in words)
    with Session(engine) as s:
        doc = models.Document(fingerprint=f"long-{pages}", label="long", page_count=pages, text=text, title="Long")
        s.add(doc)
        s.commit()
        for i, path in enumerate(files):
            src = models.SourceFile(document_id=doc.id, sequence=i, path=str(path), size=path.stat().st_size,
                                    sha256=f"{i:064x}", format="jpeg")
            s.add(src)
            s.flush()
            page = models.Page(document_id=doc.id, number=i + 1, source_file_id=src.id, method="ocr",
                               width=2550, height=3300, dpi=300.0, text=text)
            s.add(page)
            s.flush()
            s.exec(insert(models.PageLayout).values(page_id=page.id, version=lay.LAYOUT_VERSION,
                                                    source="tesseract", data=blob))
        s.commit()
    engine.dispose()
    r = timed([str(ARCHIVE), "--db", db, "-q", "export", "--format", "pdf", "-o", str(tmp / "long-out")])
    (copy,) = (tmp / "long-out" / "access").glob("doc-*.pdf")
    r.update(pages=pages, bytes=copy.stat().st_size, source_bytes=sum(f.stat().st_size for f in files))
    return r


def markdown(res: dict, command: str) -> str:
    seed = res.get("seed")
    lines = ["# Access copies (PDF/A-2b) benchmark", "",
             f"Command: `{command}`", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared with other work), "
             f"Python {platform.python_version()}.", ""]
    if seed:
        lines += [f"## The 45-page seed scan ({seed['source']}, {seed['source_bytes']:,} bytes), "
                  f"{seed['jobs']} jobs", "",
                  "Ingest (OCR) ran first and is not timed: the access copy reuses its layouts.", "",
                  "| tool | seconds | peak RSS (MB) | output bytes | vs source |",
                  "| --- | ---: | ---: | ---: | ---: |"]
        for name, r in seed.items():
            if isinstance(r, dict):
                lines.append(f"| `{name}` | {r['seconds']} | {r['peak_rss_mb']} | {r['bytes']:,} | "
                             f"{r['bytes'] / seed['source_bytes']:.2f}x |")
        lines.append("")
    if "long" in res:
        r = res["long"]
        lines += [f"## Memory on a generated {r['pages']}-page document", "",
                  f"{r['pages']} JPEG pages of 2550x3300 px ({r['source_bytes']:,} bytes of JPEG): the copy "
                  f"took {r['seconds']} s, peak RSS {r['peak_rss_mb']} MB, {r['bytes']:,} bytes.", ""]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--skip-ocrmypdf", action="store_true")
    ap.add_argument("--skip-seed", action="store_true")
    ap.add_argument("--long-pages", type=int, default=0, help="also measure a generated document this long")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    res: dict = {}
    with tempfile.TemporaryDirectory(prefix="access-bench-") as t:
        tmp = Path(t)
        if not args.skip_seed:
            res["seed"] = seed_benchmark(tmp, args.jobs, args.skip_ocrmypdf)
        if args.long_pages:
            res["long"] = long_document(tmp, args.long_pages)
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        print(markdown(res, "bench/access_pdf_bench.py " + " ".join(sys.argv[1:])))
    if not args.no_write:
        (ROOT / "bench" / "ACCESS_PDF.md").write_text(markdown(res, ".venv/bin/python bench/access_pdf_bench.py "
                                                               + " ".join(sys.argv[1:])))


if __name__ == "__main__":
    main()
