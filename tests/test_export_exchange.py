"""BagIt accession export, EAD3 finding aid and IIIF Presentation 3 manifests, from real ingests:
a scanned pamphlet (PNG pages, real Tesseract), a born-digital PDF and a TIFF copied into the
test's folder (so the test may change it), the last one with a hostile title."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import bagit
import pytest
from iiif_prezi3 import Manifest
from lxml import etree
from PIL import Image
from sqlmodel import Session, select

from archive.store import reads
from archive.store.models import Document, Page, SourceFile
from reports import ead, iiif
from reports.build import build_reports
from tests.helpers.databases import BACKENDS, copy_db_url, ingested_archive, invoke_cli, make_db_url

EAD = {"e": ead.EAD_NS}
HOSTILE = "Tom & Jerry <script>alert(1)</script> \"quoted\" ]]> 'single' \x07bell"
SHOWN = HOSTILE.replace("\x07", "")  # XML 1.0 cannot hold a bell: it is dropped, the rest kept


@pytest.fixture(scope="module", params=BACKENDS)
def ingested_once(request, realworld, corpus, tmp_path_factory) -> str:
    """The module's archive, ingested (OCR included) once per backend; each test works on a copy (db_url)."""
    url = make_db_url(request.param, request, tmp_path_factory.mktemp("module-archive"))
    tif = tmp_path_factory.mktemp("held") / "phototest.tif"
    shutil.copy(realworld / "tesseract" / "phototest.tif", tif)
    inputs = [corpus / "workers-library" / "clean", corpus / "ellery-collection-catalogue" / "digital.pdf", tif]
    last = ingested_archive(url, inputs)[-1]
    res = invoke_cli(url, "set", str(last), "title", HOSTILE, "--by", "Tester", "--note", "hostile title")
    assert res.exit_code == 0, res.output
    res = invoke_cli(url, "set", str(last), "date", "1931-05", "--by", "Tester")
    assert res.exit_code == 0, res.output
    return url


@pytest.fixture
def db_url(ingested_once, request, tmp_path) -> str:
    return copy_db_url(ingested_once, request, tmp_path)


def _docs(engine):
    with Session(engine) as s:
        return list(s.exec(select(Document).order_by(Document.id)))


def test_bag_validates_with_sha256_and_holds_the_recorded_sources(engine, db_url, run_cli, tmp_path):
    out = tmp_path / "out"
    res = run_cli(db_url, "export", "--format", "bag", "-o", str(out), "--source-organization", "Test Library")
    assert res.exit_code == 0, res.output
    root = out / "bag"
    bag = bagit.Bag(str(root))
    assert bag.validate(fast=True) and bag.validate(fast=False)
    assert bag.algorithms == ["sha256"]
    assert sorted(p.name for p in root.iterdir() if p.name.startswith("manifest")) == ["manifest-sha256.txt"]
    assert (root / "tagmanifest-sha256.txt").is_file()
    assert bag.info["Source-Organization"] == "Test Library"
    assert "3 documents" in bag.info["External-Description"] and bag.info["Payload-Oxum"]
    with Session(engine) as s:
        sources = list(s.exec(select(SourceFile)))
    hashes = {k: v["sha256"] for k, v in bag.payload_entries().items()}
    held = {k: v for k, v in hashes.items() if k.startswith("data/sources/")}
    assert sorted(held.values()) == sorted(sf.sha256 for sf in sources)
    names = {k.rsplit("/", 1)[1] for k in held}
    assert {"page-001.png", "digital.pdf", "phototest.tif"} <= names
    payload = {p.relative_to(root / "data").as_posix().split("/")[0] for p in (root / "data").rglob("*") if p.is_file()}
    assert {"sources", "metadata", "mets", "alto", "hocr"} <= payload
    meta = root / "data" / "metadata"
    assert len(json.loads((meta / "catalog.json").read_text())["documents"]) == 3
    assert ead.validate((meta / "ead.xml").read_bytes()) == []

    res = run_cli(db_url, "verify", "--bag", str(root), "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["valid"] and report["from_this_archive"] and report["checked"] == len(sources)

    tampered = tmp_path / "tampered"
    shutil.copytree(root, tampered)
    victim = next((tampered / "data" / "sources").rglob("digital.pdf"))
    with open(victim, "r+b") as fh:  # same size, one byte changed: only a hash can see it
        fh.seek(100)
        b = fh.read(1)
        fh.seek(100)
        fh.write(bytes([b[0] ^ 0xFF]))
    res = run_cli(db_url, "verify", "--bag", str(tampered))
    assert res.exit_code == 1
    assert "digital.pdf" in res.output and "MODIFIED" in res.output
    victim.unlink()
    res = run_cli(db_url, "verify", "--bag", str(tampered), "--json")
    assert res.exit_code == 1
    assert any(m.endswith("digital.pdf") for m in json.loads(res.stdout)["missing"])


def test_a_missing_or_changed_source_is_left_out_and_recorded(engine, db_url, run_cli, tmp_path):
    with Session(engine) as s:
        tif = next(sf for sf in s.exec(select(SourceFile)) if sf.path.endswith("phototest.tif"))
    original = Path(tif.path).read_bytes()   # the module's archives share the file: put back after
    try:
        _change_the_source(engine, db_url, run_cli, tmp_path, tif)
    finally:
        Path(tif.path).write_bytes(original)


def _change_the_source(engine, db_url, run_cli, tmp_path, tif) -> None:
    for change in ("append", "same size", "delete"):
        if change == "append":
            with open(tif.path, "ab") as fh:
                fh.write(b"x")
        elif change == "same size":  # other bytes at the recorded size: only the copy's hash sees it
            with open(tif.path, "r+b") as fh:
                fh.truncate(tif.size)
                fh.seek(10)
                fh.write(b"\x00\x01\x02")
        else:
            Path(tif.path).unlink()
        out = tmp_path / change.replace(" ", "-")
        build_reports(engine, out, "bag")
        bag = bagit.Bag(str(out / "bag"))
        assert bag.validate()  # a well-formed bag...
        assert not list((out / "bag" / "data" / "sources").rglob("phototest.tif"))
        assert "1 source files missing or changed" in bag.info["Archive-Tracker-Excluded-Sources"]
        listed = (out / "bag" / "data" / "metadata" / "excluded-sources.tsv").read_text()
        assert tif.path in listed
        res = run_cli(db_url, "verify", "--bag", str(out / "bag"))  # ...of an incomplete accession
        assert res.exit_code == 1 and "EXCLUDED" in res.output and "phototest.tif" in res.output


def test_ead_validates_with_one_component_per_document(engine, db_url, run_cli, tmp_path):
    res = run_cli(db_url, "export", "--format", "ead", "-o", str(tmp_path))
    assert res.exit_code == 0, res.output
    data = (tmp_path / "ead.xml").read_bytes()
    assert ead.validate(data) == []
    tree = etree.fromstring(data)
    assert tree.findtext("e:control/e:recordid", namespaces=EAD) == "archive-tracker-selection"
    assert tree.find("e:control/e:maintenancehistory/e:maintenanceevent", EAD) is not None
    comps = tree.findall("e:archdesc/e:dsc/e:c01", EAD)
    docs = _docs(engine)
    assert [c.findtext("e:did/e:unitid", namespaces=EAD) for c in comps] == [str(d.id) for d in docs]
    hostile = comps[-1]
    assert hostile.findtext("e:did/e:unittitle", namespaces=EAD) == SHOWN
    assert hostile.find("e:did/e:dao", EAD) is None  # a dao only where a copy is known (in a bag)
    assert hostile.find("e:did/e:unitdate", EAD).get("normal") == "1931-05"
    for c, d in zip(comps, docs):
        assert c.findtext("e:did/e:physdescstructured/e:quantity", namespaces=EAD) == str(d.page_count)


def test_the_ead_check_can_fail(engine, tmp_path):
    build_reports(engine, tmp_path, "ead")
    tree = etree.parse(str(tmp_path / "ead.xml")).getroot()
    ctl = tree.find("e:control", EAD)
    ctl.remove(ctl.find("e:recordid", EAD))  # recordid is required
    errors = ead.validate(tree)
    assert errors and "recordid" in " ".join(errors)
    tree2 = etree.parse(str(tmp_path / "ead.xml")).getroot()
    tree2.find("e:archdesc", EAD).set("level", "heap")  # not in the level vocabulary
    assert ead.validate(tree2)


def test_iiif_manifests_have_a_canvas_per_page_with_image_and_text(engine, db_url, run_cli, tmp_path):
    res = run_cli(db_url, "export", "--format", "iiif", "-o", str(tmp_path))
    assert res.exit_code == 0, res.output
    hostile_seen = False
    with Session(engine) as s:
        for d in _docs(engine):
            path = tmp_path / iiif.folder(d.id) / "manifest.json"
            data = json.loads(path.read_text(encoding="utf-8"))
            Manifest(**data)  # iiif-prezi3's models accept it
            pages = list(s.exec(select(Page).where(Page.document_id == d.id).order_by(Page.number)))
            assert len(data["items"]) == len(pages) == d.page_count
            for canvas, page in zip(data["items"], pages):
                if page.width:
                    size = (page.width, page.height)
                else:  # a text-layer page: its layout's frame (PDF points)
                    lay = reads.page_layout(s, page.id)
                    size = (round(lay.width), round(lay.height))
                assert (canvas["width"], canvas["height"]) == size
                body = canvas["items"][0]["items"][0]["body"]
                img = path.parent / body["id"].rsplit("/", 1)[1]
                with Image.open(img) as im:
                    assert im.size == (body["width"], body["height"])
                    assert abs(im.size[0] / im.size[1] - size[0] / size[1]) < 0.02
                texts = [a["body"]["value"] for ap in canvas.get("annotations", []) for a in ap["items"]
                         if a["motivation"] == "supplementing"]
                assert texts == ([page.text] if page.text.strip() else [])
            if d.title in (HOSTILE, SHOWN):
                assert data["label"] == {"none": [SHOWN]}
                hostile_seen = True
    assert hostile_seen
