"""Description from the layout through `archive ingest`: a born-digital PDF set in several type sizes
and the same page scanned and read by Tesseract; the series is stored as its own field and every
value read from the page keeps the box of its evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from tests.helpers.cli import ingest_and_show

# (text, size pt, bold): a series line set small above the title, the title, subtitle, author, text
PAGE = [("STUDIES IN LOCAL LABOUR HISTORY", 9, False), ("The Weavers of Calder Vale", 24, True),
        ("Strikes and Lock-outs in the Upper Valley", 14, False), ("Margaret Holroyd", 12, False),
        ("When the first power looms came to the upper valley the hand-loom weavers", 11, False),
        ("of the hill farms lost most of their trade within a generation. This pamphlet", 11, False),
        ("follows the families who stayed and the mills that took them in.", 11, False),
        ("Published by the Calder Vale Local History Society, Hebden Bridge, 1978", 9, False)]
GAPS = [0, 18, 8, 14, 14, 2, 2, 40]


def _positions():
    y = 72.0
    for (text, size, bold), gap in zip(PAGE, GAPS):
        y += gap
        yield text, size, bold, y
        y += size * 1.3


def write_pdf(path: Path) -> None:
    pdf = FPDF(unit="pt", format="letter")
    pdf.add_page()
    for text, size, bold, top in _positions():
        pdf.set_font("Times", "B" if bold else "", size)
        pdf.text(72, top + 0.8 * size, text)
    pdf.output(str(path))


def write_scan(path: Path, dpi: int = 300) -> None:
    k = dpi / 72
    img = Image.new("L", (round(612 * k), round(792 * k)), 250)
    draw = ImageDraw.Draw(img)
    fonts = "/usr/share/fonts/truetype/dejavu/DejaVuSerif{}.ttf"
    for text, size, bold, top in _positions():
        font = ImageFont.truetype(fonts.format("-Bold" if bold else ""), round(size * k * 0.85))
        draw.text((72 * k, top * k), text, fill=20, font=font)
    img.save(path, dpi=(dpi, dpi), quality=85)


def _check(shown: dict, width: float, height: float) -> None:
    assert shown["title"] == "The Weavers of Calder Vale"
    assert shown["series"] == "STUDIES IN LOCAL LABOUR HISTORY"
    assert shown["subtitle"] == "Strikes and Lock-outs in the Upper Valley"
    assert shown["authors"] == ["Margaret Holroyd"]
    assert shown["organization"] == "Calder Vale Local History Society" and shown["date"] == "1978"
    prov = shown["metadata_provenance"]
    title_box, series_box = prov["title"][0]["box"], prov["series"][0]["box"]
    assert title_box and series_box
    for x0, y0, x1, y1 in (title_box, series_box):
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
    assert series_box[3] <= title_box[1]            # the series is printed above the title
    assert prov["language"][0]["box"] is None       # read from the whole text, not from a place on the page


def test_born_digital_pdf_through_ingest(run_cli, db_url, tmp_path):
    pdf = tmp_path / "weavers.pdf"
    write_pdf(pdf)
    _check(ingest_and_show(run_cli, db_url, pdf), 612, 792)
    # the series reaches the exchange formats: a Dublin Core relation, a CSV column
    dc = run_cli(db_url, "export", "--format", "dc")
    assert dc.exit_code == 0 and "Is part of the series STUDIES IN LOCAL LABOUR HISTORY" in dc.stdout
    out = tmp_path / "report"
    assert run_cli(db_url, "report", "--format", "csv", "-o", str(out)).exit_code == 0
    csv_text = next(out.rglob("*.csv")).read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0].startswith("id,title,subtitle,series,") and "STUDIES IN LOCAL" in csv_text


@pytest.mark.tesseract
def test_scanned_page_through_ocr_ingest(run_cli, db_url, tmp_path):
    scan = tmp_path / "weavers.jpg"
    write_scan(scan)
    _check(ingest_and_show(run_cli, db_url, scan), 2550, 3300)
