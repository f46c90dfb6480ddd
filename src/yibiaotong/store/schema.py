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

# Records inserted together (a batch of an import, of the demo build): one row per run of
# consecutive record ids, with each record's source row, instead of one ``insert`` change per
# record. A record's values as inserted are its values now with its later updates undone (every
# update keeps the old value), so they are not written twice; ``LedgerStore.history`` lists the
# insert as if it were a change row. Older databases also hold per-record ``insert`` changes.
change_run = Table(
    "ybt_change_run", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("ledger_id", String(100), nullable=False),
    Column("first_id", BigInteger, nullable=False),
    Column("last_id", BigInteger, nullable=False),
    Column("source_id", BigInteger, ForeignKey("ybt_source.id"), nullable=False),
    Column("source_rows", JSON, nullable=True),  # per record, first to last: its row in the source
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("ix_ybt_change_run_record", "ledger_id", "first_id"),
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
    # set when an administrator disables the account (a clerk who left): it can no longer log in,
    # its sessions and API tokens stop working at once, and its audit trail stays
    Column("disabled_at", DateTime(timezone=True), nullable=True),
    # browser sessions begun before this are over (set on disabling and on a password reset)
    Column("sessions_after", DateTime(timezone=True), nullable=True),
)

# --- access (web) ---
from sqlalchemy import Boolean, UniqueConstraint  # noqa: E402  (kept in this section: other sections stay untouched)

# Department grants: which ledgers (and which of their columns) a department may read or change,
# district-wide, and whether its users may reveal masked values (one at a time, with a purpose).
grant = Table(
    "ybt_grant", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("department", String(100), nullable=False),
    Column("ledger_id", String(100), ForeignKey("ybt_ledger.id", ondelete="CASCADE"), nullable=False),
    Column("columns", JSON, nullable=True),  # null: every column, also those added later
    Column("mode", String(10), nullable=False),  # read | write
    Column("reveal", Boolean, nullable=False),
    Column("granted_by", String(100), nullable=True),
    Column("granted_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("department", "ledger_id", name="uq_ybt_grant_department_ledger"),
)

# API tokens of machine clients (数据共享): each belongs to a user and acts with that user's scope.
# Only a SHA-256 of the token is stored; the token itself is shown once, when it is created.
api_token = Table(
    "ybt_api_token", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("user_name", String(100), ForeignKey("ybt_user.name", ondelete="CASCADE"), nullable=False, index=True),
    Column("label", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),  # the first characters, so admins can tell tokens apart
    Column("created_by", String(100), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

# the audit page filters by user and by action
Index("ix_ybt_audit_actor", audit.c.actor)
Index("ix_ybt_audit_action", audit.c.action)

# --- ingest ---
# Data intake (数据归集): one row per imported sheet, the entity-link review queue, value conflicts.
# (imported here so that this section stays self-contained for parallel work on the file)
from sqlalchemy import Float, UniqueConstraint  # noqa: E402

# What one import of one sheet did; a file's hash finds earlier imports of the same file.
import_batch = Table(
    "ybt_import", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("source_id", BigInteger, ForeignKey("ybt_source.id"), nullable=False),
    Column("file_name", String(500), nullable=False),
    Column("file_hash", String(64), nullable=False, index=True),
    Column("sheet", String(200), nullable=True),
    Column("form_id", String(200), nullable=True),
    Column("department", String(100), nullable=True),
    Column("period", String(20), nullable=True),
    Column("org_unit", String(32), nullable=True),
    Column("actor", String(100), nullable=True),
    Column("rows_read", Integer, nullable=False),
    Column("rows_imported", Integer, nullable=False),
    Column("rows_invalid", Integer, nullable=False),
    Column("result", JSON, nullable=False),  # per ledger: inserted, updated, unchanged
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# A row whose person could not be identified with certainty (no valid ID number): a person
# confirms or rejects the proposed record; the row's values wait here, nothing is merged before.
link = Table(
    "ybt_link", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("source_id", BigInteger, ForeignKey("ybt_source.id"), nullable=False),
    Column("file_hash", String(64), nullable=False),
    Column("sheet", String(200), nullable=True),
    Column("source_row", Integer, nullable=False),
    Column("org_unit", String(32), nullable=True),
    Column("payload", JSON, nullable=False),  # the row's converted values per ledger
    Column("shown", JSON, nullable=False),  # the row as a reviewer sees it (ID numbers masked)
    Column("candidate_ledger", String(100), nullable=False),
    Column("candidate_key", String(300), nullable=False, index=True),
    Column("probability", Float, nullable=False),
    Column("evidence", JSON, nullable=False),  # per compared field: agree / similar / differ / missing
    Column("status", String(20), nullable=False, index=True),  # pending | confirmed | rejected
    Column("decided_by", String(100), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("file_hash", "sheet", "source_row", "candidate_key", name="uq_ybt_link_row"),
)

# Two sources disagree about one value: which one the record keeps, by which rule, for review.
conflict = Table(
    "ybt_conflict", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("ledger_id", String(100), nullable=False),
    Column("record_id", BigInteger, nullable=False),
    Column("record_key", String(300), nullable=False),
    Column("column_name", String(100), nullable=False),
    Column("kept", String(10), nullable=False),  # old | new: which value the record now holds
    Column("rule", String(20), nullable=False),  # authority | newer-period | same-period
    Column("old_value", JSON, nullable=True),
    Column("old_source_id", BigInteger, ForeignKey("ybt_source.id"), nullable=True),
    Column("new_value", JSON, nullable=True),
    Column("new_source_id", BigInteger, ForeignKey("ybt_source.id"), nullable=False),
    Column("source_row", Integer, nullable=True),
    Column("status", String(20), nullable=False, index=True),  # open | resolved
    Column("resolved_by", String(100), nullable=True),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_ybt_conflict_record", "ledger_id", "record_id"),
)

# --- rules ---
# Early warnings (预警): one row per run of the rules, the alerts they raised with their life cycle
# (new → acknowledged → resolved / dismissed), the records each alert is about, and every change
# of an alert's status with who did it and why.
from sqlalchemy import Boolean, Date, UniqueConstraint  # noqa: E402  (kept in this section: other sections stay untouched)

rule_run = Table(
    "ybt_rule_run", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("as_of", Date, nullable=False),
    Column("org_unit", String(32), nullable=True),  # the run looked at this unit and below; null: everywhere
    Column("actor", String(100), nullable=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("summary", JSON, nullable=False),  # per rule: ledgers read, alerts found / new, seconds, problems
)

# An alert is identified by its rule and a fingerprint (SHA-256 of the rule and the keys of what
# it is about), so that running the rules again finds the same alert instead of a new one.
# Explanation and evidence are stored as shown to people: ID numbers masked. Full keys are only
# in ybt_alert_record.
alert = Table(
    "ybt_alert", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("rule_id", String(100), nullable=False, index=True),
    Column("fingerprint", String(64), nullable=False),
    Column("title", String(500), nullable=False),
    Column("department", String(100), nullable=True, index=True),
    Column("severity", String(10), nullable=False),  # high | medium | low
    Column("org_unit", String(32), nullable=True, index=True),
    Column("status", String(20), nullable=False, index=True),  # new | acknowledged | resolved | dismissed
    Column("explanation", Text, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("action", Text, nullable=True),
    Column("as_of", Date, nullable=False),  # the as-of date of the run that last found it
    Column("present", Boolean, nullable=False),  # found by the latest run of its rule over its unit
    Column("times_found", Integer, nullable=False),
    Column("first_run_id", BigInteger, nullable=True),
    Column("last_run_id", BigInteger, nullable=True),
    Column("first_found_at", DateTime(timezone=True), nullable=False),
    Column("last_found_at", DateTime(timezone=True), nullable=False),
    Column("status_changed_at", DateTime(timezone=True), nullable=True),
    Column("status_changed_by", String(100), nullable=True),
    Column("status_reason", Text, nullable=True),
    UniqueConstraint("rule_id", "fingerprint", name="uq_ybt_alert_fingerprint"),
)

# The ledger records an alert is about (full keys: the web app links to them, scope checks apply there).
alert_record = Table(
    "ybt_alert_record", metadata,
    Column("alert_id", BigInteger, ForeignKey("ybt_alert.id", ondelete="CASCADE"), primary_key=True),
    Column("ledger_id", String(100), primary_key=True),
    Column("record_key", String(300), primary_key=True),
    Column("role", String(60), nullable=True),  # the rule's alias for the ledger (p, pay …)
    Index("ix_ybt_alert_record_key", "ledger_id", "record_key"),
)

# Every change of an alert's status, including a reopening when a resolved problem comes back.
alert_event = Table(
    "ybt_alert_event", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("alert_id", BigInteger, ForeignKey("ybt_alert.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(100), nullable=True),
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=False),
    Column("reason", Text, nullable=True),
    Column("run_id", BigInteger, nullable=True),
)

# --- reports (report jobs) ---
# A long report run (every form for an org unit, or `ybt report --all`) happens in the background:
# who asked for what, how far it is, and the zip it produced. Written by yibiaotong.reports.jobs.
from sqlalchemy import Boolean  # noqa: E402  (kept in this section: other sections stay untouched)

report_job = Table(
    "ybt_report_job", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("requested_by", String(100), nullable=False, index=True),
    Column("period", String(7), nullable=False),  # 'YYYY-MM'
    Column("org_unit", String(32), nullable=True),  # this unit and below; null: every town (ybt report --all)
    Column("forms", JSON, nullable=False),  # form ids, fixed when the job is asked for
    Column("reveal", Boolean, nullable=False),  # sensitive values in full (the requester may see them)
    Column("purpose", Text, nullable=True),  # why they are shown in full
    Column("status", String(10), nullable=False, index=True),  # queued | running | done | failed
    Column("done", Integer, nullable=False),  # files generated (or given up on) so far
    Column("total", Integer, nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("result_file", String(1000), nullable=True),  # the zip, only once it is complete
    Column("result_bytes", BigInteger, nullable=True),
    Column("summary", JSON, nullable=True),  # files, failed forms and their problem codes (no values)
    Column("error", JSON, nullable=True),  # problems of a failed job
    Column("runner", String(200), nullable=True),  # host:pid:token of the process that runs it
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


# --- ingest (import jobs) ---
# A file uploaded in the web app is imported in the background: who uploaded what, for which unit,
# form and period, how far it is, and what came of it. Written by yibiaotong.ingest.jobs.
import_job = Table(
    "ybt_import_job", metadata,
    Column("id", String(40), primary_key=True),  # a random token: also the folder of its files
    Column("owner", String(100), nullable=False, index=True),  # the user who uploaded the file
    Column("org_unit", String(32), nullable=True),  # the unit the rows belong to (and below); null: from the file
    Column("form", String(200), nullable=True),  # the form chosen; null: recognised per sheet
    Column("period", String(20), nullable=True),
    Column("strict", Boolean, nullable=False),
    Column("file_name", String(500), nullable=False),  # the uploaded file's own (cleaned) name
    Column("file_bytes", BigInteger, nullable=False),
    Column("status", String(10), nullable=False, index=True),  # queued | running | done | failed
    Column("rows_done", BigInteger, nullable=False),  # rows read, once finished (while running: progress.json)
    Column("rows_total", BigInteger, nullable=True),  # rows of the file when known
    Column("summary", JSON, nullable=True),  # the import's outcome and counts (no values)
    Column("error", JSON, nullable=True),  # problems that stopped it (first ones), when failed
    Column("runner", String(200), nullable=True),  # host:pid:token of the process that runs it
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
