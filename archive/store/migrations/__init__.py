"""Schema migrations (Alembic): the database is upgraded to the head revision when it is opened.

To change the schema: edit archive/store/models.py, then `python -m archive.store.migrations revision "what changed"`
writes a new revision under versions/ by comparing the models with a database at the current head;
review it (SQLite/PostgreSQL differences, data moves) and commit it with the model change.
tests/test_migrations.py fails while models and migrations disagree.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

HERE = Path(__file__).resolve().parent
BASE_REVISION = "0001"
WRITE_OPTION = "archive_write"  # archive.store.db's execution option: BEGIN IMMEDIATE on SQLite
PG_SCHEMA_LOCK = 72_406_110  # any constant: the advisory lock that serializes schema changes


# Objects the migrations own but the models do not describe: the SQLite FTS5 index (a virtual
# table, its shadow tables and triggers) and PostgreSQL's stored tsvector column with its GIN index
# (the models never write it: PostgreSQL generates it from page.text), and PostgreSQL's covering index of the
# facet columns (migration 0011: SQLite would not use it).
NOT_IN_MODELS = ("page_fts", "ix_page_fts", "fts_english", "ix_pg_")


def include_name(name, type_, parent_names) -> bool:
    """Alembic's filter for comparing models with a database (autogenerate)."""
    return not (name and name.startswith(NOT_IN_MODELS))


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head()


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` (normally head). Cheap when it is there already (one
    read); otherwise one process migrates while concurrent ones wait, then find it done."""
    target = head() if revision == "head" else revision
    with engine.connect() as conn:
        if current(conn) == target:
            return
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
        # SQLite: BEGIN IMMEDIATE queues other writers on the busy timeout. PostgreSQL: DDL takes
        # no lock on tables that do not exist yet, so take one of our own for the transaction.
        if conn.dialect.name != "sqlite":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_SCHEMA_LOCK})
        cfg = config(conn)
        if current(conn) is None and "document" in inspect(conn).get_table_names():
            # A database made before migrations existed (tables created directly): it holds the
            # base schema, so record that and upgrade from there.
            command.stamp(cfg, BASE_REVISION)
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
        command.downgrade(config(conn), revision)
