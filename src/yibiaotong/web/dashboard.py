"""The overview page (概览): burden figures, charts and what is new — counted within the user's scope.

- Form and field figures (forms → ledgers, fields served, clerk minutes saved) describe the
  installed catalogue, not anyone's records: everyone sees the same (``stats.form_burden``).
- Records are counted only in the ledgers the user sees and only in the org units of their scope
  (``CountCache`` per ledger and unit, summed over the scope), so neither a total nor a bar tells
  anything about records outside it.
- What is new: the latest imports into the scope (``ybt_import``: the unit for town, village and
  grid users; the department's own forms for department users) and the latest alerts the user
  may see (``access.alerts.AlertScope``, the same rule as the alerts page).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select

from yibiaotong.access.alerts import AlertScope
from yibiaotong.access.audit import local_time
from yibiaotong.access.counts import CountCache
from yibiaotong.access.scope import Scope
from yibiaotong.consolidate.installed import pack_folder
from yibiaotong.forms.store import load_forms
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.stats import burden_constants, form_burden
from yibiaotong.store import schema
from yibiaotong.web.charts import Bar, bar_chart, top

RECENT = 5
TOP_LEDGERS = 10
UNITS = 24


@dataclass
class Overview:
    burden: dict[str, Any] | None  # None: no form installed yet
    ledgers_total: int
    ledgers_visible: int
    records: int  # in scope
    charts: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # what a chart leaves out
    imports: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] | None = None  # None: the user sees no alerts at all
    alerts_open: int = 0


class BurdenCache:
    """The catalogue's burden figures and forms per department, recomputed when forms change
    (checked at most every ``check`` seconds: a count and the newest form id are cheap)."""

    def __init__(self, engine: Engine, check: float = 30.0):
        self.engine, self.check = engine, check
        self._value: tuple[dict[str, Any], Counter] | None = None
        self._signature: tuple | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def get(self) -> tuple[dict[str, Any], Counter] | None:
        with self._lock:
            if self._value is None or time.monotonic() - self._checked > self.check:
                with self.engine.connect() as conn:
                    signature = tuple(conn.execute(select(func.count(), func.max(schema.form.c.id),
                                                          func.min(schema.form.c.pack))
                                                   .select_from(schema.form)).one())
                if signature != self._signature or self._value is None:
                    self._value, self._signature = self._compute(), signature
                self._checked = time.monotonic()
            return self._value if self._value[0]["forms"] else None

    def _compute(self) -> tuple[dict[str, Any], Counter]:
        forms = load_forms(self.engine)
        with self.engine.connect() as conn:
            packs = conn.execute(select(schema.form.c.pack, func.count(), func.min(schema.form.c.template_path))
                                 .group_by(schema.form.c.pack)).all()
        constants = burden_constants(None)
        if packs:  # the constants of the pack most forms come from (burden.yaml)
            pack, _n, template = max(packs, key=lambda r: r[1])
            constants = burden_constants(pack_folder(pack, template))
        return form_burden(forms, constants), Counter(fd.department or "" for fd in forms)


def overview(engine: Engine, scope: Scope, store: LedgerStore, counts: CountCache, burden: BurdenCache,
             t: Callable[..., str]) -> Overview:
    accesses = scope.ledgers(store)
    figures = burden.get()
    out = Overview(figures[0] if figures else None, len(store.ledgers()), len(accesses), 0)
    per_ledger, per_unit = {}, Counter()
    for a in accesses:
        counted = counts.per_unit(a)
        units = counted if a.units is None else {u: counted[u] for u in a.units if u in counted}
        per_ledger[a.id] = sum(units.values())
        per_unit.update(units)
    out.records = sum(per_ledger.values())
    by_subject = Counter()
    for a in accesses:
        by_subject[a.definition.subject] += per_ledger[a.id]
    shown, rest, rest_records = top([Bar(a.definition.name, per_ledger[a.id], href=f"/ledgers/{a.id}")
                                     for a in accesses if per_ledger[a.id]], TOP_LEDGERS)
    out.charts["ledgers"] = bar_chart(shown, t("dashboard.chart_ledgers"), empty=t("dashboard.no_records"))
    if rest:
        out.notes["ledgers"] = t("dashboard.other_ledgers", n=rest, records=f"{rest_records:,.0f}")
    out.charts["subjects"] = bar_chart(
        [Bar(t(f"subject.{s}") if s else "—", n) for s, n in sorted(by_subject.items(), key=lambda x: (-x[1], x[0]))
         if n],
        t("dashboard.chart_subjects"), empty=t("dashboard.no_records"))
    shown, rest, rest_records = top(_by_unit(scope, per_unit, t), UNITS)
    out.charts["units"] = bar_chart(shown, t("dashboard.chart_units"), empty=t("dashboard.no_records"))
    if rest:
        out.notes["units"] = t("dashboard.other_units", n=rest, records=f"{rest_records:,.0f}")
    if figures:
        b, departments = figures
        out.charts["departments"] = bar_chart(
            [Bar(d or t("dashboard.no_department"), n, "" if d else "muted")
             for d, n in sorted(departments.items(), key=lambda x: (-x[1], x[0]))],
            t("dashboard.chart_departments"))
        out.charts["fields"] = bar_chart(
            [Bar(t("dashboard.fields_served"), b["fields_served"], "ok"),
             Bar(t("dashboard.fields_by_hand"), b["fields"] - b["fields_served"], "warn")],
            t("dashboard.chart_fields"))
    out.imports = recent_imports(engine, scope)
    alert_scope = AlertScope(scope)
    filters = alert_scope.filters()
    if filters is not None:
        out.alerts, _total = alert_scope.page(engine, filters, limit=RECENT, offset=0)
        for a in out.alerts:
            a["when"] = local_time(a.get("last_found_at"), "%Y-%m-%d")
        statuses = alert_scope.status_counts(engine, filters)
        out.alerts_open = statuses.get("new", 0) + statuses.get("acknowledged", 0)
    return out


def _by_unit(scope: Scope, per_unit: Counter, t: Callable[..., str]) -> list[Bar]:
    """Records per unit one level below the top of the scope (towns for the district, villages for a
    town …); records kept at the top unit itself get their own bar."""
    orgs = scope.orgs
    if scope.units is None:
        roots = {c for c, p in orgs.parents.items() if p is None}
    else:
        roots = {c for c in scope.units if not scope.in_scope_unit(orgs.parents.get(c) or "")}
    buckets: Counter = Counter()
    for code, n in per_unit.items():
        if scope.units is not None and code not in scope.units:
            continue  # never counted outside the scope (the caller already limits; kept as a guard)
        bucket = code
        while bucket not in roots and orgs.parents.get(bucket) not in roots and orgs.parents.get(bucket):
            bucket = orgs.parents[bucket]
        buckets[bucket] += n
    return [Bar(t("dashboard.unit_itself", unit=orgs.names.get(c, c)) if c in roots else orgs.names.get(c, c), n)
            for c, n in buckets.items() if n]


def recent_imports(engine: Engine, scope: Scope, limit: int = RECENT) -> list[dict[str, Any]]:
    """The latest imports in the scope, newest first (file name, form, unit, rows)."""
    i, f = schema.import_batch, schema.form
    stmt = (select(i.c.id, i.c.file_name, i.c.sheet, i.c.form_id, f.c.title, i.c.org_unit, i.c.period, i.c.actor,
                   i.c.rows_read, i.c.rows_imported, i.c.rows_invalid, i.c.created_at)
            .join(f, f.c.id == i.c.form_id, isouter=True).order_by(i.c.id.desc()).limit(limit))
    role = scope.user.role
    if role == "department":
        if not scope.user.department:
            return []
        stmt = stmt.where(i.c.department == scope.user.department)
    elif role != "admin" and scope.units is None:
        return []
    if scope.units is not None:
        if not scope.units:
            return []
        stmt = stmt.where(i.c.org_unit.in_(scope.units))
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(stmt)]
    for r in rows:
        r["org_unit_name"] = scope.orgs.names.get(r["org_unit"] or "", "")
        r["when"] = local_time(r["created_at"])
    return rows


