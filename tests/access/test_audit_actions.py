"""Every action the audit log can hold is offered in the audit page's filter and named in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from yibiaotong.access.audit import ACTIONS
from yibiaotong.rules.alerts import ACTIONS as ALERT_ACTIONS
from yibiaotong.web.i18n import catalogue

SRC = Path(__file__).resolve().parents[2] / "src" / "yibiaotong"


def written_actions() -> set[str]:
    """The actions the code writes: literal ones, module constants, and the two built at run time."""
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"""audit\.write\([^,]+,\s*[^,]+,\s*["']([a-z-]+)["']""", text))
        found |= set(re.findall(r"""^(?:EXPORT_)?ACTION = ["']([a-z-]+)["']""", text, re.M))
    return found | {f"alert-{a}" for a in ALERT_ACTIONS} | {"alert-export", "link-confirm", "link-reject"}


def test_every_written_action_is_listed_and_named():
    written = written_actions()
    assert {"login", "reveal", "import", "report-generate", "consolidation-decide"} <= written
    assert written - set(ACTIONS) == set()
    for lang in ("zh", "en"):
        named = {k.removeprefix("action.") for k in catalogue(lang) if k.startswith("action.")}
        assert set(ACTIONS) - named == set(), lang
