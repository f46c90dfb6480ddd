"""Amounts and quantities: ``1,200``, ``1200元``, ``1.5万元``, ``￥1,200.50``, ``2亩`` ...

Numbers are returned as :class:`~decimal.Decimal` (never float: money must add up). A unit
written in the value (``1.5万元``) or known from the column header (``金额(万元)``) is converted
to the unit the data element wants. The conversion table below is physics and law (1 亩 =
10000/15 m²), not deployment data, so it lives in code.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from yibiaotong.errors import Problem

# unit -> (dimension, size in the dimension's base unit). Counts never convert into each other.
UNITS: dict[str, tuple[str, Fraction]] = {
    "元": ("money", Fraction(1)), "角": ("money", Fraction(1, 10)), "分": ("money", Fraction(1, 100)),
    "千元": ("money", Fraction(1000)), "万元": ("money", Fraction(10**4)), "亿元": ("money", Fraction(10**8)),
    "平方米": ("area", Fraction(1)), "亩": ("area", Fraction(10000, 15)),
    "公顷": ("area", Fraction(10**4)), "平方公里": ("area", Fraction(10**6)),
    "克": ("weight", Fraction(1, 1000)), "斤": ("weight", Fraction(1, 2)), "公斤": ("weight", Fraction(1)),
    "千克": ("weight", Fraction(1)), "吨": ("weight", Fraction(1000)),
    "%": ("ratio", Fraction(1, 100)), "‰": ("ratio", Fraction(1, 1000)),
    **{u: (u, Fraction(1)) for u in ("人", "户", "个", "次", "岁", "套", "间", "头", "只", "辆", "台", "处", "项")},
}
# Other spellings (after NFKC, so ㎡ arrives as m2) -> the unit above.
ALIASES = {
    "块": "元", "元整": "元", "人民币元": "元", "m2": "平方米", "平米": "平方米", "平方": "平方米",
    "市亩": "亩", "ha": "公顷", "hm2": "公顷", "km2": "平方公里", "平方千米": "平方公里",
    "kg": "千克", "g": "克", "t": "吨", "名": "人", "周岁": "岁",
}
PERIODS = frozenset({"年", "季", "季度", "月", "周", "日", "天"})  # what a rate may be per and still be an amount
MULTIPLIERS = {"万": 10**4, "亿": 10**8, "千": 1000}  # number words: 1.5万 is 15000

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")  # 1,200 and 1,200,000.50 but not 12,00
_CURRENCY = re.compile(r"([+-]?)(¥|RMB|CNY|人民币)")
_SPELLINGS = frozenset({*UNITS, *ALIASES})


def canonical_unit(unit: str) -> str:
    """The table's name for a unit spelling (``㎡`` -> ``平方米``); unknown units unchanged."""
    text = "".join(unicodedata.normalize("NFKC", unit).split())
    return ALIASES.get(text.lower(), ALIASES.get(text, text))


def unit_factor(source: str, target: str) -> Decimal | None:
    """What one ``source`` is in ``target`` (万元 -> 元: 10000), None if they do not convert.

    Rates convert by their first unit when the rest agree: 万元/年 -> 元/年 is 10000.
    """
    ratio = _ratio(source, target)
    return None if ratio is None else _decimal(ratio)


def extract_unit(label: str) -> str | None:
    """The unit named in a column header: ``补贴金额（万元）`` -> ``万元``, ``面积(亩)`` -> ``亩``,
    ``标准（元/人/月）`` -> ``元/人/月``, ``金额（单位：万元）`` -> ``万元``. Only units in
    :data:`UNITS` count, so ``身份证号(必填)`` and ``数量(件)`` give None."""
    text = unicodedata.normalize("NFKC", str(label)).strip()
    m = re.search(r"[(\[【]\s*(?:单位\s*:)?\s*([^()\[\]【】]+?)\s*[)\]】]\s*$", text)
    m = m or re.search(r"单位\s*[:为]\s*(\S+?)\s*$", text)
    if not m:
        return None
    first, *per = [canonical_unit(p) for p in m.group(1).split("/")]
    # a rate names a known unit first, then what it is per: 元/人/月, 公斤/亩
    if first in UNITS and all(p in UNITS or re.fullmatch(r"[\u4e00-\u9fff]{1,2}", p) for p in per):
        return "/".join([first, *per])
    return None


def parse_quantity(raw: object) -> tuple[Decimal | None, str | None, Problem | None]:
    """The number and the unit written with it: ``1.5万元`` -> (1.5, '万元'), ``1.5万`` -> (15000,
    None), ``￥1,200`` -> (1200, '元'). Unknown words make it invalid (see :func:`parse_decimal`)."""
    return _split(raw, ())


def parse_decimal(
    raw: object, target_unit: str | None = None, source_unit: str | None = None
) -> tuple[Decimal | None, Problem | None]:
    """The number in ``target_unit``; ``(None, None)`` for empty input.

    The unit comes from the text (``1.5万元``) or else from ``source_unit`` (the column header's
    unit). With no target the header's unit is the target; with neither the number is returned
    as written. Units that do not convert (元 -> 亩) give ``unit-mismatch``.
    """
    own = tuple(u for u in (target_unit, source_unit) if u)  # unlisted units like 件 still strip
    number, unit, problem = _split(raw, own)
    if number is None:
        return None, problem
    unit = unit or source_unit
    target = target_unit or source_unit
    if unit and target and canonical_unit(unit) != canonical_unit(target):
        ratio = _ratio(unit, target)
        if ratio is None:
            return None, Problem("unit-mismatch", {"value": str(raw), "unit": unit, "target_unit": target})
        number = _decimal(Fraction(number) * ratio) if ratio != 1 else number
    return number, None


def parse_integer(
    raw: object, target_unit: str | None = None, source_unit: str | None = None
) -> tuple[int | None, Problem | None]:
    """A whole number: ``12``, ``12.0``, 12.0, ``12人``, ``1.2万``; 12.5 is ``invalid-integer``."""
    number, problem = parse_decimal(raw, target_unit, source_unit)
    if number is None:
        if problem and problem.code == "invalid-number":
            problem = Problem("invalid-integer", problem.params)
        return None, problem
    if number != number.to_integral_value():
        return None, Problem("invalid-integer", {"value": str(raw)})
    return int(number), None


# a typed number beyond 10^±40 fits no ledger column (NUMERIC(20, …), BIGINT), and working with it
# is not free: int() of 1e999999 takes minutes (one cell would stall an import)
_MAGNITUDE = 40


def _split(raw: object, own_units: tuple[str, ...]) -> tuple[Decimal | None, str | None, Problem | None]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None, None
    bad = (None, None, Problem("invalid-number", {"value": str(raw)}))
    if isinstance(raw, bool):  # True is an int in Python, never a quantity
        return bad
    if isinstance(raw, (int, Decimal)):
        return (Decimal(raw), None, None) if Decimal(raw).is_finite() else bad
    if isinstance(raw, float):
        return (Decimal(repr(raw)), None, None) if math.isfinite(raw) else bad  # repr: 0.1 not 0.1000..055
    text = "".join(unicodedata.normalize("NFKC", str(raw)).split()).replace("−", "-")
    unit = None
    m = _CURRENCY.match(text)
    if m:  # -¥1200 keeps its sign
        text, unit = m.group(1) + text[m.end():], "元"
    paren = re.fullmatch(r"(.+?)\((.+)\)", text)  # 1200(元)
    if paren:
        text, written = paren.group(1), paren.group(2)
    else:
        spellings = sorted({*own_units, *_SPELLINGS}, key=len, reverse=True)  # 万元 before 元
        written = next((u for u in spellings if text.lower().endswith(u.lower())), None)
        text = text[: len(text) - len(written)] if written else text
    if written:
        unit = canonical_unit(written)
        if unit not in UNITS and unit not in {canonical_unit(u) for u in own_units}:
            return bad  # 1200(约): a remark, not a unit
    multiplier = 1
    if text[-1:] in MULTIPLIERS:
        text, multiplier = text[:-1], MULTIPLIERS[text[-1]]
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        return bad
    try:
        number = Decimal(text)
    except InvalidOperation:
        return bad
    if number and number.adjusted() >= _MAGNITUDE:
        return None, None, Problem("number-not-storable", {"value": str(raw)})
    if number and number.adjusted() <= -_MAGNITUDE:  # 1e-400: no quantity a form asks for
        return bad
    if multiplier != 1:
        number = _decimal(Fraction(number) * multiplier)
    elif number.as_tuple().exponent > 0 and number.adjusted() < 28:  # 1.2E+3 -> 1200 (1E+30 stays: too many digits)
        number = number.quantize(Decimal(1))
    return number, unit, None


def _ratio(source: str, target: str) -> Fraction | None:
    """The exact size of one ``source`` in ``target``; rates by their first unit (万元/年 -> 元/年,
    元/月 -> 元, 元/亩 -> 元/亩/年), never one rate into another (元/年 -> 元/月) nor per 亩 / per 人
    into a plain unit."""
    source_parts = [canonical_unit(p) for p in source.split("/")]
    target_parts = [canonical_unit(p) for p in target.split("/")]
    if source_parts == target_parts:
        return Fraction(1)
    # a rate per period against the same rate naming no period: an element that names no period
    # (保障金额, 元) holds what the form feeding it asks for (拟保障金额（元/月）), and a form that names
    # none (流转费（元/亩）) asks for what the element keeps (元/亩/年); per 亩 or per 人 never converts
    # into a plain unit, nor one period into another
    source_per = [p for p in source_parts[1:] if p not in PERIODS]
    target_per = [p for p in target_parts[1:] if p not in PERIODS]
    source_periods = [p for p in source_parts[1:] if p in PERIODS]
    target_periods = [p for p in target_parts[1:] if p in PERIODS]
    if source_per != target_per or (source_periods and target_periods and source_periods != target_periods):
        return None
    first_s, first_t = source_parts[0], target_parts[0]
    if first_s not in UNITS or first_t not in UNITS:
        return None
    (dim_s, size_s), (dim_t, size_t) = UNITS[first_s], UNITS[first_t]
    return size_s / size_t if dim_s == dim_t else None


def quantity(unit: str | None) -> str | None:
    """What a unit measures (money, area, 人, 户 …), judged by its first unit (元/人 is money as 元
    is); None for a missing or unknown unit."""
    known = UNITS.get(canonical_unit(unit.split("/")[0])) if unit else None
    return known[0] if known else None


def other_quantity(kept: str | None, printed: str | None) -> bool:
    """Do two units measure different quantities (人 and 元, 亩 and 吨, 户 and 人)? Unknown or
    missing units are given the benefit of the doubt."""
    a, b = quantity(kept), quantity(printed)
    return a is not None and b is not None and a != b


def _decimal(value: Fraction) -> Decimal:
    """Exact when the fraction terminates (3亩 = 2000平方米), else 28 significant digits."""
    return Decimal(value.numerator) / Decimal(value.denominator)
