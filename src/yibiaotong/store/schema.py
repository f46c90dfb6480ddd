"""The platform's own metadata tables (versioned by Alembic migrations).

Ledger data tables (``ledger_<id>``) are not here: packs define them at run time, and
:mod:`yibiaotong.ledgers.tables` builds them (see ARCHITECTURE.md).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

org_unit = Table(
    "ybt_org_unit", metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("level", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("parent_code", String(32), ForeignKey("ybt_org_unit.code"), nullable=True),
    # materialized path "/500118000000/500118001000/" makes "this unit and below" one LIKE
    Column("path", String(400), nullable=False, index=True),
)

element = Table(
    "ybt_element", metadata,
    Column("id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("type", String(20), nullable=False),
    Column("pack", String(100), nullable=False),
    Column("definition", JSON, nullable=False),
)

codelist = Table(
    "ybt_codelist", metadata,
    Column("id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("pack", String(100), nullable=False),
    Column("definition", JSON, nullable=False),
)

ledger = Table(
    "ybt_ledger", metadata,
    Column("id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("subject", String(20), nullable=False),
    Column("table_name", String(120), nullable=False, unique=True),
    Column("key_columns", JSON, nullable=False),
    Column("definition", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

ledger_column = Table(
    "ybt_ledger_column", metadata,
    Column("ledger_id", String(100), ForeignKey("ybt_ledger.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("element_id", String(100), nullable=False),
    Column("position", Integer, nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
)

# Where a change came from: a user's edit, an imported file (name + hash), a task.
source = Table(
    "ybt_source", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),  # user | file | task | system
    Column("actor", String(100), nullable=True),  # user name
    Column("file_name", String(500), nullable=True),
    Column("file_hash", String(64), nullable=True),
    Column("sheet", String(200), nullable=True),
    Column("period", String(20), nullable=True),
    Column("task", String(100), nullable=True),
    Column("note", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Every change of every value: one row per inserted record, one per changed value.
change = Table(
    "ybt_change", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("ledger_id", String(100), nullable=False),
    Column("record_id", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    Column("op", String(10), nullable=False),  # insert | update | delete
    Column("column_name", String(100), nullable=True),
    Column("old_value", JSON, nullable=True),
    Column("new_value", JSON, nullable=True),
    Column("source_id", BigInteger, ForeignKey("ybt_source.id"), nullable=False),
    Column("source_row", Integer, nullable=True),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("ix_ybt_change_record", "ledger_id", "record_id"),
)

# Form definitions (报表定义) of the installed packs: template + field → element/ledger mapping.
form = Table(
    "ybt_form", metadata,
    Column("id", String(200), primary_key=True),
    Column("title", String(500), nullable=False),
    Column("department", String(100), nullable=True),
    Column("layout", String(20), nullable=False),
    Column("pack", String(100), nullable=False),
    Column("template_path", String(1000), nullable=True),
    Column("definition", JSON, nullable=False),
)

audit = Table(
    "ybt_audit", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(100), nullable=True),
    Column("action", String(50), nullable=False),
    Column("target", String(300), nullable=True),
    Column("purpose", Text, nullable=True),
    Column("details", JSON, nullable=True),
)

user = Table(
    "ybt_user", metadata,
    Column("name", String(100), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(300), nullable=False),
    Column("role", String(30), nullable=False),  # admin | department | town | village | grid
    Column("org_unit", String(32), ForeignKey("ybt_org_unit.code"), nullable=True),
    Column("department", String(100), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
