"""Jinja2 rendering shared by every page."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def render(request: Request, name: str, context: dict, status_code: int = 200):
    from yibiaotong.web.auth import csrf_token, current_user

    return templates.TemplateResponse(
        request, name, {"user": current_user(request), "csrf": csrf_token(request), **context}, status_code=status_code)
