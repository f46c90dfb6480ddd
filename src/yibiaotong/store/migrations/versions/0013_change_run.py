"""ledgers: records inserted together are recorded as runs (ybt_change_run), one row per run of
consecutive record ids with each record's source row, instead of one insert change per record
whose values repeat the record's. Existing per-record insert changes stay as they are.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ybt_change_run",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("ledger_id", sa.String(100), nullable=False),
        sa.Column("first_id", sa.BigInteger(), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("source_id", sa.BigInteger(), sa.ForeignKey("ybt_source.id"), nullable=False),
        sa.Column("source_rows", sa.JSON(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_ybt_change_run_record", "ybt_change_run", ["ledger_id", "first_id"])


def downgrade() -> None:
    """Each run becomes one insert change per record again, with its source and row, without the
    values (the values as inserted are read from the records and their updates, which the older
    code does not do: its history shows those inserts without values)."""
    conn = op.get_bind()
    runs = sa.table("ybt_change_run", sa.column("ledger_id"), sa.column("first_id"), sa.column("last_id"),
                    sa.column("source_id"), sa.column("source_rows", sa.JSON), sa.column("changed_at"))
    change = sa.table("ybt_change", *(sa.column(c) for c in (
        "ledger_id", "record_id", "version", "op", "source_id", "source_row", "changed_at")))
    for run in conn.execute(sa.select(runs)).mappings():
        rows = run["source_rows"]
        conn.execute(sa.insert(change), [
            {"ledger_id": run["ledger_id"], "record_id": record_id, "version": 1, "op": "insert",
             "source_id": run["source_id"], "source_row": rows[i] if rows else None, "changed_at": run["changed_at"]}
            for i, record_id in enumerate(range(run["first_id"], run["last_id"] + 1))])
    op.drop_index("ix_ybt_change_run_record", table_name="ybt_change_run")
    op.drop_table("ybt_change_run")
