"""Login, logout, CSRF tokens and login rate limiting."""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict, deque

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from yibiaotong.access.users import User, authenticate, get_user
from yibiaotong.web.render import render

router = APIRouter()
WINDOW_SECONDS = 300
# per user name, and per client address: a township office shares one address behind NAT,
# so the address limit is looser than the per-user one
LIMITS = {"user": 5, "ip": 20}


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


def check_csrf(request: Request, token: str) -> None:
    expected = request.session.get("csrf")
    if not expected or not secrets.compare_digest(expected, token or ""):
        raise HTTPException(status_code=403, detail="页面已过期或来源不明（CSRF 校验失败），请刷新页面后重试。")


def current_user(request: Request) -> User | None:
    name = request.session.get("user")
    return get_user(request.app.state.engine, name) if name else None


class LoginRequired(Exception):
    pass


def require_user(request: Request) -> User:
    user = current_user(request)
    if user is None:
        raise LoginRequired()
    return user


@router.get("/login")
def login_page(request: Request, next: str = "/"):
    return render(request, "login.html", {"next": next, "error": None})


@router.post("/login")
def login(request: Request, username: str = Form(...), password: str = Form(...), csrf: str = Form(""),
          next: str = Form("/")):
    check_csrf(request, csrf)
    limiter: LoginLimiter = request.app.state.login_limiter
    client = request.client.host if request.client else "?"
    keys = (f"user:{username}", f"ip:{client}")
    if limiter.blocked(*keys):
        return render(request, "login.html", {"next": next, "error": "登录失败次数过多，请5分钟后再试。"}, status_code=429)
    user = authenticate(request.app.state.engine, username, password)
    if user is None:
        limiter.fail(*keys)
        return render(request, "login.html", {"next": next, "error": "用户名或密码错误。"}, status_code=401)
    limiter.clear(f"user:{username}")
    request.session.clear()
    request.session["user"] = user.name
    return RedirectResponse(next if next.startswith("/") and not next.startswith("//") else "/", status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")):
    check_csrf(request, csrf)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
