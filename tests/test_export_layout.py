"""hOCR, ALTO 4 and METS + PREMIS exports from real pages: OCR'd by the real Tesseract
(phototest.tif and a scanned corpus pamphlet) and a born-digital PDF's text layer."""

from __future__ import annotations

import json

import lxml.html
import pytest
from lxml import etree
from sqlmodel import Session, select

from archive.store import reads
from archive.store.models import Document, Page, PageLayout, SourceFile
from reports import alto, mets
from reports.build import build_reports
from reports.pagestream import page_rows
from tests.helpers.databases import BACKENDS, copy_db_url, ingested_archive, invoke_cli, make_db_url

ALTO_NS = {"a": alto.ALTO_NS}
METS_NS = {"m": mets.METS_NS, "premis": mets.PREMIS_NS}
HOSTILE = "Tom & Jerry <script>alert(1)</script> \"quoted\" 'single' \x07bell\x0c"


@pytest.fixture(scope="module", params=BACKENDS)
def ingested_once(request, realworld, corpus, tmp_path_factory) -> str:
    """The module's archive, ingested (OCR included) once per backend; each test works on a copy (db_url)."""
    url = make_db_url(request.param, request, tmp_path_factory.mktemp("module-archive"))
    inputs = [realworld / "tesseract" / "phototest.tif", corpus / "workers-library" / "clean",
              corpus / "ellery-collection-catalogue" / "digital.pdf"]
    first = ingested_archive(url, inputs)[0]
    res = invoke_cli(url, "set", str(first), "title", HOSTILE, "--by", "Tester", "--note", "hostile title")
    assert res.exit_code == 0, res.output
    return url


@pytest.fixture
def db_url(ingested_once, request, tmp_path) -> str:
    return copy_db_url(ingested_once, request, tmp_path)


def _layouts(engine):
    with Session(engine) as s:
        for d in s.exec(select(Document).order_by(Document.id)):
            for row in page_rows(s, d.id):
                yield d, row, reads.page_layout(s, row.id), s.get(type(d), d.id)


def test_alto_hocr_mets_agree_with_the_stored_layout(engine, tmp_path):
    result = build_reports(engine, tmp_path, "all")
    assert {"hocr", "alto", "mets"} <= set(result.formats)
    checked_words = 0
    with Session(engine) as s:
        docs = list(s.exec(select(Document).order_by(Document.id)))
        for d in docs:
            hocr = lxml.html.parse(str(tmp_path / f"hocr/doc-{d.id}.hocr")).getroot()
            hpages = hocr.find_class("ocr_page")
            rows = page_rows(s, d.id)
            assert len(hpages) == len(rows) == d.page_count
            for row, hpage in zip(rows, hpages):
                lay = reads.page_layout(s, row.id)
                words = [w for ln in lay.lines for w in ln.words]
                page_text = s.get(Page, row.id).text
                # ALTO: valid where the schema is bundled; words, boxes and confidences as stored.
                data = (tmp_path / alto.file_name(d.id, row.number)).read_bytes()
                tree = etree.fromstring(data)
                errors = alto.validate(tree)
                assert errors == [], errors
                strings = tree.findall(".//a:String", ALTO_NS)
                assert [x.get("CONTENT") for x in strings] == [w.text for w in words]
                page_el = tree.find(".//a:Page", ALTO_NS)
                pw, ph = int(page_el.get("WIDTH")), int(page_el.get("HEIGHT"))
                for x, w in zip(strings, words):
                    box = tuple(int(x.get(k)) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT"))
                    assert box[0] >= 0 and box[1] >= 0 and box[0] + box[2] <= pw and box[1] + box[3] <= ph
                    if lay.unit == "px":
                        assert box == (w.box[0], w.box[1], w.box[2] - w.box[0], w.box[3] - w.box[1])
                        assert 0 <= float(x.get("WC")) <= 1
                        assert abs(float(x.get("WC")) - w.confidence / 100) < 0.001
                    checked_words += 1
                sps = tree.findall(".//a:SP", ALTO_NS)
                assert len(sps) == sum(max(len(ln.words) - 1, 0) for ln in lay.lines)
                if lay.source == "tesseract":
                    assert tree.findtext(".//a:softwareName", namespaces=ALTO_NS) == row.engine
                    assert tree.findtext(".//a:softwareVersion", namespaces=ALTO_NS) == row.engine_version
                    assert tree.findtext(".//a:MeasurementUnit", namespaces=ALTO_NS) == "pixel"
                # hOCR: the same words with the same boxes, and the page's text.
                hwords = hpage.find_class("ocrx_word")
                assert [h.text_content() for h in hwords] == [w.text for w in words]
                if lay.unit == "px":
                    for h, w in zip(hwords, words):
                        assert h.get("title").split(";")[0] == "bbox {} {} {} {}".format(*w.box)
                hlines = [" ".join(x.text_content() for x in ln.find_class("ocrx_word"))
                          for ln in hpage.find_class("ocr_line")]
                assert hlines == [ln.text for ln in lay.lines]
                if lay.source == "tesseract":  # an OCR'd page's text is its layout's
                    assert " ".join(h.text_content() for h in hwords) == " ".join(page_text.split())
            # METS: valid, fixity equals the stored SHA-256, one structMap div per page.
            mdata = (tmp_path / mets.file_name(d.id)).read_bytes()
            mtree = etree.fromstring(mdata)
            assert mets.validate(mtree) == []
            sources = list(s.exec(select(SourceFile).where(SourceFile.document_id == d.id)))
            digests = mtree.xpath("//premis:fixity/premis:messageDigest/text()", namespaces=METS_NS)
            assert sorted(digests) == sorted(sf.sha256 for sf in sources)
            assert sorted(mtree.xpath("//m:file/@CHECKSUM", namespaces=METS_NS)) == sorted(sf.sha256 for sf in sources)
            pages = mtree.xpath("//m:structMap/m:div/m:div[@TYPE='page']", namespaces=METS_NS)
            assert [int(p.get("ORDER")) for p in pages] == list(range(1, d.page_count + 1))
            alto_files = mtree.xpath("//m:fileGrp[@USE='ALTO']/m:file", namespaces=METS_NS)
            assert len(alto_files) == d.page_count
            events = mtree.xpath("//premis:event", namespaces=METS_NS)
            assert len(events) == len(reads.events(s, d.id)) > 0
            assert set(mtree.xpath("//premis:eventType/text()", namespaces=METS_NS)) >= {"ingestion"}
    assert checked_words > 300
    # The hostile title stays character data, exactly, in every format.
    first = docs[0]
    mtree = etree.parse(str(tmp_path / mets.file_name(first.id))).getroot()
    clean = HOSTILE.replace("\x07", "").replace("\x0c", "")
    assert mtree.get("LABEL") == clean
    assert mtree.xpath("//dc:title/text()", namespaces={"dc": "http://purl.org/dc/elements/1.1/"}) == [clean]
    hocr = lxml.html.parse(str(tmp_path / f"hocr/doc-{first.id}.hocr")).getroot()
    assert hocr.findtext(".//title") == clean and not hocr.xpath("//script")


def test_cli_export_alto_writes_the_files(engine, db_url, run_cli, tmp_path):
    out = tmp_path / "out"
    res = run_cli(db_url, "export", "--format", "alto", "-o", str(out), "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    with Session(engine) as s:
        total = sum(d.page_count for d in s.exec(select(Document)))
    assert summary["formats"]["alto"]["count"] == total == len(list(out.glob("alto/doc-*/page-*.xml")))
    res = run_cli(db_url, "export", "--format", "mets")
    assert res.exit_code == 2 and "-o DIR" in res.output


def test_a_page_without_layout_is_written_empty_not_guessed(engine, db_url, run_cli, tmp_path):
    with Session(engine) as s:
        page = s.exec(select(Page).where(Page.method == "ocr").order_by(Page.id)).first()
        s.delete(s.get(PageLayout, page.id))
        s.commit()
        doc_id, number = page.document_id, page.number
    res = run_cli(db_url, "export", "--format", "hocr", "-o", str(tmp_path))
    assert res.exit_code == 0, res.output
    res = run_cli(db_url, "export", "--format", "alto", "-o", str(tmp_path))
    assert res.exit_code == 0, res.output
    hocr = lxml.html.parse(str(tmp_path / f"hocr/doc-{doc_id}.hocr")).getroot()
    empty = hocr.find_class("ocr_page")[number - 1]
    assert not empty.find_class("ocrx_word") and "no stored layout" in etree.tostring(empty).decode()
    tree = etree.parse(str(tmp_path / alto.file_name(doc_id, number))).getroot()
    assert tree.find(".//a:PrintSpace", ALTO_NS) is not None and not tree.findall(".//a:String", ALTO_NS)


def test_the_validator_catches_a_broken_mets_file():
    broken = (b'<mets:mets xmlns:mets="http://www.loc.gov/METS/"><mets:structMap>'
              b'<mets:div><mets:fptr FILEID="nowhere"/></mets:div></mets:structMap>'
              b'<mets:bogus/></mets:mets>')
    errors = mets.validate(broken)
    assert errors and any("bogus" in e or "IDREF" in e or "nowhere" in e for e in errors), errors


def test_the_validator_checks_the_wrapped_premis_too():
    def mets_with(premis: bytes) -> bytes:
        return (b'<mets:mets xmlns:mets="http://www.loc.gov/METS/" xmlns:premis="http://www.loc.gov/premis/v3" '
                b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><mets:amdSec><mets:techMD ID="T1">'
                b'<mets:mdWrap MDTYPE="PREMIS:OBJECT"><mets:xmlData>' + premis +
                b'</mets:xmlData></mets:mdWrap></mets:techMD></mets:amdSec>'
                b'<mets:structMap><mets:div/></mets:structMap></mets:mets>')
    good = (b'<premis:object xsi:type="premis:file"><premis:objectIdentifier>'
            b'<premis:objectIdentifierType>local</premis:objectIdentifierType>'
            b'<premis:objectIdentifierValue>1</premis:objectIdentifierValue></premis:objectIdentifier>'
            b'<premis:objectCharacteristics><premis:format><premis:formatDesignation><premis:formatName>pdf'
            b'</premis:formatName></premis:formatDesignation></premis:format></premis:objectCharacteristics>'
            b'</premis:object>')
    assert mets.validate(mets_with(good)) == []
    errors = mets.validate(mets_with(good.replace(b"objectIdentifierValue>1<", b"bogus>1<")
                                     .replace(b"objectIdentifierValue>", b"bogus>")))
    assert errors and any("premis" in e.lower() for e in errors), errors


def test_the_validator_catches_a_broken_alto_file():
    errors = alto.validate(b'<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Layout><Page/></Layout></alto>')
    assert errors


def test_xml_special_characters_in_ocr_words_stay_well_formed(engine, tmp_path):
    from archive.store import layout
    from archive.store.layout import Layout, Line, Word
    hostile_words = ["<b>", "&amp;", "\"q\"", "'s'", "nul\x00", "ff\x0c", "]]>"]
    with Session(engine) as s:
        page = s.exec(select(Page).where(Page.method == "ocr").order_by(Page.id)).first()
        words = tuple(Word(t, (10 + 40 * i, 10, 40 + 40 * i, 30), 88.0) for i, t in enumerate(hostile_words))
        lay = Layout(width=page.width, height=page.height, unit="px", source="tesseract",
                     lines=(Line(words=words, box=(10, 10, 40 * len(words), 30)),))
        row = s.get(PageLayout, page.id)
        row.data = layout.encode(lay)
        s.add(row)
        s.commit()
        doc_id, number = page.document_id, page.number
    build_reports(engine, tmp_path, "hocr")
    build_reports(engine, tmp_path, "alto")
    expected = [w.replace("\x00", "").replace("\x0c", "") for w in hostile_words]
    tree = etree.parse(str(tmp_path / alto.file_name(doc_id, number))).getroot()
    assert [x.get("CONTENT") for x in tree.findall(".//a:String", ALTO_NS)] == expected
    hocr = etree.parse(str(tmp_path / f"hocr/doc-{doc_id}.hocr")).getroot()  # strict XML parse
    page_el = hocr.findall(".//{http://www.w3.org/1999/xhtml}div[@class='ocr_page']")[number - 1]
    got = [w.text for w in page_el.iter("{http://www.w3.org/1999/xhtml}span") if w.get("class") == "ocrx_word"]
    assert got == expected
