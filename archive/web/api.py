"""The JSON API: the same keys as the command line's --json output; OpenAPI at /openapi.json."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Annotated, Iterator, Literal, Optional

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session

from archive.store import reads
from archive.store.db import read_session
from archive.web import auth, views

router = APIRouter(prefix="/api")

# Bounded so that no number a client sends overflows a database integer (SQLite: 64-bit).
DocId = Annotated[int, Path(ge=1, le=2**53)]
PageNo = Annotated[int, Query(ge=1, le=10**6)]


@contextmanager
def reading(request: Request) -> Iterator[Session]:
    """A read-only session for a route's work, opened once the asker may read (the user looked up through it).
    Opened in the route's own worker thread: as a dependency it cost every request two thread hops more (FastAPI
    enters and leaves a dependency's context in threads of their own)."""
    with read_session(request.app.state.engine) as session:
        auth.may_read(request, session)
        yield session


# Which text filters are whole values (a facet's): organization, publisher, place (repeatable).
Exact = Annotated[Optional[list[Literal["organization", "publisher", "place"]]], Query()]


def _filter(organization, publisher, place, date_from, date_to, exact=None) -> reads.DocumentFilter:
    return reads.DocumentFilter(organization=organization, publisher=publisher, place=place,
                                date_from=date_from, date_to=date_to, exact=tuple(sorted(set(exact or ()))))


@router.get("/documents")
def list_documents(request: Request, page: PageNo = 1, sort: str = "id", desc: bool = False,
                   organization: Optional[str] = None, publisher: Optional[str] = None, place: Optional[str] = None,
                   date_from: Optional[str] = None, date_to: Optional[str] = None, exact: Exact = None) -> dict:
    """A page of the catalogue (the keys of `archive list --json` per document), its total and facets.
    `exact=place` (repeatable): that filter is a whole value (a facet's), not a part of one."""
    with reading(request) as session:
        page = min(max(page, 1), 10**6)
        return views.catalogue(session, _filter(organization, publisher, place, date_from, date_to, exact),
                               page=page, sort=sort, descending=desc)


@router.get("/search")
def search(request: Request, q: str, limit: Annotated[int, Query(ge=1, le=200)] = 20, page: PageNo = 1,
           organization: Optional[str] = None, publisher: Optional[str] = None, place: Optional[str] = None,
           date_from: Optional[str] = None, date_to: Optional[str] = None, exact: Exact = None) -> dict:
    """A page of ranked hits (the keys of `archive search --json`; `more` when another page follows) among the
    filtered documents, how many documents match, and the facets' top values among them."""
    with reading(request) as session:
        return views.search(session, q, _filter(organization, publisher, place, date_from, date_to, exact),
                            limit=min(max(limit, 1), 200), page=page)


@router.get("/documents/{doc_id}")
def show(request: Request, doc_id: DocId) -> dict:
    with reading(request) as session:
        return reads.document_json(session, reads.document_record(session, doc_id))


@router.post("/documents/{doc_id}/fields/{field}", dependencies=auth.CHANGE)
@auth.needs("editor")
def set_field(request: Request, doc_id: DocId, field: str, value: str = Body(...), note: str = Body(...),
              version: int = Body(..., ge=0, le=2**53)):
    user = auth.editor(request)
    try:
        return views.set_field(request.app.state.engine, doc_id, field, value, by=user.name, note=note,
                               version=version)
    except views.Conflict as c:
        return JSONResponse({"detail": "the field changed since you opened it", "current": c.current,
                             "version": c.version, "yours": value}, status_code=409)


@router.get("/me")
def me(request: Request) -> dict:
    user = auth.current_user(request)
    return {"user": user.name if user else None, "role": user.role if user else None,
            "csrf": request.state.session.get("csrf")}
