"""Peak memory of `archive ingest` against page count: image-only PDFs of 50, 200 and 500 pages
made from a few corpus scans, each ingested into a fresh SQLite database.

    .venv/bin/python bench/memory_bench.py --pages 50,200,500 --jobs 2

Prints a table; bench/ocr_bench.py --memory runs the same and puts it in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.proctree import measure  # noqa: E402
from testkit.pdfwrite import write_image_pdf  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
ARCHIVE = str(ROOT / ".venv" / "bin" / "archive")


def source_scans(work: Path) -> list[Path]:
    """A few 300 dpi scanned pages: the first three of on-trotskyites/scanned.pdf (their JPEG
    streams as files) and the three undated-and-unsigned JPEGs."""
    from pypdf import PdfReader
    out = work / "scans"
    out.mkdir(parents=True, exist_ok=True)
    reader = PdfReader(str(CORPUS / "on-trotskyites" / "scanned.pdf"))
    scans = []
    for i in range(3):
        xo = next(iter(reader.pages[i]["/Resources"]["/XObject"].values())).get_object()
        target = out / f"trotskyites-{i + 1:03d}.jpg"
        target.write_bytes(xo._data)  # DCTDecode: the stream is the JPEG file
        scans.append(target)
    scans += sorted((CORPUS / "undated-and-unsigned" / "scanned").glob("page-*.jpg"))
    return scans


def make_pdf(work: Path, pages: int) -> Path:
    target = work / f"scan-{pages}-pages.pdf"
    if not target.exists():
        scans = source_scans(work)
        write_image_pdf([scans[i % len(scans)] for i in range(pages)], target)
    return target


def run_memory(work: Path, counts: list[int], jobs: int) -> list[dict]:
    """Ingest each PDF once, fresh database each time; peak RSS per process role."""
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in counts:
        pdf = make_pdf(work, n)
        db = work / f"memory-{n}.db"
        db.unlink(missing_ok=True)
        m = measure([ARCHIVE, "--db", f"sqlite:///{db}", "ingest", "--jobs", str(jobs), "--json", str(pdf)])
        ok = m.returncode == 0 and json.loads(m.stdout)["ingested"]
        rows.append({"pages": n, "pdf_mib": round(pdf.stat().st_size / 2**20, 1), "ok": bool(ok),
                     "wall_s": round(m.wall_s, 1), "cpu_s": round(m.cpu_s, 1),
                     "pages_per_min": round(n / m.wall_s * 60, 1),
                     "parent_mib": m.peak_mib("parent"), "worker_mib": m.peak_mib("worker"),
                     "parent_ocr_mib": round(m.parent_phase_kib.get("with workers", 0) / 1024, 1),
                     "parent_after_mib": round(m.parent_phase_kib.get("after workers", 0) / 1024, 1),
                     "tesseract_mib": m.peak_mib("tesseract"), "pdftoppm_mib": m.peak_mib("pdftoppm"),
                     "tree_mib": round(m.tree_peak_kib / 1024, 1)})
        print(json.dumps(rows[-1]), file=sys.stderr)
    return rows


def table(rows: list[dict]) -> str:
    out = io.StringIO()
    out.write("| pages | PDF MiB | wall s | pages/min | parent peak MiB | parent, OCR stage | parent, provenance "
              "stage | worker peak MiB (largest) | tesseract command peak MiB | whole tree peak MiB |\n"
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    for r in rows:
        out.write(f"| {r['pages']} | {r['pdf_mib']} | {r['wall_s']} | {r['pages_per_min']} | {r['parent_mib']} "
                  f"| {r.get('parent_ocr_mib', 'n/a')} | {r.get('parent_after_mib', 'n/a')} "
                  f"| {r['worker_mib']} | {r['tesseract_mib'] or '—'} | {r['tree_mib']} |\n")
    return out.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", default="50,200,500", help="page counts, comma-separated")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path("/tmp/archive-bench/memory"))
    args = ap.parse_args()
    print(table(run_memory(args.work, [int(x) for x in args.pages.split(",")], args.jobs)))


if __name__ == "__main__":
    main()
