"""Reads of whole table rows through the session's connection, not the ORM, for what only reads columns.

Through the ORM a statement cost 0.25-0.3 ms more CPU than the same statement through the session's connection
(its execution context, then an object per row in the identity map), as much as or more than the query itself:
a document page of a dozen reads spent a third of its time there (bench/WEB_LOAD.md, tenth section). A plain read
gives each row as a record: a named tuple of its table's columns, with the model's properties (Agent.label),
read-only and outside the session, so nothing is loaded twice or flushed.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select
from sqlmodel import Session


@cache
def record_type(model: type, leave_out: tuple[str, ...] = ()) -> type:
    """The record of a row of the model's table, less the columns `leave_out`."""
    base = namedtuple(f"{model.__name__}Record", [c.key for c in model.__table__.columns if c.key not in leave_out])
    properties = {k: v for k, v in vars(model).items() if isinstance(v, property)}
    return type(base.__name__, (base,), {"__slots__": (), **properties})


@dataclass(frozen=True)
class Plain:
    """A statement selecting the columns of one or more models in turn, then any `extra` columns; `rows` gives each
    row as a record (one model, no extra) or a tuple of records then the extra values."""
    statement: Select
    cuts: tuple[tuple, ...]   # each model's record maker, and where its columns start and end in a row
    extra: int

    @classmethod
    def of(cls, statement: Select, *models: type, leave_out: tuple[str, ...] = (), extra: tuple = ()) -> Plain:
        """`statement` (its FROM, joins, WHERE and ORDER BY) with the models' columns instead of its own;
        `leave_out`: column names none of the records holds (large ones, e.g. a page's image)."""
        types = [record_type(m, tuple(k for k in leave_out if k in m.__table__.c)) for m in models]
        columns = [m.__table__.c[k] for m, t in zip(models, types) for k in t._fields]
        cuts, at = [], 0
        for t in types:
            cuts.append((t._make, at, at + len(t._fields)))
            at += len(t._fields)
        return cls(statement.with_only_columns(*columns, *extra), tuple(cuts), len(extra))

    def rows(self, session: Session, **params) -> list:
        rows = session.connection().execute(self.statement, params).all()
        if len(self.cuts) == 1 and not self.extra:
            make = self.cuts[0][0]
            return [make(r) for r in rows]
        end = self.cuts[-1][2]
        return [tuple(make(r[a:b]) for make, a, b in self.cuts) + tuple(r[end:]) for r in rows]

    def first(self, session: Session, **params):
        """The first row's record, None without a row."""
        return next(iter(self.rows(session, **params)), None)
