"""fixity audit indexes: event.source_file_id and sourcefile.last_fixity_at

Why: an audit records one fixity-check event per file per run, so the event table grows by the
size of the collection at every audit. Without an index on event.source_file_id, a file's
fixity history and the foreign-key check on deleting a source file scan every event. Resuming an
interrupted audit (ingest.audit.verify) selects the files whose last_fixity_at is older than the
audit's start: an index on sourcefile.last_fixity_at makes that a range scan.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 20:18:39.714073
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401  (the template imports it for every migration)
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_source_file_id'), ['source_file_id'], unique=False,
                              if_not_exists=True)

    with op.batch_alter_table('sourcefile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sourcefile_last_fixity_at'), ['last_fixity_at'], unique=False,
                              if_not_exists=True)



def downgrade() -> None:
    with op.batch_alter_table('sourcefile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sourcefile_last_fixity_at'))

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_source_file_id'))

