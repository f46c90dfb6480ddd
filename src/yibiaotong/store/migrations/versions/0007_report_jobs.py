"""reports: report jobs (a long report run in the background, its progress and its zip).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

0004 was reserved for report tables and shipped empty; databases are already past it, so the
table comes in a revision of its own.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ybt_report_job",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("org_unit", sa.String(length=32), nullable=True),
        sa.Column("forms", sa.JSON(), nullable=False),
        sa.Column("reveal", sa.Boolean(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("result_file", sa.String(length=1000), nullable=True),
        sa.Column("result_bytes", sa.BigInteger(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("runner", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_ybt_report_job_requested_by"), "ybt_report_job", ["requested_by"], unique=False)
    op.create_index(op.f("ix_ybt_report_job_status"), "ybt_report_job", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ybt_report_job_status"), table_name="ybt_report_job")
    op.drop_index(op.f("ix_ybt_report_job_requested_by"), table_name="ybt_report_job")
    op.drop_table("ybt_report_job")
