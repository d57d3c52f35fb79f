"""What orientation detection costs pages that are fine, and whether turned pages read as well.

    .venv/bin/python bench/orientation_bench.py              # all 51 corpus scan pages (~10 min, 1 core)
    .venv/bin/python bench/orientation_bench.py --pages 6 --json

Not a test. On every corpus scan page (../shared/corpus/*/scanned*: on-trotskyites/scanned.pdf,
paper-trails/scanned.pdf, undated-and-unsigned/scanned/*.jpg) it times, in this one process with
libtesseract, CPU seconds:
  - the page through ingest.pages.process_page as shipped (OSD only after a poor or sideways reading);
  - the same with orientation checking switched off (the engine without `orientation`);
  - OSD alone on the page image (what "OSD on every page" would add), at full and half size.
The two process_page runs swap order page by page, after a warm-up, so neither pays model loading
and load from other work falls on both.
Then it turns the undated-and-unsigned pages by 90, 180 and 270 degrees and compares their CER
(testkit/textmetrics.error_rates against the ground truth) with the upright page's.
Writes bench/ORIENTATION.md unless --no-write.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pypdf  # noqa: E402
from PIL import Image  # noqa: E402

from archive.store import layout  # noqa: E402
from ingest import images, orientation, tools  # noqa: E402
from ingest.ocr import TesseractEngine  # noqa: E402
from ingest.pages import PageTask, process_page  # noqa: E402
from testkit.textmetrics import error_rates  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


class _NoOrientation(TesseractEngine):
    orientation = None  # process_page then never asks OSD: the code before orientation detection


def _tasks(limit: int | None) -> list[tuple[PageTask, Path]]:
    """(task, ground-truth file) for each corpus scan page."""
    out = []
    for pdf in sorted(CORPUS.glob("*/scanned*.pdf")):
        for i in range(len(pypdf.PdfReader(pdf).pages)):
            out.append((PageTask(str(pdf), str(pdf), "pdf", "pdf", i, i + 1, 0),
                        pdf.parent / "ground_truth" / f"page-{i + 1:03d}.txt"))
    for jpg in sorted(CORPUS.glob("*/scanned/*.jpg")):
        out.append((PageTask(str(jpg), str(jpg), "image", "jpeg", 0, 1, 0),
                    jpg.parent.parent / "ground_truth" / f"{jpg.stem}.txt"))
    return out[:limit] if limit else out


def _cpu(fn, *args, **kwargs):
    t0 = time.process_time()
    result = fn(*args, **kwargs)
    return result, time.process_time() - t0


def _page_image(task: PageTask) -> tuple[Image.Image, float]:
    if task.kind == "image":
        return images.load_frame(task.path, 0, source=task.source)
    image = tools.rasterize_pdf_page(task.path, task.index, dpi=300, source=task.source)
    return image, 300.0


def measure(limit: int | None) -> dict:
    rows = []
    tasks = _tasks(limit)
    # Warm up (engine models loaded, PDF readers opened) so neither variant pays that once.
    process_page(tasks[0][0])
    process_page(replace(tasks[0][0], ocr=_NoOrientation()))
    for n, (task, _) in enumerate(tasks, 1):
        runs = [("shipped", task), ("plain", replace(task, ocr=_NoOrientation()))]
        timed = dict((name, _cpu(process_page, t)) for name, t in (runs if n % 2 else runs[::-1]))
        (shipped, t_shipped), (plain, t_plain) = timed["shipped"], timed["plain"]
        image, dpi = _page_image(task)
        _, t_osd = _cpu(tools.detect_orientation, image, source=task.source, dpi=dpi)
        _, t_osd_half = _cpu(tools.detect_orientation, image.reduce(2), source=task.source, dpi=dpi / 2)
        # What a page that reads well pays as shipped: the decision whether to ask OSD.
        page_layout = layout.decode(shipped.layout) if shipped.layout else None
        t0 = time.perf_counter()
        for _ in range(100):
            orientation.needs_check(shipped.confidence, page_layout)
        check_us = (time.perf_counter() - t0) / 100 * 1e6
        rows.append({"page": f"{Path(task.path).parent.name}/{Path(task.path).name}:{task.number}",
                     "check_us": round(check_us, 1),
                     "shipped_s": round(t_shipped, 3), "plain_s": round(t_plain, 3), "osd_s": round(t_osd, 3),
                     "osd_half_s": round(t_osd_half, 3), "checked": "OSD not run" not in (shipped.note or ""),
                     "rotation": shipped.rotation, "same_text": shipped.text == plain.text})
        print(f"[{n}/{len(tasks)}] {rows[-1]}", file=sys.stderr)
    turned = []
    with tempfile.TemporaryDirectory() as tmp:
        for task, truth in _tasks(None):
            if task.kind != "image":
                continue
            image, dpi = images.load_frame(task.path, 0, source=task.source)
            gold = truth.read_text(encoding="utf-8")
            upright, t_upright = _cpu(process_page, task)
            for rot, transpose in ((90, Image.Transpose.ROTATE_90), (180, Image.Transpose.ROTATE_180),
                                   (270, Image.Transpose.ROTATE_270)):
                # Pillow turns counter-clockwise: the page turned 90° left needs 90° clockwise back.
                path = Path(tmp) / f"{Path(task.path).stem}-{rot}.png"
                image.transpose(transpose).save(path, dpi=(dpi, dpi))
                r, t = _cpu(process_page, PageTask(str(path), str(path), "image", "png", 0, 1, 0))
                turned.append({"page": f"{Path(task.path).name} turned for {rot}", "rotation": r.rotation,
                               "osd_confidence": r.osd_confidence, "review": r.review,
                               "cer_upright": round(error_rates([upright.text], [gold])[0], 4),
                               "cer_turned": round(error_rates([r.text], [gold])[0], 4),
                               "cpu_s": round(t, 2), "cpu_upright_s": round(t_upright, 2)})
                print(turned[-1], file=sys.stderr)
    total = {k: round(sum(r[k] for r in rows), 2) for k in ("shipped_s", "plain_s", "osd_s", "osd_half_s")}
    return {"pages": rows, "total": total, "turned": turned}


def markdown(res: dict, command: str) -> str:
    t = res["total"]
    pct = lambda x: f"{100 * x / t['plain_s']:+.1f}%"  # noqa: E731
    checked = sum(r["checked"] for r in res["pages"])
    lines = [
        "# Orientation detection: cost and effect", "",
        f"Command: `{command}` (one process, libtesseract, CPU seconds; the machine shared with other work).", "",
        f"Corpus scan pages: {len(res['pages'])}; pages on which OSD ran as shipped: {checked}; "
        f"texts identical to the code without orientation detection: "
        f"{sum(r['same_text'] for r in res['pages'])}/{len(res['pages'])}.", "",
        "| per page set | CPU s | vs no orientation detection |", "|---|---|---|",
        f"| no orientation detection | {t['plain_s']} | - |",
        f"| as shipped (OSD after a poor or sideways reading) | {t['shipped_s']} "
        f"| {pct(t['shipped_s'] - t['plain_s'])} |",
        f"| OSD on every page, full size (added) | {t['osd_s']} | {pct(t['osd_s'])} |",
        f"| OSD on every page, half size (added) | {t['osd_half_s']} | {pct(t['osd_half_s'])} |", "",
        "Turned pages (undated-and-unsigned scans, turned by Pillow, read through process_page):", "",
        "| page | rotation found | OSD confidence | CER upright | CER turned | CPU s turned / upright | review |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in res["turned"]:
        lines.append(f"| {r['page']} | {r['rotation']} | {r['osd_confidence']} | {r['cer_upright']:.4f} | "
                     f"{r['cer_turned']:.4f} | {r['cpu_s']} / {r['cpu_upright_s']} | {r['review'] or ''} |")
    check = max(r.get("check_us", 0) for r in res["pages"])
    lines += ["", "The difference between the first two rows is noise (the same work: OSD ran on no page and "
              "the texts are identical): as shipped, a page that reads well pays only the decision "
              f"`orientation.needs_check`, a pass over its word boxes: at most {check:.0f} µs a page here."]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, help="only the first N corpus scan pages")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--no-write", action="store_true", help="do not write bench/ORIENTATION.md")
    args = ap.parse_args()
    res = measure(args.pages)
    command = "bench/orientation_bench.py" + (f" --pages {args.pages}" if args.pages else "")
    if not args.no_write:
        (ROOT / "bench" / "ORIENTATION.md").write_text(markdown(res, ".venv/bin/python " + command), encoding="utf-8")
    print(json.dumps(res, indent=1) if args.json else markdown(res, command))


if __name__ == "__main__":
    main()
