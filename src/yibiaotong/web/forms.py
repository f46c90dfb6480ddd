"""Edit forms: one input per writable column, typed by its data element, and the changes a form makes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from yibiaotong.access.scope import LedgerAccess
from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.elements.validate import mask

MAX_OPTIONS = 300  # longer code lists get a text box (codes or labels are both accepted)


@dataclass
class Field:
    name: str
    label: str
    kind: str  # text | select | date | number
    value: str  # what the input holds
    options: list[tuple[str, str]]
    masked: bool
    placeholder: str
    unit: str | None
    error: str = ""


def form_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def fields(dictionary: Dictionary, access: LedgerAccess, row: Mapping[str, Any],
           submitted: Mapping[str, str] | None = None) -> list[Field]:
    out = []
    for name in access.columns:
        if name not in access.writable:
            continue
        element = dictionary.element(access.definition.column(name).element)
        current = row.get(name)
        masked = name in access.masked
        # a masked value never goes into the page: its box stays empty, and empty means "unchanged"
        value = "" if masked else form_value(current)
        if submitted is not None and f"v_{name}" in submitted:
            value = submitted[f"v_{name}"]
        kind, options = "text", []
        if element.type == "boolean":
            kind, options = "select", [("", ""), ("是", "是"), ("否", "否")]
        elif element.type == "code" and element.codelist in dictionary.codelists:
            items = dictionary.codelists[element.codelist].items
            if len(items) <= MAX_OPTIONS:
                kind, options = "select", [("", ""), *((i.code, i.label) for i in items)]
        elif element.type == "date":
            kind = "date"
        elif element.type in ("integer", "decimal", "amount", "year"):
            kind = "number"
        placeholder = mask(element, current) if masked and current is not None else ""
        out.append(Field(name, element.name, kind, value, options, masked, placeholder, element.unit))
    return out


def changes(access: LedgerAccess, row: Mapping[str, Any], submitted: Mapping[str, str]) -> dict[str, str]:
    """The values the user actually changed: untouched boxes (and empty masked ones) change nothing."""
    out = {}
    for name in access.writable:
        key = f"v_{name}"
        if key not in submitted:
            continue
        new = str(submitted[key]).strip()
        if name in access.masked:
            if new:
                out[name] = new
        elif new != form_value(row.get(name)):
            out[name] = new
    return out
