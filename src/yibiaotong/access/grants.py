"""Department grants (部门授权): which ledgers and columns a department may read or change.

A department sees a granted ledger district-wide; a grant names every column (``columns=None``,
which also covers columns added later) or a list. ``reveal`` lets the department's users show a
masked value in full, one value at a time and with a stated purpose (see access.records.reveal).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select, update

from yibiaotong.errors import Problem, YbtError
from yibiaotong.store.schema import grant as grant_table
from yibiaotong.store.schema import ledger as ledger_table

MODES = {"read": "只读", "write": "读写"}


@dataclass(frozen=True)
class Grant:
    department: str
    ledger_id: str
    columns: tuple[str, ...] | None  # None: every column
    mode: str = "read"
    reveal: bool = False

    def covers(self, column: str) -> bool:
        return self.columns is None or column in self.columns


def _grant(row) -> Grant:
    cols = row["columns"]
    return Grant(row["department"], row["ledger_id"], tuple(cols) if cols is not None else None, row["mode"],
                 bool(row["reveal"]))


def set_grant(engine: Engine, department: str, ledger_id: str, *, columns: list[str] | None = None,
              mode: str = "read", reveal: bool = False, by: str | None = None) -> Grant:
    """Grant (or change the grant of) one ledger to one department."""
    department = (department or "").strip()
    problems = []
    if not department:
        problems.append(Problem("invalid-definition", {"reason": "请填写部门名称"}))
    if mode not in MODES:
        problems.append(Problem("invalid-definition", {"reason": f"授权方式应为 {'/'.join(MODES)} 之一"}))
    with engine.connect() as conn:
        definition = conn.execute(select(ledger_table.c.definition).where(ledger_table.c.id == ledger_id)).scalar()
    if definition is None:
        problems.append(Problem("unknown-ledger", {"ledger": ledger_id}))
    elif columns is not None:
        known = [c.get("name") or c["element"] if isinstance(c, dict) else c for c in definition.get("columns", [])]
        problems.extend(Problem("unknown-column", {"ledger": ledger_id, "column": c}) for c in columns if c not in known)
        if not columns:
            problems.append(Problem("invalid-definition", {"reason": "请至少选择一个字段，或授权全部字段"}))
    if problems:
        raise YbtError(problems)
    values = dict(columns=list(dict.fromkeys(columns)) if columns is not None else None, mode=mode, reveal=bool(reveal),
                  granted_by=by, granted_at=datetime.now(UTC))
    where = (grant_table.c.department == department) & (grant_table.c.ledger_id == ledger_id)
    with engine.begin() as conn:
        if conn.execute(select(grant_table.c.id).where(where)).first():
            conn.execute(update(grant_table).where(where).values(**values))
        else:
            conn.execute(insert(grant_table).values(department=department, ledger_id=ledger_id, **values))
    return Grant(department, ledger_id, tuple(values["columns"]) if columns is not None else None, mode, bool(reveal))


def revoke_grant(engine: Engine, department: str, ledger_id: str) -> bool:
    with engine.begin() as conn:
        return bool(conn.execute(delete(grant_table).where(
            (grant_table.c.department == department) & (grant_table.c.ledger_id == ledger_id))).rowcount)


def grants_for(engine: Engine, department: str | None) -> dict[str, Grant]:
    """The department's grants by ledger id (none for a user without a department)."""
    if not department:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(select(grant_table).where(grant_table.c.department == department)).mappings().all()
    return {r["ledger_id"]: _grant(r) for r in rows}


def all_grants(engine: Engine) -> list[Grant]:
    with engine.connect() as conn:
        rows = conn.execute(select(grant_table).order_by(grant_table.c.department, grant_table.c.ledger_id)).mappings()
        return [_grant(r) for r in rows]
