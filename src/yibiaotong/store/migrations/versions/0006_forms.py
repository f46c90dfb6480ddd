"""forms: the form definitions of installed packs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ybt_form",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("layout", sa.String(length=20), nullable=False),
        sa.Column("pack", sa.String(length=100), nullable=False),
        sa.Column("template_path", sa.String(length=1000), nullable=True),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("ybt_form")
