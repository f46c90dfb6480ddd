"""access tables: users, roles, department grants, API tokens (web app).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

Reserved in order so that work on several features can land independently; the feature's
owner fills in upgrade() and downgrade() together with the tables in store/schema.py.
"""

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
