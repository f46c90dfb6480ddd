"""ingest: import jobs (an uploaded file imported in the background, its progress and its result).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ybt_import_job",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("org_unit", sa.String(length=32), nullable=True),
        sa.Column("form", sa.String(length=200), nullable=True),
        sa.Column("period", sa.String(length=20), nullable=True),
        sa.Column("strict", sa.Boolean(), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("file_bytes", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("rows_done", sa.BigInteger(), nullable=False),
        sa.Column("rows_total", sa.BigInteger(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("runner", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_ybt_import_job_owner"), "ybt_import_job", ["owner"], unique=False)
    op.create_index(op.f("ix_ybt_import_job_status"), "ybt_import_job", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ybt_import_job_status"), table_name="ybt_import_job")
    op.drop_index(op.f("ix_ybt_import_job_owner"), table_name="ybt_import_job")
    op.drop_table("ybt_import_job")
