"""The review queue (/review, /api/review) and people's decisions on links, relations and values, as pages
(forms that work without JavaScript) and as the JSON API. Editors and admins decide; every post carries
the CSRF token; the work is archive.web.decisions'."""

from __future__ import annotations

import json
from typing import Annotated, Literal, Optional

from fastapi import APIRouter, Body, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse

from archive.store import reads
from archive.web import auth, decisions, views
from archive.web.api import DocId, reading

router = APIRouter()
RowId = DocId  # a row id: bounded like a document id
Kind = Literal["values", "links", "duplicates"]
Limit = Annotated[int, Query(ge=1, le=200)]
Version = Annotated[int, Form(ge=0, le=2**53)]
Back = Literal["review", "document"]


def _render(request: Request, name: str, context: dict, status: int = 200):
    from archive.web.pages import render
    return render(request, name, context, status)


def _conflict_page(request: Request, c: views.Conflict):
    return _render(request, "error.html", {"status": 409, "message": "someone decided or changed this since you "
                   f"opened it; it is now {c.current!r}: reload and decide again"}, status=409)


def _conflict_json(c: views.Conflict):
    return JSONResponse({"detail": "it changed since you opened it", "current": c.current, "version": c.version},
                        status_code=409)


def _back(back: str, doc_id: int, kind: str, anchor: str) -> RedirectResponse:
    # Only these two places: a redirect never goes where a posted value says.
    url = f"/documents/{doc_id}#{anchor}" if back == "document" else f"/review?kind={kind}"
    return RedirectResponse(url, status_code=303)


# --- pages ------------------------------------------------------------------------------------------

@router.get("/review")
def review_page(request: Request, kind: Kind = "values", after: Annotated[Optional[str], Query(max_length=64)] = None):
    with reading(request) as session:
        data = reads.review_queue(session, kind, after=after, limit=views.PAGE_SIZE)
        return _render(request, "review.html", {"data": data, "kind": kind, "kinds": list(reads.REVIEW_KINDS),
                                                "after": after, "json": json.dumps})


@router.post("/review/values/{assertion_id}", dependencies=auth.CHANGE)
@auth.needs("editor")
def decide_value_form(request: Request, *, assertion_id: RowId, verdict: Literal["accepted", "rejected"] = Form(...),
                      reason: str = Form(""), version: Version,
                      decision_version: Annotated[int, Form(ge=0, le=2**53)] = 0,
                      back: Back = Form("review")):
    user = auth.editor(request)
    try:
        out = decisions.decide_value(request.app.state.engine, assertion_id, verdict, by=user.name, reason=reason,
                                     version=version, decision_version=decision_version)
    except views.Conflict as c:
        return _conflict_page(request, c)
    return _back(back, out["document"], "values", f"field-{out['field']}")


@router.post("/documents/{doc_id}/citations/{citation_id}/decision", dependencies=auth.CHANGE)
@auth.needs("editor")
def decide_citation_form(request: Request, *, doc_id: DocId, citation_id: RowId,
                         verdict: Literal["accepted", "rejected"] = Form(...), reason: str = Form(""),
                         target: Annotated[int, Form(ge=1, le=2**53)], version: Version,
                         back: Back = Form("document")):
    user = auth.editor(request)
    try:
        decisions.decide_citation(request.app.state.engine, doc_id, citation_id, verdict, target=target,
                                  by=user.name, reason=reason, version=version)
    except views.Conflict as c:
        return _conflict_page(request, c)
    return _back(back, doc_id, "links", "citations")


@router.post("/documents/{doc_id}/relations/{relation_id}/decision", dependencies=auth.CHANGE)
@auth.needs("editor")
def decide_relation_form(request: Request, *, doc_id: DocId, relation_id: RowId,
                         verdict: Literal["accepted", "rejected"] = Form(...), reason: str = Form(""),
                         version: Version, back: Back = Form("document")):
    user = auth.editor(request)
    try:
        decisions.decide_relation(request.app.state.engine, doc_id, relation_id, verdict, by=user.name,
                                  reason=reason, version=version)
    except views.Conflict as c:
        return _conflict_page(request, c)
    return _back(back, doc_id, "duplicates", "duplicates")


# --- the JSON API -----------------------------------------------------------------------------------

@router.get("/api/review")
def review_api(request: Request, kind: Kind = "values", after: Annotated[Optional[str], Query(max_length=64)] = None,
               limit: Limit = 50, progress: bool = True) -> dict:
    """One page of the review queue, lowest confidence first; `next` is the cursor of the page after;
    `progress=false` leaves out the counts (they grow with the archive, the page does not)."""
    with reading(request) as session:
        return reads.review_queue(session, kind, after=after, limit=limit, progress=progress)


@router.post("/api/values/{assertion_id}/decision", dependencies=auth.CHANGE)
@auth.needs("editor")
def decide_value_api(request: Request, assertion_id: RowId, verdict: Literal["accepted", "rejected"] = Body(...),
                     reason: str = Body(""), version: int = Body(..., ge=0, le=2**53),
                     decision_version: int = Body(0, ge=0, le=2**53)):
    user = auth.editor(request)
    try:
        return decisions.decide_value(request.app.state.engine, assertion_id, verdict, by=user.name, reason=reason,
                                      version=version, decision_version=decision_version)
    except views.Conflict as c:
        return _conflict_json(c)


@router.post("/api/documents/{doc_id}/citations/{citation_id}/decision", dependencies=auth.CHANGE)
@auth.needs("editor")
def decide_citation_api(request: Request, doc_id: DocId, citation_id: RowId,
                        verdict: Literal["accepted", "rejected"] = Body(...), reason: str = Body(""),
                        target: int = Body(..., ge=1, le=2**53), version: int = Body(..., ge=0, le=2**53)):
    user = auth.editor(request)
    try:
        return decisions.decide_citation(request.app.state.engine, doc_id, citation_id, verdict, target=target,
                                         by=user.name, reason=reason, version=version)
    except views.Conflict as c:
        return _conflict_json(c)


@router.post("/api/documents/{doc_id}/relations/{relation_id}/decision", dependencies=auth.CHANGE)
@auth.needs("editor")
def decide_relation_api(request: Request, doc_id: DocId, relation_id: RowId,
                        verdict: Literal["accepted", "rejected"] = Body(...), reason: str = Body(""),
                        version: int = Body(..., ge=0, le=2**53)):
    user = auth.editor(request)
    try:
        return decisions.decide_relation(request.app.state.engine, doc_id, relation_id, verdict, by=user.name,
                                         reason=reason, version=version)
    except views.Conflict as c:
        return _conflict_json(c)
