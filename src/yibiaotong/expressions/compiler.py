"""The compiler: a validated syntax tree + a scope + parameters -> a typed SQLAlchemy expression.

Literals and parameters become bind parameters; names become table columns; functions are built
by the registry. Types are checked on the way; every problem found is collected and raised once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Integer,
    Numeric,
    String,
    Text,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    not_,
    null,
    or_,
    true,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlglot import exp

from yibiaotong.elements.dates import today as china_today
from yibiaotong.errors import Problem
from yibiaotong.expressions import dialects as D
from yibiaotong.expressions import types as T
from yibiaotong.expressions.folding import fold
from yibiaotong.expressions.functions import FUNCTIONS, month_to_date
from yibiaotong.expressions.parser import Expression, column_text, parse
from yibiaotong.expressions.problems import ExpressionError, _problem, type_error
from yibiaotong.expressions.scope import NameError_, Scope
from yibiaotong.expressions.types import Typed


@dataclass(frozen=True)
class CompiledExpression:
    """The SQL of an expression (use it in select/where/group_by), its result type, and whether it aggregates."""

    sql: ColumnElement
    type: str
    is_aggregate: bool
    expression: Expression

    def label(self, name: str) -> ColumnElement:
        return self.sql.label(name)


def compile(expression: Expression | str, scope: Scope, params: Mapping[str, Any] | None = None, *,
            expect: str | None = None, allow_aggregates: bool = True) -> CompiledExpression:
    """Compile an expression (text or parsed) against a scope; raises :class:`ExpressionError`.

    ``params`` gives the values of ``:name`` parameters (``today`` also sets what today() means).
    ``expect="boolean"`` requires a condition; ``allow_aggregates=False`` rejects sum(), count() ...
    """
    expr = expression if isinstance(expression, Expression) else parse(expression)
    compiler = _Compiler(expr, scope, params or {})
    result = compiler.visit(expr.tree)
    if not allow_aggregates and expr.is_aggregate:
        compiler.problems.append(_problem(
            "aggregate-not-allowed", expr.text, _function_position(expr, expr.aggregates[0]),
            function=expr.aggregates[0], reason="筛选条件中不能汇总", reason_en="a filter is checked row by row"))
    if expect is not None and result.type not in (expect, T.UNKNOWN) and not (
            expect == T.DECIMAL and result.type == T.INTEGER):
        compiler.problems.append(type_error(
            expr.text, 0, f"这里需要{T.zh(expect)}，而表达式的结果是{T.zh(result.type)}",
            f"a {expect} is needed here, the expression gives a {result.type}",
            "条件要写成比较或判断，如 age(出生日期) >= 80、gender = '2'、died is null。" if expect == T.BOOLEAN else ""))
    if not compiler.problems:
        compiler.problems += _size_problems(expr, result.sql)
    if compiler.problems:
        raise ExpressionError(_dedupe(compiler.problems))
    out_type = T.TEXT if result.type == T.NULL else result.type
    return CompiledExpression(type_coerce(result.sql, T.sql_type(out_type)), out_type, expr.is_aggregate, expr)


def compile_filter(expression: Expression | str, scope: Scope, params: Mapping[str, Any] | None = None):
    """A row condition: boolean, no aggregates (for report filters and early-warning rules)."""
    return compile(expression, scope, params, expect=T.BOOLEAN, allow_aggregates=False)


def _size_problems(expr: Expression, sql: ColumnElement) -> list[Problem]:
    """Nested functions repeat their arguments in SQL; refuse what would grow too big for a database."""
    size_sqlite, nesting = D.expanded_shape(sql, "sqlite")
    size = max(size_sqlite, D.expanded_shape(sql, "postgresql")[0])
    if size > D.MAX_SQL_SIZE or nesting > D.MAX_SQLITE_NESTING:
        return [_problem("expression-too-complex", expr.text, None,
                         reason="函数套得太多，展开后的SQL过大" if size > D.MAX_SQL_SIZE else "函数或条件套得太深",
                         reason_en=f"the SQL would have {size} nodes / nesting {nesting}")]
    return []


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        key = (p.code, p.location.get("position"), tuple(sorted(map(str, p.params.items()))))
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _function_position(expr: Expression, name: str) -> int | None:
    for node in expr.tree.find_all(exp.Anonymous):
        if str(node.this).lower() == name:
            return expr.position(node)
    return None


def _sql_null() -> ColumnElement:
    """SQL NULL that every operator accepts (SQLAlchemy's null() refuses < and >)."""
    return literal_column("NULL")


def _int_literal(value: int) -> ColumnElement:
    return literal(value, Integer() if -2**31 < value < 2**31 else BigInteger())


class _Compiler:
    def __init__(self, expr: Expression, scope: Scope, params: Mapping[str, Any]):
        self.expr = expr
        self.text = expr.text
        self.scope = scope
        self.params = params
        self.problems: list[Problem] = []

    # --- helpers --------------------------------------------------------------------------------

    def pos(self, node: exp.Expression | None) -> int | None:
        return self.expr.position(node) if node is not None else None

    def label(self, node: exp.Expression) -> str:
        if isinstance(node, exp.Column):
            return column_text(node)
        text = node.sql(dialect="postgres", normalize_functions=False)
        return text if len(text) <= 30 else text[:28] + "…"

    def unknown(self, node: exp.Expression | None = None) -> Typed:
        return Typed(_sql_null(), T.UNKNOWN, node=node)

    def fail(self, node: exp.Expression | None, reason: str, reason_en: str, advice: str = "") -> Typed:
        self.problems.append(type_error(self.text, self.pos(node), reason, reason_en, advice))
        return self.unknown(node)

    def typed(self, sql, type_: str, node, *parts: Typed, **kw) -> Typed:
        return Typed(sql, type_, aggregate=any(p.aggregate for p in parts), node=node,
                     label=kw.get("label") or self.label(node))

    def coerce(self, t: Typed, accepted: frozenset[str] | set[str]) -> Typed | None:
        """t as one of the accepted types (text literals become dates/months), or None when it cannot be."""
        if t.type in accepted or t.type == T.UNKNOWN:
            return t
        if t.type == T.NULL:
            target = next(x for x in (T.TEXT, T.DATE, T.MONTH, T.INTEGER, T.DECIMAL, T.DATETIME, T.BOOLEAN)
                          if x in accepted)
            return Typed(cast(null(), T.sql_type(target)), target, node=t.node, label=t.label)
        if t.type == T.INTEGER and T.DECIMAL in accepted:
            return t
        if t.type == T.MONTH and T.TEXT in accepted:
            return t
        if t.type == T.TEXT and t.is_literal and isinstance(t.literal, str):
            if accepted & T.DATES:
                parsed = T.parse_date(t.literal)
                if parsed is not None:
                    return Typed(literal(parsed, Date()), T.DATE, literal=parsed, node=t.node, label=t.label)
            if T.MONTH in accepted and T.MONTH_RE.match(t.literal):
                return Typed(literal(t.literal, String(7)), T.MONTH, literal=t.literal, node=t.node, label=t.label)
            if accepted & T.DATES and T.DATE_RE.match(t.literal):
                self.problems.append(_problem("invalid-date", self.text, self.pos(t.node), value=t.literal))
                return self.unknown(t.node)
        return None

    def today(self) -> Typed:
        value = self.params.get("today", china_today())
        if isinstance(value, str):
            value = T.parse_date(value) or value
        elif isinstance(value, datetime):
            value = value.date()
        if not isinstance(value, date):
            self.problems.append(_problem("invalid-date", self.text, None, value=str(value)))
            return self.unknown()
        return Typed(literal(value, Date()), T.DATE, literal=value, label="today()")

    # --- the walk -------------------------------------------------------------------------------

    def visit(self, node: exp.Expression) -> Typed:
        method = getattr(self, f"visit_{type(node).__name__.lower()}", None)
        if method is None:  # the parser's whitelist and this compiler disagree: refuse, never guess
            raise AssertionError(f"no compiler for {type(node).__name__}")
        return method(node)

    def visit_paren(self, node: exp.Paren) -> Typed:
        inner = self.visit(node.this)
        return Typed(inner.sql.self_group(), inner.type, inner.aggregate, inner.literal, inner.node, inner.label)

    def visit_column(self, node: exp.Column) -> Typed:
        ident = node.this
        table = node.args.get("table")
        written = column_text(node)
        try:
            found = self.scope.resolve(str(ident.this), str(table.this) if table is not None else None,
                                       bool(ident.args.get("quoted")))
        except NameError_ as err:
            if err.tables:
                self.problems.append(_problem("ambiguous-name", self.text, self.pos(node), name=written,
                                              tables="、".join(err.tables)))
            else:
                quoted = "、".join(f"“{s}”" for s in err.suggestions)
                self.problems.append(_problem(
                    "unknown-name", self.text, self.pos(node), name=written, suggestions=err.suggestions,
                    did_you_mean=f"，是不是{quoted}？" if err.suggestions else "",
                    did_you_mean_en=f"; did you mean {', '.join(err.suggestions)}?" if err.suggestions else ""))
            return self.unknown(node)
        return Typed(found.column, found.type, node=node, label=written)

    def visit_literal(self, node: exp.Literal) -> Typed:
        raw = str(node.this)
        if node.is_string:
            return Typed(literal(raw, Text()), T.TEXT, literal=raw, node=node, label=f"'{raw}'")
        if raw.isdigit():
            value = int(raw)
            return Typed(_int_literal(value), T.INTEGER, literal=value, node=node, label=raw)
        try:
            number = Decimal(raw)
        except InvalidOperation:
            return self.fail(node, f"“{raw}”不是数字", f"{raw!r} is not a number")
        return Typed(literal(number, Numeric()), T.DECIMAL, literal=number, node=node, label=raw)

    def visit_boolean(self, node: exp.Boolean) -> Typed:
        value = bool(node.this)
        return Typed(true() if value else false(), T.BOOLEAN, literal=value, node=node, label=str(value).lower())

    def visit_null(self, node: exp.Null) -> Typed:
        return Typed(_sql_null(), T.NULL, literal=None, node=node, label="null")

    def visit_cast(self, node: exp.Cast) -> Typed:  # only date '2024-01-05' passes the parser
        raw = str(node.this.this)
        value = T.parse_date(raw)
        if value is None:
            self.problems.append(_problem("invalid-date", self.text, self.pos(node), value=raw))
            return self.unknown(node)
        return Typed(literal(value, Date()), T.DATE, literal=value, node=node, label=f"date '{raw}'")

    def visit_placeholder(self, node: exp.Placeholder) -> Typed:
        name = str(node.this)
        if name not in self.params:
            self.problems.append(_problem("unknown-parameter", self.text, self.pos(node), name=name))
            return self.unknown(node)
        value = self.params[name]
        if not isinstance(value, (str, int, float, Decimal, date, type(None))):
            return self.fail(node, f"参数 :{name} 的值只能是文字、数字、日期或是/否，而这里是{type(value).__name__}",
                             f"parameter :{name} must be text, a number, a date or a boolean, "
                             f"not {type(value).__name__}")
        type_ = T.of_value(value)
        if type_ == T.DATE and isinstance(value, str):
            value = T.parse_date(value)
        if name == "period" and type_ not in (T.MONTH, T.NULL):
            self.problems.append(_problem("invalid-month", self.text, self.pos(node), value=str(value)))
            return self.unknown(node)
        sql = _sql_null() if value is None else literal(value, T.sql_type(type_) if type_ != T.INTEGER
                                                    else (Integer() if -2**31 < value < 2**31 else BigInteger()))
        return Typed(sql, type_, literal=value, node=node, label=f":{name}")

    # operators

    def visit_neg(self, node: exp.Neg) -> Typed:
        x = self.visit(node.this)
        if self.coerce(x, T.NUMERIC) is None:
            return self.fail(node, f"只有数值才能取负号，而{x.label}是{T.zh(x.type)}", f"cannot negate a {x.type}")
        literal_value = -x.literal if x.is_literal and isinstance(x.literal, (int, Decimal)) else T.NO_LITERAL
        return Typed(-x.sql, x.type if x.type in T.NUMERIC else T.DECIMAL, x.aggregate, literal_value, node,
                     self.label(node))

    def visit_not(self, node: exp.Not) -> Typed:
        x = self.visit(node.this)
        x = self.condition(x, "not")
        return self.typed(not_(x.sql), T.BOOLEAN, node, x)

    def condition(self, x: Typed, where: str) -> Typed:
        if x.type in (T.BOOLEAN, T.UNKNOWN):
            return x
        if x.type == T.NULL:
            return Typed(cast(null(), Boolean()), T.BOOLEAN, node=x.node, label=x.label)
        self.fail(x.node, f"“{where}”要用在条件（是/否）上，而{x.label}是{T.zh(x.type)}",
                  f"{where} needs conditions, {x.label} is a {x.type}",
                  "条件要写成比较或判断，如 age(出生日期) >= 80、gender = '2'、died is null。")
        return self.unknown(x.node)

    def _chain(self, node: exp.Expression) -> list[exp.Expression]:
        """The operands of a chain a and b and c (left-deep in the tree) without recursion."""
        out, stack = [], [node]
        while stack:
            n = stack.pop()
            if type(n) is type(node):
                stack += [n.expression, n.this]
            else:
                out.append(n)
        return out

    def visit_and(self, node: exp.And) -> Typed:
        parts = [self.condition(self.visit(n), "and") for n in self._chain(node)]
        return self.typed(and_(*(p.sql for p in parts)), T.BOOLEAN, node, *parts)

    def visit_or(self, node: exp.Or) -> Typed:
        parts = [self.condition(self.visit(n), "or") for n in self._chain(node)]
        return self.typed(or_(*(p.sql for p in parts)), T.BOOLEAN, node, *parts)

    def _numbers(self, node: exp.Binary, symbol: str) -> tuple[Typed, Typed] | None:
        a, b = self.visit(node.this), self.visit(node.expression)
        ca, cb = self.coerce(a, T.NUMERIC), self.coerce(b, T.NUMERIC)
        if ca is None or cb is None:
            bad = a if ca is None else b
            advice = ""
            if bad.type in T.TEXTS:
                advice = "拼接文字请用 concat(a, b)；代码类字段不能计算。"
            elif bad.type in T.DATES:
                advice = "日期加减请用 add_days、add_months，相差天数用 days_between。"
            self.fail(bad.node, f"“{symbol}”只能用于数值，而{bad.label}是{T.zh(bad.type)}",
                      f"{symbol!r} needs numbers, {bad.label} is a {bad.type}", advice)
            return None
        return ca, cb

    def _arith(self, node: exp.Binary, symbol: str) -> Typed:
        pair = self._numbers(node, symbol)
        if pair is None:
            return self.unknown(node)
        a, b = pair
        type_ = T.numeric_result(a.type, b.type)
        sa_type = BigInteger() if type_ == T.INTEGER else Numeric()
        x, y = type_coerce(a.sql, sa_type), type_coerce(b.sql, sa_type)
        sql = {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y}[symbol]()
        return self.typed(sql, type_, node, a, b)

    def visit_add(self, node):
        return self._arith(node, "+")

    def visit_sub(self, node):
        return self._arith(node, "-")

    def visit_mul(self, node):
        return self._arith(node, "*")

    def visit_div(self, node: exp.Div) -> Typed:
        pair = self._numbers(node, "/")
        if pair is None:
            return self.unknown(node)
        a, b = pair
        # exact division on both databases; dividing by zero gives null (PostgreSQL would raise)
        sql = type_coerce(D.to_decimal(a.sql), Numeric()) / func.nullif(b.sql, 0)
        return self.typed(sql, T.DECIMAL, node, a, b)

    def visit_mod(self, node: exp.Mod) -> Typed:
        a, b = self.visit(node.this), self.visit(node.expression)
        for x in (a, b):
            if x.type not in (T.INTEGER, T.UNKNOWN, T.NULL):
                return self.fail(x.node, f"“%”（求余数）只能用于整数，而{x.label}是{T.zh(x.type)}",
                                 f"'%' needs integers, {x.label} is a {x.type}")
        sql = type_coerce(a.sql, BigInteger()) % func.nullif(b.sql, 0)
        return self.typed(sql, T.INTEGER, node, a, b)

    # comparisons

    def compare(self, node: exp.Expression, a: Typed, b: Typed, op: str) -> tuple[Typed, Typed] | None:
        if (a.type == T.NULL or b.type == T.NULL) and op in ("=", "<>"):
            self.fail(node, "不能用“=”或“<>”与 null（空值）比较，结果永远不成立",
                      "comparing with null using = or <> is never true", "判断空值请写 x is null 或 x is not null。")
            return None
        if a.type == T.TEXT and a.is_literal and b.type in (T.DATE, T.DATETIME, T.MONTH):
            a = self.coerce(a, {b.type}) or a
        if b.type == T.TEXT and b.is_literal and a.type in (T.DATE, T.DATETIME, T.MONTH):
            b = self.coerce(b, {a.type}) or b
        if T.UNKNOWN in (a.type, b.type):
            return a, b
        if not T.comparable(a.type, b.type) or (T.BOOLEAN in (a.type, b.type) and op not in ("=", "<>")):
            kinds = {a.type, b.type}
            if T.TEXT in kinds and kinds & T.NUMERIC:
                advice = "代码、编号等文字字段的值要加单引号，如 gender = '1'。"
            elif kinds & T.DATES and kinds & T.NUMERIC:
                advice = "日期请写成 date '2024-01-05'；比较年龄请用 age(出生日期) >= 80。"
            elif kinds & T.DATES and T.TEXT in kinds:
                advice = "文字转日期请用 date(文字)；日期常量写成 date '2024-01-05'。"
            else:
                advice = ""
            self.fail(node, f"不能比较{T.zh(a.type)}“{a.label}”和{T.zh(b.type)}“{b.label}”",
                      f"cannot compare a {a.type} ({a.label}) with a {b.type} ({b.label})", advice)
            return None
        return a, b

    def _comparison(self, node: exp.Binary, op: str) -> Typed:
        pair = self.compare(node, self.visit(node.this), self.visit(node.expression), op)
        if pair is None:
            return self.unknown(node)
        a, b = pair
        x, y = a.sql, b.sql
        sql = {"=": lambda: x == y, "<>": lambda: x != y, "<": lambda: x < y, "<=": lambda: x <= y,
               ">": lambda: x > y, ">=": lambda: x >= y}[op]()
        return self.typed(sql, T.BOOLEAN, node, a, b)

    def visit_eq(self, node):
        return self._comparison(node, "=")

    def visit_neq(self, node):
        return self._comparison(node, "<>")

    def visit_lt(self, node):
        return self._comparison(node, "<")

    def visit_lte(self, node):
        return self._comparison(node, "<=")

    def visit_gt(self, node):
        return self._comparison(node, ">")

    def visit_gte(self, node):
        return self._comparison(node, ">=")

    def visit_in(self, node: exp.In) -> Typed:
        a = self.visit(node.this)
        items = []
        for item_node in node.expressions:
            pair = self.compare(item_node, a, self.visit(item_node), "in")
            if pair is None:
                return self.unknown(node)
            items.append(pair[1])
        return self.typed(a.sql.in_([i.sql for i in items]), T.BOOLEAN, node, a, *items)

    def visit_between(self, node: exp.Between) -> Typed:
        a, low, high = self.visit(node.this), self.visit(node.args["low"]), self.visit(node.args["high"])
        p1, p2 = self.compare(node, a, low, "between"), self.compare(node, a, high, "between")
        if p1 is None or p2 is None:
            return self.unknown(node)
        return self.typed(a.sql.between(p1[1].sql, p2[1].sql), T.BOOLEAN, node, a, low, high)

    def visit_is(self, node: exp.Is) -> Typed:  # only `is [not] null` passes the parser
        a = self.visit(node.this)
        sql = a.sql.is_not(None) if node.args.get("negate") else a.sql.is_(None)
        return self.typed(sql, T.BOOLEAN, node, a)

    def visit_like(self, node: exp.Like) -> Typed:
        a, p = self.visit(node.this), self.visit(node.expression)
        for x in (a, p):
            if self.coerce(x, {T.TEXT}) is None:
                return self.fail(x.node, f"like 只能用于文字，而{x.label}是{T.zh(x.type)}",
                                 f"LIKE needs text, {x.label} is a {x.type}")
        sql = D.like(a.sql, p.sql)
        if node.args.get("negate"):
            sql = not_(sql)
        return self.typed(type_coerce(sql, Boolean()), T.BOOLEAN, node, a, p)

    def visit_case(self, node: exp.Case) -> Typed:
        subject = self.visit(node.this) if node.this is not None else None
        conditions, results = [], []
        for branch in node.args.get("ifs") or []:
            when = self.visit(branch.this)
            if subject is not None:
                pair = self.compare(branch, subject, when, "=")
                when = self.unknown(branch) if pair is None else self.typed(
                    pair[0].sql == pair[1].sql, T.BOOLEAN, branch, *pair)
            conditions.append(self.condition(when, "when"))
            results.append(self.visit(branch.args["true"]))
        default = node.args.get("default")
        if default is not None:
            results.append(self.visit(default))
        type_, results = self.unify(node, results, "case 的各个结果")
        whens = [(c.sql, r.sql) for c, r in zip(conditions, results)]
        else_ = results[-1].sql if default is not None else None
        parts = conditions + results + ([subject] if subject else [])
        return self.typed(case(*whens, else_=else_), type_, node, *parts)

    def unify(self, node: exp.Expression, items: list[Typed], what: str) -> tuple[str, list[Typed]]:
        plain = [i for i in items if not (i.type == T.TEXT and i.is_literal)]
        type_ = T.unify([i.type for i in plain]) if plain else T.TEXT
        if type_ is None:
            kinds = "、".join(dict.fromkeys(T.zh(i.type) for i in items if i.type not in (T.NULL, T.UNKNOWN)))
            self.fail(node, f"{what}类型不一致（{kinds}）", f"the values do not have one type ({kinds})",
                      "各个结果应是同一类：都是文字、都是数值或都是日期。")
            return T.UNKNOWN, items
        if type_ in (T.NULL, T.UNKNOWN) and len(plain) < len(items):
            type_ = T.TEXT
        out = []
        for i in items:
            c = self.coerce(i, {type_}) if type_ not in (T.NULL, T.UNKNOWN) else i
            if c is None:
                self.fail(i.node, f"{what}类型不一致：{i.label}是{T.zh(i.type)}，其他是{T.zh(type_)}",
                          f"{i.label} is a {i.type}, the others are {type_}")
                c = self.unknown(i.node)
            out.append(c)
        return type_, out

    # functions

    def visit_anonymous(self, node: exp.Anonymous) -> Typed:
        name = str(node.this).lower()
        spec = FUNCTIONS[name]
        star = distinct = False
        args: list[Typed] = []
        for arg in node.expressions:
            if isinstance(arg, exp.Star):
                star = True
                continue
            if isinstance(arg, exp.Distinct):
                distinct, arg = True, arg.expressions[0]
            args.append(self.visit(arg))
        if spec.aggregate and any(a.aggregate for a in args):
            self.problems.append(_problem("aggregate-not-allowed", self.text, self.pos(node), function=name,
                                          reason="汇总函数里不能再套汇总函数", reason_en="aggregates cannot be nested"))
            return self.unknown(node)
        problems_before = len(self.problems)
        call = Call(self, node, name, args, star=star, distinct=distinct)
        result = spec.build(call)
        if spec.aggregate:
            return Typed(result.sql, result.type, True, T.NO_LITERAL, node, result.label)
        values = call.literal_values()
        if values is not None and len(self.problems) == problems_before and result.type != T.UNKNOWN:
            today = self.today().literal if name == "age" and len(values) == 1 else None
            done, value = fold(name, values, today)
            if done:  # known now: one bound value instead of SQL computed for every row
                sql = cast(_sql_null(), T.sql_type(result.type)) if value is None else literal(value, T.sql_type(result.type))
                return Typed(sql, result.type, literal=value, node=node, label=result.label)
        return result


class Call:
    """What a function's builder sees: the compiled arguments and helpers to check and convert them."""

    def __init__(self, compiler: _Compiler, node: exp.Anonymous, name: str, args: list[Typed], *,
                 star: bool = False, distinct: bool = False):
        self.compiler = compiler
        self.node = node
        self.name = name
        self.args = args
        self.star = star
        self.distinct = distinct
        self._checked: dict[int, Typed] = {}

    def arg(self, i: int, accepted: frozenset[str] | set[str]) -> Typed:
        """Argument i as one of the accepted types; reports a type error once and returns 'unknown'."""
        if i in self._checked:
            return self._checked[i]
        a = self.args[i]
        c = self.compiler.coerce(a, accepted)
        if c is None:
            expected = "或".join(T.zh(t) for t in T.TYPES if t in accepted and not (t == T.DATETIME and T.DATE in accepted))
            c = self.compiler.fail(
                a.node, f"函数 {self.name} 的第{i + 1}个参数应为{expected}，而{a.label}是{T.zh(a.type)}",
                f"argument {i + 1} of {self.name} must be {'/'.join(sorted(accepted))}, {a.label} is a {a.type}",
                f"用法：{FUNCTIONS[self.name].usage}")
        self._checked[i] = c
        return c

    def literal_values(self) -> list[Any] | None:
        """The Python values of all (checked) arguments when every one is a literal or parameter."""
        checked = [self._checked.get(i, a) for i, a in enumerate(self.args)]
        if self.star or not all(a.is_literal for a in checked):
            return None
        return [a.literal for a in checked]

    def date_arg(self, i: int, allow_month: bool = False) -> Typed:
        """Argument i as SQL of a date (a date-time loses its time; a month means its first day)."""
        a = self.arg(i, frozenset({T.DATE, T.DATETIME, T.MONTH}) if allow_month else frozenset({T.DATE, T.DATETIME}))
        if a.type == T.DATETIME:
            return Typed(D.as_date(a.sql), T.DATE, a.aggregate, node=a.node, label=a.label)
        if a.type == T.MONTH:
            return Typed(month_to_date(a.sql), T.DATE, a.aggregate, node=a.node, label=a.label)
        return a

    def unify(self, items: list[Typed]) -> tuple[str, list[Typed]]:
        return self.compiler.unify(self.node, items, f"函数 {self.name} 的各个值")

    def integer(self, value: int) -> Typed:
        return Typed(_int_literal(value), T.INTEGER, literal=value, label=str(value))

    def today(self) -> Typed:
        return self.compiler.today()

    def result(self, sql: ColumnElement, type_: str) -> Typed:
        return Typed(sql, type_, any(a.aggregate for a in self.args), node=self.node,
                     label=self.compiler.label(self.node))
