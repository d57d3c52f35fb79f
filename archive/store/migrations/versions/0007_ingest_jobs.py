"""ingest jobs: claims and leases

Why: `archive ingest --cluster` spreads page work over many machines; a durable record per input
(keyed by its source SHA-256) lets a killed coordinator resume without redoing finished documents,
and lets two coordinators on one archive claim inputs atomically (owner and lease) so that they never
both OCR the same one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 15:12:39.843972
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ingest_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(), nullable=False),
    sa.Column('label', sa.String(), nullable=False),
    sa.Column('state', sa.String(), nullable=False),
    sa.Column('owner', sa.String(), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ingest_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ingest_job_fingerprint'), ['fingerprint'], unique=True)
        batch_op.create_index(batch_op.f('ix_ingest_job_state'), ['state'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ingest_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ingest_job_state'))
        batch_op.drop_index(batch_op.f('ix_ingest_job_fingerprint'))

    op.drop_table('ingest_job')
