"""What SQL a piece of code runs: `with Statements(engine) as seen:` records each statement the engine sends while
open, each write transaction it begins (archive.store.db.session_scope's), each transaction of any kind (a
read session on PostgreSQL runs outside one: archive.store.db.read_session), and each object the ORM loads from a
row (archive/store/plain.py reads rows without it)."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import event
from sqlmodel import SQLModel


class Statements:
    """`sql`: each statement, its whitespace collapsed; `raw`: each as sent, with its parameters; `writes`: the
    write transactions begun; `transactions`: every transaction begun (each a BEGIN and a COMMIT or ROLLBACK sent
    to PostgreSQL); `loaded`: how many objects of each model the ORM loaded (from any engine)."""

    def __init__(self, engine):
        self.engine, self.sql, self.raw, self.writes, self.transactions = engine, [], [], 0, 0
        self.loaded: Counter = Counter()

    def _load(self, target, context):
        self.loaded[type(target).__name__] += 1

    def _statement(self, conn, cursor, statement, params, context, executemany):
        self.raw.append((statement, params))
        self.sql.append(" ".join(statement.split()))

    def _begin(self, conn):
        options = conn.get_execution_options()
        if options.get("archive_write"):
            self.writes += 1
        if options.get("isolation_level") != "AUTOCOMMIT":
            self.transactions += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "begin", self._begin)
        event.listen(SQLModel, "load", self._load, propagate=True)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "begin", self._begin)
        event.remove(SQLModel, "load", self._load)

    def clear(self) -> None:
        self.sql.clear()
        self.raw.clear()
        self.writes = self.transactions = 0
        self.loaded.clear()

    def selects(self) -> list[str]:
        return [s for s in self.sql if s.startswith("SELECT") and s != "SELECT 1"]  # (PostgreSQL's pool ping)

    def tables(self) -> Counter:
        """How many SELECTs read from each table (the first table after FROM)."""
        return Counter(re.search(r"\bFROM (\w+)", s).group(1) for s in self.selects())
