"""Who is asking: browser sessions (login with CSRF and rate limiting) and API tokens."""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict, deque

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from yibiaotong.access import audit
from yibiaotong.access.redact import redact
from yibiaotong.access.tokens import user_for_token
from yibiaotong.access.users import User, authenticate, get_user
from yibiaotong.web.i18n import translate
from yibiaotong.web.render import render

router = APIRouter(include_in_schema=False)
WINDOW_SECONDS = 300
# per user name, and per client address: a township office shares one address behind NAT,
# so the address limit is looser than the per-user one
LIMITS = {"user": 5, "ip": 20}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class LoginLimiter:
    """Refuses logins after too many failures for one user name or one client address in WINDOW_SECONDS."""

    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                q = self._failures[key]
                while q and now - q[0] > WINDOW_SECONDS:
                    q.popleft()
                if len(q) >= LIMITS[key.split(":", 1)[0]]:
                    return True
        return False

    def fail(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures[key].append(time.monotonic())

    def clear(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return token


def check_csrf(request: Request, token: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not secrets.compare_digest(expected, token or ""):
        raise HTTPException(status_code=403, detail=translate(request, "error.csrf"))


def current_user(request: Request) -> User | None:
    """The session's user (looked up once per request: a removed user loses access at once)."""
    if "user" not in request.state._state:
        name = request.session.get("user")
        user = get_user(request.app.state.engine, name) if name else None
        # disabled, or its password reset, since this session began: the session is over
        request.state.user = user if user is not None and user.session_valid(request.session.get("at")) else None
    return request.state.user


class LoginRequired(Exception):
    pass


def require_user(request: Request) -> User:
    user = current_user(request)
    if user is None:
        raise LoginRequired()
    return user


def api_user(request: Request) -> User:
    """A token's user (Authorization: Bearer), else the browser session's; 401 without either.

    With a session, unsafe methods need the page's CSRF token in X-CSRF-Token: a cookie alone,
    which any site can make the browser send, must not change data.
    """
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        user = user_for_token(request.app.state.engine, token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise LoginRequired()
        request.state.user = user
        return user
    user = require_user(request)
    if request.method not in SAFE_METHODS:
        check_csrf(request, request.headers.get("x-csrf-token"))
    return user


def _safe_next(next: str) -> str:
    return next if next.startswith("/") and not next.startswith("//") and "\\" not in next else "/"


@router.get("/login")
def login_page(request: Request, next: str = "/"):
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login")
def login(request: Request, username: str = Form(...), password: str = Form(...), csrf: str = Form(""),
          next: str = Form("/")):
    check_csrf(request, csrf)
    engine = request.app.state.engine
    limiter: LoginLimiter = request.app.state.login_limiter
    client = request.client.host if request.client else "?"
    keys = (f"user:{username}", f"ip:{client}")
    if limiter.blocked(*keys):
        return render(request, "login.html", {"next": _safe_next(next), "error": translate(request, "login.too_many")},
                      status_code=429)
    user = authenticate(engine, username, password)
    if user is None:
        limiter.fail(*keys)
        audit.write(engine, redact(username[:100]), "login-failed", details={"client": client})
        return render(request, "login.html", {"next": _safe_next(next), "error": translate(request, "login.wrong"),
                                              "username": username[:100]}, status_code=401)
    limiter.clear(f"user:{username}")
    lang = request.session.get("lang")
    request.session.clear()  # a new session at login: no fixation of a pre-login session
    request.session["user"] = user.name
    request.session["at"] = time.time()  # when this session began (see User.session_valid)
    if lang:
        request.session["lang"] = lang
    request.state.user = user
    audit.write(engine, user.name, "login", details={"client": client})
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")):
    check_csrf(request, csrf)
    name = request.session.get("user")
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    if name:
        audit.write(request.app.state.engine, name, "logout")
    return RedirectResponse("/login", status_code=303)
