"""people's decisions, and the indexes of the review queue and the facets

Why: a person accepts or rejects a citation link, a duplicate relation or a value from the web
(issue 13); the decision must outlive `archive relink --all` and later ingests, which rebuild links
and relations, so it is kept in its own table and named by what survives them (the citing document and
the citation's text, the pair of documents, the field and its value). The review queue reads values,
links and relations lowest confidence first by index (keyset pages), and place is a facet counted by
an indexed GROUP BY, like organization and publisher.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 15:12:21.141883
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=True),
    sa.Column('citation_raw', sa.Text(), nullable=True),
    sa.Column('field', sa.String(), nullable=True),
    sa.Column('value_json', sa.Text(), nullable=True),
    sa.Column('verdict', sa.String(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ),
    sa.ForeignKeyConstraint(['other_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.create_index('ix_decision_other', ['other_id'], unique=False)
        batch_op.create_index('ix_decision_subject', ['subject', 'document_id', 'other_id'], unique=False)

    with op.batch_alter_table('assertion', schema=None) as batch_op:
        batch_op.create_index('ix_assertion_document_field', ['document_id', 'field'], unique=False)
        batch_op.create_index('ix_assertion_review', ['superseded', 'confidence', 'id', 'agent_id'], unique=False)
        batch_op.create_index('ix_assertion_agent_id', ['agent_id'], unique=False)

    with op.batch_alter_table('citation', schema=None) as batch_op:
        batch_op.create_index('ix_citation_review', ['confidence', 'id', 'target_document_id'], unique=False)

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_place'), ['place'], unique=False)

    with op.batch_alter_table('documentrelation', schema=None) as batch_op:
        batch_op.create_index('ix_relation_review', ['score', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('documentrelation', schema=None) as batch_op:
        batch_op.drop_index('ix_relation_review')

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_place'))

    with op.batch_alter_table('citation', schema=None) as batch_op:
        batch_op.drop_index('ix_citation_review')

    with op.batch_alter_table('assertion', schema=None) as batch_op:
        batch_op.drop_index('ix_assertion_agent_id')
        batch_op.drop_index('ix_assertion_review')
        batch_op.drop_index('ix_assertion_document_field')

    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_index('ix_decision_subject')
        batch_op.drop_index('ix_decision_other')

    op.drop_table('decision')
