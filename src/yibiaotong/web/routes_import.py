"""Import pages (数据导入): upload a filled form, see every row-level problem, download the error workbook.

A thin layer over :func:`yibiaotong.ingest.import_file`, which does the work and reports every
problem. Before it runs, :mod:`yibiaotong.web.import_scope` checks who may import what, where;
:mod:`yibiaotong.web.import_files` reads the upload with a size limit and keeps its result and error
workbook for a day, for the uploader (and administrators) only. The JSON API (POST /api/imports)
does the same as the page. The queue of uncertain person links (待确认人员) is decided here too,
within the user's scope.
"""

from __future__ import annotations

import logging
import math
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Security
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from yibiaotong.access import audit
from yibiaotong.access.redact import redact
from yibiaotong.access.scope import AccessDenied, NotInScope, Scope
from yibiaotong.elements.idnumber import mask_id_number
from yibiaotong.errors import Problem, YbtError
from yibiaotong.forms.store import load_forms
from yibiaotong.ingest import ImportReport, Limits, confirm_link, import_file, reject_link
from yibiaotong.ingest.limits import MB, check_file
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.store import schema
from yibiaotong.web.api import ERRORS, bearer
from yibiaotong.web.auth import check_csrf
from yibiaotong.web.deps import ApiScope, PageScope, Store
from yibiaotong.web.i18n import language, translate
from yibiaotong.web.import_files import RECENT, ImportFiles, TooLarge, Upload, read_upload
from yibiaotong.web.import_scope import (
    choose_form,
    choose_unit,
    form_columns,
    importable_forms,
    moved_in,
)
from yibiaotong.web.render import render

log = logging.getLogger("yibiaotong.web")
pages = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", dependencies=[Security(bearer)], responses=ERRORS, tags=["数据导入"])

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".ods")
PAGE = 100  # problems per page
API_PROBLEMS = 1000  # problems in one API answer (all of them are in the error workbook)
LINKS_PAGE = 100


# --- running one import ---------------------------------------------------------------------

def _failed(name: str, problems: list[Problem]) -> ImportReport:
    return ImportReport(file=name or "—", status="failed", problems=problems)


def run_import(request: Request, scope: Scope, store: LedgerStore, upload: Upload, upload_id: str,
               folder: Path, limits: Limits) -> dict[str, Any]:
    """Check the request, import the file, keep the result; returns the upload's meta data.

    Raises AccessDenied / YbtError for requests that may not run at all (nothing is kept then)."""
    engine = request.app.state.engine
    form_id, ledger_ids = choose_form(engine, scope, store, upload.get("form"))
    unit = choose_unit(scope, upload.get("org_unit"))
    period = upload.get("period")
    report: ImportReport
    moved: dict[str, int] = {}
    if upload.path is None:
        raise YbtError(Problem("invalid-request", {"reason": "请选择要导入的文件（.xlsx、.xls 或 .csv）",
                                                   "reason_en": "choose a file to import"}))
    if upload.path.suffix.lower() not in SUFFIXES:
        report = _failed(upload.name, [Problem("file-not-spreadsheet", {}, {"file": upload.name})])
    else:
        _kind, problems = check_file(upload.path, limits)
        if problems:
            report = _failed(upload.name, problems)
        else:
            started = datetime.now(UTC)
            report = import_file(engine, upload.path, form=form_id, period=period or None, org_unit=unit,
                                 actor=scope.user.name, strict=upload.strict, error_workbook=folder / "errors.xlsx",
                                 limits=limits, dictionary=store.dictionary)
            moved = moved_in(engine, scope, report, started) if report.status == "imported" else {}
    upload.path.unlink(missing_ok=True)  # the rows are in the ledgers now, or in the error workbook
    has_workbook = bool(report.error_workbook) and (folder / "errors.xlsx").is_file()
    report.error_workbook = None  # a server path is nobody's business
    data = report.to_dict()
    data["problems"].sort(key=_place({s.sheet: i for i, s in enumerate(report.sheets)}))
    meta = {"id": upload_id, "owner": scope.user.name, "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "file": upload.name, "status": report.status, "form": form_id, "org_unit": unit, "period": period,
            "strict": upload.strict, "file_hash": report.file_hash, "rows_read": report.rows_read,
            "rows_imported": report.rows_imported, "rows_invalid": report.rows_invalid,
            "rows_queued": sum(s.rows_queued for s in report.sheets), "problems": len(report.problems),
            "has_workbook": has_workbook,
            "forms": sorted({s.form_title or s.form for s in report.sheets if s.form})}
    ImportFiles.of(request.app).save(folder, meta, data)
    for s in report.sheets:
        for ledger_id in s.ledgers:
            request.app.state.counts.forget(ledger_id)
    audit.write(engine, scope.user.name, "import", target=f"file:{redact(upload.name)}"[:300], details={
        "upload": upload_id, "status": report.status, "file_hash": report.file_hash, "form": form_id,
        "forms": [s.form for s in report.sheets], "org_unit": unit, "period": period or None,
        "strict": upload.strict, "rows_read": report.rows_read, "rows_imported": report.rows_imported,
        "rows_invalid": report.rows_invalid, **({"moved_in": moved} if moved else {})})
    if moved:
        log.warning("import %s by %s moved records from outside the user's scope into it: %s", upload_id,
                    scope.user.name, moved)
    return meta


def _place(sheets: dict[str, int]):
    """Problems in the order a clerk reads the file: sheet by sheet, row by row, column by column."""
    def key(problem: dict[str, Any]) -> tuple:
        loc = problem["location"]
        column = str(loc.get("column") or "")
        return sheets.get(loc.get("sheet"), -1), loc.get("row") or 0, len(column), column
    return key


async def handle_upload(request: Request, scope: Scope, store: LedgerStore, *, csrf: bool) -> dict[str, Any]:
    """Read and run one upload (page or API). Problems of the request itself raise."""
    files = ImportFiles.of(request.app)
    limits = Limits.from_env()
    upload_id, folder = files.new()
    try:
        try:
            upload = await read_upload(request, folder, limits.max_bytes)
        except TooLarge as exc:
            raise YbtError(Problem("file-too-large", {"size_mb": round(exc.size / MB, 1),
                                                      "limit_mb": round(limits.max_bytes / MB, 1)},
                                   {"file": "上传文件"})) from None
        if csrf:
            check_csrf(request, upload.fields.get("csrf"))
        return await run_in_threadpool(run_import, request, scope, store, upload, upload_id, folder, limits)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # a refused request keeps nothing
        raise


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
    recent = [{**m, "when": _local(datetime.fromisoformat(m["created"]))}
              for m in ImportFiles.of(request.app).recent(scope.user.name)]
    history = [{**h, "when": _local(h["created_at"])} for h in history]
    return {"forms": allowed, "auto": len(allowed) == len(forms) and bool(forms), "titles": titles,
            "units": scope.unit_choices(extra.get("values", {}).get("org_unit") or None),
            "own_unit": scope.user.org_unit if scope.units is not None else None,
            "recent": recent, "history": history,
            "names": scope.orgs.names, "limit_mb": round(Limits.from_env().max_bytes / MB),
            "errors": [], "values": {}, "pending": _pending_count(request, scope, store), **extra}


def _local(moment: datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    return moment.astimezone(audit.LOCAL).strftime("%Y-%m-%d %H:%M")


@pages.get("/import")
def import_page(request: Request, scope: PageScope, store: Store):
    return render(request, "import.html", _page_context(request, scope, store))


@pages.post("/import")
async def upload_page(request: Request, scope: PageScope, store: Store):
    try:
        meta = await handle_upload(request, scope, store, csrf=True)
    except YbtError as exc:
        if any(p.code in ("not-found",) for p in exc.problems):
            raise
        lang = language(request)
        messages = [p.message_en if lang == "en" else str(p) for p in exc.problems]
        status = 413 if exc.problems[0].code == "file-too-large" else 403 if isinstance(exc, AccessDenied) else 422
        context = await run_in_threadpool(_page_context, request, scope, store, errors=messages)
        return render(request, "import.html", context, status_code=status)
    return RedirectResponse(f"/import/{meta['id']}", status_code=303)


def _owned(request: Request, scope: Scope, upload_id: str) -> dict[str, Any]:
    """The upload's meta data, for its uploader or an administrator; anyone else gets "not there"."""
    meta = ImportFiles.of(request.app).meta(upload_id)
    if meta is None or (meta["owner"] != scope.user.name and not scope.is_admin):
        raise NotInScope()
    return meta


@pages.get("/import/links")
def links_page(request: Request, scope: PageScope, store: Store, done: str = ""):
    return render(request, "import_links.html", {"links": _links(request, scope, store), "done": done})


@pages.get("/import/{upload_id}")
def result_page(request: Request, upload_id: str, scope: PageScope, page: int = 1):
    meta = _owned(request, scope, upload_id)
    report = ImportFiles.of(request.app).report(upload_id)
    problems = report["problems"]
    pages = max(1, math.ceil(len(problems) / PAGE))
    page = min(max(page, 1), pages)
    return render(request, "import_result.html", {
        "meta": meta, "report": report, "problems": problems[(page - 1) * PAGE: page * PAGE], "page": page,
        "pages": pages, "first": (page - 1) * PAGE, "unit_name": scope.orgs.names.get(meta["org_unit"] or "")})


@pages.get("/import/{upload_id}/errors.xlsx")
def error_workbook(request: Request, upload_id: str, scope: PageScope):
    return _workbook_response(request, scope, upload_id)


def _workbook_response(request: Request, scope: Scope, upload_id: str):
    meta = _owned(request, scope, upload_id)
    path = ImportFiles.of(request.app).workbook(upload_id)
    if path is None:
        raise NotInScope()
    audit.write(request.app.state.engine, scope.user.name, "import-download", target=f"upload:{upload_id}",
                details={"file": redact(meta["file"]), "owner": meta["owner"]})
    name = f"{Path(meta['file']).stem}.错误清单.xlsx"
    return FileResponse(path, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename=\"errors.xlsx\"; "
                                                        f"filename*=UTF-8''{quote(name)}"})


# --- the queue of uncertain links (待确认人员), scoped --------------------------------------

def _links(request: Request, scope: Scope, store: LedgerStore, link_id: int | None = None) -> list[dict[str, Any]]:
    """Pending links the user may decide: the row's unit and the proposed person's record are both in
    scope, and the user may write every ledger the row would be written to."""
    t, s = schema.link, schema.source
    stmt = (select(t.c.id, t.c.org_unit, t.c.payload, t.c.shown, t.c.candidate_ledger, t.c.candidate_key,
                   t.c.probability, t.c.evidence, t.c.sheet, t.c.source_row, t.c.created_at, s.c.file_name)
            .join(s, s.c.id == t.c.source_id).where(t.c.status == "pending").order_by(t.c.id).limit(LINKS_PAGE))
    if scope.units is not None:
        stmt = stmt.where(t.c.org_unit.in_(scope.units))
    if link_id is not None:
        stmt = stmt.where(t.c.id == link_id)
    out = []
    engine = request.app.state.engine
    with engine.connect() as conn:
        rows = conn.execute(stmt).mappings().all()
        for r in rows:
            try:
                access = scope.ledger(store, r["candidate_ledger"])
                writes = [scope.ledger(store, lid) for lid in (r["payload"] or {}).get("ledgers", {})]
            except YbtError:
                continue
            if not all(a.may_write for a in [access, *writes]):
                continue
            table = access.table
            record = conn.execute(select(table.c._id, table.c._org_unit).where(
                table.c._key == r["candidate_key"])).first()
            if record is None or (scope.units is not None and record._org_unit not in scope.units):
                continue
            out.append({**dict(r), "record_id": record._id, "record_unit": scope.orgs.names.get(record._org_unit, ""),
                        "unit": scope.orgs.names.get(r["org_unit"] or "", ""), "candidate": mask_id_number(
                            r["candidate_key"]), "ledger_name": access.definition.name,
                        "file_name": redact(r["file_name"] or "")})
    return out


def _pending_count(request: Request, scope: Scope, store: LedgerStore) -> int:
    return len(_links(request, scope, store))


@pages.post("/import/links/{link_id}")
async def decide_link(request: Request, link_id: int, scope: PageScope, store: Store):
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    decision = str(form.get("decision", ""))

    def run():
        if decision not in ("confirm", "reject"):
            raise YbtError(Problem("invalid-request", {"reason": "请选择“是同一人”或“不是同一人”",
                                                       "reason_en": "decision must be confirm or reject"}))
        if not _links(request, scope, store, link_id):
            raise NotInScope()
        if decision == "confirm":
            result = confirm_link(request.app.state.engine, link_id, by=scope.user.name, store=store)
            for ledger_id in result.get("ledgers", {}):
                request.app.state.counts.forget(ledger_id)
        else:
            reject_link(request.app.state.engine, link_id, by=scope.user.name)
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


def api_result(request: Request, meta: dict[str, Any]) -> dict[str, Any]:
    report = ImportFiles.of(request.app).report(meta["id"])
    total_problems, total_warnings = len(report["problems"]), len(report["warnings"])
    url = f"/api/imports/{meta['id']}/error-workbook" if meta["has_workbook"] else None
    return {**report, "id": meta["id"], "problems": report["problems"][:API_PROBLEMS],
            "warnings": report["warnings"][:API_PROBLEMS], "problems_total": total_problems,
            "warnings_total": total_warnings, "error_workbook": url}


@api_router.post("/imports", summary="导入一个填好的报表文件（multipart），返回逐行问题",
                 openapi_extra=UPLOAD_BODY, responses={413: {"model": ERRORS[422]["model"]}},
                 description="The same checks as the import page. An import that stored its valid rows (or found "
                             "nothing new) answers 200 with the report; a file that was refused or, in strict mode, "
                             "rejected answers 422 in the one error shape with every problem in `details`. "
                             "Rows that were not imported can be downloaded as an error workbook "
                             "(`Link: <…/error-workbook>; rel=\"error-workbook\"`).")
async def api_import(request: Request, scope: ApiScope, store: Store):
    from yibiaotong.web.app import error_response

    meta = await handle_upload(request, scope, store, csrf=False)
    result = api_result(request, meta)
    if result["ok"]:
        return {"ok": True, "import": result}
    lang = language(request)
    problems = result["problems"] or [Problem("internal-error").to_dict()]
    first = problems[0]
    message = (translate(request, f"imports.status_{result['status']}") + "：" + first["message_en"]) if lang == "en" \
        else result["message"]
    headers = {"Link": f'<{result["error_workbook"]}>; rel="error-workbook"'} if result["error_workbook"] else None
    return error_response(422, first["code"], message, problems, headers)


@api_router.get("/imports/{import_id}/error-workbook", summary="下载导入时未导入的行（错误清单）",
                response_class=FileResponse,
                responses={200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
def api_error_workbook(request: Request, import_id: str, scope: ApiScope):
    return _workbook_response(request, scope, import_id)


router = APIRouter()  # what app.py registers: the pages (not in the OpenAPI document) and the API
router.include_router(pages)
router.include_router(api_router)
