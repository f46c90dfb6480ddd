"""Result types of expressions (表达式类型) and how they relate to element types and SQL types.

An expression has one of a few types, coarser than element types: a code, an ID number or a
phone number are all ``text`` to an expression; an amount is a ``decimal``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, Numeric, String, Text
from sqlalchemy.types import TypeEngine

TEXT, INTEGER, DECIMAL, DATE, DATETIME, MONTH, BOOLEAN = "text", "integer", "decimal", "date", "datetime", "month", "boolean"
NULL = "null"  # the literal null: fits anywhere
UNKNOWN = "unknown"  # after an error was reported: fits anywhere, so one mistake gives one problem

TYPES = (TEXT, INTEGER, DECIMAL, DATE, DATETIME, MONTH, BOOLEAN)
NUMERIC = frozenset({INTEGER, DECIMAL})
DATES = frozenset({DATE, DATETIME})
TEXTS = frozenset({TEXT, MONTH})
ANY = frozenset({TEXT, INTEGER, DECIMAL, DATE, DATETIME, MONTH, BOOLEAN})
ORDERED = ANY - {BOOLEAN}

# element type (elements.model.ELEMENT_TYPES) -> expression type
FROM_ELEMENT: dict[str, str] = {
    "text": TEXT, "code": TEXT, "id_number": TEXT, "phone": TEXT, "mobile": TEXT, "postcode": TEXT,
    "integer": INTEGER, "year": INTEGER, "decimal": DECIMAL, "amount": DECIMAL,
    "date": DATE, "datetime": DATETIME, "month": MONTH, "boolean": BOOLEAN,
}

NAMES_ZH = {
    TEXT: "文字", INTEGER: "整数", DECIMAL: "数值", DATE: "日期", DATETIME: "日期时间", MONTH: "年月",
    BOOLEAN: "是/否（条件）", NULL: "空值(null)", UNKNOWN: "未知",
}

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def zh(type_: str) -> str:
    return NAMES_ZH.get(type_, type_)


def from_element(element_type: str) -> str:
    """The expression type of an element type (unknown element types read as text)."""
    return FROM_ELEMENT.get(element_type, TEXT)


def from_sql(sql_type: TypeEngine) -> str:
    """The expression type of a column that the scope did not type explicitly."""
    if isinstance(sql_type, Boolean):
        return BOOLEAN
    if isinstance(sql_type, DateTime):
        return DATETIME
    if isinstance(sql_type, Date):
        return DATE
    if isinstance(sql_type, Integer):
        return INTEGER
    if isinstance(sql_type, Numeric):  # Float is a Numeric too
        return DECIMAL
    return TEXT


def sql_type(type_: str) -> TypeEngine:
    """The SQLAlchemy type a result of this type is read back with (dates come back as dates on SQLite)."""
    return {
        TEXT: Text(), INTEGER: BigInteger(), DECIMAL: Numeric(asdecimal=True), DATE: Date(), DATETIME: DateTime(),
        MONTH: String(7), BOOLEAN: Boolean(),
    }.get(type_, Text())


def parse_date(text: str) -> date | None:
    """A strict ISO date 'YYYY-MM-DD', else None."""
    if not DATE_RE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def of_value(value: Any) -> str:
    """The type of a parameter value given by the caller."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, (Decimal, float)):
        return DECIMAL
    if isinstance(value, datetime):
        return DATETIME
    if isinstance(value, date):
        return DATE
    text = str(value)
    if MONTH_RE.match(text):
        return MONTH
    if parse_date(text) is not None:
        return DATE
    return TEXT


def numeric_result(*types: str) -> str:
    """integer op integer is integer; anything with a decimal is decimal."""
    return DECIMAL if DECIMAL in types else INTEGER


def comparable(a: str, b: str) -> bool:
    if UNKNOWN in (a, b) or NULL in (a, b):
        return True
    return a == b or {a, b} <= NUMERIC or {a, b} <= TEXTS or {a, b} <= DATES


def unify(types: list[str]) -> str | None:
    """The common type of the branches of if/case/coalesce, or None when they do not fit together."""
    known = [t for t in types if t not in (NULL, UNKNOWN)]
    if not known:
        return UNKNOWN if UNKNOWN in types else NULL
    first = known[0]
    if all(t == first for t in known):
        return first
    kinds = set(known)
    if kinds <= NUMERIC:
        return DECIMAL
    if kinds <= TEXTS:
        return TEXT
    if kinds <= DATES:
        return DATETIME
    return None


NO_LITERAL = object()


@dataclass(frozen=True)
class Typed:
    """A compiled piece of an expression: its SQL, its type, and what it came from."""

    sql: Any  # a SQLAlchemy ColumnElement
    type: str
    aggregate: bool = False
    literal: Any = NO_LITERAL  # the Python value when the piece is a literal or a parameter
    node: Any = None  # the syntax node, for problem positions
    label: str = ""  # how messages name it: the column name, the literal as written ...

    @property
    def is_literal(self) -> bool:
        return self.literal is not NO_LITERAL
