"""Database engines from a URL (SQLite or PostgreSQL), schema creation and full-text indexes."""

from __future__ import annotations

import os
import weakref
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from archive.errors import DatabaseError
from archive.store import models  # noqa: F401  (registers every table on SQLModel.metadata)

DEFAULT_URL = "sqlite:///archive.db"
SQLITE_BUSY_TIMEOUT_MS = 60_000
_WRITE_OPTION = "archive_write"  # = archive.store.migrations.WRITE_OPTION


def resolve_url(url: str | None) -> str:
    return url or os.environ.get("ARCHIVE_DB") or DEFAULT_URL


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str | None = None, *, create: bool = True, connections: int | None = None) -> Engine:
    """An engine for `url`; with `create`, the schema is created or upgraded first. `connections`: how many
    connections its pool keeps open, for a caller that works on that many things at once (a server process);
    SQLAlchemy's default (5, and 10 more opened and closed again as needed) otherwise. A pool smaller than the
    work opens and closes a connection for every use past it: on PostgreSQL a new server process each time.

    No engine exists at import time: callers (the CLI, tests) make one per database.
    """
    pool = {"pool_size": connections, "max_overflow": max(4, connections // 2)} if connections else {}
    url = resolve_url(url)
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **pool)
            _configure_sqlite(engine)
        else:
            engine = create_engine(url, **pool)
            # An INSERT of many rows (a document's keys: hundreds a citation) as multi-row VALUES of up to 1,000
            # rows, as SQLAlchemy does with psycopg2, rather than psycopg's executemany of one statement a row:
            # 47,000 one-row statements cost the server 1.5 s of CPU in an ingest of 30 documents
            # (bench/WEB_LOAD.md, 2026-12-07, second section).
            engine.dialect.use_insertmanyvalues_wo_returning = True
            _ping_after_idle(engine)
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
        # Reads through a memory map of the database file: pages shared by every connection and process instead
        # of copied into each connection's cache (a search at 10,000 documents: 20 -> 15 ms of CPU). Address
        # space only; writes still go through the journal.
        cur.execute("PRAGMA mmap_size=1073741824")  # 1 GiB (SQLite caps it at its build's limit); no parameters
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover
        immediate = conn.get_execution_options().get(_WRITE_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


PING_AFTER_IDLE_S = 10.0


def _ping_after_idle(engine: Engine) -> None:
    """A pooled PostgreSQL connection unused for PING_AFTER_IDLE_S is checked (SELECT 1) before it is handed out,
    and replaced if the server dropped it (a restart, an idle timeout): SQLAlchemy's pessimistic disconnect
    handling, but without pool_pre_ping's round trip on every checkout of a busy server's connections. A
    connection the server drops within that window fails its one request; SQLAlchemy then renews the pool."""
    import time

    from sqlalchemy import exc

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_conn, record):  # pragma: no cover - exercised by every PostgreSQL test
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn, record, proxy):  # pragma: no cover
        if time.monotonic() - record.info.get("idle_since", float("-inf")) < PING_AFTER_IDLE_S:
            return
        try:
            cur = dbapi_conn.cursor()
            try:
                cur.execute("SELECT 1")
            finally:
                cur.close()
            # Out of the transaction the ping began: the connection is handed out idle, as the pool keeps it (a
            # read session then turns autocommit on, which a connection inside a transaction refuses).
            dbapi_conn.rollback()
        except Exception as err:  # any driver error: this connection is unusable
            raise exc.DisconnectionError(f"pooled connection lost: {err}") from err


# The newest migration under archive/store/migrations/versions. A database already there is opened
# with one read and without importing Alembic at all (~0.15 s of every command's start-up).
# tests/test_migrations.py fails when a new revision is added without updating this.
SCHEMA_HEAD = "0012"


def schema_revision(engine: Engine) -> str | None:
    """The migration the database is at (Alembic's version table), None for an empty database."""
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except Exception:  # noqa: BLE001 - no version table yet (or not readable): let Alembic decide
        return None


def init_schema(engine: Engine) -> None:
    """Bring the schema to the newest migration (archive/store/migrations): tables, indexes and the
    full-text index. Safe when several processes open an empty or old database at once."""
    if schema_revision(engine) == SCHEMA_HEAD:
        return
    from archive.store import migrations
    migrations.upgrade(engine)


_READERS: "weakref.WeakKeyDictionary[Engine, Engine]" = weakref.WeakKeyDictionary()


def read_session(engine: Engine) -> Session:
    """A session that only reads (a page request's). On PostgreSQL its statements run outside a transaction:
    under READ COMMITTED each statement sees what it would see inside one, without the BEGIN and ROLLBACK round
    trips around every request. On SQLite a read transaction keeps one snapshot for all of its reads and costs
    no round trip."""
    if is_sqlite(engine):
        return Session(engine)
    reader = _READERS.get(engine)
    if reader is None:
        reader = _READERS[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return Session(reader)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One write transaction: commit on success, roll back on any error. For reads use
    `Session(engine)`: on SQLite only this takes the write lock from its first statement."""
    session = Session(engine.execution_options(**{_WRITE_OPTION: True}), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException as exc:
        try:
            session.rollback()
        except Exception:
            if isinstance(exc, Exception):
                raise
            # Interrupted in the middle of a statement (Ctrl-C, SIGTERM): the driver cannot roll
            # back on that connection. Drop it; the server rolls the transaction back, and the
            # interruption itself is what the caller must see.
            session.invalidate()
        raise
    finally:
        try:
            session.close()
        except Exception:  # noqa: BLE001 - a connection already broken by the interruption
            session.invalidate()
