"""The HTML pages: sign-in, catalogue, search, a document, its page images, and field edits."""

from __future__ import annotations

from typing import Annotated, Optional

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from archive.errors import QueryError
from archive.store import reads
from archive.web import auth, views
from archive.web.api import DocId, Exact, PageNo, _filter, reading

router = APIRouter()


def render(request: Request, name: str, context: dict, status: int = 200):
    context.update(user=auth.current_user(request), csrf=request.state.session.get("csrf"))
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status)


@router.get("/login")
def login_form(request: Request):
    return render(request, "login.html", {"error": None})


@router.post("/login", dependencies=[Depends(auth.check_csrf)])
def login(request: Request, name: str = Form(...), password: str = Form(...)):
    if auth.sign_in(request, name, password) is None:
        return render(request, "login.html", {"error": "wrong name or password"}, status=401)
    return RedirectResponse("/", status_code=303)


@router.post("/logout", dependencies=[Depends(auth.check_csrf)])
def logout(request: Request):
    request.state.session.clear()
    request.state.session.update(auth.Sessions("x").load(None))
    request.state.session_changed = True
    return RedirectResponse("/login", status_code=303)


FILTERS = ("organization", "publisher", "place", "date_from", "date_to")


def _params(flt, **more) -> dict:
    return {**{f: getattr(flt, f) for f in FILTERS}, "exact": list(flt.exact), **more}


@router.get("/")
def catalogue(request: Request, page: PageNo = 1, sort: str = "id", desc: bool = False,
              organization: Optional[str] = None, publisher: Optional[str] = None, place: Optional[str] = None,
              date_from: Optional[str] = None, date_to: Optional[str] = None, exact: Exact = None):
    with reading(request) as session:
        flt = _filter(organization, publisher, place, date_from, date_to, exact)
        data = views.catalogue(session, flt, page=min(max(page, 1), 10**6), sort=sort, descending=desc)
        return render(request, "catalogue.html", {"data": data, "flt": flt, "sort": sort, "desc": desc,
                                                  "sorts": list(reads.SORTS), "filters": FILTERS,
                                                  "params": _params(flt, sort=sort, desc=desc),
                                                  "qs": views.query_string})


SEARCH_PAGE = 20  # hits a page of results shows (each its snippet)


@router.get("/search")
def search(request: Request, q: str = "", page: PageNo = 1, organization: Optional[str] = None,
           publisher: Optional[str] = None, place: Optional[str] = None, date_from: Optional[str] = None,
           date_to: Optional[str] = None, exact: Exact = None):
    with reading(request) as session:
        flt = _filter(organization, publisher, place, date_from, date_to, exact)
        data, error = {"hits": [], "facets": {}, "total_documents": 0}, None
        if q.strip():
            try:
                data = views.search(session, q, flt, limit=SEARCH_PAGE, page=page)
            except QueryError as exc:
                error = exc.one_line()
        return render(request, "search.html", {"q": q, "data": data, "error": error, "flt": flt, "filters": FILTERS,
                                               "params": _params(flt, q=q), "qs": views.query_string,
                                               "page_size": SEARCH_PAGE})


@router.get("/documents/{doc_id}")
def document(request: Request, doc_id: DocId):
    with reading(request) as session:
        return render(request, "document.html", views.document_view(session, doc_id) | {"conflict": None})


@router.get("/documents/{doc_id}/pages/{number}/image.jpg")
def page_image(request: Request, doc_id: DocId, number: Annotated[int, Path(ge=1, le=10**6)]):
    with reading(request) as session:
        image = reads.page_image(session, reads.document_record(session, doc_id).id, number)
        if image:
            return Response(image, media_type="image/jpeg")
        return Response(status_code=404)


@router.post("/documents/{doc_id}/fields/{field}", dependencies=auth.CHANGE)
@auth.needs("editor")
def edit(request: Request, doc_id: DocId, field: str, value: str = Form(""), note: str = Form(""),
         version: int = Form(..., ge=0, le=2**53)):
    # No session held while set_field works: it opens its own, and a request holding one connection while
    # waiting for the next can exhaust the pool under many concurrent edits (bench/WEB_LOAD.md).
    user = auth.editor(request)
    try:
        views.set_field(request.app.state.engine, doc_id, field, value, by=user.name, note=note, version=version)
    except views.Conflict as c:
        conflict = {"field": field, "yours": value, "note": note, "current": c.current}
        with Session(request.app.state.engine) as session:
            page = views.document_view(session, doc_id)
        return render(request, "document.html", page | {"conflict": conflict}, status=409)
    return RedirectResponse(f"/documents/{doc_id}#field-{field}", status_code=303)


@router.get("/favicon.ico", include_in_schema=False)
def favicon():
    return Response(status_code=204)  # browsers ask for one; a 404 would be a console error on every page
