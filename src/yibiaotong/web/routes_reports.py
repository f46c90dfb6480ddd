"""Report pages (报表生成): one form for a period and an org unit, downloaded at once; every form for an
org unit as a background job with progress and a zip to download.

A thin layer over :mod:`yibiaotong.reports`: :mod:`yibiaotong.reports.permissions` says which forms
the user may generate and whether they may see sensitive values in full (only when they ask, with
a purpose); the org unit must lie in the user's scope; a job is seen and downloaded only by the user
who asked for it and by administrators. Every generation, job and download is in the audit log.
The JSON API: POST /api/reports starts a job, GET /api/reports/{id} tells how far it is,
GET /api/reports/{id}/file downloads its zip.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Security
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from yibiaotong.access import audit
from yibiaotong.access.audit import local_time
from yibiaotong.access.scope import AccessDenied, NotInScope, Scope
from yibiaotong.elements.dates import today as china_today
from yibiaotong.errors import Problem, YbtError
from yibiaotong.forms.definition import FormDef
from yibiaotong.forms.store import load_forms
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.reports import Period, Reporter, jobs
from yibiaotong.reports.permissions import generable, may_reveal, whole_ledger
from yibiaotong.web.api import ERRORS, ErrorBody, bearer
from yibiaotong.web.auth import check_csrf
from yibiaotong.web.deps import ApiScope, PageScope, Store
from yibiaotong.web.errors import respond_problems
from yibiaotong.web.i18n import language
from yibiaotong.web.render import render

pages = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", dependencies=[Security(bearer)], responses=ERRORS, tags=["报表生成"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECENT = 20
_LOCK = threading.Lock()


class ReportJobs:
    """The app's report jobs: where their files go; on the app's first use of reports, the jobs an
    earlier life of this server left unfinished are marked failed (see jobs.recover)."""

    def __init__(self, engine, folder: Path):
        self.engine, self.folder = engine, folder
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        jobs.recover(engine, folder)

    @classmethod
    def of(cls, app) -> ReportJobs:
        with _LOCK:
            service = getattr(app.state, "report_jobs", None)
            if service is None:
                service = app.state.report_jobs = cls(app.state.engine, jobs.default_folder(app.state.engine))
            return service

    def start(self, job_id: int) -> None:
        jobs.start_job(self.engine, job_id, self.folder)


# --- what the user asks for, checked -------------------------------------------------------------

def _forms(request: Request, scope: Scope, store: LedgerStore) -> list[FormDef]:
    return generable(scope, store, load_forms(request.app.state.engine))


def _form(forms: list[FormDef], wanted: str) -> FormDef:
    for fd in forms:
        if wanted in (fd.id, fd.title):
            return fd
    raise AccessDenied("您无权生成该报表，或该报表不存在", "you may not generate this form, or it does not exist")


def _unit(scope: Scope, code: str | None) -> str:
    """The chosen org unit (default: the user's own), checked to lie within the scope."""
    code = (code or "").strip() or scope.user.org_unit or next(iter(scope.orgs.children.get(None, [])), "")
    scope.unit_filter(code)  # unknown-org-unit, or 403 outside the scope
    return code


def _reveal(scope: Scope, store: LedgerStore, forms: list[FormDef], wanted: bool, purpose: str | None) -> bool:
    if not wanted:
        return False
    if not may_reveal(scope, store, forms):
        raise AccessDenied("您无权查看这些报表中的敏感信息全文", "you may not see these reports' sensitive values in full")
    if not (purpose or "").strip():
        raise YbtError(Problem("purpose-required"))
    return True


def last_month() -> str:
    today = china_today()
    return f"{today.year - (today.month == 1)}-{(today.month - 2) % 12 + 1:02d}"


def _visible(request: Request, scope: Scope, job_id: int) -> jobs.ReportJob:
    """The job, for the user who asked for it and for administrators; anyone else: "not there"."""
    try:
        job = jobs.get_job(request.app.state.engine, job_id)
    except YbtError:
        raise NotInScope() from None
    if job.requested_by != scope.user.name and not scope.is_admin:
        raise NotInScope()
    return job


def _start(request: Request, scope: Scope, store: LedgerStore, period: str, org_unit: str | None,
           forms: list[str] | None, reveal: bool, purpose: str | None) -> jobs.ReportJob:
    """Every form the user may generate (or the ones named) for one org unit, as a background job."""
    service = ReportJobs.of(request.app)
    Period.parse(period)
    unit = _unit(scope, org_unit)
    allowed = _forms(request, scope, store)
    chosen = [_form(allowed, f) for f in dict.fromkeys(forms)] if forms else allowed
    if not chosen:
        raise AccessDenied("您的权限范围内没有可以生成的报表", "there is no form you may generate")
    shown = _reveal(scope, store, chosen, reveal, purpose)
    job = jobs.create_job(request.app.state.engine, scope.user.name, period, unit, [f.id for f in chosen],
                          reveal=shown, purpose=purpose if shown else None)
    audit.write(request.app.state.engine, scope.user.name, "report-job-start", target=f"report-job:{job.id}",
                purpose=job.purpose, details={"period": job.period, "org_unit": unit, "forms": len(chosen),
                                              "reveal": shown})
    service.start(job.id)
    return job


def _zip_response(request: Request, scope: Scope, job: jobs.ReportJob):
    """The job's zip (audited), or why there is none: 409 not done yet, 410 removed."""
    if job.status != "done":
        return respond_problems(request, [Problem("report-job-not-ready", {"id": job.id, "status": job.status})], 409)
    if not job.zipped or not Path(job.result_file).is_file():
        return respond_problems(request, [Problem("report-job-expired", {"id": job.id})], 410)
    audit.write(request.app.state.engine, scope.user.name, "report-download", target=f"report-job:{job.id}",
                details={"owner": job.requested_by, "period": job.period, "org_unit": job.org_unit,
                         "reveal": job.reveal})
    return FileResponse(job.result_file, media_type="application/zip", headers=_attachment(job.download_name))


def _attachment(name: str) -> dict[str, str]:
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"}


# --- pages ----------------------------------------------------------------------------------------

def _context(request: Request, scope: Scope, store: LedgerStore, **extra) -> dict[str, Any]:
    forms = _forms(request, scope, store)
    values = {"period": last_month(), "org_unit": scope.user.org_unit or "", **extra.pop("values", {})}
    recent = jobs.list_jobs(request.app.state.engine, None if scope.is_admin else scope.user.name, RECENT)
    return {"forms": forms, "departments": sorted({f.department for f in forms if f.department}),
            "units": scope.unit_choices(values.get("org_unit") or None), "values": values,
            "may_reveal": bool(forms) and may_reveal(scope, store, forms), "jobs": recent, "names": scope.orgs.names,
            "local": local_time, "errors": [], **extra}


@pages.get("/reports")
def reports_page(request: Request, scope: PageScope, store: Store):
    ReportJobs.of(request.app)
    return render(request, "reports.html", _context(request, scope, store))


async def _posted(request: Request) -> dict[str, str]:
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request, form.get("csrf"))
    return form


def _refused(request: Request, scope: Scope, store: LedgerStore, exc: YbtError, values: dict[str, str]):
    """The page again, with what was wrong in the user's language."""
    if any(p.code == "not-found" for p in exc.problems):
        raise exc
    lang = language(request)
    messages = [p.message_en if lang == "en" else str(p) for p in exc.problems]
    status = 403 if isinstance(exc, AccessDenied) else 422
    return render(request, "reports.html", _context(request, scope, store, errors=messages, values=values),
                  status_code=status)


@pages.post("/reports/download")
async def download_report(request: Request, scope: PageScope, store: Store):
    form = await _posted(request)
    return await run_in_threadpool(_download, request, scope, store, form)


def _download(request: Request, scope: Scope, store: LedgerStore, form: dict[str, str]):
    values = {k: form.get(k, "") for k in ("form", "period", "org_unit", "reveal", "purpose")}
    folder = Path(tempfile.mkdtemp(prefix="ybt-report-"))
    try:
        fd = _form(_forms(request, scope, store), form.get("form", ""))
        unit = _unit(scope, form.get("org_unit"))
        reveal = _reveal(scope, store, [fd], form.get("reveal") == "1", form.get("purpose"))
        reporter = Reporter(request.app.state.engine, reveal=reveal,
                            may_read=whole_ledger(scope.user.role, scope.grants))
        result = reporter.report(fd, form.get("period", ""), unit, folder)
    except YbtError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return _refused(request, scope, store, exc, values)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    audit.write(request.app.state.engine, scope.user.name, "report-generate", target=f"form:{fd.id}",
                purpose=values["purpose"].strip() if reveal else None,
                details={"form": fd.id, "period": result.period, "org_unit": unit, "rows": result.rows,
                         "reveal": reveal})
    return FileResponse(result.path, media_type=XLSX, headers=_attachment(result.path.name),
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


@pages.post("/reports/jobs")
async def start_job_page(request: Request, scope: PageScope, store: Store):
    form = await _posted(request)

    def run():
        values = {k: form.get(k, "") for k in ("period", "org_unit", "reveal", "purpose")}
        try:
            job = _start(request, scope, store, form.get("period", ""), form.get("org_unit"), None,
                         form.get("reveal") == "1", form.get("purpose"))
        except YbtError as exc:
            return _refused(request, scope, store, exc, values)
        return RedirectResponse(f"/reports/jobs/{job.id}", status_code=303)

    return await run_in_threadpool(run)


@pages.get("/reports/jobs/{job_id}")
def job_page(request: Request, job_id: int, scope: PageScope):
    ReportJobs.of(request.app)
    job = _visible(request, scope, job_id)
    expired = job.status == "done" and not (job.zipped and Path(job.result_file).is_file())
    return render(request, "report_job.html", {
        "job": job, "unit_name": scope.orgs.names.get(job.org_unit or "", ""), "names": scope.orgs.names,
        "problems": job.problems, "expired": expired, "keep_days": jobs.KEEP_DAYS, "local": local_time,
        "size": _size(job.result_bytes or 0)})


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{max(1, round(n / 1024))} KB"


@pages.get("/reports/jobs/{job_id}/download")
def job_download(request: Request, job_id: int, scope: PageScope):
    return _zip_response(request, scope, _visible(request, scope, job_id))


# --- the JSON API -------------------------------------------------------------------------------

class JobRequest(BaseModel):
    period: str = Field(max_length=20, description="the month, e.g. 2024-01")
    org_unit: str = Field(max_length=32, description="org unit code (this unit and below), within your scope")
    forms: list[str] | None = Field(None, max_length=500, description="form ids; default: every form you may generate")
    reveal: bool = Field(False, description="sensitive values in full (only if you may; needs a purpose; audited)")
    purpose: str | None = Field(None, max_length=500, description="why the values are needed in full")


class Job(BaseModel):
    id: int
    requested_by: str
    period: str
    org_unit: str | None
    forms: int = Field(description="how many forms the job generates")
    reveal: bool
    status: str = Field(description="queued | running | done | failed")
    done: int = Field(description="files generated so far")
    total: int
    percent: int
    rows: int
    ready: bool = Field(description="the zip can be downloaded from /api/reports/{id}/file")
    result_bytes: int | None
    summary: dict[str, Any] | None
    problems: list[dict[str, Any]] = Field(description="why a failed job failed")
    created_at: str | None
    started_at: str | None
    finished_at: str | None


class JobAnswer(BaseModel):
    ok: bool = True
    job: Job


@api_router.post("/reports", response_model=JobAnswer, status_code=202, summary="发起报表生成任务（后台生成，打包下载）")
def start_job_api(request: Request, body: JobRequest, scope: ApiScope, store: Store):
    job = _start(request, scope, store, body.period, body.org_unit, body.forms, body.reveal, body.purpose)
    return {"job": job.to_dict()}


@api_router.get("/reports/{job_id}", response_model=JobAnswer, summary="报表生成任务的进度")
def job_api(request: Request, job_id: int, scope: ApiScope):
    ReportJobs.of(request.app)
    return {"job": _visible(request, scope, job_id).to_dict()}


@api_router.get("/reports/{job_id}/file", summary="下载报表生成任务的结果（zip）",
                responses={200: {"content": {"application/zip": {}}}, 409: {"model": ErrorBody},
                           410: {"model": ErrorBody}})
def job_file_api(request: Request, job_id: int, scope: ApiScope):
    return _zip_response(request, scope, _visible(request, scope, job_id))


router = APIRouter()  # what app.py registers: the pages (not in the OpenAPI document) and the API
router.include_router(pages)
router.include_router(api_router)
