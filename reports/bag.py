"""BagIt bag of a selection (an accession), and the audit of a bag we wrote.

Layout (under <output>/bag/, made a bag by bagit-python with SHA-256 manifests only):
  data/sources/doc-<id>/<original file names>  the held files, copied in 1 MB blocks
  data/metadata/catalog.json, ead.xml           the JSON export and the EAD3 finding aid
  data/metadata/sources.tsv                     source file id, document id, SHA-256, bag path:
                                                how `archive verify --bag` ties a bag to our records
  data/<writer>/...                             every per-document export registered as mets, alto,
                                                hocr or pdf-a, looked up by name when the bag is made

A source that is missing, or differs from its SourceFile row (size, seen by a stat before
copying; SHA-256, seen while copying), is left out, never bagged as it is now: it is listed in
data/metadata/excluded-sources.tsv and counted in bag-info.txt (Archive-Tracker-Excluded-Sources),
so the bag says plainly that the accession is incomplete and `archive verify --bag` fails it.
One moved file does not stop `archive report --format all`; it cannot go unnoticed either.
Cost: reads and writes every payload byte twice (our copy with hashing, bagit's manifest), in
blocks; nothing is held whole. Grows with the selection's bytes, not the archive's size.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

from archive.errors import InputError
from reports import ead
from reports.safety import OutputDir

BAG = "bag"
PACKED = ("mets", "alto", "hocr", "pdf-a")
SOURCES_TSV = "metadata/sources.tsv"
BLOCK = 1 << 20


def _names(record) -> list[tuple[object, str]]:
    """(source, file name in the bag); a repeated name gets its sequence number in front."""
    seen, out = set(), []
    for s in record.sources:
        name = Path(s.path).name
        if name in seen or not name or name.startswith("."):
            name = f"{s.sequence + 1:04d}-{name.lstrip('.') or 'file'}"
        seen.add(name)
        out.append((s, name))
    return out


def _problem(s) -> str | None:
    """Why a source cannot be bagged as recorded (cheap: a stat), or None."""
    p = Path(s.path)
    if not p.is_file():
        return "missing"
    if p.stat().st_size != s.size:
        return f"changed size ({p.stat().st_size} bytes, {s.size} recorded)"
    return None


def _copy(src: Path, dest: Path) -> str:
    h = hashlib.sha256()
    with open(src, "rb") as fin, open(dest, "xb") as fout:
        while block := fin.read(BLOCK):
            h.update(block)
            fout.write(block)
    shutil.copystat(src, dest)
    return h.hexdigest()


def _selection(catalog) -> str:
    shown = ", ".join(f"{k}={v}" for k, v in sorted(catalog.filters.items())) or "all documents"
    return f"archive-tracker selection ({shown}): {len(catalog.documents)} documents"


def write(ctx) -> list[Path]:
    import bagit  # imported on use, like every writer's library

    from reports.registry import WRITERS, ReportContext

    records = ctx.catalog.documents
    root = ctx.out.path_for(BAG)
    if root.exists():
        shutil.rmtree(root)  # a bag is made whole each time: an old payload must not linger
    root.mkdir(parents=True)
    try:
        rows = ["source_file_id\tdocument_id\tsha256\tpath"]
        excluded = ["source_file_id\tdocument_id\tsha256\tpath\treason"]
        for i, record in enumerate(records, start=1):
            folder = root / "sources" / f"doc-{record.id}"
            folder.mkdir(parents=True)
            for s, name in _names(record):
                problem = _problem(s)
                if problem is None and _copy(Path(s.path), folder / name) != s.sha256:
                    (folder / name).unlink()
                    problem = "changed since ingest (SHA-256 differs)"
                if problem:
                    excluded.append(f"{s.id}\t{record.id}\t{s.sha256}\t{s.path}\t{problem}")
                    continue
                rows.append(f"{s.id}\t{record.id}\t{s.sha256}\tdata/sources/doc-{record.id}/{name}")
            if ctx.progress:
                ctx.progress("bag", i, len(records))
        meta = OutputDir(root / "metadata")
        meta.write_text("catalog.json", json.dumps(ctx.export(), indent=2, ensure_ascii=False) + "\n")
        meta.write_bytes(ead.FILE_NAME, ead.to_bytes(ead.build(ctx.catalog, ctx.site_title, dao=lambda r: (
            f"../sources/doc-{r.id}/{_names(r)[0][1]}" if r.sources else None))))
        meta.write_text("sources.tsv", "\n".join(rows) + "\n")
        if len(excluded) > 1:
            meta.write_text("excluded-sources.tsv", "\n".join(excluded) + "\n")
        inner = OutputDir(root)
        packed = [n for n in PACKED if n in WRITERS]
        sub = ReportContext(session=ctx.session, catalog=ctx.catalog, out=inner, formats=tuple(packed),
                            ocr_threshold=ctx.ocr_threshold, site_title=ctx.site_title, progress=ctx.progress,
                            options=ctx.options, _export=ctx._export)
        for name in packed:
            WRITERS[name].load()(sub)
        info = {"Bagging-Date": date.today().isoformat(), "External-Description": _selection(ctx.catalog),
                "Bag-Software-Agent": "archive-tracker (bagit-python)",
                "Archive-Tracker-Contents": ", ".join(["sources", "catalog.json", "ead.xml", *packed])}
        if len(excluded) > 1:
            info["Archive-Tracker-Excluded-Sources"] = (f"{len(excluded) - 1} source files missing or changed, "
                                                        "not bagged: see data/metadata/excluded-sources.tsv")
        if ctx.options.get("source_organization"):
            info["Source-Organization"] = ctx.options["source_organization"]
        # Payload-Oxum and the manifests are bagit's; SHA-256 only (no MD5 or SHA-512 beside it).
        bagit.make_bag(str(root), info, processes=1, checksums=["sha256"])
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    written = [p for p in sorted(root.rglob("*")) if p.is_file()]
    ctx.out.written.extend(written)
    return written


def audit(session, bag_dir: Path | str, *, fast: bool = False) -> dict:
    """Validate a bag with bagit, and compare its sources with our SourceFile records.

    Returns {"valid", "errors": [...], "modified": [...], "missing": [...], "excluded": [...],
    "checked", "from_this_archive"}; a file named in an error is the bag's relative path."""
    import bagit

    from archive.store.models import SourceFile

    bag_dir = Path(bag_dir)
    try:
        bag = bagit.Bag(str(bag_dir))
    except bagit.BagError as exc:
        raise InputError(f"not a BagIt bag: {exc}", path=str(bag_dir)) from exc
    result = {"bag": str(bag_dir), "valid": True, "errors": [], "modified": [], "missing": [], "checked": 0,
              "from_this_archive": None}
    try:
        bag.validate(fast=fast, processes=1)
    except bagit.BagValidationError as exc:
        result["valid"] = False
        for d in getattr(exc, "details", None) or []:
            path = getattr(d, "path", None)
            kind = "missing" if isinstance(d, bagit.FileMissing) else "modified"
            result[kind if path else "errors"].append(path or str(d))
        if not exc.details:
            result["errors"].append(str(exc))
    result["excluded"] = []
    gone = bag_dir / "data" / "metadata" / "excluded-sources.tsv"
    if gone.is_file():  # sources the archive should hold but could not bag: an incomplete accession
        for line in gone.read_text(encoding="utf-8").splitlines()[1:]:
            parts = line.split("\t")
            if len(parts) == 5:
                result["excluded"].append({"path": parts[3], "document": int(parts[1]), "reason": parts[4]})
    tsv = bag_dir / "data" / SOURCES_TSV
    if tsv.is_file():
        lines = tsv.read_text(encoding="utf-8").splitlines()[1:]
        rows = [line.split("\t") for line in lines if line.count("\t") == 3]
        ours = {}
        ids = [int(r[0]) for r in rows]
        for i in range(0, len(ids), 500):
            for sf in session.exec(_select_sources(SourceFile, ids[i:i + 500])):
                ours[sf.id] = sf
        result["from_this_archive"] = bool(rows) and all(
            int(r[0]) in ours and ours[int(r[0])].sha256 == r[2] for r in rows)
        for sid, _doc, sha, rel in rows:
            result["checked"] += 1
            if int(sid) in ours and ours[int(sid)].sha256 != sha:
                result["errors"].append(f"{rel}: the bag lists SHA-256 {sha[:12]}…, the archive records "
                                        f"{ours[int(sid)].sha256[:12]}…")
            f = bag_dir / rel
            if not f.is_file():
                if rel not in result["missing"]:
                    result["missing"].append(rel)
            elif not fast and rel not in result["modified"] and _sha256(f) != sha:
                result["modified"].append(rel)
    result["valid"] = result["valid"] and not (result["errors"] or result["modified"] or result["missing"]
                                               or result["excluded"])
    return result


def _select_sources(model, ids):
    from sqlmodel import select
    return select(model).where(model.id.in_(ids))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(BLOCK):
            h.update(block)
    return h.hexdigest()

