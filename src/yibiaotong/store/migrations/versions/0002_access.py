"""access tables: users, roles, department grants, API tokens (web app).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

Reserved in order so that work on several features can land independently; the feature's
owner fills in upgrade() and downgrade() together with the tables in store/schema.py.
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ybt_grant",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("ledger_id", sa.String(length=100), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=True),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("reveal", sa.Boolean(), nullable=False),
        sa.Column("granted_by", sa.String(length=100), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ledger_id"], ["ybt_ledger.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("department", "ledger_id", name="uq_ybt_grant_department_ledger"),
    )
    op.create_table(
        "ybt_api_token",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_name"], ["ybt_user.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("ybt_api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ybt_api_token_user_name"), ["user_name"], unique=False)
    with op.batch_alter_table("ybt_audit", schema=None) as batch_op:
        batch_op.create_index("ix_ybt_audit_actor", ["actor"], unique=False)
        batch_op.create_index("ix_ybt_audit_action", ["action"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ybt_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_ybt_audit_action")
        batch_op.drop_index("ix_ybt_audit_actor")
    with op.batch_alter_table("ybt_api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ybt_api_token_user_name"))
    op.drop_table("ybt_api_token")
    op.drop_table("ybt_grant")
