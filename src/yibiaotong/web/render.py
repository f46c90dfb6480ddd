"""Jinja2 rendering shared by every page: the user, the CSRF token and the words of the page's language."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates

from yibiaotong.web.i18n import language, text

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
# the templates are the installed package's: read once, not stat()ed again on every page (a sampled
# ledger page spent ~10% of its time checking whether its templates had changed on disk)
templates.env.auto_reload = False


def _query(params: dict, **changes) -> str:
    """The current query string with some parameters changed (None drops one)."""
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return "?" + urlencode(merged, doseq=True) if merged else "?"


templates.env.globals["query"] = _query


def _with_unit(label: str, unit: str | None) -> str:
    """A column's label with its unit, said once: 基本报酬（元/月）, not 基本报酬（元/月）（元/月） when
    a consolidated element's name already carries the unit its forms print."""
    if not unit or label.endswith((f"（{unit}）", f"({unit})")):
        return label
    return f"{label}（{unit}）"


templates.env.filters["with_unit"] = _with_unit


def render(request: Request, name: str, context: dict, status_code: int = 200):
    from yibiaotong.web.auth import csrf_token, current_user

    lang = language(request)

    def t(key: str, **params) -> str:
        return text(lang, key, **params)

    return templates.TemplateResponse(
        request, name, {"user": current_user(request), "csrf": csrf_token(request), "t": t, "lang": lang, **context},
        status_code=status_code)
