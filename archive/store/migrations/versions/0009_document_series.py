"""the series a document was issued in; where an assertion's evidence is printed on the page

Why: description reads a series line ("Studies in Local Labour History", "Occasional Paper No. 3")
as its own field instead of leaving it out or taking it into the title; the current value is kept
on the document like the other fields. An assertion read from a page whose layout is stored keeps
the box its evidence is printed in, so a reader can be shown it on the page image.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 15:20:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series', sa.String(), nullable=True))
    with op.batch_alter_table('assertion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence_box_json', sa.String(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite >= 3.35 and PostgreSQL), not a batch copy: copying `document`
    # would drop the table every other table's foreign keys refer to (as in 0003's downgrade).
    op.drop_column('assertion', 'evidence_box_json')
    op.drop_column('document', 'series')
