"""Database engines from a URL (SQLite or PostgreSQL), schema creation and full-text indexes."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from archive import models  # noqa: F401  (registers every table on SQLModel.metadata)
from archive.errors import DatabaseError

DEFAULT_URL = "sqlite:///archive.db"
SQLITE_BUSY_TIMEOUT_MS = 60_000
_WRITE_OPTION = "archive_write"


def resolve_url(url: str | None) -> str:
    return url or os.environ.get("ARCHIVE_DB") or DEFAULT_URL


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str | None = None, *, create: bool = True) -> Engine:
    """An engine for `url`; with `create`, the schema is created or upgraded first.

    No engine exists at import time: callers (the CLI, tests) make one per database.
    """
    url = resolve_url(url)
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
            _configure_sqlite(engine)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        if create:
            init_schema(engine)
    except DatabaseError:
        raise
    except Exception as exc:  # driver errors: unreachable server, bad URL, locked file
        raise DatabaseError(f"cannot open database {url!r}: {exc.__class__.__name__}: {exc}".splitlines()[0]) from exc
    return engine


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling starts transactions lazily, so two writers can
    # deadlock on a lock upgrade that the busy timeout never retries. Write transactions
    # (session_scope) take the write lock at BEGIN instead (BEGIN IMMEDIATE): the busy timeout
    # then queues writers properly. Reads begin deferred and never wait for writers (WAL).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=60000")  # = SQLITE_BUSY_TIMEOUT_MS; PRAGMAs take no parameters
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover
        immediate = conn.get_execution_options().get(_WRITE_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_SQLITE_FTS = [
    # External-content FTS5 index over page text, kept in step by triggers so that every
    # write path (ingest, deletes, re-extraction) updates it inside the same transaction.
    "CREATE VIRTUAL TABLE IF NOT EXISTS page_fts USING fts5("
    "text, content='page', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS page_fts_ai AFTER INSERT ON page BEGIN "
    "INSERT INTO page_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS page_fts_ad AFTER DELETE ON page BEGIN "
    "INSERT INTO page_fts(page_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS page_fts_au AFTER UPDATE OF text ON page BEGIN "
    "INSERT INTO page_fts(page_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO page_fts(rowid, text) VALUES (new.id, new.text); END",
]

_POSTGRES_FTS = [
    "CREATE INDEX IF NOT EXISTS ix_page_fts ON page USING gin (to_tsvector('english', text))",
]


_PG_SCHEMA_LOCK = 72_406_110  # any constant: the advisory lock that serializes schema changes


def init_schema(engine: Engine) -> None:
    """Create every table and the full-text index if they do not exist yet. Safe when several
    processes start on an empty database at once: one creates, the others wait, then find it done."""
    with engine.execution_options(**{_WRITE_OPTION: True}).begin() as conn:
        # SQLite: BEGIN IMMEDIATE (the write option) queues the others on the busy timeout.
        # PostgreSQL: DDL takes no lock on tables that do not exist yet, so take one of our own.
        if not is_sqlite(engine):
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SCHEMA_LOCK})
        SQLModel.metadata.create_all(conn)
        for stmt in _SQLITE_FTS if is_sqlite(engine) else _POSTGRES_FTS:
            conn.execute(text(stmt))


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One write transaction: commit on success, roll back on any error. For reads use
    `Session(engine)`: on SQLite only this takes the write lock from its first statement."""
    with Session(engine.execution_options(**{_WRITE_OPTION: True}), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
