"""blocking and similarity keys, described_at, creator_key

Why: an ingest must cost the same whatever the size of the archive. Citation resolution and
duplicate detection used to compare every new document and citation with every held one; now they
retrieve candidates by indexed keys (provenance.matching.blocking, provenance.matching.similarity):
- documentkey / citationkey: words of creator names and titles (with their OCR-slip variants), of
  held documents and of citations, so both directions of linking are one indexed join;
- similaritykey: MinHash LSH bands and sampled shingles of each document's text;
- citation.creator_key, externalwork.creator_key: outside works are grouped per cited creator, found
  by this index;
- document.described_at: the documents an interrupted ingest left undescribed, by index (was: every
  document against the metadata-extraction events);
- document.keys_version: which documents' keys are missing or from older rules. Archives made before
  this revision hold documents with none: the next `archive ingest`, `extract` or `relink` builds their
  keys (the backfill), since the rules live in the provenance package, which the store never imports.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 13:23:54.761553
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


KEY_TABLES = (("documentkey", "document_id", "document.id"), ("similaritykey", "document_id", "document.id"),
              ("citationkey", "citation_id", "citation.id"))


def upgrade() -> None:
    for table, owner, target in KEY_TABLES:
        # clustered on (key, owner): SQLite keeps no second copy of the rows (WITHOUT ROWID)
        op.create_table(table,
                        sa.Column('key', sa.String(), nullable=False),
                        sa.Column(owner, sa.Integer(), nullable=False),
                        sa.ForeignKeyConstraint([owner], [target]),
                        sa.PrimaryKeyConstraint('key', owner),
                        sqlite_with_rowid=False)
        op.create_index(f"ix_{table}_{owner}", table, [owner], unique=False)

    with op.batch_alter_table('citation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('creator_key', sa.String(), nullable=True))
        batch_op.create_index(batch_op.f('ix_citation_creator_key'), ['creator_key'], unique=False)

    with op.batch_alter_table('externalwork', schema=None) as batch_op:
        batch_op.add_column(sa.Column('creator_key', sa.String(), nullable=True))
        batch_op.create_index(batch_op.f('ix_externalwork_creator_key'), ['creator_key'], unique=False)

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('described_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('keys_version', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_document_described_at'), ['described_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_keys_version'), ['keys_version'], unique=False)

    # Backfill: a document was described when its first metadata extraction was recorded.
    op.execute("UPDATE document SET described_at = (SELECT MIN(e.time) FROM event e WHERE e.document_id = document.id "
               "AND e.type = 'metadata extraction') WHERE described_at IS NULL")


def downgrade() -> None:
    # The key tables refer to documents and citations: they go first. Columns are dropped in place
    # (SQLite >= 3.35 and PostgreSQL both can): a batch copy of `document` would break the foreign keys
    # of every table that refers to it.
    for table, owner, _ in reversed(KEY_TABLES):
        op.drop_index(f"ix_{table}_{owner}", table_name=table)
        op.drop_table(table)
    for table, columns in (("document", ("keys_version", "described_at")), ("externalwork", ("creator_key",)),
                           ("citation", ("creator_key",))):
        for column in columns:
            op.drop_index(f"ix_{table}_{column}", table_name=table)
            op.drop_column(table, column)   # ALTER TABLE ... DROP COLUMN, no batch copy
