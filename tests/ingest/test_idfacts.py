"""A row's 出生日期 and 性别 held against its ID number (digits 7–14 the birth date, the 17th odd for
a man), and a 出生年月 filled to the month completed by it."""

from __future__ import annotations

from datetime import date

import openpyxl

from tests.ingest.conftest import TOWN, id_number, person
from yibiaotong.ingest import import_file


def codes(report) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for p in report.problems:
        out.setdefault(p.location.get("row"), []).append(p.code)
    return out


def test_a_birth_date_or_sex_the_id_number_contradicts_returns_the_row(intake):
    rows = [person(1), person(2, **{"出生日期": "1951-03-04"}), person(3, **{"性别": "女"}), person(4)]
    report = import_file(intake.engine, intake.roster("花名册.xlsx", rows), org_unit=TOWN)
    assert report.rows_imported == 2 and report.rows_invalid == 2
    first = 5  # the template's first data row
    assert codes(report) == {first + 1: ["birth-date-not-id"], first + 2: ["gender-not-id"]}
    birth, sex = report.problems
    assert birth.location["header"] == "出生日期" and "与身份证号码中的出生日期（1952年3月3日）不一致" in birth.message_zh
    assert sex.location["header"] == "性别" and "第17位表示男" in sex.message_zh
    assert rows[1]["身份证号码"] not in birth.message_zh + birth.message_en  # no ID number in the words
    assert intake.store.get("person_identity", rows[3]["身份证号码"])["birth_date"] == date(1954, 5, 5)
    # the error workbook marks the cell that disagrees, for the clerk to check
    ws = openpyxl.load_workbook(report.error_workbook).active
    assert ws.cell(5, 5).fill.fgColor.rgb.endswith("FFC7CE") and not ws.cell(5, 4).fill.fgColor.rgb.endswith("FFC7CE")


def test_a_birth_month_the_id_number_completes_is_stored_as_its_birth_date(intake):
    """出生年月 filled 1952年3月 or 1955.06 (a number in Excel: not a day of 1905) is the month of the
    ID number's birth date: kept as that date. Another month is said; without a valid ID number a
    month is no date."""
    rows = [person(2, **{"出生日期": "1952年3月"}), person(5, **{"出生日期": 1955.06}),
            person(9, **{"出生日期": 1959.1}),  # 1959.10 in Excel: October, as its ID number says
            person(7, **{"出生日期": "1957年9月"}),
            person(9, **{"出生日期": "1950年1月", "身份证号码": id_number(date(1950, 1, 10), 777)[:17] + "0"})]
    assert rows[3]["身份证号码"][6:12] == "195708"
    report = import_file(intake.engine, intake.roster("出生年月.xlsx", rows), org_unit=TOWN)
    assert report.rows_imported == 3, report.problems
    assert intake.store.get("person_identity", rows[0]["身份证号码"])["birth_date"] == date(1952, 3, 3)
    assert intake.store.get("person_identity", rows[2]["身份证号码"])["birth_date"] == date(1959, 10, 10)
    assert intake.store.get("person_identity", rows[1]["身份证号码"])["birth_date"] == date(1955, 6, 6)
    first = 5
    said = codes(report)
    assert said[first + 3] == ["birth-month-not-id"]
    assert "出生年月“1957年9月”与身份证号码中的出生年月（1957年8月）不一致" in report.problems[0].message_zh
    assert "invalid-date" in said[first + 4]  # no valid ID number to complete it with


def test_a_month_typed_into_excel_is_its_first_day_which_the_id_number_completes(intake):
    """1952-3 typed into Excel becomes the date 1952-03-01: the month of the ID number's 1952-03-03,
    not a birth date contradicting it. Another month's first day still does."""
    from datetime import datetime

    rows = [person(2, **{"出生日期": datetime(1952, 3, 1)}), person(3, **{"出生日期": datetime(1953, 5, 1)})]
    report = import_file(intake.engine, intake.roster("月初.xlsx", rows), org_unit=TOWN)
    assert report.rows_imported == 1 and [p.code for p in report.problems] == ["birth-date-not-id"]
    assert intake.store.get("person_identity", rows[0]["身份证号码"])["birth_date"] == date(1952, 3, 3)

