"""How a value is written into a cell (单元格类型): numbers as numbers, dates as dates, ID numbers
and phone numbers as text, codes as their labels, sensitive values masked, and text that Excel
would take for a formula (= + - @ at the start) marked as text.

A converter turns a value into ``(kind, value)``; kinds: ``n`` number, ``s`` text, ``q`` text that
must be shown as typed (quote prefix), ``d`` date/datetime, ``b`` blank. One converter is built
per column, so the per-cell work is a few dictionary lookups.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from yibiaotong.elements.model import CodeList, Element
from yibiaotong.elements.numbers import unit_factor
from yibiaotong.elements.validate import mask

Converter = Callable[[Any], tuple[str, Any]]
NUMBER_TYPES = frozenset({"integer", "decimal", "amount", "year"})
TEXT_TYPES = frozenset({"id_number", "phone", "mobile", "postcode", "text", "code", "month"})
FORMULA_START = ("=", "+", "-", "@")
BLANK = ("b", None)


def masked(element: Element | None) -> bool:
    """Values people see only with permission: ID numbers, phones, and PIPL-sensitive data."""
    return element is not None and (element.type in ("id_number", "phone", "mobile") or element.is_sensitive)


def text_cell(text: str) -> tuple[str, str]:
    return ("q" if text.startswith(FORMULA_START) else "s", text)


def number_format(kind: str, unit: str | None) -> str | None:
    if kind == "amount" or (kind == "decimal" and unit and "元" in unit):
        # amounts are kept to the 分: a form asking in 万元 shows the digits that takes (1,780 元 is
        # 0.178 万元, not 0.18), since a report saved as CSV keeps what Excel shows, not the value
        factor = unit_factor(unit.split("/")[0], "元") if unit else None
        extra = len(str(int(factor))) - 1 if factor is not None and factor > 1 else 0
        return "0.00" + "#" * extra
    if kind == "decimal":
        return "0.##"
    return None


def converter(kind: str, element: Element | None = None, codelist: CodeList | None = None, *,
              reveal: bool = False, form_unit: str | None = None) -> Converter:
    """A converter for values of one field; ``kind`` is the element type (or an expression type)."""
    if not reveal and masked(element):
        el = element

        def hidden(v: Any) -> tuple[str, Any]:
            return BLANK if v is None or v == "" else ("s", mask(el, v))

        return hidden
    if codelist is not None:
        labels = {item.code: item.label for item in codelist.items}

        def code(v: Any) -> tuple[str, Any]:
            if v is None or v == "":
                return BLANK
            return text_cell(labels.get(v, str(v)))

        return code
    if kind in NUMBER_TYPES:
        factor = None
        source = element.unit if element else None
        if not source and (kind == "amount" or (element is not None and element.type == "amount")):
            source = "元"
        if form_unit and source and form_unit != source:
            f = unit_factor(source, form_unit)
            factor = float(f) if f is not None and f != 1 else None

        def number(v: Any) -> tuple[str, Any]:
            if v is None:
                return BLANK
            if isinstance(v, bool):
                return ("s", "是" if v else "否")
            if isinstance(v, (Decimal, float)):
                v = float(v)
            elif not isinstance(v, int):
                try:
                    v = float(v)
                except (TypeError, ValueError):
                    return text_cell(str(v))
            return ("n", v * factor if factor else v)

        return number
    if kind in ("date", "datetime"):
        def when(v: Any) -> tuple[str, Any]:
            if v is None:
                return BLANK
            if isinstance(v, datetime):
                return ("d", v.replace(tzinfo=None))
            if isinstance(v, date):
                return ("d", v)
            return text_cell(str(v))

        return when
    if kind == "boolean":
        return lambda v: BLANK if v is None else ("s", "是" if v else "否")
    if kind == "month":
        def month(v: Any) -> tuple[str, Any]:
            if v is None or v == "":
                return BLANK
            text = str(v)
            if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
                return ("s", f"{text[:4]}年{int(text[5:])}月")
            return text_cell(text)

        return month

    def text(v: Any) -> tuple[str, Any]:
        if v is None or v == "":
            return BLANK
        if isinstance(v, bool):
            return ("s", "是" if v else "否")
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return text_cell(v if isinstance(v, str) else str(v))

    return text
