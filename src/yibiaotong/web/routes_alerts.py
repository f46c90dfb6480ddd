"""Alerts (预警): the list in the user's scope with filters and export, one alert with its evidence,
records and history, the actions on it; the JSON list; the eligibility checks of a record's page.

Who sees and may change which alert is decided in :mod:`yibiaotong.access.alerts`.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Security
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from yibiaotong.access.alerts import AlertScope
from yibiaotong.access.audit import LOCAL, local_time
from yibiaotong.errors import Problem, YbtError
from yibiaotong.rules import STATUSES, check_all, load_policies
from yibiaotong.rules.alerts import ACTIONS
from yibiaotong.rules.definitions import SEVERITIES
from yibiaotong.web.api import ERRORS, bearer
from yibiaotong.web.auth import check_csrf
from yibiaotong.web.deps import ApiScope, PageScope, Store
from yibiaotong.web.i18n import language, translate
from yibiaotong.web.render import render, templates

router = APIRouter()
PAGE_SIZE = 50
STATUS_CHOICES = ("open", "all", *STATUSES)  # the page: open by default, "all" for every status
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUBJECT_ELEMENTS = {"person": ("id_number",), "household": ("household_head_id_number", "household_id")}


def pack() -> str:
    """The pack whose rules and policies the app shows (as `ybt rules` and `ybt check`: yongchuan)."""
    return os.environ.get("YBT_PACK", "yongchuan")


@lru_cache(maxsize=4)
def _policies(name: str):
    return load_policies(name)


def _when(value: Any) -> str:
    """A stored time in the users' calendar (SQLite hands back naive UTC)."""
    if isinstance(value, datetime):
        return local_time(value)
    return value.isoformat() if isinstance(value, date) else ("" if value is None else str(value))


templates.env.filters["local_time"] = _when


def _invalid(what: str, what_en: str) -> YbtError:
    return YbtError(Problem("invalid-request", {"reason": what, "reason_en": what_en}))


def _checked(status: str, severity: str) -> None:
    if status and status not in STATUS_CHOICES:
        raise _invalid(f"状态应为 {'、'.join(STATUS_CHOICES)} 之一", "status must be one of " + ", ".join(STATUS_CHOICES))
    if severity and severity not in SEVERITIES:
        raise _invalid(f"等级应为 {'、'.join(SEVERITIES)} 之一", "severity must be high, medium or low")


def _filters(alerts: AlertScope, status: str, rule: str, severity: str, org_unit: str) -> dict[str, Any] | None:
    _checked(status, severity)
    return alerts.filters(status=None if status in ("", "all") else status, rule_id=rule or None, severity=severity or None,
                          org_unit=org_unit or None)


# --- pages ------------------------------------------------------------------------------------------

@router.get("/alerts", include_in_schema=False)
def alerts_page(request: Request, scope: PageScope, status: str = "open", rule: str = "", severity: str = "",
                org_unit: str = "", page: int = 1):
    alerts = AlertScope(scope)
    engine = request.app.state.engine
    filters = _filters(alerts, status, rule, severity, org_unit)
    total = alerts.count(engine, filters)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows, _ = alerts.page(engine, filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    params = {"status": status, "rule": rule, "severity": severity, "org_unit": org_unit}
    return render(request, "alerts.html", {
        "rows": rows, "total": total, "page": page, "pages": pages, "params": params,
        "counts": alerts.status_counts(engine, filters), "rules": alerts.rules(engine), "severities": list(SEVERITIES),
        "statuses": list(STATUSES), "units": scope.unit_choices(org_unit or None), "sees_any": alerts.base() is not None,
        "scope": scope})


@router.get("/alerts/export", include_in_schema=False)
def export(request: Request, scope: PageScope, status: str = "open", rule: str = "", severity: str = "",
           org_unit: str = ""):
    alerts = AlertScope(scope)
    filters = _filters(alerts, status, rule, severity, org_unit)
    with tempfile.TemporaryDirectory(prefix="ybt-alerts-") as folder:
        path = Path(folder) / "alerts.xlsx"
        alerts.export(request.app.state.engine, path, filters, language(request))
        content = path.read_bytes()
    name = f"预警清单-{datetime.now(LOCAL):%Y%m%d}.xlsx"
    return Response(content, media_type=XLSX, headers={
        "content-disposition": f"attachment; filename=\"alerts.xlsx\"; filename*=UTF-8''{quote(name)}"})


def _alert_context(request: Request, alerts: AlertScope, store, alert: dict[str, Any], **extra) -> dict[str, Any]:
    status = alert["status"]
    may_act = alerts.may_act(alert)
    return {"alert": alert, "records": alerts.records(request.app.state.engine, store, alert),
            "unit": request.app.state.orgs.names.get(alert["org_unit"] or "", alert["org_unit"] or ""),
            "may_act": may_act, "actions": [a for a, (starts, *_rest) in ACTIONS.items() if status in starts] if may_act else [],
            "error": None, "error_action": None, "reason": "", "done": "", **extra}


@router.get("/alerts/{alert_id}", include_in_schema=False)
def alert_page(request: Request, alert_id: int, scope: PageScope, store: Store, done: str = ""):
    alerts = AlertScope(scope)
    alert = alerts.get(request.app.state.engine, alert_id)
    return render(request, "alert.html", _alert_context(request, alerts, store, alert,
                                                        done=done if done in ACTIONS else ""))


@router.post("/alerts/{alert_id}/{action}", include_in_schema=False)
async def act(request: Request, alert_id: int, action: str, scope: PageScope, store: Store):
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request, form.get("csrf"))
    return await run_in_threadpool(_act, request, alert_id, action, scope, store, form.get("reason", "")[:500])


def _act(request: Request, alert_id: int, action: str, scope, store, reason: str):
    alerts = AlertScope(scope)
    engine = request.app.state.engine
    try:
        alerts.act(engine, alert_id, action, reason)
    except YbtError as exc:
        problem = exc.problems[0]
        if problem.code == "alert-reason-required":
            message, status = translate(request, "alerts.reason_required"), 422
        elif problem.code == "alert-transition-invalid":
            message = problem.message_en if language(request) == "en" else problem.advice_zh
            status = 409
        else:
            raise
        context = _alert_context(request, alerts, store, alerts.get(engine, alert_id), error=message,
                                 error_action=action, reason=reason)
        return render(request, "alert.html", context, status_code=status)
    return RedirectResponse(f"/alerts/{alert_id}?done={action}", status_code=303)


# --- the record page: its alerts and eligibility checks ------------------------------------------------

def record_alerts(request: Request, scope, access, row) -> list[dict[str, Any]]:
    return AlertScope(scope).for_record(request.app.state.engine, access.id, row["_key"])


def _subject_key(access, row) -> str | None:
    """The ID number (or household number) a person's or household's record is about."""
    for element in SUBJECT_ELEMENTS.get(access.definition.subject, ()):
        column = next((c.column for c in access.definition.columns if c.element == element), None)
        if column and row.get(column):
            return str(row[column])
    return None


def checks_offer(access, as_of: date) -> dict[str, Any] | None:
    """The eligibility section before it has run: a button (None for records that are not about a
    person or a household)."""
    if access.definition.subject not in SUBJECT_ELEMENTS:
        return None
    return {"verdicts": [], "as_of": as_of, "problem": None, "pending": True}


def record_checks(request: Request, scope, store, access, row, as_of: date) -> dict[str, Any] | None:
    """Every policy's verdict about the record's person or household (None for other records). The
    check reads only what this user may read (``scope.reader``: its org units, a department's granted
    ledgers and columns); a criterion that needs more is unknown and says so, and values are masked
    as the record pages mask them."""
    if access.definition.subject not in SUBJECT_ELEMENTS:
        return None
    key = _subject_key(access, row)
    if key is None:
        return {"verdicts": [], "as_of": as_of, "problem": translate(request, "alerts.check_no_key")}
    try:
        verdicts = check_all(request.app.state.engine, key, as_of=as_of, policies=_policies(pack()),
                             dictionary=store.dictionary, reader=scope.reader(store))
    except YbtError as exc:
        lang = language(request)
        return {"verdicts": [], "as_of": as_of,
                "problem": "；".join(p.message_en if lang == "en" else p.message_zh for p in exc.problems)}
    return {"verdicts": [v.to_dict() for v in verdicts], "as_of": as_of, "problem": None}


# --- the JSON API -------------------------------------------------------------------------------------

class AlertOut(BaseModel):
    id: int = Field(description="the alert's number; its page is /alerts/{id}")
    rule_id: str
    title: str
    department: str | None
    severity: str = Field(description="high | medium | low")
    org_unit: str | None
    org_unit_name: str
    status: str = Field(description="new | acknowledged | resolved | dismissed")
    status_zh: str
    explanation: str = Field(description="in Chinese, naming the records and values, masked as the record pages "
                                         "mask them for you; （无权查看） where a value comes from a column you may not "
                                         "read or from records of other towns or villages (另有N条依据属于其他镇街/村社区)")
    action: str | None = Field(description="the suggested action")
    evidence: dict[str, Any] = Field(description="fields, rows and records (keys masked) that triggered it, masked as "
                                                 "the record pages mask them; `hidden` lists the labels whose values "
                                                 "come from columns you may not read (null), `columns` what each label "
                                                 "was read from; `withheld` for alerts kept before evidence was kept by "
                                                 "column (values dropped until the rule runs again) or, for a "
                                                 "user below the district, before records were kept with their "
                                                 "org units (records dropped too); `out_of_scope` (null when "
                                                 "nothing is left out) for a user below the district: how many "
                                                 "`records` (and whole `rows`) belong to other towns or villages "
                                                 "and are left out, `cells` the labels left out (null) in each "
                                                 "row, `note` and `note_en` saying so")
    as_of: str
    present: bool = Field(description="found again by the latest run of its rule")
    times_found: int
    first_found_at: str
    last_found_at: str
    status_changed_at: str | None
    status_changed_by: str | None
    status_reason: str | None


class AlertList(BaseModel):
    ok: bool = True
    total: int = Field(description="alerts in your scope matching the filters")
    alerts: list[AlertOut]


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


@router.get("/api/alerts", response_model=AlertList, summary="权限范围内的预警", tags=["预警"],
            dependencies=[Security(bearer)], responses=ERRORS)
def api_alerts(request: Request, scope: ApiScope,
               status: str | None = Query(None, pattern="^(open|new|acknowledged|resolved|dismissed)$",
                                          description="open = new + acknowledged"),
               rule: str | None = Query(None, pattern="^[a-z][a-z0-9_]{0,99}$", description="a rule id"),
               severity: str | None = Query(None, pattern="^(high|medium|low)$"),
               org_unit: str | None = Query(None, max_length=32, description="this org unit and below"),
               limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=1_000_000)):
    alerts = AlertScope(scope)
    filters = alerts.filters(status=status, rule_id=rule, severity=severity, org_unit=org_unit)
    rows, total = alerts.page(request.app.state.engine, filters, limit=limit, offset=offset)
    return {"total": total, "alerts": [
        {**{k: a.get(k) for k in AlertOut.model_fields}, "org_unit_name": a.get("org_unit_name") or "",
         "as_of": _iso(a["as_of"]), "first_found_at": _iso(a["first_found_at"]),
         "last_found_at": _iso(a["last_found_at"]), "status_changed_at": _iso(a["status_changed_at"])}
        for a in rows]}
