"""Amounts and quantities with Chinese units."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yibiaotong.elements.numbers import (
    extract_unit,
    parse_decimal,
    parse_integer,
    parse_quantity,
    unit_factor,
)


@pytest.mark.parametrize("raw, expected", [
    ("1200", "1200"),
    ("1,200", "1200"),
    ("1,200,000.50", "1200000.50"),
    ("1200元", "1200"),
    ("1200 元", "1200"),
    ("1200（元）", "1200"),
    ("1200块", "1200"),
    ("￥1,200.50", "1200.50"),
    ("¥1200", "1200"),
    ("RMB1200", "1200"),
    ("１，２００．５", "1200.5"),
    (" 1 200 ", "1200"),          # a number stored as text, with a thousands space
    ("-1200", "-1200"),
    ("−1,200", "-1200"),          # U+2212 minus sign
    ("-￥1200", "-1200"),
    ("1.5万", "15000"),           # 万 is a number word
    ("2亿", "200000000"),
    ("3千", "3000"),
    ("1.2E+3", "1200"),           # CSV export of a large number
    (".5", "0.5"),
    (1200, "1200"),
    (1200.5, "1200.5"),
    (0.1, "0.1"),                 # not 0.1000000000000000055...
    (Decimal("12.30"), "12.30"),
])
def test_plain_numbers(raw, expected):
    value, problem = parse_decimal(raw)
    assert problem is None
    assert value == Decimal(expected)
    assert isinstance(value, Decimal)


def test_money_conversion():
    assert parse_decimal("1.5万元", "元") == (Decimal(15000), None)
    assert parse_decimal("1.5万", "元") == (Decimal(15000), None)
    assert parse_decimal("15000元", "万元") == (Decimal("1.5"), None)
    assert parse_decimal("3亿元", "万元") == (Decimal(30000), None)
    assert parse_decimal("5角", "元") == (Decimal("0.5"), None)
    assert parse_decimal("12千元", "元") == (Decimal(12000), None)


def test_the_headers_unit_applies_to_bare_numbers():
    # column 金额(万元), cell 1.5, element wants 元
    assert parse_decimal("1.5", "元", source_unit="万元") == (Decimal(15000), None)
    assert parse_decimal(1.5, "元", source_unit="万元") == (Decimal(15000), None)
    # a unit written in the cell wins over the header
    assert parse_decimal("800元", "元", source_unit="万元") == (Decimal(800), None)
    # no target: the header's unit is the target
    assert parse_decimal("1.5万元", source_unit="元") == (Decimal(15000), None)
    assert parse_decimal("1.5", source_unit="万元") == (Decimal("1.5"), None)


def test_area_conversion():
    value, problem = parse_decimal("2亩", "平方米")
    assert problem is None
    assert value.quantize(Decimal("0.01")) == Decimal("1333.33")  # 2 * 10000/15
    assert parse_decimal("3亩", "平方米") == (Decimal(2000), None)  # exact
    assert parse_decimal("15亩", "公顷") == (Decimal(1), None)
    assert parse_decimal("1公顷", "亩") == (Decimal(15), None)
    assert parse_decimal("500㎡", "亩") == (Decimal("0.75"), None)
    assert parse_decimal("1.2平方公里", "亩") == (Decimal(1800), None)
    assert parse_decimal("2万亩", "亩") == (Decimal(20000), None)


def test_weight_conversion():
    assert parse_decimal("100斤", "公斤") == (Decimal(50), None)
    assert parse_decimal("3千克", "斤") == (Decimal(6), None)
    assert parse_decimal("2 吨", "kg") == (Decimal(2000), None)
    assert parse_decimal("2t", "斤") == (Decimal(4000), None)


def test_units_that_do_not_convert():
    value, problem = parse_decimal("1200元", "亩")
    assert value is None
    assert problem.code == "unit-mismatch"
    assert problem.params == {"value": "1200元", "unit": "元", "target_unit": "亩"}
    assert parse_decimal("3户", "人")[1].code == "unit-mismatch"  # counts never convert
    assert parse_decimal("5", "亩", source_unit="万元")[1].code == "unit-mismatch"


def test_a_unit_the_table_does_not_know_is_fine_when_it_is_the_elements_own():
    assert parse_decimal("3件", "件") == (Decimal(3), None)
    assert parse_decimal("3件")[1].code == "invalid-number"


@pytest.mark.parametrize("raw", [
    "12,00",        # not thousands grouping
    "1.2.3",
    "NaN", "Infinity", "inf",
    "1200(约)",     # a remark in brackets is not a unit
    "(1200)",
    "元", "万",
    "abc", "一千二",
    "/", "-",
    True,           # bool is an int in Python, never an amount
    float("nan"), float("inf"),
])
def test_not_numbers(raw):
    value, problem = parse_decimal(raw)
    assert value is None
    assert problem.code == "invalid-number"


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_empty(raw):
    assert parse_decimal(raw) == (None, None)
    assert parse_integer(raw) == (None, None)


@pytest.mark.parametrize("raw", ["12", "12.0", 12.0, 12, "12人", " 12 ", "１２", "12名"])
def test_integers(raw):
    assert parse_integer(raw) == (12, None)


def test_integer_with_multiplier_and_unit():
    assert parse_integer("1.2万人", "人") == (12000, None)
    assert parse_integer("3户", "人")[1].code == "unit-mismatch"


@pytest.mark.parametrize("raw", [12.5, "12.5", "12.5人", "abc", "十二"])
def test_not_integers(raw):
    value, problem = parse_integer(raw)
    assert value is None
    assert problem.code == "invalid-integer"


def test_parse_quantity_returns_the_written_unit():
    assert parse_quantity("1.5万元") == (Decimal("1.5"), "万元", None)
    assert parse_quantity("1.5万") == (Decimal(15000), None, None)
    assert parse_quantity("￥1,200") == (Decimal(1200), "元", None)
    assert parse_quantity("200㎡") == (Decimal(200), "平方米", None)
    assert parse_quantity("95%") == (Decimal(95), "%", None)


def test_unit_factors():
    assert unit_factor("万元", "元") == Decimal(10000)
    assert unit_factor("元", "万元") == Decimal("0.0001")
    assert unit_factor("公顷", "亩") == Decimal(15)
    assert unit_factor("亩", "平方米").quantize(Decimal("0.001")) == Decimal("666.667")
    assert unit_factor("斤", "公斤") == Decimal("0.5")
    assert unit_factor("㎡", "平方米") == Decimal(1)
    assert unit_factor("万元/年", "元/年") == Decimal(10000)
    assert unit_factor("%", "‰") == Decimal(10)
    assert unit_factor("件", "件") == Decimal(1)
    assert unit_factor("元", "亩") is None
    assert unit_factor("人", "户") is None
    assert unit_factor("万元/年", "元/月") is None
    assert unit_factor("元/月", "元") == Decimal(1)  # 拟保障金额（元/月） into an element kept in 元
    assert unit_factor("万元", "元/年") == Decimal(10000)
    assert unit_factor("元/月", "亩") is None
    assert unit_factor("元/亩", "元") is None and unit_factor("元/人", "元") is None  # a standard is not an amount
    assert unit_factor("公斤/亩", "公斤") is None
    assert unit_factor("件", "个") is None
    # a form that names no period asks for the rate the element keeps: 流转费（元/亩） is 元/亩/年
    assert unit_factor("元/亩", "元/亩/年") == Decimal(1) and unit_factor("元/亩/年", "元/亩") == Decimal(1)
    assert unit_factor("万元/亩", "元/亩/年") == Decimal(10000)
    assert unit_factor("元/亩/月", "元/亩/年") is None and unit_factor("元/人", "元/亩/年") is None


@pytest.mark.parametrize("label, unit", [
    ("补贴金额（万元）", "万元"),
    ("面积(亩)", "亩"),
    ("面积（㎡）", "平方米"),
    ("金额（单位：万元）", "万元"),
    ("金额 单位：元", "元"),
    ("人数(人)", "人"),
    ("产量【吨】", "吨"),
    ("补助标准（元/人/月）", "元/人/月"),
    ("单产(公斤/亩)", "公斤/亩"),
    ("身份证号(必填)", None),
    ("姓名", None),
    ("数量(件)", None),
    ("备注（其他）", None),
])
def test_extract_unit(label, unit):
    assert extract_unit(label) == unit
