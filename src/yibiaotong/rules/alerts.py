"""Alerts (预警) and their life cycle: new → acknowledged → resolved / dismissed (with a reason).

A run of a rule turns its findings into alerts: a finding whose fingerprint is new becomes a new
alert; one already known is refreshed (evidence, last found, times found) and never duplicated;
a resolved one that is found again is reopened (the problem came back). Alerts of the rule in the
run's org units that the run no longer finds are marked not present, so that a clerk sees which
cases the data no longer shows, but they are not closed behind anyone's back.

The library functions here are what the CLI and the web app call: list in a scope (org-unit path
prefix, department), one alert with its records and history, transitions with actor and reason.
What they return shows the evidence as :mod:`yibiaotong.rules.evidence` says (masked as the
record pages mask; for a viewer who reads only some columns, the others left out; for a viewer
whose scope is part of the tree, ``units``, the values and records of other org units left out).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, column, func, insert, select, table, update

from yibiaotong.elements.model import Element
from yibiaotong.errors import Problem, YbtError
from yibiaotong.rules.definitions import RuleDef
from yibiaotong.rules.evidence import Readable, as_seen, element_ids, key_as_seen, ledger_ids
from yibiaotong.rules.findings import Finding
from yibiaotong.rules.present import masked_key, scrub
from yibiaotong.store import schema

STATUSES = {"new": "待处理", "acknowledged": "已签收", "resolved": "已办结", "dismissed": "已忽略"}
OPEN = ("new", "acknowledged")
# action -> (statuses it starts from, status it leads to, the verb in Chinese, in English)
ACTIONS = {
    "acknowledge": (("new",), "acknowledged", "签收", "acknowledge"),
    "resolve": (OPEN, "resolved", "办结", "resolve"),
    "dismiss": (OPEN, "dismissed", "忽略", "dismiss"),
    "reopen": (("resolved", "dismissed"), "new", "重新打开", "reopen"),
}
SYSTEM_ACTOR = "system"
CHUNK = 500

A = schema.alert


@dataclass
class Recorded:
    new: int = 0
    reopened: int = 0
    known: int = 0
    gone: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def record_findings(engine: Engine, run_id: int, rule: RuleDef, findings: list[Finding], as_of: date,
                    org_unit_path: str | None = None, *, mark_gone: bool = True) -> Recorded:
    """Store one rule's findings of one run as alerts (one transaction); ``org_unit_path`` is the
    part of the tree the run looked at (None: all), for marking what the run no longer finds
    (not when the findings are incomplete: ``mark_gone=False``).

    Statements are batched (a district's first run writes thousands of alerts): new alerts in one
    multi-row INSERT … RETURNING, refreshed ones in one executemany UPDATE."""
    out = Recorded()
    now = _now()
    by_print = {f.fingerprint: f for f in findings}
    with engine.begin() as conn:
        known: dict[str, tuple[int, str]] = {}
        for part in _chunks(list(by_print)):
            for r in conn.execute(select(A.c.id, A.c.fingerprint, A.c.status)
                                  .where(A.c.rule_id == rule.id, A.c.fingerprint.in_(part))):
                known[r.fingerprint] = (r.id, r.status)
        fresh = [f for p, f in by_print.items() if p not in known]
        if fresh:
            rows = [dict(rule_id=rule.id, fingerprint=f.fingerprint, title=rule.title,
                         department=rule.department or None, severity=rule.severity, org_unit=f.org_unit, status="new",
                         explanation=f.explanation, evidence=f.evidence, action=rule.action or None, as_of=as_of,
                         present=True, times_found=1, first_run_id=run_id, last_run_id=run_id, first_found_at=now,
                         last_found_at=now) for f in fresh]
            made = conn.execute(insert(A).returning(A.c.id, A.c.fingerprint, sort_by_parameter_order=True), rows)
            ids = {r.fingerprint: r.id for r in made}
            _events(conn, [(ids[f.fingerprint], None, "new", f"规则运行发现（截至 {as_of.isoformat()}）") for f in fresh],
                    run_id, now)
        out.new = len(fresh)
        refreshed, reopened = [], []
        for p, (alert_id, status) in known.items():
            f = by_print[p]
            refreshed.append({"b_id": alert_id, "v_explanation": f.explanation, "v_evidence": f.evidence,
                              "v_org_unit": f.org_unit})
            if status == "resolved":  # the problem came back
                reopened.append(alert_id)
        if refreshed:
            conn.execute(update(A).where(A.c.id == bindparam("b_id")).values(
                explanation=bindparam("v_explanation"), evidence=bindparam("v_evidence"),
                org_unit=bindparam("v_org_unit"), as_of=as_of, present=True, times_found=A.c.times_found + 1,
                last_run_id=run_id, last_found_at=now), refreshed)
        for part in _chunks(reopened):
            conn.execute(update(A).where(A.c.id.in_(part)).values(
                status="new", status_changed_at=now, status_changed_by=SYSTEM_ACTOR, status_reason="问题再次出现"))
        _events(conn, [(i, "resolved", "new", "已办结的问题在本次运行中再次出现") for i in reopened], run_id, now)
        out.reopened, out.known = len(reopened), len(refreshed) - len(reopened)
        alert_ids = {p: v[0] for p, v in known.items()}
        if fresh:
            alert_ids.update(ids)
        _link(conn, alert_ids, by_print)
        if mark_gone:
            gone = [A.c.rule_id == rule.id, A.c.present.is_(True), A.c.last_run_id != run_id]
            if org_unit_path:
                gone.append(A.c.org_unit.in_(select(schema.org_unit.c.code)
                                             .where(schema.org_unit.c.path.startswith(org_unit_path))))
            out.gone = conn.execute(update(A).where(and_(*gone)).values(present=False)).rowcount
    return out


def _link(conn: Connection, alert_ids: dict[str, int], findings: dict[str, Finding]) -> None:
    """Link each alert to every record that caused it (kept: an alert remembers all its records)."""
    R = schema.alert_record
    have: set[tuple[int, str, str]] = set()
    for part in _chunks(list(alert_ids.values())):
        have |= {(r.alert_id, r.ledger_id, r.record_key) for r in conn.execute(
            select(R.c.alert_id, R.c.ledger_id, R.c.record_key).where(R.c.alert_id.in_(part)))}
    rows = [{"alert_id": alert_ids[p], "ledger_id": ledger, "record_key": key, "role": alias}
            for p, f in findings.items() for (ledger, key), alias in f.records.items()
            if (alert_ids[p], ledger, key) not in have]
    if rows:
        conn.execute(insert(R), rows)


def _events(conn: Connection, items: list[tuple[int, str | None, str, str]], run_id: int | None, at: datetime) -> None:
    """Status changes made by a run (actor "system"), written in one statement."""
    if items:
        conn.execute(insert(schema.alert_event), [
            {"alert_id": i, "at": at, "actor": SYSTEM_ACTOR, "from_status": old, "to_status": new, "reason": reason,
             "run_id": run_id} for i, old, new, reason in items])


def _event(conn: Connection, alert_id: int, old: str | None, new: str, actor: str | None, reason: str | None,
           run_id: int | None, at: datetime) -> None:
    conn.execute(insert(schema.alert_event).values(
        alert_id=alert_id, at=at, actor=actor, from_status=old, to_status=new,
        reason=scrub(reason) if reason else None, run_id=run_id))


# --- reading ------------------------------------------------------------------------------------

def _unit_path(conn: Connection, code: str) -> str:
    path = conn.execute(select(schema.org_unit.c.path).where(schema.org_unit.c.code == code)).scalar()
    if path is None:
        raise YbtError(Problem("unknown-org-unit", {"org_unit": code}))
    return path


def _filters(conn: Connection, *, org_unit: str | None = None, org_unit_path: str | None = None,
             department: str | None = None, status: str | Iterable[str] | None = None,
             rule_id: str | None = None, present: bool | None = None, severity: str | None = None) -> list:
    out = []
    if org_unit and not org_unit_path:
        org_unit_path = _unit_path(conn, org_unit)
    if org_unit_path:
        out.append(A.c.org_unit.in_(select(schema.org_unit.c.code).where(schema.org_unit.c.path.startswith(org_unit_path))))
    if department:
        out.append(A.c.department == department)
    if status:
        statuses = [status] if isinstance(status, str) else list(status)
        if "open" in statuses:
            statuses = [s for s in statuses if s != "open"] + list(OPEN)
        out.append(A.c.status.in_(statuses))
    if rule_id:
        out.append(A.c.rule_id == rule_id)
    if present is not None:
        out.append(A.c.present.is_(present))
    if severity:
        out.append(A.c.severity == severity)
    return out


def _as_dict(row: Any, names: dict[str, str] | None = None) -> dict[str, Any]:
    d = dict(row._mapping)
    d.pop("fingerprint", None)  # a hash of full keys: not shown
    d["status_zh"] = STATUSES.get(d["status"], d["status"])
    if names is not None:
        d["org_unit_name"] = names.get(d["org_unit"] or "", "")
    return d


def _seen(conn: Connection, alerts: list[dict[str, Any]], readable: Readable | None,
          units: Collection[str] | None = None) -> list[dict[str, Any]]:
    """The alerts with their evidence as the viewer may see it (:func:`yibiaotong.rules.evidence.as_seen`)."""
    elements = _elements(conn, element_ids(alerts))
    keys = {i: d.get("key", []) for i, d in _definitions(conn, ledger_ids(alerts)).items()} if readable else {}
    units = frozenset(units) if units is not None else None
    return [as_seen(a, elements, readable, keys, units) for a in alerts]


def list_alerts(engine: Engine, *, org_unit: str | None = None, org_unit_path: str | None = None,
                department: str | None = None, status: str | Iterable[str] | None = None,
                rule_id: str | None = None, present: bool | None = None, severity: str | None = None,
                limit: int | None = 100, offset: int = 0, readable: Readable | None = None,
                units: Collection[str] | None = None) -> list[dict[str, Any]]:
    """Alerts in a scope, newest first: ``org_unit`` (or ``org_unit_path``) limits them to that unit
    and everything below; ``status`` may be one status, several, or "open" (new + acknowledged).
    Evidence is shown to a viewer who reads only some columns as ``readable`` says (None: all), and
    only as far as it was read from records of the viewer's org units ``units`` (None: all)."""
    with engine.connect() as conn:
        where = _filters(conn, org_unit=org_unit, org_unit_path=org_unit_path, department=department,
                         status=status, rule_id=rule_id, present=present, severity=severity)
        stmt = select(A).where(*where).order_by(A.c.id.desc()).offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        rows = conn.execute(stmt).all()
        names = dict(conn.execute(select(schema.org_unit.c.code, schema.org_unit.c.name)
                                  .where(schema.org_unit.c.code.in_({r.org_unit for r in rows if r.org_unit}))).all())
        return _seen(conn, [_as_dict(r, names) for r in rows], readable, units)


def count_alerts(engine: Engine, **scope: Any) -> dict[str, int]:
    """How many alerts of each status there are in a scope (same filters as :func:`list_alerts`)."""
    with engine.connect() as conn:
        where = _filters(conn, **scope)
        rows = conn.execute(select(A.c.status, func.count()).where(*where).group_by(A.c.status)).all()
    return {s: 0 for s in STATUSES} | {s: n for s, n in rows}


def count_by_rule(engine: Engine, **scope: Any) -> list[tuple[str, str, int]]:
    """(rule id, title, alerts) of the rules that have alerts in a scope (filters as :func:`list_alerts`)."""
    with engine.connect() as conn:
        where = _filters(conn, **scope)
        rows = conn.execute(select(A.c.rule_id, func.max(A.c.title), func.count()).where(*where)
                            .group_by(A.c.rule_id).order_by(A.c.rule_id)).all()
    return [(r[0], r[1], r[2]) for r in rows]


def get_alert(engine: Engine, alert_id: int, *, readable: Readable | None = None,
              units: Collection[str] | None = None) -> dict[str, Any]:
    """One alert with the records it is about (keys masked; ``record_key`` in full for links)
    and its history; evidence as :func:`list_alerts` shows it. For a viewer of some org units
    (``units``), the records that lie outside them now are left out (``records_out_of_scope``
    says how many)."""
    R, E = schema.alert_record, schema.alert_event
    with engine.connect() as conn:
        row = conn.execute(select(A).where(A.c.id == alert_id)).first()
        if row is None:
            raise YbtError(Problem("alert-not-found", {"id": alert_id}))
        records = conn.execute(select(R.c.ledger_id, R.c.record_key, R.c.role, schema.ledger.c.name)
                               .join(schema.ledger, schema.ledger.c.id == R.c.ledger_id, isouter=True)
                               .where(R.c.alert_id == alert_id).order_by(R.c.ledger_id, R.c.record_key)).all()
        events = conn.execute(select(E).where(E.c.alert_id == alert_id).order_by(E.c.id)).all()
        definitions = _definitions(conn, {r.ledger_id for r in records})
        key_elements = _key_elements(conn, definitions)
        out = _seen(conn, [_as_dict(row)], readable, units)[0]
        shown = records if units is None else _in_units(conn, records, frozenset(units))
    out["records"] = [{"ledger": r.ledger_id, "ledger_name": r.name or r.ledger_id, "role": r.role,
                       "key": key_as_seen(r.ledger_id, masked_key(r.record_key, key_elements.get(r.ledger_id, [])),
                                          definitions.get(r.ledger_id, {}).get("key", []), readable),
                       "record_key": r.record_key}
                      for r in shown]
    out["records_out_of_scope"] = len(records) - len(shown)
    out["events"] = [dict(e._mapping) for e in events]
    return out


def _in_units(conn: Connection, records: list[Any], units: frozenset[str]) -> list[Any]:
    """The linked records that lie in these org units now (a record whose ledger is gone: not)."""
    tables = dict(conn.execute(select(schema.ledger.c.id, schema.ledger.c.table_name)
                               .where(schema.ledger.c.id.in_({r.ledger_id for r in records}))).all())
    inside: set[tuple[str, str]] = set()
    for ledger_id, name in tables.items():
        t = table(name, column("_key"), column("_org_unit"))
        keys = [r.record_key for r in records if r.ledger_id == ledger_id]
        for part in _chunks(keys):
            inside |= {(ledger_id, k) for k in conn.execute(
                select(t.c._key).where(t.c._key.in_(part), t.c._org_unit.in_(sorted(units)))).scalars()}
    return [r for r in records if (r.ledger_id, r.record_key) in inside]


def _definitions(conn: Connection, ledger_ids: set[str]) -> dict[str, dict[str, Any]]:
    L = schema.ledger
    if not ledger_ids:
        return {}
    return {r.id: r.definition for r in conn.execute(select(L.c.id, L.c.definition).where(L.c.id.in_(ledger_ids)))}


def _key_elements(conn: Connection, definitions: dict[str, dict[str, Any]]) -> dict[str, list[Element | None]]:
    """Per ledger, the elements of its key parts (to show each part masked as its element says)."""
    of_column = {i: {c["name"] if isinstance(c, dict) and c.get("name") else (c["element"] if isinstance(c, dict) else c):
                     c["element"] if isinstance(c, dict) else c for c in d.get("columns", [])}
                 for i, d in definitions.items()}
    elements = _elements(conn, {e for cols in of_column.values() for e in cols.values()})
    return {i: [elements.get(of_column[i].get(k, "")) for k in d.get("key", [])] for i, d in definitions.items()}


def _elements(conn: Connection, ids: set[str]) -> dict[str, Element]:
    """Elements by id, as the database holds them now (type and sensitivity: enough to mask)."""
    if not ids:
        return {}
    E = schema.element
    return {r.id: Element(r.id, r.name, r.type, sensitivity=(r.definition or {}).get("sensitivity", "internal"))
            for r in conn.execute(select(E.c.id, E.c.name, E.c.type, E.c.definition).where(E.c.id.in_(ids)))}


def alerts_for_record(engine: Engine, ledger_id: str, record_key: str, *, readable: Readable | None = None,
                      units: Collection[str] | None = None) -> list[dict[str, Any]]:
    """The alerts about one ledger record (for the web app's record page), evidence as :func:`list_alerts`."""
    R = schema.alert_record
    with engine.connect() as conn:
        rows = conn.execute(select(A).join(R, R.c.alert_id == A.c.id)
                            .where(R.c.ledger_id == ledger_id, R.c.record_key == record_key)
                            .order_by(A.c.id.desc())).all()
        return _seen(conn, [_as_dict(r) for r in rows], readable, units)


# --- the life cycle ----------------------------------------------------------------------------

def transition(engine: Engine, alert_id: int, action: str, *, actor: str | None, reason: str | None = None) -> dict[str, Any]:
    """Move an alert along its life cycle; dismissing needs a reason. Returns the alert.

    The status check and the change are one conditional UPDATE: of two people acting at once on
    the same alert, the second is told the alert has moved on."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    starts, target, verb, verb_en = ACTIONS[action]
    reason = (reason or "").strip() or None
    if action == "dismiss" and not reason:
        raise YbtError(Problem("alert-reason-required", {"id": alert_id}))
    now = _now()
    with engine.begin() as conn:
        current = conn.execute(select(A.c.status).where(A.c.id == alert_id)).scalar()
        if current is None:
            raise YbtError(Problem("alert-not-found", {"id": alert_id}))
        done = conn.execute(update(A).where(A.c.id == alert_id, A.c.status.in_(starts)).values(
            status=target, status_changed_at=now, status_changed_by=actor,
            status_reason=scrub(reason) if reason else None)).rowcount
        if not done:
            raise YbtError(Problem("alert-transition-invalid", {
                "id": alert_id, "status": STATUSES.get(current, current), "status_en": current, "action": verb,
                "action_en": verb_en}))
        _event(conn, alert_id, current, target, actor, reason, None, now)
    return get_alert(engine, alert_id)


def acknowledge(engine: Engine, alert_id: int, *, actor: str | None, reason: str | None = None) -> dict[str, Any]:
    return transition(engine, alert_id, "acknowledge", actor=actor, reason=reason)


def resolve(engine: Engine, alert_id: int, *, actor: str | None, reason: str | None = None) -> dict[str, Any]:
    return transition(engine, alert_id, "resolve", actor=actor, reason=reason)


def dismiss(engine: Engine, alert_id: int, *, actor: str | None, reason: str) -> dict[str, Any]:
    return transition(engine, alert_id, "dismiss", actor=actor, reason=reason)


def reopen(engine: Engine, alert_id: int, *, actor: str | None, reason: str | None = None) -> dict[str, Any]:
    return transition(engine, alert_id, "reopen", actor=actor, reason=reason)
