"""App factory: nothing is built at import time, so tests and servers choose their own database."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.middleware.sessions import SessionMiddleware

from yibiaotong.access.counts import CountCache
from yibiaotong.access.scope import OrgIndex
from yibiaotong.store.engine import open_store
from yibiaotong.web import (
    api,
    auth,
    errors,
    i18n,
    logs,
    pages,
    routes_admin,
    routes_alerts,
    routes_conflicts,
    routes_consolidation,
    routes_import,
    routes_ledgers,
    routes_reports,
)
from yibiaotong.web.deps import LedgerCatalog

HERE = Path(__file__).parent
API_DESCRIPTION = """数据共享接口：按调用者的权限范围返回台账和记录（敏感字段脱敏）。

Authenticate with `Authorization: Bearer <API token>` (tokens are created by administrators and act
with their user's scope) or with the browser session (then unsafe methods need `X-CSRF-Token`).
Every error has one shape: `{"ok": false, "error": code, "message": text, "details": [...]}`."""


def create_app(db: str | None = None, *, engine: Engine | None = None, secret_key: str | None = None) -> FastAPI:
    app = FastAPI(title="一表通 yibiaotong", version="0.1.0", description=API_DESCRIPTION, docs_url=None,
                  redoc_url=None, openapi_url="/openapi.json")
    engine = engine if engine is not None else open_store(db, existing=True)
    app.state.engine = engine
    app.state.login_limiter = auth.LoginLimiter()
    app.state.orgs = OrgIndex(engine)
    app.state.counts = CountCache(engine)
    app.state.catalog = LedgerCatalog(engine)
    logs.install_redaction()
    # a fresh key per process unless one is configured: sessions end when the server restarts
    key = secret_key or os.environ.get("YBT_SECRET_KEY") or secrets.token_urlsafe(32)
    app.add_middleware(SessionMiddleware, secret_key=key, session_cookie="ybt_session", same_site="lax",
                       https_only=os.environ.get("YBT_HTTPS_ONLY") == "1", max_age=8 * 3600)
    app.add_middleware(logs.SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # routes_conflicts before routes_import, whose /import/{upload_id} would take /import/conflicts
    for router in (auth.router, i18n.router, pages.router, routes_ledgers.router, routes_admin.router,
                   routes_alerts.router, routes_conflicts.router, routes_import.router, routes_consolidation.router,
                   routes_reports.router, api.public, api.router):
        app.include_router(router)
    errors.install(app)
    return app


def error_response(status: int, code: str, message: str, details=None, headers=None) -> JSONResponse:
    """The one JSON shape of every API error."""
    return JSONResponse({"ok": False, "error": code, "message": message, "details": details or []},
                        status_code=status, headers=headers)


def app_from_environment() -> FastAPI:
    """The app for `ybt serve`: database from YBT_DATABASE_URL, session key from YBT_SECRET_KEY."""
    return create_app(None)
