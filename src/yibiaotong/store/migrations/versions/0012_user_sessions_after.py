"""access: sessions begun before ybt_user.sessions_after are over (set when an account is disabled
or its password reset, so enabling it again does not bring old sessions back).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ybt_user") as batch:
        batch.add_column(sa.Column("sessions_after", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ybt_user") as batch:
        batch.drop_column("sessions_after")
