"""What the archive already holds that spares ingest work: inputs held (by fingerprint) and earlier
OCR results of the same page image, and the preprocessing record those results are matched on."""

from __future__ import annotations

import json
from typing import Optional

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from archive.store import layout
from archive.store.models import Document, Page, PageLayout
from ingest import images, orientation, preprocess
from ingest.ocr import OcrEngine
from ingest.pages import PageResult, PageTask

_KEYS_PER_QUERY = 500  # within every backend's limit on bound parameters


def held(engine: Engine, fingerprints: list[str]) -> dict[str, int]:
    """fingerprint -> id of the document already holding it, for those the archive holds."""
    wanted = sorted(set(fingerprints))
    found: dict[str, int] = {}
    with Session(engine) as session:
        for start in range(0, len(wanted), _KEYS_PER_QUERY):
            for doc_id, fp in session.exec(select(Document.id, Document.fingerprint).where(
                    col(Document.fingerprint).in_(wanted[start:start + _KEYS_PER_QUERY]))):
                found.setdefault(fp, doc_id)
    return found


def holds_ocr_results(engine: Engine, engine_name: str, lang: str, psm: int) -> bool:
    """Whether any page image was OCR'd by this engine with this language and segmentation mode."""
    with Session(engine) as session:
        return session.exec(select(Page.id).where(
            Page.engine == engine_name, col(Page.image_sha256).is_not(None), Page.language == lang,
            Page.psm == psm).limit(1)).first() is not None


def reusable_ocr(engine: Engine, tasks: list[PageTask], key_dpi: dict[int, float],
                 ocr: OcrEngine) -> dict[int, PageResult]:
    """page number -> an earlier result to copy, for the tasks whose page image was already OCR'd
    by `ocr` (the same engine and version) with the same language and settings.

    The image is named by a digest known before decoding it: an image file's own digest, or an
    embedded PDF scan's (pdf.embedded_image_key, whose dpi `key_dpi` holds by page number), and
    its resolution must match too (the preprocessing plan depends on it)."""
    keyed = [t for t in tasks if t.image_key]
    if not keyed:
        return {}
    version = ocr.version()
    wanted = sorted({t.image_key for t in keyed})
    reused: dict[int, PageResult] = {}
    # Small rows first (a reused image's digest is on every copy of the page); whole pages only for a match.
    candidates: dict[str, list[tuple[int, str, Optional[float]]]] = {}
    with Session(engine) as session:
        for start in range(0, len(wanted), _KEYS_PER_QUERY):
            for pid, key, prep, dpi in session.exec(
                    select(Page.id, Page.image_sha256, Page.preprocessing, Page.dpi).where(
                        col(Page.image_sha256).in_(wanted[start:start + _KEYS_PER_QUERY]),
                        Page.engine == ocr.name, Page.engine_version == version,
                        Page.language == keyed[0].lang, Page.psm == keyed[0].psm).order_by(Page.id)):
                if _same_preprocessing(prep):
                    candidates.setdefault(key, []).append((pid, key, dpi))
        file_dpi: dict[str, Optional[float]] = {}
        for t in keyed:
            found = candidates.get(t.image_key)
            if not found:
                continue
            if t.kind == "pdf":
                dpi = key_dpi.get(t.number)
            else:
                dpi = file_dpi[t.path] if t.path in file_dpi else file_dpi.setdefault(t.path, images.file_dpi(t.path))
            # Same bytes at another resolution (a JPEG placed on a page of another size) may be
            # preprocessed differently: the resolution must match as well.
            match = next((pid for pid, _, prior_dpi in found
                          if prior_dpi == dpi or (prior_dpi is not None and dpi is not None
                                                  and abs(prior_dpi - dpi) <= 0.5)), None)
            if match is None:
                continue
            prior = session.get(Page, match)
            prior_layout = session.get(PageLayout, match)
            turn = _orientation(prior_layout.data if prior_layout is not None else None)
            reused[t.number] = PageResult(
                t.number, t.source_seq, t.index, prior.method, prior.text, engine=prior.engine,
                engine_version=prior.engine_version, language=prior.language, psm=prior.psm,
                confidence=prior.confidence, preprocessing=tuple(_steps(prior.preprocessing)),
                image_sha256=prior.image_sha256, width=prior.width, height=prior.height, dpi=prior.dpi,
                thumbnail=prior.thumbnail, layout=prior_layout.data if prior_layout is not None else None,
                rotation=turn.rotation, osd_confidence=turn.osd_confidence, review=turn.review,
                note=f"OCR result reused from page {prior.number} of document {prior.document_id} (same image); "
                     + turn.note())
    return reused


def _orientation(layout_blob: Optional[bytes]) -> orientation.Verdict:
    """The orientation verdict an earlier OCR result recorded in its layout, so a reused page keeps
    its rotation and its review flag."""
    if layout_blob is None:
        return orientation.Verdict()
    return orientation.Verdict.from_extra(layout.decode(layout_blob).extra.get("orientation") or {})


def preprocessing_json(result: PageResult, ocr_engine_name: str) -> str:
    """Page.preprocessing: for an OCR'd page {"version", "steps"}, so that a result is reused only
    under the preprocessing version that made it; "[]" for any other page."""
    if result.engine != ocr_engine_name:
        return "[]"
    return json.dumps({"version": preprocess.PREPROCESS_VERSION, "steps": list(result.preprocessing)})


def _steps(preprocessing_json: str) -> list[str]:
    data = json.loads(preprocessing_json or "[]")
    return data.get("steps", []) if isinstance(data, dict) else data


def _same_preprocessing(preprocessing_json: str) -> bool:
    data = json.loads(preprocessing_json or "[]")
    return not isinstance(data, dict) or data.get("version") == preprocess.PREPROCESS_VERSION
