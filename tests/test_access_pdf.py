"""Searchable PDF/A-2b access copies (reports.access_pdf): real scans OCR'd by the real Tesseract,
then the copies checked: text layer, word positions, untouched images, qpdf, PDF/A one by one.

The copies only read the store, the same queries on either backend, so the module ingests once
into SQLite (the OCR is the slow part)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pypdf
import pytest
from click.testing import CliRunner
from PIL import Image
from sqlmodel import Session, create_engine

from archive.cli import cli
from archive.store import reads
from archive.store.layout import Layout, Line, Word

pytestmark = [pytest.mark.tesseract, pytest.mark.slow]
SCANNED = ["jpeg", "tiff", "phototest", "pdf-image"]
PARTS = "+parts"
ALL_SCANNED = SCANNED + [kind + PARTS for kind in SCANNED]


def _cli(url: str, *args: str):
    return CliRunner().invoke(cli, ["--db", url, "-q", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def copies(corpus, realworld, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("access")
    url = f"sqlite:///{tmp / 'a.db'}"
    inputs = {"jpeg": corpus / "undated-and-unsigned" / "scanned", "tiff": corpus / "fifty-years-at-the-case" /
              "pages.tiff", "phototest": realworld / "tesseract" / "phototest.tif",
              "pdf-image": corpus / "paper-trails" / "scanned.pdf",
              "digital": corpus / "ellery-collection-catalogue" / "digital.pdf"}
    engine = create_engine(url)
    ids = {}
    for kind, path in inputs.items():  # one at a time: each input's document is the newest one
        assert _cli(url, "ingest", str(path)).exit_code == 0
        with Session(engine) as s:
            ids[kind] = max(d.id for d in reads.list_documents(s, with_text=False))
    result = _cli(url, "export", "--format", "pdf", "-o", str(tmp / "out"), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    # The same copies written as parts of at most two pages joined by qpdf (how a long document is
    # written): they must pass every check the one-piece copies pass.
    from reports.access_pdf import write_document
    with Session(engine) as s:
        for kind in SCANNED:
            doc = reads.get_document(s, ids[kind])
            write_document(s, doc, tmp / "out" / "parts" / f"doc-{doc.id}.pdf", part_pages=2)
            ids[f"{kind}{PARTS}"] = ids[kind]
    yield {"engine": engine, "out": tmp / "out", "ids": ids, "inputs": inputs,
           "summary": {d["document"]: d for d in out["documents"]}}
    engine.dispose()


def _pdf(copies, kind) -> Path:
    folder = "parts" if kind.endswith(PARTS) else "access"
    return copies["out"] / folder / f"doc-{copies['ids'][kind]}.pdf"


def _norm(text: str) -> str:
    return " ".join(text.split())




@pytest.mark.parametrize("kind", ALL_SCANNED)
def test_text_layer_extracts_to_the_page_text(copies, kind):
    reader = pypdf.PdfReader(_pdf(copies, kind))
    with Session(copies["engine"]) as s:
        pages = reads.pages(s, copies["ids"][kind])
    assert len(reader.pages) == len(pages) > 0
    for pdf_page, page in zip(reader.pages, pages):
        assert page.text.strip(), "the OCR found no text: nothing to check"
        assert _norm(pdf_page.extract_text()) == _norm(page.text)


@pytest.mark.parametrize("kind", ALL_SCANNED)
def test_words_sit_in_their_boxes(copies, kind):
    reader = pypdf.PdfReader(_pdf(copies, kind))
    with Session(copies["engine"]) as s:
        pages = reads.pages(s, copies["ids"][kind])
        layouts = [reads.page_layout(s, p.id) for p in pages]
    for pdf_page, layout in zip(reader.pages, layouts):
        width, height = float(pdf_page.mediabox.width), float(pdf_page.mediabox.height)
        scale = width / layout.width
        placed = []
        pdf_page.extract_text(visitor_text=lambda text, cm, tm, font, size, into=placed:
                              into.append((text, tm[4], tm[5])) if text.strip() else None)
        words = [w for line in layout.lines for w in line.words if w.text]
        assert [t.strip() for t, _, _ in placed] == [w.text for w in words]
        tol = 2.0  # points
        for (_, x, y), word in zip(placed, words):
            x0, y0, x1, y1 = (v * scale for v in word.box)
            assert x0 - tol <= x <= x1 + tol
            # The baseline, in PDF's upward y: inside the word's box, give or take the line's descent.
            line_h = max(ln.box[3] - ln.box[1] for ln in layout.lines if word in ln.words) * scale
            assert height - y1 - tol <= y <= height - y0 + tol + 0.25 * line_h


def _page_images(page) -> list[pikepdf.Object]:
    xobjects = page.Resources.get("/XObject", {})
    return [x for x in xobjects.values() if x.get("/Subtype") == "/Image"]


_OPEN: list[pikepdf.Pdf] = []  # objects die with their Pdf: keep the opened copies for the module


def _images(path: Path) -> list[pikepdf.Object]:
    _OPEN.append(pikepdf.open(path))
    return [_page_images(p)[0] for p in _OPEN[-1].pages]


@pytest.mark.parametrize("kind", ["jpeg", "jpeg" + PARTS])
def test_jpeg_pages_are_the_source_bytes(copies, kind):
    sources = sorted(copies["inputs"]["jpeg"].glob("*.jpg"))
    images = _images(_pdf(copies, kind))
    assert len(images) == len(sources) == 3
    for image, src in zip(images, sources):
        assert image.Filter == "/DCTDecode"
        assert image.read_raw_bytes() == src.read_bytes()


@pytest.mark.parametrize("kind", ["pdf-image", "pdf-image" + PARTS])
def test_scanned_pdf_image_streams_are_copied_unchanged(copies, kind):
    source = pikepdf.open(copies["inputs"]["pdf-image"])
    images = _images(_pdf(copies, kind))
    assert len(images) == len(source.pages)
    for image, page in zip(images, source.pages):
        original = max(_page_images(page), key=lambda im: int(im.Width) * int(im.Height))
        assert image.read_raw_bytes() == original.read_raw_bytes()
        assert image.get("/Filter") == original.get("/Filter")


@pytest.mark.parametrize("kind", ["tiff", "phototest", "tiff" + PARTS])
def test_tiff_pixels_are_kept_losslessly(copies, kind):
    source = Image.open(copies["inputs"][kind.removesuffix(PARTS)])
    for i, image in enumerate(_images(_pdf(copies, kind))):
        source.seek(i)
        got = pikepdf.PdfImage(image).as_pil_image()
        want = source.convert(got.mode)
        assert got.size == want.size and got.tobytes() == want.tobytes()


def test_born_digital_pdf_is_copied_byte_for_byte(copies):
    assert _pdf(copies, "digital").read_bytes() == copies["inputs"]["digital"].read_bytes()
    assert "born-digital" in copies["summary"][copies["ids"]["digital"]]["kind"]


def test_sizes_are_reported_against_the_source(copies):
    for kind, doc_id in copies["ids"].items():
        if kind.endswith(PARTS):
            continue
        info = copies["summary"][doc_id]
        assert info["bytes"] == _pdf(copies, kind).stat().st_size
        src = copies["inputs"][kind]
        files = [src] if src.is_file() else sorted(src.glob("*.jpg"))
        assert info["source_bytes"] == sum(f.stat().st_size for f in files)
    # A copy of JPEG pages is the JPEGs plus little: the text layer and the font.
    info = copies["summary"][copies["ids"]["jpeg"]]
    assert info["source_bytes"] < info["bytes"] < info["source_bytes"] * 1.05


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed (scripts/bootstrap.sh)")
@pytest.mark.parametrize("kind", ALL_SCANNED)
def test_qpdf_check_is_clean(copies, kind):
    run = subprocess.run(["qpdf", "--check", str(_pdf(copies, kind))], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No syntax or stream encoding errors found" in run.stdout
    assert "WARNING" not in run.stdout + run.stderr


@pytest.mark.parametrize("kind", ALL_SCANNED)
def test_pdfa_2b_requirements(copies, kind):
    path = _pdf(copies, kind)
    raw = path.read_bytes()
    assert raw.startswith(b"%PDF-") and re.match(rb"%PDF-1\.\d\r?\n%[\x80-\xff]{4}", raw[:20]), "binary header"
    pdf = pikepdf.open(path)
    assert not pdf.is_encrypted
    # Trailer ID: two strings.
    assert len(pdf.trailer.ID) == 2 and all(len(bytes(x)) == 16 for x in pdf.trailer.ID)
    # Output intent: GTS_PDFA1 with an embedded RGB ICC profile.
    (intent,) = pdf.Root.OutputIntents
    assert intent.S == "/GTS_PDFA1"
    profile = intent.DestOutputProfile
    assert profile.N == 3 and profile.read_bytes()[36:40] == b"acsp"
    # XMP: pdfaid part 2 conformance B; title, creator tool and dates agreeing with /Info.
    meta = pdf.open_metadata()
    assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
    info = pdf.docinfo
    assert str(info.Title) == meta["dc:title"] and meta["dc:title"]
    assert str(info.Producer) == meta["pdf:Producer"]
    assert str(info.CreationDate).startswith("D:" + meta["xmp:CreateDate"][:10].replace("-", ""))
    assert str(info.ModDate).startswith("D:" + meta["xmp:ModifyDate"][:10].replace("-", ""))
    if "/Author" in info:
        assert str(info.Author) == ", ".join(meta["dc:creator"]) or str(info.Author) in meta["dc:creator"]
    # No JavaScript, no actions, no transparency, every font embedded with a ToUnicode map.
    assert "/Names" not in pdf.Root or "/JavaScript" not in pdf.Root.Names
    assert "/OpenAction" not in pdf.Root and "/AA" not in pdf.Root
    for page in pdf.pages:
        assert "/Group" not in page.obj and "/AA" not in page.obj
        for image in _page_images(page):
            assert "/SMask" not in image and "/Mask" not in image
            assert image.ColorSpace in ("/DeviceGray", "/DeviceRGB")
        for font in page.Resources.Font.values():
            assert "/ToUnicode" in font
            for descendant in font.get("/DescendantFonts", [font]):
                desc = descendant.FontDescriptor
                assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                assert "/CIDToGIDMap" in descendant
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") in ("/JavaScript", "/Launch"):
            pytest.fail(f"forbidden action {obj.S}")


def _render(path: Path, tmp: Path) -> Image.Image:
    subprocess.run(["pdftoppm", "-r", "72", "-png", "-singlefile", str(path), str(tmp / "r")], check=True)
    return Image.open(tmp / "r.png").convert("L")


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_a_turned_page_is_placed_upright(tmp_path, rotation):
    """A synthetic page: the stored image turned `rotation` clockwise reads upright; the copy must
    show that upright image, with the text layer on the upright coordinates."""
    from reports.access_pdf import _add_page, _image_stream
    from reports.access_pdf_parts import glyphless_font
    stored = Image.new("L", (144, 72), 255)
    stored.paste(0, (0, 0, 36, 36))  # a black square in the top-left corner of the stored image
    stored.save(tmp_path / "p.png", dpi=(72, 72))
    upright = stored.rotate(-rotation, expand=True)  # PIL turns counter-clockwise
    layout = Layout(width=upright.width, height=upright.height, unit="px", source="tesseract", rotation=rotation,
                    dpi=72.0, lines=(Line(words=(Word("mark", (4, 4, 40, 20)),), box=(4, 4, 40, 20)),))

    class _Page:
        dpi = 72.0
    with pikepdf.new() as pdf:
        image, pixels = _image_stream(pdf, str(tmp_path / "p.png"), "png", 0)
        _add_page(pdf, image, pixels, layout, _Page(), glyphless_font(pdf))
        pdf.save(tmp_path / "t.pdf")
    got = _render(tmp_path / "t.pdf", tmp_path)
    assert got.size == upright.size
    diff = sum(abs(a - b) for a, b in zip(got.tobytes(), upright.tobytes())) / (got.width * got.height)
    assert diff < 8, f"rendered page differs from the upright image by {diff:.1f} per pixel"
    assert "mark" in pypdf.PdfReader(tmp_path / "t.pdf").pages[0].extract_text()


def test_report_all_includes_the_access_copies(copies, tmp_path):
    url = str(copies["engine"].url)
    doc = str(copies["ids"]["phototest"])
    from reports.registry import WRITERS, formats_for
    assert "pdf-a" in formats_for("all") and WRITERS["pdf-a"].module == "reports.access_pdf"
    result = _cli(url, "report", "--format", "pdf-a", "-o", str(tmp_path), "--json")
    assert result.exit_code == 0, result.output
    written = json.loads(result.output)["formats"]["pdf-a"]["files"]
    assert f"access/doc-{doc}.pdf" in written and "access/summary.json" in written


def test_export_pdf_needs_a_folder(copies):
    result = CliRunner().invoke(cli, ["--db", str(copies["engine"].url), "export", "--format", "pdf"])
    assert result.exit_code != 0
    assert "-o" in result.output and "\n" == result.output[-1] and result.output.count("\n") == 1


def test_a_missing_source_loses_its_copy_not_the_run(tmp_path, realworld):
    """Batch isolation: a document whose source moved is a one-line failure in the summary (exit 1);
    the other documents' copies are written."""
    from archive.store.db import make_engine
    from ingest.pipeline import IngestOptions, ingest
    url = f"sqlite:///{tmp_path / 'a.db'}"
    held = tmp_path / "held"
    held.mkdir()
    shutil.copy(realworld / "tesseract" / "phototest.tif", held / "phototest.tif")
    shutil.copy(realworld / "tesseract" / "phototest-rotated-180.png", held / "turned.png")
    engine = make_engine(url)
    ingest(engine, [str(held / "phototest.tif"), str(held / "turned.png")], IngestOptions(jobs=1))
    engine.dispose()
    (held / "phototest.tif").unlink()
    result = _cli(url, "export", "--format", "pdf", "-o", str(tmp_path / "out"), "--json")
    assert result.exit_code == 1, result.output
    docs = json.loads(result.stdout)["documents"]
    bad = [d for d in docs if d.get("error")]
    good = [d for d in docs if not d.get("error")]
    assert len(bad) == 1 and "phototest.tif" in bad[0]["error"] and "\n" not in bad[0]["error"]
    assert len(good) == 1 and (tmp_path / "out" / good[0]["file"]).is_file()


def test_parts_that_cannot_be_joined_are_a_one_line_error(tmp_path):
    from archive.errors import UsageError
    from reports.access_pdf_parts import join_parts
    good = tmp_path / "good.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(good)
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf at all")
    target = tmp_path / "joined.pdf"
    with pytest.raises(UsageError) as err:
        join_parts([good, bad], target)
    assert "qpdf could not join" in err.value.one_line() and "\n" not in err.value.one_line()
    assert not target.exists()
