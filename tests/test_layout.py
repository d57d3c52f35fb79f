"""Page layout (archive.store.layout): made at ingest from Tesseract's TSV and the PDF text layer,
stored per page, and true to the page: OCR words sit where the words are, the text it rebuilds is
the page's text, a text layer's lines carry their real sizes and fonts."""

from __future__ import annotations

from PIL import Image
from sqlmodel import Session, select

from archive.store import layout, reads
from archive.store.layout import Layout, Line, Word
from archive.store.models import Page, PageLayout
from ingest.ocr import TesseractEngine, parse_tsv, rescaled
from ingest.pipeline import IngestOptions, ingest


def _pages(engine) -> list[tuple[Page, Layout]]:
    with Session(engine) as s:
        return [(p, reads.page_layout(s, p.id)) for p in s.exec(select(Page).order_by(Page.id))]


def test_ocr_layout_rebuilds_the_page_text_and_its_boxes_hold_their_words(engine, realworld):
    image_path = realworld / "tesseract" / "phototest.tif"
    summary = ingest(engine, [str(image_path)], IngestOptions(jobs=1))
    assert len(summary.ingested) == 1
    [(page, lay)] = _pages(engine)
    assert lay.source == "tesseract" and lay.unit == "px"
    assert (lay.width, lay.height) == (page.width, page.height)
    assert lay.text() == page.text and len(page.text) > 200
    words = [w for ln in lay.lines for w in ln.words]
    assert all(0 <= w.box[0] < w.box[2] <= lay.width and 0 <= w.box[1] < w.box[3] <= lay.height for w in words)
    assert all(w.confidence is not None and 0 <= w.confidence <= 100 for w in words)
    # Each long word's box, cut out of the page and read on its own, reads as that word.
    image = Image.open(image_path)
    checked = 0
    for w in [w for w in words if len(w.text) >= 5 and w.text.isalpha()][:6]:
        x0, y0, x1, y1 = w.box
        crop = image.crop((x0 - 6, y0 - 6, x1 + 6, y1 + 6))
        alone = TesseractEngine(psm=8).recognize(crop, lang="eng", source="crop")
        assert alone.text.strip().strip(".,") == w.text.strip(".,"), (w, alone.text)
        checked += 1
    assert checked == 6
    # A span of the page text maps to the words under it.
    start = page.text.index(words[3].text)
    assert [w.text for w, _ in lay.words_in(start, start + len(words[3].text))] == [words[3].text]


def test_text_layer_layout_has_the_real_type_sizes_and_fonts(engine, corpus):
    ingest(engine, [str(corpus / "ellery-collection-catalogue" / "digital.pdf")], IngestOptions(jobs=1))
    pages = _pages(engine)
    assert pages and all(lay is not None and lay.source == "pdf-text-layer" and lay.unit == "pt" for _, lay in pages)
    page, lay = pages[0]
    flat = " ".join(page.text.split())
    assert all(" ".join(ln.text.split()) in flat for ln in lay.lines)
    # The first line is the title, set larger and bold; body lines are smaller and not bold.
    sizes = sorted(ln.size for ln in lay.lines)
    title = lay.lines[0]
    assert title.size == max(sizes) > sizes[len(sizes) // 2] * 1.4
    assert title.bold is True and "Bold" in title.font
    assert any(ln.bold is False for ln in lay.lines)
    # Lines run down the page, inside it.
    tops = [ln.box[1] for ln in lay.lines[:6]]
    assert tops == sorted(tops) and all(0 <= ln.box[1] < ln.box[3] <= lay.height for ln in lay.lines)


def test_a_reused_ocr_result_keeps_its_layout(engine, realworld, corpus, tmp_path):
    """The same page image in a second document is not OCR'd again (ingest.reuse): its layout is
    copied with its text."""
    single = realworld / "tesseract" / "phototest.tif"
    ingest(engine, [str(single)], IngestOptions(jobs=1))
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "p1.tif").write_bytes(single.read_bytes())
    (folder / "p2.jpg").write_bytes((corpus / "undated-and-unsigned" / "scanned" / "page-003.jpg").read_bytes())
    ingest(engine, [str(folder)], IngestOptions(jobs=1))
    pages = _pages(engine)
    assert len(pages) == 3
    (first, a), (again, b), (other, c) = pages
    assert "reused" in again.note and again.text == first.text
    assert b is not None and b.lines == a.lines and b.text() == again.text
    assert c is not None and c.text() == other.text


def test_encoding_round_trips_and_is_compact():
    lay = Layout(width=100, height=50, unit="px", source="tesseract", lines=(
        Line((Word("Hello", (1, 2, 30, 12), 91.5), Word("wörld", (33, 2, 60, 12), None)), (1, 2, 60, 12), 1, 1, 10.0),
        Line((Word("next", (1, 20, 30, 30), 80.0),), (1, 20, 30, 30), 1, 2, 10.0),
    ), rotation=180, dpi=300.0, extra={"osd": {"confidence": 4.2}})
    back = layout.decode(layout.encode(lay))
    assert back == lay and back.extra == lay.extra
    assert back.text() == "Hello wörld\n\nnext"
    assert [(s, e) for s, e, _, _ in back.word_spans()] == [(0, 5), (6, 11), (13, 17)]


def test_tsv_parse_and_rescale_map_boxes_back_to_the_stored_image():
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "1\t1\t0\t0\t0\t0\t0\t0\t200\t100\t-1\t",
        "5\t1\t1\t1\t1\t1\t10\t20\t40\t10\t95\tone",
        "5\t1\t1\t1\t1\t2\t60\t22\t40\t12\t90\ttwo",
        "5\t1\t2\t1\t1\t1\t10\t60\t40\t10\t-1\tthree",
    ]
    ocr = parse_tsv("\n".join([header, *rows]) + "\n")
    assert ocr.text == "one two\n\nthree" == ocr.layout.text()
    assert ocr.layout.lines[0].box == (10, 20, 100, 34)
    half = rescaled(ocr.layout, 100, 50)  # the page was upscaled 2x for recognition
    assert (half.width, half.height) == (100, 50)
    assert half.lines[0].words[1].box == (30, 11, 50, 17)
    assert half.lines[1].words[0].confidence is None


def test_layout_rows_are_one_per_page_with_text(engine, corpus):
    ingest(engine, [str(corpus / "undated-and-unsigned" / "scanned")], IngestOptions(jobs=1))
    with Session(engine) as s:
        pages = list(s.exec(select(Page)))
        rows = list(s.exec(select(PageLayout)))
    assert len(pages) == 3 and {r.page_id for r in rows} == {p.id for p in pages}
    assert all(r.version == layout.LAYOUT_VERSION and r.source == "tesseract" for r in rows)
    # Compact: well under a kilobyte per line of a scanned page.
    assert all(len(r.data) < 400 * max(1, len(layout.decode(r.data).lines)) for r in rows)
