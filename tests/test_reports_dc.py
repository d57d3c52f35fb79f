"""Dublin Core: OAI-DC records valid against the bundled schemas, with the fields mapped and text escaped."""

from __future__ import annotations

from lxml import etree
from sqlmodel import Session

from archive.store import reads
from reports import dublin_core
from reports.build import build_reports
from tests.helpers.collection import HOSTILE_SUBTITLE, HOSTILE_TITLE, build_collection

DC = {"dc": dublin_core.DC_NS, "oai_dc": dublin_core.OAI_DC_NS, "c": dublin_core.COLLECTION_NS}


def _record(root, doc_id):
    return root.xpath(f"/c:collection/c:record[@id='{doc_id}']/oai_dc:dc", namespaces=DC)[0]


def _values(rec, name):
    return [e.text for e in rec.findall(f"dc:{name}", DC)]


def test_dublin_core_is_schema_valid_and_mapped(engine, tmp_path):
    ids = build_collection(engine)
    build_reports(engine, tmp_path, "dc")
    data = (tmp_path / "catalog-dc.xml").read_bytes()
    assert dublin_core.validate(data) == []
    root = etree.fromstring(data)
    assert root.get("count") == "4"
    rec = _record(root, ids["described"])
    assert _values(rec, "title") == ["The Workers' Library: A Catalogue of Pamphlets"]
    assert _values(rec, "creator") == ["Ada Smith", "Ben Jones"]
    assert _values(rec, "publisher") == ["Pioneer Publishers"]
    assert _values(rec, "contributor") == ["Socialist Workers Party"]
    assert _values(rec, "date") == ["1972-05"]
    assert _values(rec, "type") == ["Text"]
    assert "application/pdf" in _values(rec, "format") and "3 pages" in _values(rec, "format")
    assert f"urn:sha256:{'1' * 64}" in _values(rec, "identifier")
    assert _values(rec, "source") == ["scan.pdf"]
    assert _values(rec, "language") == ["eng"]
    relations = _values(rec, "relation")
    assert f"References archive-tracker:document:{ids['leaflet']} (Dockers' Leaflet)" in relations
    assert "References Marx, 1867" in relations  # the citation as found (the export names no work)
    assert any(r.startswith(f"Is referenced by archive-tracker:document:{ids['hostile']}") for r in relations)
    assert any(r.startswith("Rescan or near-duplicate of") for r in relations)
    # Hostile values are character data, and come back exactly (no markup was injected).
    hostile = _record(root, ids["hostile"])
    assert _values(hostile, "title") == [f"{HOSTILE_TITLE}: {HOSTILE_SUBTITLE}"]
    assert hostile.find("script") is None and b"<script>" not in data
    # An approximate date stays a date, the approximation goes to the description.
    assert "Date approximate: 1969" in _values(hostile, "description")
    # No value from the untitled rescan is invented.
    assert _values(_record(root, ids["rescan"]), "title") == []


def test_schema_rejects_invalid_records():
    export = {"documents": [{"id": 1, "title": "T", "page_count": 1, "source_files": [], "pages": []}]}
    xml = dublin_core.render(export)
    assert dublin_core.validate(xml) == []
    broken = xml.replace("<dc:title>", "<dc:titel>").replace("</dc:title>", "</dc:titel>")
    assert dublin_core.validate(broken)
    assert dublin_core.validate(xml.replace('id="1"', 'id="zero"'))


def test_control_characters_are_dropped_not_fatal():
    export = {"documents": [{"id": 7, "title": "Form\x0cfeed\x00", "page_count": 0}]}
    xml = dublin_core.render(export)
    assert dublin_core.validate(xml) == []
    assert "<dc:title>Formfeed</dc:title>" in xml


def test_render_matches_the_export_contract(engine):
    build_collection(engine)
    with Session(engine) as session:
        export = reads.export(session)
    root = etree.fromstring(dublin_core.render(export).encode())
    assert [int(r.get("id")) for r in root] == [d["id"] for d in export["documents"]]


def test_archive_export_dc_uses_this_writer(db_url, engine, run_cli, tmp_path):
    build_collection(engine)
    result = run_cli(db_url, "export", "--format", "dc", "-o", str(tmp_path / "dc.xml"))
    assert result.exit_code == 0, result.output
    assert dublin_core.validate((tmp_path / "dc.xml").read_bytes()) == []
