"""reports tables: report jobs (report generation).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

Reserved in order so that work on several features can land independently; the feature's
owner fills in upgrade() and downgrade() together with the tables in store/schema.py.
"""

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
