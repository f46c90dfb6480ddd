"""Alerts in a user's scope (预警的查看与处理范围): which alerts a user sees, and who may act on them.

- admin (区大数据局): every alert, and may act on every alert;
- department user (民政局, 农业农村委 …): the alerts of the rules addressed to its department (a rule
  names the department it warns), in its org units — the whole district for a department at the
  top. Of an alert's evidence it sees what its grants let it read on the record pages: a value
  read from a ledger or column not granted to it is left out (the alert says so), and the linked
  records open only where its grants reach. It may act on its alerts when it holds a write grant:
  a department that only reads the ledgers only reads its alerts;
- town / village / grid user: the alerts about its org unit and everything below it, whatever the
  department (the clerks verify a case on the spot); they may act on them (they write there).
  Of an alert's evidence they see what was read from records of their units: a rule that joins a
  record kept by another town (a payment, a household member registered elsewhere) shows them the
  alert without that record's values and key, and says how many records it left out. So does a
  department whose org unit is below the top; a department of the whole district sees it all.

Alert evidence is kept and shown masked as the record pages mask (``rules.evidence``: ID numbers
and phones partly, sensitive values as ***), on the pages, in the export and in the API alike; a
full value stays behind the record page's audited reveal. Changes of status and exports are
written to the audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from yibiaotong.access import audit
from yibiaotong.access.scope import AREA_ROLES, AccessDenied, NotInScope, Scope
from yibiaotong.errors import YbtError
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.rules import alerts as library
from yibiaotong.rules.export import export_alerts
from yibiaotong.rules.present import scrub

NOTHING = "-"  # no rule has this id (ids are snake_case): the filter of a user who sees no alert


class AlertScope:
    """One user's view of the alerts."""

    def __init__(self, scope: Scope):
        self.scope = scope
        self.user = scope.user

    # --- what the user sees ---------------------------------------------------------------------

    def base(self) -> dict[str, Any] | None:
        """The filters of :func:`yibiaotong.rules.alerts.list_alerts` that make the scope; None when
        the user sees no alerts at all."""
        role, code = self.user.role, self.user.org_unit
        if role == "admin":
            return {}
        if role == "department":
            if not self.user.department:
                return None
            out: dict[str, Any] = {"department": self.user.department}
            if self.scope.units is not None:
                if code not in self.scope.orgs.paths:
                    return None
                out["org_unit_path"] = self.scope.orgs.paths[code]
            return out
        if role in AREA_ROLES and code in self.scope.orgs.paths:
            return {"org_unit_path": self.scope.orgs.paths[code]}
        return None

    def filters(self, *, status: str | None = None, rule_id: str | None = None, severity: str | None = None,
                org_unit: str | None = None) -> dict[str, Any] | None:
        """The scope narrowed by what the user chose; an org unit outside the scope is refused."""
        base = self.base()
        if base is None:
            return None
        out = dict(base)
        if org_unit:
            self.scope.unit_filter(org_unit)  # unknown or outside the scope: refused, nothing counted
            out["org_unit_path"] = self.scope.orgs.paths[org_unit]
        out.update({k: v for k, v in (("status", status), ("rule_id", rule_id), ("severity", severity)) if v})
        return out

    def sees(self, alert: dict[str, Any]) -> bool:
        base = self.base()
        if base is None:
            return False
        if "department" in base and alert.get("department") != base["department"]:
            return False
        return self.scope.units is None or alert.get("org_unit") in self.scope.units

    def may_act(self, alert: dict[str, Any]) -> bool:
        if not self.sees(alert):
            return False
        if self.user.role == "department":
            return any(g.mode == "write" for g in self.scope.grants.values())
        return True

    def page(self, engine: Engine, filters: dict[str, Any] | None, *, limit: int, offset: int
             ) -> tuple[list[dict[str, Any]], int]:
        """One page of alerts (newest first) and how many there are in all."""
        if filters is None:
            return [], 0
        total = self.count(engine, filters)
        return library.list_alerts(engine, limit=limit, offset=offset, readable=self.scope.reads,
                                   units=self.scope.units, **filters), total

    @staticmethod
    def count(engine: Engine, filters: dict[str, Any] | None) -> int:
        return sum(library.count_alerts(engine, **filters).values()) if filters is not None else 0

    def status_counts(self, engine: Engine, filters: dict[str, Any] | None) -> dict[str, int]:
        if filters is None:
            return {s: 0 for s in library.STATUSES}
        return library.count_alerts(engine, **{k: v for k, v in filters.items() if k != "status"})

    def rules(self, engine: Engine) -> list[tuple[str, str, int]]:
        """(rule id, title, alerts) of the rules with alerts in the scope, for choosing one."""
        base = self.base()
        return library.count_by_rule(engine, **base) if base is not None else []

    def get(self, engine: Engine, alert_id: int) -> dict[str, Any]:
        """One alert with its records and history; NotInScope when it is not the user's (or not there)."""
        try:
            alert = library.get_alert(engine, alert_id, readable=self.scope.reads, units=self.scope.units)
        except YbtError:
            raise NotInScope() from None
        if not self.sees(alert):
            raise NotInScope()
        return alert

    def records(self, engine: Engine, store: LedgerStore, alert: dict[str, Any]) -> list[dict[str, Any]]:
        """The records an alert is about, keys masked; ``record_id`` set where the user may open the
        record (its ledger is visible and the record lies in the scope). Full keys are not returned."""
        out = [{k: v for k, v in r.items() if k != "record_key"} | {"record_id": None} for r in alert["records"]]
        by_ledger: dict[str, list[int]] = {}
        for i, r in enumerate(alert["records"]):
            by_ledger.setdefault(r["ledger"], []).append(i)
        for ledger_id, positions in by_ledger.items():
            try:
                access = self.scope.ledger(store, ledger_id)
            except NotInScope:
                continue
            t = access.table
            keys = {alert["records"][i]["record_key"]: i for i in positions}
            where = [t.c._key.in_(list(keys))]
            if (limit := access.condition()) is not None:
                where.append(limit)
            with engine.connect() as conn:
                for row in conn.execute(select(t.c._id, t.c._key).where(*where)):
                    out[keys[row._key]]["record_id"] = row._id
        return out

    def for_record(self, engine: Engine, ledger_id: str, record_key: str) -> list[dict[str, Any]]:
        """The alerts about one record that this user sees."""
        return [a for a in library.alerts_for_record(engine, ledger_id, record_key, readable=self.scope.reads,
                                                     units=self.scope.units) if self.sees(a)]

    # --- acting -----------------------------------------------------------------------------------

    def act(self, engine: Engine, alert_id: int, action: str, reason: str | None = None) -> dict[str, Any]:
        """Acknowledge, resolve, dismiss (a reason is required) or reopen an alert, audited; returns
        the alert as this user sees it."""
        if action not in library.ACTIONS:
            raise NotInScope()
        alert = self.get(engine, alert_id)
        if not self.may_act(alert):
            raise AccessDenied("您对该预警只有查看权限（处理预警需要相应台账的修改权限）",
                               "you may only read this alert (acting on it needs write rights)")
        changed = library.transition(engine, alert_id, action, actor=self.user.name, reason=reason)
        reason = (reason or "").strip()
        audit.write(engine, self.user.name, f"alert-{action}", target=f"alert:{alert_id} {alert['title']}",
                    purpose=scrub(reason)[:500] if reason else None,
                    details={"alert": alert_id, "rule": alert["rule_id"], "from": alert["status"],
                             "to": changed["status"]})
        return self.get(engine, alert_id)  # as this user may see it (the library's is the operator's)

    def export(self, engine: Engine, path: str | Path, filters: dict[str, Any] | None, lang: str = "zh") -> int:
        """The filtered alerts of the scope to an .xlsx file (evidence as on the alert pages), audited."""
        if filters is None:
            filters = {"rule_id": NOTHING}  # a workbook with its headers and no alert
        written = export_alerts(engine, path, readable=self.scope.reads, units=self.scope.units, lang=lang, **filters)
        chosen = {k: v for k, v in filters.items() if k in ("status", "rule_id", "severity", "org_unit_path")}
        audit.write(engine, self.user.name, "alert-export", target=f"alerts:{written}",
                    details={"count": written, "filters": chosen})
        return written
