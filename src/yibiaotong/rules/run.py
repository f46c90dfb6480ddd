"""Running rules: compile each, run its SELECT in the database, turn the rows into alerts.

A rule that cannot run here (no ledger holds what it reads, a name its ledger lacks) is skipped
with its problems in the run's summary; the other rules still run. Each rule's alerts are written
in one transaction, and the run itself is recorded in ``ybt_rule_run``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from yibiaotong.elements.dates import today as china_today
from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.errors import Problem, YbtError
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.rules.alerts import OPEN, record_findings
from yibiaotong.rules.binding import Catalog
from yibiaotong.rules.compile import compile_rule
from yibiaotong.rules.definitions import RuleDef, load_rules
from yibiaotong.rules.findings import Finding, gather
from yibiaotong.store import schema

MAX_ROWS = 200_000  # per rule: more result rows than this means the rule is far too broad


@dataclass
class RuleOutcome:
    rule: str
    title: str
    found: int = 0  # alerts this run found (new and known)
    new: int = 0
    reopened: int = 0
    gone: int = 0  # known alerts this run no longer found
    rows: int = 0
    seconds: float = 0.0
    ledgers: dict[str, str] = field(default_factory=dict)  # alias -> ledger id
    absent: dict[str, list[str]] = field(default_factory=dict)  # alias -> optional elements its ledger lacks
    problems: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title, "found": self.found, "new": self.new,
                "reopened": self.reopened, "gone": self.gone, "rows": self.rows, "seconds": self.seconds,
                "ledgers": self.ledgers, "absent": self.absent, "problems": [p.to_dict() for p in self.problems]}


@dataclass
class RunResult:
    run_id: int
    as_of: date
    org_unit: str | None
    outcomes: list[RuleOutcome]
    seconds: float = 0.0
    open_alerts: int = 0

    @property
    def alerts_new(self) -> int:
        return sum(o.new for o in self.outcomes)

    @property
    def alerts_total(self) -> int:
        return sum(o.found for o in self.outcomes)

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "as_of": self.as_of.isoformat(), "org_unit": self.org_unit,
                "rules": len(self.outcomes), "rules_failed": sum(1 for o in self.outcomes if o.problems),
                "alerts_new": self.alerts_new, "alerts_total": self.alerts_total,
                "alerts_reopened": sum(o.reopened for o in self.outcomes),
                "alerts_gone": sum(o.gone for o in self.outcomes), "alerts_open": self.open_alerts,
                "seconds": self.seconds, "counts": {o.rule: o.found for o in self.outcomes},
                "per_rule": {o.rule: o.to_dict() for o in self.outcomes}}


def select_rules(rules: list[RuleDef], rule_ids: list[str] | None) -> list[RuleDef]:
    if not rule_ids:
        return rules
    by_id = {r.id: r for r in rules}
    unknown = [i for i in rule_ids if i not in by_id]
    if unknown:
        raise YbtError([Problem("rule-not-found", {"rule": i}) for i in unknown])
    return [by_id[i] for i in rule_ids]


def evaluate(engine: Engine, rule: RuleDef, catalog: Catalog, *, as_of: date,
             org_unit_path: str | None = None) -> tuple[list[Finding], RuleOutcome]:
    """Run one rule without storing anything: its findings and what happened."""
    started = time.perf_counter()
    outcome = RuleOutcome(rule.id, rule.title)
    try:
        compiled = compile_rule(rule, catalog, as_of=as_of, org_unit_path=org_unit_path)
    except YbtError as exc:
        outcome.problems = exc.problems
        outcome.seconds = round(time.perf_counter() - started, 3)
        return [], outcome
    outcome.ledgers = compiled.ledgers
    outcome.absent = compiled.absent
    with engine.connect() as conn:
        rows = conn.execute(compiled.statement.limit(MAX_ROWS + 1)).all()
    if len(rows) > MAX_ROWS:
        rows = rows[:MAX_ROWS]
        outcome.problems.append(Problem("rule-too-broad", {"rule": rule.id, "rows": MAX_ROWS}))
    outcome.rows = len(rows)
    findings = gather(compiled, rows, catalog.dictionary)
    outcome.found = len(findings)
    outcome.seconds = round(time.perf_counter() - started, 3)
    return findings, outcome


def run_rules(engine: Engine, *, pack: str | Path = "yongchuan", rules: list[RuleDef] | None = None,
              rule_ids: list[str] | None = None, org_unit: str | None = None, as_of: date | None = None,
              actor: str | None = None, dictionary: Dictionary | None = None) -> RunResult:
    """Evaluate the pack's rules (or the given ones, or some of them by id) as of a date, over the
    whole district or one org unit and everything below it; findings become alerts."""
    started = time.perf_counter()
    as_of = as_of or china_today()
    chosen = select_rules(rules if rules is not None else load_rules(pack), rule_ids)
    store = LedgerStore(engine, dictionary)
    catalog = Catalog(store.ledgers(), store.dictionary)
    path = None
    with engine.begin() as conn:
        if org_unit:
            path = conn.execute(select(schema.org_unit.c.path).where(schema.org_unit.c.code == org_unit)).scalar()
            if path is None:
                raise YbtError(Problem("unknown-org-unit", {"org_unit": org_unit}))
        run_id = conn.execute(insert(schema.rule_run).values(
            as_of=as_of, org_unit=org_unit, actor=actor, started_at=datetime.now(UTC), summary={})
            .returning(schema.rule_run.c.id)).scalar_one()
    outcomes = []
    for rule in chosen:
        findings, outcome = evaluate(engine, rule, catalog, as_of=as_of, org_unit_path=path)
        if outcome.ledgers:  # it ran: store what it found and mark what it no longer finds
            t = time.perf_counter()
            truncated = any(p.code == "rule-too-broad" for p in outcome.problems)
            done = record_findings(engine, run_id, rule, findings, as_of, path, mark_gone=not truncated)
            outcome.new, outcome.reopened, outcome.gone = done.new, done.reopened, done.gone
            outcome.seconds = round(outcome.seconds + time.perf_counter() - t, 3)
        outcomes.append(outcome)
    result = RunResult(run_id, as_of, org_unit, outcomes, round(time.perf_counter() - started, 3))
    with engine.begin() as conn:
        result.open_alerts = conn.execute(select(func.count()).select_from(schema.alert)
                                          .where(schema.alert.c.status.in_(OPEN))).scalar_one()
        summary = result.to_dict()
        conn.execute(update(schema.rule_run).where(schema.rule_run.c.id == run_id).values(
            finished_at=datetime.now(UTC), summary=summary))
    return result
