"""Eligibility checks (资格核查): for one person or household, does a policy's every criterion hold?

The answer is ``eligible`` when every criterion holds, ``not_eligible`` when one fails, and
``unknown`` otherwise — with, for each criterion, the values it used (masked as everywhere) and
what is missing: a ledger the database lacks, no record of the subject in a ledger, an empty value.

Each of the subject's records is found first (one small query per ledger, by the policy's
``match``), then every criterion is computed in one query over those records (left-joined to a
one-row base, so an absent record gives NULLs and SQL's three-valued logic keeps "unknown"
apart from "no": ``null or true`` is true, ``null and false`` is false).

A check run for a limited user (a ``reader``: the web app passes the user's scope) reads only what
that user could read: a ledger it may not see, or a column it may not read, is never queried, and
a criterion that needs it is "unknown" and says so (无权查看所需数据，结果未知). For a user limited to
some org units, records are looked for in those units only, and "no record there" is unknown too,
whatever lies outside: the answer is the same whether or not a record exists out of scope, so it
tells nothing about it. Values are masked as the record pages mask them. Without a reader (the
CLI, run by the operator) everything is read, as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, false, literal, select
from sqlalchemy.sql import visitors

from yibiaotong.elements.dates import today as china_today
from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.elements.validate import mask
from yibiaotong.errors import Problem, YbtError
from yibiaotong.expressions import ExpressionError, compile_filter
from yibiaotong.ledgers.store import LedgerStore
from yibiaotong.rules.binding import Bound, Catalog, bind, scope_of, used_elements
from yibiaotong.rules.policies.definitions import PolicyDef, load_policies
from yibiaotong.rules.policies.reach import Limits, Reader, not_in_units
from yibiaotong.rules.policies.subject import Subject, resolve_subject
from yibiaotong.rules.present import show

ANSWERS = {"eligible": "符合", "not_eligible": "不符合", "unknown": "无法判断"}
RESULTS = {"met": "满足", "not_met": "不满足", "unknown": "无法判断"}
SUBJECT_WORDS = {"id_number": "身份证号", "household_head_id_number": "户主身份证号", "household_id": "户编号"}


@dataclass
class CriterionResult:
    id: str
    title: str
    result: str  # met | not_met | unknown
    data: list[dict[str, Any]] = field(default_factory=list)
    params: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    restricted: bool = False  # unknown because it needs data the person asking may not read

    @property
    def result_zh(self) -> str:
        return RESULTS[self.result]

    @property
    def explanation(self) -> str:
        used = [f"{d['ledger_name']}·{d['label']}：" + ("无权查看" if d.get("hidden") else
                                                         "台账无此字段" if d.get("column_absent") else
                                                         d["value"] if d["value"] is not None else "空")
                for d in self.data]
        used += [f"{p['label']} {p['value']}{p['unit']}" for p in self.params]
        text = f"{self.title}：{self.result_zh}"
        if used:
            text += "（" + "；".join(used) + "）"
        if self.missing:
            text += "；缺少：" + "；".join(self.missing)
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "result": self.result, "result_zh": self.result_zh,
                "restricted": self.restricted, "data": self.data, "params": self.params, "missing": self.missing,
                "explanation": self.explanation}


@dataclass
class Verdict:
    policy: str
    title: str
    department: str
    subject: str  # masked
    answer: str  # eligible | not_eligible | unknown
    criteria: list[CriterionResult]
    as_of: date
    basis: str = ""
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # alias -> ledger, record (masked)

    @property
    def answer_zh(self) -> str:
        return ANSWERS[self.answer]

    @property
    def missing(self) -> list[str]:
        return list(dict.fromkeys(m for c in self.criteria for m in c.missing))

    @property
    def explanation(self) -> str:
        failed = [c.title for c in self.criteria if c.result == "not_met"]
        if self.answer == "eligible":
            return f"{self.subject} 符合{self.title}的全部{len(self.criteria)}项条件。"
        if self.answer == "not_eligible":
            return f"{self.subject} 不符合{self.title}：{'、'.join(failed)}。"
        return f"{self.subject} 是否符合{self.title}暂无法判断，缺少：{'；'.join(self.missing)}。"

    def to_dict(self) -> dict[str, Any]:
        return {"policy": self.policy, "title": self.title, "department": self.department, "subject": self.subject,
                "answer": self.answer, "answer_zh": self.answer_zh, "explanation": self.explanation,
                "as_of": self.as_of.isoformat(), "basis": self.basis, "missing": self.missing,
                "records": self.records, "criteria": [c.to_dict() for c in self.criteria]}


# --- the check ----------------------------------------------------------------------------------

def check_all(engine: Engine, subject_key: str, *, pack: str | Path = "yongchuan", as_of: date | None = None,
              policies: list[PolicyDef] | None = None, policy_ids: list[str] | None = None,
              dictionary: Dictionary | None = None, reader: Reader | None = None) -> list[Verdict]:
    """A verdict for every policy of the pack (or the given ones) about one person or household.

    ``reader`` limits what the check reads to what one user may read (see the module's docstring);
    None reads everything (the operator)."""
    policies = policies if policies is not None else load_policies(pack)
    if policy_ids:
        by_id = {p.id: p for p in policies}
        unknown = [i for i in policy_ids if i not in by_id]
        if unknown:
            raise YbtError([Problem("policy-not-found", {"policy": i}) for i in unknown])
        policies = [by_id[i] for i in policy_ids]
    store = LedgerStore(engine, dictionary)
    catalog = Catalog(store.ledgers(), store.dictionary)
    subject = resolve_subject(engine, catalog, subject_key, reader)
    as_of = as_of or china_today()
    return [_evaluate(engine, catalog, p, subject, as_of, reader) for p in policies]


def check(engine: Engine, subject_key: str, policy_id: str, *, pack: str | Path = "yongchuan",
          as_of: date | None = None, policies: list[PolicyDef] | None = None,
          dictionary: Dictionary | None = None, reader: Reader | None = None) -> Verdict:
    """Is this person or household (an ID number or a household number) eligible for the policy?"""
    return check_all(engine, subject_key, pack=pack, as_of=as_of, policies=policies, policy_ids=[policy_id],
                     dictionary=dictionary, reader=reader)[0]


def _aliases_in(expr, aliases: list[str]) -> set[str]:
    out = set()
    for name in expr.names:
        qualifier = name.rpartition(".")[0]
        if qualifier in aliases:
            out.add(qualifier)
        elif not qualifier and len(aliases) == 1:
            out.add(aliases[0])
    return out


def _evaluate(engine: Engine, catalog: Catalog, policy: PolicyDef, subject: Subject, as_of: date,
              reader: Reader | None = None) -> Verdict:
    parsed = policy.parsed()
    aliases = [r.alias for r in policy.records]
    optional = {r.alias for r in policy.records if r.optional}
    needed = used_elements(catalog, parsed.values(), aliases)
    bound, unbound = bind(catalog, [r.ref for r in policy.records], needed, {"policy": policy.id},
                          code="policy-ledger-not-found")
    absent = {p.params["alias"]: f"本系统没有可用的台账（{p.params['need']}）" for p in unbound}
    limits = Limits(bound, reader)
    params = {**policy.param_values(), "as_of": as_of, "today": as_of,
              "period": f"{as_of.year:04d}-{as_of.month:02d}", **subject.params()}
    found: dict[str, tuple[int, str]] = {}
    with engine.connect() as conn:
        for r in policy.records:
            if r.alias not in bound or r.alias in limits.denied:
                continue
            b = bound[r.alias]
            expr = parsed[f"records.{r.alias}.match"]
            lacking = sorted(p for p in expr.parameters if p not in params)
            if lacking:
                absent[r.alias] = f"不知道{'、'.join(SUBJECT_WORDS.get(p, p) for p in lacking)}，无法查找{b.ledger.name}"
                continue
            match = _compile(policy, f"records.{r.alias}.match", expr, scope_of(bound, [r.alias], catalog), params)
            hidden = [n for a, n in _used(match, {r.alias: b}) if not limits.reads(a, n)]
            if hidden:  # finding the record would read a column the user may not: it is not looked for
                limits.deny(r.alias, hidden)
                continue
            sel = b.selectable
            where = [match]
            units = limits.units(r.alias)
            if units is not None:
                where.append(sel.c._org_unit.in_(units))
            row = conn.execute(select(sel.c._id, sel.c._key).where(*where).order_by(sel.c._updated_at.desc())
                               .limit(1)).first()
            if row is None and units is not None:
                absent[r.alias] = not_in_units(b.ledger.name)
                limits.unsure.add(r.alias)
            elif row is None:
                absent[r.alias] = f"{b.ledger.name}中没有该对象的记录"
            else:
                found[r.alias] = (row._id, row._key)
        results, columns, plan = _criteria(policy, parsed, bound, absent, params, catalog, limits)
        row = None
        if columns:
            source = select(literal(1).label("one")).subquery("policy_base")
            for alias, b in bound.items():
                on = b.selectable.c._id == found[alias][0] if alias in found else false()
                source = source.outerjoin(b.selectable, on)
            row = conn.execute(select(*columns).select_from(source)).one()._mapping
    for i, used, computed in plan:
        _decide(results[i], row, i, used, computed, bound, found, absent, optional, catalog, limits)
    if any(c.result == "not_met" for c in results):
        answer = "not_eligible"
    elif any(c.result == "unknown" for c in results):
        answer = "unknown"
    else:
        answer = "eligible"
    records = {}
    for alias in aliases:
        b = bound.get(alias)
        if alias in limits.denied:
            records[alias] = {"ledger": b.ledger.id, "ledger_name": b.ledger.name, "record": None,
                              "missing": limits.denied[alias], "hidden": True}
            continue
        key = found.get(alias, (None, None))[1]
        records[alias] = {"ledger": b.ledger.id if b else None, "ledger_name": b.ledger.name if b else None,
                          "record": _masked(b, alias, key, catalog, limits) if b and key else None,
                          "missing": absent.get(alias)}
    return Verdict(policy.id, policy.title, policy.department, subject.shown, answer, results, as_of, policy.basis,
                   records)


def _compile(policy: PolicyDef, where: str, expr, scope, params):
    try:
        return compile_filter(expr, scope, params).sql
    except ExpressionError as exc:
        raise YbtError([p.at(policy=policy.id, field=where, file=policy.file or None) for p in exc.problems]) from None


def _used(sql, bound: dict[str, Bound]) -> list[tuple[str, str]]:
    """The (alias, element) columns an expression reads, in the order it reads them."""
    used: list[tuple[str, str]] = []
    for node in visitors.iterate(sql):
        for alias, b in bound.items():
            if (getattr(node, "table", None) is b.selectable and getattr(node, "name", "") in b.elements
                    and (alias, node.name) not in used):
                used.append((alias, node.name))
    return used


def _criteria(policy, parsed, bound, absent, params, catalog, limits: Limits):
    """Compile every criterion that can be computed; the others are already answered 'unknown'.

    A criterion that needs what the user may not read is not computed (its SQL never runs); the
    values it reads that the user may read are still shown."""
    aliases = [r.alias for r in policy.records]
    results, columns, plan = [], [], []
    for i, c in enumerate(policy.criteria):
        expr = parsed[f"criteria.{c.id}"]
        result = CriterionResult(c.id, c.title, "unknown")
        results.append(result)
        result.params = [{"name": p.name, "label": p.label, "value": show(p.value), "unit": p.unit, "source": p.source}
                         for p in policy.params if p.name in expr.parameters]
        uses = _aliases_in(expr, aliases)
        unbound = [a for a in uses if a not in bound]
        lacking = sorted(p for p in expr.parameters if p not in params)
        if unbound or lacking:
            result.missing = [absent[a] for a in unbound] + [f"不知道{SUBJECT_WORDS.get(p, p)}" for p in lacking]
            continue
        sql = _compile(policy, f"criteria.{c.id}", expr, scope_of(bound, list(bound), catalog), params)
        used = _used(sql, bound)
        blocked = [a for a in dict.fromkeys([*sorted(uses), *(a for a, _ in used)]) if a in limits.denied]
        hidden: dict[str, list[str]] = {}
        for a, name in used:
            if a not in limits.denied and not limits.reads(a, name):
                hidden.setdefault(a, []).append(name)
        computed = not blocked and not hidden
        if computed:
            columns.append(sql.label(f"c{i}"))
        else:
            result.restricted = True
            result.missing = [limits.denied[a] for a in blocked]
            result.missing += [limits.why(a, names) for a, names in hidden.items()]
        columns += [bound[a].selectable.c[name].label(f"u{i}_{j}") for j, (a, name) in enumerate(used)
                    if limits.reads(a, name)]
        plan.append((i, used, computed))
    return results, columns, plan


def _decide(result: CriterionResult, row, i: int, used: list[tuple[str, str]], computed: bool, bound: dict[str, Bound],
            found: dict, absent: dict, optional: set[str], catalog: Catalog, limits: Limits) -> None:
    codelists = catalog.dictionary.codelists
    for j, (alias, name) in enumerate(used):
        b = bound[alias]
        element = b.elements[name]
        item = {"ledger": b.ledger.id, "ledger_name": b.ledger.name, "element": element.id, "label": element.name}
        if not limits.reads(alias, name):
            result.data.append({**item, "record": None, "value": None, "column_absent": False, "hidden": True})
            continue
        raw = row[f"u{i}_{j}"]
        value = (mask(element, raw) if raw is not None else None) if limits.masked(alias, name) else \
            show(raw, element, codelists)
        result.data.append({**item, "record": _masked(b, alias, found[alias][1], catalog, limits) if alias in found
                            else None, "value": value, "column_absent": name in b.absent, "hidden": False})
    if not computed:  # it needs what the user may not read: unknown, whatever the rest says
        result.result = "unknown"
        return
    value = row[f"c{i}"]
    # a record the criterion needs is not there (or, for a user limited to some units, not there):
    # whatever SQL made of the NULLs, we do not know
    unfound = [a for a in dict.fromkeys(a for a, _ in used)
               if a not in found and (a not in optional or a in limits.unsure)]
    if unfound:
        result.missing = [absent[a] for a in unfound if a in absent]
        result.result = "unknown"
        result.restricted = any(a in limits.unsure for a in unfound)
    elif value is None:
        missing = [absent[a] for a in dict.fromkeys(a for a, _ in used) if a in absent and a not in optional]
        missing += [f"{d['ledger_name']}没有“{d['label']}”这一字段" if n in bound[a].absent
                    else f"{d['ledger_name']}的“{d['label']}”没有填写"
                    for d, (a, n) in zip(result.data, used) if d["value"] is None and a in found]
        result.missing = list(dict.fromkeys(missing)) or ["所用数据无法判断（如日期无效）"]
        result.result = "unknown"
    else:
        result.result = "met" if value else "not_met"


def _masked(b: Bound, alias: str, key: str, catalog: Catalog, limits: Limits) -> str:
    elements = [catalog.dictionary.elements.get(next((c.element for c in b.ledger.columns if c.column == k), ""))
                for k in b.ledger.key]
    return limits.key(alias, key, elements)
