"""Generate the project's own sample: a scanned-looking two-page leaflet (JPEG pages) and a
born-digital two-page bulletin (PDF with a text layer) that cites it, each with ground truth.

Everything here is invented for the sample. Run: python -m sample.make [OUTDIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from testkit.pdfwrite import pdf_bytes, pdf_string

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

LEAFLET = [
    [
        "The Lamplighters' Reading Room",
        "A Short Account of its First Ten Years",
        "",
        "Issued by the Millbrook Mechanics' Institute",
        "March 1931",
        "",
        "The reading room on Canal Street opened its doors in the winter",
        "of 1921 with forty borrowed volumes and a single paraffin lamp.",
        "Members paid a penny a week and kept the catalogue by hand in a",
        "ledger that still survives. The Institute hopes this account will",
        "encourage other branches to open rooms of their own.",
        "",
        "Within three years the collection had grown to six hundred books",
        "and pamphlets, most of them donated by members and their families.",
    ],
    [
        "Rules of the Room",
        "",
        "Books may be borrowed for fourteen days and renewed once. Pamphlets",
        "are not to leave the room, for they are easily lost and seldom",
        "replaced. Silence is kept after seven o'clock in the evening.",
        "",
        "The committee meets on the first Monday of each month and",
        "welcomes suggestions for purchases from every member.",
        "",
        "Printed for the Institute by the Canal Street Press, Millbrook.",
        "",
        "2",
    ],
]

BULLETIN = [
    [
        "Notes on the Millbrook Collection",
        "",
        "Harriet Quayle",
        "",
        "The Millbrook Historical Society holds the surviving papers of the",
        "Mechanics' Institute, among them a leaflet describing its reading",
        "room (Millbrook Mechanics' Institute 1). The leaflet records that",
        "members paid a penny a week (Millbrook Mechanics' Institute 1) and",
        "that pamphlets were not lent out (Millbrook Mechanics' Institute 2).",
        "",
        "Other accounts of reading rooms in the valley are less certain",
        "(Ashdown 44), and some were written long after the events.",
    ],
    [
        "The ledger mentioned in the leaflet was found in 1974 among the",
        "papers of the last secretary. It lists nearly nine hundred titles.",
        "",
        "Published by the Millbrook Historical Society, Millbrook, 1978.",
        "",
        "Works Cited",
        "",
        "Ashdown, Peter. Valley Libraries. Leeds: Northern Press, 1969.",
        "Millbrook Mechanics' Institute. The Lamplighters' Reading Room. Millbrook, 1931.",
        "",
        "2",
    ],
]


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSerif-Bold.ttf" if bold else "DejaVuSerif.ttf"
    return ImageFont.truetype(str(FONT_DIR / name), size)


def render_page(lines: list[str], *, dpi: int = 300, seed: int = 0, degrade: bool = True,
                title_lines: int = 0) -> Image.Image:
    """A letter-size page image of `lines` (the first `title_lines` set large and centred)
    that looks scanned when `degrade`: paper tone, slight skew, noise and blur."""
    width, height = int(8.5 * dpi), int(11 * dpi)
    page = Image.new("L", (width, height), 238 if degrade else 255)
    draw = ImageDraw.Draw(page)
    body = _font(int(11 / 72 * dpi))
    y = int(1.0 * dpi)
    for i, line in enumerate(lines):
        is_title = i < title_lines
        font = _font(int((18 if i == 0 else 13) / 72 * dpi), bold=True) if is_title else body
        if line.strip().isdigit():  # a page number, centred at the foot
            draw.text((width // 2, int(10.2 * dpi)), line, fill=20, font=body, anchor="mm")
            continue
        x = (width - draw.textlength(line, font=font)) // 2 if is_title else int(1.0 * dpi)
        draw.text((x, y), line, fill=25, font=font)
        y += int(font.size * 1.45) if line else int(body.size * 0.9)
    if degrade:
        rng = np.random.default_rng(seed)
        page = page.rotate(float(rng.uniform(-0.6, 0.6)), resample=Image.Resampling.BICUBIC, fillcolor=238)
        noisy = np.asarray(page, dtype=np.float32) + rng.normal(0, 5, (height, width)).astype(np.float32)
        page = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.5))
    return page


def write_text_pdf(path: Path, pages: list[list[str]], *, font_size: float = 11) -> None:
    """A minimal born-digital PDF (one Times-Roman text line per input line) with a real text layer."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /WinAnsiEncoding >>")
    pages_id = len(objects) + 1 + 2 * len(pages)
    kids = []
    for lines in pages:
        ops = [b"BT", f"/F1 {font_size} Tf".encode(), b"72 720 Td", f"{font_size * 1.45:.1f} TL".encode()]
        for line in lines:
            if line.strip().isdigit():
                ops += [b"ET", b"BT", f"/F1 {font_size} Tf 300 40 Td".encode()]
            ops.append(b"(" + pdf_string(line, "cp1252", "replace") + b") Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops)
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                        b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (pages_id, content, font)))
    assert add(b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids)
               + b"] /Count %d >>" % len(kids)) == pages_id
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    Path(path).write_bytes(pdf_bytes(objects, root=catalog))


def _ground_truth(folder: Path, pages: list[list[str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n, lines in enumerate(pages, start=1):
        (folder / f"page-{n:03d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def make_sample(out: Path) -> Path:
    """Write the sample into `out`: leaflet-scan/ (JPEG pages), bulletin.pdf, ground_truth/."""
    out = Path(out)
    scans = out / "leaflet-scan"
    scans.mkdir(parents=True, exist_ok=True)
    for n, lines in enumerate(LEAFLET, start=1):
        render_page(lines, dpi=300, seed=n, title_lines=2 if n == 1 else 0).save(
            scans / f"page-{n:03d}.jpg", dpi=(300, 300), quality=80)
    write_text_pdf(out / "bulletin.pdf", BULLETIN)
    _ground_truth(out / "ground_truth" / "leaflet-scan", LEAFLET)
    _ground_truth(out / "ground_truth" / "bulletin", BULLETIN)
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "generated"
    print(make_sample(target))
