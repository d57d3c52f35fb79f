"""page layout: lines and words with their boxes

Why: exports (hOCR, ALTO, the text layer of a searchable access copy), description from the page's
layout (the dominant type of a title page) and the web page's word boxes all need where each word
sits, with its confidence and type size. Ingest already had it (Tesseract's TSV, the text layer's
positions) and threw it away. One compressed row per page (archive.store.layout); pages ingested
before this revision have none, and the readers say so rather than guess.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 20:31:18.468080
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pagelayout',
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], ),
    sa.PrimaryKeyConstraint('page_id')
    )


def downgrade() -> None:
    op.drop_table('pagelayout')
