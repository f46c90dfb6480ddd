"""A person's review of the plan (人工审核): decisions kept in a YAML file next to the pack and
re-applied on every run, so re-running consolidation never loses anyone's work.

```yaml
fields:        # by file name, sheet and header path
  - {file: 低保户花名册.xlsx, sheet: Sheet1, header: 姓名, action: reassign, element: household_head_name}
  - {file: 入户调查表.xlsx, header: 子女情况, action: reject}      # not data a ledger keeps
  - {file: 入户调查表.xlsx, header: 家庭人口, action: accept}
elements:      # name a new element, or give it a stable id
  - {element: new_1a2b3c4d, name: 养殖规模（头）, id: livestock_head_count}
  - {element: x_xia_ci_sui_fang_ri_qi, validation: {}}   # the checks its values get, instead of the guess
ledgers:
  - {ledger: person_disability, rename: 残疾人信息台账}
  - {ledger: person_identity, split: {id: person_hukou_status, name: 户籍状态台账, elements: [hukou_status]}}
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from yibiaotong.elements.dictionary import validation_faults
from yibiaotong.errors import Problem, YbtError
from yibiaotong.packs import read_yaml

if TYPE_CHECKING:
    from yibiaotong.consolidate.ledgers import ElementInfo, ProposedLedger
    from yibiaotong.consolidate.plan import PlanForm

ACTIONS = ("accept", "reject", "reassign")


@dataclass
class Decisions:
    fields: list[dict] = field(default_factory=list)
    elements: list[dict] = field(default_factory=list)
    ledgers: list[dict] = field(default_factory=list)
    path: Path | None = None
    unused: set[int] = field(default_factory=set)  # field decisions that matched no field

    @classmethod
    def load(cls, path: str | Path | None) -> Decisions:
        if path is None or not Path(path).exists():
            return cls(path=Path(path) if path else None)
        data = read_yaml(Path(path))
        d = cls([dict(x) for x in data.get("fields") or []], [dict(x) for x in data.get("elements") or []],
                [dict(x) for x in data.get("ledgers") or []], Path(path))
        problems = [Problem("invalid-definition", {"reason": f"审核决定第{i}条：action 应为 {'/'.join(ACTIONS)}，"
                                                             f"reassign 须写 element"}, {"file": str(path), "record": i})
                    for i, x in enumerate(d.fields, start=1)
                    if x.get("action") not in ACTIONS or (x.get("action") == "reassign" and not x.get("element"))
                    or not x.get("header")]
        problems += [Problem("invalid-definition", {"reason": f"数据元决定第{i}条：{fault}"}, {"file": str(path), "record": i})
                     for i, x in enumerate(d.elements, start=1) for fault in validation_faults(x.get("validation"))]
        if problems:
            raise YbtError(problems)
        d.unused = set(range(len(d.fields)))
        return d

    def save(self, path: str | Path | None = None) -> None:
        target = Path(path or self.path)
        data = {k: v for k, v in (("fields", self.fields), ("elements", self.elements), ("ledgers", self.ledgers)) if v}
        header = "# 梳理结果的人工审核决定：每次重新梳理都会重新应用，请勿手工打乱顺序。\n"
        target.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")

    def decide_field(self, file: str, header: str, action: str, element: str | None = None, sheet: str | None = None,
                     by: str | None = None, note: str | None = None) -> None:
        """Record (or replace) the decision on one field."""
        if action not in ACTIONS or (action == "reassign" and not element):
            raise YbtError(Problem("invalid-definition", {"reason": f"action 应为 {'/'.join(ACTIONS)}，reassign 须指定数据元"}))
        entry = {"file": Path(file).name, "sheet": sheet, "header": header, "action": action, "element": element,
                 "by": by, "note": note}
        entry = {k: v for k, v in entry.items() if v is not None}
        self.fields = [x for x in self.fields if not _same_field(x, entry)] + [entry]

    # --- applying -------------------------------------------------------------------------

    def apply_fields(self, form: PlanForm) -> None:
        for i, d in enumerate(self.fields):
            if Path(d.get("file", "")).name not in ("", Path(form.source).name):
                continue
            if d.get("sheet") and d["sheet"] != form.sheet:
                continue
            for f in form.fields:
                if f.header != d["header"]:
                    continue
                self.unused.discard(i)
                f.decided = d["action"]
                who = f"（{d['by']}）" if d.get("by") else ""
                if d["action"] == "reject":
                    f.element, f.confidence, f.reason = None, 1.0, f"人工审核{who}：不入台账" + (f"，{d['note']}" if d.get("note") else "")
                elif d["action"] == "reassign":
                    f.element, f.confidence, f.reason = d["element"], 1.0, f"人工审核{who}：改为 {d['element']}"
                else:
                    f.confidence, f.reason = 1.0, f"人工审核{who}确认：{f.reason}"

    def apply_elements(self, elements: dict[str, ElementInfo]) -> None:
        for d in self.elements:
            e = elements.get(d.get("element", ""))
            if e is None:
                continue
            if d.get("name"):
                e.name = d["name"]
            if d.get("subject"):
                e.subject = d["subject"]
            if d.get("group"):
                e.group = d["group"]
            if "validation" in d:  # {} takes back a guessed rule (not_future on a date that may lie ahead)
                e.validation = dict(d["validation"] or {})

    def apply_ledgers(self, ledgers: list[ProposedLedger], element_ledger: dict[str, str]) -> list[ProposedLedger]:
        from yibiaotong.consolidate.ledgers import ProposedLedger

        by_id = {lg.id: lg for lg in ledgers}
        for d in self.ledgers:
            lg = by_id.get(d.get("ledger", ""))
            if lg is None:
                continue
            if d.get("rename"):
                lg.name = d["rename"]
            split = d.get("split")
            if split:
                moving = [e for e in split.get("elements", []) if e in lg.home]
                if not moving:
                    continue
                lg.home = [e for e in lg.home if e not in moving]
                lg.columns = [c for c in lg.columns if c not in moving]
                fixed = [c for c in lg.columns if c not in lg.home]
                new = ProposedLedger(split["id"], split.get("name", split["id"]), lg.subject, lg.group, list(lg.key),
                                     fixed + moving, moving)
                by_id[new.id] = new
                for e in moving:
                    element_ledger[e] = new.id
        return [lg for lg in by_id.values() if lg.home]


def _same_field(a: dict, b: dict) -> bool:
    return (Path(a.get("file", "")).name, a.get("sheet"), a.get("header")) == (b["file"], b.get("sheet"), b["header"])
