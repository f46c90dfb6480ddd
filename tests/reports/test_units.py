"""Periods, title lines and cell conversions on their own."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from yibiaotong.elements.model import CodeList, CodeItem, Element
from yibiaotong.errors import YbtError
from yibiaotong.reports.period import Period
from yibiaotong.reports.titles import Place, fill_line, fill_title
from yibiaotong.reports.values import converter

LINJIANG = Place(("永川区", "临江镇"))
JAN = Period.parse("2024-01")


def test_period():
    assert Period.parse("2024年1月") == JAN == Period.parse("2024/01")
    assert (JAN.text, JAN.zh, JAN.end, JAN.quarter) == ("2024-01", "2024年1月", date(2024, 1, 31), 1)
    with pytest.raises(YbtError):
        Period.parse("2024-13")


@pytest.mark.parametrize(("title", "filled"), [
    ("永川区农村低保花名册", "永川区临江镇农村低保花名册（2024年1月）"),
    ("____年__月残疾人生活补贴上报花名册", "永川区临江镇2024年1月残疾人生活补贴上报花名册"),
    ("某月高龄津贴发放花名册", "永川区临江镇1月高龄津贴发放花名册"),
    ("____镇（街道）2023年度统计表", "临江镇2023年度统计表"),
])
def test_titles(title, filled):
    assert fill_title(title, LINJIANG, JAN) == filled


def test_unit_and_date_lines():
    line = "填报单位（盖章）：        填报日期：    年   月   日"
    assert fill_line(line, LINJIANG, JAN, date(2024, 2, 5)) == "填报单位（盖章）：永川区临江镇  填报日期：2024年2月5日"
    assert fill_line("单位：元", LINJIANG, JAN, date(2024, 2, 5)) == "单位：元"  # a measure unit stays
    assert fill_line("统计时间：", LINJIANG, JAN, date(2024, 2, 5)) == "统计时间：2024年1月"


def test_converters():
    idn = Element("id_number", "身份证号", "id_number", sensitivity="sensitive")
    assert converter("id_number", idn)("500118195003010113") == ("s", "500118********0113")
    assert converter("id_number", idn, reveal=True)("500118195003010113") == ("s", "500118195003010113")
    amount = Element("paid", "实发金额", "amount", unit="元")
    assert converter("amount", amount, form_unit="万元")(Decimal("15000")) == ("n", 1.5)
    sex = CodeList("sex", "性别", (CodeItem("1", "男"), CodeItem("2", "女")))
    assert converter("code", Element("gender", "性别", "code"), sex)("2") == ("s", "女")
    text = converter("text")
    assert text("=1+2") == ("q", "=1+2") and text("@x")[0] == "q" and text("-") == ("q", "-")
    assert text("正常") == ("s", "正常") and text(None) == ("b", None)
    assert converter("month")("2024-01") == ("s", "2024年1月")
    assert converter("boolean")(True) == ("s", "是")
