"""Ingest from the browser: upload files or a folder (editors), or name a path on the server (admins); each
becomes a background job (archive.web.jobs) running `archive ingest`'s library calls.

Plain files are ingested one by one, as `archive ingest a.pdf b.png` would; an uploaded folder whole, as
`archive ingest folder/` would (a folder of page images is one document).
"""

from __future__ import annotations

import os
import re
from typing import Optional

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from archive.errors import UsageError
from archive.web import auth, jobs, uploads

router = APIRouter()
_LANG = re.compile(r"[a-z_]{3,20}(\+[a-z_]{3,20}){0,4}")


def _lang(value: object) -> str:
    value = (value if isinstance(value, str) else "").strip() or "eng"
    if not _LANG.fullmatch(value):
        raise UsageError(f"language {value!r}: Tesseract language codes such as eng or eng+fra")
    return value


async def _limited_form(request: Request, conf: jobs.JobSettings):
    """The multipart form, parsed only up to the upload limit (counted as the bytes arrive, whatever the
    Content-Length says). Returns the request it was parsed on (its form cached there) and the form."""
    from starlette.requests import Request as StarletteRequest
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > conf.max_upload_bytes:
        raise uploads.TooLarge(f"the upload is {int(length)} bytes, over the limit of {conf.max_upload_bytes}")
    received = 0
    upstream = request.receive

    async def receive():
        nonlocal received
        message = await upstream()
        if message.get("type") == "http.request":
            received += len(message.get("body", b""))
            if received > conf.max_upload_bytes:
                raise uploads.TooLarge(f"the upload is over the limit of {conf.max_upload_bytes} bytes")
        return message

    limited = StarletteRequest(request.scope, receive)
    return limited, await limited.form(max_files=conf.max_files, max_fields=20)


async def _upload(request: Request) -> int:
    """Check the role, then parse and check the CSRF token, then save the files and queue the ingest."""
    await auth.resolve_user(request)
    user = auth.editor(request)  # before a byte of the body is read
    conf = jobs.settings(request.app)
    try:
        parsed_on, form = await _limited_form(request, conf)
        await auth.check_csrf(parsed_on)
        files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
        folder = [f for f in form.getlist("folder") if isinstance(f, UploadFile) and f.filename]
        lang = _lang(form.get("lang"))
        saved = await uploads.save(conf.storage, files, folder, max_file_bytes=conf.max_file_bytes)
    except uploads.TooLarge as exc:
        raise HTTPException(status_code=413, detail=str(exc)) from None
    finally:
        if "form" in locals():
            await form.close()
    return await run_in_threadpool(jobs.queue, request.app, "ingest", user.name, {
        # Relative to the upload's folder (the runner works there): documents are labelled with the names sent.
        "source": "upload", "paths": [str(p.relative_to(saved.folder)) for p in saved.ingest_paths], "lang": lang,
        "folder": str(saved.folder), "files": len(saved.files), "ignored": saved.skipped})


def _server_paths(request: Request, paths: list[str], lang: str) -> int:
    user = auth.admin(request)
    checked = []
    for p in paths:
        p = (p or "").strip()
        if not p:
            continue
        if not os.path.isabs(p):
            raise UsageError(f"{p}: give an absolute path on the server")
        if not os.path.exists(p):
            raise UsageError(f"{p}: no such file or folder on the server")
        checked.append(os.path.normpath(p))
    if not checked:
        raise UsageError("give the path of a file or folder on the server")
    return jobs.queue(request.app, "ingest", user.name, {"source": "server", "paths": checked, "lang": _lang(lang)})


@router.get("/ingest")
@auth.needs("editor")
def ingest_page(request: Request):
    from archive.web.pages import render
    user = auth.editor(request)
    recent = [j for j in jobs.recent(request.app, "ingest") if user.role == "admin" or j["user"] == user.name]
    conf = jobs.settings(request.app)
    return render(request, "ingest.html", {"jobs": recent, "limits": conf, "error": None})


@router.post("/ingest")
async def ingest_upload(request: Request):
    return RedirectResponse(f"/jobs/{await _upload(request)}", status_code=303)


@router.post("/ingest/path", dependencies=[Depends(auth.admin), Depends(auth.check_csrf)])
async def ingest_path(request: Request):
    form = await request.form()
    path, lang = form.get("path"), form.get("lang")
    job_id = _server_paths(request, [path if isinstance(path, str) else ""], lang if isinstance(lang, str) else "")
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.post("/api/ingest", status_code=202)
async def api_ingest_upload(request: Request):
    """Multipart upload (fields `files`, `folder`, optional `lang`; CSRF token in X-CSRF-Token or `csrf`):
    the job, queued. Poll /api/jobs/{id}; its result has the keys of `archive ingest --json`."""
    job_id = await _upload(request)
    return JSONResponse(await run_in_threadpool(jobs.job_view, request.app, job_id), status_code=202)


@router.post("/api/ingest/path", status_code=202, dependencies=auth.CHANGE)
@auth.needs("admin")
def api_ingest_path(request: Request, paths: list[str] = Body(..., embed=True), lang: Optional[str] = Body(None)):
    """Admins: ingest files or folders already on the server (absolute paths), as `archive ingest PATH...`."""
    job_id = _server_paths(request, paths, lang or "")
    return JSONResponse(jobs.job_view(request.app, job_id), status_code=202)
