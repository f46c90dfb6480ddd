"""Form definitions (报表定义): which element and ledger column each field of a template is.

Produced from the consolidation plan and kept in the pack as YAML next to the template
(``<template stem>.yaml``); people edit them freely. Intake reads them to put a filled form's
values into ledgers; report generation reads them (plus optional expressions) to fill the
template from ledgers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from yibiaotong.errors import Problem, YbtError
from yibiaotong.packs import read_yaml


@dataclass
class FieldDef:
    header: str
    element: str | None = None
    ledger: str | None = None
    column: str | None = None  # the ledger column; the element id unless a ledger renames it
    unit: str | None = None  # the unit printed on the form (万元 while the ledger keeps 元)
    served: bool = True  # False: filled per submission (signatures, opinions), no ledger holds it
    expression: str | None = None  # reports: a derived value, e.g. age(birth_date)
    aggregate: str | None = None  # indicator tables: e.g. count_if(gender = '2')
    # a yes/no column standing for codes of the element's code list (是否到账 for 发放状态:
    # {"是": "2", "否": "3"}): read as those codes, and written back as those answers
    answers: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None and not (k == "served" and v)}


@dataclass
class ColumnRecords:
    """One column of a form making records of its own (see :attr:`FormDef.column_records`): where its
    cell is filled, the row writes a record holding that value in ``column`` and ``values`` beside it."""
    header: str
    column: str
    values: dict[str, Any]


@dataclass
class FormDef:
    id: str
    title: str
    layout: str
    template: str  # file name of the template, beside the definition
    sheet: str | None = None
    department: str = ""
    fields: list[FieldDef] = field(default_factory=list)
    filter: str | None = None  # reports: which records, in the expression language
    extra: dict[str, Any] = field(default_factory=dict)
    path: Path | None = field(default=None, compare=False)

    @property
    def template_path(self) -> Path | None:
        return self.path.with_name(self.template) if self.path else None

    @property
    def values(self) -> dict[str, dict[str, Any]]:
        """What every row of the form is though no column says it, per ledger and column (``values:
        {event_payment: {payment_type: 高龄津贴}}`` on a 高龄津贴 roster): an import writes them, a
        report reads the records that hold them."""
        given = self.extra.get("values") or {}
        if not isinstance(given, dict) or not all(isinstance(v, dict) for v in given.values()):
            raise YbtError(Problem("invalid-definition", {"reason": "values 应为“台账: {字段: 值}”"},
                                   {"file": str(self.path) if self.path else None}))
        return given

    @property
    def column_records(self) -> dict[str, list[ColumnRecords]]:
        """Columns whose filled cells are records of their own in a ledger, per ledger
        (``column_records: {event_payment: [{header: 补贴金额/生活补贴（元）, column: paid_amount,
        values: {payment_type: 困难残疾人生活补贴}}, …]}`` on 残疾人两项补贴资金发放明细表): one row of the
        form is a payment of each subsidy whose amount it gives."""
        given = self.extra.get("column_records") or {}
        out: dict[str, list[ColumnRecords]] = {}
        try:
            for ledger, entries in given.items():
                out[str(ledger)] = [ColumnRecords(str(e["header"]), str(e["column"]), dict(e.get("values") or {}))
                                    for e in entries]
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise YbtError(Problem("invalid-definition", {
                "reason": "column_records 应为“台账: [{header: 表头, column: 字段, values: {字段: 值}}]”"},
                {"file": str(self.path) if self.path else None})) from exc
        return out

    @property
    def ledgers(self) -> list[str]:
        return list(dict.fromkeys(f.ledger for f in self.fields if f.ledger))

    def field(self, header: str) -> FieldDef:
        for f in self.fields:
            if f.header == header:
                return f
        raise YbtError(Problem("unknown-column", {"ledger": self.id, "column": header}))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "title": self.title, "department": self.department, "layout": self.layout,
                             "template": self.template, "sheet": self.sheet}
        if self.filter:
            d["filter"] = self.filter
        d.update(self.extra)
        d["fields"] = [f.to_dict() for f in self.fields]
        return {k: v for k, v in d.items() if v not in (None, "")}

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: Path | None = None) -> FormDef:
        known = {"id", "title", "department", "layout", "template", "sheet", "filter", "fields"}
        try:
            fields = [FieldDef(**{k: v for k, v in f.items() if k in FieldDef.__dataclass_fields__})
                      for f in d.get("fields") or []]
            return cls(id=str(d["id"]), title=str(d.get("title", d["id"])), layout=str(d.get("layout", "roster")),
                       template=str(d.get("template", "")), sheet=d.get("sheet"), department=str(d.get("department", "")),
                       fields=fields, filter=d.get("filter"), extra={k: v for k, v in d.items() if k not in known},
                       path=path)
        except (KeyError, TypeError) as exc:
            raise YbtError(Problem("invalid-definition", {"reason": f"报表定义缺少或写错了 {exc}"},
                                   {"file": str(path) if path else None})) from exc

    @classmethod
    def load(cls, path: str | Path) -> FormDef:
        path = Path(path)
        return cls.from_dict(read_yaml(path), path)

    def save(self, path: str | Path | None = None) -> Path:
        target = Path(path or self.path)
        header = "# 报表定义：由报表梳理自动生成，可手工修改（字段对应的数据元、台账、单位、表达式）。\n"
        target.write_text(header + yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=120),
                          encoding="utf-8")
        self.path = target
        return target


def load_form_defs(folder: str | Path) -> list[FormDef]:
    """Every form definition in a folder (YAML files with a `fields` list), in name order."""
    out = []
    for path in sorted(Path(folder).glob("*.yaml")):
        data = read_yaml(path)
        if isinstance(data.get("fields"), list) and data.get("id"):
            out.append(FormDef.from_dict(data, path))
    return out
