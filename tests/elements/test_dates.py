"""Dates, months, date-times and years as clerks and Excel write them."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from yibiaotong.elements.dates import (
    excel_serial_to_datetime,
    parse_date,
    parse_datetime,
    parse_month,
    parse_year,
)

JAN5 = date(2024, 1, 5)


@pytest.mark.parametrize("raw", [
    "2024年1月5日", "2024年01月05日", "2024年1月5号", "2024.1.5", "2024.01.05", "2024-01-05",
    "2024/1/5", "20240105", "2024-01-05 00:00:00", "2024-01-05T00:00:00", " 2024 - 01 - 05 ",
    "２０２４年１月５日", "２０２４－０１－０５", "二〇二四年一月五日", "二零二四年一月五日",
    45296, 45296.0, 20240105, JAN5, datetime(2024, 1, 5, 14, 30),
])
def test_date_spellings(raw):
    assert parse_date(raw) == (JAN5, None)


def test_chinese_numerals_with_ten():
    assert parse_date("二〇二四年十二月三十一日") == (date(2024, 12, 31), None)
    assert parse_date("二〇二四年十月十日") == (date(2024, 10, 10), None)
    assert parse_date("二〇二四年二月二十日") == (date(2024, 2, 20), None)


def test_a_time_part_is_dropped_from_a_date():
    assert parse_date("2024-01-05 08:30") == (JAN5, None)
    assert parse_date(45296.75) == (JAN5, None)  # 18:00 that day


@pytest.mark.parametrize("raw", [
    "2023-02-29",       # 2023 is not a leap year
    "2024-13-01",       # month 13
    "2024-04-31",       # April has 30 days
    "2024年0月5日",
    "1900-02-29",       # 1900 was not a leap year, whatever Excel thinks
    "24-1-5",           # two-digit year: ambiguous
    "2024-01-05 25:00",  # impossible time
    "2024-1-5至2024-2-5",
    "0224-01-05",       # typo: year outside 1900-2100
    "2024",
    "明天",
    True,
    float("nan"),
])
def test_impossible_or_unreadable_dates(raw):
    value, problem = parse_date(raw)
    assert value is None
    assert problem.code == "invalid-date"
    assert problem.params["value"] == str(raw)


def test_leap_day_exists_in_leap_years():
    assert parse_date("2024-02-29") == (date(2024, 2, 29), None)
    assert parse_date("2000年2月29日") == (date(2000, 2, 29), None)


def test_excel_serial_numbers():
    assert excel_serial_to_datetime(45296) == datetime(2024, 1, 5)
    assert excel_serial_to_datetime(61) == datetime(1900, 3, 1)
    assert excel_serial_to_datetime(45296.5) == datetime(2024, 1, 5, 12, 0)
    assert excel_serial_to_datetime(73050) == datetime(2099, 12, 31)
    assert parse_date(36526) == (date(2000, 1, 1), None)


def test_excel_serial_60_is_the_nonexistent_1900_02_29_and_is_rejected():
    # Excel counts a 29 February 1900 that never was; serials below 61 also differ by a day
    # between Excel and LibreOffice, so none of them is trusted.
    assert excel_serial_to_datetime(60) is None
    assert parse_date(60)[1].code == "invalid-date"
    assert parse_date(59)[1].code == "invalid-date"
    assert parse_date(1)[1].code == "invalid-date"


@pytest.mark.parametrize("raw", [1990, 2024, 0, -5, 73051, 10**9, float("inf")])
def test_implausible_serials_are_rejected(raw):
    # 1990 in a date cell is a year someone typed, not 1905-06-12
    assert parse_date(raw)[1].code == "invalid-date"


@pytest.mark.parametrize("raw", [None, "", "  ", "\u3000"])
def test_empty_input(raw):
    assert parse_date(raw) == (None, None)
    assert parse_month(raw) == (None, None)
    assert parse_datetime(raw) == (None, None)
    assert parse_year(raw) == (None, None)


@pytest.mark.parametrize("raw", [
    "2024年1月", "2024年01月", "2024-01", "2024.01", "2024.1", "2024/1", "202401", "２０２４年１月",
    "二〇二四年一月", 202401, 2024.01, 202401.0, JAN5, datetime(2024, 1, 31, 23, 59),
    "2024-01-05",   # a full date names its month
    45296,          # Excel turned a typed 2024-01 into a date
])
def test_month_spellings(raw):
    assert parse_month(raw) == ("2024-01", None)


def test_month_ten_and_twelve():
    assert parse_month("2024.10") == ("2024-10", None)
    assert parse_month("2024年12月") == ("2024-12", None)
    assert parse_month(2024.12) == ("2024-12", None)


def test_float_2024_1_is_ambiguous():
    # the clerk may have typed 2024.10 and Excel dropped the zero
    assert parse_month(2024.1)[1].code == "invalid-month"


@pytest.mark.parametrize("raw", ["2024年13月", "2024-00", "202413", "2024", 2024, "1月", "2024-02-30", "上个月"])
def test_invalid_months(raw):
    value, problem = parse_month(raw)
    assert value is None and problem.code == "invalid-month"


@pytest.mark.parametrize("raw, expected", [
    ("2024-01-05 08:30", datetime(2024, 1, 5, 8, 30)),
    ("2024-01-05 08:30:15", datetime(2024, 1, 5, 8, 30, 15)),
    ("2024-01-05T08:30:00", datetime(2024, 1, 5, 8, 30)),
    ("2024年1月5日8时30分", datetime(2024, 1, 5, 8, 30)),
    ("2024年1月5日 8点", datetime(2024, 1, 5, 8, 0)),
    ("2024/1/5 18:05", datetime(2024, 1, 5, 18, 5)),
    ("2024-01-05", datetime(2024, 1, 5)),
    (JAN5, datetime(2024, 1, 5)),
    (45296.75, datetime(2024, 1, 5, 18, 0)),
    (45296.000011574, datetime(2024, 1, 5, 0, 0, 1)),  # one second, as Excel stores it
    (datetime(2024, 1, 5, 8, 30), datetime(2024, 1, 5, 8, 30)),
])
def test_datetimes(raw, expected):
    assert parse_datetime(raw) == (expected, None)


@pytest.mark.parametrize("raw", ["2024-01-05 24:00", "2024-01-05 08:60", "2024-01-05 上午", "2023-02-29 08:00", 60])
def test_invalid_datetimes(raw):
    value, problem = parse_datetime(raw)
    assert value is None and problem.code == "invalid-datetime"


@pytest.mark.parametrize("raw", ["2024", "2024年", "2024年度", " 2024 ", "２０２４", "二〇二四年", 2024, 2024.0, JAN5])
def test_years(raw):
    assert parse_year(raw) == (2024, None)


@pytest.mark.parametrize("raw", ["24", "1899", "2101", "2024.5", 2024.5, "二〇二四年一月", True, "去年"])
def test_invalid_years(raw):
    value, problem = parse_year(raw)
    assert value is None and problem.code == "invalid-year"


def test_an_excel_serial_kept_as_text_is_named_with_its_day_not_taken():
    """A date pasted into a column formatted as text keeps its serial (45296): refused, with the day it
    would be, so the clerk can tell a serial from a typo; a number cell's serial is a date as ever."""
    value, problem = parse_date("45296")
    assert value is None and problem.code == "date-serial-as-text"
    assert problem.params == {"value": "45296", "date": "2024-01-05"} and "2024-01-05" in problem.message_zh
    assert parse_date(45296) == (date(2024, 1, 5), None)
    assert parse_date("2024")[1].code == "invalid-date" and parse_date("123")[1].code == "invalid-date"
