"""Ledger definitions: which subject, which key, which columns (each column is an element)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.elements.model import SUBJECTS
from yibiaotong.errors import Problem, YbtError
from yibiaotong.packs import read_yaml

NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
ORG_UNIT_KEY = "_org_unit"  # a key part meaning "the record's org unit" (statistics kept per unit)


@dataclass(frozen=True)
class ColumnDef:
    element: str
    name: str = ""  # defaults to the element id

    @property
    def column(self) -> str:
        return self.name or self.element


@dataclass(frozen=True)
class LedgerDef:
    id: str
    name: str
    subject: str
    key: tuple[str, ...]
    columns: tuple[ColumnDef, ...]
    department: str = ""
    description: str = ""
    group: str = ""  # the consolidation's group tag (social_assistance, agriculture …), for browsing
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def table_name(self) -> str:
        return f"ledger_{self.id}"

    def column(self, name: str) -> ColumnDef:
        for col in self.columns:
            if col.column == name:
                return col
        raise YbtError(Problem("unknown-column", {"ledger": self.id, "column": name}))

    @property
    def column_names(self) -> list[str]:
        return [c.column for c in self.columns]

    def as_stored(self, dictionary: Dictionary, name: str, raw: Any) -> tuple[Any, list[Problem]] | None:
        """A value given for column ``name`` as the ledger holds it (a code list's label as its code),
        converted as a cell of it would be, with what is wrong with it; None when the ledger has no
        such column or the dictionary no element for it (a form's ``values``, written by an import
        and matched by a report)."""
        from yibiaotong.elements.validate import coerce

        if name not in self.column_names or self.column(name).element not in dictionary:
            return None
        return coerce(dictionary.element(self.column(name).element), raw, dictionary.codelists)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "subject": self.subject, "key": list(self.key),
                "department": self.department, "description": self.description,
                **({"group": self.group} if self.group else {}),
                "columns": [{"element": c.element, **({"name": c.name} if c.name else {})} for c in self.columns]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LedgerDef:
        try:
            columns = tuple(ColumnDef(element=c, name="") if isinstance(c, str)
                            else ColumnDef(element=c["element"], name=c.get("name", "")) for c in d.get("columns", []))
            key = d.get("key") or []
            return cls(id=str(d["id"]), name=str(d.get("name", d["id"])), subject=str(d.get("subject", "")),
                       key=tuple([key] if isinstance(key, str) else key), columns=columns,
                       department=str(d.get("department", "")), description=str(d.get("description", "")),
                       group=str(d.get("group") or ""))
        except (KeyError, TypeError) as exc:
            raise YbtError(Problem("invalid-definition", {"reason": f"台账定义缺少或写错了 {exc}"})) from exc

    @classmethod
    def from_file(cls, path: str | Path) -> LedgerDef:
        try:
            return cls.from_dict(read_yaml(Path(path)))
        except YbtError as exc:
            raise YbtError([p.at(file=str(path)) for p in exc.problems]) from exc

    def check(self, dictionary: Dictionary) -> list[Problem]:
        """Every problem of this definition against the dictionary (empty when it is sound)."""
        where = {"ledger": self.id}
        problems = []
        if not NAME.match(self.id):
            problems.append(Problem("invalid-definition", {"reason": f"台账标识“{self.id}”应为小写英文加下划线，最长60字符"}, where))
        if self.subject not in SUBJECTS:
            problems.append(Problem("invalid-definition", {"reason": f"主体类型“{self.subject}”应为 {'/'.join(sorted(SUBJECTS))} 之一"}, where))
        names = [c.column for c in self.columns]
        for name in {n for n in names if names.count(n) > 1}:
            problems.append(Problem("column-exists", {"ledger": self.id, "column": name}, where))
        for col in self.columns:
            if not NAME.match(col.column):
                problems.append(Problem("invalid-definition", {"reason": f"字段名“{col.column}”应为小写英文加下划线"}, where))
            if col.element not in dictionary:
                problems.append(Problem("unknown-element", {"element": col.element}, {**where, "column": col.column}))
        if not self.key:
            problems.append(Problem("invalid-definition", {"reason": "台账须指定主键字段（key）"}, where))
        for k in self.key:
            if k not in names and k != ORG_UNIT_KEY:
                problems.append(Problem("invalid-definition", {"reason": f"主键字段“{k}”不在字段列表中"}, where))
        return problems
