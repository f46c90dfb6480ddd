"""Dates, months, date-times and years as Chinese clerks write them.

Accepted: ``2024年1月5日``, ``2024.1.5``, ``2024-01-05``, ``2024/1/5``, ``20240105``,
``2024-01-05 00:00:00``, ``二〇二四年一月五日``, full-width digits, Python date/datetime objects
and Excel serial numbers. Every parser returns ``(value, None)``, ``(None, problem)``, or
``(None, None)`` for empty input (whether a value is required is the caller's business).

Excel serial numbers count days from 1899-12-30 and Excel believes 1900 was a leap year, so
serial 60 is the nonexistent 1900-02-29. Only serials from 61 (1900-03-01) to 73050
(2099-12-31) are accepted: below 61 Excel and LibreOffice disagree by a day. Whole numbers
1900-2100 in a date cell are read as a year someone typed, not as a day count, and rejected.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from yibiaotong.errors import Problem

CHINA = ZoneInfo("Asia/Shanghai")  # the clerks' calendar, whatever clock the server keeps
MIN_YEAR, MAX_YEAR = 1900, 2100  # outside this window a year in grassroots records is a typo
EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 0, chosen so that serials from 61 on are right
EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX = 61, 73050  # 1900-03-01 .. 2099-12-31

_SEP = r"\s*[-./年]\s*"
_DATE = re.compile(r"(\d{4})" + _SEP + r"(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*[日号]?|(\d{4})(\d{2})(\d{2})")
_MONTH = re.compile(r"(\d{4})" + _SEP + r"(\d{1,2})\s*月?|(\d{4})(\d{2})")
_TIME = re.compile(r"(\d{1,2})\s*[:时点]\s*(?:(\d{1,2})\s*(?:[:分]\s*(?:(\d{1,2}(?:\.\d+)?)\s*秒?)?)?)?")
_YEAR = re.compile(r"(\d{4})\s*(?:年度?)?")
_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0"}


def today() -> date:
    """Today on a clerk's calendar in China (a server keeping UTC is a day behind before 08:00):
    what a date of something that has happened may not be later than."""
    return datetime.now(CHINA).date()


def parse_date(raw: object) -> tuple[date | None, Problem | None]:
    """A calendar date; a time part, if any, is dropped."""
    if _empty(raw):
        return None, None
    if isinstance(raw, datetime):
        return raw.date(), None
    if isinstance(raw, date):
        return raw, None
    if _is_number(raw):
        moment = _from_number(raw)
        return (moment.date(), None) if moment else (None, _bad("invalid-date", raw))
    split = _split(_clean(raw))
    if split is None or (split[1] and _time_of(split[1]) is None):
        return None, _serial_as_text(raw) or _bad("invalid-date", raw)
    return split[0], None


def _serial_as_text(raw: object) -> Problem | None:
    """A date column formatted as text keeps an Excel date pasted into it as its serial number
    (45296): not taken as a date — the clerk sees which day it would be and writes it."""
    text = _clean(raw)
    if not re.fullmatch(r"\d{5}", text):
        return None
    moment = _from_number(int(text))
    return Problem("date-serial-as-text", {"value": text, "date": moment.date().isoformat()}) if moment else None


def parse_month(raw: object) -> tuple[str | None, Problem | None]:
    """A year and month as ``'YYYY-MM'``. A full date gives its month (Excel turns a typed
    ``2024-01`` into the date 2024-01-01). The float 2024.1 is rejected: it may have been
    2024.10 before Excel dropped the trailing zero.
    """
    if _empty(raw):
        return None, None
    if isinstance(raw, date):
        return f"{raw.year:04d}-{raw.month:02d}", None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, float) and re.fullmatch(r"\d{4}\.\d{1,2}", repr(raw)):
        if repr(raw).endswith(".1"):
            return None, _bad("invalid-month", raw)
        raw = repr(raw)  # 2024.01, 2024.12 ...
    if _is_number(raw) and not 100000 <= raw <= 999999:  # not 202401: an Excel serial
        moment = _from_number(raw)
        return (moment.strftime("%Y-%m"), None) if moment else (None, _bad("invalid-month", raw))
    text = _clean(raw)
    m = _MONTH.fullmatch(text)
    if m:
        y, mo = (int(g) for g in (m.groups()[:2] if m.group(1) else m.groups()[2:]))
        if MIN_YEAR <= y <= MAX_YEAR and 1 <= mo <= 12:
            return f"{y:04d}-{mo:02d}", None
        return None, _bad("invalid-month", raw)
    day, problem = parse_date(text)
    if problem or day is None:
        return None, _bad("invalid-month", raw)
    return f"{day.year:04d}-{day.month:02d}", None


def parse_datetime(raw: object) -> tuple[datetime | None, Problem | None]:
    """A date and time (naive, as written). A date alone means midnight."""
    if _empty(raw):
        return None, None
    if isinstance(raw, datetime):
        return raw, None
    if isinstance(raw, date):
        return datetime.combine(raw, time()), None
    if _is_number(raw):
        moment = _from_number(raw)
        return (moment, None) if moment else (None, _bad("invalid-datetime", raw))
    split = _split(_clean(raw))
    clock = _time_of(split[1]) if split else None
    if split is None or clock is None:
        return None, _bad("invalid-datetime", raw)
    return datetime.combine(split[0], clock), None


def parse_year(raw: object) -> tuple[int | None, Problem | None]:
    """A four-digit year (``2024``, ``2024年``, 2024.0, a date's year)."""
    if _empty(raw):
        return None, None
    if isinstance(raw, date):
        return raw.year, None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    m = _YEAR.fullmatch(_clean(raw)) if not isinstance(raw, (float, bool)) else None
    if m and MIN_YEAR <= int(m.group(1)) <= MAX_YEAR:
        return int(m.group(1)), None
    return None, _bad("invalid-year", raw)


def age_on(born: date, on: date) -> int:
    """周岁: full years from a birth date to a day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def excel_serial_to_datetime(serial: float) -> datetime | None:
    """The moment an Excel serial means (1900 date system), or None outside the accepted range."""
    if not EXCEL_SERIAL_MIN <= serial < EXCEL_SERIAL_MAX + 1:
        return None
    # round to the second: Excel stores times as binary fractions of a day
    return EXCEL_EPOCH + timedelta(seconds=round(serial * 86400))


def _from_number(raw: float) -> datetime | None:
    if isinstance(raw, float) and not math.isfinite(raw):
        return None
    if float(raw).is_integer():
        whole = int(raw)
        if MIN_YEAR <= whole <= MAX_YEAR:  # a year typed into a date cell
            return None
        if 19000101 <= whole <= 21001231:  # 20240105 typed into a number cell
            value = _make_date(whole // 10000, whole // 100 % 100, whole % 100)
            return datetime.combine(value, time()) if value else None
    elif MIN_YEAR <= raw < MAX_YEAR + 1 and re.fullmatch(r"\d{4}\.\d{1,2}", repr(raw)):
        return None  # 1950.03, a year and month typed into a number cell: not Excel's day in 1905
    return excel_serial_to_datetime(raw)


def _split(text: str) -> tuple[date, str] | None:
    """The date at the start of the text and whatever follows it (a time, normally)."""
    m = _DATE.match(text)
    if not m:
        return None
    y, mo, d = (int(g) for g in (m.groups()[:3] if m.group(1) else m.groups()[3:]))
    value = _make_date(y, mo, d)
    return (value, text[m.end():].strip().removeprefix("T").strip()) if value else None


def _time_of(text: str) -> time | None:
    """``08:30``, ``08:30:00``, ``8时30分``, ``8点``; empty text is midnight."""
    if not text:
        return time()
    m = _TIME.fullmatch(text)
    if not m:
        return None
    hour, minute, second = int(m.group(1)), int(m.group(2) or 0), float(m.group(3) or 0)
    if hour > 23 or minute > 59 or second >= 60:
        return None
    return time(hour, minute, int(second))


def _make_date(y: int, mo: int, d: int) -> date | None:
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    try:
        return date(y, mo, d)
    except ValueError:  # 2023-02-29, 2024-13-01
        return None


def _clean(raw: object) -> str:
    """Half-width, trimmed text with Chinese numerals written as digits."""
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    return re.sub(r"[〇零○一二三四五六七八九十]+", _cn_number, text)


def _cn_number(m: re.Match[str]) -> str:
    run = m.group(0)
    if "十" not in run:  # a year is spelt digit by digit: 二〇二四
        return "".join(_CN_DIGITS[c] for c in run)
    tens, _, units = run.partition("十")  # 十二, 二十, 二十五, 三十一
    if len(tens) > 1 or len(units) > 1:
        return run  # not a month or a day: leave it, the pattern will reject it
    return str(int(_CN_DIGITS.get(tens, "1")) * 10 + int(_CN_DIGITS.get(units, "0")))


def _is_number(raw: object) -> bool:
    return isinstance(raw, (int, float)) and not isinstance(raw, bool)


def _empty(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _bad(code: str, raw: object) -> Problem:
    return Problem(code, {"value": str(raw)})
