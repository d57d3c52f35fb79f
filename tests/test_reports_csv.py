"""The CSV report: a header, one row per document, lists joined with "; ", formula-looking cells neutralized."""

from __future__ import annotations

import csv
import io

from sqlmodel import Session, select

from archive.store.models import Document
from reports import csv_export
from reports.build import build_reports
from tests.helpers.collection import HOSTILE_TITLE, build_collection


def test_csv_round_trips_through_the_csv_module(engine, tmp_path):
    ids = build_collection(engine)
    build_reports(engine, tmp_path / "out", "csv")
    raw = (tmp_path / "out" / "catalog.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(rows[0]) == csv_export.COLUMNS
    with Session(engine) as session:
        docs = {d.id: d for d in session.exec(select(Document))}
    assert [int(r["id"]) for r in rows] == sorted(docs)
    by_id = {int(r["id"]): r for r in rows}
    described = by_id[ids["described"]]
    assert described["title"] == docs[ids["described"]].title
    assert described["authors"] == "Ada Smith; Ben Jones"
    assert described["cites_documents"] == str(ids["leaflet"])
    assert described["cited_by_documents"] == str(ids["hostile"])
    assert described["external_works_cited"] == "Whitcombe; Marx, Capital, 1867"
    assert described["duplicates"] == f"{ids['rescan']} (near-duplicate)"
    assert described["fixity"] == "ok" and described["pages"] == "3"
    assert described["source_files"] == "scan.pdf"  # the file name only, never the folder it sat in
    hostile = by_id[ids["hostile"]]
    assert hostile["title"] == HOSTILE_TITLE
    assert hostile["date_approximate"] == "yes" and hostile["fixity"] == "modified"
    # Cells a spreadsheet would run as formulas start with an apostrophe; the rest is verbatim.
    assert hostile["publisher"] == "'-2+3"
    assert hostile["authors"] == "<i>Mallory</i>; =HYPERLINK(\"http://x\")"
    assert by_id[ids["rescan"]]["title"] == ""


def test_neutralize_only_touches_formula_starts():
    assert csv_export.neutralize("=1+1") == "'=1+1"
    assert csv_export.neutralize("@SUM(A1)") == "'@SUM(A1)"
    assert csv_export.neutralize("Plain title = fine") == "Plain title = fine"
