"""base schema: every table of archive/store/models.py as of the first release, and the full-text index
(SQLite: an external-content FTS5 table kept in step by triggers; PostgreSQL: a GIN index on
to_tsvector('english', page.text), which archive.store.reads.search uses)

Revision ID: 0001
Revises:
Create Date: 2026-11-24 20:18:03.621933
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('version', sa.String(), nullable=False),
    sa.Column('note', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'name', 'version', name='uq_agent')
    )
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_kind'), ['kind'], unique=False)

    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(), nullable=False),
    sa.Column('label', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_sha256', sa.String(), nullable=False),
    sa.Column('mean_confidence', sa.Float(), nullable=True),
    sa.Column('title', sa.String(), nullable=True),
    sa.Column('subtitle', sa.String(), nullable=True),
    sa.Column('authors_json', sa.String(), nullable=False),
    sa.Column('organization', sa.String(), nullable=True),
    sa.Column('publisher', sa.String(), nullable=True),
    sa.Column('place', sa.String(), nullable=True),
    sa.Column('date', sa.String(), nullable=True),
    sa.Column('date_precision', sa.String(), nullable=True),
    sa.Column('date_approximate', sa.Boolean(), nullable=False),
    sa.Column('date_not_before', sa.String(), nullable=True),
    sa.Column('language', sa.String(), nullable=True),
    sa.Column('minhash', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_date'), ['date'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_fingerprint'), ['fingerprint'], unique=True)
        batch_op.create_index(batch_op.f('ix_document_organization'), ['organization'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_publisher'), ['publisher'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_text_sha256'), ['text_sha256'], unique=False)

    op.create_table('externalwork',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('author', sa.String(), nullable=True),
    sa.Column('title', sa.String(), nullable=True),
    sa.Column('year', sa.String(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('externalwork', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_externalwork_key'), ['key'], unique=True)

    op.create_table('assertion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(), nullable=False),
    sa.Column('value_json', sa.String(), nullable=False),
    sa.Column('normalized', sa.String(), nullable=True),
    sa.Column('qualifiers_json', sa.String(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('method', sa.String(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=True),
    sa.Column('span_start', sa.Integer(), nullable=True),
    sa.Column('span_end', sa.Integer(), nullable=True),
    sa.Column('evidence', sa.String(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('assertion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assertion_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assertion_field'), ['field'], unique=False)

    op.create_table('citation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('author', sa.String(), nullable=True),
    sa.Column('title', sa.String(), nullable=True),
    sa.Column('year', sa.String(), nullable=True),
    sa.Column('locator', sa.String(), nullable=True),
    sa.Column('note_number', sa.String(), nullable=True),
    sa.Column('place', sa.String(), nullable=True),
    sa.Column('publisher', sa.String(), nullable=True),
    sa.Column('span_start', sa.Integer(), nullable=True),
    sa.Column('span_end', sa.Integer(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('target_document_id', sa.Integer(), nullable=True),
    sa.Column('external_work_id', sa.Integer(), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('match_evidence', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['entry_id'], ['citation.id'], ),
    sa.ForeignKeyConstraint(['external_work_id'], ['externalwork.id'], ),
    sa.ForeignKeyConstraint(['target_document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('citation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_citation_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_citation_external_work_id'), ['external_work_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_citation_target_document_id'), ['target_document_id'], unique=False)

    op.create_table('documentrelation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('method', sa.String(), nullable=False),
    sa.Column('canonical_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['canonical_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['other_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'other_id', 'kind', name='uq_relation')
    )
    with op.batch_alter_table('documentrelation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documentrelation_document_id'), ['document_id'], unique=False)
        batch_op.create_index('ix_relation_other', ['other_id'], unique=False)

    op.create_table('sourcefile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(), nullable=False),
    sa.Column('format', sa.String(), nullable=False),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_fixity', sa.String(), nullable=True),
    sa.Column('last_fixity_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'sequence', name='uq_source_seq')
    )
    with op.batch_alter_table('sourcefile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sourcefile_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sourcefile_sha256'), ['sha256'], unique=False)

    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(), nullable=False),
    sa.Column('time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('source_file_id', sa.Integer(), nullable=True),
    sa.Column('page_number', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['source_file_id'], ['sourcefile.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_type'), ['type'], unique=False)

    op.create_table('page',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('source_file_id', sa.Integer(), nullable=True),
    sa.Column('source_index', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(), nullable=False),
    sa.Column('engine', sa.String(), nullable=True),
    sa.Column('engine_version', sa.String(), nullable=True),
    sa.Column('language', sa.String(), nullable=True),
    sa.Column('psm', sa.Integer(), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('preprocessing', sa.String(), nullable=False),
    sa.Column('image_sha256', sa.String(), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('dpi', sa.Float(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('note', sa.String(), nullable=True),
    sa.Column('thumbnail', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['source_file_id'], ['sourcefile.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'number', name='uq_page_number')
    )
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_page_image_sha256'), ['image_sha256'], unique=False)

    _create_full_text_index()


def downgrade() -> None:
    _drop_full_text_index()
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_image_sha256'))
        batch_op.drop_index(batch_op.f('ix_page_document_id'))

    op.drop_table('page')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_type'))
        batch_op.drop_index(batch_op.f('ix_event_document_id'))

    op.drop_table('event')
    with op.batch_alter_table('sourcefile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sourcefile_sha256'))
        batch_op.drop_index(batch_op.f('ix_sourcefile_document_id'))

    op.drop_table('sourcefile')
    with op.batch_alter_table('documentrelation', schema=None) as batch_op:
        batch_op.drop_index('ix_relation_other')
        batch_op.drop_index(batch_op.f('ix_documentrelation_document_id'))

    op.drop_table('documentrelation')
    with op.batch_alter_table('citation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_citation_target_document_id'))
        batch_op.drop_index(batch_op.f('ix_citation_external_work_id'))
        batch_op.drop_index(batch_op.f('ix_citation_document_id'))

    op.drop_table('citation')
    with op.batch_alter_table('assertion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assertion_field'))
        batch_op.drop_index(batch_op.f('ix_assertion_document_id'))

    op.drop_table('assertion')
    with op.batch_alter_table('externalwork', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_externalwork_key'))

    op.drop_table('externalwork')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_text_sha256'))
        batch_op.drop_index(batch_op.f('ix_document_publisher'))
        batch_op.drop_index(batch_op.f('ix_document_organization'))
        batch_op.drop_index(batch_op.f('ix_document_fingerprint'))
        batch_op.drop_index(batch_op.f('ix_document_date'))

    op.drop_table('document')
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_kind'))

    op.drop_table('agent')


_SQLITE_FTS = [
    # External-content FTS5 index over page text, kept in step by triggers so that every
    # write path (ingest, deletes, re-extraction) updates it inside the same transaction.
    "CREATE VIRTUAL TABLE page_fts USING fts5("
    "text, content='page', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER page_fts_ai AFTER INSERT ON page BEGIN "
    "INSERT INTO page_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER page_fts_ad AFTER DELETE ON page BEGIN "
    "INSERT INTO page_fts(page_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER page_fts_au AFTER UPDATE OF text ON page BEGIN "
    "INSERT INTO page_fts(page_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO page_fts(rowid, text) VALUES (new.id, new.text); END",
    # A database stamped at this revision may already hold pages: index them.
    "INSERT INTO page_fts(page_fts) VALUES ('rebuild')",
]
_POSTGRES_FTS = ["CREATE INDEX ix_page_fts ON page USING gin (to_tsvector('english', text))"]


def _create_full_text_index() -> None:
    for stmt in _SQLITE_FTS if op.get_bind().dialect.name == "sqlite" else _POSTGRES_FTS:
        op.execute(stmt)


def _drop_full_text_index() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS page_fts_ai")
        op.execute("DROP TRIGGER IF EXISTS page_fts_ad")
        op.execute("DROP TRIGGER IF EXISTS page_fts_au")
        op.execute("DROP TABLE IF EXISTS page_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_page_fts")
