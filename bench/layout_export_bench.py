"""Peak memory and time of `archive export --format hocr|alto|mets` against a document's length:
one real OCR'd page (phototest.tif, real Tesseract) copied into documents of N pages, each in a
fresh SQLite database, so only the page count changes.

    .venv/bin/python bench/layout_export_bench.py --pages 10,1000

Flat memory across N is what streaming page by page buys (reports/pagestream.py).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlmodel import Session, select  # noqa: E402

from archive.store.db import make_engine  # noqa: E402
from archive.store.models import Document, Page, PageLayout  # noqa: E402

ARCHIVE = str(ROOT / ".venv" / "bin" / "archive")
IMAGE = ROOT.parent / "shared" / "realworld" / "tesseract" / "phototest.tif"


def make_db(work: Path, pages: int) -> str:
    url = f"sqlite:///{work / 'a.db'}"
    subprocess.run([ARCHIVE, "-q", "--db", url, "ingest", "-j1", str(IMAGE)], check=True)
    engine = make_engine(url)
    with Session(engine) as s:
        page = s.exec(select(Page)).one()
        lay = s.get(PageLayout, page.id)
        fields = page.model_dump(exclude={"id", "number"})
        for n in range(2, pages + 1):
            p = Page(number=n, **fields)
            s.add(p)
            s.flush()
            s.add(PageLayout(page_id=p.id, version=lay.version, source=lay.source, data=lay.data))
        doc = s.get(Document, page.document_id)
        doc.page_count = pages
        s.add(doc)
        s.commit()
    engine.dispose()
    return url


def measure(url: str, fmt: str, out: Path) -> tuple[float, int]:
    res = subprocess.run(["/usr/bin/time", "-f", "%e %M", ARCHIVE, "-q", "--db", url, "export", "--format", fmt,
                          "-o", str(out)], check=True, capture_output=True, text=True)
    seconds, kb = res.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kb)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", default="10,1000")
    args = ap.parse_args()
    print("| pages | format | seconds | peak RSS (MB) |\n| --- | --- | --- | --- |")
    for n in [int(x) for x in args.pages.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            url = make_db(work, n)
            for fmt in ("hocr", "alto", "mets"):
                seconds, kb = measure(url, fmt, work / "out")
                print(f"| {n} | {fmt} | {seconds:.2f} | {kb / 1024:.0f} |", flush=True)


if __name__ == "__main__":
    main()
