"""ingest: index ybt_link.candidate_key (queueing an uncertain link looks up what is already asked
about that person; without the index every queued row read every pending link).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_ybt_link_candidate_key"), "ybt_link", ["candidate_key"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ybt_link_candidate_key"), table_name="ybt_link")
