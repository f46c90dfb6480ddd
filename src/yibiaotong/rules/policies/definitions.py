"""Policy definitions (资格政策): eligibility criteria as pack data (``policies/*.yaml``).

    id: old_age_allowance
    title: 高龄津贴
    department: 民政局
    basis: 《重庆市……》（where the criteria and figures come from）
    params:                                  # thresholds, each with where it comes from
      age: {value: 80, label: 起领年龄, unit: 周岁, source: …}
    records:                                 # the subject's record in each ledger
      person: {ledger: person_identity, match: "person.id_number = :id_number"}
      hukou:  {ledger: person_hukou, match: "hukou.id_number = :id_number"}
      help:   {ledger: person_social_assistance, match: "…", optional: true}   # no record = none of it
      # optional_columns: [hukou_status]   elements read as empty where the ledger lacks them
    criteria:
      - id: age
        title: 年满80周岁
        condition: "age(person.birth_date, :as_of) >= :age"

Match conditions may use ``:id_number`` (the person; for a household, its head),
``:household_head_id_number`` and ``:household_id`` (when known), ``:as_of``, ``:period`` and the
policy's params. A criterion holds, fails, or cannot be decided (a record or a value is missing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from yibiaotong.errors import Problem, YbtError
from yibiaotong.expressions import Expression, ExpressionError, parse
from yibiaotong.packs import read_yaml, resolve_packs
from yibiaotong.rules.definitions import ALIAS, ID, RESERVED_PARAMS, LedgerRef

SUBJECT_PARAMS = frozenset({"id_number", "household_head_id_number", "household_id"})


@dataclass(frozen=True)
class RecordRef:
    ref: LedgerRef
    match: str
    optional: bool = False  # no record means "none of it" (e.g. not a 特困 recipient), not "unknown"

    @property
    def alias(self) -> str:
        return self.ref.alias


@dataclass(frozen=True)
class Param:
    name: str
    value: Any
    label: str = ""
    unit: str = ""
    source: str = ""


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    condition: str


@dataclass(frozen=True)
class PolicyDef:
    id: str
    title: str
    department: str
    records: tuple[RecordRef, ...]
    criteria: tuple[Criterion, ...]
    params: tuple[Param, ...] = ()
    subject: str = "person"
    basis: str = ""
    description: str = ""
    file: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def param_values(self) -> dict[str, Any]:
        return {p.name: Decimal(str(p.value)) if isinstance(p.value, float) else p.value for p in self.params}

    def parsed(self) -> dict[str, Expression]:
        out, problems = {}, []
        items = [(f"records.{r.alias}.match", r.match) for r in self.records]
        items += [(f"criteria.{c.id}", c.condition) for c in self.criteria]
        for where, text in items:
            try:
                out[where] = parse(text)
            except ExpressionError as exc:
                problems += [p.at(policy=self.id, field=where, file=self.file or None) for p in exc.problems]
        if problems:
            raise YbtError(problems)
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], file: str = "") -> PolicyDef:
        pid = str(d.get("id") or "?") if isinstance(d, Mapping) else "?"
        problems: list[Problem] = []

        def bad(reason: str, reason_en: str, where: str | None = None) -> None:
            problems.append(Problem("policy-invalid", {"policy": pid, "reason": reason, "reason_en": reason_en},
                                    {"file": file or None, "field": where}))

        if not isinstance(d, Mapping):
            bad("政策应为键值映射", "a policy must be a mapping")
            raise YbtError(problems)
        if not ID.match(pid):
            bad("id 应为小写英文、数字和下划线", "id must be snake_case", "id")
        title = str(d.get("title") or "").strip()
        if not title:
            bad("缺少 title（中文名称）", "title is missing", "title")
        params = []
        for name, spec in (d.get("params") or {}).items():
            if name in RESERVED_PARAMS | SUBJECT_PARAMS or not ALIAS.match(str(name)):
                bad(f"参数名“{name}”不可用", f"parameter name {name!r} is reserved or invalid", "params")
                continue
            spec = spec if isinstance(spec, Mapping) else {"value": spec}
            if "value" not in spec:
                bad(f"参数“{name}”缺少 value", f"parameter {name!r} has no value", "params")
                continue
            params.append(Param(str(name), spec["value"], str(spec.get("label") or name), str(spec.get("unit") or ""),
                                str(spec.get("source") or "")))
        records = []
        raw_records = d.get("records")
        if not isinstance(raw_records, Mapping) or not raw_records:
            bad("缺少 records（别名: {ledger/holding, match}）", "records is missing", "records")
            raw_records = {}
        for alias, spec in raw_records.items():
            alias = str(alias)
            if not ALIAS.match(alias) or not isinstance(spec, Mapping) or not isinstance(spec.get("match"), str):
                bad(f"records.{alias} 应写 {{ledger: …, match: 条件}}", f"records.{alias} needs ledger/holding and match",
                    f"records.{alias}")
                continue
            ledgers = spec.get("ledger") or []
            ledgers = [ledgers] if isinstance(ledgers, str) else list(ledgers)
            holding = spec.get("holding") or []
            holding = [holding] if isinstance(holding, str) else list(holding)
            columns = spec.get("optional_columns") or []
            columns = [columns] if isinstance(columns, str) else list(columns)
            records.append(RecordRef(LedgerRef(alias, tuple(map(str, ledgers)), tuple(map(str, holding)),
                                               str(spec.get("subject") or ""), tuple(map(str, columns))),
                                     spec["match"], spec.get("optional") is True))
        criteria = []
        for i, c in enumerate(d.get("criteria") or []):
            if not isinstance(c, Mapping) or not isinstance(c.get("condition"), str) or not c.get("title"):
                bad(f"第{i + 1}条标准应写 id、title、condition", f"criterion {i + 1} needs id, title and condition",
                    f"criteria[{i}]")
                continue
            criteria.append(Criterion(str(c.get("id") or f"c{i + 1}"), str(c["title"]), c["condition"]))
        if not criteria:
            bad("缺少 criteria（资格标准）", "criteria is missing", "criteria")
        if problems:
            raise YbtError(problems)
        policy = cls(pid, title, str(d.get("department") or ""), tuple(records), tuple(criteria), tuple(params),
                     str(d.get("subject") or "person"), str(d.get("basis") or ""), str(d.get("description") or ""), file)
        policy.parsed()
        return policy


def load_policies(pack: str | Path = "yongchuan") -> list[PolicyDef]:
    """Every policy of the pack and its dependencies (a later pack's policy replaces one of the same id)."""
    policies: dict[str, PolicyDef] = {}
    problems: list[Problem] = []
    for p in resolve_packs(pack):
        for path in p.files("policies"):
            try:
                data = read_yaml(path)
                items = data.get("policies") if "policies" in data and "id" not in data else [data]
                for item in items or []:
                    policy = PolicyDef.from_dict(item, str(path))
                    policies[policy.id] = policy
            except YbtError as exc:
                problems += exc.problems
    if problems:
        raise YbtError(problems)
    return list(policies.values())
