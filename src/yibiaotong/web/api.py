"""The JSON API for machine clients (数据共享): the same scope as the pages, tokens or sessions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Security
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import select

from yibiaotong.access import records
from yibiaotong.web import browse
from yibiaotong.web.deps import ApiScope, Store

bearer = HTTPBearer(auto_error=False, description="API token created by an administrator (ybt_…)")


class ErrorBody(BaseModel):
    ok: bool = False
    error: str = Field(description="problem code, e.g. not-found, forbidden, version-conflict")
    message: str
    details: list[dict[str, Any]] = []


ERRORS = {status: {"model": ErrorBody} for status in (401, 403, 404, 422)}
router = APIRouter(prefix="/api", dependencies=[Security(bearer)], responses=ERRORS, tags=["数据共享"])
public = APIRouter(prefix="/api", tags=["系统"])


class Column(BaseModel):
    name: str
    element: str
    label: str
    label_en: str
    type: str
    codelist: str | None
    unit: str | None
    sensitivity: str
    masked: bool = Field(description="shown masked; full value only through /reveal (audited)")
    writable: bool
    revealable: bool


class LedgerSummary(BaseModel):
    id: str
    name: str
    subject: str
    department: str
    count: int = Field(description="records in your scope, approximate (counted at most a minute ago)")
    writable: bool
    reveal: bool


class LedgerDetail(LedgerSummary):
    key: list[str]
    columns: list[Column]


class LedgerList(BaseModel):
    ok: bool = True
    ledgers: list[LedgerSummary]


class RecordOut(BaseModel):
    id: int = Field(description="the record's number; use it in /records/{record_id}")
    key: str = Field(description="natural key, masked where it holds a masked column")
    org_unit: str
    org_unit_name: str
    version: int
    updated_at: str
    values: dict[str, Any]


class RecordPage(BaseModel):
    ok: bool = True
    records: list[RecordOut]
    next_cursor: str | None
    prev_cursor: str | None


class RecordDetail(BaseModel):
    ok: bool = True
    record: RecordOut


class Change(BaseModel):
    version: int
    op: str
    column: str | None
    old_value: Any = None
    new_value: Any = None
    changed_at: str
    source: dict[str, Any]


class History(BaseModel):
    ok: bool = True
    history: list[Change]


class Edit(BaseModel):
    version: int = Field(description="the version you read; a newer one on the server is a conflict (409)")
    values: dict[str, str | int | float | bool | None] = Field(description="column -> new value (null clears)")


class RevealRequest(BaseModel):
    column: str
    purpose: str = Field(description="why you need the full value, e.g. 核实低保资格 (audited)")


class Revealed(BaseModel):
    ok: bool = True
    column: str
    value: Any


class Me(BaseModel):
    ok: bool = True
    name: str
    display_name: str
    role: str
    org_unit: str | None
    department: str | None


def _summary(request: Request, access) -> dict[str, Any]:
    d = access.definition
    return {"id": d.id, "name": d.name, "subject": d.subject, "department": d.department,
            "count": request.app.state.counts.in_scope(access), "writable": access.may_write,
            "reveal": access.reveal and bool(access.masked)}


def _record(request: Request, store, access, row) -> dict[str, Any]:
    return {"id": row["_id"], "key": records.public_key(store.dictionary, access, row), "org_unit": row["_org_unit"],
            "org_unit_name": request.app.state.orgs.names.get(row["_org_unit"], ""), "version": row["_version"],
            "updated_at": row["_updated_at"].isoformat() if row["_updated_at"] else "",
            "values": records.values(store.dictionary, access, row, labels=False)}


@public.get("/health", summary="服务是否正常")
def health(request: Request) -> dict[str, bool]:
    with request.app.state.engine.connect() as conn:
        conn.execute(select(1))
    return {"ok": True}


@router.get("/me", response_model=Me, summary="当前用户")
def me(scope: ApiScope):
    u = scope.user
    return {"name": u.name, "display_name": u.display_name, "role": u.role, "org_unit": u.org_unit,
            "department": u.department}


@router.get("/ledgers", response_model=LedgerList, summary="权限范围内的台账")
def ledgers(request: Request, scope: ApiScope, store: Store):
    return {"ledgers": [_summary(request, a) for a in scope.ledgers(store)]}


@router.get("/ledgers/{ledger_id}", response_model=LedgerDetail, summary="台账定义（可见字段）")
def ledger(request: Request, ledger_id: str, scope: ApiScope, store: Store):
    access = scope.ledger(store, ledger_id)
    return {**_summary(request, access), "key": list(access.definition.key),
            "columns": browse.column_info(store.dictionary, access)}


@router.get("/ledgers/{ledger_id}/records", response_model=RecordPage, summary="记录（游标翻页）")
def ledger_records(request: Request, ledger_id: str, scope: ApiScope, store: Store,
                   org_unit: str | None = Query(None, max_length=32, description="this org unit and below"),
                   q: str = Query("", max_length=100, description="text search; masked columns match whole values"),
                   filter: list[str] = Query([], description="column:value (equality; empty value = empty)"),
                   sort: str | None = Query(None, max_length=100), desc: bool = False,
                   cursor: str | None = Query(None, max_length=2000), limit: int = Query(50, ge=1, le=500)):
    access = scope.ledger(store, ledger_id)
    query = browse.build_query(scope, access, org_unit=org_unit, q=q, filters=filter, sort=sort, desc=desc)
    page = records.browse(request.app.state.engine, access, store.dictionary, query, cursor, limit)
    return {"records": [_record(request, store, access, r) for r in page.rows], "next_cursor": page.next_cursor,
            "prev_cursor": page.prev_cursor}


@router.get("/ledgers/{ledger_id}/records/{record_id}", response_model=RecordDetail, summary="一条记录")
def record(request: Request, ledger_id: str, record_id: int, scope: ApiScope, store: Store):
    access = scope.ledger(store, ledger_id)
    row = records.find(request.app.state.engine, access, record_id)
    return {"record": _record(request, store, access, row)}


@router.get("/ledgers/{ledger_id}/records/{record_id}/history", response_model=History, summary="修改历史及来源")
def record_history(request: Request, ledger_id: str, record_id: int, scope: ApiScope, store: Store):
    access = scope.ledger(store, ledger_id)
    row = records.find(request.app.state.engine, access, record_id)
    out = []
    for h in records.history(store, access, row):
        out.append({"version": h["version"], "op": h["op"], "column": h["column_name"], "old_value": h["old_value"],
                    "new_value": h["new_value"], "changed_at": h["changed_at"].isoformat(),
                    "source": {k: h[k] for k in ("kind", "actor", "file_name", "sheet", "source_row", "period", "task")}})
    return {"history": out}


@router.patch("/ledgers/{ledger_id}/records/{record_id}", response_model=RecordDetail,
              responses={409: {"model": ErrorBody}}, summary="修改记录（带版本检查）")
def edit_record(request: Request, ledger_id: str, record_id: int, body: Edit, scope: ApiScope, store: Store):
    access = scope.ledger(store, ledger_id)
    row = records.find(request.app.state.engine, access, record_id)
    changes = {k: ("" if v is None else v) for k, v in body.values.items()}
    new = records.edit(store, access, row, changes, version=body.version, actor=scope.user.name)
    request.app.state.counts.forget(ledger_id)
    return {"record": _record(request, store, access, new)}


@router.post("/ledgers/{ledger_id}/records/{record_id}/reveal", response_model=Revealed,
             summary="查看一个脱敏字段的完整值（须填写用途，记入审计日志）")
def reveal(request: Request, ledger_id: str, record_id: int, body: RevealRequest, scope: ApiScope, store: Store):
    access = scope.ledger(store, ledger_id)
    row = records.find(request.app.state.engine, access, record_id)
    value = records.reveal(request.app.state.engine, store.dictionary, access, row, body.column, body.purpose,
                           actor=scope.user.name)
    return {"column": body.column, "value": value}
