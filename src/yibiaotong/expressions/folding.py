"""Constant folding: date functions whose arguments are all literals or parameters run in Python.

``period_end(add_months(:period, -1))`` is known when the expression is compiled, so it becomes one
bound date instead of SQL that the database would compute for every row. Each function here gives
exactly what its SQL gives (tests compare the two); a None argument gives None, as SQL NULL does.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from yibiaotong.expressions import types as T


def _as_date(v: Any) -> date:
    """A date from a date, a date-time or a month 'YYYY-MM' (its first day)."""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return date(int(v[:4]), int(v[5:7]), 1)


def _month_text(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _trunc_div(a: int, b: int) -> int:
    """Integer division toward zero, as SQLite and PostgreSQL do it."""
    q = abs(a) // b
    return -q if a < 0 else q


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def _ymd(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def _month_number(d: date) -> int:
    return d.year * 1200 + d.month * 100 + d.day


def _age(birth: date, at: date) -> int:
    return _trunc_div(_ymd(at) - _ymd(birth), 10000)


def _part(index: int) -> Callable[[Any], int]:
    def part(v: Any) -> int:
        if isinstance(v, str):  # a month
            return (int(v[:4]), int(v[5:7]))[index]
        d = _as_date(v)
        return (d.year, d.month, d.day)[index]

    return part


def _add_months(v: Any, n: int) -> Any:
    if isinstance(v, str):
        return _month_text(add_months(_as_date(v), n))
    return add_months(_as_date(v), n)


# function name -> Python implementation over the (coerced) literal arguments
FOLDERS: dict[str, Callable[..., Any]] = {
    "date": lambda v: _as_date(v) if not isinstance(v, str) else T.parse_date(v),
    "year": _part(0),
    "month": _part(1),
    "day": _part(2),
    "month_of": lambda v: v if isinstance(v, str) else _month_text(_as_date(v)),
    "add_months": _add_months,
    "add_days": lambda v, n: date.fromordinal(_as_date(v).toordinal() + n),
    "days_between": lambda a, b: (_as_date(b) - _as_date(a)).days,
    "months_between": lambda a, b: _trunc_div(_month_number(_as_date(b)) - _month_number(_as_date(a)), 100),
    "age": _age,
    "age_at_month_end": lambda birth, m: _age(_as_date(birth), _month_end(_as_date(m))),
    "period_start": lambda v: _as_date(v).replace(day=1),
    "period_end": lambda v: _month_end(_as_date(v)),
}


def fold(name: str, values: list[Any], today: date) -> tuple[bool, Any]:
    """(True, value) when the function can be computed here, else (False, None)."""
    folder = FOLDERS.get(name)
    if folder is None:
        return False, None
    if name == "age" and len(values) == 1:
        values = [values[0], today]
    if any(v is None for v in values):
        return True, None
    try:
        return True, folder(*values)
    except (ValueError, OverflowError):  # a date outside 0001-9999: leave it to the database
        return False, None
