"""Mainland mobile and landline numbers."""

from __future__ import annotations

import pytest

from yibiaotong.elements.phone import mask_phone, parse_phone


@pytest.mark.parametrize("raw", [
    "13812345678", "138 1234 5678", "138-1234-5678", " 13812345678 ", "+86 138 1234 5678",
    "+8613812345678", "+86-138-1234-5678", "8613812345678", "008613812345678", "（+86）13812345678",
    "１３８１２３４５６７８", 13812345678, 13812345678.0,
])
def test_mobile_spellings(raw):
    assert parse_phone(raw) == ("13812345678", None)
    assert parse_phone(raw, "mobile") == ("13812345678", None)


@pytest.mark.parametrize("prefix", ["13", "14", "15", "16", "17", "18", "19"])
def test_every_mobile_prefix(prefix):
    number = prefix + "912345678"
    assert parse_phone(number, "mobile") == (number, None)


@pytest.mark.parametrize("raw, expected", [
    ("023-49871234", "023-49871234"),
    ("(023)49871234", "023-49871234"),
    ("（023）49871234", "023-49871234"),
    ("02349871234", "023-49871234"),
    ("023 4987 1234", "023-49871234"),
    ("023-4987-1234", "023-49871234"),
    ("+86 23 4987 1234", "023-49871234"),    # international form drops the trunk 0
    ("010-62751234", "010-62751234"),        # Beijing
    ("0755-2345678", "0755-2345678"),        # 4-digit area code, 7-digit local number
    ("075523456789", "0755-23456789"),       # 4-digit area code, 8-digit local number
    ("023-49871234转801", "023-49871234转801"),
    ("023-49871234-801", "023-49871234转801"),
    ("023-49871234 ext. 801", "023-49871234转801"),
    ("02349871234分机8", "023-49871234转8"),
])
def test_landlines(raw, expected):
    assert parse_phone(raw) == (expected, None)


def test_a_mobile_element_refuses_landlines():
    number, problem = parse_phone("023-49871234", "mobile")
    assert number is None
    assert problem.code == "invalid-mobile"


def test_a_local_number_needs_the_area_code():
    assert parse_phone("49871234")[1].code == "invalid-phone"
    assert parse_phone("49871234", area_code="023") == ("023-49871234", None)
    assert parse_phone("4987-1234", area_code="023") == ("023-49871234", None)


@pytest.mark.parametrize("raw", [
    "12345678901",     # mobiles start 13-19
    "1381234567",      # 10 digits
    "138123456789",    # 12 digits
    "023-1234567",     # 3-digit area codes have 8-digit local numbers
    "023-01234567",    # local numbers do not start with 0
    "001-20255501",    # not an area code
    "+1 202 555 0123",
    "13812345678转1",  # mobiles have no extensions
    "无",
    "电话",
])
def test_invalid_numbers(raw):
    number, problem = parse_phone(raw)
    assert number is None
    assert problem.code == "invalid-phone"


@pytest.mark.parametrize("raw", [
    "13812345678/13987654321", "13812345678，13987654321", "13812345678、023-49871234",
    "13812345678 13987654321", "13812345678或13987654321",
])
def test_two_numbers_in_one_cell(raw):
    number, problem = parse_phone(raw)
    assert number is None
    assert problem.code == "multiple-phone-numbers"


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_empty(raw):
    assert parse_phone(raw) == (None, None)


def test_masking():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("023-49871234") == "023-****1234"
    assert mask_phone("0755-2345678") == "0755-***5678"
    assert mask_phone("023-49871234转801") == "023-****1234转801"
    assert mask_phone("123") == "***"
    assert mask_phone("无") == "无" and mask_phone("/") == "/" and mask_phone("无1") == "**"
    assert mask_phone("幺三八一二三四五六七八") == "幺三八****五六七八"  # written in words: still a number


def test_problems_never_carry_the_full_number():
    _, problem = parse_phone("13812345678/13987654321")
    text = str(problem) + repr(problem.to_dict())
    assert "13812345678" not in text and "13987654321" not in text
    _, problem = parse_phone("023-49871234", "mobile")
    assert problem.params["value"] == "023-****1234"
