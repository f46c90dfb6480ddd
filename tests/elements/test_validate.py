"""coerce(): one value for one data element, typed, checked, with masked problems."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from yibiaotong.elements import dates
from yibiaotong.elements.model import AnswerError, CodeItem, CodeList, Element
from yibiaotong.elements.validate import coerce, mask
from yibiaotong.errors import CATALOG

SEX = CodeList("gb_t_2261_1_sex", "人的性别代码", (
    CodeItem("0", "未知的性别"), CodeItem("1", "男", ("男性",)), CodeItem("2", "女", ("女性",)),
    CodeItem("9", "未说明的性别"),
))
ETHNIC = CodeList("gb_t_3304_ethnic", "中国各民族名称的罗马字母拼写法和代码", (
    CodeItem("01", "汉族", ("汉",)), CodeItem("02", "蒙古族"), CodeItem("15", "土家族"),
))
CODELISTS = {SEX.id: SEX, ETHNIC.id: ETHNIC}


def el(type_: str, **kw) -> Element:
    return Element(id=kw.pop("id", "x"), name=kw.pop("name", "测试"), type=type_, **kw)


ID_EL = el("id_number", id="id_number", sensitivity="sensitive")
YONGCHUAN = "500118199001011237"


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", "\n", "\u200b", float("nan")])
@pytest.mark.parametrize("type_", ["text", "integer", "amount", "date", "boolean", "id_number", "phone"])
def test_empty_is_no_value_and_no_problem(type_, raw):
    assert coerce(el(type_), raw) == (None, [])


@pytest.mark.parametrize("raw", ["/", "—", "-", "无"])
def test_placeholders_are_not_empty(raw):
    assert coerce(el("text"), raw) == (raw, [])


def test_text_is_trimmed_and_collapsed():
    assert coerce(el("text"), "  重庆市\n永川区   中山路街道 ") == ("重庆市 永川区 中山路街道", [])
    assert coerce(el("text"), "ＡＢＣ１２３号") == ("ABC123号", [])           # full-width Latin/digits
    assert coerce(el("text"), "备注：已核实（见附件），无误。") == ("备注：已核实（见附件），无误。", [])
    assert coerce(el("text"), "张\u200b三") == ("张三", [])                  # zero-width space
    assert coerce(el("text"), 12.0) == ("12", [])                            # house number as a float
    assert coerce(el("text"), 12) == ("12", [])


def test_text_rules():
    short = el("text", validation={"max_length": 4})
    value, problems = coerce(short, "重庆市永川区")
    assert value is None
    assert [p.code for p in problems] == ["text-too-long"]
    assert problems[0].params == {"length": 6, "max_length": 4}
    assert problems[0].message_zh == "内容过长（6字，最多4字）"
    coded = el("text", validation={"pattern": r"[A-Z]\d{3}"})
    assert coerce(coded, "A123") == ("A123", [])
    assert coerce(coded, "a1234")[1][0].code == "pattern-mismatch"


def test_integers_with_bounds():
    age = el("integer", id="age", unit="岁", validation={"min": 0, "max": 150})
    assert coerce(age, "86岁") == (86, [])
    assert coerce(age, 86.0) == (86, [])
    value, problems = coerce(age, "151")
    assert value is None
    assert problems[0].code == "value-too-large"
    assert problems[0].params == {"value": "151", "max": 150}
    assert problems[0].location == {"element": "age"}
    assert coerce(age, "-1")[1][0].code == "value-too-small"
    assert coerce(age, "12.5")[1][0].code == "invalid-integer"


def test_amounts_keep_the_digits_their_column_keeps_and_huge_numbers_are_said_not_raised():
    money, share = el("amount", id="paid"), el("decimal", id="share")
    # rounded half away from zero as PostgreSQL's NUMERIC(20,2) rounds, so SQLite stores the same
    assert coerce(money, "120.555") == (Decimal("120.56"), []) and coerce(money, -0.125) == (Decimal("-0.13"), [])
    assert coerce(money, 33.333333) == (Decimal("33.33"), []) and coerce(money, "120.5") == (Decimal("120.5"), [])
    assert coerce(share, "0.123456") == (Decimal("0.1235"), [])
    for huge in ("1e30", 1e30, "1000000000000000000000000000000.001"):  # more digits than Decimal keeps
        assert coerce(money, huge)[1][0].code == "number-not-storable"
    assert coerce(el("integer", id="n"), "1e30")[1][0].code == "number-not-storable"
    # a million-digit number is said at once (int() of it took minutes: one cell stalled an import)
    for absurd in ("1e999999", "-1E+999999", "9" * 60 + "万元"):
        assert coerce(el("integer", id="n"), absurd)[1][0].code == "number-not-storable"
        assert coerce(money, absurd)[1][0].code == "number-not-storable"
    assert coerce(money, "1e-400")[1][0].code == "invalid-number"  # not "too large"


def test_float_bounds_compare_as_written():
    # Decimal('0.1') < 0.1 (the float) is True; a bound of 0.1 must still accept 0.1
    ratio = el("decimal", validation={"min": 0.1, "max": 0.3})
    assert coerce(ratio, "0.1") == (Decimal("0.1"), [])
    assert coerce(ratio, "0.3") == (Decimal("0.3"), [])
    assert coerce(ratio, "0.31")[1][0].code == "value-too-large"


def test_amounts_convert_to_the_elements_unit():
    subsidy = el("amount", unit="元")
    assert coerce(subsidy, "1.5万元") == (Decimal(15000), [])
    assert coerce(subsidy, "￥1,200.50") == (Decimal("1200.50"), [])
    assert coerce(subsidy, 1.5, source_unit="万元") == (Decimal(15000), [])
    in_wan = el("amount", unit="万元")
    assert coerce(in_wan, "15000元") == (Decimal("1.5"), [])
    # an amount with no unit declared is in 元
    assert coerce(el("amount"), "1.5万元") == (Decimal(15000), [])


def test_area_in_mu_refuses_money():
    area = el("decimal", id="contract_area", unit="亩")
    assert coerce(area, "2000平方米") == (Decimal(3), [])
    value, problems = coerce(area, "1200元")
    assert value is None
    assert problems[0].code == "unit-mismatch"
    assert problems[0].location == {"element": "contract_area"}
    assert problems[0].message_zh == "单位“元”无法换算为“亩”"


def test_dates_months_datetimes_years():
    assert coerce(el("date"), "2024年1月5日") == (date(2024, 1, 5), [])
    assert coerce(el("date"), 45296) == (date(2024, 1, 5), [])
    assert coerce(el("month"), "2024.1") == ("2024-01", [])
    assert coerce(el("datetime"), "2024-01-05 08:30") == (datetime(2024, 1, 5, 8, 30), [])
    assert coerce(el("year"), "2024年") == (2024, [])
    value, problems = coerce(el("date", id="death_date"), "2023-02-29")
    assert value is None
    assert problems[0].code == "invalid-date"
    assert problems[0].location == {"element": "death_date"}
    assert problems[0].message_zh == "日期无效：2023-02-29"


def test_a_date_of_something_that_has_happened_cannot_be_later_than_today():
    """``not_future`` (出生日期, 发证日期 ...): a date, month or year that has not come yet is a typo.
    Today is a clerk's in China, whatever clock the server keeps."""
    today = dates.today()
    past = {"not_future": True}
    value, problems = coerce(el("date", id="birth_date", validation=past), "2052年1月5日")
    assert value is None and [p.code for p in problems] == ["date-in-future"]
    assert problems[0].location == {"element": "birth_date"}
    assert problems[0].message_zh == "日期晚于今天：2052年1月5日"
    assert today.isoformat() in problems[0].hint_zh and "年份" in problems[0].hint_zh
    assert coerce(el("date", validation=past), today) == (today, [])
    assert coerce(el("date", validation=past), today + timedelta(days=1))[1][0].code == "date-in-future"
    assert coerce(el("datetime", validation=past), datetime(today.year + 1, 1, 1, 8))[1][0].code == "date-in-future"
    assert coerce(el("month", validation=past), f"{today.year + 1}-01")[1][0].code == "date-in-future"
    assert coerce(el("month", validation=past), today.strftime("%Y-%m")) == (today.strftime("%Y-%m"), [])
    assert coerce(el("year", validation=past), str(today.year + 1))[1][0].code == "date-in-future"
    # without the rule a date may lie ahead (到期日期, 计划完成时间); a search parses without it
    assert coerce(el("date"), "2052-01-05") == (date(2052, 1, 5), [])
    assert coerce(el("date", validation=past), "2052-01-05", rules=False) == (date(2052, 1, 5), [])


def test_today_is_the_day_in_china(monkeypatch):
    """At 23:30 UTC it is already the next day in Beijing: the date a clerk types as today is today."""
    import datetime as dt

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC).astimezone(tz)

    monkeypatch.setattr(dates, "datetime", Clock)
    assert dates.today() == dt.date(2026, 12, 1)


def test_year_bounds_apply():
    year = el("year", validation={"min": 2000})
    assert coerce(year, "1999")[1][0].code == "value-too-small"


@pytest.mark.parametrize("raw", ["是", "有", "√", "✓", "☑", "☒", "Y", "yes", "TRUE", "1", 1, 1.0, True, " 是 ",
                                 "☑是 □否", "■是□否", "□无 √有"])
def test_booleans_true(raw):
    assert coerce(el("boolean"), raw) == (True, [])


@pytest.mark.parametrize("raw", ["否", "无", "没有", "×", "✗", "□", "N", "no", "False", "0", 0, 0.0, False,
                                 "□是  ☑否"])
def test_booleans_false(raw):
    assert coerce(el("boolean"), raw) == (False, [])


@pytest.mark.parametrize("raw", ["/", "-", "不详", "2", 2, "☑是 ☑否", "□是 ☑不详"])
def test_booleans_unreadable(raw):
    value, problems = coerce(el("boolean"), raw)
    assert value is None and problems[0].code == "invalid-boolean"


def test_a_printed_choice_with_nothing_ticked_is_not_answered():
    assert coerce(el("boolean"), "□是  □否") == (None, [])  # the template's own print: left blank


@pytest.mark.parametrize("raw", ["1", "男", "男性", " 男 ", 1, 1.0, "１"])
def test_codes_by_code_label_alias_or_number(raw):
    sex = el("code", codelist=SEX.id)
    assert coerce(sex, raw, CODELISTS) == ("1", [])


def test_excel_drops_leading_zeros_of_codes():
    ethnic = el("code", codelist=ETHNIC.id)
    assert coerce(ethnic, 1, CODELISTS) == ("01", [])        # the number 1 was code 01
    assert coerce(ethnic, 15.0, CODELISTS) == ("15", [])
    assert coerce(ethnic, "汉族", CODELISTS) == ("01", [])
    assert coerce(ethnic, "1", CODELISTS)[1][0].code == "not-in-codelist"  # text keeps its digits


def test_values_outside_the_code_list():
    sex = el("code", codelist=SEX.id)
    value, problems = coerce(sex, "男的", CODELISTS)
    assert value is None
    assert problems[0].code == "not-in-codelist"
    assert problems[0].message_zh == "“男的”不在代码表《人的性别代码》中"


def test_missing_code_list_is_reported():
    value, problems = coerce(el("code", codelist="nope"), "1", CODELISTS)
    assert value is None
    assert problems[0].code == "unknown-codelist"
    assert coerce(el("code", codelist=SEX.id), "1")[1][0].code == "unknown-codelist"  # no lists given


def test_id_numbers_are_normalized_and_masked_in_problems():
    assert coerce(ID_EL, "50011819900101123 7") == (YONGCHUAN, [])
    assert coerce(ID_EL, "130503670401001") == ("130503196704010016", [])
    value, problems = coerce(ID_EL, YONGCHUAN[:17] + "8")
    assert value is None
    assert problems[0].code == "id-number-checksum"
    assert problems[0].params["value"] == "500118********1238"
    assert problems[0].location == {"element": "id_number"}
    assert YONGCHUAN[:17] not in str(problems[0])
    assert coerce(ID_EL, 5.00118199001011e17)[1][0].code == "id-number-mangled"


def test_phones_are_normalized_and_masked_in_problems():
    phone = el("phone", id="contact_phone", sensitivity="personal")
    assert coerce(phone, "(023)49871234") == ("023-49871234", [])
    assert coerce(phone, 13812345678) == ("13812345678", [])
    mobile = el("mobile", id="mobile")
    value, problems = coerce(mobile, "023-49871234")
    assert value is None
    assert problems[0].code == "invalid-mobile"
    assert problems[0].params["value"] == "023-****1234"
    assert problems[0].location == {"element": "mobile"}


def test_postcodes():
    post = el("postcode")
    assert coerce(post, "402160") == ("402160", [])
    assert coerce(post, 402160) == ("402160", [])
    assert coerce(post, 10010) == ("010010", [])       # Hohhot, leading zero lost in Excel
    assert coerce(post, "４０２１６０") == ("402160", [])
    for bad in ("40216", "4021600", "邮编"):
        assert coerce(post, bad)[1][0].code == "invalid-postcode"


def test_sensitive_values_are_hidden_in_problems():
    disability = el("integer", id="disability_level", sensitivity="sensitive", validation={"max": 4})
    value, problems = coerce(disability, "5")
    assert value is None
    assert problems[0].params["value"] == "***"
    assert problems[0].params["max"] == 4


def test_unknown_type_is_a_definition_problem():
    value, problems = coerce(el("colour"), "red")
    assert value is None and problems[0].code == "invalid-definition"


def test_mask():
    assert mask(ID_EL, YONGCHUAN) == "500118********1237"
    assert mask(el("phone"), "13812345678") == "138****5678"
    assert mask(el("mobile"), "13812345678") == "138****5678"
    assert mask(el("text", sensitivity="sensitive"), "二级肢体残疾") == "***"
    assert mask(el("text", sensitivity="personal"), "张三") == "张三"
    assert mask(el("boolean"), True) == "是"
    assert mask(el("date"), date(2024, 1, 5)) == "2024-01-05"
    assert mask(el("text"), None) == ""


def test_every_problem_code_used_here_is_catalogued():
    src = Path(__file__).resolve().parents[2] / "src" / "yibiaotong" / "elements"
    names = ("idnumber.py", "dates.py", "phone.py", "numbers.py", "validate.py")
    codes = {c for n in names for c in re.findall(r'"([a-z]+(?:-[a-z0-9]+)+)"', (src / n).read_text("utf-8"))}
    assert codes >= {"id-number-mangled", "invalid-date", "unit-mismatch", "multiple-phone-numbers"}
    assert codes <= set(CATALOG)


@pytest.mark.parametrize("kind, raw", [("id_number", "500118********1234"), ("phone", "138****5678"), ("text", "***"),
                                       ("code", "***")])
def test_a_masked_value_from_an_export_is_never_taken_for_the_value(kind, raw):
    value, problems = coerce(el(kind), raw)
    assert value is None and [p.code for p in problems] == ["masked-value"]
    assert "脱敏" in problems[0].message_zh


def test_a_persons_name_loses_the_spaces_that_line_it_up():
    """validation person_name: 王  五 padded to line up with three-character names is 王五; a Latin
    name keeps its space, a name with a dot loses the spaces around it."""
    from yibiaotong.elements.model import Element

    name = Element("person_name", "姓名", validation={"person_name": True})
    assert coerce(name, "王  五") == ("王五", []) and coerce(name, " 王　五 ") == ("王五", [])
    assert coerce(name, "John  Smith") == ("John Smith", []) and coerce(name, "阿依古丽 · 买买提") == ("阿依古丽·买买提", [])
    assert coerce(Element("address", "地址"), "临江镇 红星村") == ("临江镇 红星村", [])  # not a name: kept


def test_a_code_list_answered_by_a_forms_yes_no_column():
    """是/否 under 是否到账 stand for 已发放 and 发放失败: each answer means its code only, is that
    code's label, and the list's other spellings still read; an answer naming no code is refused."""

    status = CodeList("payment_status", "发放状态", (
        CodeItem("1", "待发放", ("未发放",)), CodeItem("2", "已发放", ("是", "已到账")),
        CodeItem("3", "发放失败", ("未到账",))))
    answered = status.answered({"是": "2", "否": "3"}, "payment_status@是否到账")
    assert answered.id == "payment_status@是否到账" and answered.name == "发放状态"
    assert [answered.lookup(v) for v in ("是", "否", "已到账", "未到账", "待发放", "3")] == ["2", "3", "2", "3", "1", "3"]
    assert (answered.label("2"), answered.label("3"), answered.label("1")) == ("是", "否", "待发放")
    assert status.lookup("否") is None and status.label("2") == "已发放"  # the list itself is unchanged
    with pytest.raises(AnswerError) as info:
        status.answered({"是": "9"}, "x")
    assert (info.value.answer, info.value.code) == ("是", "9")
    with pytest.raises(AnswerError) as info:  # not answer: code pairs
        status.answered(["是", "否"], "x")
    assert (info.value.answer, info.value.code) == (None, None)
    ones = status.answered({"1": "2", "0": "3"}, "x")  # answers spelling codes: the answers win
    assert [ones.lookup(v) for v in ("1", "0", "待发放")] == ["2", "3", "1"] and ones.label("2") == "1"
