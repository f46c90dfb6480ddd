"""One safe expression language (表达式) for report definitions and rules.

Expressions look like SQL expressions — ``age(出生日期) >= 80 and died is null``,
``sum_if(amount, level = '1')``, ``month_of(start_date) = :period`` — and compile to SQLAlchemy
Core expressions that run inside SQLite and PostgreSQL. There is no Python eval and no SQL text
from the user ever reaches the database: the text is parsed (sqlglot), every construct checked
against a whitelist, and the SQL rebuilt from the tree with bind parameters for every value.

    >>> expr = parse("age(birth_date, :today) >= 80")
    >>> compiled = compile(expr, Scope({"t": table}), {"today": date(2025, 11, 30)})
    >>> select(table.c.person_name).where(compiled.sql)

Problems (unknown names, type errors, forbidden constructs) are raised together as one
:class:`ExpressionError`, each located by ``{"expression": text, "position": offset}``.
"""

from yibiaotong.expressions.compiler import CompiledExpression, compile, compile_filter
from yibiaotong.expressions.functions import FUNCTIONS, FunctionSpec
from yibiaotong.expressions.parser import Expression, parse
from yibiaotong.expressions.problems import ExpressionError
from yibiaotong.expressions.scope import Scope
from yibiaotong.expressions.types import TYPES

__all__ = [
    "FUNCTIONS", "TYPES", "CompiledExpression", "Expression", "ExpressionError", "FunctionSpec", "Scope",
    "compile", "compile_filter", "parse",
]
