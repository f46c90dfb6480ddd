"""Errors: JSON in one shape for /api, a plain page (in the user's language) for the browser."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from yibiaotong.errors import Problem, YbtError
from yibiaotong.web import auth
from yibiaotong.web.i18n import language
from yibiaotong.web.render import render

log = logging.getLogger("yibiaotong.web")

STATUS_BY_CODE = {
    "login-required": 401, "forbidden": 403, "not-found": 404, "record-not-found": 404, "unknown-ledger": 404,
    "version-conflict": 409, "duplicate-id": 409, "ledger-exists": 409, "column-exists": 409,
    "database-error": 409, "internal-error": 500,  # a database error here is mostly a unique key taken meanwhile
}
CODE_BY_STATUS = {401: "login-required", 403: "forbidden", 404: "not-found", 405: "invalid-request",
                  422: "invalid-request", 500: "internal-error"}


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api")


def status_of(problems: list[Problem]) -> int:
    """The most serious status among the problems; value problems are 422."""
    return max((STATUS_BY_CODE.get(p.code, 422) for p in problems), default=422)


def problem_body(problems: list[Problem], lang: str) -> tuple[str, str, list[dict]]:
    first = problems[0]
    message = first.message_en if lang == "en" else first.message_zh
    return first.code, message, [p.to_dict() for p in problems]


def _sanitized(problems: list[Problem]) -> list[Problem]:
    # a database error's reason may quote SQL parameters (values): the client gets none of it
    return [Problem("database-error", {"reason": "—"}) if p.code == "database-error" else p for p in problems]


def respond_problems(request: Request, problems: list[Problem], status: int | None = None, headers=None):
    from yibiaotong.web.app import error_response

    problems = _sanitized(problems)
    status = status or status_of(problems)
    lang = language(request)
    code, message, details = problem_body(problems, lang)
    if status >= 500:
        details = []
    if is_api(request):
        return error_response(status, code, message, details, headers)
    try:
        return render(request, "error.html", {"status": status, "message": message, "problems": problems},
                      status_code=status)
    except Exception:  # the page itself failed (database down …): plain text still tells the user
        log.exception("error page failed")
        return PlainTextResponse(f"{status} {message}", status_code=status)


def install(app: FastAPI) -> None:
    @app.exception_handler(auth.LoginRequired)
    async def login_required(request: Request, _exc: auth.LoginRequired):
        if is_api(request):
            return respond_problems(request, [Problem("login-required")], 401, {"WWW-Authenticate": "Bearer"})
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    @app.exception_handler(YbtError)
    async def ybt_error(request: Request, exc: YbtError):
        if any(p.code == "database-error" for p in exc.problems):
            log.error("database error on %s %s: %s", request.method, request.url.path, exc)
        return respond_problems(request, exc.problems or [Problem("internal-error")])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code = CODE_BY_STATUS.get(exc.status_code, "invalid-request" if exc.status_code < 500 else "internal-error")
        if code in ("forbidden", "invalid-request"):
            problem = Problem(code, {"reason": str(exc.detail), "reason_en": str(exc.detail)})
        else:
            problem = Problem(code)
        return respond_problems(request, [problem], exc.status_code, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        # name the fields, never echo the input (it may be an ID number)
        fields = ["/".join(str(x) for x in e.get("loc", ())) for e in exc.errors()]
        reason = "参数不符合要求：" + "，".join(fields)
        problems = [Problem("invalid-request", {"reason": reason, "reason_en": "invalid parameters: " + ", ".join(fields)})]
        return respond_problems(request, problems, 422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return respond_problems(request, [Problem("internal-error")], 500)
