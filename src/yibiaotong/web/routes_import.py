"""Import pages (数据导入): upload a filled form, follow its import, see every row-level problem,
download the error workbook.

A thin layer over :func:`yibiaotong.ingest.import_file`, which does the work and reports every
problem. The upload is streamed to disk (:mod:`yibiaotong.web.import_files`, with a size limit);
:mod:`yibiaotong.web.import_scope` checks who may import what, where; then the request answers at
once with an import job and :mod:`yibiaotong.web.import_jobs` imports the file in the background.
The job's page follows its progress and then shows the result; the job, its result and its error
workbook are for the uploader (and administrators) only, to anyone else they are not there.
The JSON API: POST /api/imports (202 with the job), GET /api/imports/{id} (how far it is, then the
report), GET /api/imports/{id}/error-workbook. The queue of uncertain person links (待确认人员) is
decided here too, within the user's scope.
"""

from __future__ import annotations

import logging
import math
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Security
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from yibiaotong.access import audit
from yibiaotong.access.audit import local_time
from yibiaotong.access.redact import redact
from yibiaotong.access.scope import AccessDenied, NotInScope, Scope
from yibiaotong.elements.idnumber import mask_id_number
from yibiaotong.errors import Problem, YbtError
from yibiaotong.forms.store import load_forms
from yibiaotong.ingest import Limits, confirm_link, jobs, reject_link
from yibiaotong.ingest.plan import ledger_of
from yibiaotong.ingest.limits import MB
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.store import schema
from yibiaotong.web.api import ERRORS, ErrorBody, bearer
from yibiaotong.web.auth import check_csrf
from yibiaotong.web.deps import ApiScope, PageScope, Store
from yibiaotong.web.errors import respond_problems
from yibiaotong.web.i18n import language
from yibiaotong.web.import_files import TooLarge, read_upload
from yibiaotong.web.import_jobs import ImportJobs
from yibiaotong.web.import_scope import form_columns, importable_forms
from yibiaotong.web.render import render

log = logging.getLogger("yibiaotong.web")
pages = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", dependencies=[Security(bearer)], responses=ERRORS, tags=["数据导入"])

PAGE = 100  # problems per page
API_PROBLEMS = 1000  # problems in one API answer (all of them are in the error workbook)
LINKS_PAGE = 100
LINKS_SCAN = 5000  # pending links of the user's units looked at per page view (a count at the cap reads 5000+)
RECENT = 20


# --- accepting an upload ----------------------------------------------------------------------

async def handle_upload(request: Request, scope: Scope, store: LedgerStore, *, csrf: bool) -> jobs.ImportJob:
    """Stream the upload to disk, check the request and queue its import (page or API). Problems
    of the request itself raise, and then nothing is kept."""
    service = await run_in_threadpool(ImportJobs.of, request.app)
    limits = Limits.from_env()
    job_id, folder = service.files.new()
    try:
        try:
            upload = await read_upload(request, folder, limits.max_bytes)
        except TooLarge as exc:
            raise YbtError(Problem("file-too-large", {"size_mb": round(exc.size / MB, 1),
                                                      "limit_mb": round(limits.max_bytes / MB, 1)},
                                   {"file": "上传文件"})) from None
        if csrf:
            check_csrf(request, upload.fields.get("csrf"))
        return await run_in_threadpool(service.accept, scope, store, upload, job_id, folder, limits)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # a refused request keeps nothing
        raise


def _status_of(exc: YbtError) -> int:
    code = exc.problems[0].code if exc.problems else ""
    return {"file-too-large": 413, "import-busy": 503}.get(code, 403 if isinstance(exc, AccessDenied) else 422)


def _visible(request: Request, scope: Scope, job_id: str) -> jobs.ImportJob:
    """The job, for its uploader and for administrators; anyone else: "not there"."""
    service = ImportJobs.of(request.app)
    try:
        job = jobs.get_job(request.app.state.engine, job_id)
    except YbtError:
        raise NotInScope() from None
    if job.owner != scope.user.name and not scope.is_admin:
        raise NotInScope()
    return job.live(service.folder(job))


# --- pages ----------------------------------------------------------------------------------

def _page_context(request: Request, scope: Scope, store: LedgerStore, **extra) -> dict[str, Any]:
    engine = request.app.state.engine
    forms = [f for f in load_forms(engine) if form_columns(f, store)]
    allowed = importable_forms(scope, store, forms)
    i = schema.import_batch
    with engine.connect() as conn:
        history = conn.execute(select(i).where(i.c.actor == scope.user.name).order_by(i.c.id.desc())
                               .limit(RECENT)).mappings().all()
    titles = {f.id: f.title for f in forms}
    ImportJobs.of(request.app)  # the first use marks the jobs of a dead server failed
    recent = jobs.list_jobs(engine, scope.user.name, RECENT)
    history = [{**h, "when": local_time(h["created_at"])} for h in history]
    return {"forms": allowed, "auto": len(allowed) == len(forms) and bool(forms), "titles": titles,
            "units": scope.unit_choices(extra.get("values", {}).get("org_unit") or None),
            "own_unit": scope.user.org_unit if scope.units is not None else None,
            "recent": recent, "history": history, "local": local_time,
            "names": scope.orgs.names, "limit_mb": round(Limits.from_env().max_bytes / MB),
            "errors": [], "values": {}, "pending": _pending_count(request, scope, store), **extra}


@pages.get("/import")
def import_page(request: Request, scope: PageScope, store: Store):
    return render(request, "import.html", _page_context(request, scope, store))


@pages.post("/import")
async def upload_page(request: Request, scope: PageScope, store: Store):
    try:
        job = await handle_upload(request, scope, store, csrf=True)
    except YbtError as exc:
        if any(p.code in ("not-found",) for p in exc.problems):
            raise
        lang = language(request)
        messages = [p.message_en if lang == "en" else str(p) for p in exc.problems]
        context = await run_in_threadpool(_page_context, request, scope, store, errors=messages)
        return render(request, "import.html", context, status_code=_status_of(exc))
    return RedirectResponse(f"/import/{job.id}", status_code=303)


@pages.get("/import/links")
def links_page(request: Request, scope: PageScope, store: Store, done: str = ""):
    links, total = _links(request, scope, store)
    return render(request, "import_links.html", {"links": links, "total": total, "scan": LINKS_SCAN, "done": done})


@pages.get("/import/{upload_id}")
def result_page(request: Request, upload_id: str, scope: PageScope, page: int = 1):
    """A queued or running job: its progress (the page follows it). A finished one: its result."""
    job = _visible(request, scope, upload_id)
    report = ImportJobs.of(request.app).files.report(job.id) if job.finished else None
    problems = report["problems"] if report else []
    pages = max(1, math.ceil(len(problems) / PAGE))
    page = min(max(page, 1), pages)
    return render(request, "import_result.html", {
        "job": job, "summary": job.summary or {}, "report": report, "job_problems": job.problems,
        "expired": job.finished and job.summary is not None and report is None,
        "problems": problems[(page - 1) * PAGE: page * PAGE], "page": page, "pages": pages,
        "first": (page - 1) * PAGE, "unit_name": scope.orgs.names.get(job.org_unit or ""), "local": local_time})


@pages.get("/import/{upload_id}/errors.xlsx")
def error_workbook(request: Request, upload_id: str, scope: PageScope):
    return _workbook_response(request, scope, upload_id)


def _workbook_response(request: Request, scope: Scope, upload_id: str):
    job = _visible(request, scope, upload_id)
    path = ImportJobs.of(request.app).files.workbook(job.id)
    if path is None:
        raise NotInScope()
    audit.write(request.app.state.engine, scope.user.name, "import-download", target=f"upload:{job.id}",
                details={"file": redact(job.file_name), "owner": job.owner})
    name = f"{Path(job.file_name).stem}.错误清单.xlsx"
    return FileResponse(path, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename=\"errors.xlsx\"; "
                                                        f"filename*=UTF-8''{quote(name)}"})


# --- the queue of uncertain links (待确认人员), scoped --------------------------------------

def _links(request: Request, scope: Scope, store: LedgerStore, link_id: int | None = None
           ) -> tuple[list[dict[str, Any]], int]:
    """Pending links the user may decide, the oldest :data:`LINKS_PAGE` of them with everything the
    page shows, and how many there are: the row's unit and the proposed person's record are both in
    scope, and the user may write every ledger the row would be written to. (The first 100 pending
    links were filtered, so a clerk was told of at most 100, and missed their own behind others'.)"""
    t, s = schema.link, schema.source
    stmt = (select(t.c.id, t.c.payload, t.c.candidate_ledger, t.c.candidate_key)
            .where(t.c.status == "pending").order_by(t.c.id).limit(LINKS_SCAN))
    if scope.units is not None:
        stmt = stmt.where(t.c.org_unit.in_(scope.units))
    if link_id is not None:
        stmt = stmt.where(t.c.id == link_id)
    writable: dict[str, Any] = {}

    def may_write(ledger_id: str):
        if ledger_id not in writable:
            try:
                access = scope.ledger(store, ledger_id)
            except YbtError:
                access = None
            writable[ledger_id] = access if access is not None and access.may_write else None
        return writable[ledger_id]

    engine = request.app.state.engine
    with engine.connect() as conn:
        rows = [r for r in conn.execute(stmt).mappings() if may_write(r["candidate_ledger"])
                and all(may_write(ledger_of(lid)) for lid in (r["payload"] or {}).get("ledgers", {}))]
        found = {}  # (ledger, key) -> the proposed person's record
        for ledger_id in {r["candidate_ledger"] for r in rows}:
            table = writable[ledger_id].table
            keys = sorted({r["candidate_key"] for r in rows if r["candidate_ledger"] == ledger_id})
            for start in range(0, len(keys), 500):
                for record in conn.execute(select(table.c._id, table.c._key, table.c._org_unit).where(
                        table.c._key.in_(keys[start:start + 500]))):
                    found[(ledger_id, record._key)] = record
        decidable = []
        for r in rows:
            record = found.get((r["candidate_ledger"], r["candidate_key"]))
            if record is not None and (scope.units is None or record._org_unit in scope.units):
                decidable.append((r, record))
        first = decidable[:LINKS_PAGE]
        details = {d["id"]: d for d in conn.execute(
            select(t.c.id, t.c.org_unit, t.c.payload, t.c.shown, t.c.candidate_ledger, t.c.candidate_key,
                   t.c.probability, t.c.evidence, t.c.sheet, t.c.source_row, t.c.created_at, s.c.file_name)
            .join(s, s.c.id == t.c.source_id).where(t.c.id.in_([r["id"] for r, _ in first]))).mappings()}
    out = []
    for r, record in first:
        d = details[r["id"]]
        access = writable[r["candidate_ledger"]]
        out.append({**dict(d), "record_id": record._id, "record_unit": scope.orgs.names.get(record._org_unit, ""),
                    "unit": scope.orgs.names.get(d["org_unit"] or "", ""), "candidate": mask_id_number(
                        d["candidate_key"]), "ledger_name": access.definition.name,
                    "file_name": redact(d["file_name"] or "")})
    return out, len(decidable)


def _decided_in_scope(request: Request, scope: Scope, link_id: int) -> bool:
    """Whether the link was already decided, for a row of the user's units (anyone else: not there)."""
    t = schema.link
    with request.app.state.engine.connect() as conn:
        row = conn.execute(select(t.c.status, t.c.org_unit).where(t.c.id == link_id)).first()
    return (row is not None and row.status != "pending"
            and (scope.units is None or row.org_unit in scope.units))


def _pending_count(request: Request, scope: Scope, store: LedgerStore) -> int:
    return _links(request, scope, store)[1]


@pages.post("/import/links/{link_id}")
async def decide_link(request: Request, link_id: int, scope: PageScope, store: Store):
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    decision = str(form.get("decision", ""))

    def run():
        if decision not in ("confirm", "reject"):
            raise YbtError(Problem("invalid-request", {"reason": "请选择“是同一人”或“不是同一人”",
                                                       "reason_en": "decision must be confirm or reject"}))
        if not _links(request, scope, store, link_id)[0]:
            if _decided_in_scope(request, scope, link_id):  # a second click, another tab, a colleague
                return RedirectResponse("/import/links?done=decided", status_code=303)
            raise NotInScope()
        try:
            if decision == "confirm":
                result = confirm_link(request.app.state.engine, link_id, by=scope.user.name, store=store)
                for ledger_id in result.get("ledgers", {}):
                    request.app.state.counts.forget(ledger_id)
            else:
                reject_link(request.app.state.engine, link_id, by=scope.user.name)
        except YbtError as exc:
            if exc.problems and exc.problems[0].code == "link-decided":  # decided meanwhile
                return RedirectResponse("/import/links?done=decided", status_code=303)
            raise
        audit.write(request.app.state.engine, scope.user.name, f"link-{decision}", target=f"link:{link_id}")
        return RedirectResponse(f"/import/links?done={decision}", status_code=303)

    return await run_in_threadpool(run)


# --- the JSON API ---------------------------------------------------------------------------

UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "a filled .xlsx / .xls / .csv"},
        "form": {"type": "string", "description": "form id; empty: recognise each sheet"},
        "period": {"type": "string", "description": "report period, e.g. 2024-01"},
        "org_unit": {"type": "string", "description": "org unit code the rows belong to (within your scope)"},
        "strict": {"type": "boolean", "description": "any wrong row rejects the whole file"}}}}}}}


class ImportJobOut(BaseModel):
    id: str
    owner: str
    file: str = Field(description="the uploaded file's name")
    file_bytes: int
    form: str | None = Field(description="the form chosen; null: recognised per sheet")
    org_unit: str | None
    period: str | None
    strict: bool
    status: str = Field(description="queued | running | done | failed")
    rows_done: int = Field(description="rows read so far")
    rows_total: int | None = Field(description="rows in the file, when known")
    percent: int | None
    result: str | None = Field(description="once finished: imported | no-change | already-imported | rejected | failed")
    message: str | None = Field(description="once finished: what happened, in one sentence")
    error: dict[str, Any] | None = Field(description="a failed job: the first problem's code and message")
    problems: list[dict[str, Any]] = Field(description="a failed job: the problems that stopped it (the first ones)")
    summary: dict[str, Any] | None
    url: str = Field(description="where to follow it: GET this URL")
    page: str = Field(description="the job's page in the web app")
    created_at: str | None
    started_at: str | None
    finished_at: str | None


class ImportJobAnswer(BaseModel):
    ok: bool = True
    job: ImportJobOut
    import_: dict[str, Any] | None = Field(
        None, alias="import", description="once finished and while kept (a day): the import's report — every sheet, "
        "the first 1,000 problems and warnings with their totals, and the error workbook's URL")


def api_answer(request: Request, job: jobs.ImportJob) -> dict[str, Any]:
    """The job, and once it has finished the report as POST /api/imports answered it before it ran
    in the background."""
    files = ImportJobs.of(request.app).files
    out = {**job.to_dict(), "url": f"/api/imports/{job.id}", "page": f"/import/{job.id}", "error": None}
    if job.problems:
        first = job.problems[0]
        out["error"] = {"code": first.code,
                        "message": first.message_en if language(request) == "en" else first.message_zh}
    report = files.report(job.id) if job.finished else None
    if report is not None:
        url = f"/api/imports/{job.id}/error-workbook" if files.workbook(job.id) else None
        report = {**report, "id": job.id, "problems": report["problems"][:API_PROBLEMS],
                  "warnings": report["warnings"][:API_PROBLEMS], "problems_total": len(report["problems"]),
                  "warnings_total": len(report["warnings"]), "error_workbook": url}
    return {"ok": True, "job": out, "import": report}


@api_router.post("/imports", summary="上传一个填好的报表文件（multipart），在后台导入", status_code=202,
                 response_model=ImportJobAnswer, openapi_extra=UPLOAD_BODY,
                 responses={413: {"model": ErrorBody}, 503: {"model": ErrorBody}},
                 description="The same checks as the import page: a request that may not run (a form or org unit "
                             "outside your rights, no file, a file over the size limit) is answered at once in the "
                             "one error shape. Otherwise the file is imported in the background and the answer is "
                             "202 with the job (`Location` and `job.url` say where to follow it). "
                             "GET /api/imports/{id} tells how far it is; once `status` is `done` (rows stored, or "
                             "nothing new) or `failed` (the file refused, rejected in strict mode, or the run "
                             "broke off), `import` holds the report with every row's problem, and rows that were "
                             "not imported can be downloaded as an error workbook. 503 `import-busy`: on SQLite "
                             "another import holds the database; upload again shortly.")
async def api_import(request: Request, scope: ApiScope, store: Store):
    try:
        job = await handle_upload(request, scope, store, csrf=False)
    except YbtError as exc:
        if not exc.problems or any(p.code == "not-found" for p in exc.problems):
            raise
        return respond_problems(request, exc.problems, _status_of(exc))
    body = await run_in_threadpool(api_answer, request, job)
    return JSONResponse(body, status_code=202, headers={"Location": body["job"]["url"]})


@api_router.get("/imports/{import_id}", response_model=ImportJobAnswer, summary="导入任务的进度与结果",
                description="Only the uploader and administrators see a job; to anyone else it does not exist (404).")
def api_import_job(request: Request, import_id: str, scope: ApiScope):
    return api_answer(request, _visible(request, scope, import_id))


@api_router.get("/imports/{import_id}/error-workbook", summary="下载导入时未导入的行（错误清单）",
                response_class=FileResponse,
                responses={200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
def api_error_workbook(request: Request, import_id: str, scope: ApiScope):
    return _workbook_response(request, scope, import_id)


router = APIRouter()  # what app.py registers: the pages (not in the OpenAPI document) and the API
router.include_router(pages)
router.include_router(api_router)
