"""Review decisions made in the web app (网页审核决定), kept in the database with who and when.

Each decision is one entry of the audit log (action ``consolidation-decide``; details: form,
file, sheet, header path, action, element, note — names of fields and elements, never a person's
values). The newest entry for a field wins, as a newer ``ybt decide`` replaces an older one in
decisions.yaml: ``decisions()`` replays the entries through :meth:`Decisions.decide_field`, so the
web and the command line keep and apply decisions with the same code. ``export()`` writes them
into a pack's decisions.yaml, which every ``ybt consolidate`` run re-applies.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, select

from yibiaotong.access import audit
from yibiaotong.consolidate.review import ACTIONS, Decisions
from yibiaotong.errors import Problem, YbtError
from yibiaotong.store.schema import audit as audit_table

ACTION = "consolidation-decide"
EXPORT_ACTION = "consolidation-export"


@dataclass(frozen=True)
class StoredDecision:
    id: int
    at: datetime
    by: str | None
    form: str | None
    file: str
    sheet: str | None
    header: str
    action: str
    element: str | None
    note: str | None

    @property
    def key(self) -> tuple[str, str | None, str]:
        return self.file, self.sheet, self.header


def record(engine: Engine, *, form: str, file: str, sheet: str | None, header: str, action: str,
           element: str | None = None, note: str | None = None, by: str, elements: Container[str]) -> StoredDecision:
    """Check and keep one decision; ``elements`` are the ids a field may be reassigned to.

    Nothing is written when the decision is invalid (a YbtError says what and where)."""
    element = (element or "").strip() or None if action == "reassign" else None
    note = (note or "").strip() or None
    where = {"file": Path(file).name, "sheet": sheet, "header": header}
    if action not in ACTIONS:
        raise YbtError(Problem("invalid-request", {"reason": f"审核操作应为 {'、'.join(ACTIONS)} 之一",
                                                   "reason_en": f"the action must be one of {', '.join(ACTIONS)}"}, where))
    if action == "reassign" and not element:
        raise YbtError(Problem("invalid-request", {"reason": "改派须指定数据元：请在查找框中输入名称或别名，从结果中选择",
                                                   "reason_en": "reassigning needs an element: search and pick one"}, where))
    if action == "reassign" and element not in elements:
        raise YbtError(Problem("unknown-element", {"element": element}, where))
    details = {"form": form, "file": Path(file).name, "sheet": sheet, "header": header, "action": action,
               "element": element, "note": note}
    audit.write(engine, by, ACTION, target=f"form:{form} field:{header}", details=details)
    return next(s for s in reversed(stored(engine, form=form)) if s.header == header)


def stored(engine: Engine, *, form: str | None = None) -> list[StoredDecision]:
    """Every decision kept, oldest first (``form``: only that form's)."""
    stmt = select(audit_table).where(audit_table.c.action == ACTION).order_by(audit_table.c.id)
    with engine.connect() as conn:
        rows = conn.execute(stmt).mappings().all()
    out = []
    for r in rows:
        d = r["details"] or {}
        if form is not None and d.get("form") != form:
            continue
        out.append(StoredDecision(r["id"], r["at"], r["actor"], d.get("form"), d.get("file", ""), d.get("sheet"),
                                  d.get("header", ""), d.get("action", ""), d.get("element"), d.get("note")))
    return out


def latest(decisions: Iterable[StoredDecision]) -> dict[tuple[str, str | None, str], StoredDecision]:
    """The decision in force per field (file, sheet, header)."""
    return {s.key: s for s in decisions}


def decisions(kept: Iterable[StoredDecision], base: Decisions | None = None) -> Decisions:
    """``base`` (e.g. a pack's decisions.yaml) with the kept decisions replayed over it, newest last."""
    out = Decisions(list(base.fields), list(base.elements), list(base.ledgers), base.path) if base else Decisions()
    for s in kept:
        out.decide_field(s.file, s.header, s.action, s.element, s.sheet, s.by, s.note)
    return out


def export(engine: Engine, path: str | Path, forms: Container[str], *, by: str) -> int:
    """Write the decisions kept for ``forms`` into the decisions file at ``path`` (created if
    missing; decisions already there on other fields stay); returns how many were written."""
    kept = [s for s in latest(stored(engine)).values() if s.form in forms]
    merged = decisions(kept, Decisions.load(path))
    merged.save(path)
    audit.write(engine, by, EXPORT_ACTION, target=f"file:{Path(path).name}", details={"decisions": len(kept)})
    return len(kept)


__all__ = ["ACTION", "EXPORT_ACTION", "StoredDecision", "decisions", "export", "latest", "record", "stored"]
