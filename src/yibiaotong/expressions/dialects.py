"""Per-dialect building blocks: small SQL constructs that render differently in SQLite and PostgreSQL.

Each block is a SQLAlchemy construct (so a compiled expression stays dialect-neutral and is
rendered when it runs); ``@compiles`` picks the SQLite or PostgreSQL form. SQLAlchemy stores a
Date in SQLite as ISO text 'YYYY-MM-DD', so the SQLite forms use date()/strftime()/julianday();
the PostgreSQL forms use EXTRACT, to_char, date arithmetic and intervals. Other dialects get the
PostgreSQL form. Every constant written here is a fixed literal of this module, never user data.

Nothing here raises inside the database on bad data: an impossible date gives NULL on both.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Date, Float, Integer, Numeric, Text, case, cast, extract, func, literal_column, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import (
    BinaryExpression,
    BooleanClauseList,
    Case,
    Cast,
    ColumnElement,
    Grouping,
    UnaryExpression,
)
from sqlalchemy.sql.functions import FunctionElement

_IMPL: dict[str, dict[str, Callable[..., ColumnElement]]] = {}


def _const(value: int | str) -> ColumnElement:
    """An inline constant of this module (no bind parameter, so it is safe inside @compiles)."""
    if isinstance(value, int):
        return literal_column(str(int(value)), Integer)
    assert "'" not in value
    return literal_column(f"'{value}'", Text)


class _Block(FunctionElement):
    inherit_cache = True
    block = ""


def _block(name: str, sqlite: Callable[..., ColumnElement], postgresql: Callable[..., ColumnElement]):
    cls = type(f"ybt_{name}", (_Block,), {"inherit_cache": True, "block": name, "name": f"ybt_{name}"})
    _IMPL[name] = {"sqlite": sqlite, "postgresql": postgresql}

    @compiles(cls)
    def _render(element, compiler, **kw):
        impls = _IMPL[element.block]
        impl = impls.get(compiler.dialect.name, impls["postgresql"])
        # brackets: the block stands for one value wherever it is put (a - b must not become a - x + y)
        return "(" + compiler.process(impl(*element.clauses.clauses), **kw) + ")"

    return cls


def _pg_int(x):
    return cast(x, Integer)


ONE, THREE, FOUR, FIVE, SIX = (_const(n) for n in (1, 3, 4, 5, 6))


# --- dates: parts --------------------------------------------------------------------------------

def _sqlite_part(fmt: str):
    return lambda d: cast(func.strftime(_const(fmt), d), Integer)


def _pg_part(field: str):
    return lambda d: cast(extract(field, d), Integer)


year = _block("year", _sqlite_part("%Y"), _pg_part("year"))
month = _block("month", _sqlite_part("%m"), _pg_part("month"))
day = _block("day", _sqlite_part("%d"), _pg_part("day"))
# month*100 + day as one number: compares birthdays within a year
month_day = _block("month_day", _sqlite_part("%m%d"), lambda d: cast(func.to_char(d, _const("MMDD")), Integer))
# whole-number forms of a date that make age and month arithmetic one subtraction:
# YYYYMMDD (years = difference // 10000) and YYYY*1200 + MMDD (months = difference // 100)
ymd_number = _block("ymd_number", _sqlite_part("%Y%m%d"), lambda d: cast(func.to_char(d, _const("YYYYMMDD")), Integer))
month_number = _block(
    "month_number",
    lambda d: cast(func.strftime(_const("%Y"), d), Integer) * _const(1200) + _sqlite_part("%m%d")(d),
    lambda d: _pg_part("year")(d) * _const(1200) + cast(func.to_char(d, _const("MMDD")), Integer))
# integer division that truncates toward zero on both databases
int_div = _block("int_div", lambda a, b: a.op("/")(b), lambda a, b: a.op("/")(b))
month_of = _block("month_of", lambda d: func.strftime(_const("%Y-%m"), d),
                  lambda d: func.to_char(d, _const("YYYY-MM")))
as_date = _block("as_date", lambda d: func.date(d), lambda d: cast(d, Date()))


# --- dates: text to date without errors ----------------------------------------------------------

def _sqlite_safe_date(t):
    # date() passes 2023-02-30 through unchanged; '+0 days' rolls it over to March. Only a real date
    # survives the round trip unchanged.
    return case((func.date(t, _const("+0 days")) == t, t))


_PG_ISO_DATE = (r"^(?!.*-(02-3[01]|(04|06|09|11)-31)$)"  # no 30/31 Feb, no 31st in 30-day months
                r"[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")


def _pg_safe_date(t):
    # Only text that the pattern accepts reaches the casts, so they cannot fail; 29 Feb is checked
    # against the year (the day before 1 March). CASE arms run in order and an arm whose condition
    # is false is never evaluated, not even when PostgreSQL folds constants.
    feb_29_ok = or_(func.substr(t, SIX, FIVE) != _const("02-29"),
                    extract("day", func.make_date(cast(func.substr(t, ONE, FOUR), Integer), THREE, ONE) - ONE)
                    == _const(29))
    return case((t.op("~")(_const(_PG_ISO_DATE)), case((feb_29_ok, cast(t, Date())))))


safe_date = _block("safe_date", _sqlite_safe_date, _pg_safe_date)


# --- dates: arithmetic ---------------------------------------------------------------------------

def _sqlite_add_months(d, n):
    # SQLite's '+N months' rolls Jan 31 over to Mar 2. Where it rolls over, the last day of the
    # target month is earlier, so the earlier of the two is the clamped date (ISO text sorts as dates).
    rolled = func.date(d, func.printf(_const("%+d months"), n))
    month_end = func.date(d, _const("start of month"), func.printf(_const("%+d months"), n + ONE), _const("-1 day"))
    return func.min(rolled, month_end)


def _pg_month_start(d):
    return func.make_date(_pg_part("year")(d), _pg_part("month")(d), ONE)


add_months = _block(
    "add_months", _sqlite_add_months,
    lambda d, n: cast(d + _pg_int(n) * literal_column("INTERVAL '1 month'"), Date()))
add_days = _block(
    "add_days", lambda d, n: func.date(d, func.printf(_const("%+d days"), n)),
    lambda d, n: cast(d, Date()).op("+")(_pg_int(n)))
days_between = _block(
    "days_between", lambda a, b: cast(func.round(func.julianday(b) - func.julianday(a)), Integer),
    lambda a, b: cast(cast(b, Date()).op("-")(cast(a, Date())), Integer))
month_end = _block(
    "month_end", lambda d: func.date(d, _const("start of month"), _const("+1 month"), _const("-1 day")),
    lambda d: cast(_pg_month_start(d) + literal_column("INTERVAL '1 month - 1 day'"), Date()))


# --- text and numbers ----------------------------------------------------------------------------

contains = _block("contains", lambda s, p: func.instr(s, p) > 0, lambda s, p: func.strpos(s, p) > 0)


def _glob_pattern(p):
    # LIKE in SQLite ignores the case of ASCII letters; GLOB does not. Translate the LIKE pattern:
    # protect GLOB's own wildcards first, then map % -> * and _ -> ?.
    out = func.replace(p, _const("["), _const("[[]"))
    out = func.replace(out, _const("*"), _const("[*]"))
    out = func.replace(out, _const("?"), _const("[?]"))
    out = func.replace(out, _const("%"), _const("*"))
    return func.replace(out, _const("_"), _const("?"))


# PostgreSQL's LIKE takes a backslash as an escape by default; ESCAPE '' makes it plain text as in SQLite
like = _block("like", lambda s, p: s.op("GLOB")(_glob_pattern(p)), lambda s, p: s.like(p, escape=""))
# / always divides exactly: 7 / 2 is 3.5 on both (SQLite REAL, PostgreSQL NUMERIC)
to_decimal = _block("to_decimal", lambda x: cast(x, Float()), lambda x: cast(x, Numeric()))
to_text = _block("to_text", lambda x: cast(x, Text), lambda x: cast(x, Text))
round_ = _block("round", lambda x, n: func.round(x, n), lambda x, n: func.round(cast(x, Numeric()), _pg_int(n)))
substr2 = _block("substr2", lambda s, a: func.substr(s, a), lambda s, a: func.substr(s, _pg_int(a)))
substr3 = _block("substr3", lambda s, a, n: func.substr(s, a, n),
                 lambda s, a, n: func.substr(s, _pg_int(a), _pg_int(n)))


def _fixed_text_block(scale: int):
    return _block(f"fixed_text_{scale}", lambda v: case((v.is_not(None), func.printf(_const(f"%.{scale}f"), v))),
                  lambda v: cast(func.round(cast(v, Numeric()), _const(scale)), Text))


_FIXED = {scale: _fixed_text_block(scale) for scale in range(11)}  # made once: blocks are classes


def fixed_text(x: ColumnElement, scale: int) -> ColumnElement:
    """A decimal as text with exactly `scale` decimals on both (SQLite keeps amounts as floats)."""
    block = _FIXED.get(int(scale))
    return block(x) if block is not None else to_text(x)


# SQLite's parser (an LALR parser with a stack of about 100 entries in 3.40) holds, while it reads
# a sub-expression, the symbols of everything around it that is still open: `f(` + `DISTINCT?` for a
# first argument (3), `f( x ,` for a later one (5), `CASE WHEN c THEN` for a result (5, later ones
# 6), `CAST(` (2), `a +` for a right operand (2), `(` (1). Summing these along the deepest path gives
# the stack an expression needs; MAX_SQLITE_NESTING leaves room for the statement around it
# (SELECT ... WHERE other AND (...)). tests/expressions/test_limits.py checks it on real SQLite.
MAX_SQLITE_NESTING = 80
MAX_SQL_SIZE = 10000  # nodes of the expanded SQL, on either database


def _children(el) -> list[tuple[object, int]]:
    """The sub-expressions of a SQL element with the parser stack each one adds."""
    if isinstance(el, Case):
        kids: list[tuple[object, int]] = [] if el.value is None else [(el.value, 2)]
        for i, (cond, result) in enumerate(el.whens):
            kids += [(cond, 3 if i == 0 else 4), (result, 5 if i == 0 else 6)]
        return kids + ([] if el.else_ is None else [(el.else_, 4)])
    if isinstance(el, FunctionElement):
        return [(arg, 3 if i == 0 else 5) for i, arg in enumerate(el.clauses.clauses)]
    if isinstance(el, BinaryExpression):
        return [(el.left, 0), (el.right, 3)]
    if isinstance(el, BooleanClauseList):
        return [(c, 0 if i == 0 else 2) for i, c in enumerate(el.clauses)]
    if isinstance(el, Cast):
        return [(el.clause, 2)]
    if isinstance(el, (Grouping, UnaryExpression)):
        return [(child, 1) for child in el.get_children()]
    return [(child, 0) for child in el.get_children()]


def expanded_shape(sql: ColumnElement, dialect: str) -> tuple[int, int]:
    """(size, nesting) of the SQL for a dialect ('sqlite' or 'postgresql') once every block is expanded.

    Blocks and functions use an argument several times (age() reads the birth date twice), so
    nesting them multiplies the SQL; nesting is weighted by how much of SQLite's parser stack each
    construct takes. Both are measured without rendering (sharing the work between the uses of one
    argument) so that an expression can be refused before it grows huge or overflows the parser.
    """
    memo: dict[int, tuple[int, int]] = {}
    keep: list[object] = []  # expansions stay alive so that ids are not reused while measuring

    def shape(el) -> tuple[int, int]:
        key = id(el)
        if key in memo:
            return memo[key]
        if isinstance(el, _Block):
            expansion = _IMPL[el.block][dialect](*el.clauses.clauses)
            keep.append(expansion)
            size, depth = shape(expansion)
            result = (size, depth + 1)  # the block's brackets
        else:
            size, depth = 1, 0
            for child, cost in _children(el):
                s, d = shape(child)
                size += s
                depth = max(depth, d + cost)
            result = (size, depth)
        memo[key] = result
        return result

    return shape(sql)
