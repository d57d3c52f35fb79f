"""`archive report`: formats, filters, --json, exit codes, and the catalogue of a real ingest."""

from __future__ import annotations

import csv
import io
import json

import pytest
from pypdf import PdfReader

from reports import dublin_core
from reports.registry import WRITERS
from tests.helpers.collection import build_collection


def test_report_all_formats_with_json_summary(db_url, engine, run_cli, tmp_path):
    build_collection(engine)
    out = tmp_path / "out"
    result = run_cli(db_url, "-q", "report", "--format", "all", "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["documents"] == 4 and summary["output"] == str(out.resolve())
    # Every registered writer, the HTML catalogue last (its index links the others).
    assert list(summary["formats"]) == list(WRITERS) and list(WRITERS)[-1] == "html"
    assert {"json", "dc", "csv", "pdf", "hocr", "alto", "mets"} <= set(WRITERS)
    for name, info in summary["formats"].items():
        assert info["count"] == len(info["files"]) >= 1
        # A per-document format's "main" is its folder.
        assert (out / info["main"]).is_dir() if WRITERS[name].per_document else (out / info["main"]).is_file(), name
        assert all((out / f).is_file() for f in info["files"])
    exported = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
    assert len(exported["documents"]) == 4 and {"metadata_provenance", "citations", "events"} <= set(
        exported["documents"][0])
    assert dublin_core.validate((out / "catalog-dc.xml").read_bytes()) == []


@pytest.mark.parametrize("args, expected", [
    (["--organization", "socialist workers"], ["described"]),
    (["--publisher", "pathfinder"], ["leaflet"]),
    (["--from", "1970", "--to", "1979"], ["described"]),
    (["--query", "zanzibar"], ["leaflet"]),
    (["--query", "Whitcombe"], ["described", "rescan"]),
])
def test_report_filters(db_url, engine, run_cli, tmp_path, args, expected):
    ids = build_collection(engine)
    result = run_cli(db_url, "-q", "report", "--format", "csv", "-o", str(tmp_path / "out"), "--json", *args)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "catalog.csv").read_text(encoding="utf-8-sig"))))
    assert sorted(int(r["id"]) for r in rows) == sorted(ids[k] for k in expected)
    assert json.loads(result.stdout)["documents"] == len(expected)


def test_report_usage_errors(db_url, engine, run_cli, tmp_path):
    build_collection(engine)
    bad_date = run_cli(db_url, "report", "-o", str(tmp_path / "o"), "--from", "May 1972")
    assert bad_date.exit_code == 2
    assert "--from 'May 1972': dates are YYYY, YYYY-MM or YYYY-MM-DD" in bad_date.output
    assert run_cli(db_url, "report", "--format", "docx", "-o", str(tmp_path / "o")).exit_code == 2
    assert run_cli(db_url, "report").exit_code == 2  # -o is required
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert run_cli(db_url, "report", "-o", str(a_file)).exit_code == 2
    empty_query = run_cli(db_url, "report", "-o", str(tmp_path / "o"), "--query", "  ")
    assert empty_query.exit_code == 2 and "empty search query" in empty_query.output


# OCR dominates this test's time; the reads behind the report run on both backends in the others.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_report_of_a_real_ingest(db_url, run_cli, corpus, tmp_path):
    pdf = corpus / "ellery-collection-catalogue" / "digital.pdf"
    png = corpus / "workers-library" / "clean" / "page-001.png"
    ingested = run_cli(db_url, "-q", "ingest", "--jobs", "1", str(pdf), str(png))
    assert ingested.exit_code == 0, ingested.output
    out = tmp_path / "out"
    result = run_cli(db_url, "-q", "report", "--format", "all", "-o", str(out), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["documents"] == 2
    thumbs = [f for f in summary["formats"]["html"]["files"] if f.startswith("thumbnails/")]
    assert len(thumbs) == 3  # two PDF pages and one image, rendered at ingest
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "documents/doc-1.html" in index and "documents/doc-2.html" in index
    page = (out / "documents" / "doc-2.html").read_text(encoding="utf-8")
    assert "optical character recognition" in page and "page-001.png" in page
    assert "ocr" in page and "confidence" in page
    assert len(PdfReader(out / "catalog.pdf").pages) >= 3
    rows = list(csv.DictReader(io.StringIO((out / "catalog.csv").read_text(encoding="utf-8-sig"))))
    assert [r["source_files"] for r in rows] == ["digital.pdf", "page-001.png"]
    assert dublin_core.validate((out / "catalog-dc.xml").read_bytes()) == []
    # A published catalogue names files, never the folders the scans sit in.
    for published in [*out.rglob("*.html"), out / "catalog.csv", out / "catalog-dc.xml"]:
        assert str(corpus) not in published.read_text(encoding="utf-8-sig"), published
