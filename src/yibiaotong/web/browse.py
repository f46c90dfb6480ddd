"""The browsing parameters shared by the ledger page and the API: org unit, search, filters, sort."""

from __future__ import annotations

from typing import Any

from yibiaotong.access.records import Query
from yibiaotong.access.scope import LedgerAccess, Scope
from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.elements.validate import mask
from yibiaotong.errors import Problem, YbtError


def parse_filters(items: list[str]) -> dict[str, str]:
    """``column:value`` pairs (the value may contain colons)."""
    out = {}
    for item in items:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise YbtError(Problem("invalid-request", {"reason": f"筛选条件应写成“字段:值”：{mask_text(item)}",
                                                      "reason_en": "a filter is column:value"}))
        out[name.strip()] = value.strip()
    return out


def mask_text(text: str) -> str:
    from yibiaotong.access.redact import redact

    return redact(text)[:100]


def build_query(scope: Scope, access: LedgerAccess, *, org_unit: str | None, q: str, filters: list[str],
                sort: str | None, desc: bool) -> Query:
    units = scope.unit_filter(org_unit)
    if units is not None:
        access.narrow(units)
    return Query(units=units, search=q or "", filters=parse_filters(filters), sort=sort or None, descending=desc)


def column_info(dictionary: Dictionary, access: LedgerAccess) -> list[dict[str, Any]]:
    """What a page or a client needs to know of each readable column."""
    out = []
    for name in access.columns:
        element = dictionary.element(access.definition.column(name).element)
        out.append({"name": name, "element": element.id, "label": element.name, "label_en": element.name_en,
                    "type": element.type, "codelist": element.codelist, "unit": element.unit,
                    "sensitivity": element.sensitivity, "masked": name in access.masked,
                    "writable": name in access.writable, "revealable": access.may_reveal(name)})
    return out


def filter_label(dictionary: Dictionary, access: LedgerAccess, name: str, value: str) -> str:
    element = dictionary.element(access.definition.column(name).element)
    shown = mask(element, value) if name in access.masked else value
    return f"{element.name} = {shown or '（空）'}"


def column_label(dictionary: Dictionary, access: LedgerAccess, name: str) -> str:
    """A readable column's label (its element's name); the name itself for anything else."""
    if not access.may_read(name):
        return name
    return dictionary.element(access.definition.column(name).element).name
