"""rules: alert evidence kept before it was kept by column is withheld (privacy; no schema change).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

Alerts used to keep their evidence values, and an explanation written from them, as one text for
everyone: a sensitive value such as a disability certificate number only partly masked, where the
record pages show ***. Since then evidence is kept by label with the columns it was read from
(``rules.evidence``) and shown to each viewer as the record pages would. An older alert cannot be
told apart column by column, so its values and its explanation are dropped here; the records it
rests on (keys masked) stay, and the next run of its rule that finds the case writes it again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# as rules.evidence words it (kept here: a migration does not change with the code)
WITHHELD = "此预警生成于系统升级之前，依据中的具体数据已隐去；管理员下次运行预警检查后，会按您的权限重新显示"
NAMED = 12
CHUNK = 500


def _explanation(records: list, total: int) -> str:
    named = "；".join(f"{r.get('ledger_name', '')} {r.get('key', '')}" for r in records[:NAMED] if isinstance(r, dict))
    more = f"等{total}条" if total > NAMED else ""
    return WITHHELD + (f"（依据：{named}{more}）" if named else "")


def upgrade() -> None:
    alert = sa.table("ybt_alert", sa.column("id", sa.BigInteger()), sa.column("evidence", sa.JSON()),
                     sa.column("explanation", sa.Text()))
    conn = op.get_bind()
    changed = []
    for row in conn.execute(sa.select(alert.c.id, alert.c.evidence)):
        evidence = row.evidence if isinstance(row.evidence, dict) else {}
        if "columns" in evidence:
            continue
        records = evidence.get("records") if isinstance(evidence.get("records"), list) else []
        total = evidence.get("records_total") if isinstance(evidence.get("records_total"), int) else len(records)
        kept = {"records": records, "records_total": total, "ledgers": evidence.get("ledgers") or {},
                "fields": {}, "rows": [], "rows_total": 0, "withheld": True}
        changed.append({"b_id": row.id, "v_evidence": kept, "v_explanation": _explanation(records, total)})
    for i in range(0, len(changed), CHUNK):
        conn.execute(sa.update(alert).where(alert.c.id == sa.bindparam("b_id"))
                     .values(evidence=sa.bindparam("v_evidence"), explanation=sa.bindparam("v_explanation")),
                     changed[i:i + CHUNK])


def downgrade() -> None:
    pass  # the values dropped cannot be restored; running the rules again writes them
