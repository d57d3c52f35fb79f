"""PostgreSQL: each page's tsvector kept in its row

Why: a search ranks every page it matches with ts_rank, which reads each page's tsvector. Stored the default way
(EXTENDED), a vector in a row over 2 kB went into the page table's TOAST table, so every match cost an index probe
and a read there: ranking 1,300 matches took 8 ms, 3 ms with the vectors in the rows (bench/WEB_LOAD.md,
2026-12-07, second section). STORAGE MAIN keeps a vector (compressed where that helps) in its row unless the row
cannot fit in a block any other way. The table is rewritten once (CLUSTER, in page order) so the vectors already
held move into their rows; it holds the table's exclusive lock while it runs (0.8 s at 10,000 documents, growing
with the pages held). SQLite keeps its full-text index apart (page_fts): nothing to do there.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 03:10:00.000000
"""
from __future__ import annotations

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def _storage(statement: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute(statement)
    # CLUSTER rewrites the table as VACUUM FULL would, and may run inside the migration's transaction.
    op.execute("CLUSTER page USING page_pkey")
    op.execute("ALTER TABLE page SET WITHOUT CLUSTER")


def upgrade() -> None:
    _storage("ALTER TABLE page ALTER COLUMN fts_english SET STORAGE MAIN")


def downgrade() -> None:
    _storage("ALTER TABLE page ALTER COLUMN fts_english SET STORAGE EXTENDED")
