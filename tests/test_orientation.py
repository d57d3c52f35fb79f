"""Page orientation at OCR, through the real pipeline and real Tesseract (library and command):
rotated pages are righted and read as well as upright ones, the turn and OSD's confidence are
recorded, and pages it cannot decide are flagged for review."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw
from sqlmodel import Session

from archive.store import reads
from archive.store.db import make_engine
from archive.store.vocabulary import Outcome
from ingest import orientation, tools
from ingest.pipeline import IngestOptions, ingest
from testkit.pdfwrite import write_image_pdf
from testkit.textmetrics import error_rates

pytestmark = [pytest.mark.tesseract]

# file -> degrees the page must be turned clockwise to be upright (Tesseract's "Rotate:")
ROTATED = {"phototest-rotated-180.png": 180, "phototest-rotated-L.png": 90, "phototest-rotated-R.png": 270}
CER_SLACK = 0.005  # "within 0.5 points" of the upright page


@pytest.fixture(scope="module")
def archive(realworld, tmp_path_factory):
    """One archive holding the upright phototest, its three rotated variants, a blank page, a
    two-frame TIFF whose second frame is upside down and an image-only PDF of a sideways page."""
    tmp = tmp_path_factory.mktemp("orient")
    src = realworld / "tesseract"
    blank = tmp / "blank.png"
    Image.new("L", (1200, 1600), 255).save(blank, dpi=(200, 200))
    lines = tmp / "rules.png"  # a page of ruled lines and boxes: marks but no text
    im = Image.new("L", (1200, 1600), 255)
    draw = ImageDraw.Draw(im)
    for y in range(100, 1500, 120):
        draw.line((100, y, 1100, y), fill=0, width=3)
    draw.rectangle((300, 400, 900, 1000), outline=0, width=5)
    im.save(lines, dpi=(200, 200))
    upright = Image.open(src / "phototest.tif").convert("L")
    tiff = tmp / "two-frames.tif"
    upright.save(tiff, save_all=True, append_images=[upright.rotate(180)], dpi=(200, 200))
    pdf = tmp / "sideways.pdf"
    write_image_pdf([src / "phototest-rotated-L.png"], pdf, default_dpi=200)
    inputs = [src / "phototest.tif", *(src / name for name in ROTATED), blank, lines, tiff, pdf]
    url = f"sqlite:///{tmp / 'archive.db'}"
    engine = make_engine(url)
    summary = ingest(engine, [str(p) for p in inputs], IngestOptions(jobs=2))
    assert summary.failed == []
    docs = {item["paths"][0].rsplit("/", 1)[-1]: item["document"] for item in summary.ingested}
    yield engine, docs
    engine.dispose()


def _pages(engine, doc_id):
    with Session(engine) as s:
        pages = reads.pages(s, doc_id)
        layouts = [reads.page_layout(s, p.id) for p in pages]
        events = [e for e, _ in reads.events(s, doc_id) if e.page_number is not None]
        return pages, layouts, events


def _cer(text: str, realworld) -> float:
    return error_rates([text], [(realworld / "tesseract" / "phototest.txt").read_text()])[0]


def test_upright_page_records_rotation_0(archive, realworld):
    engine, docs = archive
    [page], [lay], [event] = _pages(engine, docs["phototest.tif"])
    assert _cer(page.text, realworld) < 0.01
    assert lay.rotation == 0 and lay.extra["orientation"]["rotation"] == 0
    assert "rotation 0" in event.detail and event.outcome == Outcome.SUCCESS
    assert "orientation" in page.note


@pytest.mark.parametrize("name", ROTATED)
def test_rotated_page_reads_as_well_as_upright(archive, realworld, name):
    engine, docs = archive
    [upright], _, _ = _pages(engine, docs["phototest.tif"])
    [page], [lay], [event] = _pages(engine, docs[name])
    assert _cer(page.text, realworld) <= _cer(upright.text, realworld) + CER_SLACK
    assert lay.rotation == ROTATED[name]
    osd = lay.extra["orientation"]
    assert osd["checked"] and osd["osd_rotation"] == ROTATED[name]
    assert osd["osd_confidence"] >= orientation.MIN_OSD_CONFIDENCE
    assert f"rotation {ROTATED[name]}, OSD confidence {osd['osd_confidence']:.2f}" in event.detail
    assert event.outcome == Outcome.SUCCESS
    # The page is stored upright: its size is the upright one (phototest is 640x480).
    assert (page.width, page.height) == (lay.width, lay.height) == (640, 480)


@pytest.mark.parametrize("name", [*ROTATED, "phototest.tif", "two-frames.tif", "sideways.pdf"])
def test_layout_boxes_lie_inside_the_upright_page(archive, name):
    engine, docs = archive
    pages, layouts, _ = _pages(engine, docs[name])
    for page, lay in zip(pages, layouts, strict=True):
        assert lay.lines
        assert lay.text() == page.text
        for line in lay.lines:
            for w in line.words:
                x0, y0, x1, y1 = w.box
                assert 0 <= x0 < x1 <= lay.width and 0 <= y0 < y1 <= lay.height
        # Upright text: its words are wider than tall.
        assert not orientation.sideways(lay)


@pytest.mark.parametrize("name", ["blank.png", "rules.png"])
def test_textless_page_is_not_turned_and_is_flagged(archive, name):
    engine, docs = archive
    [page], [lay], [event] = _pages(engine, docs[name])
    assert page.text.strip() == ""
    assert lay is None or lay.rotation == 0
    assert event.outcome == Outcome.WARNING
    assert "no text found" in page.note and "orientation uncertain" in page.note


def test_rotated_frame_of_a_multipage_tiff_is_righted(archive, realworld):
    engine, docs = archive
    pages, layouts, _ = _pages(engine, docs["two-frames.tif"])
    assert [lay.rotation for lay in layouts] == [0, 180]
    assert all(_cer(p.text, realworld) < 0.01 for p in pages)


def test_sideways_page_of_an_image_pdf_is_righted(archive, realworld):
    engine, docs = archive
    [page], [lay], _ = _pages(engine, docs["sideways.pdf"])
    assert lay.rotation == 90 and _cer(page.text, realworld) < 0.01


@pytest.mark.parametrize("name", ROTATED)
def test_command_and_library_agree_on_orientation(realworld, name):
    """The `tesseract --psm 0` fallback reads the same turn as the library binding."""
    path = realworld / "tesseract" / name
    with Image.open(path) as im:
        image = im.convert("L")
    lib = tools.detect_orientation(image, source=name)
    cmd = tools._osd_command(image, source=name, timeout=60)
    assert lib is not None and cmd is not None
    assert lib.rotation == cmd.rotation == ROTATED[name]
    assert abs(lib.confidence - cmd.confidence) < 0.5


def test_osd_cannot_decide_a_blank_image():
    blank = Image.new("L", (800, 1000), 255)
    assert tools.detect_orientation(blank, source="blank", dpi=200) is None
    assert tools._osd_command(blank, source="blank", timeout=60) is None


def test_judge_keeps_a_turn_only_when_it_reads_better_or_osd_is_sure():
    sure, unsure = tools.Orientation(180, 12.0, "Latin", 5.0), tools.Orientation(180, 2.0, "Latin", 1.0)
    assert orientation.judge(sure, 40.0, 95.0).rotation == 180
    assert orientation.judge(sure, 95.0, 94.0).rotation == 180  # a sideways page read as vertical text
    kept = orientation.judge(sure, 70.0, 30.0)  # OSD wrong on a hard upright page: the text is kept
    assert kept.rotation == 0 and "reads better as it is" in kept.review
    shaky = orientation.judge(unsure, 40.0, 90.0)
    assert shaky.rotation == 180 and shaky.review == "orientation uncertain (OSD confidence 2.00)"
    assert orientation.judge(unsure, 70.0, 69.0).rotation == 0
    assert "could not decide" in orientation.judge(None, None, None).review


def test_a_reused_result_keeps_its_turn(realworld, tmp_path):
    """A righted page OCR'd again in another document is reused with its rotation and layout."""
    src = realworld / "tesseract"
    pair = tmp_path / "pair"
    pair.mkdir()
    for name in ("phototest-rotated-180.png", "phototest.tif"):
        (pair / name).write_bytes((src / name).read_bytes())
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        first = ingest(engine, [str(pair)], IngestOptions(jobs=1))
        again = ingest(engine, [str(src / "phototest-rotated-180.png")], IngestOptions(jobs=1))
        assert first.failed == again.failed == []
        [page], [lay], [event] = _pages(engine, again.ingested[0]["document"])
        assert "reused" in page.note and "turned 180° clockwise" in page.note
        assert lay.rotation == 180 and "rotation 180" in event.detail
    finally:
        engine.dispose()
