"""What SQL a piece of code runs: `with Statements(engine) as seen:` records each statement the engine sends while
open, and each write transaction it begins (archive.store.db.session_scope's)."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import event


class Statements:
    """`sql`: each statement, its whitespace collapsed; `raw`: each as sent, with its parameters; `writes`: the
    write transactions begun."""

    def __init__(self, engine):
        self.engine, self.sql, self.raw, self.writes = engine, [], [], 0

    def _statement(self, conn, cursor, statement, params, context, executemany):
        self.raw.append((statement, params))
        self.sql.append(" ".join(statement.split()))

    def _begin(self, conn):
        if conn.get_execution_options().get("archive_write"):
            self.writes += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "begin", self._begin)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "begin", self._begin)

    def clear(self) -> None:
        self.sql.clear()
        self.raw.clear()
        self.writes = 0

    def selects(self) -> list[str]:
        return [s for s in self.sql if s.startswith("SELECT") and s != "SELECT 1"]  # (PostgreSQL's pool ping)

    def tables(self) -> Counter:
        """How many SELECTs read from each table (the first table after FROM)."""
        return Counter(re.search(r"\bFROM (\w+)", s).group(1) for s in self.selects())
