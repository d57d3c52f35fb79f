"""PostgreSQL: a covering index of the document table's facet columns

Why: a search's facets read the organization, publisher and place of every document it matches. On PostgreSQL
that read was a scan of the whole document table, whose rows carry each document's full text (26 MB at 10,000
documents, growing with every page held): 8.4 ms of a search. An index of (id, organization, publisher, place)
answers it from the index alone (5.7 ms; bench/WEB_LOAD.md). SQLite reads each matching document by its rowid
and does not use such an index, so none is made there.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 00:40:00.000000
"""
from __future__ import annotations

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("CREATE INDEX IF NOT EXISTS ix_pg_document_facets ON document (id, organization, publisher, place)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP INDEX IF EXISTS ix_pg_document_facets")
