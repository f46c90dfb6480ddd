"""ingest tables: import batches, entity-link review queue, value conflicts (data intake).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Reserved in order so that work on several features can land independently; the feature's
owner fills in upgrade() and downgrade() together with the tables in store/schema.py.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ybt_import",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("sheet", sa.String(length=200), nullable=True),
        sa.Column("form_id", sa.String(length=200), nullable=True),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("period", sa.String(length=20), nullable=True),
        sa.Column("org_unit", sa.String(length=32), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_imported", sa.Integer(), nullable=False),
        sa.Column("rows_invalid", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["ybt_source.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_ybt_import_file_hash"), "ybt_import", ["file_hash"], unique=False)
    op.create_table(
        "ybt_link",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("sheet", sa.String(length=200), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("org_unit", sa.String(length=32), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("shown", sa.JSON(), nullable=False),
        sa.Column("candidate_ledger", sa.String(length=100), nullable=False),
        sa.Column("candidate_key", sa.String(length=300), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["ybt_source.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("file_hash", "sheet", "source_row", "candidate_key", name="uq_ybt_link_row"),
    )
    op.create_index(op.f("ix_ybt_link_status"), "ybt_link", ["status"], unique=False)
    op.create_table(
        "ybt_conflict",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("ledger_id", sa.String(length=100), nullable=False),
        sa.Column("record_id", sa.BigInteger(), nullable=False),
        sa.Column("record_key", sa.String(length=300), nullable=False),
        sa.Column("column_name", sa.String(length=100), nullable=False),
        sa.Column("kept", sa.String(length=10), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("old_value", sa.JSON(), nullable=True),
        sa.Column("old_source_id", sa.BigInteger(), nullable=True),
        sa.Column("new_value", sa.JSON(), nullable=True),
        sa.Column("new_source_id", sa.BigInteger(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["old_source_id"], ["ybt_source.id"]),
        sa.ForeignKeyConstraint(["new_source_id"], ["ybt_source.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ybt_conflict_record", "ybt_conflict", ["ledger_id", "record_id"], unique=False)
    op.create_index(op.f("ix_ybt_conflict_status"), "ybt_conflict", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ybt_conflict_status"), table_name="ybt_conflict")
    op.drop_index("ix_ybt_conflict_record", table_name="ybt_conflict")
    op.drop_table("ybt_conflict")
    op.drop_index(op.f("ix_ybt_link_status"), table_name="ybt_link")
    op.drop_table("ybt_link")
    op.drop_index(op.f("ix_ybt_import_file_hash"), table_name="ybt_import")
    op.drop_table("ybt_import")
