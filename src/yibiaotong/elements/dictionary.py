"""The data-element dictionary (数据元目录): elements and code lists from packs, kept in the database."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select

from yibiaotong.elements.model import (
    CATEGORIES,
    DATE_TYPES,
    ELEMENT_TYPES,
    ROLES,
    SENSITIVITIES,
    SUBJECTS,
    VALIDATION_RULES,
    CodeItem,
    CodeList,
    Element,
)
from yibiaotong.errors import Problem, YbtError
from yibiaotong.packs import Pack, read_yaml, resolve_packs
from yibiaotong.store import schema

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class Dictionary:
    """Every element and code list a deployment knows, looked up by id."""

    def __init__(self, elements: Iterable[Element] = (), codelists: Iterable[CodeList] = ()):
        self.elements: dict[str, Element] = {e.id: e for e in elements}
        self.codelists: dict[str, CodeList] = {c.id: c for c in codelists}

    def element(self, element_id: str) -> Element:
        try:
            return self.elements[element_id]
        except KeyError:
            raise YbtError(Problem("unknown-element", {"element": element_id})) from None

    def codelist(self, codelist_id: str) -> CodeList:
        try:
            return self.codelists[codelist_id]
        except KeyError:
            raise YbtError(Problem("unknown-codelist", {"codelist": codelist_id})) from None

    def __len__(self) -> int:
        return len(self.elements)

    def __contains__(self, element_id: object) -> bool:
        return element_id in self.elements

    # --- loading ---------------------------------------------------------------------------

    @classmethod
    def from_packs(cls, packs: Iterable[Pack], exclude: frozenset[str] = frozenset()) -> Dictionary:
        """Load and check every pack; raises one error listing all problems found.

        ``exclude`` names element files to leave out (consolidation skips its own output)."""
        elements: dict[str, Element] = {}
        codelists: dict[str, CodeList] = {}
        problems: list[Problem] = []
        for pack in packs:
            for path in pack.files("codelists"):
                for cl in _codelists_from_file(path, pack.id, problems):
                    if cl.id in codelists:
                        problems.append(Problem("duplicate-id", {"id": cl.id}, {"file": str(path)}))
                    codelists[cl.id] = cl
            for path in pack.files("elements"):
                if path.name in exclude:
                    continue
                for el in _elements_from_file(path, pack.id, problems):
                    if el.id in elements:
                        problems.append(Problem("duplicate-id", {"id": el.id}, {"file": str(path)}))
                    elements[el.id] = el
        for el in elements.values():
            if el.codelist and el.codelist not in codelists:
                problems.append(Problem("unknown-codelist", {"codelist": el.codelist}, {"element": el.id}))
        if problems:
            raise YbtError(problems)
        return cls(elements.values(), codelists.values())

    @classmethod
    def for_pack(cls, pack: str | Path = "standard") -> Dictionary:
        return cls.from_packs(resolve_packs(pack))

    @classmethod
    def from_db(cls, engine: Engine) -> Dictionary:
        with engine.connect() as conn:
            cls_rows = conn.execute(select(schema.codelist.c.definition)).scalars().all()
            el_rows = conn.execute(select(schema.element.c.definition)).scalars().all()
        return cls([_element(d) for d in el_rows], [_codelist(d) for d in cls_rows])

    def save(self, engine: Engine) -> None:
        """Replace the dictionary held in the database with this one, in one transaction."""
        with engine.begin() as conn:
            conn.execute(delete(schema.element))
            conn.execute(delete(schema.codelist))
            if self.codelists:
                conn.execute(insert(schema.codelist), [
                    {"id": c.id, "name": c.name, "pack": c.pack, "definition": _codelist_dict(c)}
                    for c in self.codelists.values()])
            if self.elements:
                conn.execute(insert(schema.element), [
                    {"id": e.id, "name": e.name, "type": e.type, "pack": e.pack, "definition": asdict(e)}
                    for e in self.elements.values()])


def _elements_from_file(path: Path, pack_id: str, problems: list[Problem]) -> list[Element]:
    data = read_yaml(path)
    default_category = data.get("category", "application")
    out = []
    for i, raw in enumerate(data.get("elements") or [], start=1):
        where = {"file": str(path), "record": i}
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("name"):
            problems.append(Problem("invalid-definition", {"reason": "数据元须有 id 和 name"}, where))
            continue
        where["element"] = raw["id"]
        raw = {**raw, "category": raw.get("category", default_category), "pack": pack_id}
        element_problems = _check_element(raw)
        problems.extend(p.at(**where) for p in element_problems)
        if not element_problems:
            out.append(_element(raw))
    return out


def _check_element(raw: dict) -> list[Problem]:
    reasons = []
    if not ID_PATTERN.match(str(raw["id"])):
        reasons.append(f"标识 {raw['id']!r} 应为小写英文加下划线")
    for key, allowed in (("type", ELEMENT_TYPES), ("sensitivity", set(SENSITIVITIES)), ("subject", SUBJECTS),
                         ("role", ROLES), ("category", CATEGORIES)):
        value = raw.get(key)
        if value is not None and value not in allowed:
            reasons.append(f"{key} 取值 {value!r} 不在 {sorted(allowed)} 中")
    if raw.get("type") == "code" and not raw.get("codelist"):
        reasons.append("代码型数据元须指定 codelist")
    reasons += validation_faults(raw.get("validation"), raw.get("type") or "text")
    return [Problem("invalid-definition", {"reason": r}) for r in reasons]


def validation_faults(rules: object, kind: str | None = None) -> list[str]:
    """What is wrong with an element's ``validation`` (in a pack, or decided in decisions.yaml, where
    the type is still a guess: ``kind`` None): a misspelt rule would check nothing, silently."""
    if not rules:  # none, or empty
        return []
    if not isinstance(rules, dict):
        return ["validation 应为键值对，如 {min: 0}"]
    faults = [f"validation 中的 {k!r} 不是已知规则（{'、'.join(sorted(VALIDATION_RULES))}）"
              for k in rules if k not in VALIDATION_RULES]
    if kind is not None and rules.get("not_future") and kind not in DATE_TYPES:
        faults.append("not_future 只用于日期、年月、年份类数据元")
    if kind is not None and rules.get("person_name") and kind != "text":
        faults.append("person_name 只用于文本类数据元（人的姓名）")
    return faults


def _element(d: dict) -> Element:
    return Element(
        id=d["id"], name=str(d["name"]), type=d.get("type") or "text", name_en=d.get("name_en") or "",
        aliases=tuple(str(a) for a in d.get("aliases") or ()), codelist=d.get("codelist"), unit=d.get("unit"),
        sensitivity=d.get("sensitivity") or "internal", subject=d.get("subject"), role=d.get("role"),
        group=d.get("group"), category=d.get("category") or "application",
        validation=dict(d.get("validation") or {}), description=d.get("description") or "", pack=d.get("pack", ""),
    )


def _codelists_from_file(path: Path, pack_id: str, problems: list[Problem]) -> list[CodeList]:
    data = read_yaml(path)
    if not data.get("id") or not isinstance(data.get("items"), list):
        problems.append(Problem("invalid-definition", {"reason": "代码表须有 id 和 items"}, {"file": str(path)}))
        return []
    seen: set[str] = set()
    for item in data["items"]:
        code = str(item.get("code"))
        if code in seen:
            problems.append(Problem("duplicate-id", {"id": f"{data['id']}:{code}"}, {"file": str(path)}))
        seen.add(code)
    return [_codelist({**data, "pack": pack_id})]


def _codelist(d: dict) -> CodeList:
    items = tuple(
        CodeItem(code=str(i["code"]), label=str(i["label"]), aliases=tuple(str(a) for a in i.get("aliases") or ()),
                 parent=str(i["parent"]) if i.get("parent") is not None else None)
        for i in d["items"])
    return CodeList(id=d["id"], name=str(d.get("name", d["id"])), items=items, standard=str(d.get("standard", "")),
                    pack=d.get("pack", ""))


def _codelist_dict(c: CodeList) -> dict:
    return {"id": c.id, "name": c.name, "standard": c.standard, "pack": c.pack,
            "items": [{"code": i.code, "label": i.label, "aliases": list(i.aliases), "parent": i.parent}
                      for i in c.items]}
