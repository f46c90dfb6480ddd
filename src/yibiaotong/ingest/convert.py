"""Per-column converters, compiled once per sheet (值转换).

:func:`yibiaotong.elements.validate.coerce` is the reference: it knows every spelling and gives
the exact problem. It costs 6-45 µs a value, which is minutes for a million rows, so each column
gets a converter that

* takes a fast path for values already in canonical form (a clean text, an 18-digit ID number
  with a valid check digit, an 11-digit mobile) and checks the element's rules itself;
* remembers the answer for values that repeat (code labels, dates, amounts: a roster has a few
  thousand distinct birth dates and four disability levels, whatever its length);
* and hands everything else to ``coerce``, so a fast path can never disagree with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from operator import mul
from typing import Any

from yibiaotong.elements.dates import MAX_YEAR, MIN_YEAR
from yibiaotong.elements.idnumber import PROVINCE_CODES
from yibiaotong.elements.model import CodeList, Element
from yibiaotong.elements.validate import coerce
from yibiaotong.errors import Problem

Converter = Callable[[Any], tuple[Any, list[Problem]]]
MEMO_LIMIT = 200_000  # distinct values remembered per column before the memory is cleared
_MEMO_TYPES = frozenset({"code", "date", "month", "datetime", "year", "boolean", "amount", "decimal", "integer",
                         "postcode"})
# text that clean_text would change: line breaks, tabs, runs of spaces, invisible or full-width characters
_UNCLEAN = re.compile(r"[^\S ]|  |[\u200b-\u200d\u2060\ufeff\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_DATE = re.compile(r"(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?|(\d{4})(\d{2})(\d{2})")
_ID18 = re.compile(r"[1-9]\d{16}[\dX]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ASCII_ZERO_SUM = 48 * sum(_WEIGHTS)
_CHECK = "10X98765432"
_NONE: tuple[Any, list[Problem]] = (None, [])


def compile_converter(element: Element, codelists: Mapping[str, CodeList], source_unit: str | None = None
                      ) -> Converter:
    def slow(raw: Any) -> tuple[Any, list[Problem]]:
        return coerce(element, raw, codelists, source_unit=source_unit)

    rules = _rule_check(element)
    kind = element.type
    if kind == "date":
        return _memoized(_date(slow))
    if kind in _MEMO_TYPES:
        return _memoized(slow)
    if kind == "text":
        return _text(slow, rules)
    if kind == "id_number":
        return _id_number(slow, rules)
    if kind in ("phone", "mobile"):
        return _mobile(slow, rules)
    return slow


def _memoized(slow: Converter) -> Converter:
    memo: dict[tuple[type, Any], tuple[Any, list[Problem]]] = {}

    def convert(raw: Any) -> tuple[Any, list[Problem]]:
        if raw is None or raw == "":
            return _NONE
        key = (raw.__class__, raw)
        found = memo.get(key)
        if found is None:
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            found = memo[key] = slow(raw)
        return found

    return convert


def _date(slow: Converter) -> Converter:
    """Dates typed the four usual ways (2024-01-05, 2024年1月5日, 2024.01.05, 20240105) and date
    cells; anything else, and any impossible date, goes to ``coerce``."""
    def convert(raw: Any) -> tuple[Any, list[Problem]]:
        cls = raw.__class__
        if cls is datetime:
            return raw.date(), []
        if cls is date:
            return raw, []
        if cls is str:
            m = _DATE.fullmatch(raw)
            if m:
                y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
                y, mo, d = int(y), int(mo), int(d)
                if MIN_YEAR <= y <= MAX_YEAR and 1 <= mo <= 12 and 1 <= d <= 28:
                    return date(y, mo, d), []
        return slow(raw)  # day 29-31 too: the reference knows the month lengths

    return convert


def _text(slow: Converter, rules: Callable[[Any], bool] | None) -> Converter:
    def convert(raw: Any) -> tuple[Any, list[Problem]]:
        if raw.__class__ is str:
            text = raw.strip()
            if not text:
                return _NONE
            if _UNCLEAN.search(text) is None and (rules is None or rules(text)):
                return text, []
        elif raw is None:
            return _NONE
        return slow(raw)

    return convert


def _id_number(slow: Converter, rules: Callable[[Any], bool] | None) -> Converter:
    born_ok: dict[str, bool] = {}
    today = date.today().strftime("%Y%m%d")

    def convert(raw: Any) -> tuple[Any, list[Problem]]:
        if raw.__class__ is str and len(raw) == 18 and _ID18.fullmatch(raw) and raw[:2] in PROVINCE_CODES:
            born = raw[6:14]
            valid = born_ok.get(born)
            if valid is None:
                valid = born_ok[born] = _real_date(born) and "19000101" <= born <= today
            if valid:
                digits = raw.encode()
                if _CHECK[(sum(map(mul, digits[:17], _WEIGHTS)) - _ASCII_ZERO_SUM) % 11] == raw[17] and (
                        rules is None or rules(raw)):
                    return raw, []
        elif raw is None or raw == "":
            return _NONE
        return slow(raw)

    return convert


def _mobile(slow: Converter, rules: Callable[[Any], bool] | None) -> Converter:
    def convert(raw: Any) -> tuple[Any, list[Problem]]:
        if raw.__class__ is str and len(raw) == 11 and _MOBILE.fullmatch(raw) and (rules is None or rules(raw)):
            return raw, []
        if raw is None or raw == "":
            return _NONE
        return slow(raw)

    return convert


def _real_date(yyyymmdd: str) -> bool:
    try:
        date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
        return True
    except ValueError:
        return False


def _rule_check(element: Element) -> Callable[[Any], bool] | None:
    """True when a value passes the element's rules (the slow path explains a failure)."""
    rules = element.validation or {}
    max_length = rules.get("max_length")
    pattern = re.compile(rules["pattern"]) if rules.get("pattern") else None
    if max_length is None and pattern is None:
        return None
    limit = int(max_length) if max_length is not None else None

    def ok(value: Any) -> bool:
        if limit is not None and len(value) > limit:
            return False
        return pattern is None or pattern.fullmatch(value) is not None

    return ok


__all__ = ["Converter", "compile_converter"]
