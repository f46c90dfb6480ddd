"""The function whitelist (函数列表): what each function means, how it is checked and built.

:data:`FUNCTIONS` is the registry the parser checks names against and the web UI lists. Each
entry says in Chinese and English what the function does; ``build`` receives a call object from
the compiler (typed, already compiled arguments) and returns the typed SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, String, Text, case, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement

from yibiaotong.expressions import dialects as D
from yibiaotong.expressions import types as T
from yibiaotong.expressions.types import Typed

if TYPE_CHECKING:
    from yibiaotong.expressions.compiler import Call


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    usage: str  # how to call it, e.g. age(出生日期[, 截止日期])
    zh: str  # one line for a clerk
    en: str  # one line for a developer
    returns: str  # an expression type, or "same" (the type of the first argument)
    min_args: int
    max_args: int | None  # None: any number
    category: str  # logic / number / text / date / id / aggregate
    aggregate: bool = False
    example: str = ""
    build: Callable[[Call], Typed] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "usage": self.usage, "description": self.zh, "description_en": self.en,
                "returns": self.returns, "category": self.category, "aggregate": self.aggregate,
                "example": self.example}


FUNCTIONS: dict[str, FunctionSpec] = {}


def _fn(name: str, usage: str, zh: str, en: str, *, returns: str, args: tuple[int, int | None], category: str,
        aggregate: bool = False, example: str = ""):
    def register(build: Callable[[Call], Typed]):
        FUNCTIONS[name] = FunctionSpec(name, usage, zh, en, returns, args[0], args[1], category, aggregate,
                                       example, build)
        return build

    return register


DATE_IN = frozenset({T.DATE, T.DATETIME})
DATE_OR_MONTH = frozenset({T.DATE, T.DATETIME, T.MONTH})
TEXT_IN = frozenset({T.TEXT})  # a month is text too
NUMBER_IN = T.NUMERIC
INTEGER_IN = frozenset({T.INTEGER})
BOOL_IN = frozenset({T.BOOLEAN})


def _text(value: str) -> ColumnElement:
    return literal(value, Text())


def month_to_date(m: ColumnElement) -> ColumnElement:
    """'YYYY-MM' -> its first day (NULL when it is not a month)."""
    return D.safe_date(m.concat(_text("-01")))


# --- logic -------------------------------------------------------------------------------------

@_fn("if", "if(条件, 是时的值, 否时的值)", "条件成立取第二个值，否则取第三个值",
     "the second value when the condition holds, else the third", returns="same", args=(3, 3),
     category="logic", example="if(died is null, '在世', '已故')")
def _if(c: Call) -> Typed:
    cond = c.arg(0, BOOL_IN)
    type_, (a, b) = c.unify(c.args[1:])
    return c.result(case((cond.sql, a.sql), else_=b.sql), type_)


@_fn("coalesce", "coalesce(值1, 值2, …)", "取第一个不为空的值", "the first value that is not null",
     returns="same", args=(2, None), category="logic", example="coalesce(amount, 0)")
def _coalesce(c: Call) -> Typed:
    type_, items = c.unify(c.args)
    return c.result(func.coalesce(*(i.sql for i in items)), type_)


# --- numbers -----------------------------------------------------------------------------------

@_fn("abs", "abs(数值)", "绝对值", "absolute value", returns="same", args=(1, 1), category="number")
def _abs(c: Call) -> Typed:
    x = c.arg(0, NUMBER_IN)
    return c.result(func.abs(x.sql), x.type if x.type in T.NUMERIC else T.DECIMAL)


@_fn("round", "round(数值[, 小数位数])", "四舍五入到指定小数位（默认取整）",
     "round half away from zero to n decimals (default 0)", returns=T.DECIMAL, args=(1, 2), category="number",
     example="round(amount / 12, 2)")
def _round(c: Call) -> Typed:
    x = c.arg(0, NUMBER_IN)
    n = c.arg(1, INTEGER_IN) if len(c.args) > 1 else c.integer(0)
    return c.result(D.round_(x.sql, n.sql), T.DECIMAL)


# --- text --------------------------------------------------------------------------------------

@_fn("length", "length(文字)", "文字的字数", "number of characters", returns=T.INTEGER, args=(1, 1),
     category="text", example="length(id_number) = 18")
def _length(c: Call) -> Typed:
    return c.result(func.length(c.arg(0, TEXT_IN).sql), T.INTEGER)


@_fn("substr", "substr(文字, 起始位置[, 长度])", "从第几个字起截取（从1数起）",
     "substring from a 1-based position, optionally of a length", returns=T.TEXT, args=(2, 3), category="text",
     example="substr(id_number, 1, 6)")
def _substr(c: Call) -> Typed:
    s, start = c.arg(0, TEXT_IN), c.arg(1, INTEGER_IN)
    if len(c.args) == 3:
        return c.result(D.substr3(s.sql, start.sql, c.arg(2, INTEGER_IN).sql), T.TEXT)
    return c.result(D.substr2(s.sql, start.sql), T.TEXT)


def _simple_text(name: str, zh: str, en: str):
    sql_func = getattr(func, name)

    @_fn(name, f"{name}(文字)", zh, en, returns=T.TEXT, args=(1, 1), category="text")
    def _build(c: Call) -> Typed:
        return c.result(sql_func(c.arg(0, TEXT_IN).sql), T.TEXT)


_simple_text("upper", "英文字母转大写", "upper case")
_simple_text("lower", "英文字母转小写", "lower case")
_simple_text("trim", "去掉首尾空格", "strip leading and trailing spaces")


@_fn("concat", "concat(值1, 值2, …)", "把几个值连成一段文字（空值当作空文字）",
     "join values into one text; nulls count as empty", returns=T.TEXT, args=(1, None), category="text",
     example="concat(org, '-', person_name)")
def _concat(c: Call) -> Typed:
    parts = []
    for i in range(len(c.args)):
        a = c.arg(i, T.ANY - {T.BOOLEAN})
        scale = getattr(getattr(a.sql, "type", None), "scale", None) if a.type == T.DECIMAL else None
        if a.type == T.TEXT:
            text = a.sql
        elif scale is not None:  # a decimal column such as an amount: '100.50' on both databases
            text = D.fixed_text(a.sql, scale)
        else:
            text = D.to_text(a.sql)
        parts.append(func.coalesce(text, _text("")))
    sql = parts[0]
    for p in parts[1:]:
        sql = sql.concat(p)
    return c.result(sql, T.TEXT)


@_fn("starts_with", "starts_with(文字, 开头)", "文字是否以某段文字开头（区分大小写）",
     "whether the text starts with the prefix (case-sensitive)", returns=T.BOOLEAN, args=(2, 2), category="text",
     example="starts_with(org, '500118103')")
def _starts_with(c: Call) -> Typed:
    s, p = c.arg(0, TEXT_IN), c.arg(1, TEXT_IN)
    return c.result(D.substr3(s.sql, c.integer(1).sql, func.length(p.sql)) == p.sql, T.BOOLEAN)


@_fn("contains", "contains(文字, 片段)", "文字中是否含有某段文字（区分大小写）",
     "whether the text contains the part (case-sensitive)", returns=T.BOOLEAN, args=(2, 2), category="text",
     example="contains(person_name, '明')")
def _contains(c: Call) -> Typed:
    return c.result(D.contains(c.arg(0, TEXT_IN).sql, c.arg(1, TEXT_IN).sql), T.BOOLEAN)


# --- dates -------------------------------------------------------------------------------------

@_fn("today", "today()", "今天的日期（可由参数 :today 指定）", "today's date (the :today parameter if given)",
     returns=T.DATE, args=(0, 0), category="date")
def _today(c: Call) -> Typed:
    return c.result(c.today().sql, T.DATE)


@_fn("date", "date(文字)", "把 'YYYY-MM-DD' 形式的文字转成日期（无效日期得空值）",
     "text 'YYYY-MM-DD' to a date (null when it is not a real date)", returns=T.DATE, args=(1, 1),
     category="date", example="date('2024-01-05')")
def _date(c: Call) -> Typed:
    a = c.args[0]
    if a.type in DATE_IN:
        return c.result(c.date_arg(0).sql, T.DATE)
    if a.is_literal and a.type == T.TEXT:
        return c.result(c.arg(0, frozenset({T.DATE})).sql, T.DATE)
    return c.result(D.safe_date(c.arg(0, TEXT_IN).sql), T.DATE)


def _part(name: str, block, zh: str, en: str, month_slice: tuple[int, int] | None):
    @_fn(name, f"{name}(日期)", zh, en, returns=T.INTEGER, args=(1, 1), category="date")
    def _build(c: Call) -> Typed:
        a = c.arg(0, DATE_OR_MONTH if month_slice else DATE_IN)
        if a.type == T.MONTH and month_slice:
            return c.result(cast(D.substr3(a.sql, c.integer(month_slice[0]).sql, c.integer(month_slice[1]).sql),
                                 BigInteger), T.INTEGER)
        return c.result(block(c.date_arg(0).sql), T.INTEGER)


_part("year", D.year, "日期（或年月）的年份", "the year of a date (or month)", (1, 4))
_part("month", D.month, "日期（或年月）的月份 1-12", "the month 1-12 of a date (or month)", (6, 2))
_part("day", D.day, "日期是几号 1-31", "the day of the month 1-31", None)


@_fn("month_of", "month_of(日期)", "日期所在的年月 'YYYY-MM'", "the month 'YYYY-MM' of a date",
     returns=T.MONTH, args=(1, 1), category="date", example="month_of(birth_date) = :period")
def _month_of(c: Call) -> Typed:
    a = c.arg(0, DATE_OR_MONTH)
    if a.type == T.MONTH:
        return c.result(a.sql, T.MONTH)
    return c.result(D.month_of(c.date_arg(0).sql), T.MONTH)


@_fn("add_months", "add_months(日期或年月, 月数)", "加减若干个月（1月31日加1个月为2月最后一天）",
     "add n months (Jan 31 + 1 month is the last day of February); works on months too", returns="same",
     args=(2, 2), category="date", example="add_months(:period, -1)")
def _add_months(c: Call) -> Typed:
    a, n = c.arg(0, DATE_OR_MONTH), c.arg(1, INTEGER_IN)
    if a.type == T.MONTH:
        return c.result(D.month_of(D.add_months(month_to_date(a.sql), n.sql)), T.MONTH)
    return c.result(D.add_months(c.date_arg(0).sql, n.sql), T.DATE)


@_fn("add_days", "add_days(日期, 天数)", "加减若干天", "add n days", returns=T.DATE, args=(2, 2),
     category="date", example="add_days(today(), -30)")
def _add_days(c: Call) -> Typed:
    return c.result(D.add_days(c.date_arg(0).sql, c.arg(1, INTEGER_IN).sql), T.DATE)


def months_between_sql(a: ColumnElement, b: ColumnElement) -> ColumnElement:
    """Whole months from a to b, negative when b is earlier; a month is complete on the same day number.

    With N = year*1200 + month*100 + day, a whole month is 100 and a year 1200, so the whole months
    are (N(b) - N(a)) / 100 truncated toward zero: Jan 31 -> Feb 29 is 0, Jan 15 -> Feb 15 is 1.
    """
    return D.int_div(cast(D.month_number(b) - D.month_number(a), BigInteger), 100)


@_fn("months_between", "months_between(起始日期, 截止日期)",
     "从起始日期到截止日期满了几个整月（截止日期较早时为负数）",
     "whole months from the first date to the second (negative when the second is earlier)",
     returns=T.INTEGER, args=(2, 2), category="date", example="months_between(start_date, :today) >= 6")
def _months_between(c: Call) -> Typed:
    a, b = c.date_arg(0, allow_month=True), c.date_arg(1, allow_month=True)
    return c.result(months_between_sql(a.sql, b.sql), T.INTEGER)


@_fn("days_between", "days_between(起始日期, 截止日期)", "从起始日期到截止日期相差几天（截止日期较早时为负数）",
     "days from the first date to the second (negative when the second is earlier)", returns=T.INTEGER,
     args=(2, 2), category="date", example="days_between(apply_date, today()) > 30")
def _days_between(c: Call) -> Typed:
    return c.result(D.days_between(c.date_arg(0).sql, c.date_arg(1).sql), T.INTEGER)


def age_sql(birth: ColumnElement, at: ColumnElement) -> ColumnElement:
    """Whole years at a date: (YYYYMMDD(at) - YYYYMMDD(birth)) / 10000, truncated.

    A birthday is reached on its day; someone born on 29 Feb turns a year older on 1 Mar in common years.
    """
    return D.int_div(cast(D.ymd_number(at) - D.ymd_number(birth), BigInteger), 10000)


@_fn("age", "age(出生日期[, 截止日期])", "周岁年龄：到截止日期（默认今天）满几周岁",
     "age in whole years at a date (default today)", returns=T.INTEGER, args=(1, 2), category="date",
     example="age(birth_date) >= 80")
def _age(c: Call) -> Typed:
    birth = c.date_arg(0)
    at = c.date_arg(1) if len(c.args) > 1 else c.today()
    return c.result(age_sql(birth.sql, at.sql), T.INTEGER)


@_fn("age_at_month_end", "age_at_month_end(出生日期, 年月)", "到某月最后一天满几周岁",
     "age in whole years on the last day of a month", returns=T.INTEGER, args=(2, 2), category="date",
     example="age_at_month_end(birth_date, :period) >= 80")
def _age_at_month_end(c: Call) -> Typed:
    birth = c.date_arg(0)
    m = c.arg(1, DATE_OR_MONTH)
    end = D.month_end(month_to_date(m.sql) if m.type == T.MONTH else c.date_arg(1).sql)
    return c.result(age_sql(birth.sql, end), T.INTEGER)


@_fn("period_start", "period_start(年月)", "某月的第一天", "the first day of a month", returns=T.DATE,
     args=(1, 1), category="date", example="start_date >= period_start(:period)")
def _period_start(c: Call) -> Typed:
    m = c.arg(0, DATE_OR_MONTH)
    if m.type == T.MONTH:
        return c.result(month_to_date(m.sql), T.DATE)
    return c.result(month_to_date(D.month_of(c.date_arg(0).sql)), T.DATE)


@_fn("period_end", "period_end(年月)", "某月的最后一天", "the last day of a month", returns=T.DATE,
     args=(1, 1), category="date", example="start_date <= period_end(:period)")
def _period_end(c: Call) -> Typed:
    m = c.arg(0, DATE_OR_MONTH)
    start = month_to_date(m.sql) if m.type == T.MONTH else c.date_arg(0).sql
    return c.result(D.month_end(start), T.DATE)


# --- ID numbers --------------------------------------------------------------------------------

def _id_part(id_number: ColumnElement, c: Call, at18: tuple[int, int], at15: tuple[int, int]) -> ColumnElement:
    def part(start, length):
        return D.substr3(id_number, c.integer(start).sql, c.integer(length).sql)

    return case((func.length(id_number) == 18, part(*at18)), (func.length(id_number) == 15, part(*at15)))


@_fn("id_birth_date", "id_birth_date(身份证号)", "身份证号中的出生日期（第7-14位；旧15位号码也可）",
     "the birth date in digits 7-14 of an ID number (15-digit numbers too); null if impossible",
     returns=T.DATE, args=(1, 1), category="id", example="age(id_birth_date(id_number)) >= 60")
def _id_birth_date(c: Call) -> Typed:
    n = c.arg(0, TEXT_IN).sql

    def part(start: int, length: int) -> ColumnElement:
        return D.substr3(n, c.integer(start).sql, c.integer(length).sql)

    dash = _text("-")
    iso18 = part(7, 4).concat(dash).concat(part(11, 2)).concat(dash).concat(part(13, 2))
    iso15 = _text("19").concat(part(7, 2)).concat(dash).concat(part(9, 2)).concat(dash).concat(part(11, 2))
    length = func.length(n)
    return c.result(case((length == 18, D.safe_date(iso18)), (length == 15, D.safe_date(iso15))), T.DATE)


@_fn("id_sex", "id_sex(身份证号)", "身份证号中的性别：'1' 男，'2' 女（第17位奇数为男）",
     "sex from digit 17 of an ID number: '1' male (odd), '2' female (even)", returns=T.TEXT, args=(1, 1),
     category="id", example="id_sex(id_number) = '2'")
def _id_sex(c: Call) -> Typed:
    digit = _id_part(c.arg(0, TEXT_IN).sql, c, (17, 1), (15, 1))
    odd = [literal(d, String(1)) for d in "13579"]
    even = [literal(d, String(1)) for d in "02468"]
    return c.result(case((digit.in_(odd), _text("1")), (digit.in_(even), _text("2"))), T.TEXT)


# --- aggregates --------------------------------------------------------------------------------

@_fn("count", "count(*) 或 count(字段) 或 count(distinct 字段)", "计数：记录数，或某字段不为空的个数",
     "number of rows, or of non-null values (distinct ones with DISTINCT)", returns=T.INTEGER, args=(1, 1),
     category="aggregate", aggregate=True, example="count(*)")
def _count(c: Call) -> Typed:
    if c.star:
        return c.result(func.count(), T.INTEGER)
    x = c.arg(0, T.ANY)
    return c.result(func.count(x.sql.distinct() if c.distinct else x.sql), T.INTEGER)


@_fn("count_distinct", "count_distinct(字段)", "不同取值的个数（不计空值）", "number of distinct non-null values",
     returns=T.INTEGER, args=(1, 1), category="aggregate", aggregate=True, example="count_distinct(org)")
def _count_distinct(c: Call) -> Typed:
    return c.result(func.count(c.arg(0, T.ANY).sql.distinct()), T.INTEGER)


def _sum_sql(x: Typed, value: ColumnElement) -> ColumnElement:
    return cast(func.sum(value), BigInteger) if x.type == T.INTEGER else func.sum(value)


@_fn("sum", "sum(数值)", "合计（没有记录时为空值）", "sum (null when there are no rows)", returns="same",
     args=(1, 1), category="aggregate", aggregate=True, example="sum(amount)")
def _sum(c: Call) -> Typed:
    x = c.arg(0, NUMBER_IN)
    return c.result(_sum_sql(x, x.sql), x.type if x.type == T.INTEGER else T.DECIMAL)


@_fn("avg", "avg(数值)", "平均值", "average", returns=T.DECIMAL, args=(1, 1), category="aggregate",
     aggregate=True, example="avg(amount)")
def _avg(c: Call) -> Typed:
    return c.result(func.avg(c.arg(0, NUMBER_IN).sql), T.DECIMAL)


def _extreme(name: str, zh: str, en: str):
    sql_func = getattr(func, name)

    @_fn(name, f"{name}(字段)", zh, en, returns="same", args=(1, 1), category="aggregate", aggregate=True)
    def _build(c: Call) -> Typed:
        x = c.arg(0, T.ORDERED)
        return c.result(sql_func(x.sql), x.type)


_extreme("min", "最小值（日期为最早）", "minimum (earliest date)")
_extreme("max", "最大值（日期为最晚）", "maximum (latest date)")


@_fn("count_if", "count_if(条件)", "满足条件的记录数", "number of rows where the condition holds",
     returns=T.INTEGER, args=(1, 1), category="aggregate", aggregate=True, example="count_if(age(birth_date) >= 80)")
def _count_if(c: Call) -> Typed:
    cond = c.arg(0, BOOL_IN)
    return c.result(func.count(case((cond.sql, c.integer(1).sql))), T.INTEGER)


@_fn("sum_if", "sum_if(数值, 条件)", "满足条件的记录的合计", "sum over the rows where the condition holds",
     returns="same", args=(2, 2), category="aggregate", aggregate=True, example="sum_if(amount, level = '1')")
def _sum_if(c: Call) -> Typed:
    x, cond = c.arg(0, NUMBER_IN), c.arg(1, BOOL_IN)
    return c.result(_sum_sql(x, case((cond.sql, x.sql))), x.type if x.type == T.INTEGER else T.DECIMAL)
