"""Administration (区大数据局 only): the audit log, users, department grants and API tokens."""

from __future__ import annotations

from datetime import UTC, date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from yibiaotong.access import audit, grants, tokens, users
from yibiaotong.errors import Problem, YbtError
from yibiaotong.web.auth import check_csrf
from yibiaotong.web.deps import PageScope, Store
from yibiaotong.web.i18n import language
from yibiaotong.web.render import render

router = APIRouter(include_in_schema=False)
AUDIT_PAGE = 100
DEPARTMENTS = ["民政局", "农业农村委", "残联", "人社局", "卫健委", "退役军人事务局", "应急管理局", "住建委", "医保局"]


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@router.get("/admin/audit")
def audit_page(request: Request, scope: PageScope, actor: str = "", action: str = "", since: str = "",
               until: str = "", before: int = 0):
    scope.require_admin()
    rows = audit.entries(request.app.state.engine, actor=actor or None, action=action or None, since=_date(since),
                         until=_date(until), before_id=before or None, limit=AUDIT_PAGE + 1)
    more = len(rows) > AUDIT_PAGE
    rows = rows[:AUDIT_PAGE]
    when = {e.id: (e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC)).astimezone(audit.LOCAL).strftime("%Y-%m-%d %H:%M:%S")
            for e in rows}  # SQLite hands back naive UTC
    return render(request, "audit.html", {
        "rows": rows, "actions": audit.ACTIONS, "when": when,
        "params": {"actor": actor, "action": action, "since": since, "until": until},
        "next_before": rows[-1].id if more and rows else None})


def _admin_context(request: Request, store, **extra) -> dict:
    engine = request.app.state.engine
    all_users = users.list_users(engine)
    all_grants = grants.all_grants(engine)
    known = sorted({*DEPARTMENTS, *(u.department for u in all_users if u.department),
                    *(g.department for g in all_grants), *(d.department for d in store.ledgers() if d.department)})
    orgs = request.app.state.orgs.refresh()
    return {"users": all_users, "grants": all_grants, "tokens": tokens.list_tokens(engine), "ledgers": store.ledgers(),
            "departments": known, "roles": users.ROLES, "modes": grants.MODES,
            "units": [(c, orgs.names[c], orgs.depth(c), orgs.kinds[c]) for c in orgs.paths],
            "unit_names": orgs.names, "errors": [], "new_token": None, "notice": None, "typed": {}, **extra}


@router.get("/admin/users")
def users_page(request: Request, scope: PageScope, store: Store):
    scope.require_admin()
    return render(request, "admin.html", _admin_context(request, store))


async def _admin_post(request: Request, scope, store, action):
    """Run one admin form: CSRF checked, admins only, problems shown on the page in the user's language."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    scope.require_admin()

    def run():
        try:
            notice = action(request.app.state.engine, form)
        except YbtError as exc:
            lang = language(request)
            messages = [p.message_en if lang == "en" else str(p) for p in exc.problems]
            # what was typed comes back in its form (never the password), so only the mistake is retyped
            typed = {"path": request.url.path, **{k: str(v) for k, v in form.items() if k not in ("csrf", "password")}}
            return render(request, "admin.html", _admin_context(request, store, errors=messages, typed=typed),
                          status_code=422)
        if isinstance(notice, dict):  # a new token is shown once, on this page, and never again
            return render(request, "admin.html", _admin_context(request, store, **notice))
        return RedirectResponse("/admin/users?done=1", status_code=303)

    return await run_in_threadpool(run)


@router.post("/admin/users")
async def create_user(request: Request, scope: PageScope, store: Store):
    def action(engine, form):
        user = users.create_user(engine, str(form.get("name", "")).strip(), str(form.get("password", "")),
                                 display_name=str(form.get("display_name", "")).strip(), role=str(form.get("role", "")),
                                 org_unit=str(form.get("org_unit", "")) or None,
                                 department=str(form.get("department", "")) or None)
        users.audit_account(engine, scope.user.name, "user-create", user)
    return await _admin_post(request, scope, store, action)


@router.post("/admin/users/{name}/password")
async def reset_password(request: Request, name: str, scope: PageScope, store: Store):
    def action(engine, form):
        users.set_password(engine, name, str(form.get("password", "")))
        audit.write(engine, scope.user.name, "password-reset", target=f"user:{name}")
    return await _admin_post(request, scope, store, action)


@router.post("/admin/users/change")
async def change_user(request: Request, scope: PageScope, store: Store):
    def action(engine, form):
        name = str(form.get("name", ""))
        user = users.change_user(engine, name, actor=scope.user.name, role=str(form.get("role", "")) or None,
                                 org_unit=str(form.get("org_unit", "")) or None,
                                 department=str(form.get("department", "")).strip() or None,
                                 display_name=str(form.get("display_name", "")))
        users.audit_account(engine, scope.user.name, "user-change", user)
    return await _admin_post(request, scope, store, action)


@router.post("/admin/users/{name}/{state}")
async def disable_or_enable_user(request: Request, name: str, state: str, scope: PageScope, store: Store):
    if state not in ("disable", "enable"):
        raise YbtError(Problem("not-found"))

    def action(engine, form):
        disabling = state == "disable"
        users.set_disabled(engine, name, disabling, actor=scope.user.name)
        audit.write(engine, scope.user.name, "user-disable" if disabling else "user-enable", target=f"user:{name}")
    return await _admin_post(request, scope, store, action)


@router.post("/admin/grants")
async def set_grant(request: Request, scope: PageScope, store: Store):
    def action(engine, form):
        columns = None if form.get("all_columns") else [c for c in form.getlist("columns") if c]
        if columns is not None and not columns and form.get("column_list"):
            columns = [c.strip() for c in str(form.get("column_list")).replace("，", ",").split(",") if c.strip()]
        g = grants.set_grant(engine, str(form.get("department", "")), str(form.get("ledger_id", "")), columns=columns,
                             mode=str(form.get("mode", "read")), reveal=bool(form.get("reveal")), by=scope.user.name)
        audit.write(engine, scope.user.name, "grant-set", target=f"department:{g.department} ledger:{g.ledger_id}",
                    details={"columns": list(g.columns) if g.columns is not None else "all", "mode": g.mode,
                             "reveal": g.reveal})
    return await _admin_post(request, scope, store, action)


@router.post("/admin/grants/revoke")
async def revoke_grant(request: Request, scope: PageScope, store: Store):
    def action(engine, form):
        department, ledger_id = str(form.get("department", "")), str(form.get("ledger_id", ""))
        if grants.revoke_grant(engine, department, ledger_id):
            audit.write(engine, scope.user.name, "grant-revoke", target=f"department:{department} ledger:{ledger_id}")
    return await _admin_post(request, scope, store, action)


@router.post("/admin/tokens")
async def create_token(request: Request, scope: PageScope, store: Store):
    def action(engine, form):
        token, info = tokens.create_token(engine, str(form.get("user_name", "")), str(form.get("label", "")),
                                          by=scope.user.name)
        audit.write(engine, scope.user.name, "token-create", target=f"user:{info.user_name} token:{info.prefix}")
        return {"new_token": token}
    return await _admin_post(request, scope, store, action)


@router.post("/admin/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: int, scope: PageScope, store: Store):
    def action(engine, form):
        if tokens.revoke_token(engine, token_id):
            audit.write(engine, scope.user.name, "token-revoke", target=f"token:{token_id}")
    return await _admin_post(request, scope, store, action)
