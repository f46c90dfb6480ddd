"""rules tables: alerts and their life cycle (rules).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

Runs of the early-warning rules, the alerts they raise (de-duplicated by a fingerprint of rule and
record keys), the records each alert is about, and every status change of an alert.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ybt_rule_run",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("org_unit", sa.String(length=32), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "ybt_alert",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("rule_id", sa.String(length=100), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("org_unit", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("action", sa.Text(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("times_found", sa.Integer(), nullable=False),
        sa.Column("first_run_id", sa.BigInteger(), nullable=True),
        sa.Column("last_run_id", sa.BigInteger(), nullable=True),
        sa.Column("first_found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_changed_by", sa.String(length=100), nullable=True),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rule_id", "fingerprint", name="uq_ybt_alert_fingerprint"),
    )
    op.create_index(op.f("ix_ybt_alert_rule_id"), "ybt_alert", ["rule_id"], unique=False)
    op.create_index(op.f("ix_ybt_alert_department"), "ybt_alert", ["department"], unique=False)
    op.create_index(op.f("ix_ybt_alert_org_unit"), "ybt_alert", ["org_unit"], unique=False)
    op.create_index(op.f("ix_ybt_alert_status"), "ybt_alert", ["status"], unique=False)
    op.create_table(
        "ybt_alert_record",
        sa.Column("alert_id", sa.BigInteger(), nullable=False),
        sa.Column("ledger_id", sa.String(length=100), nullable=False),
        sa.Column("record_key", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["ybt_alert.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("alert_id", "ledger_id", "record_key"),
    )
    op.create_index("ix_ybt_alert_record_key", "ybt_alert_record", ["ledger_id", "record_key"], unique=False)
    op.create_table(
        "ybt_alert_event",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("run_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["ybt_alert.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_ybt_alert_event_alert_id"), "ybt_alert_event", ["alert_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ybt_alert_event_alert_id"), table_name="ybt_alert_event")
    op.drop_table("ybt_alert_event")
    op.drop_index("ix_ybt_alert_record_key", table_name="ybt_alert_record")
    op.drop_table("ybt_alert_record")
    op.drop_index(op.f("ix_ybt_alert_status"), table_name="ybt_alert")
    op.drop_index(op.f("ix_ybt_alert_org_unit"), table_name="ybt_alert")
    op.drop_index(op.f("ix_ybt_alert_department"), table_name="ybt_alert")
    op.drop_index(op.f("ix_ybt_alert_rule_id"), table_name="ybt_alert")
    op.drop_table("ybt_alert")
    op.drop_table("ybt_rule_run")
