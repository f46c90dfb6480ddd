"""The web app's import jobs (后台导入): an accepted upload is imported here, in a background thread,
while the page and the API follow its progress (:mod:`yibiaotong.ingest.jobs` keeps the record).

One server process imports one file at a time, in the order they came: a queue drained by one
thread (which ends when the queue is empty). An import is heavy, the machines are small, and on
SQLite only one transaction writes at a time anyway. With several worker processes each imports
its own uploads; on PostgreSQL they run side by side.

The import runs exactly as the request would have run it: the uploader's name as the actor, the
org unit checked against their scope (which makes ``ingest`` refuse rows about records kept outside
it), the error workbook in the upload's folder, the audit entry when it is done. On first use by an
app, the jobs an earlier life of this server left unfinished are marked failed and their uploads
removed (see :func:`yibiaotong.ingest.jobs.recover`).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError

from yibiaotong.access import audit
from yibiaotong.access.redact import redact
from yibiaotong.access.scope import Scope
from yibiaotong.access.users import disabled_problem, get_user
from yibiaotong.errors import Problem, YbtError
from yibiaotong.ingest import ImportReport, Limits, import_file, jobs
from yibiaotong.ingest.report import STATUS_ZH
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.web.import_files import ImportFiles, Upload
from yibiaotong.web.import_scope import choose_form, choose_unit, moved_in

log = logging.getLogger("yibiaotong.web")
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".ods")
_LOCK = threading.Lock()


class _OneAtATime:
    """Work items run in order by one thread, started when work arrives and ended when there is none."""

    def __init__(self) -> None:
        self._queue: deque[Callable[[], None]] = deque()
        self._lock = threading.Lock()
        self._draining = False

    def submit(self, work: Callable[[], None]) -> None:
        with self._lock:
            self._queue.append(work)
            if self._draining:
                return
            self._draining = True
        threading.Thread(target=self._drain, name="import-jobs", daemon=True).start()

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._draining = False
                    return
                work = self._queue.popleft()
            try:
                work()
            except Exception:  # the work records its own failure; this is a failure to even record it
                log.exception("an import job could not run")


_runner = _OneAtATime()  # one per process: every app of the process shares it


class ImportJobs:
    """The app's import jobs: their files (:class:`ImportFiles`) and their runner."""

    def __init__(self, app):
        self.app, self.engine = app, app.state.engine
        self.files = ImportFiles.of(app)
        for job_id in jobs.recover(self.engine):
            self.files.remove(job_id)  # the upload of an interrupted job (its import rolled back, or stored and said so)

    @classmethod
    def of(cls, app) -> ImportJobs:
        with _LOCK:
            service = getattr(app.state, "import_jobs", None)
            if service is None:
                service = app.state.import_jobs = cls(app)
            return service

    def folder(self, job: jobs.ImportJob) -> Path | None:
        return self.files.folder(job.id)

    def accept(self, scope: Scope, store: LedgerStore, upload: Upload, job_id: str, folder: Path,
               limits: Limits) -> jobs.ImportJob:
        """Check the request as the import page always did, record the job and queue it. Raises
        AccessDenied / YbtError for requests that may not run at all."""
        form_id, _ledgers = choose_form(self.engine, scope, store, upload.get("form"))
        unit = choose_unit(scope, upload.get("org_unit"))
        if upload.path is None:
            raise YbtError(Problem("invalid-request", {"reason": "请选择要导入的文件（.xlsx、.xls 或 .csv）",
                                                       "reason_en": "choose a file to import"}))
        try:
            job = jobs.create_job(self.engine, job_id, scope.user.name, upload.name, upload.size, org_unit=unit,
                                  form=form_id, period=upload.get("period") or None, strict=upload.strict)
        except OperationalError as exc:  # SQLite: another import holds the only write lock for its whole file
            log.warning("import job not recorded, the database is busy: %s", type(exc).__name__)
            raise YbtError(Problem("import-busy")) from None
        _runner.submit(lambda: self.run(job, scope, store, upload, folder, limits))
        return job

    # --- in the background thread -----------------------------------------------------------------

    def run(self, job: jobs.ImportJob, scope: Scope, store: LedgerStore, upload: Upload, folder: Path,
            limits: Limits) -> None:
        if not jobs.claim(self.engine, job.id):
            return  # marked failed meanwhile (a restart's recovery on another worker)
        if get_user(self.engine, scope.user.name) is None:  # disabled (or removed) while the file waited
            upload.path.unlink(missing_ok=True)
            jobs.fail(self.engine, job.id, disabled_problem(scope.user.name))
            return
        progress = jobs.ProgressFile(folder / jobs.PROGRESS)
        started = datetime.now(UTC)
        try:
            report = self._import(job, scope, store, upload, folder, limits, progress)
        except BaseException as exc:  # the file's one transaction was rolled back: nothing of it is stored
            log.error("import job %s failed: %s", job.id, type(exc).__name__, exc_info=True)
            jobs.fail(self.engine, job.id, Problem("import-job-failed", {"file": job.file_name,
                                                                          "reason": type(exc).__name__}))
            if not isinstance(exc, Exception):
                raise
            return
        finally:
            upload.path.unlink(missing_ok=True)  # the rows are in the ledgers now, or in the error workbook
        try:
            self._record(job, scope, folder, report, started)
        except Exception as exc:  # the import is over (committed or not); only its record is missing
            log.error("import job %s: the result could not be recorded: %s", job.id, type(exc).__name__,
                      exc_info=True)
            jobs.fail(self.engine, job.id, Problem("import-job-unrecorded", {
                "file": job.file_name, "status": STATUS_ZH[report.status], "reason": type(exc).__name__}))

    def _import(self, job: jobs.ImportJob, scope: Scope, store: LedgerStore, upload: Upload, folder: Path,
                limits: Limits, progress: jobs.ProgressFile) -> ImportReport:
        if upload.path.suffix.lower() not in SUFFIXES:
            return ImportReport(file=upload.name, status="failed",
                                problems=[Problem("file-not-spreadsheet", {}, {"file": upload.name})])
        return import_file(self.engine, upload.path, form=job.form, period=job.period, org_unit=job.org_unit,
                           actor=scope.user.name, strict=job.strict, error_workbook=folder / "errors.xlsx",
                           progress=progress, limits=limits, dictionary=store.dictionary)

    def _record(self, job: jobs.ImportJob, scope: Scope, folder: Path, report: ImportReport,
                started: datetime) -> None:
        """The result for the page and the API, the audit entry, and the job done (or failed)."""
        moved = moved_in(self.engine, scope, report, started) if report.status == "imported" else {}
        has_workbook = bool(report.error_workbook) and (folder / "errors.xlsx").is_file()
        report.error_workbook = None  # a server path is nobody's business
        data = report.to_dict()
        data["problems"].sort(key=_place({s.sheet: i for i, s in enumerate(report.sheets)}))
        self.files.save(folder, data)
        for s in report.sheets:
            for ledger_id in s.ledgers:
                self.app.state.counts.forget(ledger_id)
        audit.write(self.engine, scope.user.name, "import", target=f"file:{redact(job.file_name)}"[:300], details={
            "upload": job.id, "status": report.status, "file_hash": report.file_hash, "form": job.form,
            "forms": [s.form for s in report.sheets], "org_unit": job.org_unit, "period": job.period,
            "strict": job.strict, "rows_read": report.rows_read, "rows_imported": report.rows_imported,
            "rows_invalid": report.rows_invalid, **({"moved_in": moved} if moved else {})})
        if moved:
            log.warning("import %s by %s moved records from outside the user's scope into it: %s", job.id,
                        scope.user.name, moved)
        jobs.finish(self.engine, job.id, report, jobs.summary_of(report, has_workbook))


def _place(sheets: dict[str, int]):
    """Problems in the order a clerk reads the file: sheet by sheet, row by row, column by column."""
    def key(problem: dict[str, Any]) -> tuple:
        loc = problem["location"]
        column = str(loc.get("column") or "")
        return sheets.get(loc.get("sheet"), -1), loc.get("row") or 0, len(column), column
    return key
