"""The consolidation plan (梳理结果): forms → fields → elements → ledgers, with metrics.

``consolidate()`` reads templates, matches every field to an element (or a new shared one),
applies a person's review decisions, proposes ledgers and measures the result. The JSON it
writes is a contract other tools read (see the README of `ybt consolidate`): keep keys stable.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from yibiaotong.consolidate.knowledge import Knowledge
from yibiaotong.consolidate.ledgers import ElementInfo, ProposedLedger, form_domain, home_of, propose
from yibiaotong.consolidate.matcher import Match, Matcher, item_view
from yibiaotong.consolidate.newelements import Unmatched, cluster
from yibiaotong.consolidate.review import Decisions
from yibiaotong.files import write_text_whole
from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.errors import Problem
from yibiaotong.forms.model import FormTemplate, TemplateField
from yibiaotong.forms.reader import read_templates

TEMPLATE_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv", ".ods"}
# breakdown words that mean nothing without their parent header: 其中/女, 本期/金额
_BARE = {"男", "女", "合计", "小计", "总计", "人数", "户数", "金额", "本期", "上期", "同期", "其他", "数量", "个数", "面积", "其中"}


@dataclass
class PlanField:
    header: str
    element: str | None
    ledger: str | None
    confidence: float
    reason: str
    served: bool
    unit: str | None = None
    decided: str | None = None  # accept | reject | reassign, when a person decided

    def to_dict(self) -> dict:
        d = {"header": self.header, "element": self.element, "ledger": self.ledger,
             "confidence": round(self.confidence, 2), "reason": self.reason, "served": self.served}
        if self.unit:
            d["unit"] = self.unit
        if self.decided:
            d["decided"] = self.decided
        return d


@dataclass
class PlanForm:
    source: str
    sheet: str
    title: str | None
    layout: str
    layout_reason: str
    fields: list[PlanField] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"source": self.source, "sheet": self.sheet, "title": self.title, "layout": self.layout,
                "layout_reason": self.layout_reason, "fields": [f.to_dict() for f in self.fields]}


@dataclass
class Plan:
    forms: list[PlanForm]
    elements: dict[str, ElementInfo]
    ledgers: list[ProposedLedger]
    skipped: list[Problem]
    metrics: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        element_ledger = {m: lg.id for lg in self.ledgers for m in lg.home}
        return {
            "forms": [f.to_dict() for f in self.forms],
            "elements": [{"id": e.id, "name": e.name, "new": e.new, "subject": e.subject, "group": e.group,
                          "type": e.type, "unit": e.unit, "ledger": element_ledger.get(e.id), "fields": e.fields,
                          "labels": e.labels}
                         for e in sorted(self.elements.values(), key=lambda e: e.id) if e.fields],
            "ledgers": [lg.to_dict() for lg in self.ledgers],
            "metrics": self.metrics,
            "skipped": [p.to_dict() for p in self.skipped],
        }

    def write(self, path: str | Path) -> None:
        write_text_whole(Path(path), json.dumps(self.to_dict(), ensure_ascii=False, indent=1))


def template_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files given and the templates inside directories given, in a stable order."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix.lower() in TEMPLATE_SUFFIXES
                          and not f.name.startswith(("~$", ".")))
        else:
            out.append(p)
    return out


def consolidate(paths: Iterable[str | Path], dictionary: Dictionary, knowledge: Knowledge,
                decisions: Decisions | None = None) -> Plan:
    matcher = Matcher(dictionary, knowledge)
    templates: list[FormTemplate] = []
    skipped: list[Problem] = []
    for path in template_files(paths):
        result = read_templates(path)
        templates += result.forms
        skipped += result.skipped
    return build_plan(templates, matcher, decisions or Decisions(), skipped)


def build_plan(templates: list[FormTemplate], matcher: Matcher, decisions: Decisions,
               skipped: list[Problem] | None = None) -> Plan:
    k, norm = matcher.k, matcher.norm
    templates = [_with_serial(t) for t in templates]
    matches = [matcher.match_form(t) for t in templates]
    unmatched = []
    for i, (t, ms) in enumerate(zip(templates, matches)):
        row_units: dict[str, str | None] = {}  # an indicator row's unit: its first value column's
        for f in t.fields:
            if f.indicator:
                row_units.setdefault(f.indicator, f.unit)
        for j, (f, m) in enumerate(zip(t.fields, ms)):
            if m is None:
                item = item_view(f)
                unmatched.append(Unmatched(i, j, _new_key(norm, item, t.layout), _owner(norm, item),
                                           item.path[-1] if item.path else item.label, f.unit,
                                           norm.label(f.value_column) if f.value_column else None,
                                           row_units.get(f.indicator) if f.indicator else None))
    new_elements, new_of = cluster(unmatched)
    elements: dict[str, ElementInfo] = {}
    for e in dictionary_elements(matcher.dictionary):
        elements[e.id] = e
    for n in new_elements:
        elements[n.id] = ElementInfo(n.id, n.name, None, None, new=True, labels=[lbl for lbl, _ in n.labels.most_common()],
                                     unit=n.units.most_common(1)[0][0] if n.units else None, owner=n.owner)

    forms: list[PlanForm] = []
    for i, (t, ms) in enumerate(zip(templates, matches)):
        pf = PlanForm(Path(t.source).as_posix(), t.sheet, t.title, t.layout, t.layout_reason)
        for j, (f, m) in enumerate(zip(t.fields, ms)):
            if m is None:
                m = Match(new_of[(i, j)], 0.5, f"数据元目录中没有“{f.label}”，新建数据元")
            pf.fields.append(PlanField(f.header, m.element, None, m.confidence, m.reason, False, f.unit))
        decisions.apply_fields(pf)
        forms.append(pf)
    _place_new_elements(forms, elements, k)
    decisions.apply_elements(elements)
    for pf in forms:
        for f in pf.fields:
            if f.element:
                elements[f.element].fields += 1
    ledgers, element_ledger = propose(elements, k, set(matcher.dictionary.elements))
    ledgers = decisions.apply_ledgers(ledgers, element_ledger)
    element_ledger = {m: lg.id for lg in ledgers for m in lg.home}
    for pf in forms:
        for f in pf.fields:
            e = elements.get(f.element) if f.element else None
            f.ledger = element_ledger.get(f.element) if f.element else None
            # form-level elements (序号, 统计月份, 填表日期) are filled by the report writer
            f.served = bool(f.ledger) or (e is not None and e.subject is None and e.group not in k.unserved_groups)
    plan = Plan(forms, elements, ledgers, skipped or [])
    plan.metrics = metrics(plan)
    return plan


def _with_serial(t: FormTemplate) -> FormTemplate:
    """The 序号 column is a field too (row_no: the report writer fills it), in its column's place."""
    if not t.serial_label or not t.serial_column or any(f.column == t.serial_column and f.label == t.serial_label
                                                         for f in t.fields):
        return t
    serial = TemplateField(header=t.serial_label, path=(t.serial_label,), label=t.serial_label,
                           row=(t.header_rows or (1, 1))[0], column=t.serial_column, value_cell=None)
    at = next((i for i, f in enumerate(t.fields) if f.column > t.serial_column), len(t.fields)) \
        if t.layout == "roster" else 0
    return replace(t, fields=[*t.fields[:at], serial, *t.fields[at:]])


def dictionary_elements(dictionary: Dictionary) -> list[ElementInfo]:
    return [ElementInfo(e.id, e.name, e.subject, e.group, labels=list(e.labels), unit=e.unit, type=e.type)
            for e in dictionary.elements.values()]


def _owner(norm, f) -> str | None:
    for p in reversed([*(f.path[:-1] if f.path else ()), *([f.subtable] if f.subtable else [])]):
        owner = norm.owner_of_section(p)
        if owner:
            return owner
    return norm.split_owner(norm.label(f.label))[0]


def _new_key(norm, f, layout: str) -> str:
    """What identifies a new element: the leaf label, or the whole path where the leaf alone says
    nothing (indicator rows, 其中/女 under a parent)."""
    leaf = norm.label(f.path[-1] if f.path else f.label)
    if layout == "indicator" or leaf in _BARE or len(leaf) <= 1:
        return "/".join(norm.label(p) for p in f.path) if f.path else leaf
    return leaf


def _place_new_elements(forms: list[PlanForm], elements: dict[str, ElementInfo], k: Knowledge) -> None:
    """A new element belongs where most of the forms it appears in belong (subject, group)."""
    votes: dict[str, Counter] = {}
    for pf in forms:
        # a form's domain is its record's: its household members' columns (家庭成员情况) do not vote
        known = [f.element for f in pf.fields
                 if f.element and not elements[f.element].new and "family_member" not in (
                     elements[f.element].owner, elements[f.element].group)
                 # a statistics table's rows that count flagged persons (其中：重度残疾 → is_severely_disabled)
                 # say nothing of the table's domain: its own figures are the area's
                 and not (pf.layout == "indicator" and elements[f.element].type == "boolean")]
        subject, group = form_domain(known, elements, k)
        if pf.layout == "indicator":
            subject = "area"
            # a statistics table's own indicators belong to its domain, which its title names best
            group = k.title_domain(pf.title) or group
        for f in pf.fields:
            if f.element and elements[f.element].new:
                votes.setdefault(f.element, Counter())[(subject or "person", group or k.title_domain(pf.title) or "misc")] += 1
    for element_id, counter in votes.items():
        (subject, group), _n = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        e = elements[element_id]
        owner_subject = {"household_head": "household", "family_member": "person"}.get(e.owner or "")
        e.subject = owner_subject or subject
        e.group = "family_member" if e.owner == "family_member" else group


def metrics(plan: Plan) -> dict:
    fields = [f for pf in plan.forms for f in pf.fields]
    used = {f.element for f in fields if f.element}
    served = sum(f.served for f in fields)
    ledger_fields = sum(len(lg.columns) for lg in plan.ledgers)
    return {
        "forms": len(plan.forms),
        "fields": len(fields),
        "fields_matched_to_dictionary": sum(1 for f in fields if f.element and not plan.elements[f.element].new),
        "fields_new_elements": sum(1 for f in fields if f.element and plan.elements[f.element].new),
        "distinct_elements": len(used),
        "new_elements": sum(1 for e in used if plan.elements[e].new),
        "ledgers": len(plan.ledgers),
        "ledger_fields": ledger_fields,
        "fields_served": served,
        "fields_served_share": round(served / len(fields), 4) if fields else 0.0,
        "forms_fully_served": sum(1 for pf in plan.forms if pf.fields and all(f.served for f in pf.fields)),
        "forms_to_ledgers": f"{len(plan.forms)} → {len(plan.ledgers)}",
        "fields_to_elements": f"{len(fields)} → {len(used)}",
        "field_reduction": round(1 - len(used) / len(fields), 4) if fields else 0.0,
        "low_confidence_fields": sum(1 for f in fields if f.confidence < 0.7),
        "skipped_sheets": len(plan.skipped),
    }


__all__ = ["Plan", "PlanField", "PlanForm", "consolidate", "home_of", "template_files"]
