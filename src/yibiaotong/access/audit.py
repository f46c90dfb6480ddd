"""The audit log (审计日志): who did what, when, and why — never the values themselves.

Reveals of masked values, edits, logins and every change of users, grants and tokens are
written here. Details name ledgers, record numbers and columns; they never hold a value
(an ID number revealed in full must not be copied into yet another table).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from yibiaotong.elements.dates import CHINA
from yibiaotong.store.schema import audit

LOCAL = CHINA  # dates typed on the audit page are the users' calendar days
ACTIONS = {
    "login": "登录", "login-failed": "登录失败", "logout": "退出",
    "reveal": "查看完整信息", "record-update": "修改记录",
    "user-create": "新建用户", "user-change": "修改用户", "user-disable": "停用用户", "user-enable": "启用用户",
    "password-reset": "重置密码",
    "grant-set": "授权", "grant-revoke": "撤销授权",
    "token-create": "新建接口令牌", "token-revoke": "吊销接口令牌",
    "import": "导入文件", "import-download": "下载错误清单", "link-confirm": "确认人员", "link-reject": "否定人员",
    "conflict-resolve": "核对数据冲突",
    "report-generate": "生成报表", "report-job-start": "发起报表生成任务", "report-download": "下载报表",
    "alert-acknowledge": "签收预警", "alert-resolve": "办结预警", "alert-dismiss": "忽略预警",
    "alert-reopen": "重新打开预警", "alert-export": "导出预警清单",
    "consolidation-decide": "梳理审核决定", "consolidation-export": "审核决定写入数据包",
}



def local_time(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time in the users' calendar (stored in UTC; SQLite hands it back naive)."""
    if at is None:
        return ""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(LOCAL).strftime(fmt)

@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str | None
    action: str
    target: str | None
    purpose: str | None
    details: dict[str, Any] | None


def write(where: Engine | Connection, actor: str | None, action: str, *, target: str | None = None,
          purpose: str | None = None, details: dict[str, Any] | None = None) -> None:
    """One audit entry, inside the caller's transaction when given a connection."""
    values = dict(at=datetime.now(UTC), actor=actor, action=action, target=(target or "")[:300] or None,
                  purpose=purpose, details=details)
    if isinstance(where, Connection):
        where.execute(insert(audit).values(**values))
        return
    with where.begin() as conn:
        conn.execute(insert(audit).values(**values))


def entries(engine: Engine, *, actor: str | None = None, action: str | None = None, since: date | None = None,
            until: date | None = None, before_id: int | None = None, limit: int = 100) -> list[AuditEntry]:
    """Newest first; ``before_id`` pages back (keyset on id, so old pages stay fast)."""
    stmt = select(audit).order_by(audit.c.id.desc()).limit(limit)
    if actor:
        stmt = stmt.where(audit.c.actor == actor)
    if action:
        stmt = stmt.where(audit.c.action == action)
    if since:
        stmt = stmt.where(audit.c.at >= datetime.combine(since, time.min, LOCAL).astimezone(UTC))
    if until:
        stmt = stmt.where(audit.c.at < datetime.combine(until + timedelta(days=1), time.min, LOCAL).astimezone(UTC))
    if before_id:
        stmt = stmt.where(audit.c.id < before_id)
    with engine.connect() as conn:
        return [AuditEntry(r["id"], r["at"], r["actor"], r["action"], r["target"], r["purpose"], r["details"])
                for r in conn.execute(stmt).mappings()]
