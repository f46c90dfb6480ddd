"""Problems of an expression, located by the expression text and a character offset."""

from __future__ import annotations

from typing import Any

from yibiaotong.errors import Problem, YbtError


class ExpressionError(YbtError):
    """An expression that cannot be used; every problem says where in the text it is."""


def _problem(code: str, text: str, position: int | None, **params: Any) -> Problem:
    location: dict[str, Any] = {"expression": text}
    if position is not None:
        location["position"] = position
    return Problem(code, params, location)


def not_allowed(text: str, position: int | None, construct: str, construct_en: str, advice: str = "",
                advice_en: str = "") -> Problem:
    return _problem("expression-not-allowed", text, position, construct=construct, construct_en=construct_en,
              advice=advice or "表达式只能使用字段、:参数、运算符和函数列表中的函数。",
              advice_en=advice_en or "Use columns, :parameters, operators and the listed functions only.")


def type_error(text: str, position: int | None, reason: str, reason_en: str, advice: str = "",
               advice_en: str = "") -> Problem:
    return _problem("expression-type-error", text, position, reason=reason, reason_en=reason_en,
              advice=advice or "日期只能与日期比较，文字与文字比较（文字值加单引号），数值才能计算。",
              advice_en=advice_en or "Compare dates with dates and text with quoted text; compute with numbers only.")
