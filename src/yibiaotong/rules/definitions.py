"""Rule definitions (预警规则): data in a pack's rules/ folder, checked here without a database.

A rule reads one or more ledgers under short aliases and says, in the shared expression
language, which records are a problem::

    id: deceased_still_paid
    title: 已死亡人员仍在领取补贴（疑似冒领）
    department: 民政局
    severity: high
    ledgers:
      p: {ledger: person_hukou}            # a ledger id (or a list tried in order) …
      pay: {holding: [payment_month]}      # … or "the ledger that holds these elements"
      h: {ledger: person_hukou, optional: [hukou_status]}   # read as empty where the ledger lacks it
    from: p                                # one row per record of p (default: the first alias not
                                           # used in join/exists/missing) …
    join:                                  # … and per matching record of pay
      pay: pay.id_number = p.id_number and pay.payment_month > month_of(p.death_date)
    where: p.death_date is not null
    missing:                               # NOT EXISTS: no record of the alias matches
      h: h.id_number = p.id_number and h.hukou_status = '1'
    exists: {}                             # EXISTS: some record of the alias matches
    group_by: [p.id_number]                # one alert per value (default: per record of `subject`)
    evidence: {姓名: p.person_name, 死亡日期: p.death_date, 发放月份: pay.payment_month}
    explain: "{姓名}已于{死亡日期}死亡，但{发放月份}仍有发放记录。"
    action: 暂停发放，核实后追回死亡次月起的资金。

A name used as ``alias.name`` is a data-element id (or its Chinese name): the elements an alias
uses decide which ledger can serve it when no named ledger exists. Every expression is parsed
with the expression language's whitelist here, so an unsafe rule is refused before it meets a
database. Parameters available to every rule: ``:as_of`` (date), ``:period`` (its month
'YYYY-MM'), ``today()`` (= as_of) and the rule's own ``params``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yibiaotong.errors import Problem, YbtError
from yibiaotong.expressions import Expression, ExpressionError, parse
from yibiaotong.packs import read_yaml, resolve_packs

SEVERITIES = {"high": "高", "medium": "中", "low": "低"}
ALIAS = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
ID = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
RESERVED_PARAMS = frozenset({"as_of", "period", "today"})
PLACEHOLDER = re.compile(r"\{([^{}]{1,60})\}")


@dataclass(frozen=True)
class LedgerRef:
    """Which ledger an alias reads: the named ledgers tried in order, else the ledger holding
    every element the alias uses (plus ``holding``), of ``subject`` when given."""

    alias: str
    ledgers: tuple[str, ...] = ()
    holding: tuple[str, ...] = ()
    subject: str = ""
    optional: tuple[str, ...] = ()  # elements read when the ledger has them, as empty values when not

    def describe(self) -> str:
        parts = []
        if self.ledgers:
            parts.append("台账 " + " 或 ".join(self.ledgers))
        if self.holding:
            parts.append("含数据元 " + "、".join(self.holding))
        return "；".join(parts) or "任一台账"


@dataclass(frozen=True)
class Evidence:
    label: str  # how the value is named in the alert (Chinese)
    expression: str


@dataclass(frozen=True)
class RuleDef:
    id: str
    title: str
    department: str
    severity: str
    ledgers: tuple[LedgerRef, ...]
    from_: str
    subject: str
    join: tuple[tuple[str, str], ...] = ()
    where: str | None = None
    exists: tuple[tuple[str, str], ...] = ()
    missing: tuple[tuple[str, str], ...] = ()
    group_by: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    explain: str = ""
    action: str = ""
    description: str = ""
    basis: str = ""
    params: dict[str, Any] = field(default_factory=dict, compare=False)
    file: str = ""

    @property
    def main_aliases(self) -> list[str]:
        """The aliases whose records each result row holds (the rule's FROM and JOINs)."""
        return [self.from_, *(a for a, _ in self.join)]

    def ref(self, alias: str) -> LedgerRef:
        return next(r for r in self.ledgers if r.alias == alias)

    def expressions(self) -> list[tuple[str, str]]:
        """Every expression with the field it is in: (``join.pay``, text) …"""
        out = [(f"join.{a}", t) for a, t in self.join]
        if self.where:
            out.append(("where", self.where))
        out += [(f"exists.{a}", t) for a, t in self.exists] + [(f"missing.{a}", t) for a, t in self.missing]
        out += [(f"group_by[{i}]", t) for i, t in enumerate(self.group_by)]
        out += [(f"evidence.{e.label}", e.expression) for e in self.evidence]
        return out

    def parsed(self) -> dict[str, Expression]:
        """Every expression parsed and whitelisted; raises one error with every problem, located."""
        out, problems = {}, []
        for where, text in self.expressions():
            try:
                out[where] = parse(text)
            except ExpressionError as exc:
                problems += [p.at(rule=self.id, field=where, file=self.file or None) for p in exc.problems]
        if problems:
            raise YbtError(problems)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "department": self.department, "severity": self.severity,
                "description": self.description, "basis": self.basis, "action": self.action,
                "ledgers": {r.alias: {"ledger": list(r.ledgers), "holding": list(r.holding),
                                      **({"subject": r.subject} if r.subject else {}),
                                      **({"optional": list(r.optional)} if r.optional else {})} for r in self.ledgers},
                "from": self.from_, "subject": self.subject, "join": dict(self.join), "where": self.where,
                "exists": dict(self.exists), "missing": dict(self.missing), "group_by": list(self.group_by),
                "evidence": {e.label: e.expression for e in self.evidence}, "explain": self.explain,
                "params": dict(self.params), "file": self.file}

    # --- reading ------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], file: str = "") -> RuleDef:
        """A rule from its YAML mapping; raises one error listing every problem of its shape and
        of its expressions (syntax and whitelist)."""
        rule_id = str(d.get("id") or "?")
        problems: list[Problem] = []

        def bad(reason: str, reason_en: str, where: str | None = None) -> None:
            problems.append(Problem("rule-invalid", {"rule": rule_id, "reason": reason, "reason_en": reason_en},
                                    {"file": file or None, "field": where}))

        if not isinstance(d, Mapping):
            raise YbtError(Problem("rule-invalid", {"rule": "?", "reason": "规则应为键值映射", "reason_en": "not a mapping"},
                                   {"file": file or None}))
        known = {"id", "title", "department", "severity", "ledgers", "from", "subject", "join", "where", "exists",
                 "missing", "group_by", "evidence", "explain", "action", "description", "basis", "params"}
        for key in d:
            if key not in known:
                bad(f"不认识的栏目“{key}”（可用：{'、'.join(sorted(known))}）", f"unknown key {key!r}", str(key))
        if not ID.match(rule_id):
            bad("id 应为小写英文、数字和下划线", "id must be snake_case", "id")
        title = str(d.get("title") or "").strip()
        if not title:
            bad("缺少 title（中文标题）", "title is missing", "title")
        severity = str(d.get("severity") or "medium")
        if severity not in SEVERITIES:
            bad(f"severity 应为 {'/'.join(SEVERITIES)} 之一", "severity must be high, medium or low", "severity")
        ledgers = _ledger_refs(d.get("ledgers"), bad)
        aliases = [r.alias for r in ledgers]
        join = _conditions(d.get("join"), "join", bad)
        exists = _conditions(d.get("exists"), "exists", bad)
        missing = _conditions(d.get("missing"), "missing", bad)
        others = {a for a, _ in join + exists + missing}
        # by default a rule goes through the first ledger listed that is not joined or looked up
        from_ = str(d.get("from") or next((a for a in aliases if a not in others), ""))
        if from_ not in aliases:
            bad("from 应为 ledgers 中的一个别名", "from must name one of the ledgers' aliases", "from")
        used = ([from_] if from_ else []) + [a for a, _ in join + exists + missing]
        for alias in {a for a in used if used.count(a) > 1}:
            bad(f"别名“{alias}”在 from、join、exists、missing 中只能用一次（同一台账可以再起一个别名）",
                f"alias {alias!r} is used twice", alias)
        for alias in set(used) - set(aliases):
            bad(f"别名“{alias}”没有在 ledgers 中定义", f"alias {alias!r} is not defined in ledgers", alias)
        for alias in set(aliases) - set(used):
            bad(f"别名“{alias}”定义了但没有用在 from、join、exists 或 missing 中", f"alias {alias!r} is not used", alias)
        subject = str(d.get("subject") or from_)
        if subject not in [from_, *(a for a, _ in join)]:
            bad("subject 应为 from 或 join 中的别名（预警针对它的记录）", "subject must be the from alias or a join alias",
                "subject")
        where = d.get("where")
        if where is not None and not isinstance(where, str):
            bad("where 应为一个条件表达式（文字）", "where must be an expression", "where")
        group_by = d.get("group_by") or []
        if isinstance(group_by, str):
            group_by = [group_by]
        if not isinstance(group_by, list) or not all(isinstance(g, str) for g in group_by):
            bad("group_by 应为表达式列表", "group_by must be a list of expressions", "group_by")
            group_by = []
        evidence = _evidence(d.get("evidence"), bad)
        explain = str(d.get("explain") or "")
        labels = {e.label for e in evidence}
        for name in PLACEHOLDER.findall(explain):
            if name.strip() not in labels:
                bad(f"explain 中的“{{{name}}}”不是 evidence 中的名称", f"{{{name}}} in explain is not an evidence label",
                    "explain")
        params = d.get("params") or {}
        if not isinstance(params, Mapping):
            bad("params 应为 名称: 值 的映射", "params must be a mapping", "params")
            params = {}
        for name in params:
            if name in RESERVED_PARAMS or not ALIAS.match(str(name)):
                bad(f"参数名“{name}”不可用（as_of、period、today 为保留名；只能用小写英文）",
                    f"parameter name {name!r} is reserved or invalid", "params")
        if problems:
            raise YbtError(problems)
        rule = cls(
            id=rule_id, title=title, department=str(d.get("department") or ""), severity=severity,
            ledgers=tuple(ledgers), from_=from_, subject=subject, join=tuple(join), where=where,
            exists=tuple(exists), missing=tuple(missing), group_by=tuple(group_by), evidence=tuple(evidence),
            explain=explain, action=str(d.get("action") or ""), description=str(d.get("description") or ""),
            basis=str(d.get("basis") or ""), params=dict(params), file=file)
        rule.parsed()  # refuse an unsafe or malformed expression now, with its place in the file
        return rule


def _ledger_refs(raw: Any, bad) -> list[LedgerRef]:
    if not isinstance(raw, Mapping) or not raw:
        bad("缺少 ledgers（别名: 台账）", "ledgers is missing", "ledgers")
        return []
    out = []
    for alias, spec in raw.items():
        alias = str(alias)
        if not ALIAS.match(alias):
            bad(f"别名“{alias}”应为小写英文开头的短名（如 p、pay）", f"alias {alias!r} is not a short snake_case name",
                "ledgers")
            continue
        if isinstance(spec, str):
            spec = {"ledger": spec}
        if not isinstance(spec, Mapping):
            bad(f"“{alias}”应写台账标识或 {{ledger: …, holding: […]}}", f"{alias}: a ledger id or a mapping", "ledgers")
            continue
        ledgers = spec.get("ledger") or []
        ledgers = [ledgers] if isinstance(ledgers, str) else list(ledgers)
        holding = spec.get("holding") or []
        holding = [holding] if isinstance(holding, str) else list(holding)
        optional = spec.get("optional") or []
        optional = [optional] if isinstance(optional, str) else list(optional)
        extra = set(spec) - {"ledger", "holding", "subject", "optional"}
        if extra:
            bad(f"“{alias}”中不认识的栏目 {'、'.join(map(str, extra))}", f"{alias}: unknown keys {sorted(extra)}", "ledgers")
        out.append(LedgerRef(alias, tuple(map(str, ledgers)), tuple(map(str, holding)), str(spec.get("subject") or ""),
                             tuple(map(str, optional))))
    return out


def _conditions(raw: Any, name: str, bad) -> list[tuple[str, str]]:
    if raw in (None, {}, []):
        return []
    if not isinstance(raw, Mapping):
        bad(f"{name} 应为 别名: 条件 的映射", f"{name} must map aliases to conditions", name)
        return []
    out = []
    for alias, condition in raw.items():
        if not isinstance(condition, str) or not condition.strip():
            bad(f"{name}.{alias} 应为一个条件表达式", f"{name}.{alias} must be an expression", f"{name}.{alias}")
            continue
        out.append((str(alias), condition))
    return out


def _evidence(raw: Any, bad) -> list[Evidence]:
    if raw in (None, {}):
        return []
    if not isinstance(raw, Mapping):
        bad("evidence 应为 名称: 表达式 的映射", "evidence must map labels to expressions", "evidence")
        return []
    out = []
    for label, expression in raw.items():
        if not isinstance(expression, str) or not expression.strip():
            bad(f"evidence.{label} 应为一个表达式", f"evidence.{label} must be an expression", f"evidence.{label}")
            continue
        out.append(Evidence(str(label), expression))
    return out


# --- a pack's rules -----------------------------------------------------------------------------

def read_rule_file(path: Path) -> list[RuleDef]:
    """The rules of one file: one rule (a mapping with ``id``) or ``rules: [ … ]``."""
    data = read_yaml(path)
    items = data.get("rules") if "rules" in data and "id" not in data else [data]
    if not isinstance(items, list):
        raise YbtError(Problem("rule-invalid", {"rule": "?", "reason": "rules 应为列表", "reason_en": "rules must be a list"},
                               {"file": str(path)}))
    rules, problems = [], []
    for item in items:
        try:
            rules.append(RuleDef.from_dict(item, str(path)))
        except YbtError as exc:
            problems += exc.problems
    if problems:
        raise YbtError(problems)
    return rules


def load_rules(pack: str | Path = "yongchuan", *, strict: bool = True) -> list[RuleDef]:
    """Every rule of the pack and the packs it depends on (a later pack's rule replaces an earlier
    one of the same id). ``strict=False`` skips broken files instead of raising (``ybt rules list``
    shows them through :func:`rule_file_problems`)."""
    rules: dict[str, RuleDef] = {}
    problems: list[Problem] = []
    for p in resolve_packs(pack):
        for path in p.files("rules"):
            try:
                for rule in read_rule_file(path):
                    rules[rule.id] = rule
            except YbtError as exc:
                problems += exc.problems
    if problems and strict:
        raise YbtError(problems)
    return list(rules.values())


def rule_file_problems(pack: str | Path = "yongchuan") -> list[Problem]:
    problems: list[Problem] = []
    for p in resolve_packs(pack):
        for path in p.files("rules"):
            try:
                read_rule_file(path)
            except YbtError as exc:
                problems += exc.problems
    return problems
