"""The pages' words in Chinese (first) and English, from one small catalogue file per language.

Each language has a main file (``zh.yaml``) and one file per feature (``zh.alerts.yaml`` …), merged
in name order; a key defined twice is an error, so features cannot silently overwrite each other.

The language is chosen with the switch in the page header and kept in the session and in a
cookie (so the login page already speaks it). A missing key falls back to Chinese, then to the key.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
COOKIE = "ybt_lang"
HERE = Path(__file__).parent
router = APIRouter(include_in_schema=False)


@cache
def catalogue(lang: str) -> dict[str, str]:
    def flatten(tree: dict, prefix: str = "") -> dict[str, str]:
        out = {}
        for k, v in tree.items():
            if isinstance(v, dict):
                out.update(flatten(v, f"{prefix}{k}."))
            else:
                out[f"{prefix}{k}"] = str(v)
        return out

    merged: dict[str, str] = {}
    for path in [HERE / f"{lang}.yaml", *sorted(HERE.glob(f"{lang}.*.yaml"))]:
        words = flatten(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        if twice := set(words) & set(merged):
            raise ValueError(f"{path.name}: keys defined twice: {sorted(twice)}")
        merged.update(words)
    return merged


def language(request: Request) -> str:
    lang = request.session.get("lang") if "session" in request.scope else None
    lang = lang or request.cookies.get(COOKIE)
    return lang if lang in LANGUAGES else DEFAULT


def text(lang: str, key: str, **params) -> str:
    template = catalogue(lang).get(key) or catalogue(DEFAULT).get(key) or key
    try:
        return template.format(**params) if params else template
    except (KeyError, IndexError, ValueError):
        return template


def translate(request: Request, key: str, **params) -> str:
    return text(language(request), key, **params)


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str, next: str = "/"):
    lang = lang if lang in LANGUAGES else DEFAULT
    target = next if next.startswith("/") and not next.startswith("//") and "\\" not in next else "/"
    response = RedirectResponse(target, status_code=303)
    request.session["lang"] = lang
    response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response
