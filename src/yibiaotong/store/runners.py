"""What background jobs share (后台任务): which process runs one, whether it is gone, and their rows.

Report jobs and import jobs record their runner as ``host:pid:token``; the token is this process's
life, because a restarted server may get the same pid. When a server starts, the jobs of this host
whose process is gone can never finish and are marked failed (see reports.jobs and ingest.jobs).
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, update

from yibiaotong.errors import Problem

TOKEN = secrets.token_hex(4)
HOST = socket.gethostname()[:100]


def runner_id() -> str:
    return f"{HOST}:{os.getpid()}:{TOKEN}"


def orphaned(runner: str | None) -> bool:
    """True when the process named by ``runner`` is gone (or none was recorded)."""
    if not runner:
        return True
    host, _, rest = runner.partition(":")
    pid, _, token = rest.partition(":")
    if host != HOST or not pid.isdigit():
        return False  # another machine's job: only that machine can tell
    if int(pid) == os.getpid():
        return token != TOKEN  # this pid, an earlier life of it
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's process
    return False


# --- a job's row ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class JobRow:
    """The columns every job table has; a job's class adds its own (built from a row by keyword)."""
    status: str  # queued | running | done | failed
    summary: dict[str, Any] | None
    error: list[dict[str, Any]] | None  # problems of a failed job
    runner: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def problems(self) -> list[Problem]:
        return [Problem(e["code"], e.get("params") or {}, e.get("location") or {}) for e in self.error or []]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def aware_row(table: Table, row) -> dict[str, Any]:
    """A job row's values, its times in UTC (SQLite gives them back naive)."""
    values = {c.name: row[c.name] for c in table.c}
    for c in ("created_at", "started_at", "finished_at", "updated_at"):
        if values.get(c) is not None and values[c].tzinfo is None:
            values[c] = values[c].replace(tzinfo=UTC)
    return values


def update_job(engine: Engine, table: Table, job_id: Any, **values: Any) -> None:
    """Change a job's row (and its updated_at) in a transaction of its own."""
    with engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == job_id).values(updated_at=utc_now(), **values))
