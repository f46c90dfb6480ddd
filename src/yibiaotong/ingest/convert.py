"""Per-column converters, compiled once per sheet (值转换).

:func:`yibiaotong.elements.validate.coerce` is the reference: it knows every spelling and gives
the exact problem. It costs 6-45 µs a value, which is minutes for a million rows, so each column
gets a converter that

* takes a fast path for values already in canonical form (a clean text, an 18-digit ID number
  with a valid check digit, an 11-digit mobile) and checks the element's rules itself;
* remembers the answer for values that repeat (code labels, dates, amounts: a roster has a few
  thousand distinct birth dates and four disability levels, whatever its length);
* and hands everything else to ``coerce``, so a fast path can never disagree with it.

An import converts a sheet column by column, a chunk of rows at a time
(:func:`compile_column`): a column of labels or dates is a dictionary lookup per cell done by
``map`` in C, without a Python call per cell; only values not seen before reach the converter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from itertools import compress, repeat
from operator import add, itemgetter, mod, mul, not_
from typing import Any

from yibiaotong.elements.dates import MAX_YEAR, MIN_YEAR, today
from yibiaotong.elements.idnumber import PROVINCE_CODES
from yibiaotong.elements.model import CodeList, Element
from yibiaotong.elements.validate import MASKED, coerce, latest_date
from yibiaotong.errors import Problem

Converter = Callable[[Any], tuple[Any, list[Problem]]]
# a column of cells -> the converted values and, by position in the column, the problems
ColumnConverter = Callable[[Sequence[Any]], tuple[list[Any], dict[int, list[Problem]]]]
MEMO_LIMIT = 200_000  # distinct values remembered per column before the memory is cleared
_MEMO_TYPES = frozenset({"code", "date", "month", "datetime", "year", "boolean", "amount", "decimal", "integer",
                         "postcode"})
# text that clean_text would change (line breaks, tabs, runs of spaces, control, invisible or
# full-width characters), or that masking left (***): the slow path says what is wrong with it
_UNCLEAN = re.compile(r"[^\S ]|  |\*\*\*|[\x00-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_DATE = re.compile(r"(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?|(\d{4})(\d{2})(\d{2})")
# ASCII digits only: a full-width or other Unicode digit goes to ``coerce``, which normalizes it
_ID18 = re.compile(r"[1-9][0-9]{16}[0-9X]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# a text cell that is not already clean: unclean inside, or blank at either end
_DIRTY_CELL = re.compile(_UNCLEAN.pattern + r"|^\s|\s$")
_FULL_WIDTH = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
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
        return _memoized(_date(slow, latest_date(element)))
    if kind in _MEMO_TYPES:
        return _memoized(slow)
    if kind == "text":
        return _text(slow, rules, _is_name(element))
    if kind == "id_number":
        return _id_number(slow, rules)
    if kind in ("phone", "mobile"):
        return _mobile(slow, rules)
    return slow


def compile_column(element: Element, codelists: Mapping[str, CodeList], source_unit: str | None = None,
                   convert: Converter | None = None) -> ColumnConverter:
    """The column-wise form of :func:`compile_converter` (the same answers, cell for cell)."""
    convert = convert or compile_converter(element, codelists, source_unit)
    kind = element.type
    if kind == "date" or kind in _MEMO_TYPES:
        return _memo_column(convert)
    rules = _column_rules(element)
    if kind == "text":
        return _checked_column(convert, _name_rest if _is_name(element) else _text_rest, rules)
    if kind == "id_number":
        return _checked_column(convert, _IdChecksum().rest, rules)
    if kind in ("phone", "mobile"):
        return _checked_column(convert, _mobile_rest, rules)
    return _each_column(convert)


def _checked_column(convert: Converter, rest: Callable[[Sequence[str]], list[int]],
                    rules: Callable[[Sequence[str]], list[int]] | None) -> ColumnConverter:
    """A column of texts whose clean cells are taken as they are: ``rest`` finds, with a few
    passes in C over the whole column, the cells that are not plainly clean, and only those go
    through the converter (which is exact for every cell)."""
    each = _each_column(convert)

    def column(cells: Sequence[Any]) -> tuple[list[Any], dict[int, list[Problem]]]:
        if not cells or set(map(type, cells)) != {str}:
            return each(cells)
        others = rest(cells)
        if rules is not None:
            others = sorted({*others, *rules(cells)})
        out = list(cells)
        bad = {}
        for i in others:
            out[i], problems = convert(cells[i])
            if problems:
                bad[i] = problems
        return out, bad

    return column


def _text_rest(cells: Sequence[str]) -> list[int]:
    """Empty cells and cells that clean_text would change. The whole column is looked at first,
    joined by "|": every whitespace character but the space, and every invisible one, is
    unprintable; a space at either end of a cell is next to the "|" (or at an end)."""
    joined = "|".join(cells)
    if (joined.isprintable() and "  " not in joined and " |" not in joined and "| " not in joined
            and joined[:1] != " " and joined[-1:] != " " and _FULL_WIDTH.search(joined) is None
            and MASKED not in joined):
        return [i for i, c in enumerate(cells) if not c] if "" in cells else []
    search = _DIRTY_CELL.search
    return [i for i, c in enumerate(cells) if not c or search(c)]


def _is_name(element: Element) -> bool:
    """A person's name (validation ``person_name``): its padding spaces are taken out (unpad_name)."""
    return bool((element.validation or {}).get("person_name"))


def _name_rest(cells: Sequence[str]) -> list[int]:
    """:func:`_text_rest`, and the names with a space inside (王 五: padding, taken out)."""
    rest = _text_rest(cells)
    if " " not in "|".join(cells):
        return rest
    return sorted({*rest, *(i for i, c in enumerate(cells) if " " in c)})


def _mobile_rest(cells: Sequence[str]) -> list[int]:
    """Cells that are not an 11-digit mobile number as it is."""
    return [i for i, m in enumerate(map(_MOBILE.fullmatch, cells)) if m is None]


_INVALID = float("nan")  # a piece that is no valid part of an ID number: every sum with it is NaN, never 0


class _Partial(dict):
    """A table filled on first use: piece of an ID number -> its part of the checksum."""

    def __init__(self, fill: Callable[[str], int | None]):
        super().__init__()
        self.fill = fill

    def __missing__(self, key: str) -> float:
        part = self.fill(key)
        value = self[key] = _INVALID if part is None else part
        return value


class _IdChecksum:
    """18-digit ID numbers checked a column at a time: the weighted sum of the digits, modulo 11,
    is the sum of three parts looked up by slices of the number (region, birth date, sequence and
    check character), each piece computed once; a number is clean when the parts add up to 0."""

    def __init__(self) -> None:
        latest = today().strftime("%Y%m%d")
        self.region = _Partial(lambda p: _weighted(p, 0) if p[:2] in PROVINCE_CODES and p[0] != "0" else None)
        self.born = _Partial(lambda p: _weighted(p, 6) if _digits(p) and _real_date(p) and "19000101" <= p <= latest
                             else None)
        self.tail = _Partial(lambda p: (_weighted(p[:3], 14) - _CHECK.index(p[3])) % 11
                             if _digits(p[:3]) and p[3] in _CHECK else None)

    def rest(self, cells: Sequence[str]) -> list[int]:
        if set(map(len, cells)) != {18}:
            return [i for i, c in enumerate(cells) if len(c) != 18 or not self._ok(c)]
        region, born, tail = (list(map(table.__getitem__, map(itemgetter(piece), cells)))
                              for table, piece in ((self.region, slice(0, 6)), (self.born, slice(6, 14)),
                                                   (self.tail, slice(14, 18))))
        # NaN % 11 is NaN, which is true: an invalid piece fails like a wrong check digit
        return [i for i, s in enumerate(map(mod, map(add, map(add, region, born), tail), repeat(11))) if s]

    def _ok(self, cell: str) -> bool:
        return (self.region[cell[:6]] + self.born[cell[6:14]] + self.tail[cell[14:18]]) % 11 == 0


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _weighted(digits: str, start: int) -> int | None:
    """The digits' part of an ID number's checksum, at their position from ``start``."""
    if not _digits(digits):
        return None
    return sum(int(d) * w for d, w in zip(digits, _WEIGHTS[start:start + len(digits)])) % 11


def _each_column(convert: Converter) -> ColumnConverter:
    """Values that rarely repeat (ID numbers, names, phones): the converter's fast path per cell."""
    def column(cells: Sequence[Any]) -> tuple[list[Any], dict[int, list[Problem]]]:
        return _split(list(map(convert, cells)))

    return column


def _split(results: list[tuple[Any, list[Problem]]]) -> tuple[list[Any], dict[int, list[Problem]]]:
    """Per-cell (value, problems) as a column's values and its problems by position (in C: a
    million cells pass here)."""
    problems = list(map(itemgetter(1), results))
    return list(map(itemgetter(0), results)), dict(compress(enumerate(problems), problems))


# classes whose values equal only values of the same class (1 == 1.0 == True: numbers are not here),
# so a dictionary keyed by the value itself cannot mix them up
_SAFE_KEYS = frozenset({str, type(None), date, datetime})


def _memo_column(convert: Converter) -> ColumnConverter:
    """Values that repeat (labels, dates, amounts): one dictionary lookup per cell."""
    memo: dict[Any, tuple[Any, list[Problem]]] = {}  # texts, dates: keyed by the value
    typed: dict[tuple[type, Any], tuple[Any, list[Problem]]] = {}  # numbers: 1, 1.0 and True differ

    def column(cells: Sequence[Any]) -> tuple[list[Any], dict[int, list[Problem]]]:
        if len(memo) + len(typed) >= MEMO_LIMIT:
            memo.clear()
            typed.clear()
        hits = list(map(memo.get, cells))
        for i in compress(range(len(hits)), map(not_, hits)):  # cells not seen before (a hit is a tuple)
            raw = cells[i]
            if raw.__class__ in _SAFE_KEYS:
                found = memo.get(raw)
                if found is None:
                    found = memo[raw] = convert(raw)
            else:
                key = (raw.__class__, raw)
                found = typed.get(key)
                if found is None:
                    found = typed[key] = convert(raw)
            hits[i] = found
        return _split(hits)

    return column


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


def _date(slow: Converter, latest: date | None = None) -> Converter:
    """Dates typed the four usual ways (2024-01-05, 2024年1月5日, 2024.01.05, 20240105) and date
    cells; anything else, any impossible date and any date after ``latest`` (an element with
    ``not_future``) goes to ``coerce``."""
    latest = latest or date.max

    def convert(raw: Any) -> tuple[Any, list[Problem]]:
        cls = raw.__class__
        if cls is datetime:
            if raw.date() <= latest:
                return raw.date(), []
        elif cls is date:
            if raw <= latest:
                return raw, []
        elif cls is str:
            m = _DATE.fullmatch(raw)
            if m:
                y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
                y, mo, d = int(y), int(mo), int(d)
                if MIN_YEAR <= y <= MAX_YEAR and 1 <= mo <= 12 and 1 <= d <= 28 and date(y, mo, d) <= latest:
                    return date(y, mo, d), []
        return slow(raw)  # day 29-31 too: the reference knows the month lengths

    return convert


def _text(slow: Converter, rules: Callable[[Any], bool] | None, name: bool = False) -> Converter:
    def convert(raw: Any) -> tuple[Any, list[Problem]]:
        if raw.__class__ is str:
            text = raw.strip()
            if not text:
                return _NONE
            if _UNCLEAN.search(text) is None and (rules is None or rules(text)) and not (name and " " in text):
                return text, []
        elif raw is None:
            return _NONE
        return slow(raw)

    return convert


def _id_number(slow: Converter, rules: Callable[[Any], bool] | None) -> Converter:
    born_ok: dict[str, bool] = {}
    latest = today().strftime("%Y%m%d")

    def convert(raw: Any) -> tuple[Any, list[Problem]]:
        if raw.__class__ is str and len(raw) == 18 and _ID18.fullmatch(raw) and raw[:2] in PROVINCE_CODES:
            born = raw[6:14]
            valid = born_ok.get(born)
            if valid is None:
                valid = born_ok[born] = _real_date(born) and "19000101" <= born <= latest
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


def _text_rules(element: Element) -> tuple[int | None, re.Pattern | None] | None:
    """The element's rules a text must pass (``max_length``, ``pattern``), or None when it has none."""
    rules = element.validation or {}
    max_length = rules.get("max_length")
    pattern = re.compile(rules["pattern"]) if rules.get("pattern") else None
    if max_length is None and pattern is None:
        return None
    return (int(max_length) if max_length is not None else None), pattern


def _column_rules(element: Element) -> Callable[[Sequence[str]], list[int]] | None:
    """The cells of a text column that break the element's rules."""
    rules = _text_rules(element)
    if rules is None:
        return None
    limit, pattern = rules

    def broken(cells: Sequence[str]) -> list[int]:
        found = []
        if limit is not None and max(map(len, cells)) > limit:
            found = [i for i, c in enumerate(cells) if len(c) > limit]
        if pattern is not None:
            found += [i for i, m in enumerate(map(pattern.fullmatch, cells)) if m is None and cells[i]]
        return found

    return broken


def _rule_check(element: Element) -> Callable[[Any], bool] | None:
    """True when a value passes the element's rules (the slow path explains a failure)."""
    rules = _text_rules(element)
    if rules is None:
        return None
    limit, pattern = rules

    def ok(value: Any) -> bool:
        if limit is not None and len(value) > limit:
            return False
        return pattern is None or pattern.fullmatch(value) is not None

    return ok


__all__ = ["ColumnConverter", "Converter", "compile_column", "compile_converter"]
