"""login failures: the sign-in rate limit shared by server processes

Why: `archive serve --workers N` runs several processes; a count of failed sign-ins kept in each
process's memory would let N times as many guesses through (and a restart forget them). The rows
are the count: one per failure, by client address and by user name, older ones deleted as new ones come.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:50:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failure_key'), ['key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failure_key'))
    op.drop_table('login_failure')
