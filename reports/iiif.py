"""IIIF Presentation 3 manifest per document (iiif/doc-<id>/manifest.json), with static images.

A Canvas per page, sized by the page row (width/height); the page image is a painting annotation
whose body is a JPEG written beside the manifest (iiif/doc-<id>/p<n>.jpg). No image server: a
static, level-0 publication that any IIIF viewer opens from files.

The images are rendered here from the stored source files, because reports may not import
ingest (the rasteriser's owner): image sources with Pillow (one frame of a multi-page TIFF at a
time), PDF pages with `pdftoppm` (poppler-utils, already required by ingest) at the page's dpi.
A page whose source is missing or unreadable gets a canvas without an image (said in the
manifest's summary) rather than failing the run: `archive verify` is the place for fixity.

The OCR text of each page is a supplementing annotation (motivation "supplementing", a
TextualBody), so a viewer can search or show it; the ALTO file is linked by seeAlso when ALTO is
written in the same run. Checked with iiif-prezi3's models before writing.
Cost: per document, its page rows, then one page's text and one image at a time.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Optional

from PIL import Image
from sqlmodel import select

from archive.errors import ArchiveError
from archive.store import reads
from archive.store.models import Page
from reports import alto, dublin_core
from reports.pagestream import page_rows
from reports.safety import clean_text

CONTEXT = "http://iiif.io/api/presentation/3/context.json"
JPEG_QUALITY = 85
DEFAULT_DPI = 150


def folder(doc_id: int) -> str:
    return f"iiif/doc-{int(doc_id)}"


def _lang(text) -> dict:
    return {"none": [clean_text(text)]}


def _render(source, row, dest: Path) -> Optional[tuple[int, int]]:
    """Write the page's image as JPEG to dest; its (width, height), or None when it cannot be had."""
    path = Path(source.path)
    if not path.is_file():
        return None
    if (source.format or "").lower() == "pdf":
        if shutil.which("pdftoppm") is None:
            return None
        with tempfile.TemporaryDirectory() as tmp:
            n = row.source_index + 1
            done = subprocess.run(["pdftoppm", "-f", str(n), "-l", str(n), "-r", str(int(row.dpi or DEFAULT_DPI)),
                                   "-jpeg", "-singlefile", str(path), str(Path(tmp) / "p")],
                                  capture_output=True, timeout=300)
            out = Path(tmp) / "p.jpg"
            if done.returncode != 0 or not out.is_file():
                return None
            shutil.move(str(out), dest)
        with Image.open(dest) as im:
            return im.size
    try:
        with Image.open(path) as im:
            im.seek(row.source_index)
            rgb = im.convert("RGB")
            rgb.save(dest, "JPEG", quality=JPEG_QUALITY)
            return rgb.size
    except (OSError, EOFError, ValueError):
        return None


def canvas_size(session, row, image: Optional[tuple[int, int]]) -> tuple[int, int]:
    """The page row's size; a text-layer page without one: its layout's (PDF points, the frame its
    boxes are in); else the rendered image's."""
    if row.width and row.height:
        return int(row.width), int(row.height)
    lay = reads.page_layout(session, row.id)
    if lay is not None and lay.width and lay.height:
        return int(round(lay.width)), int(round(lay.height))
    return image or (1, 1)


def manifest(session, record, root: str, out_dir: Optional[Path], *, with_alto: bool) -> dict:
    """The manifest as JSON data; `root` is the URI of the output folder; page images are written
    into out_dir (None: no images)."""
    doc = record.doc
    base = f"{root}/{folder(doc.id)}"
    sources = {s.id: s for s in record.sources}
    meta = [("Identifier", dublin_core.document_identifier(doc.id))]
    meta += [("Author", a) for a in record.authors]
    for label, value in (("Organisation", doc.organization), ("Publisher", doc.publisher), ("Place", doc.place),
                         ("Date", (("circa " if doc.date_approximate else "") + doc.date) if doc.date else None),
                         ("Language", doc.language), ("Pages", doc.page_count)):
        if value:
            meta.append((label, str(value)))
    data = {"@context": CONTEXT, "id": f"{base}/manifest.json", "type": "Manifest",
            "label": _lang(record.display_title),
            "metadata": [{"label": {"en": [k]}, "value": _lang(v)} for k, v in meta], "items": []}
    missing = 0
    for row in page_rows(session, doc.id):
        cid = f"{base}/canvas/p{row.number}"
        src = sources.get(row.source_file_id)
        size = None
        name = f"p{row.number}.jpg"
        if out_dir is not None and src is not None:
            size = _render(src, row, out_dir / name)
        canvas = {"id": cid, "type": "Canvas", "label": _lang(f"p. {row.number}"),
                  **dict(zip(("width", "height"), canvas_size(session, row, size))), "items": [], "annotations": []}
        if size:
            body = {"id": f"{base}/{name}", "type": "Image", "format": "image/jpeg",
                    "width": size[0], "height": size[1]}
            canvas["items"].append({"id": f"{cid}/page", "type": "AnnotationPage", "items": [
                {"id": f"{cid}/image", "type": "Annotation", "motivation": "painting", "body": body,
                 "target": cid}]})
        else:
            missing += 1
        text = session.exec(select(Page.text).where(Page.id == row.id)).one()
        if text.strip():
            canvas["annotations"].append({"id": f"{cid}/text", "type": "AnnotationPage", "items": [
                {"id": f"{cid}/text/1", "type": "Annotation", "motivation": "supplementing",
                 "body": {"type": "TextualBody", "value": clean_text(text), "format": "text/plain",
                          **({"language": row.language} if row.language else {})},
                 "target": cid}]})
        if with_alto:
            canvas["seeAlso"] = [{"id": f"{root}/{alto.file_name(doc.id, row.number)}", "type": "Dataset",
                                  "format": "application/xml",
                                  "profile": "http://www.loc.gov/standards/alto/ns-v4#"}]
        for key in ("items", "annotations"):
            if not canvas[key]:
                del canvas[key]
        data["items"].append(canvas)
    if missing:
        data["summary"] = _lang(f"{missing} page image(s) could not be rendered: source file missing or unreadable")
    return data


def check(data: dict) -> None:
    """Raise ArchiveError when iiif-prezi3's Presentation 3 models reject the manifest."""
    from iiif_prezi3 import Manifest  # pydantic models; imported only when IIIF is written
    try:
        Manifest(**data)
    except Exception as exc:  # pydantic's ValidationError, whatever its version
        raise ArchiveError(f"{data.get('id')}: not a valid IIIF Presentation 3 manifest: "
                           f"{'; '.join(str(exc).splitlines()[:4])}") from exc


def write(ctx) -> list[Path]:
    progress = getattr(ctx, "progress", None)
    with_alto = "alto" in ctx.formats
    out = []
    docs = ctx.catalog.documents
    for i, record in enumerate(docs, start=1):
        sub = folder(record.id)
        target = ctx.out.path_for(f"{sub}/manifest.json").parent
        target.mkdir(parents=True, exist_ok=True)
        # IIIF ids are URIs: the output folder's published address when given (--iiif-base), else
        # its file:// URI, so the manifests open from disk as written.
        root = (ctx.options.get("iiif_base") or ctx.out.root.as_uri()).rstrip("/")
        data = manifest(ctx.session, record, root, target, with_alto=with_alto)
        check(data)
        for c in data["items"]:
            if "items" in c:  # rendered beside the manifest by manifest(); recorded as written
                img = target / f"p{c['id'].rsplit('/p', 1)[1]}.jpg"
                ctx.out.written.append(img)
                out.append(img)
        out.append(ctx.out.write_bytes(f"{sub}/manifest.json",
                                       json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")))
        if progress:
            progress("iiif", i, len(docs))
    return out
