"""The HTML catalogue without a browser: files and names, escaping, provenance, citations, links that resolve."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import html as lxml_html

from reports.build import build_reports
from reports.safety import OutputDir, UnsafeOutputPath
from tests.helpers.collection import HOSTILE_TITLE, build_collection

EXPECTED = {"index.html", "organizations.html", "publishers.html", "works.html", "citations.html", "citations.svg",
            "ocr-quality.html", "static/catalog.css", "static/catalog.js"}


def local_references(root: Path) -> list[tuple[Path, str, Path, str]]:
    """(page, reference, resolved file, fragment) for every local href/src of every HTML file under root."""
    refs = []
    for page in sorted(root.rglob("*.html")):
        tree = lxml_html.fromstring(page.read_bytes())
        for el in tree.iter():
            for attr in ("href", "src"):
                value = el.get(attr)
                if not value:
                    continue
                parts = urlsplit(value)
                assert not parts.scheme and not parts.netloc, f"{page.name}: non-local reference {value!r}"
                target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
                refs.append((page, value, target, parts.fragment))
    return refs


def ids_in(page: Path) -> set[str]:
    return {el.get("id") for el in lxml_html.fromstring(page.read_bytes()).iter() if el.get("id")}


def test_catalogue_files_and_names(engine, tmp_path):
    ids = build_collection(engine)
    out = tmp_path / "site"
    result = build_reports(engine, out, "html")
    written = set(result.formats["html"]["files"])
    assert EXPECTED <= written
    doc_ids = [ids[k] for k in ("described", "hostile", "rescan", "leaflet")]
    assert {f"documents/doc-{i}.html" for i in doc_ids} <= written
    thumbs = sorted(p for p in written if p.startswith("thumbnails/"))
    assert len(thumbs) == 9 and all((out / p).read_bytes().startswith(b"\xff\xd8\xff") for p in thumbs)
    # Only names we generate: nothing from a title, label or source path became a file name.
    assert all(p.replace("/", "").replace("-", "").replace(".", "").isalnum() for p in written)
    # Nothing beside the output folder (the SQLite database may live in tmp_path too).
    assert {p for p in os.listdir(tmp_path) if not p.startswith("archive.db")} == {"site"}
    assert not any("passwd" in p or "evil" in p or "tmp" in p for p in written)


def test_hostile_metadata_is_escaped_everywhere(engine, tmp_path):
    ids = build_collection(engine)
    build_reports(engine, tmp_path, "html")
    for page in tmp_path.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<script>cite" not in text, page
        assert "<img src=x" not in text and "<b>Org</b>" not in text and "<i>Mallory" not in text, page
        assert "\x0c" not in text
        # The only scripts are our own file.
        scripts = lxml_html.fromstring(text.encode()).xpath("//script")
        assert [s.get("src") for s in scripts] in (["static/catalog.js"], ["../static/catalog.js"]), page
    hostile = (tmp_path / "documents" / f"doc-{ids['hostile']}.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile
    tree = lxml_html.fromstring(hostile.encode())
    assert tree.xpath("string(//h1)").strip() == HOSTILE_TITLE
    svg = (tmp_path / "citations.svg").read_text(encoding="utf-8")
    assert "<script" not in svg and "&lt;script&gt;alert(1)" in svg


def test_document_page_shows_provenance_citations_and_duplicates(engine, tmp_path):
    ids = build_collection(engine)
    build_reports(engine, tmp_path, "html")
    page = tmp_path / "documents" / f"doc-{ids['described']}.html"
    tree = lxml_html.fromstring(page.read_bytes())
    title_row = tree.get_element_by_id("field-title")
    assert "THE WORKERS' LIBRARY" in title_row.text_content() and "page 1" in title_row.text_content()
    mark_target = title_row.xpath(".//a")[0].get("href")
    assert mark_target.startswith("#ev-") and mark_target[1:] in ids_in(page)
    assert tree.get_element_by_id(mark_target[1:]).text == "THE WORKERS' LIBRARY"
    org = tree.get_element_by_id("field-organization").text_content()
    assert "Set by Jane Archivist" in org and "Named on the back cover" in org
    date_row = tree.get_element_by_id("field-date")
    assert date_row.xpath(".//details") and "1972-05" in date_row.text_content()
    citations = tree.get_element_by_id("citations")
    hrefs = [a.get("href") for a in citations.xpath(".//a")]
    assert f"doc-{ids['leaflet']}.html" in hrefs[0:] or any(h.endswith(f"doc-{ids['leaflet']}.html") for h in hrefs)
    assert any(h.startswith(f"../documents/doc-{ids['hostile']}.html") for h in hrefs)  # cited by
    assert any(h.startswith(f"../works.html#work-{ids['work_shared']}") for h in hrefs)
    dups = tree.get_element_by_id("duplicates")
    assert any(a.get("href").endswith(f"doc-{ids['rescan']}.html") for a in dups.xpath(".//a"))
    history = tree.get_element_by_id("history").text_content()
    assert "fixity check" in history and "metadata extraction" in history
    files = tree.get_element_by_id("files").text_content()
    assert "1" * 64 in files and "scan.pdf" in files and "/scans/" not in files


def test_every_local_link_resolves(engine, tmp_path):
    build_collection(engine)
    build_reports(engine, tmp_path, "all")
    refs = local_references(tmp_path)
    assert len(refs) > 50
    anchors: dict[Path, set[str]] = {}
    for page, value, target, fragment in refs:
        assert target.is_relative_to(tmp_path.resolve()), (page, value)
        assert target.is_file(), f"{page.relative_to(tmp_path)}: {value!r} does not resolve"
        if fragment and target.suffix == ".html":
            known = anchors.setdefault(target, ids_in(target))
            assert fragment in known, f"{page.relative_to(tmp_path)}: {value!r} names no element"


def test_a_selection_links_only_what_it_holds(engine, tmp_path):
    ids = build_collection(engine)
    build_reports(engine, tmp_path, "html", flt=__import__("archive.store.reads", fromlist=["x"]).DocumentFilter(
        organization="Socialist Workers"), filters={"organization": "Socialist Workers"})
    assert sorted(p.name for p in (tmp_path / "documents").iterdir()) == [f"doc-{ids['described']}.html"]
    page = (tmp_path / "documents" / f"doc-{ids['described']}.html").read_text(encoding="utf-8")
    assert "not in this catalogue" in page  # the cited leaflet and the citing document are named, not linked
    for _page, value, target, _f in local_references(tmp_path):
        assert target.is_file(), value


@pytest.mark.parametrize("name", ["../escape.html", "/etc/passwd", "documents/../../x.html", "Doc.html",
                                  "a/b/c/d/e.html", "", "documents/.hidden", "doc\\..\\x.html", "doc-1.html\x00"])
def test_output_dir_refuses_unsafe_names(tmp_path, name):
    out = OutputDir(tmp_path / "out")
    with pytest.raises(UnsafeOutputPath):
        out.write_text(name, "x")
    assert list((tmp_path / "out").iterdir()) == []


def test_planted_symlink_cannot_redirect_writes(engine, tmp_path):
    build_collection(engine)
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "documents").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafeOutputPath):
        build_reports(engine, out, "html")
    assert list(outside.iterdir()) == []
    # A symbolic link planted at a file name is refused too, never written through.
    (out / "documents").unlink()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    (out / "index.html").symlink_to(victim)
    with pytest.raises(UnsafeOutputPath):
        build_reports(engine, out, "html")
    assert victim.read_text() == "keep"


def test_blank_and_oversized_values_render_in_every_format(engine, tmp_path):
    from sqlmodel import Session

    from archive.store.models import Document, Page
    from reports import dublin_core
    with Session(engine) as session:
        session.add(Document(fingerprint="blank", label="", title="   ", organization="  ", publisher="\t"))
        big = Document(fingerprint="big", label="big", title="Word " * 2000, organization="x" * 5000,
                       authors_json='["' + "y" * 3000 + '"]')
        session.add(big)
        session.flush()
        session.add(Page(document_id=big.id, number=1, method="ocr", confidence=12.0, text="z" * 20000,
                         thumbnail=b"not an image at all"))
        session.commit()
    result = build_reports(engine, tmp_path, "all")
    assert result.documents == 2
    index = lxml_html.fromstring((tmp_path / "index.html").read_bytes())
    titles = [a.text_content().strip() for a in index.xpath("//td[@class='title']/a")]
    assert titles[0] == "(untitled) document 1" and titles[1].startswith("Word Word")
    # A thumbnail that is not an image is left out, never written under an image name.
    assert not (tmp_path / "thumbnails").exists()
    assert dublin_core.validate((tmp_path / "catalog-dc.xml").read_bytes()) == []
