"""Ledger pages: the list of ledgers in scope, browsing one, a record with its history, edit and reveal."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool

from yibiaotong.access import records
from yibiaotong.elements.dates import today as china_today
from yibiaotong.errors import YbtError
from yibiaotong.web import browse, forms, routes_alerts
from yibiaotong.web.auth import check_csrf
from yibiaotong.web.deps import PageScope, Store
from yibiaotong.web.i18n import language, translate
from yibiaotong.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/ledgers")
def ledgers(request: Request, scope: PageScope, store: Store):
    counts = request.app.state.counts
    rows = [(a, counts.in_scope(a)) for a in scope.ledgers(store)]
    return render(request, "ledgers.html", {"rows": rows, "scope": scope})


@router.get("/ledgers/{ledger_id}")
def ledger_page(request: Request, ledger_id: str, scope: PageScope, store: Store, org_unit: str = "", q: str = "",
                filter: list[str] = Query(default=[]), fc: str = "", fv: str = "", sort: str = "", desc: bool = False,
                cursor: str = ""):
    access = scope.ledger(store, ledger_id)
    errors: list[str] = []
    if fc:  # the page's one-filter form adds to the filters already chosen
        try:  # a value the column cannot hold is said beside the form; the other choices stay
            records.check_filter(access, store.dictionary, fc, fv)
            filter = [*filter, f"{fc}:{fv}"]
        except YbtError as exc:
            errors = _messages(request, access, store, exc)
    query = browse.build_query(scope, access, org_unit=org_unit or None, q=q, filters=filter, sort=sort, desc=desc)
    page = records.browse(request.app.state.engine, access, store.dictionary, query, cursor or None)
    narrowed = bool(query.search or query.filters)
    count = None if narrowed else request.app.state.counts.in_scope(access, query.units)
    params = {"org_unit": org_unit, "q": q, "filter": filter, "sort": sort, "desc": "1" if desc else ""}
    return render(request, "ledger.html", {
        "access": access, "columns": browse.column_info(store.dictionary, access), "page": page,
        "rows": _table_rows(request, store, access, page.rows),
        "count": count, "units": scope.unit_choices(org_unit or None), "params": params, "org_unit": org_unit, "q": q,
        "filters": [(f, browse.filter_label(store.dictionary, access, *browse.parse_filters([f]).popitem()))
                    for f in filter],
        "sort": sort, "desc": desc, "cursor": cursor, "errors": errors, "fc": fc if errors else "",
        "fv": fv if errors else ""})


def _beside_field(p, lang: str) -> str:
    """A problem shown next to its field: what is wrong and how to fix it, no location."""
    return p.message_en if lang == "en" else p.advice_zh


def _messages(request: Request, access, store, exc: YbtError) -> list[str]:
    """A filter's problems for the page: the column by its label, in the user's language."""
    lang = language(request)
    out = []
    for p in exc.problems:
        column = p.location.get("column")
        label = browse.column_label(store.dictionary, access, column) if column else ""
        text = _beside_field(p, lang)
        out.append(f"{label}：{text}" if label else text)
    return out


def _table_rows(request: Request, store, access, rows) -> list[tuple[int, str, Markup]]:
    """(record number, org unit name, the row's cells as HTML). The cells are joined here, not in the
    template: Jinja's per-cell lookups made a 50-row page cost 4 ms of the server's CPU; this costs 0.4."""
    names = request.app.state.orgs.names
    masked = [name in access.masked for name in access.columns]
    out = []
    for r in rows:
        values = records.values(store.dictionary, access, r)
        cells = "".join(f'<td class="masked">{escape(values[n])}</td>' if m else f"<td>{escape(values[n])}</td>"
                        for n, m in zip(access.columns, masked))
        out.append((r["_id"], names.get(r["_org_unit"], r["_org_unit"]), Markup(cells)))
    return out


def _record_context(request: Request, scope, store, access, row, as_of: date | None = None, *,
                    run_checks: bool = False, **extra):
    orgs = request.app.state.orgs
    columns = browse.column_info(store.dictionary, access)
    as_of = as_of or china_today()
    return {"access": access, "row": row, "key": records.public_key(store.dictionary, access, row),
            "labels": {"_org_unit": translate(request, "ledger.unit"), **{c["name"]: c["label"] for c in columns}},
            "unit": orgs.names.get(row["_org_unit"], row["_org_unit"]),
            "columns": columns,
            "values": records.values(store.dictionary, access, row),
            "history": records.history_in_words(store, access, records.history(store, access, row), orgs.names),
            "fields": forms.fields(store.dictionary, access, row, extra.pop("submitted", None)),
            "alerts": routes_alerts.record_alerts(request, scope, access, row),
            # the policies read several ledgers (~0.3 s): they run when asked, not on every view
            "checks": (routes_alerts.record_checks(request, scope, store, access, row, as_of) if run_checks
                       else routes_alerts.checks_offer(access, as_of)),
            "revealed": {}, "reveal_error": None, "conflict": None, "errors": {}, "saved": False, **extra}


@router.get("/ledgers/{ledger_id}/records/{record_id}")
def record_page(request: Request, ledger_id: str, record_id: int, scope: PageScope, store: Store, saved: bool = False,
                as_of: date | None = None, check: bool = False):
    access = scope.ledger(store, ledger_id)
    row = records.find(request.app.state.engine, access, record_id)
    return render(request, "record.html", _record_context(request, scope, store, access, row, as_of, saved=saved,
                                                          run_checks=check or as_of is not None))


async def _form(request: Request) -> dict[str, str]:
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request, form.get("csrf"))
    return form


@router.post("/ledgers/{ledger_id}/records/{record_id}")
async def edit_record(request: Request, ledger_id: str, record_id: int, scope: PageScope, store: Store):
    form = await _form(request)
    return await run_in_threadpool(_edit, request, ledger_id, record_id, scope, store, form)


def _edit(request: Request, ledger_id: str, record_id: int, scope, store, form: dict[str, str]):
    access = scope.ledger(store, ledger_id)
    row = records.find(request.app.state.engine, access, record_id)
    try:
        version = int(form.get("version", ""))
    except ValueError:
        version = -1
    changed = forms.changes(access, row, form)
    try:
        records.edit(store, access, row, changed, version=version, actor=scope.user.name)
    except YbtError as exc:
        if not any(p.code in ("version-conflict", "invalid-request") or "column" in p.location for p in exc.problems):
            raise
        lang = language(request)
        conflict = next((p for p in exc.problems if p.code == "version-conflict"), None)
        # next to its field a problem needs no location, only what is wrong and how to fix it
        errors = {p.location["column"]: _beside_field(p, lang)
                  for p in exc.problems if "column" in p.location}
        fresh = records.find(request.app.state.engine, access, record_id) if conflict else row
        context = _record_context(request, scope, store, access, fresh, submitted=form, errors=errors,
                                  conflict=(conflict.message_en if lang == "en" else str(conflict)) if conflict else None)
        return render(request, "record.html", context, status_code=409 if conflict else 422)
    request.app.state.counts.forget(ledger_id)
    return RedirectResponse(f"/ledgers/{ledger_id}/records/{record_id}?saved=1", status_code=303)


@router.post("/ledgers/{ledger_id}/records/{record_id}/reveal")
async def reveal_value(request: Request, ledger_id: str, record_id: int, scope: PageScope, store: Store):
    form = await _form(request)
    return await run_in_threadpool(_reveal, request, ledger_id, record_id, scope, store, form)


def _reveal(request: Request, ledger_id: str, record_id: int, scope, store, form: dict[str, str]):
    access = scope.ledger(store, ledger_id)
    row = records.find(request.app.state.engine, access, record_id)
    column = form.get("column", "")
    try:
        value = records.reveal(request.app.state.engine, store.dictionary, access, row, column, form.get("purpose", ""),
                               actor=scope.user.name)
    except YbtError as exc:
        if exc.problems[0].code != "purpose-required":
            raise
        lang = language(request)
        problem = exc.problems[0]
        context = _record_context(request, scope, store, access, row, reveal_error=(
            column, problem.message_en if lang == "en" else problem.advice_zh))
        return render(request, "record.html", context, status_code=422)
    return render(request, "record.html", _record_context(request, scope, store, access, row,
                                                          revealed={column: value}))
