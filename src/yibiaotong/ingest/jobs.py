"""Import jobs (导入任务): a file uploaded in the web app, imported in the background and recorded in
``ybt_import_job``; the web app's runner (``web.import_jobs``) does the import itself.

    job = create_job(engine, job_id, "linjiang", "花名册.xlsx", size, org_unit="500118103000")
    claim(engine, job.id)                          # queued -> running, by this process
    rows = ProgressFile(folder / "progress.json")  # import_file(..., progress=rows)
    finish(engine, job.id, report, summary)        # done, or failed with the problems that stopped it

A job is ``queued`` until its runner claims it, ``running`` while the file is imported, then
``done`` (the import stored its rows, or found nothing new) or ``failed`` (the file was refused,
rejected in strict mode, or the run broke off). The import itself is one transaction, so a failed
or killed job leaves the ledgers as they were.

How far a running job is goes to a small file beside the upload, not into its row: on SQLite the
import's transaction holds the database's only write lock until the file is done, so the row can
be written only before and after. The file is read by every worker process of the host.

Each job records its runner (``store.runners``); :func:`recover` marks failed the unfinished jobs
of this host whose process is gone, as report jobs do.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, update

from yibiaotong.errors import Problem, YbtError
from yibiaotong.files import write_text_whole
from yibiaotong.ingest.report import ImportReport
from yibiaotong.store import schema
from yibiaotong.store.runners import JobRow, aware_row, orphaned, runner_id, update_job
from yibiaotong.store.runners import iso as _iso
from yibiaotong.store.runners import utc_now as _now
from yibiaotong.store.schema import import_job as job_table

STATUSES = ("queued", "running", "done", "failed")
UPDATE_EVERY = 0.5  # seconds between progress writes
ERRORS_KEPT = 20  # problems of a failed job kept in its row (all of them are in its report)


@dataclass(frozen=True)
class ImportJob(JobRow):
    id: str
    owner: str
    org_unit: str | None
    form: str | None
    period: str | None
    strict: bool
    file_name: str
    file_bytes: int
    rows_done: int
    rows_total: int | None

    @property
    def percent(self) -> int | None:
        """None while the file's number of rows is unknown."""
        if self.status == "done":
            return 100
        return min(99, int(100 * self.rows_done / self.rows_total)) if self.rows_total else None

    def live(self, folder: Path | None) -> ImportJob:
        """The job with the progress its runner wrote beside the upload (while it runs)."""
        if self.status != "running" or folder is None:
            return self
        rows = read_progress(folder / PROGRESS)
        return replace(self, rows_done=rows[0], rows_total=rows[1]) if rows else self

    def to_dict(self) -> dict[str, Any]:
        summary = self.summary or {}
        return {"id": self.id, "owner": self.owner, "file": self.file_name, "file_bytes": self.file_bytes,
                "form": self.form, "org_unit": self.org_unit, "period": self.period, "strict": self.strict,
                "status": self.status, "rows_done": self.rows_done, "rows_total": self.rows_total,
                "percent": self.percent, "result": summary.get("status"), "message": summary.get("message"),
                "summary": self.summary, "problems": [p.to_dict() for p in self.problems],
                "created_at": _iso(self.created_at), "started_at": _iso(self.started_at),
                "finished_at": _iso(self.finished_at)}


def _job(row) -> ImportJob:
    return ImportJob(**aware_row(job_table, row))


# --- asking for a job, reading it ------------------------------------------------------------

def create_job(engine: Engine, job_id: str, owner: str, file_name: str, file_bytes: int, *,
               org_unit: str | None = None, form: str | None = None, period: str | None = None,
               strict: bool = False) -> ImportJob:
    """A queued job; whoever creates it has checked that ``owner`` may import this form for this unit."""
    now = _now()
    values = dict(id=job_id, owner=owner, org_unit=org_unit, form=form, period=period or None, strict=strict,
                  file_name=file_name[:500], file_bytes=file_bytes, status="queued", rows_done=0, rows_total=None,
                  runner=runner_id(), created_at=now, updated_at=now)
    with engine.begin() as conn:
        conn.execute(insert(job_table).values(**values))
    return get_job(engine, job_id)


def get_job(engine: Engine, job_id: str) -> ImportJob:
    with engine.connect() as conn:
        row = conn.execute(select(job_table).where(job_table.c.id == str(job_id)[:40])).mappings().first()
    if row is None:
        raise YbtError(Problem("not-found"))
    return _job(row)


def list_jobs(engine: Engine, owner: str | None = None, limit: int = 20) -> list[ImportJob]:
    """Newest first; ``owner``: one user's jobs (None: everybody's, for administrators)."""
    stmt = select(job_table).order_by(job_table.c.created_at.desc(), job_table.c.id).limit(limit)
    if owner is not None:
        stmt = stmt.where(job_table.c.owner == owner)
    with engine.connect() as conn:
        return [_job(r) for r in conn.execute(stmt).mappings()]


def _set(engine: Engine, job_id: str, **values: Any) -> None:
    update_job(engine, job_table, job_id, **values)


# --- running --------------------------------------------------------------------------------------

def claim(engine: Engine, job_id: str) -> bool:
    """queued -> running by this process; False when the job is no longer queued."""
    with engine.begin() as conn:
        return bool(conn.execute(update(job_table).where((job_table.c.id == job_id) & (job_table.c.status == "queued"))
                                 .values(status="running", runner=runner_id(), started_at=_now(),
                                         updated_at=_now())).rowcount)


def summary_of(report: ImportReport, has_workbook: bool) -> dict[str, Any]:
    """What the job's row keeps of its report: the outcome and counts, never a value."""
    return {"status": report.status, "message": report.message, "file_hash": report.file_hash,
            "rows_read": report.rows_read, "rows_imported": report.rows_imported,
            "rows_invalid": report.rows_invalid, "rows_queued": sum(s.rows_queued for s in report.sheets),
            "problems": len(report.problems), "warnings": len(report.warnings), "has_workbook": has_workbook,
            "forms": sorted({s.form_title or s.form for s in report.sheets if s.form}),
            "seconds": round(report.seconds, 3)}


def finish(engine: Engine, job_id: str, report: ImportReport, summary: dict[str, Any]) -> ImportJob:
    """Done when the import stored its rows or found nothing new; failed (with the problems that
    kept the file out) when it was refused or rejected. Rows done and in all: the data rows read
    (while running, the total was the sheets' rows, titles and headers included)."""
    failed = not report.ok
    problems = report.problems or ([Problem("import-job-failed", {"file": report.file, "reason": report.status})]
                                   if failed else [])
    _set(engine, job_id, status="failed" if failed else "done", rows_done=report.rows_read,
         rows_total=report.rows_read, summary=summary,
         error=[p.to_dict() for p in problems[:ERRORS_KEPT]] if failed else None, finished_at=_now())
    return get_job(engine, job_id)


def fail(engine: Engine, job_id: str, problem: Problem) -> None:
    """The run broke off (an error of the server, not of the file): nothing of the file was stored."""
    _set(engine, job_id, status="failed", error=[problem.to_dict()], finished_at=_now())


# --- progress ---------------------------------------------------------------------------------------

PROGRESS = "progress.json"


class ProgressFile:
    """The pipeline's progress callback (rows of the file done, rows known so far), written to
    ``path`` at most every :data:`UPDATE_EVERY` seconds (replaced whole, never half)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.done, self.total = 0, None
        self._written = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if now - self._written >= UPDATE_EVERY:
            self._written = now
            self.write()

    def write(self) -> None:
        write_text_whole(self.path, json.dumps({"rows_done": self.done, "rows_total": self.total}))


def read_progress(path: Path) -> tuple[int, int | None] | None:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return int(data["rows_done"]), (int(data["rows_total"]) if data.get("rows_total") else None)
    except (OSError, ValueError, KeyError, TypeError):
        return None


# --- after a restart ----------------------------------------------------------------------------

def recover(engine: Engine) -> list[str]:
    """Mark failed the unfinished jobs of this host whose process is gone; returns their ids (the
    caller removes their uploads). Their imports were one transaction each: nothing of them is
    stored, unless the process ended after the commit, before the job was marked done (then the
    file's import is recorded since the job started, by its user, and that is said)."""
    with engine.connect() as conn:
        rows = conn.execute(select(job_table.c.id, job_table.c.runner, job_table.c.file_name, job_table.c.owner,
                                   job_table.c.started_at)
                            .where(job_table.c.status.in_(("queued", "running")))).all()
    gone = []
    for job_id, runner, file_name, owner, started_at in rows:
        if not orphaned(runner):
            continue
        stored = started_at is not None and _imported_since(engine, file_name, owner, started_at)
        problem = Problem("import-job-interrupted-stored" if stored else "import-job-interrupted", {"file": file_name})
        with engine.begin() as conn:
            marked = conn.execute(update(job_table).where((job_table.c.id == job_id)
                                                          & job_table.c.status.in_(("queued", "running")))
                                  .values(status="failed", error=[problem.to_dict()], finished_at=_now(),
                                          updated_at=_now())).rowcount
        if marked:
            gone.append(job_id)
    return gone


def _imported_since(engine: Engine, file_name: str, owner: str, started_at: datetime) -> bool:
    b = schema.import_batch
    with engine.connect() as conn:
        return conn.execute(select(b.c.id).where((b.c.file_name == file_name) & (b.c.actor == owner)
                                                 & (b.c.created_at >= started_at)).limit(1)).first() is not None
