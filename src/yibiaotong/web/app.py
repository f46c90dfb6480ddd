"""App factory: nothing is built at import time, so tests and servers choose their own database."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from yibiaotong.errors import YbtError
from yibiaotong.store.engine import open_store
from yibiaotong.web import auth, pages

HERE = Path(__file__).parent


def create_app(db: str | None = None, *, secret_key: str | None = None) -> FastAPI:
    app = FastAPI(title="一表通 yibiaotong", version="0.1.0", docs_url=None, redoc_url=None)
    app.state.engine = open_store(db)
    app.state.login_limiter = auth.LoginLimiter()
    # a fresh key per process unless one is configured: sessions end when the server restarts
    key = secret_key or os.environ.get("YBT_SECRET_KEY") or secrets.token_urlsafe(32)
    app.add_middleware(SessionMiddleware, secret_key=key, session_cookie="ybt_session", same_site="lax",
                       https_only=os.environ.get("YBT_HTTPS_ONLY") == "1", max_age=8 * 3600)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(auth.router)
    app.include_router(pages.router)

    @app.exception_handler(auth.LoginRequired)
    async def login_required(request: Request, _exc: auth.LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    @app.exception_handler(YbtError)
    async def ybt_error(_request: Request, exc: YbtError) -> JSONResponse:
        return error_response(400, exc.to_dict()["error"], exc.problems[0].message_zh if exc.problems else "",
                              [p.to_dict() for p in exc.problems])

    return app


def error_response(status: int, code: str, message: str, details=None) -> JSONResponse:
    """The one JSON shape of every API error."""
    return JSONResponse({"ok": False, "error": code, "message": message, "details": details or []}, status_code=status)
