"""ingest tables: import batches, entity-link review queue, value conflicts (data intake).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Reserved in order so that work on several features can land independently; the feature's
owner fills in upgrade() and downgrade() together with the tables in store/schema.py.
"""

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
