"""Description on layouts the corpus lacks: field accuracy per form (born-digital, scanned, hard scan).

Renders every document of bench/layout_docs.py as a born-digital PDF (fpdf2, core Times fonts in
the documents' type sizes, so the text layer carries sizes and bold font names) and as a scan
(Pillow with DejaVu Serif at 300 DPI, skewed, noised, blurred, JPEG; a "hard" scan at 200 DPI with low
contrast, heavy noise and speckles for the documents marked hard), ingests them all with the real
`archive ingest` (Tesseract for the scans) into a scratch SQLite archive, and compares each
document's description with what a cataloguer would record.

Each field of each document is right, missing (null where a value is stated) or wrong (a value that
is not the stated one, including a value where none is stated). Prints the table and, unless
--no-write, rewrites the AFTER (or, with --label BEFORE, the BEFORE) section of bench/LAYOUT_METADATA.md.

    .venv/bin/python bench/layout_metadata.py [--label AFTER] [--no-write] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
import zlib
from pathlib import Path

import numpy as np
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFilter, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent))
from layout_docs import DOCS, Block, LayoutDoc

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = ROOT / ".venv" / "bin" / "archive"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FIELDS = ("title", "subtitle", "series", "authors", "organization", "publisher", "place", "date")
PAGE_W, PAGE_H, MARGIN, GUTTER = 612.0, 792.0, 72.0, 24.0


# --- setting the type: one layout for both forms --------------------------------------------------

def _set(page: list[Block], measure) -> list[tuple[str, float, float, float, bool, bool]]:
    """(text, x, top, size, bold, outline) of every printed line, in points from the top-left corner."""
    out = []
    y = MARGIN
    col_w = (PAGE_W - 2 * MARGIN - GUTTER) / 2
    col_y = {1: None, 2: None}
    col_start = None
    for b in page:
        if b.col:
            if col_start is None:
                col_start = y
                col_y = {1: y, 2: y}
            yy = col_y[b.col]
            x0 = MARGIN if b.col == 1 else MARGIN + col_w + GUTTER
            width = col_w
        else:
            if col_start is not None:
                y = max(col_y.values())
                col_start = None
            yy, x0, width = y, MARGIN, PAGE_W - 2 * MARGIN
        yy += b.gap
        for text in (_wrap(b.text, b.size, b.bold, width, measure) if b.para else [b.text]):
            w = measure(text, b.size, b.bold)
            x = x0 + (width - w) / 2 if b.center else x0
            out.append((text, x, yy, b.size, b.bold, b.outline))
            yy += b.size * 1.3
        if b.col:
            col_y[b.col] = yy
        else:
            y = yy
    return out


def _wrap(text: str, size: float, bold: bool, width: float, measure) -> list[str]:
    lines, cur = [], ""
    for word in text.split():
        cand = f"{cur} {word}".strip()
        if cur and measure(cand, size, bold) > width:
            lines.append(cur)
            cur = word
        else:
            cur = cand
    return lines + ([cur] if cur else [])


# --- born-digital -----------------------------------------------------------------------------------

def write_pdf(doc: LayoutDoc, out: Path) -> None:
    pdf = FPDF(unit="pt", format="letter")
    pdf.set_auto_page_break(False)

    def measure(text, size, bold):
        pdf.set_font("Times", "B" if bold else "", size)
        return pdf.get_string_width(text)

    for page in doc.pages:
        pdf.add_page()
        for text, x, top, size, bold, _outline in _set(page, measure):
            pdf.set_font("Times", "B" if bold else "", size)
            pdf.text(x, top + 0.8 * size, text)
    pdf.output(str(out))


# --- scanned ----------------------------------------------------------------------------------------

def _font(size_px: float, bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / ("DejaVuSerif-Bold.ttf" if bold else "DejaVuSerif.ttf")),
                              max(6, round(size_px)))


def render_page(page: list[Block], dpi: int) -> Image.Image:
    k = dpi / 72.0
    # DejaVu Serif is wider than Times: set it a little smaller so the lines fit the same measure.
    shrink = 0.88

    def measure(text, size, bold):
        return _font(size * k * shrink, bold).getlength(text) / k

    img = Image.new("L", (round(PAGE_W * k), round(PAGE_H * k)), 255)
    draw = ImageDraw.Draw(img)
    for text, x, top, size, bold, outline in _set(page, measure):
        font = _font(size * k * shrink, bold)
        if outline:     # letters drawn as their outlines, hollow: display type as posters set it
            draw.text((x * k, top * k), text, fill=255, font=font, stroke_width=max(1, round(size * k / 40)),
                      stroke_fill=0)
        else:
            draw.text((x * k, top * k), text, fill=0, font=font)
    return img


def degrade(img: Image.Image, *, hard: bool, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    ink, paper = (92, 212) if hard else (20, 235)
    a = np.asarray(img, dtype=np.float32) / 255.0
    a = ink + (paper - ink) * a
    h, w = a.shape
    # uneven lighting: a shadow along one edge
    ramp = np.linspace(-18 if hard else -6, 0, w, dtype=np.float32)
    a = a + ramp[None, :]
    a = a + rng.normal(0, 14 if hard else 4, a.shape)
    if hard:
        n = h * w // 4000
        ys, xs = rng.integers(0, h, n), rng.integers(0, w, n)
        a[ys, xs] = ink
    out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L")
    out = out.filter(ImageFilter.GaussianBlur(0.8 if hard else 0.6))
    angle = (random.Random(seed).uniform(-2.5, 2.5) if hard else random.Random(seed).uniform(-1.0, 1.0))
    return out.rotate(angle, resample=Image.BILINEAR, fillcolor=paper)


def write_scan(doc: LayoutDoc, folder: Path, *, hard: bool) -> None:
    dpi = 200 if hard else 300
    folder.mkdir(parents=True, exist_ok=True)
    for n, page in enumerate(doc.pages, 1):
        img = degrade(render_page(page, dpi), hard=hard, seed=zlib.crc32(f"{doc.id}-{n}-{hard}".encode()))
        img.save(folder / f"page-{n:03d}.jpg", quality=62 if hard else 60, dpi=(dpi, dpi))


# --- measuring --------------------------------------------------------------------------------------

def norm(s) -> str | None:
    if s is None:
        return None
    s = unicodedata.normalize("NFKD", str(s)).casefold().replace("'", "").replace("’", "")
    s = re.sub(r"^the\s+", "", s.strip())
    return " ".join(re.findall(r"[a-z0-9]+", s)) or None


def score(fld: str, got, want) -> str:
    if fld == "authors":
        g, w = [norm(a) for a in got or []], [norm(a) for a in want or []]
        return "right" if g == w else ("missing" if not g else "wrong")
    if fld == "date":
        return "right" if got == want else ("missing" if got is None and want else "wrong")
    g, w = norm(got), norm(want)
    return "right" if g == w else ("missing" if g is None else "wrong")


FORMS = ("born-digital", "scanned", "hard")


def build(work: Path) -> dict[str, tuple[LayoutDoc, str]]:
    """Write every form of every document under work/<form>; {source path stem: (doc, form)}."""
    for form in FORMS:
        (work / form).mkdir(parents=True)
    made = {}
    for doc in DOCS:
        write_pdf(doc, work / "born-digital" / f"{doc.id}--born-digital.pdf")
        made[f"{doc.id}--born-digital"] = (doc, "born-digital")
        write_scan(doc, work / "scanned" / f"{doc.id}--scanned", hard=False)
        made[f"{doc.id}--scanned"] = (doc, "scanned")
        if doc.hard:
            write_scan(doc, work / "hard" / f"{doc.id}--hard", hard=True)
            made[f"{doc.id}--hard"] = (doc, "hard scan")
    return made


def run(work: Path, jobs: int) -> list[dict]:
    """Each form into its own archive: the forms of one document are copies of one work, and an
    archive that holds two copies shares what one states with the other (which would hide a miss)."""
    docs = []
    for form in FORMS:
        env = {**os.environ, "ARCHIVE_DB": f"sqlite:///{work / (form + '.db')}"}
        subprocess.run([str(ARCHIVE), "-q", "ingest", "--jobs", str(jobs), str(work / form)], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        out = work / f"{form}.json"
        subprocess.run([str(ARCHIVE), "-q", "export", "--format", "json", "-o", str(out)], env=env, check=True)
        docs += json.loads(out.read_text())["documents"]
    return docs


def measure_all(docs: list[dict], made: dict) -> tuple[list[dict], dict]:
    rows = []
    for d in docs:
        path = Path(d["source_files"][0]["path"])
        key = path.stem if path.suffix == ".pdf" else path.parent.name
        doc, form = made[key]
        for fld in FIELDS:
            got = d.get(fld)
            want = doc.expect[fld]
            rows.append({"doc": doc.id, "form": form, "field": fld, "got": got, "want": want,
                         "result": score(fld, got, want)})
    forms = {}
    for r in rows:
        f = forms.setdefault(r["form"], {"right": 0, "missing": 0, "wrong": 0, "fields": {}})
        f[r["result"]] += 1
        ff = f["fields"].setdefault(r["field"], [0, 0])
        ff[0] += r["result"] == "right"
        ff[1] += 1
    return rows, forms


def table(rows: list[dict], forms: dict) -> str:
    lines = ["| form | right | missing | wrong | " + " | ".join(FIELDS) + " |",
             "| --- | --- | --- | --- | " + " | ".join("---" for _ in FIELDS) + " |"]
    for form in ("born-digital", "scanned", "hard scan"):
        if form not in forms:
            continue
        f = forms[form]
        total = f["right"] + f["missing"] + f["wrong"]
        lines.append(f"| {form} | **{f['right']}/{total}** | {f['missing']} | {f['wrong']} | "
                     + " | ".join(f"{f['fields'][x][0]}/{f['fields'][x][1]}" for x in FIELDS) + " |")
    lines += ["", "Misses (document, form, field: got / expected):", ""]
    for r in rows:
        if r["result"] != "right":
            lines.append(f"- {r['doc']}, {r['form']}, {r['field']} ({r['result']}): "
                         f"{json.dumps(r['got'], ensure_ascii=False)} / {json.dumps(r['want'], ensure_ascii=False)}")
    return "\n".join(lines)


def _write_section(label: str, body: str) -> None:
    path = ROOT / "bench" / "LAYOUT_METADATA.md"
    text = path.read_text() if path.exists() else ""
    start, end = f"<!-- {label} -->", f"<!-- /{label} -->"
    block = f"{start}\n{body}\n{end}"
    if start in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _m: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--label", default="AFTER")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--keep", type=Path, help="build in this folder and keep it")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="layout-meta-"))
    if args.keep and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    made = build(work)
    docs = run(work, args.jobs)
    rows, forms = measure_all(docs, made)
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    body = (f"### {args.label} (commit {commit}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"{math.ceil(time.time() - t0)} s)\n\n" + table(rows, forms))
    print(body)
    if not args.no_write:
        _write_section(args.label, body)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
