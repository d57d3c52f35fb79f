"""Plain reads (archive/store/plain.py): the rows the ORM would load, as read-only records of their columns with the
model's properties, on both backends."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from archive.store import reads
from archive.store.models import Agent, Event, Page
from archive.store.plain import Plain, record_type
from tests.helpers.collection import build_collection
from tests.helpers.statements import Statements

pytestmark = pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)


def _columns(obj) -> dict:
    return {c.key: getattr(obj, c.key) for c in type(obj).__table__.columns}


def test_records_hold_what_the_orm_loads_and_no_more(engine):
    ids = build_collection(engine)
    doc = ids["described"]
    with Session(engine) as s:
        orm = list(s.exec(select(Event, Agent).join(Agent, Agent.id == Event.agent_id)
                          .where(Event.document_id == doc).order_by(Event.time, Event.id)))
        with Statements(engine) as seen:
            plain = reads.events(s, doc)
        assert not seen.loaded and len(seen.selects()) == 1
        assert len(plain) == len(orm) > 1
        for (ev, who), (ev_rec, who_rec) in zip(orm, plain):
            assert ev_rec._asdict() == _columns(ev)   # same values, same types (time zones included)
            assert who_rec._asdict() == _columns(who)
            assert who_rec.label == who.label           # the model's properties come along
        with pytest.raises(AttributeError):
            plain[0][0].outcome = "failure"            # read-only

        # Columns left out are not read; extra columns follow the records.
        pages = Plain.of(select(Page).where(Page.document_id == doc).order_by(Page.number), Page,
                         leave_out=("thumbnail", "text"), extra=(Page.__table__.c.number * 10,))
        with Statements(engine) as seen:
            rows = pages.rows(s)
        assert "thumbnail" not in seen.sql[0] and "page.text" not in seen.sql[0]
        assert [(p.number, tenfold) for p, tenfold in rows] == [(1, 10), (2, 20), (3, 30)]
        assert "thumbnail" not in record_type(Page, ("thumbnail", "text"))._fields
