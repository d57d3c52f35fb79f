"""Alembic environment: runs on the connection archive.store.migrations.upgrade() passes in, or on
the URL given to the `alembic` command (-x url=...)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from archive.store import models
from archive.store.migrations import include_name

target_metadata = SQLModel.metadata
assert models  # every table registered on the metadata

def render_item(type_, obj, autogen_context):
    # Migrations must not import application types: write plain SQLAlchemy ones.
    if type_ == "type":
        cls = obj.__class__.__name__
        if cls == "UTCDateTime":
            return "sa.DateTime(timezone=True)"
        if cls == "AutoString":
            return "sa.String()"
    return False


def _configure(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, include_name=include_name,
                      render_item=render_item, compare_type=True, render_as_batch=True)


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():  # nested in the caller's transaction
            context.run_migrations()
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(url)
    with engine.begin() as conn:
        _configure(conn)
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them on a database")
run()
