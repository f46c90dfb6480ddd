"""Report jobs (报表生成任务): a long run — every form for an org unit, or `ybt report --all` —
recorded in ``ybt_report_job`` and executed in a background thread (web) or inline (CLI).

    job = create_job(engine, "linjiang", "2024-01", "500118103000", forms)
    start_job(engine, job.id, folder)           # web: returns at once, the thread does the work
    run_job(engine, job.id, folder)             # CLI: here and now, with progress

A job is ``queued`` until its runner claims it, ``running`` while it writes (``done``/``total``
files and ``rows`` are updated as it goes), then ``done`` with its zip or ``failed`` with the
problems that stopped it. The zip is written beside its final name and renamed when complete, and
the job is marked done only after that: a failed or killed run never presents half a zip. One
process runs one job at a time (the others wait, queued): reports are heavy and machines small.

Each job records its runner (host, process id and a token of the process's life, see
:mod:`yibiaotong.store.runners`); when a server starts, :func:`recover` marks the jobs of this host
whose process is gone as failed, so nobody waits on a job that will never finish. Finished files are kept :data:`KEEP_DAYS` days.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import os
import shutil
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, update

from yibiaotong.errors import Problem, YbtError
from yibiaotong.files import partial_of, writing
from yibiaotong.forms.store import get_form
from yibiaotong.orgunits import load_tree
from yibiaotong.reports.generate import ReportResult, generate_all
from yibiaotong.reports.period import Period
from yibiaotong.store.runners import HOST, JobRow, aware_row, runner_id, update_job  # noqa: F401  (HOST: jobs.HOST)
from yibiaotong.store.runners import iso as _iso
from yibiaotong.store.runners import orphaned as _orphaned
from yibiaotong.store.runners import utc_now as _now
from yibiaotong.store.schema import report_job as job_table

log = logging.getLogger("yibiaotong.reports.jobs")
STATUSES = ("queued", "running", "done", "failed")
KEEP_DAYS = 7
UPDATE_EVERY = 0.5  # seconds between progress writes (and always at the last file)
_one_at_a_time = threading.Lock()
Progress = Callable[[int, int, ReportResult], None]


@dataclass(frozen=True)
class ReportJob(JobRow):
    id: int
    requested_by: str
    period: str
    org_unit: str | None
    forms: list[str]
    reveal: bool
    purpose: str | None
    done: int
    total: int
    rows: int
    result_file: str | None
    result_bytes: int | None

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def zipped(self) -> bool:
        """Done with a zip to download (`ybt report --all` leaves its files in a folder instead)."""
        return self.status == "done" and bool(self.result_file) and self.result_file.endswith(".zip")

    @property
    def download_name(self) -> str:
        unit = self.org_unit or "全区"
        return f"报表_{unit}_{self.period}_任务{self.id}.zip"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "requested_by": self.requested_by, "period": self.period, "org_unit": self.org_unit,
                "forms": len(self.forms), "reveal": self.reveal, "status": self.status, "done": self.done,
                "total": self.total, "percent": self.percent, "rows": self.rows,
                "ready": self.zipped and Path(self.result_file).is_file(),
                "result_bytes": self.result_bytes, "summary": self.summary,
                "problems": [p.to_dict() for p in self.problems],
                "created_at": _iso(self.created_at), "started_at": _iso(self.started_at),
                "finished_at": _iso(self.finished_at)}


def _job(row) -> ReportJob:
    return ReportJob(**aware_row(job_table, row))


# --- asking for a job, reading it ------------------------------------------------------------

def create_job(engine: Engine, requested_by: str, period: str, org_unit: str | None, forms: list[str], *,
               reveal: bool = False, purpose: str | None = None) -> ReportJob:
    """A queued job: ``forms`` (ids or titles) × ``org_unit`` (null: every town/subdistrict).
    Everything is checked now, so a job never fails for a typo an hour later."""
    period_ = Period.parse(period)
    tree = load_tree(engine)
    problems: list[Problem] = []
    if org_unit is not None and org_unit not in tree.units:
        problems.append(Problem("unknown-org-unit", {"org_unit": org_unit}))
    ids = []
    for f in dict.fromkeys(forms):
        try:
            ids.append(get_form(engine, f).id)
        except YbtError as exc:
            problems += exc.problems
    if not forms:
        problems.append(Problem("invalid-request", {"reason": "没有可生成的报表", "reason_en": "no forms to generate"}))
    if reveal and not (purpose or "").strip():
        problems.append(Problem("purpose-required"))
    if problems:
        raise YbtError(problems)
    from yibiaotong.reports.generate import report_units

    units = 1 if org_unit is not None else len(report_units(tree))
    now = _now()
    values = dict(requested_by=requested_by, period=period_.text, org_unit=org_unit, forms=ids, reveal=reveal,
                  purpose=(purpose or "").strip() or None, status="queued", done=0, total=len(ids) * units, rows=0,
                  runner=runner_id(), created_at=now, updated_at=now)
    with engine.begin() as conn:
        job_id = conn.execute(insert(job_table).values(**values)).inserted_primary_key[0]
    return get_job(engine, job_id)


def get_job(engine: Engine, job_id: int) -> ReportJob:
    if not 0 < job_id < 2**62:  # beyond any id the table hands out (and any database's integer)
        raise YbtError(Problem("not-found"))
    with engine.connect() as conn:
        row = conn.execute(select(job_table).where(job_table.c.id == job_id)).mappings().first()
    if row is None:
        raise YbtError(Problem("not-found"))
    return _job(row)


def list_jobs(engine: Engine, requested_by: str | None = None, limit: int = 20) -> list[ReportJob]:
    """Newest first; ``requested_by``: one user's jobs (None: everybody's, for administrators)."""
    stmt = select(job_table).order_by(job_table.c.id.desc()).limit(limit)
    if requested_by is not None:
        stmt = stmt.where(job_table.c.requested_by == requested_by)
    with engine.connect() as conn:
        return [_job(r) for r in conn.execute(stmt).mappings()]


def _set(engine: Engine, job_id: int, **values: Any) -> None:
    update_job(engine, job_table, job_id, **values)


# --- running ------------------------------------------------------------------------------------

def run_job(engine: Engine, job_id: int, folder: str | Path, *, out_dir: str | Path | None = None,
            make_zip: bool = True, progress: Progress | None = None, report_date: date | None = None) -> ReportJob:
    """Run a queued job here and now; returns it done or failed (never raises for the job's own
    failure). The files go to ``out_dir`` (kept) or a work folder under ``folder`` (removed once
    zipped); the zip, when made, is ``folder/report-job-<id>.zip``."""
    folder = Path(folder)
    with _one_at_a_time:
        with engine.begin() as conn:
            claimed = conn.execute(update(job_table).where((job_table.c.id == job_id) & (job_table.c.status == "queued"))
                                   .values(status="running", runner=runner_id(), started_at=_now(),
                                           updated_at=_now())).rowcount
        job = get_job(engine, job_id)
        if not claimed:
            raise YbtError(Problem("invalid-request", {"reason": f"报表生成任务 {job_id} 已在运行或已结束（{job.status}）",
                                                       "reason_en": f"report job {job_id} is {job.status}"}))
        work = Path(out_dir) if out_dir is not None else folder / f"report-job-{job_id}.work"
        target = folder / f"report-job-{job_id}.zip"
        partial = partial_of(target)
        state = {"done": 0, "rows": 0}
        try:
            results = _generate(engine, job, work, progress, report_date, state)
            summary = _summary(results)
            values: dict[str, Any] = dict(status="done", done=len(results), rows=sum(r.rows for r in results if r.ok),
                                          summary=summary, finished_at=_now())
            if make_zip:
                with writing(target):
                    folder.mkdir(parents=True, exist_ok=True)
                    _zip(work, results, partial)
                    os.replace(partial, target)
                values.update(result_file=str(target.resolve()), result_bytes=target.stat().st_size)
            else:
                values.update(result_file=str(work.resolve()))
            _set(engine, job_id, **values)
        except BaseException as exc:  # also a KeyboardInterrupt of the CLI: the job must not stay 'running'
            problems = exc.problems if isinstance(exc, YbtError) and exc.problems else [
                Problem("report-job-failed", {"id": job_id, "reason": type(exc).__name__})]
            log.error("report job %s failed: %s", job_id, type(exc).__name__, exc_info=not isinstance(exc, YbtError))
            for leftover in (partial, target):
                leftover.unlink(missing_ok=True)
            _set(engine, job_id, status="failed", result_file=None, result_bytes=None, finished_at=_now(),
                 error=[p.to_dict() for p in problems], **state)
            if not isinstance(exc, Exception):
                raise
        finally:
            if out_dir is None and make_zip:
                shutil.rmtree(work, ignore_errors=True)
    return get_job(engine, job_id)


def _generate(engine: Engine, job: ReportJob, work: Path, progress: Progress | None, report_date: date | None,
              state: dict[str, int]) -> list[ReportResult]:
    last = [0.0]

    def step(done: int, total: int, result: ReportResult) -> None:
        state["done"] = done
        state["rows"] += result.rows
        now = time.monotonic()
        if now - last[0] >= UPDATE_EVERY or done == total:
            last[0] = now
            _set(engine, job.id, total=total, **state)
        if progress:
            progress(done, total, result)

    return generate_all(engine, job.period, work, forms=job.forms,
                        org_units=[job.org_unit] if job.org_unit else None, reveal=job.reveal,
                        report_date=report_date, progress=step, may_read=_may_read(engine, job.requested_by))


def _may_read(engine: Engine, requested_by: str):
    """A department's reports use only the ledgers granted to it whole for sub-table links."""
    from yibiaotong.access.grants import grants_for
    from yibiaotong.access.users import disabled_problem, get_user
    from yibiaotong.reports.permissions import whole_ledger

    user = get_user(engine, requested_by, include_disabled=True)
    if user is not None and not user.active:  # disabled after asking: the job ends, it never runs unrestricted
        raise YbtError(disabled_problem(requested_by))
    if user is None or user.role != "department":
        return None
    return whole_ledger(user.role, grants_for(engine, user.department))


def _summary(results: list[ReportResult]) -> dict[str, Any]:
    failed = [{"form": r.form, "title": r.title, "org_unit": r.org_unit, "codes": sorted({p.code for p in r.problems})}
              for r in results if not r.ok]
    return {"files": sum(1 for r in results if r.ok), "failed": failed[:200], "failed_count": len(failed)}


def _zip(work: Path, results: list[ReportResult], partial: Path) -> None:
    """Every generated file (kept as they are: .xlsx is compressed already) and a list of what was
    generated, with the forms that could not be and why."""
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED) as zf:
        for r in results:
            if r.ok:
                zf.write(r.path, r.path.relative_to(work).as_posix())
        zf.writestr("生成情况.csv", _listing(results).encode("utf-8-sig"), zipfile.ZIP_DEFLATED)


def _listing(results: list[ReportResult]) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["单位代码", "单位", "报表", "行数", "文件", "说明"])
    for r in results:
        notes = "；".join(p.message_zh for p in r.problems[:5])
        w.writerow([r.org_unit, r.org_name, r.title, r.rows if r.ok else "",
                    r.path.name if r.ok and r.path else "未生成", notes])
    return out.getvalue()


def start_job(engine: Engine, job_id: int, folder: str | Path, **options: Any) -> threading.Thread:
    """Run the job in a background thread (a web request returns at once)."""
    def work() -> None:
        try:
            run_job(engine, job_id, folder, **options)
        except Exception:  # run_job records the job's own failure; this is a failure to even start
            log.exception("report job %s could not run", job_id)

    thread = threading.Thread(target=work, name=f"report-job-{job_id}", daemon=True)
    thread.start()
    return thread


# --- after a restart ------------------------------------------------------------------------------

def recover(engine: Engine, folder: str | Path | None = None) -> int:
    """Mark failed the unfinished jobs of this host whose process is gone; remove the files of jobs
    finished more than KEEP_DAYS ago. Returns how many jobs were marked failed."""
    with engine.connect() as conn:
        rows = conn.execute(select(job_table.c.id, job_table.c.runner)
                            .where(job_table.c.status.in_(("queued", "running")))).all()
    gone = [job_id for job_id, runner in rows if _orphaned(runner)]
    for job_id in gone:
        problem = Problem("report-job-interrupted", {"id": job_id})
        with engine.begin() as conn:
            conn.execute(update(job_table).where((job_table.c.id == job_id) & job_table.c.status.in_(("queued", "running")))
                         .values(status="failed", error=[problem.to_dict()], finished_at=_now(), updated_at=_now()))
    if folder is not None:
        # (report-job-*.zip.part: as versions before yibiaotong.files named them)
        for leftover in [*Path(folder).glob(partial_of(Path("report-job-*.zip")).name),
                         *Path(folder).glob("report-job-*.zip.part")]:
            job_id = leftover.name.removeprefix(".").removeprefix("report-job-").split(".", 1)[0]
            if job_id.isdigit() and int(job_id) in gone:
                leftover.unlink(missing_ok=True)
    _prune(engine)
    return len(gone)


def _prune(engine: Engine) -> None:
    cutoff = _now() - timedelta(days=KEEP_DAYS)
    with engine.connect() as conn:
        old = conn.execute(select(job_table.c.id, job_table.c.result_file)
                           .where((job_table.c.status == "done") & job_table.c.result_file.is_not(None)
                                  & (job_table.c.finished_at < cutoff))).all()
    for job_id, path in old:
        if path and path.endswith(".zip"):
            Path(path).unlink(missing_ok=True)
            _set(engine, job_id, result_file=None)


def default_folder(engine: Engine) -> Path:
    """Where job results go: $YBT_REPORTS_DIR, else a folder of the system's temp directory, one per
    database (never beside the code; two databases on one machine never share results)."""
    given = os.environ.get("YBT_REPORTS_DIR")
    if given:
        return Path(given)
    db = hashlib.sha256(engine.url.render_as_string(hide_password=True).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"yibiaotong-reports-{db}"
